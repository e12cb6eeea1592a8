"""Opening session files (the format: engine/session.py): every byte is checked before use.

A session file is passed around a class, so it is untrusted input. `load_session` checks the
whole file before it returns (members, sizes, compression, header fields, each array's dtype and
shape before it is allocated, step order, the configuration) and raises only SessionError.
"""

from __future__ import annotations

import json
import math
import zipfile
from dataclasses import MISSING, dataclass, fields
from pathlib import Path
from typing import Any

import numpy as np

from engine import __version__
from engine.config import LIVE_KEYS, Config, ConfigError
from engine.results import (
    HEALTH_NAMES,
    MAX_BAND_SEEDS,
    METRIC_NAMES,
    QUANTILES,
    STAT_NAMES,
    Band,
    Evaluation,
    LayerStats,
    RunStatus,
    StepRecord,
)
from engine.session import _STATUSES, FORMAT, HEADER, VERSION, Session, SessionError

# --- opening --------------------------------------------------------------------------------
#: Limits of what opening accepts, each far above the longest legitimate session: the app
#: records at most 100,000 steps (desktop_app/history.py MAX_STEPS); a Python caller may save a
#: longer Run, up to MAX_SESSION_STEPS. The arrays of the largest legitimate file (100,000 steps,
#: depth 100, an evaluation on every step, every statistic) come to about 750 MiB; those of the
#: largest recurrent one (100,000 steps of T = 1000, depth 10) to about 900 MiB, most of it
#: time_rms.
MAX_SESSION_STEPS = 1_000_000  # rows of the per-step arrays
MAX_LAYERS = 101  # depth 100 and the output layer (engine.config)
MAX_ARRAY_BYTES = 1 << 30  # all arrays together, uncompressed
MAX_HEADER_BYTES = 16 << 20  # header.json: tables, live changes, summary (a few KiB usually)
MAX_JSON_DEPTH = 16  # header.json nests 4 deep; 10,000 deep would exhaust Python's recursion
MAX_STAT_WIDTH = 64  # values per layer of one statistic (the quantiles: 5)
_COMPRESSIONS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)  # what save_session and zip tools write
_WAY_OUT = "open another copy, or save the run again"
_STAT_SHAPES = {name: () for name in STAT_NAMES} | {"act_quantiles": (len(QUANTILES),), "signal_quantiles": (len(QUANTILES),)}


def load_session(path: str | Path) -> Session:
    """Open a session file without training (and without torch). Reads only `path`.

    The whole file is checked before anything is returned (the zip's members, their sizes and
    compression, every header field, each array's dtype and shape before it is allocated, the
    order of the steps, the configuration), so a caller may replace its state only once this
    returns. Raises SessionError (one line: the file, the problem, the way out) for anything
    else, and nothing but SessionError."""
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
    except Exception as exc:  # a crafted central directory: struct, value, overflow, decode errors
        raise _damaged(path, f"not a readable zip archive: {_why(exc)}") from None
    try:
        with zf:
            header = _read_header(zf, path)
            layout = _Layout.from_header(header, path)
            _check_members(zf, layout, path)
            arrays = {name: _read_array(zf, name, kind, shape, path) for name, (kind, shape) in layout.members.items()}
        return _decode(layout, arrays, path)
    except SessionError:
        raise
    except RecursionError:
        raise _damaged(path, "nested too deeply") from None
    except MemoryError:
        raise SessionError(f"{path}: too large to open in the memory this machine has free; close other programs or {_WAY_OUT}") from None
    except Exception as exc:  # zip, zlib, numpy, struct, value, key, type errors: a damaged file
        raise _damaged(path, _why(exc)) from None


def _why(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text[:200]}"


def _damaged(path: Path, why: str) -> SessionError:
    return SessionError(f"{path}: damaged session file ({why}); {_WAY_OUT}")


def _read_header(zf: zipfile.ZipFile, path: Path) -> dict[str, Any]:
    names = zf.namelist()
    if HEADER not in names:
        raise SessionError(f"{path}: not a Vanishing Point session file (a zip archive without {HEADER}); open a .vpsession file")
    info = zf.getinfo(HEADER)
    _check_info(info, MAX_HEADER_BYTES, path)
    try:
        header = json.loads(zf.read(HEADER).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise _damaged(path, f"{HEADER} is not JSON: {exc}") from None
    except RecursionError:
        raise _damaged(path, f"{HEADER} is nested too deeply") from None
    if _depth(header) > MAX_JSON_DEPTH:
        raise _damaged(path, f"{HEADER} is nested more than {MAX_JSON_DEPTH} deep")
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        found = header.get("format") if isinstance(header, dict) else None
        raise SessionError(f"{path}: not a Vanishing Point session file (format {found!r}, expected {FORMAT!r}); open a .vpsession file")
    version = header.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise _damaged(path, f"version {version!r}")
    if version > VERSION:
        raise SessionError(
            f"{path}: session version {version} was written by a newer Vanishing Point "
            f"({str(header.get('engine_version', 'unknown'))[:40]}); this one ({__version__}) opens version {VERSION}: update it"
        )
    return header


def _depth(value: Any) -> int:
    """How deep lists and objects nest in parsed JSON, without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, d = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, d)
            if d <= MAX_JSON_DEPTH:
                stack.extend((v, d + 1) for v in (item.values() if isinstance(item, dict) else item))
    return deepest


def _check_info(info: zipfile.ZipInfo, limit: int, path: Path) -> None:
    if info.flag_bits & 0x1:
        raise _damaged(path, f"{info.filename} is encrypted, which a session never is")
    if info.compress_type not in _COMPRESSIONS:
        raise _damaged(path, f"{info.filename} uses compression method {info.compress_type}; sessions use stored or deflated members")
    if info.file_size > limit:
        raise _damaged(path, f"{info.filename} holds {info.file_size} bytes, more than the {limit} a session needs")


def _is_int(value: Any, low: int = 0, high: int = MAX_SESSION_STEPS) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def _is_str_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


# member: (dtype kind, shape in terms of N steps, L layers, E evaluations, S signal rows); a
# recurrent run's time_rms (N, T) is added by _Layout (an mlp's file has none)
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


@dataclass
class _Layout:
    """The header, checked: its tables, and each member's dtype kind and exact shape (a stat
    field's row count P comes from its mask, so its shape is known only after the mask is read:
    None there)."""

    config: Config
    names: list[str]
    sizes: list[tuple[int, int]]
    time_names: list[str]  # a recurrent run's t_1..t_T; [] for an mlp
    statuses: list[RunStatus]
    messages: list[str]
    changes: dict[int, dict[str, Any]]
    dims: dict[str, int]
    stat_fields: list[str]
    summary: dict[str, Any]
    version: int
    engine_version: str
    created: str
    members: dict[str, tuple[str, tuple[int, ...]]]

    @classmethod
    def from_header(cls, h: dict[str, Any], path: Path) -> _Layout:
        def bad(why: str) -> SessionError:
            return _damaged(path, f"header: {why}")

        if not isinstance(h.get("config"), str):
            raise bad("config is not TOML text")
        try:
            config = Config.from_toml(h["config"])
        except ConfigError as exc:
            raise SessionError(f"{path}: its configuration cannot be used ({exc}); {_WAY_OUT}") from None
        names, sizes = h.get("layers"), h.get("layer_sizes")
        if not _is_str_list(names) or len(names) > MAX_LAYERS:
            raise bad(f"layers must be a list of at most {MAX_LAYERS} names")
        if not isinstance(sizes, list) or (sizes and len(sizes) != len(names)):
            raise _damaged(path, f"{len(names)} layer names but {len(sizes) if isinstance(sizes, list) else 'no'} layer sizes")
        if not all(isinstance(s, list) and len(s) == 2 and all(_is_int(v, 1, 1 << 20) for v in s) for s in sizes):
            raise bad("layer_sizes must be [fan_in, fan_out] pairs of positive integers")
        dims = {"N": h.get("steps"), "E": h.get("evaluations"), "S": h.get("signal_steps")}
        for key, value in zip(("steps", "evaluations", "signal_steps"), dims.values()):
            if not _is_int(value):
                raise bad(f"{key} = {str(value)[:40]!r} is not an integer from 0 to {MAX_SESSION_STEPS}")
        if dims["E"] > dims["N"] or dims["S"] > dims["N"] or dims["N"] > config.steps:
            raise bad(f"{dims['E']} evaluations and {dims['S']} signal rows for {dims['N']} steps of a {config.steps}-step run")
        dims["L"] = len(names)
        dims["T"] = config.seq_len if config.is_recurrent else 0
        # version 1 came before the recurrent models: no time labels, and its config an mlp's
        times = h.get("time_labels", []) if h["version"] == 1 else h.get("time_labels")
        if not _is_str_list(times) or len(times) != dims["T"]:
            raise bad(f"time_labels must name the {dims['T']} time steps of a run of model = {config.model.value!r}")
        statuses, messages = h.get("statuses"), h.get("messages")
        if not _is_str_list(statuses) or not all(s in _STATUSES for s in statuses):
            raise bad("statuses is not a list of run statuses")
        if not _is_str_list(messages) or len(messages) > dims["N"] + 1:
            raise bad("messages is not a list of texts")
        if h.get("metric_names", list(METRIC_NAMES)) != list(METRIC_NAMES):
            raise bad(f"metric_names must be {list(METRIC_NAMES)}")
        stat_fields = h.get("stat_fields")
        if not _is_str_list(stat_fields) or len(set(stat_fields)) != len(stat_fields) or len(stat_fields) > 64:
            raise bad("stat_fields is not a list of distinct names")
        summary = h.get("summary") or {}
        if not isinstance(summary, dict):
            raise bad(f"summary is a {type(summary).__name__}")
        strings = {k: h.get(k, "") for k in ("engine_version", "created")}
        if not all(isinstance(v, str) and len(v) <= 200 for v in strings.values()):
            raise bad("engine_version and created must be short texts")
        changes = _changes(h.get("changes"), config, dims["N"], bad)
        members = {name: (kind, tuple(dims[d] if isinstance(d, str) else d for d in shape)) for name, (kind, shape) in _SHAPES.items()}
        if dims["T"]:
            members["time_rms"] = ("f", (dims["N"], dims["T"]))
        band = h.get("band_seeds", 0)
        if not (band == 0 or _is_int(band, 2, MAX_BAND_SEEDS)):
            raise bad(f"band_seeds must be 0 (one run) or a seed count from 2 to {MAX_BAND_SEEDS}")
        dims["B"] = band
        if band:
            members["band_lo"] = members["band_hi"] = ("f", (dims["E"], len(METRIC_NAMES)))
        health = h.get("band_health", False)
        if health not in (True, False) or (health and not band):
            raise bad("band_health must be true or false, and true only for a seed band")
        if health:
            members["band_health"] = ("f", (dims["E"], 3, len(HEALTH_NAMES)))
        for name in stat_fields:
            members[f"stats.{name}"] = ("f", (-1, dims["L"]))  # (rows set by the mask, layers, ...)
            members[f"stats.{name}.present"] = ("b", (dims["E"],))
        return cls(
            config, names, [(a, b) for a, b in sizes], times, [RunStatus(s) for s in statuses], messages, changes, dims,
            stat_fields, summary, h["version"], strings["engine_version"], strings["created"], members,
        )


def _changes(raw: Any, config: Config, n: int, bad) -> dict[int, dict[str, Any]]:
    """{row: {key: value}} of the live changes, each a value the configuration accepts."""
    if not isinstance(raw, list):
        raise bad("changes is not a list")
    changes: dict[int, dict[str, Any]] = {}
    for item in raw:
        if not (isinstance(item, list) and len(item) == 2 and _is_int(item[0], 0, n - 1) and isinstance(item[1], dict)):
            raise bad("a live change is not [row, {key: value}] with a row of the file")
        row, values = item
        if row in changes or not set(values) <= LIVE_KEYS:
            raise bad(f"the live change at row {row} is given twice or names a key that cannot change live")
        try:
            config.replace(**values)
        except ConfigError as exc:
            raise bad(f"the live change at row {row}: {exc}") from None
        changes[row] = dict(values)
    return changes


def _check_members(zf: zipfile.ZipFile, layout: _Layout, path: Path) -> None:
    """Every member is expected, once, unencrypted, stored or deflated; the arrays together fit
    MAX_ARRAY_BYTES (their exact sizes are checked as each is read)."""
    infos = zf.infolist()
    names = [i.filename for i in infos]
    if len(set(names)) != len(names):
        raise _damaged(path, "a member appears twice")
    expected = {f"{m}.npy" for m in layout.members} | {HEADER}
    unknown = sorted(set(names) - expected)
    if unknown:
        raise _damaged(path, f"unexpected member {unknown[0][:60]!r}, which no session of version {VERSION} has")
    missing = sorted(expected - set(names))
    if missing:
        raise _damaged(path, f"no {missing[0]}")
    total = 0
    for info in infos:
        if info.filename != HEADER:
            _check_info(info, MAX_ARRAY_BYTES, path)
            total += info.file_size
    if total > MAX_ARRAY_BYTES:
        raise _damaged(path, f"its arrays hold {total} bytes, more than the {MAX_ARRAY_BYTES} of the longest session")


def _read_array(zf: zipfile.ZipFile, name: str, kind: str, shape: tuple[int, ...], path: Path) -> np.ndarray:
    """The member `name`.npy, its dtype and shape checked from the .npy header before any memory
    is allocated for its data, and its byte count checked against the zip's."""
    member = f"{name}.npy"
    info = zf.getinfo(member)
    with zf.open(member) as f:
        version = np.lib.format.read_magic(f)
        if version not in ((1, 0), (2, 0)):
            raise _damaged(path, f"{member} is a .npy file of version {version}")
        read = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
        found, fortran, dtype = read(f, max_header_size=10_000)
        if not isinstance(found, tuple) or not all(_is_int(d, 0, MAX_SESSION_STEPS) for d in found):
            raise _damaged(path, f"{name} has shape {found}")
        ok_dtype = dtype.kind == kind and not dtype.hasobject and dtype.names is None and dtype.itemsize <= 8 and not dtype.shape
        if shape[0] == -1:  # a statistic: (rows, layers, values per layer), rows checked with the mask
            ok_shape = len(found) >= 2 and found[1] == shape[1] and math.prod(found[2:]) <= MAX_STAT_WIDTH
        else:
            ok_shape = found == shape
        if not ok_dtype or not ok_shape:
            want = f"(rows, {shape[1]}, ...) floats" if shape[0] == -1 else f"{shape} of kind {kind!r}"
            raise _damaged(path, f"{name} has shape {found} and dtype {dtype}, expected {want}")
        nbytes = math.prod(found) * dtype.itemsize
        if info.file_size != f.tell() + nbytes:
            raise _damaged(path, f"{member} holds {info.file_size} bytes where its shape {found} needs {f.tell() + nbytes}")
        buffer = bytearray(nbytes)
        if f.readinto(buffer) != nbytes or f.read(1):  # reading to the end checks the CRC
            raise _damaged(path, f"{member} is shorter or longer than its shape {found}")
    return np.frombuffer(buffer, dtype=dtype).reshape(found, order="F" if fortran else "C")


def _decode(layout: _Layout, arrays: dict[str, np.ndarray], path: Path) -> Session:
    def damaged(why: str) -> SessionError:
        return _damaged(path, why)

    dims, n = layout.dims, layout.dims["N"]
    if int(arrays["has_signal"].sum()) != dims["S"] or int(arrays["has_eval"].sum()) != dims["E"]:
        raise damaged("the signal or evaluation rows do not match their masks")
    step = arrays["step"]
    if n and (step[0] < 1 or step[-1] > layout.config.steps or (np.diff(step) <= 0).any()):
        raise damaged(f"its steps are not increasing from 1 to at most steps = {layout.config.steps}")
    if not np.array_equal(arrays["eval_step"], step[arrays["has_eval"]]):
        raise damaged("an evaluation's step is not the step of its row")
    best = arrays["best_step"]
    if ((best != -1) & ((best < 1) | (best > step))).any():
        raise damaged("a best step is not a step that came before it")
    for name, table in (("status", layout.statuses), ("message", layout.messages)):
        codes = arrays[name]
        if n and (codes.min() < 0 or codes.max() >= len(table)):
            raise damaged(f"{name} codes out of range")
    stats = _layer_stats(arrays, layout.stat_fields, dims["E"], dims["L"], damaged)
    records = _records(arrays, stats, layout.statuses, layout.messages, layout.changes, n, dims["B"])
    return Session(
        layout.config, records, layout.summary, layout.names, layout.sizes,
        layout.version, layout.engine_version, layout.created, layout.time_names, path,
    )


def _layer_stats(arrays: dict[str, np.ndarray], stored: list[str], n_evals: int, n_layers: int, damaged) -> list[LayerStats]:
    """One LayerStats per evaluation, from the stats.NAME members."""
    columns: dict[str, list[Any]] = {}
    for f in fields(LayerStats):
        if f.name not in stored:
            if f.default is MISSING and n_evals:
                raise damaged(f"no layer statistic {f.name}")
            columns[f.name] = [f.default] * n_evals
            continue
        values, present = arrays[f"stats.{f.name}"], arrays[f"stats.{f.name}.present"]
        want = (int(present.sum()), n_layers, *_STAT_SHAPES[f.name])
        if values.shape != want or (f.default is MISSING and not present.all()):
            raise damaged(f"stats.{f.name} has shape {values.shape}, which its mask and the layers do not match")
        rows = iter(values)
        columns[f.name] = [next(rows).copy() if p else None for p in present.tolist()]
    for name in stored:  # a field of a later version: its rows must still match its mask
        values, present = arrays[f"stats.{name}"], arrays[f"stats.{name}.present"]
        if name not in columns and values.shape[0] != int(present.sum()):
            raise damaged(f"stats.{name} has {values.shape[0]} rows for {int(present.sum())} evaluations")
    return [LayerStats(**{k: v[e] for k, v in columns.items()}) for e in range(n_evals)]


def _records(a: dict[str, np.ndarray], stats: list[LayerStats], statuses, messages, changes, n: int, band: int = 0) -> list[StepRecord]:
    # python scalars once for whole columns: far faster than indexing numpy per step
    step, loss, total, clipped = a["step"].tolist(), a["loss"].tolist(), a["total_norm"].tolist(), a["clipped_norm"].tolist()
    status, message, best = a["status"].tolist(), a["message"].tolist(), a["best_step"].tolist()
    has_signal, has_eval = a["has_signal"].tolist(), a["has_eval"].tolist()
    grad, signal = a["grad_norms"], a["signal_rms"]
    metrics, eval_step = a["metrics"].tolist(), a["eval_step"].tolist()
    times = a.get("time_rms")  # (N, T) of a recurrent run; None: an mlp's records have none
    lows, highs = (a["band_lo"].tolist(), a["band_hi"].tolist()) if band else (None, None)  # a seed band's ranges
    health = a["band_health"].tolist() if "band_health" in a else None  # and each seed's unit health
    records = []
    s = e = 0
    for i in range(n):
        signal_rms = None
        if has_signal[i]:
            signal_rms = signal[s].copy()
            s += 1
        evaluation = None
        if has_eval[i]:
            shares = () if health is None else tuple(map(tuple, health[e]))
            evaluation = Evaluation(eval_step[e], *metrics[e], stats[e], Band(tuple(lows[e]), tuple(highs[e]), band, *shares) if band else None)
            e += 1
        records.append(
            StepRecord(
                step[i], loss[i], grad[i].copy(), signal_rms, total[i], clipped[i], statuses[status[i]],
                evaluation, dict(changes.get(i, {})), messages[message[i]], None if best[i] < 0 else best[i],
                None if times is None else times[i].copy(),
            )
        )
    return records
