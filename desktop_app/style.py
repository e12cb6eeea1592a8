"""Look and small text helpers shared by the views."""

from __future__ import annotations

import math

import pyqtgraph as pg
from qtpy.QtCore import QSize
from qtpy.QtGui import QPainter, QTextDocument
from qtpy.QtWidgets import QSizePolicy, QWidget

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


class IntegerAxis(pg.AxisItem):
    """An axis of whole numbers (steps, layers, folds): no tick between two of them, so a plot
    of three steps reads 1, 2, 3 and not 1, 1.5, 2, 2.5."""

    def tickValues(self, minVal, maxVal, size):  # noqa: N802,N803 - pyqtgraph's names
        levels = []
        for spacing, values in super().tickValues(minVal, maxVal, size):
            whole = [v for v in values if float(v).is_integer()]
            if whole:
                levels.append((max(spacing, 1.0), whole))
        if not levels:  # the range is only a few units wide: one tick per unit
            lo, hi = sorted((minVal, maxVal))
            levels = [(1.0, [float(v) for v in range(math.ceil(lo), math.floor(hi) + 1)])]
        return levels

    def tickStrings(self, values, scale, spacing):  # noqa: N802 - pyqtgraph's name
        return [f"{round(v * scale):d}" for v in values]


class DecadeAxis(pg.AxisItem):
    """A log-scale axis labelled at powers of ten only (10⁻⁴, 10⁻³, ...): the minor ticks between
    them stay as ticks, without the crowd of 2, 3, 5 labels pyqtgraph gives them."""

    _no_decade = False  # at most one power of ten in view: label the minor ticks after all

    def logTickValues(self, minVal, maxVal, size, stdTicks):  # noqa: N802,N803 - pyqtgraph's names
        self._no_decade = math.floor(maxVal) - math.ceil(minVal) < 1  # fewer than two powers of ten in view
        return super().logTickValues(minVal, maxVal, size, stdTicks)

    def logTickStrings(self, values, scale, spacing):  # noqa: N802 - pyqtgraph's name
        if self._no_decade:
            return super().logTickStrings(values, scale, spacing)
        return [f"10{superscript(round(v))}" if abs(v - round(v)) < 1e-6 else "" for v in values]


def configure_pyqtgraph() -> None:
    pg.setConfigOptions(background="w", foreground="#222222", antialias=True, )


class ReadoutWidget(QWidget):
    """One line of rich text that changes many times a second. A QLabel asks its layout to
    recompute on every setText (its size hint may change), and a readout that ticks with each
    frame re-laid-out the whole window 30 times a second (event-loop p50 10 ms); this widget
    keeps one fixed height and only repaints."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._doc = QTextDocument()
        self._doc.setDocumentMargin(0)
        self._text = ""
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.setFixedHeight(self.fontMetrics().lineSpacing() + 4)

    def text(self) -> str:
        return self._text

    def setText(self, text: str) -> None:  # noqa: N802 - QLabel's name, so callers need not care
        if text != self._text:
            self._text = text
            self._doc.setDefaultFont(self.font())
            self._doc.setHtml(text)
            self.update()

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name: the width the text needs (the layout tests read it)
        return QSize(math.ceil(self._doc.idealWidth()), self.height())

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt's name
        painter = QPainter(self)
        painter.translate(0, max(0, (self.height() - self._doc.size().height()) / 2))
        self._doc.drawContents(painter)


def axis_end(n: int, total: int) -> int:
    """Where a step axis that fills up like an oscilloscope ends once n steps have run: the next
    of 1, 2, 5, 10, 20, 50, ... at or above n, but never past the run's `total` steps. The axis
    moves a few times a decade rather than on every frame (each move repaints the whole plot)."""
    n = max(int(n), 1)
    if n >= total:
        return n
    nice = 1
    while nice < n:
        for factor in (2, 5 / 2, 2):  # 1 -> 2 -> 5 -> 10
            nice = round(nice * factor)
            if nice >= n:
                break
    return min(nice, total)
