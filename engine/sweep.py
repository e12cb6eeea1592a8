"""Sweeps: a grid of configurations, each trained headless, in parallel processes.

`vanishing-point sweep --grid depth=2,8,16 --grid activation=sigmoid,relu --out DIR` trains
every combination of the grid's values on top of the resolved configuration. Each cell is an
ordinary run, so it writes the files of `vanishing-point run` to DIR/cells/<index>/ (1-based, in
the table's row order) and its numbers equal that command's with the same settings. The whole
grid becomes DIR/sweep.csv (one row per cell) and DIR/sweep.png, a heatmap drawn here without
Qt or matplotlib: a PNG is a few zlib-compressed rows of bytes.

Workers are started with the "spawn" method: a forked child would inherit torch's thread pools
and locks half-initialized.
"""

from __future__ import annotations

import csv
import enum
import itertools
import json
import math
import multiprocessing
import os
import struct
import sys
import time
import zlib
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from engine.config import Config, ConfigError, positive_int
from engine.record import csv_cell, prepare_out_dir, stderr_printer
from engine.results import LOG10_SCALE

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


# --- one cell (runs in a worker process) ----------------------------------------------------
@dataclass(frozen=True)
class CellResult:
    index: int  # 1-based, the row of sweep.csv and the folder DIR/cells/<index>
    summary: dict[str, Any]  # Run.summary(), as the cell's summary.json
    grad_first_step1: float  # layer 1's weight-gradient norm at step 1, before clipping
    grad_last_step1: float  # the output layer's
    seconds: float


def run_cell(index: int, config: Config, out_dir: str) -> CellResult:
    """Train one cell exactly as `vanishing-point run` does, writing its files to out_dir."""
    from engine.record import RunRecorder, interrupted_summary
    from engine.trainer import Run

    start = time.perf_counter()
    run = Run(config, keep_history=False)  # streamed to the cell's files: no history in memory
    recorder = RunRecorder(out_dir, config, run.n_layers, run.initial, time_steps=run.time_steps)
    first = None
    summary = None
    try:
        for record in run:
            if first is None:
                first = record.grad_norms
            recorder.add(record)
    finally:
        summary = interrupted_summary(run.summary(), recorder.last_step, "interrupted")  # unchanged if it ended
        recorder.close(summary)
    assert first is not None  # a run takes at least one step
    return CellResult(index, summary, float(first[0]), float(first[-1]), time.perf_counter() - start)


def iter_sweep(cells: Sequence[Config], out: Path, jobs: int) -> Iterator[CellResult]:
    """Train every cell, `jobs` at a time, yielding results as cells finish (not in order).
    Closing the generator cancels the cells not yet started."""
    dirs = [str(out / "cells" / str(i)) for i in range(1, len(cells) + 1)]
    if jobs <= 1 or len(cells) == 1:
        for i, (config, d) in enumerate(zip(cells, dirs), start=1):
            yield run_cell(i, config, d)
        return
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=min(jobs, len(cells)), mp_context=context) as pool:
        futures = [pool.submit(run_cell, i, c, d) for i, (c, d) in enumerate(zip(cells, dirs), start=1)]
        try:
            for future in as_completed(futures):
                yield future.result()
        finally:
            for future in futures:
                future.cancel()


# --- the table ------------------------------------------------------------------------------
def sweep_columns(grid: Grid, summary_keys: Sequence[str]) -> list[str]:
    """Grid keys, then the summary fields (a field named like a grid key, `device`, becomes
    `summary_device`), then the step-1 gradient norms."""
    fields = [f"summary_{k}" if k in grid.keys else k for k in summary_keys]
    return [*grid.keys, *fields, *GRAD_COLUMNS]


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return csv_cell(value)
    if isinstance(value, list | dict):
        return json.dumps(value)
    return str(value)


def write_table(path: Path, grid: Grid, results: Sequence[CellResult]) -> None:
    settings = grid.settings()
    results = sorted(results, key=lambda r: r.index)
    keys = list(results[0].summary) if results else []
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(sweep_columns(grid, keys))
        for r in results:
            cell = [plain(v) for v in settings[r.index - 1].values()]
            writer.writerow([*cell, *(_text(r.summary[k]) for k in keys), _text(r.grad_first_step1), _text(r.grad_last_step1)])


# --- the picture ----------------------------------------------------------------------------
LEVELS = LOG10_SCALE  # the app's heatmap's range
# CET-D1A (the app's colour map) at each decade from 10^-7 to 10^5: blue (vanishing), pale at
# 10^-1 (healthy), red (exploding)
STOPS = np.array(
    [[23, 41, 114], [30, 65, 177], [67, 92, 224], [119, 124, 243], [163, 160, 252], [203, 198, 247],
     [238, 227, 232], [252, 188, 175], [251, 139, 117], [232, 90, 69], [204, 38, 30], [157, 1, 10], [102, 7, 2]],
    dtype=np.float64,
)
NOT_FINITE = (0, 0, 0)
BACKGROUND = (160, 160, 160)  # also a cell that did not run
CELL, GAP, MARGIN, DECADE = 24, 8, 6, 16  # pixels


def colors(log10: np.ndarray) -> np.ndarray:
    """(..., 3) uint8 colours for log10 values: clipped to LEVELS (an exact zero takes the lowest
    colour), black for NaN and +inf."""
    lo, hi = LEVELS
    with np.errstate(invalid="ignore"):
        pos = np.clip((np.asarray(log10, dtype=np.float64) - lo) / (hi - lo), 0, 1) * (len(STOPS) - 1)
    bad = np.isnan(log10) | np.isposinf(log10)
    pos = np.where(bad, 0, pos)
    i = np.minimum(pos.astype(int), len(STOPS) - 2)
    t = (pos - i)[..., None]
    rgb = np.rint(STOPS[i] * (1 - t) + STOPS[i + 1] * t).astype(np.uint8)
    rgb[bad] = NOT_FINITE
    return rgb


def heatmap(grid: Grid, values: dict[int, float]) -> np.ndarray:
    """(height, width, 3) image of log10(value) per cell: rows are the first key's values (top:
    the first), columns the second key's; a further key makes one such panel per combination of
    its values, left to right in the table's order. Below, the colour scale from 10^-7 to 10^5
    with a tick per decade (longer at 10^-1), and the not-finite colour at its right."""
    n_rows = len(grid.values[0])
    n_cols = len(grid.values[1]) if len(grid.keys) > 1 else 1
    n_panels = math.prod(len(v) for v in grid.values[2:])
    panel_w = n_cols * CELL
    bar_w = DECADE * (len(STOPS) - 1) + 1
    width = 2 * MARGIN + max(n_panels * panel_w + (n_panels - 1) * GAP, bar_w + GAP + CELL // 2)
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
    img[bar_top : bar_top + CELL // 2, x : x + CELL // 2] = NOT_FINITE
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


def write_picture(path: Path, grid: Grid, results: Sequence[CellResult]) -> None:
    img = heatmap(grid, {r.index: r.grad_first_step1 for r in results})
    axes = "; ".join(f"{k}: {', '.join(plain(v) for v in vs)}" for k, vs in zip(grid.keys, grid.values))
    description = (
        "log10 of the layer-1 weight-gradient norm at step 1; rows, columns, then panels: " + axes
        + "; colour scale 10^-7 (blue) to 10^-1 (pale) to 10^5 (red), black = not finite"
    )
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(png_bytes(img, {"Title": "Vanishing Point sweep", "Description": description}))
    tmp.replace(path)


# --- the `sweep` command --------------------------------------------------------------------
def parse_jobs(text: str | None) -> int:
    """`--jobs N` as an integer >= 1 (the number of CPUs when not given)."""
    return positive_int(text, "--jobs", os.cpu_count() or 1, "--jobs 2")


def run_sweep(base: Config, grid_items: Sequence[str], jobs_text: str | None, out: Path, quiet: bool = False) -> int:
    """`vanishing-point sweep`: config.toml (the base), cells/<i>/, sweep.csv, sweep.png."""
    from engine.trainer import resolve_device

    grid = parse_grid(grid_items, base)
    cells = grid.cells(base)
    jobs = parse_jobs(jobs_text)
    for device in {c.device for c in cells}:
        resolve_device(device)  # ConfigError for a device this machine lacks, before any cell runs
    prepare_out_dir(out, base, "cells")
    say = stderr_printer(quiet)

    settings = grid.settings()
    workers = max(1, min(jobs, len(cells)))
    say(f"sweep: {len(cells)} cells over {', '.join(grid.keys)}, {workers} process{'es' if workers > 1 else ''}")
    results: list[CellResult] = []
    try:
        for r in iter_sweep(cells, out, jobs):
            results.append(r)
            err = r.summary.get("final_val_error")
            err_text = f", val error {err:.4g}" if err is not None else ""
            say(
                f"[{len(results)}/{len(cells)}] cell {r.index} {describe(settings[r.index - 1])}: {r.summary['status']}"
                f"{err_text}, layer-1 gradient at step 1 {r.grad_first_step1:.3g} ({r.seconds:.1f} s)"
            )
    except KeyboardInterrupt:
        print(f"\ninterrupted after {len(results)} of {len(cells)} cells; their rows are in {out / 'sweep.csv'}", file=sys.stderr)
    write_table(out / "sweep.csv", grid, results)
    write_picture(out / "sweep.png", grid, results)
    say(f"wrote {out / 'sweep.csv'} and {out / 'sweep.png'}")
    return 0
