"""Session files: a run's configuration and its whole history, saved and opened without training.

A session file (`.vpsession` by convention) is a zip archive:

- `header.json`, first: {"format": "vanishing-point-session", "version": 3, "engine_version",
  "created" (UTC, ISO 8601), "config" (the TOML text of the configuration the run started with),
  "layers" (names), "layer_sizes" ([fan_in, fan_out] per layer), "time_labels" (a recurrent
  run's time steps "t_1".."t_T", T = seq_len; [] for an mlp), "summary" (Run.summary()),
  "steps", "evaluations", "signal_steps" (row counts), "statuses" and "messages" (the tables the
  code arrays index), "changes" ([[row, {key: value}], ...] live settings applied at a step),
  "stat_fields" (the LayerStats fields stored), "metric_names", "band_seeds" (a seed band's
  seed count, engine.band; absent or 0: one run), "band_health" (whether the band_health member
  is there; absent: false)}
- one `.npy` member per array below (numpy's own format, read with allow_pickle=False), N steps,
  L layers, E evaluations, S steps that traced the back-propagated signal, T time steps:

  | member | shape, dtype | StepRecord field |
  |---|---|---|
  | step | (N,) int64 | step |
  | loss, total_norm, clipped_norm | (N,) float64 | loss, total_norm, clipped_norm |
  | grad_norms | (N, L) float64 | grad_norms |
  | status, message | (N,) int32 | status, message (indices into the header's tables) |
  | best_step | (N,) int64, -1 = none | best_step |
  | has_signal | (N,) bool | whether signal_rms is present |
  | signal_rms | (S, L) float64 | signal_rms, rows of the steps that have it |
  | time_rms | (N, T) float64, recurrent runs only | time_rms (every step of a recurrent run has it) |
  | has_eval | (N,) bool | whether evaluation is present |
  | eval_step | (E,) int64 | evaluation.step |
  | metrics | (E, 4) float64 | evaluation train_loss, train_error, val_loss, val_error |
  | stats.NAME | (P, L, ...) as computed | evaluation.layers.NAME, for every LayerStats field |
  | stats.NAME.present | (E,) bool | whether that field is set (P of them); absent: never set |
  | band_lo, band_hi | (E, 4) float64, seed bands only | evaluation.band.lo, .hi (the seeds' lowest and highest metrics) |
  | band_health | (E, 3, 2) float64, where band_health | evaluation.band.health_lo, _mid, _hi (HEALTH_NAMES) |

A seed band's session holds its median records (engine.band) and, per evaluation, the seeds'
range; its seeds are the configuration's seed and the next band_seeds - 1 (Session.seeds).

Versions: 1 (before the recurrent models) has no "time_labels" and no time_rms member, and opens
as the mlp session it is; an mlp session of version 2 has the same members as one of version 1.
2 has no "band_health": a seed band of version 2 opens without its seeds' unit health; a session of
version 3 has the members of version 2, and band_health where its band measured it.

Non-finite numbers (a diverged step) are stored as they are. A LayerStats field that a later
version adds and a file lacks opens as its default (None); a field the file has and this version
does not know is ignored. Writes are atomic: a temporary file in the same folder, then
os.replace. Opening reads numpy and JSON only; it never imports torch. A file that is not a
session, is damaged, or is of a newer version raises SessionError, and nothing else is touched.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import time
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from engine import __version__
from engine.config import Config
from engine.record import json_safe
from engine.results import (
    HEALTH_NAMES,
    MAX_BAND_SEEDS,
    METRIC_NAMES,
    Evaluation,
    LayerStats,
    RunStatus,
    StepRecord,
    band_seeds,
)

FORMAT = "vanishing-point-session"
VERSION = 3  # 3: a seed band's unit health (band_health); 2: recurrent runs (time_labels, time_rms); 1 and 2 still open
SUFFIX = ".vpsession"
HEADER = "header.json"
_STATUSES = [s.value for s in RunStatus]


class SessionError(ValueError):
    """A session file that cannot be opened or saved; the message says which file and why."""


@dataclass(frozen=True)
class Session:
    config: Config  # the configuration the run started with; live changes are in the records
    records: list[StepRecord]  # every step, equal to those the run yielded
    summary: dict[str, Any]  # Run.summary() at the time of saving
    layer_names: list[str]
    layer_sizes: list[tuple[int, int]]  # (fan_in, fan_out) per layer
    version: int = VERSION
    engine_version: str = ""
    created: str = ""
    time_names: list[str] = field(default_factory=list)  # "t_1".."t_T" of a recurrent run; [] for an mlp
    path: Path | None = field(default=None, compare=False)

    @property
    def evaluations(self) -> list[Evaluation]:
        return [r.evaluation for r in self.records if r.evaluation is not None]

    @property
    def seeds(self) -> tuple[int, ...]:
        """A seed band's seeds (its records are their median); () for one run."""
        band = next((e.band for e in self.evaluations if e.band is not None), None)
        return band_seeds(self.config.seed, band.seeds) if band is not None else ()


# --- saving ---------------------------------------------------------------------------------
def save_session(
    path: str | Path,
    records: Iterable[StepRecord],
    config: Config,
    *,
    layer_names: list[str] | None = None,
    layer_sizes: list[tuple[int, int]] | None = None,
    summary: dict[str, Any] | None = None,
    time_names: list[str] | None = None,
) -> Path:
    """Write `records` (in step order) and the configuration the run started with. Layer names
    default to layer_1..layer_L, time names (a recurrent run's) to t_1..t_T; pass a Run's
    layer_names, layer_sizes, time_names and summary() (or use save_run). Every record of a
    recurrent run carries time_rms, an mlp's none. Atomic: an existing file is replaced whole or
    not at all."""
    path = Path(path)
    records = list(records)
    n_layers = len(records[0].grad_norms) if records else len(layer_names or [])
    names = list(layer_names) if layer_names is not None else [f"layer_{i}" for i in range(1, n_layers + 1)]
    sizes = [[int(a), int(b)] for a, b in (layer_sizes or [])]
    if len(names) != n_layers or (sizes and len(sizes) != n_layers):
        raise SessionError(f"cannot save {path}: the records have {n_layers} layers but {len(names)} names and {len(sizes)} sizes")
    n_times = config.seq_len if config.is_recurrent else 0
    times = list(time_names) if time_names is not None else [f"t_{t}" for t in range(1, n_times + 1)]
    if len(times) != n_times:
        raise SessionError(f"cannot save {path}: a run of model = {config.model.value!r} has {n_times} time steps, not {len(times)} time names")
    header, arrays = _encode(records, n_layers, n_times)
    header = {
        "format": FORMAT,
        "version": VERSION,
        "engine_version": __version__,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "config": config.to_toml(),
        "layers": names,
        "layer_sizes": sizes,
        "time_labels": times,
        "summary": json_safe(summary or {}),
        **header,
    }
    _remove_stale_temporaries(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            with zipfile.ZipFile(f, "w", compression=zipfile.ZIP_DEFLATED) as zf:
                zf.writestr(HEADER, json.dumps(header, ensure_ascii=False, allow_nan=False, indent=1))
                for name, array in arrays.items():
                    with zf.open(f"{name}.npy", "w") as member:
                        np.lib.format.write_array(member, array, allow_pickle=False)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)  # mkstemp makes it private; a saved session is an ordinary file
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


#: A temporary file of a save this old was left by a save that was killed (a save of the largest
#: session takes a few seconds); the next save to the same file removes it.
STALE_TEMPORARY_SECONDS = 120


def _remove_stale_temporaries(path: Path) -> None:
    """Delete `.NAME.XXXXXXXX.tmp` files (tempfile.mkstemp's names for `path`) that a killed save
    left beside `path`; a recent one may be another save in progress and stays."""
    pattern = re.compile(re.escape(f".{path.name}.") + r"[a-z0-9_]{8}\.tmp")
    cutoff = time.time() - STALE_TEMPORARY_SECONDS
    try:
        entries = list(os.scandir(path.parent))
    except OSError:
        return  # the save itself will report a folder it cannot use
    for entry in entries:
        try:
            if pattern.fullmatch(entry.name) and entry.is_file(follow_symlinks=False) and entry.stat().st_mtime < cutoff:
                os.unlink(entry.path)
        except OSError:
            pass  # gone already, or not ours to remove


def save_run(path: str | Path, run: Any, records: Iterable[StepRecord]) -> Path:
    """save_session with a Run's initial configuration, layer and time names, layer sizes, and summary."""
    return save_session(
        path, records, run.initial_config,
        layer_names=run.layer_names, layer_sizes=run.layer_sizes, summary=run.summary(), time_names=run.time_names,
    )


def _encode(records: list[StepRecord], n_layers: int, n_times: int) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """The header's tables and the arrays of `records`; `n_times` is T of a recurrent run (0: an
    mlp, whose records carry no time_rms and whose file has no time_rms member)."""
    n = len(records)
    messages: list[str] = []
    message_code: dict[str, int] = {}
    codes = np.empty(n, dtype=np.int32)
    for i, r in enumerate(records):
        if r.message not in message_code:
            message_code[r.message] = len(messages)
            messages.append(r.message)
        codes[i] = message_code[r.message]
    signal = [r.signal_rms for r in records if r.signal_rms is not None]
    evals = [r.evaluation for r in records if r.evaluation is not None]
    arrays = {
        "step": np.array([r.step for r in records], dtype=np.int64),
        "loss": np.array([r.loss for r in records], dtype=np.float64),
        "grad_norms": _stack([r.grad_norms for r in records], (n_layers,)),
        "total_norm": np.array([r.total_norm for r in records], dtype=np.float64),
        "clipped_norm": np.array([r.clipped_norm for r in records], dtype=np.float64),
        "status": np.array([_STATUSES.index(RunStatus(r.status).value) for r in records], dtype=np.int32),
        "message": codes,
        "best_step": np.array([-1 if r.best_step is None else r.best_step for r in records], dtype=np.int64),
        "has_signal": np.array([r.signal_rms is not None for r in records], dtype=bool),
        "signal_rms": _stack(signal, (n_layers,)),
        "has_eval": np.array([r.evaluation is not None for r in records], dtype=bool),
        "eval_step": np.array([e.step for e in evals], dtype=np.int64),
        "metrics": np.array([[getattr(e, m) for m in METRIC_NAMES] for e in evals], dtype=np.float64).reshape(-1, 4),
    }
    bands = [e.band for e in evals]
    band_count = 0
    if any(b is not None for b in bands):
        if any(b is None or b.seeds != bands[0].seeds for b in bands) or not 2 <= bands[0].seeds <= MAX_BAND_SEEDS:
            raise SessionError(f"cannot save: a seed band's evaluations must all carry the range of one band of 2 to {MAX_BAND_SEEDS} seeds")
        band_count = bands[0].seeds
        arrays["band_lo"] = np.array([b.lo for b in bands], dtype=np.float64).reshape(-1, 4)
        arrays["band_hi"] = np.array([b.hi for b in bands], dtype=np.float64).reshape(-1, 4)
        if all(b.health_lo for b in bands):  # each seed's unit health (a band saved by an older version has none)
            health = [(b.health_lo, b.health_mid, b.health_hi) for b in bands]
            arrays["band_health"] = np.array(health, dtype=np.float64).reshape(-1, 3, len(HEALTH_NAMES))
    times = [r.time_rms for r in records]
    if n_times:
        arrays["time_rms"] = _stack(times, (n_times,), "time_rms")
    elif any(t is not None for t in times):
        raise SessionError("cannot save: the records carry time_rms but the configuration is an mlp's; save them with the run's configuration")
    stat_fields = []
    for f in fields(LayerStats):
        values = [getattr(e.layers, f.name) for e in evals]
        present = np.array([v is not None for v in values], dtype=bool)
        if not present.any():
            continue  # never set: opens as the field's default
        rows = [np.asarray(v) for v in values if v is not None]
        if any(r.shape != rows[0].shape or r.shape[:1] != (n_layers,) for r in rows):
            raise SessionError(f"cannot save: evaluation.layers.{f.name} does not have one row per layer at every evaluation")
        arrays[f"stats.{f.name}"] = np.stack(rows)
        arrays[f"stats.{f.name}.present"] = present
        stat_fields.append(f.name)
    changes = [[i, json_safe(r.changes)] for i, r in enumerate(records) if r.changes]
    header = {
        "steps": n,
        "evaluations": len(evals),
        "signal_steps": len(signal),
        "statuses": _STATUSES,
        "messages": messages,
        "changes": changes,
        "stat_fields": stat_fields,
        "metric_names": list(METRIC_NAMES),
        "band_seeds": band_count,
        "band_health": "band_health" in arrays,
    }
    return header, arrays


def _stack(rows: list[Any], shape: tuple[int, ...], what: str = "per-layer array") -> np.ndarray:
    bad = next((r for r in rows if r is None or np.shape(r) != shape), False)
    if bad is not False:
        found = "none" if bad is None else f"shape {np.shape(bad)}"
        raise SessionError(f"cannot save: a record's {what} has {found}, expected shape {shape}")
    return np.array(rows, dtype=np.float64).reshape(-1, *shape)


def __getattr__(name: str) -> Any:
    """Opening lives in engine/session_read.py (it imports this module); callers find it here,
    beside saving: `from engine.session import load_session`."""
    if name == "load_session":
        from engine import session_read

        return getattr(session_read, name)
    raise AttributeError(f"module 'engine.session' has no attribute {name!r}")
