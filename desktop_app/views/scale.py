"""The heatmap's colour scale and axes, as plain functions of numbers: log10 values to colour
indices, a block relative to its top row, the rows' tick labels, and numbers as a person writes
them. No widget here: the heatmap view (and tests) call them."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pyqtgraph as pg

from desktop_app.style import superscript
from engine import LOG10_SCALE, NOT_FINITE_RGB, ZERO_RGB

LEVELS = LOG10_SCALE  # fixed, as in sweep.png
#: the relative view's scale, in decades of layer ÷ output layer: pale where a layer gets as much
#: as the output layer, blue where it gets a vanishing share, red where it gets far more
RELATIVE_LEVELS = (-8.0, 8.0)
COLORMAP = pg.colormap.get("CET-D1A")  # blue (vanishing) - pale (healthy) - red (exploding)
SCALE_TOP = 253  # the colour scale's indices are 0..SCALE_TOP
ZERO_INDEX = 254
NOT_FINITE_INDEX = 255
LUT = np.vstack([COLORMAP.getLookupTable(nPts=SCALE_TOP + 1, alpha=False), [ZERO_RGB, NOT_FINITE_RGB]]).astype(np.uint8)


def to_indices(log10: np.ndarray, levels: tuple[float, float] = LEVELS) -> np.ndarray:
    """Colour-table indices: 0..SCALE_TOP for log10 values clipped to `levels`; ZERO_INDEX for an
    exact zero (-inf), which the table shows apart from the scale's bottom; NOT_FINITE_INDEX for
    +inf and NaN, which it shows as 'not finite'."""
    lo, hi = levels
    with np.errstate(invalid="ignore"):
        idx = np.clip((log10 - lo) * (SCALE_TOP / (hi - lo)), 0, SCALE_TOP)
    idx[np.isneginf(log10)] = ZERO_INDEX
    idx[np.isnan(log10) | np.isposinf(log10)] = NOT_FINITE_INDEX
    return idx.astype(np.uint8)


def relative_to_output(log10: np.ndarray) -> np.ndarray:
    """log10(g_i / g_top) for each column of a (layers, steps) block: every layer against the
    output layer (the top row) of the same step. NaN where that is undefined (inf − inf, or an
    output layer with no gradient at all), except that a layer with no gradient at all stays
    -inf, an exact zero, whatever the output layer's: it has nothing to compare."""
    with np.errstate(invalid="ignore"):
        rel = log10 - log10[-1:]
    rel[:, ~np.isfinite(log10[-1])] = np.nan
    rel[np.isneginf(log10)] = -np.inf
    return rel


def zero_runs(values: np.ndarray) -> str:
    """The 1-based rows whose value is an exact zero (-inf), as a person writes them: '1–6',
    '2, 5–7'; '' when none."""
    rows = np.flatnonzero(np.isneginf(values)) + 1
    runs: list[list[int]] = []
    for row in rows.tolist():
        if runs and row == runs[-1][-1] + 1:
            runs[-1].append(row)
        else:
            runs.append([row])
    return ", ".join(str(r[0]) if len(r) == 1 else f"{r[0]}–{r[-1]}" for r in runs)


def last_shown_column(block: np.ndarray, end: int) -> int | None:
    """The last column at or before `end` with no NaN or +inf in it (-inf, an exact zero, is a
    value), or None: the step whose profile can be drawn."""
    if end < 0:
        return None
    if not (np.isnan(block[:, end]) | np.isposinf(block[:, end])).any():  # the usual case, cheap
        return end
    ok = ~(np.isnan(block[:, : end + 1]) | np.isposinf(block[:, : end + 1])).any(axis=0)
    found = np.flatnonzero(ok)
    return int(found[-1]) if len(found) else None


def layer_ticks(n: int) -> list[tuple[int, str]]:
    """Row labels for n layers: every layer up to a dozen, then every k-th, and the last."""
    step = max(1, math.ceil(n / 12))
    return [(i, str(i)) for i in range(1, n + 1) if (i - 1) % step == 0 or i == n]


def time_ticks(n: int, most: int = 12) -> list[tuple[int, str]]:
    """Labels for time steps 1..n: 1, the multiples of a round spacing (1, 2, 5, 10, 20, 50, ...)
    giving at most about `most` labels, and n; a multiple too close to n gives way."""
    spacing, factors = 1, itertools.cycle((2, 2.5, 2))  # 1, 2, 5, 10, 20, 50, ...
    while n / spacing > most:
        spacing = round(spacing * next(factors))
    values = {1, n} | {v for v in range(spacing, n, spacing) if n - v > spacing / 2}
    return [(v, str(v)) for v in sorted(values)]


def format_value(value: float) -> str:
    """A number as a person writes it: 0.01, 0.5, 2.4, 1,234 (three significant digits, no
    trailing zeros), and 3.2×10⁻⁸ below 0.001 or from a million up; '∞'/'NaN' for non-finite."""
    value = float(value)
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "∞" if value > 0 else "−∞"
    if value == 0:
        return "0"
    sign = "−" if value < 0 else ""
    mantissa, exponent = f"{abs(value):.2e}".split("e")  # rounded first: 0.0099999 is 1.00e-02
    exponent = int(exponent)
    if -3 <= exponent < 6:
        text = f"{abs(value):,.{max(0, 2 - exponent)}f}"
        if "." in text:
            text = text.rstrip("0").rstrip(".")
        return sign + text
    return f"{sign}{mantissa.rstrip('0').rstrip('.')}×10{superscript(exponent)}"
