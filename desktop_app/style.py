"""Look and small text helpers shared by the views."""

from __future__ import annotations

import pyqtgraph as pg

_SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")

TRAIN_COLOR = "#1f77b4"
VAL_COLOR = "#ff7f0e"
BEST_COLOR = "#2ca02c"
DIVERGED_COLOR = "#d62728"
CHANGE_COLOR = "#7f7f7f"


def superscript(n: int) -> str:
    return str(n).translate(_SUPERSCRIPT)


def cache_axes(plot: pg.PlotItem) -> None:
    """Paint each axis into a cached pixmap: axes change rarely, but without the cache their text
    is redrawn whenever the data beside them repaints (most of a frame's cost)."""
    from qtpy.QtWidgets import QGraphicsItem

    for name in ("left", "bottom", "right", "top"):
        plot.getAxis(name).setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)


def without_context_menus(scene, *plots: pg.PlotItem) -> None:
    """pyqtgraph's right-click menus are in English only; the File menu exports instead."""
    scene.contextMenu = []
    for plot in plots:
        plot.setMenuEnabled(False)


def configure_pyqtgraph() -> None:
    pg.setConfigOptions(background="w", foreground="#222222", antialias=True, )
