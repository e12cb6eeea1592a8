"""Sweeps: a grid of configurations, each trained headless, in parallel processes.

`vanishing-point sweep --grid depth=2,8,16 --grid activation=sigmoid,relu --out DIR` trains
every combination of the grid's values on top of the resolved configuration. Each cell is an
ordinary run, so it writes the files of `vanishing-point run` to DIR/cells/<index>/ (1-based, in
the table's row order) and its numbers equal that command's with the same settings. The whole
grid becomes DIR/sweep.csv (one row per cell) and DIR/sweep.png, a heatmap drawn here without
Qt or matplotlib: a PNG is a few zlib-compressed rows of bytes.

`--seeds N` trains every cell at N seeds (seed, seed + 1, ...), each in
DIR/cells/<index>/seed_<s>/; sweep.csv then holds each cell's spread over the seeds (mean, std,
min, median, max of the headline numbers) and sweep_runs.csv one row per run.

Runs that could share a stacked network (a cell's seeds; cells that differ only in what a stack
lets its networks differ in, such as init or init_gain) go to a worker together and train as one
(engine.stack), each exactly as it would alone: the files do not depend on it.

`--scheduler ADDRESS` sends the runs to a Dask cluster (engine.cluster) instead of local
processes; the files are the same either way.

A finished run leaves `sweep_cell.json` in its folder, written atomically after every other
file: its configuration, the engine's version, its step-1 gradient norms and its files' sizes.
Running the same sweep again into the same DIR reuses every run whose record matches and redoes
the rest, so an interrupted sweep resumes where it stopped.

Workers are started with the "spawn" method: a forked child would inherit torch's thread pools
and locks half-initialized.
"""

from __future__ import annotations

import contextlib
import csv
import enum
import itertools
import json
import math
import multiprocessing
import os
import signal
import statistics
import struct
import sys
import threading
import time
import zlib
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from engine import __version__
from engine.config import Config, ConfigError, positive_int
from engine.record import csv_cell, json_safe, prepare_out_dir, stderr_printer, write_json
from engine.results import LOG10_SCALE, NOT_FINITE_RGB, ZERO_RGB

GRAD_COLUMNS = ("grad_first_step1", "grad_last_step1")


# --- the grid -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Grid:
    keys: tuple[str, ...]
    values: tuple[tuple[Any, ...], ...]  # per key, parsed and in the order given

    def settings(self) -> list[dict[str, Any]]:
        """One {key: value} per cell; the first key varies slowest (row-major)."""
        return [dict(zip(self.keys, combo)) for combo in itertools.product(*self.values)]

    def cells(self, base: Config) -> list[Config]:
        """Every cell's configuration, validated as a whole (a value may clash with another)."""
        configs = []
        for settings in self.settings():
            try:
                configs.append(base.replace(**settings))
            except ConfigError as exc:
                raise ConfigError(f"grid cell {describe(settings)}: {exc}") from None
        return configs


def parse_grid(items: Sequence[str], base: Config) -> Grid:
    """`KEY=V1,V2,...` strings, checked like --set; ConfigError names the bad key or value."""
    if not items:
        raise ConfigError("a sweep needs at least one --grid KEY=V1,V2,..., for example --grid depth=2,8,16")
    keys: list[str] = []
    values: list[tuple[Any, ...]] = []
    for item in items:
        key, sep, text = item.partition("=")
        key = key.strip()
        texts = [t.strip() for t in text.split(",")]
        if not sep or not key or not all(texts):
            raise ConfigError(f"--grid {item!r}: expected KEY=V1,V2,..., for example --grid depth=2,8,16")
        if key in keys:
            raise ConfigError(f"--grid {key} is given twice: list all its values in one --grid {key}=V1,V2,...")
        parsed = tuple(getattr(base.with_strings([f"{key}={t}"]), key) for t in texts)
        if len(set(parsed)) != len(parsed):
            raise ConfigError(f"--grid {item!r}: a value of {key} is listed twice")
        keys.append(key)
        values.append(parsed)
    return Grid(tuple(keys), tuple(values))


def plain(value: Any) -> str:
    """A value as --set takes it."""
    if isinstance(value, enum.Enum):
        return str(value.value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def describe(settings: dict[str, Any]) -> str:
    return " ".join(f"{k}={plain(v)}" for k, v in settings.items())


# --- the runs -------------------------------------------------------------------------------
SEEDS_MAX = 1000  # --seeds N: from 1 to this


@dataclass(frozen=True)
class Job:
    """One training run of a sweep: a cell, or with --seeds a cell at one seed."""

    index: int  # 1-based, in table order: cells in grid order, a cell's seeds ascending
    cell: int  # 1-based, the cell's row in sweep.csv and its folder DIR/cells/<cell>
    seed: int | None  # None without --seeds
    config: Config
    path: str  # the run's folder relative to DIR: cells/<cell> or cells/<cell>/seed_<seed>


def plan(cells: Sequence[Config], seeds: int | None) -> list[Job]:
    """The runs of a sweep. With `seeds`, cell c runs at seed c.seed, c.seed + 1, ...; a seed
    that is out of range is a ConfigError."""
    if seeds is None:
        return [Job(i, i, None, c, f"cells/{i}") for i, c in enumerate(cells, start=1)]
    jobs: list[Job] = []
    for i, config in enumerate(cells, start=1):
        for k in range(seeds):
            seed = config.seed + k
            try:
                run_config = config.replace(seed=seed)
            except ConfigError as exc:
                raise ConfigError(f"--seeds {seeds}: {exc}") from None
            jobs.append(Job(len(jobs) + 1, i, seed, run_config, f"cells/{i}/seed_{seed}"))
    return jobs


def parse_seeds(text: str | None) -> int | None:
    """`--seeds N` as an integer from 1 to SEEDS_MAX, or None when not given."""
    if text is None:
        return None
    try:
        value = int(text)
    except ValueError:
        value = 0
    if not 1 <= value <= SEEDS_MAX:
        raise ConfigError(f"--seeds {text!r} is not allowed: it must be an integer from 1 to {SEEDS_MAX}, for example --seeds 5")
    return value


# --- one cell (runs in a worker process) ----------------------------------------------------
MARKER = "sweep_cell.json"  # a finished run's record, written last: what a resumed sweep reuses
MARKER_FORMAT = "vanishing-point-sweep-cell"
RUN_FILES = ("config.toml", "metrics.csv", "grad_norms.csv", "layer_stats.csv", "time_grads.csv", "summary.json")


@dataclass(frozen=True)
class CellResult:
    index: int  # 1-based, the Job's index (without --seeds: the row of sweep.csv and DIR/cells/<index>)
    summary: dict[str, Any]  # Run.summary() as the cell's summary.json holds it (JSON's values)
    grad_first_step1: float  # layer 1's weight-gradient norm at step 1, before clipping
    grad_last_step1: float  # the output layer's
    seconds: float


def run_cell(index: int, config: Config, out_dir: str) -> CellResult:
    """Train one cell exactly as `vanishing-point run` does, writing its files to out_dir, then
    its record (MARKER), unless it was interrupted."""
    return run_cells([(index, config, out_dir)])[0]


def run_cells(cells: Sequence[tuple[int, Config, str]]) -> list[CellResult]:
    """Train several cells (index, configuration, out_dir) together, each exactly as
    `vanishing-point run` trains it alone (engine.stack: those that share a shape as one stacked
    network), each writing its files to its out_dir, then its record (MARKER), unless the task
    was interrupted. A cell's seconds are its share of the wall time."""
    from engine.record import RunRecorder, interrupted_summary
    from engine.stack import RunStack
    from engine.trainer import Run

    start = time.perf_counter()
    runs = [Run(config, keep_history=False) for _, config, _ in cells]  # streamed to files: no history in memory
    recorders: list[Any] = []
    firsts: list[np.ndarray | None] = [None] * len(runs)
    results: list[CellResult | None] = [None] * len(runs)

    def close(k: int) -> dict[str, Any]:
        summary = interrupted_summary(runs[k].summary(), recorders[k].last_step, "interrupted")  # unchanged if it ended
        recorders[k].close(summary)
        return summary

    try:
        for (_, config, out_dir), run in zip(cells, runs):
            recorders.append(RunRecorder(out_dir, config, run.n_layers, run.initial, time_steps=run.time_steps))
        for records in RunStack(runs):
            for k, record in enumerate(records):
                if record is None:
                    continue
                if firsts[k] is None:
                    firsts[k] = record.grad_norms
                recorders[k].add(record)
                if runs[k].finished:  # its files and record now, whatever becomes of the others
                    index, config, out_dir = cells[k]
                    first = firsts[k]
                    # the summary as summary.json holds it, so that a fresh cell and a reused one give one table
                    summary = json.loads(json.dumps(json_safe(close(k))))
                    seconds = (time.perf_counter() - start) / len(cells)  # its share of the wall time so far
                    result = CellResult(index, summary, float(first[0]), float(first[-1]), seconds)
                    write_marker(Path(out_dir), config, result)
                    results[k] = result
    finally:
        for k in range(len(recorders)):
            if results[k] is None:  # interrupted: its files closed with that status, and no record
                with contextlib.suppress(Exception):
                    close(k)
    assert all(r is not None for r in results)  # every run ended
    return [r for r in results if r is not None]


def task_groups(jobs: Sequence[Job], processes: int, most: int = 8) -> list[list[Job]]:
    """The jobs in tasks for `processes` workers: jobs that could share a stacked network (the
    same configuration but for what a stack lets differ, engine.stack.OWN_KEYS: a cell's seeds,
    cells that differ in init or gain) go together, at most `most` to a task, in tasks small
    enough that every worker gets one while there are enough jobs."""
    from engine.stack import OWN_KEYS

    by_key: dict[str, list[Job]] = {}
    for job in jobs:
        shared = {k: v for k, v in job.config.to_dict().items() if k not in OWN_KEYS}
        by_key.setdefault(repr(sorted(shared.items())), []).append(job)
    size = max(1, min(most, math.ceil(len(jobs) / max(1, processes))))
    return [members[i : i + size] for members in by_key.values() for i in range(0, len(members), size)]


def write_marker(out_dir: Path, config: Config, result: CellResult) -> None:
    files = {p.name: p.stat().st_size for p in sorted(out_dir.iterdir()) if p.is_file() and p.name in RUN_FILES}
    write_json(out_dir / MARKER, {
        "format": MARKER_FORMAT,
        "engine_version": __version__,
        "config": config.to_toml(),
        # repr, so that a non-finite norm survives JSON exactly
        "grad_first_step1": repr(result.grad_first_step1),
        "grad_last_step1": repr(result.grad_last_step1),
        "seconds": result.seconds,
        "files": files,
    })


def finished(index: int, config: Config, out_dir: Path) -> CellResult | None:
    """The result of a run already in out_dir: its record is complete, for this configuration and
    engine version, and its files are all there at the recorded sizes; None otherwise."""
    try:
        record = json.loads((out_dir / MARKER).read_text(encoding="utf-8"))
        if (
            not isinstance(record, dict)
            or record.get("format") != MARKER_FORMAT
            or record.get("engine_version") != __version__
            or record.get("config") != config.to_toml()
        ):
            return None
        files = record["files"]
        if "summary.json" not in files or any((out_dir / n).stat().st_size != size for n, size in files.items()):
            return None
        summary = json.loads((out_dir / "summary.json").read_text(encoding="utf-8"))
        if not isinstance(summary, dict) or summary.get("status") in (None, "interrupted"):
            return None
        return CellResult(
            index, summary, float(record["grad_first_step1"]), float(record["grad_last_step1"]), float(record["seconds"])
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def clear_run(out_dir: Path) -> None:
    """Remove a run's record and files before it is redone, so that none of an earlier
    configuration's files (a recurrent run's time_grads.csv) stays beside the new ones."""
    for name in (MARKER, *RUN_FILES):
        (out_dir / name).unlink(missing_ok=True)


def iter_sweep(jobs: Sequence[Job], out: Path, processes: int) -> Iterator[CellResult]:
    """Train every job, `processes` tasks at a time (task_groups: jobs that can share a stacked
    network train together), yielding results as they finish (not in order). Closing the
    generator cancels the tasks not yet started."""
    if not jobs:
        return
    tasks = [[(job.index, job.config, str(out / job.path)) for job in group] for group in task_groups(jobs, processes)]
    if processes <= 1 or len(tasks) == 1:
        for task in tasks:
            yield from run_cells(task)
        return
    context = multiprocessing.get_context("spawn")
    pool = ProcessPoolExecutor(max_workers=min(processes, len(tasks)), mp_context=context)
    done = False
    try:
        futures = [pool.submit(run_cells, task) for task in tasks]
        for future in as_completed(futures):
            yield from future.result()
        done = True
    finally:
        if done:
            pool.shutdown(wait=True)
        else:  # interrupted, or a cell raised: stop now, not after the cells already queued
            _stop_pool(pool)


def _stop_pool(pool: ProcessPoolExecutor) -> None:
    """Cancel what has not started and end the worker processes: a cell cut short leaves no
    record, so a resumed sweep redoes it."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        with contextlib.suppress(Exception):
            process.terminate()
    for process in processes:
        with contextlib.suppress(Exception):
            process.join(timeout=5)


# --- the table ------------------------------------------------------------------------------
#: With --seeds, sweep.csv's numbers: each one's STATS over a cell's seeds
HEADLINE = (
    "final_train_loss", "final_train_error", "final_val_loss", "final_val_error", "best_val_loss", "best_val_error",
    "measured_log10_signal_slope", "measured_log10_time_slope", *GRAD_COLUMNS,
)
STATS = ("mean", "std", "min", "median", "max")
SEED_COLUMNS = ("first_seed", "seeds", "diverged")


def sweep_columns(grid: Grid, summary_keys: Sequence[str], seed: bool = False) -> list[str]:
    """Grid keys (with `seed`: then the run's seed), then the summary fields (a field named like a
    grid key, `device`, becomes `summary_device`), then the step-1 gradient norms."""
    fields = [f"summary_{k}" if k in grid.keys else k for k in summary_keys]
    return [*grid.keys, *(["seed"] if seed else []), *fields, *GRAD_COLUMNS]


def seed_columns(grid: Grid) -> list[str]:
    """sweep.csv's header with --seeds: grid keys, first_seed, seeds, diverged, then
    <number>_<statistic> for every HEADLINE number and statistic."""
    return [*grid.keys, *SEED_COLUMNS, *(f"{m}_{s}" for m in HEADLINE for s in STATS)]


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return csv_cell(value)
    if isinstance(value, list | dict):
        return json.dumps(value)
    return str(value)


def write_table(path: Path, grid: Grid, results: Sequence[CellResult], jobs: Sequence[Job] | None = None) -> None:
    """One row per result in index order. Without `jobs`, results are cells (sweep.csv without
    --seeds); with them, runs at a seed, and a `seed` column follows the grid keys."""
    settings = grid.settings()
    results = sorted(results, key=lambda r: r.index)
    keys = list(results[0].summary) if results else []
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(sweep_columns(grid, keys, seed=jobs is not None))
        for r in results:
            job = jobs[r.index - 1] if jobs is not None else None
            cell = [plain(v) for v in settings[(job.cell if job else r.index) - 1].values()]
            seed = [str(job.seed)] if job else []
            writer.writerow([*cell, *seed, *(_text(r.summary[k]) for k in keys), _text(r.grad_first_step1), _text(r.grad_last_step1)])
    tmp.replace(path)


def headline(result: CellResult, name: str) -> float | None:
    if name == "grad_first_step1":
        return result.grad_first_step1
    if name == "grad_last_step1":
        return result.grad_last_step1
    value = result.summary.get(name)
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def spread(values: Sequence[float | None]) -> dict[str, float | None]:
    """STATS over the finite values, in the order given (so the same whichever finished first);
    std is the sample standard deviation (none for one value)."""
    xs = [v for v in values if v is not None and math.isfinite(v)]
    if not xs:
        return dict.fromkeys(STATS)
    return {
        "mean": statistics.fmean(xs),
        "std": statistics.stdev(xs) if len(xs) > 1 else None,
        "min": min(xs),
        "median": float(statistics.median(xs)),
        "max": max(xs),
    }


def by_cell(jobs: Sequence[Job], results: Sequence[CellResult]) -> dict[int, list[tuple[Job, CellResult]]]:
    """The finished runs of each cell (cells with none left out), seeds ascending."""
    cells: dict[int, list[tuple[Job, CellResult]]] = {}
    for r in sorted(results, key=lambda r: r.index):
        job = jobs[r.index - 1]
        cells.setdefault(job.cell, []).append((job, r))
    return cells


def write_seed_table(path: Path, grid: Grid, jobs: Sequence[Job], results: Sequence[CellResult]) -> None:
    """sweep.csv with --seeds: one row per cell with a finished run, in grid order."""
    settings = grid.settings()
    first_seeds: dict[int, int] = {}
    for job in jobs:
        first_seeds.setdefault(job.cell, job.config.seed)  # a cell's seeds come in ascending order
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(seed_columns(grid))
        for cell, runs in by_cell(jobs, results).items():
            first_seed = first_seeds[cell]
            diverged = sum(r.summary.get("status") == "diverged" for _, r in runs)
            row = [*(plain(v) for v in settings[cell - 1].values()), str(first_seed), str(len(runs)), str(diverged)]
            for name in HEADLINE:
                stats = spread([headline(r, name) for _, r in runs])
                row += [_text(stats[s]) for s in STATS]
            writer.writerow(row)
    tmp.replace(path)


# --- the picture ----------------------------------------------------------------------------
LEVELS = LOG10_SCALE  # the app's heatmap's range
# CET-D1A (the app's colour map) at each decade from 10^-7 to 10^5: blue (vanishing), pale at
# 10^-1 (healthy), red (exploding)
STOPS = np.array(
    [[23, 41, 114], [30, 65, 177], [67, 92, 224], [119, 124, 243], [163, 160, 252], [203, 198, 247],
     [238, 227, 232], [252, 188, 175], [251, 139, 117], [232, 90, 69], [204, 38, 30], [157, 1, 10], [102, 7, 2]],
    dtype=np.float64,
)
BACKGROUND = (190, 190, 190)  # also a cell that did not run: lighter than an exact zero's grey
CELL, GAP, MARGIN, DECADE = 24, 8, 6, 16  # pixels


def colors(log10: np.ndarray) -> np.ndarray:
    """(..., 3) uint8 colours for log10 values: clipped to LEVELS; an exact zero (-inf) grey, and
    NaN and +inf black, both apart from the scale (as in the app's heatmap)."""
    lo, hi = LEVELS
    with np.errstate(invalid="ignore"):
        pos = np.clip((np.asarray(log10, dtype=np.float64) - lo) / (hi - lo), 0, 1) * (len(STOPS) - 1)
    bad = np.isnan(log10) | np.isposinf(log10)
    zero = np.isneginf(log10)
    pos = np.where(bad, 0, pos)
    i = np.minimum(pos.astype(int), len(STOPS) - 2)
    t = (pos - i)[..., None]
    rgb = np.rint(STOPS[i] * (1 - t) + STOPS[i + 1] * t).astype(np.uint8)
    rgb[bad] = NOT_FINITE_RGB
    rgb[zero] = ZERO_RGB
    return rgb


def heatmap(grid: Grid, values: dict[int, float]) -> np.ndarray:
    """(height, width, 3) image of log10(value) per cell: rows are the first key's values (top:
    the first), columns the second key's; a further key makes one such panel per combination of
    its values, left to right in the table's order. Below, the colour scale from 10^-7 to 10^5
    with a tick per decade (longer at 10^-1), and at its right the not-finite colour, then an exact
    zero's."""
    n_rows = len(grid.values[0])
    n_cols = len(grid.values[1]) if len(grid.keys) > 1 else 1
    n_panels = math.prod(len(v) for v in grid.values[2:])
    panel_w = n_cols * CELL
    bar_w = DECADE * (len(STOPS) - 1) + 1
    width = 2 * MARGIN + max(n_panels * panel_w + (n_panels - 1) * GAP, bar_w + 2 * (GAP + CELL // 2))
    bar_top = MARGIN + n_rows * CELL + GAP
    height = bar_top + CELL // 2 + 8 + MARGIN
    img = np.empty((height, width, 3), dtype=np.uint8)
    img[:] = BACKGROUND
    for index, value in values.items():
        flat = index - 1
        r, rest = divmod(flat, n_cols * n_panels)
        c, p = divmod(rest, n_panels)
        x0, y0 = MARGIN + p * (panel_w + GAP) + c * CELL, MARGIN + r * CELL
        with np.errstate(divide="ignore", invalid="ignore"):
            log = np.log10(np.float64(value)) if value >= 0 else np.nan
        img[y0 : y0 + CELL - 1, x0 : x0 + CELL - 1] = colors(np.array(log))  # a 1-pixel line between cells
    # the colour scale
    xs = np.linspace(LEVELS[0], LEVELS[1], bar_w)
    img[bar_top : bar_top + CELL // 2, MARGIN : MARGIN + bar_w] = colors(xs)[None, :, :]
    for d in range(len(STOPS)):
        x = MARGIN + d * DECADE
        tick = 7 if d == -1 - int(LEVELS[0]) else 3
        img[bar_top + CELL // 2 : bar_top + CELL // 2 + tick, x] = (0, 0, 0)
    x = MARGIN + bar_w + GAP
    img[bar_top : bar_top + CELL // 2, x : x + CELL // 2] = NOT_FINITE_RGB
    x += CELL // 2 + GAP
    img[bar_top : bar_top + CELL // 2, x : x + CELL // 2] = ZERO_RGB
    return img


def png_bytes(rgb: np.ndarray, text: dict[str, str] | None = None) -> bytes:
    """An 8-bit RGB PNG of a (height, width, 3) uint8 array, with optional tEXt chunks."""
    height, width, _ = rgb.shape
    rows = np.concatenate([np.zeros((height, 1), dtype=np.uint8), rgb.reshape(height, width * 3)], axis=1)  # filter 0

    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)

    out = [b"\x89PNG\r\n\x1a\n", chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))]
    for key, value in (text or {}).items():
        out.append(chunk(b"tEXt", key.encode("latin-1") + b"\0" + value.encode("latin-1", "replace")))
    out += [chunk(b"IDAT", zlib.compress(rows.tobytes(), 9)), chunk(b"IEND", b"")]
    return b"".join(out)


def write_picture(path: Path, grid: Grid, values: dict[int, float], seeds: int | None = None) -> None:
    """sweep.png of {cell: layer-1 gradient norm at step 1} (with --seeds: the median over the seeds)."""
    img = heatmap(grid, values)
    axes = "; ".join(f"{k}: {', '.join(plain(v) for v in vs)}" for k, vs in zip(grid.keys, grid.values))
    what = "the layer-1 weight-gradient norm at step 1" if seeds is None else (
        f"the median over {seeds} seed{'s' if seeds != 1 else ''} of the layer-1 weight-gradient norm at step 1"
    )
    description = (
        f"log10 of {what}; rows, columns, then panels: " + axes
        + "; colour scale 10^-7 (blue) to 10^-1 (pale) to 10^5 (red), black = not finite, grey = exactly 0"
    )
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(png_bytes(img, {"Title": "Vanishing Point sweep", "Description": description}))
    tmp.replace(path)


def picture_values(jobs: Sequence[Job], results: Sequence[CellResult], seeds: int | None) -> dict[int, float]:
    if seeds is None:
        return {r.index: r.grad_first_step1 for r in results}
    medians = {cell: spread([r.grad_first_step1 for _, r in runs])["median"] for cell, runs in by_cell(jobs, results).items()}
    return {cell: math.nan if m is None else m for cell, m in medians.items()}


def write_outputs(out: Path, grid: Grid, jobs: Sequence[Job], results: Sequence[CellResult], seeds: int | None) -> list[Path]:
    """sweep.csv, sweep.png and with --seeds sweep_runs.csv, from the finished runs."""
    written = [out / "sweep.csv", out / "sweep.png"]
    if seeds is None:
        write_table(out / "sweep.csv", grid, results)
    else:
        write_seed_table(out / "sweep.csv", grid, jobs, results)
        write_table(out / "sweep_runs.csv", grid, results, jobs)
        written.append(out / "sweep_runs.csv")
    write_picture(out / "sweep.png", grid, picture_values(jobs, results, seeds), seeds)
    return written


# --- the `sweep` command --------------------------------------------------------------------
EXIT_FAILED = 1  # a cell failed on the cluster on every try
EXIT_SIGNAL_BASE = 128  # an interrupted sweep exits 128 + the signal's number: 130 (SIGINT), 143 (SIGTERM)


def parse_jobs(text: str | None) -> int:
    """`--jobs N` as an integer >= 1 (the number of CPUs when not given)."""
    return positive_int(text, "--jobs", os.cpu_count() or 1, "--jobs 2")


class _Terminated(KeyboardInterrupt):
    """SIGTERM, raised like Ctrl+C so that a sweep stops the same way."""


@contextlib.contextmanager
def _sigterm_stops():
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: object) -> None:
        raise _Terminated()

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def run_sweep(
    base: Config,
    grid_items: Sequence[str],
    jobs_text: str | None,
    out: Path,
    quiet: bool = False,
    seeds_text: str | None = None,
    scheduler: str | None = None,
) -> int:
    """`vanishing-point sweep`: config.toml (the base), cells/<i>/, sweep.csv, sweep.png (and
    with --seeds sweep_runs.csv). Runs already finished in `out` by the same sweep are reused."""
    grid = parse_grid(grid_items, base)
    cells = grid.cells(base)
    processes = parse_jobs(jobs_text)
    seeds = parse_seeds(seeds_text)
    if seeds is not None and "seed" in grid.keys:
        raise ConfigError("--grid seed=... and --seeds do not go together: use --seeds N with --set seed=FIRST, or --grid seed=... alone")
    if scheduler is not None and jobs_text is not None:
        raise ConfigError("--jobs and --scheduler do not go together: a Dask cluster runs as many cells at once as its workers have threads")
    jobs = plan(cells, seeds)
    client = None
    if scheduler is None:
        from engine.trainer import resolve_device

        for device in {c.device for c in cells}:
            resolve_device(device)  # ConfigError for a device this machine lacks, before any cell runs
    else:
        from engine.cluster import connect

        client = connect(scheduler)  # ConfigError for a missing Dask or a bad address, before anything is written
    try:
        return _sweep(grid, jobs, base, out, quiet, seeds, processes, client, scheduler)
    finally:
        if client is not None:
            client.close()


def _sweep(
    grid: Grid, jobs: list[Job], base: Config, out: Path, quiet: bool, seeds: int | None, processes: int, client: Any, scheduler: str | None
) -> int:
    from engine.cluster import CellFailed

    prepare_out_dir(out, base, "cells")
    say = stderr_printer(quiet)
    settings = grid.settings()
    n_cells = len(settings)
    results: list[CellResult] = []
    todo: list[Job] = []
    for job in jobs:
        done = finished(job.index, job.config, out / job.path)
        if done is None:
            clear_run(out / job.path)
            todo.append(job)
        else:
            results.append(done)
    reused = len(results)
    unit = "cell" if seeds is None else "run"

    what = f"{n_cells} cells" if seeds is None else f"{n_cells} cells x {seeds} seeds = {len(jobs)} runs"
    if not todo:
        where = "nothing left to run"
    elif client is not None:
        from engine.cluster import describe_cluster

        where = f"on the Dask cluster at {scheduler}: {describe_cluster(client)}"
    else:
        workers = max(1, min(processes, len(todo)))
        where = f"{workers} process{'es' if workers > 1 else ''}"
    say(f"sweep: {what} over {', '.join(grid.keys)}, {where}")
    if reused:
        say(f"sweep: reusing {reused} of {len(jobs)} {unit}s already finished in {out}; {len(todo)} to run")

    stopped: int | None = None  # the signal that interrupted the sweep
    failed: CellFailed | None = None
    try:
        with _sigterm_stops():
            if client is not None:
                from engine.cluster import iter_cluster

                stream = iter_cluster(client, todo, out)
            else:
                stream = iter_sweep(todo, out, processes)
            try:
                for r in stream:
                    results.append(r)
                    job = jobs[r.index - 1]
                    err = r.summary.get("final_val_error")
                    err_text = f", val error {err:.4g}" if err is not None else ""
                    seed_text = f", seed {job.seed}" if job.seed is not None else ""
                    say(
                        f"[{len(results)}/{len(jobs)}] cell {job.cell} {describe(settings[job.cell - 1])}{seed_text}: "
                        f"{r.summary['status']}{err_text}, layer-1 gradient at step 1 {r.grad_first_step1:.3g} ({r.seconds:.1f} s)"
                    )
            finally:
                stream.close()
    except KeyboardInterrupt as exc:
        stopped = signal.SIGTERM if isinstance(exc, _Terminated) else signal.SIGINT
        print(
            f"\ninterrupted after {len(results)} of {len(jobs)} {unit}s; their rows are in {out / 'sweep.csv'}; "
            "run the same command again to resume",
            file=sys.stderr,
        )
    except CellFailed as exc:
        failed = exc
    written = write_outputs(out, grid, jobs, results, seeds)
    if failed is not None:
        job = jobs[failed.index - 1]
        seed_text = f" seed {job.seed}" if job.seed is not None else ""
        print(
            f"vanishing-point: error: cell {job.cell} ({describe(settings[job.cell - 1])}{seed_text}) failed on the cluster: "
            f"{failed}; the {len(results)} finished {unit}s' rows are in {out / 'sweep.csv'}",
            file=sys.stderr,
        )
        return EXIT_FAILED
    reused_text = f" ({reused} {unit}{'s' if reused != 1 else ''} reused)" if reused else ""
    say(f"wrote {', '.join(str(p) for p in written[:-1])} and {written[-1]}{reused_text}")
    return EXIT_SIGNAL_BASE + stopped if stopped is not None else 0
