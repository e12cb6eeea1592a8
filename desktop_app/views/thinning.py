"""Curves drawn at about one point pair per pixel column, as an oscilloscope draws them.

A long run's curves hold thousands of points (RunHistory's recent steps at full resolution and
(min, max) pairs of older ones); drawn whole, a dense zigzag of them cost tens of milliseconds a
paint per curve, on every frame. `per_column` keeps, for each pixel column of the plot, the
lowest and the highest value in it (a spike of any age stays visible), so a curve's drawing costs
as much after a million steps as after a thousand. The values are the engine's numbers, only
fewer of them: nothing is interpolated or smoothed.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg

MIN_COLUMNS = 200  # a plot not laid out yet (0 px wide) is thinned as if it were this wide


def per_column(x: np.ndarray, y: np.ndarray, x0: float, x1: float, columns: float, keep: str = "both") -> tuple[np.ndarray, np.ndarray]:
    """(x, y) with at most two points per column of `columns` equal columns spanning [x0, x1]:
    each column's first step with its lowest value and its last step with its highest (NaN
    ignored; a column of NaN stays a NaN, a gap where the curve is drawn with connect="finite").
    `keep` "min" or "max": one point per column, its lowest or highest value (the lower or upper
    edge of a band: an envelope, not a zigzag). `x` is ascending; `y` is one value per step, or
    a row of several curves' values per step (thinned together, column by column). Returned
    unchanged when it has no more than two points per column."""
    columns = max(int(columns), MIN_COLUMNS)
    n = len(x)
    if n <= 2 * columns or not x1 > x0:
        return x, y
    col = np.clip(((np.asarray(x, dtype=float) - x0) * (columns / (x1 - x0))).astype(np.int64), 0, columns - 1)
    starts = np.flatnonzero(np.r_[True, col[1:] != col[:-1]])
    if len(starts) * 2 >= n:
        return x, y
    ends = np.r_[starts[1:], n] - 1
    with np.errstate(invalid="ignore"):
        lo = np.fmin.reduceat(y, starts)
        hi = np.fmax.reduceat(y, starts)
    if keep != "both":
        return x[starts], (lo if keep == "min" else hi)
    out_x = np.empty(2 * len(starts), dtype=np.asarray(x).dtype)
    out_y = np.empty((2 * len(starts), *np.shape(y)[1:]), dtype=np.result_type(y, np.float64))
    out_x[0::2], out_x[1::2] = x[starts], x[ends]
    out_y[0::2], out_y[1::2] = lo, hi
    last = np.isfinite(y[-1]) & (y[-1] != out_y[-1])
    if np.any(last):  # the latest measurement ends the curve, exact (for a row: each curve that has one)
        out_x = np.append(out_x, x[-1])
        out_y = np.concatenate([out_y, np.where(last, y[-1], out_y[-1])[None]])
    return out_x, out_y


def decades(values: np.ndarray, least: int = 1) -> tuple[int, int] | None:
    """The powers of ten around the positive finite `values`, (floor, ceil) of their log10,
    at least `least` decades apart; None when there are none."""
    v = values[np.isfinite(values) & (values > 0)]
    if not len(v):
        return None
    lo, hi = math.floor(np.log10(v.min())), math.ceil(np.log10(v.max()))
    extra = max(0, least - (hi - lo))
    return lo - extra // 2 - extra % 2, hi + extra // 2


#: a pen wider than one pixel is antialiased while its curve has at most this many points: Qt
#: strokes a wide antialiased zigzag of 400 points in ~30 ms (2,000: 100-300 ms), aliased in 1-5 ms
#: (a one-pixel pen is cheap either way, and stays antialiased)
SMOOTH_POINTS = 150


def draw(curve, x: np.ndarray, y: np.ndarray, **kwargs) -> None:
    """`curve.setData(x, y, **kwargs)`, a dense curve's wide pen drawn without antialiasing."""
    wide = pg.mkPen(curve.opts["pen"]).widthF() > 1
    curve.setData(x, y, antialias=not wide or len(x) <= SMOOTH_POINTS, **kwargs)
