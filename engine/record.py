"""Writes a run's files: config.toml, metrics.csv, grad_norms.csv, layer_stats.csv, summary.json,
and for a recurrent net time_grads.csv (the gradient through time, dL/dh_t at t = 1..T).

Rows are written as steps arrive, so a long run needs no memory for its history and an
interrupted run leaves every finished row on disk. `every` thins grad_norms.csv and
time_grads.csv (the files with a row per step) to every N-th step, plus step 1 and the last step
recorded. Only finite numbers are written: the step at which a run diverges is named in
summary.json, not written as a row of infinities; a statistic that does not apply to a layer is
an empty cell.
"""

from __future__ import annotations

import csv
import itertools
import json
import math
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from engine.config import Config, ConfigError, write_atomic
from engine.results import METRIC_NAMES, STAT_NAMES, Evaluation, Metrics, RunStatus, StepRecord

METRICS_COLUMNS = ("step", *METRIC_NAMES)
LAYER_STATS_COLUMNS = ("step", "layer", *STAT_NAMES)


def grad_norm_columns(n_layers: int) -> list[str]:
    return ["step"] + [f"layer_{i}" for i in range(1, n_layers + 1)]


def time_grad_columns(time_steps: int) -> list[str]:
    """time_grads.csv's header: the step, then the recurrent net's time labels t_1 .. t_T."""
    return ["step"] + [f"t_{t}" for t in range(1, time_steps + 1)]


def csv_cell(value: float) -> str:
    """A float as a CSV cell: its repr, or empty when it is not finite."""
    return repr(float(value)) if math.isfinite(value) else ""


def json_safe(data: Any) -> Any:
    """`data` with numpy scalars as Python numbers and every non-finite float, at any depth, as
    None, so that json.dumps writes valid JSON."""
    if isinstance(data, dict):
        return {str(k): json_safe(v) for k, v in data.items()}
    if isinstance(data, list | tuple):
        return [json_safe(v) for v in data]
    if isinstance(data, np.generic):
        data = data.item()
    if isinstance(data, float) and not math.isfinite(data):
        return None
    return data


class RunRecorder:
    """Streams StepRecords into the run's CSV files in `out_dir`."""

    def __init__(
        self,
        out_dir: str | Path,
        config: Config,
        n_layers: int,
        initial: Metrics | None = None,
        every: int = 1,
        time_steps: int = 0,
    ):
        """`initial`: the untrained network (Run.initial), written as metrics.csv's step-0 row;
        `every`: grad_norms.csv gets steps 1, every, 2 every, ... and the last one recorded;
        `time_steps`: T of a recurrent run (Run.time_steps), whose records' time_rms go to
        time_grads.csv on the same rows as grad_norms.csv; 0 (an mlp) writes no such file."""
        if every < 1:
            raise ConfigError(f"every = {every} is not allowed: every must be an integer >= 1")
        self.every = every
        self.time_steps = time_steps
        # the latest step's per-step rows (grad_norms, time_grads) that the thinning skipped
        self._skipped: list[tuple[Any, list[Any]]] = []
        self.last_step = 0  # the latest step written to the files
        self.out_dir = Path(out_dir)
        self.out_dir.mkdir(parents=True, exist_ok=True)
        config.save(self.out_dir / "config.toml")
        self._files = []
        self._metrics = self._open("metrics.csv", METRICS_COLUMNS)
        if initial is not None:
            self._write_metrics(initial)
        self._grads = self._open("grad_norms.csv", grad_norm_columns(n_layers))
        self._layers = self._open("layer_stats.csv", LAYER_STATS_COLUMNS)
        self._times = self._open("time_grads.csv", time_grad_columns(time_steps)) if time_steps else None

    def _open(self, name: str, header: Iterable[str]) -> Any:
        f = open(self.out_dir / name, "w", newline="", encoding="utf-8")
        self._files.append(f)
        writer = csv.writer(f)
        writer.writerow(header)
        return writer

    def add(self, record: StepRecord) -> None:
        if not record.finite:
            return  # the diverged step: summary.json names it
        rows = [(self._grads, [record.step, *map(csv_cell, record.grad_norms)])]
        if self._times is not None:
            # a record without time_rms (none is expected from a recurrent run) gets empty cells
            times = record.time_rms if record.time_rms is not None else [math.nan] * self.time_steps
            rows.append((self._times, [record.step, *map(csv_cell, times)]))
        if record.step == 1 or record.step % self.every == 0:
            for writer, row in rows:
                writer.writerow(row)
            self._skipped = []
        else:
            self._skipped = rows  # written by close() if no later step comes
        self.last_step = record.step
        ev = record.evaluation
        if ev is not None:
            self._write_metrics(ev)
            for layer, row in enumerate(ev.layers.rows(), start=1):
                self._layers.writerow([ev.step, layer, *map(csv_cell, row)])

    def _write_metrics(self, m: Metrics | Evaluation) -> None:
        self._metrics.writerow([m.step, *map(csv_cell, (m.train_loss, m.train_error, m.val_loss, m.val_error))])

    def close(self, summary: dict[str, Any] | None = None) -> None:
        """Close the CSV files (with the last per-step rows the thinning skipped) and write
        summary.json. On an error the files are still closed, and the error is raised."""
        try:
            if self._files:
                for writer, row in self._skipped:
                    writer.writerow(row)
            self._skipped = []
        finally:
            files, self._files = self._files, []
            errors = []
            for f in files:
                try:
                    f.close()
                except OSError as exc:  # a full disk shows here, when the buffer is flushed
                    errors.append(exc)
            if errors:
                raise errors[0]
        if summary is not None:
            write_json(self.out_dir / "summary.json", summary)

    def __enter__(self) -> RunRecorder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def prepare_out_dir(out: Path, config: Config, *subdirs: str) -> None:
    """Create --out (and `subdirs` in it) and write config.toml there; ConfigError if it cannot."""
    try:
        for sub in subdirs or ("",):
            (out / sub).mkdir(parents=True, exist_ok=True)
        config.save(out / "config.toml")
    except OSError as exc:
        raise ConfigError(f"cannot write to --out {str(out)!r}: {exc}") from None


def stderr_printer(quiet: bool):
    """A function that prints a progress line to stderr, or nothing when `quiet`."""

    def say(line: str) -> None:
        if not quiet:
            print(line, file=sys.stderr, flush=True)

    return say


def write_json(path: Path, data: dict[str, Any]) -> None:
    """Atomic write; non-finite floats become null so the file stays valid JSON."""
    write_atomic(path, json.dumps(json_safe(data), indent=2, ensure_ascii=False) + "\n")


def interrupted_summary(summary: dict[str, Any], last_step: int, why: str) -> dict[str, Any]:
    """A Run.summary() taken after the run was stopped from outside: status `interrupted`, and
    `steps_run` the last step whose rows are in the files."""
    if summary.get("status") not in (RunStatus.READY.value, RunStatus.RUNNING.value):
        return summary  # it had ended on its own before the signal arrived
    return {**summary, "status": RunStatus.INTERRUPTED.value, "message": f"{why} after step {last_step}", "steps_run": last_step}


def record_run(
    records: Iterable[StepRecord],
    out_dir: str | Path,
    config: Config,
    n_layers: int,
    summary: dict[str, Any],
    time_steps: int | None = None,
) -> None:
    """Write already collected records (the app's CSV export). `time_steps` (T, for
    time_grads.csv) is read from the first record's time_rms when not given: records that carry
    none (an mlp) write no time_grads.csv."""
    records = iter(records)
    first = next(records, None)
    if time_steps is None:
        time_steps = 0 if first is None or first.time_rms is None else len(first.time_rms)
    rec = RunRecorder(out_dir, config, n_layers, Metrics.from_summary(summary), time_steps=time_steps)
    try:
        for r in itertools.chain([first] if first is not None else [], records):
            rec.add(r)
    finally:
        rec.close(summary)
