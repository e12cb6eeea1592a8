"""Session files: a run's configuration and its whole history, saved and opened without training.

A session file (`.vpsession` by convention) is a zip archive:

- `header.json`, first: {"format": "vanishing-point-session", "version": 1, "engine_version",
  "created" (UTC, ISO 8601), "config" (the TOML text of the configuration the run started with),
  "layers" (names), "layer_sizes" ([fan_in, fan_out] per layer), "summary" (Run.summary()),
  "steps", "evaluations", "signal_steps" (row counts), "statuses" and "messages" (the tables the
  code arrays index), "changes" ([[row, {key: value}], ...] live settings applied at a step),
  "stat_fields" (the LayerStats fields stored), "metric_names"}
- one `.npy` member per array below (numpy's own format, read with allow_pickle=False), N steps,
  L layers, E evaluations, S steps that traced the back-propagated signal:

  | member | shape, dtype | StepRecord field |
  |---|---|---|
  | step | (N,) int64 | step |
  | loss, total_norm, clipped_norm | (N,) float64 | loss, total_norm, clipped_norm |
  | grad_norms | (N, L) float64 | grad_norms |
  | status, message | (N,) int32 | status, message (indices into the header's tables) |
  | best_step | (N,) int64, -1 = none | best_step |
  | has_signal | (N,) bool | whether signal_rms is present |
  | signal_rms | (S, L) float64 | signal_rms, rows of the steps that have it |
  | has_eval | (N,) bool | whether evaluation is present |
  | eval_step | (E,) int64 | evaluation.step |
  | metrics | (E, 4) float64 | evaluation train_loss, train_error, val_loss, val_error |
  | stats.NAME | (P, L, ...) as computed | evaluation.layers.NAME, for every LayerStats field |
  | stats.NAME.present | (E,) bool | whether that field is set (P of them); absent: never set |

Non-finite numbers (a diverged step) are stored as they are. A LayerStats field that a later
version adds and a file lacks opens as its default (None); a field the file has and this version
does not know is ignored. Writes are atomic: a temporary file in the same folder, then
os.replace. Opening reads numpy and JSON only; it never imports torch. A file that is not a
session, is damaged, or is of a newer version raises SessionError, and nothing else is touched.
"""

from __future__ import annotations

import json
import os
import tempfile
import zipfile
import zlib
from collections.abc import Iterable
from dataclasses import MISSING, dataclass, field, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from engine import __version__
from engine.config import Config, ConfigError
from engine.record import json_safe
from engine.results import Evaluation, LayerStats, RunStatus, StepRecord

FORMAT = "vanishing-point-session"
VERSION = 1
SUFFIX = ".vpsession"
HEADER = "header.json"
METRIC_NAMES = ("train_loss", "train_error", "val_loss", "val_error")
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
    path: Path | None = field(default=None, compare=False)

    @property
    def evaluations(self) -> list[Evaluation]:
        return [r.evaluation for r in self.records if r.evaluation is not None]


# --- saving ---------------------------------------------------------------------------------
def save_session(
    path: str | Path,
    records: Iterable[StepRecord],
    config: Config,
    *,
    layer_names: list[str] | None = None,
    layer_sizes: list[tuple[int, int]] | None = None,
    summary: dict[str, Any] | None = None,
) -> Path:
    """Write `records` (in step order) and the configuration the run started with. Layer names
    default to layer_1..layer_L; pass a Run's layer_names, layer_sizes and summary() (or use
    save_run). Atomic: an existing file is replaced whole or not at all."""
    path = Path(path)
    records = list(records)
    n_layers = len(records[0].grad_norms) if records else len(layer_names or [])
    names = list(layer_names) if layer_names is not None else [f"layer_{i}" for i in range(1, n_layers + 1)]
    sizes = [[int(a), int(b)] for a, b in (layer_sizes or [])]
    if len(names) != n_layers or (sizes and len(sizes) != n_layers):
        raise SessionError(f"cannot save {path}: the records have {n_layers} layers but {len(names)} names and {len(sizes)} sizes")
    header, arrays = _encode(records, n_layers)
    header = {
        "format": FORMAT,
        "version": VERSION,
        "engine_version": __version__,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "config": config.to_toml(),
        "layers": names,
        "layer_sizes": sizes,
        "summary": json_safe(summary or {}),
        **header,
    }
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


def save_run(path: str | Path, run: Any, records: Iterable[StepRecord]) -> Path:
    """save_session with a Run's initial configuration, layer names and sizes, and summary."""
    return save_session(
        path, records, run.initial_config,
        layer_names=run.layer_names, layer_sizes=run.layer_sizes, summary=run.summary(),
    )


def _encode(records: list[StepRecord], n_layers: int) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
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
    }
    return header, arrays


def _stack(rows: list[Any], shape: tuple[int, ...]) -> np.ndarray:
    bad = next((np.shape(r) for r in rows if np.shape(r) != shape), None)
    if bad is not None:
        raise SessionError(f"cannot save: a record's per-layer array has shape {bad}, expected {shape}")
    return np.array(rows, dtype=np.float64).reshape(-1, *shape)


# --- opening --------------------------------------------------------------------------------
def load_session(path: str | Path) -> Session:
    """Open a session file without training (and without torch). Reads only `path`."""
    path = Path(path)
    try:
        zf = zipfile.ZipFile(path)
    except FileNotFoundError:
        raise SessionError(f"cannot open session file {str(path)!r}: no such file") from None
    except IsADirectoryError:
        raise SessionError(f"cannot open session file {str(path)!r}: it is a folder") from None
    except zipfile.BadZipFile as exc:
        raise SessionError(f"{path}: not a Vanishing Point session file, or a damaged one (not a readable zip archive: {exc})") from None
    except OSError as exc:
        raise SessionError(f"cannot open session file {str(path)!r}: {exc}") from None
    try:
        with zf:
            header = _read_header(zf, path)
            arrays = {name: _read_array(zf, name, path) for name in _SHAPES}
            stat_fields = header.get("stat_fields")
            if not isinstance(stat_fields, list) or not all(isinstance(n, str) for n in stat_fields):
                raise SessionError(f"{path}: damaged session file (header: stat_fields {stat_fields!r})")
            for name in stat_fields:
                arrays[f"stats.{name}"] = _read_array(zf, f"stats.{name}", path)
                arrays[f"stats.{name}.present"] = _read_array(zf, f"stats.{name}.present", path)
    except SessionError:
        raise
    except (zipfile.BadZipFile, OSError, EOFError, zlib.error, ValueError, KeyError) as exc:
        raise SessionError(f"{path}: damaged session file ({type(exc).__name__}: {exc})") from None
    return _decode(header, arrays, path)


def _read_header(zf: zipfile.ZipFile, path: Path) -> dict[str, Any]:
    if HEADER not in zf.namelist():
        raise SessionError(f"{path}: not a Vanishing Point session file (a zip archive without {HEADER})")
    try:
        header = json.loads(zf.read(HEADER).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SessionError(f"{path}: damaged session file ({HEADER} is not JSON: {exc})") from None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        found = header.get("format") if isinstance(header, dict) else None
        raise SessionError(f"{path}: not a Vanishing Point session file (format {found!r}, expected {FORMAT!r})")
    version = header.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise SessionError(f"{path}: damaged session file (version {version!r})")
    if version > VERSION:
        raise SessionError(
            f"{path}: session version {version} was written by a newer Vanishing Point "
            f"({header.get('engine_version', 'unknown')}); this one ({__version__}) opens version {VERSION}: update it"
        )
    return header


# member: (dtype kind, shape in terms of N steps, L layers, E evaluations, S signal rows)
_SHAPES: dict[str, tuple[str, tuple[str | int, ...]]] = {
    "step": ("i", ("N",)),
    "loss": ("f", ("N",)),
    "grad_norms": ("f", ("N", "L")),
    "total_norm": ("f", ("N",)),
    "clipped_norm": ("f", ("N",)),
    "status": ("i", ("N",)),
    "message": ("i", ("N",)),
    "best_step": ("i", ("N",)),
    "has_signal": ("b", ("N",)),
    "signal_rms": ("f", ("S", "L")),
    "has_eval": ("b", ("N",)),
    "eval_step": ("i", ("E",)),
    "metrics": ("f", ("E", len(METRIC_NAMES))),
}


def _read_array(zf: zipfile.ZipFile, name: str, path: Path) -> np.ndarray:
    member = f"{name}.npy"
    if member not in zf.namelist():
        raise SessionError(f"{path}: damaged session file (no {member})")
    with zf.open(member) as f:
        return np.lib.format.read_array(f, allow_pickle=False)


def _decode(header: dict[str, Any], arrays: dict[str, np.ndarray], path: Path) -> Session:
    def damaged(why: str) -> SessionError:
        return SessionError(f"{path}: damaged session file ({why})")

    try:
        config = Config.from_toml(header["config"])
        names = [str(n) for n in header["layers"]]
        sizes = [(int(a), int(b)) for a, b in header["layer_sizes"]]
        statuses = [RunStatus(s) for s in header["statuses"]]
        messages = [str(m) for m in header["messages"]]
        changes = {int(i): dict(c) for i, c in header["changes"]}
        dims = {"N": int(header["steps"]), "L": len(names), "E": int(header["evaluations"]), "S": int(header["signal_steps"])}
        stat_fields = list(header["stat_fields"])
        summary = header.get("summary") or {}
        if not isinstance(summary, dict):
            raise TypeError(f"summary is a {type(summary).__name__}")
    except ConfigError as exc:
        raise SessionError(f"{path}: its configuration cannot be used ({exc})") from None
    except (KeyError, TypeError, ValueError) as exc:
        raise damaged(f"header: {type(exc).__name__}: {exc}") from None
    if sizes and len(sizes) != len(names):
        raise damaged(f"{len(names)} layer names but {len(sizes)} layer sizes")
    for name, (kind, shape) in _SHAPES.items():
        a = arrays[name]
        want = tuple(dims[d] if isinstance(d, str) else d for d in shape)
        if a.shape != want or a.dtype.kind != kind:
            raise damaged(f"{name} has shape {a.shape} and dtype {a.dtype}, expected {want} of kind {kind!r}")
    n = dims["N"]
    if int(arrays["has_signal"].sum()) != dims["S"] or int(arrays["has_eval"].sum()) != dims["E"]:
        raise damaged("the signal or evaluation rows do not match their masks")
    for name, table in (("status", statuses), ("message", messages)):
        codes = arrays[name]
        if n and (codes.min() < 0 or codes.max() >= len(table)):
            raise damaged(f"{name} codes out of range")
    if any(not 0 <= i < n for i in changes):
        raise damaged("a live change names a step that is not there")
    stats = _layer_stats(arrays, stat_fields, dims["E"], dims["L"], damaged)
    return Session(
        config, _records(arrays, stats, statuses, messages, changes, n), summary, names, sizes,
        int(header["version"]), str(header.get("engine_version", "")), str(header.get("created", "")), path,
    )


def _layer_stats(arrays: dict[str, np.ndarray], stored: list[str], n_evals: int, n_layers: int, damaged) -> list[LayerStats]:
    """One LayerStats per evaluation, from the stats.NAME members."""
    if n_evals == 0:
        return []
    columns: dict[str, list[Any]] = {}
    for f in fields(LayerStats):
        if f.name not in stored:
            if f.default is MISSING:
                raise damaged(f"no layer statistic {f.name}")
            columns[f.name] = [f.default] * n_evals
            continue
        values, present = arrays[f"stats.{f.name}"], arrays[f"stats.{f.name}.present"]
        if present.shape != (n_evals,) or present.dtype != bool or values.shape[:2] != (int(present.sum()), n_layers):
            raise damaged(f"stats.{f.name} has shape {values.shape}, which its mask and the layers do not match")
        rows = iter(values)
        columns[f.name] = [next(rows).copy() if p else None for p in present.tolist()]
    return [LayerStats(**{k: v[e] for k, v in columns.items()}) for e in range(n_evals)]


def _records(a: dict[str, np.ndarray], stats: list[LayerStats], statuses, messages, changes, n: int) -> list[StepRecord]:
    # python scalars once for whole columns: far faster than indexing numpy per step
    step, loss, total, clipped = a["step"].tolist(), a["loss"].tolist(), a["total_norm"].tolist(), a["clipped_norm"].tolist()
    status, message, best = a["status"].tolist(), a["message"].tolist(), a["best_step"].tolist()
    has_signal, has_eval = a["has_signal"].tolist(), a["has_eval"].tolist()
    grad, signal = a["grad_norms"], a["signal_rms"]
    metrics, eval_step = a["metrics"].tolist(), a["eval_step"].tolist()
    records = []
    s = e = 0
    for i in range(n):
        signal_rms = None
        if has_signal[i]:
            signal_rms = signal[s].copy()
            s += 1
        evaluation = None
        if has_eval[i]:
            evaluation = Evaluation(eval_step[e], *metrics[e], stats[e])
            e += 1
        records.append(
            StepRecord(
                step[i], loss[i], grad[i].copy(), signal_rms, total[i], clipped[i], statuses[status[i]],
                evaluation, dict(changes.get(i, {})), messages[message[i]], None if best[i] < 0 else best[i],
            )
        )
    return records
