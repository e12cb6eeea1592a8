"""What a recurrent net learned, drawn from the engine's answers on a few validation sequences
(engine.insight.sequence_answers): for recall, each sequence's trace with the class its first
step gives and the network's answer after the last step; for adding, the true sum against the
network's answer. The numbers are the engine's; this view only places them."""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from qtpy.QtCore import Qt
from qtpy.QtWidgets import QLabel, QVBoxLayout, QWidget

from desktop_app.style import BEST_COLOR, DIVERGED_COLOR, IntegerAxis, cache_axes, without_context_menus
from desktop_app.views.scale import time_ticks

CLASS_COLORS = [(31, 119, 180), (255, 127, 14)]  # as the 2-D maps: class 0 blue, class 1 orange
ROW_GAP = 3.0  # vertical distance between two sequences' baselines (their first step is ±1)
ADDING_RANGE = (-0.1, 2.1)  # a sum of two U(0, 1) values lies in [0, 2]


class SequenceAnswersView(QWidget):
    """A plot and a line of explanation; `show_answers` draws one of the engine's answer sets."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.widget = pg.PlotWidget(axisItems={"bottom": IntegerAxis("bottom")})
        self.plot = self.widget.getPlotItem()
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.hideButtons()
        cache_axes(self.plot)
        without_context_menus(self.widget.scene(), self.plot)
        self.widget.setMinimumSize(200, 200)
        self.traces: list[pg.PlotDataItem] = []  # recall: one per sequence shown, reused
        self.first_steps = pg.ScatterPlotItem(size=9, pen=pg.mkPen("k", width=0.5))
        self.answers: list[pg.TextItem] = []  # recall: the answer beside each trace
        self.points = pg.ScatterPlotItem(size=5, pen=None, brush=pg.mkBrush(31, 119, 180, 140))
        dash = Qt.PenStyle.DashLine
        self.diagonal = pg.PlotDataItem([0, 2], [0, 2], pen=pg.mkPen(BEST_COLOR, width=1.5, style=dash))
        self.guess = pg.InfiniteLine(1.0, angle=0, pen=pg.mkPen("#7f7f7f", width=1, style=Qt.PenStyle.DotLine))
        for item in (self.first_steps, self.points, self.diagonal):
            self.plot.addItem(item)
        self.plot.addItem(self.guess, ignoreBounds=True)
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.note.setObjectName("sequenceNote")
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.widget, 1)
        column.addWidget(self.note)
        self.kind: str | None = None

    def show_answers(self, answers: dict[str, Any], error: float | None) -> None:
        """Draw `answers` (engine.insight.sequence_answers); `error`: the latest validation error
        (recall) or MSE (adding) from the engine's evaluations, None before the first."""
        if answers["kind"] != self.kind:
            self.kind = answers["kind"]
            self._set_kind(self.kind)
        if self.kind == "recall":
            self._recall(answers, error)
        else:
            self._adding(answers, error)

    def _set_kind(self, kind: str) -> None:
        recall = kind == "recall"
        self.plot.setAspectLocked(not recall, ratio=1)
        self.plot.showGrid(x=not recall, y=not recall, alpha=0.25)
        self.plot.getAxis("left").setStyle(showValues=not recall)
        for item in (self.points, self.diagonal, self.guess):
            item.setVisible(not recall)
        for item in (self.first_steps, *self.traces, *self.answers):
            item.setVisible(recall)
        if recall:
            self.plot.setLabel("bottom", self.tr("time step t"))
            self.plot.setLabel("left", self.tr("validation sequences"))
        else:
            self.plot.getAxis("bottom").setTicks(None)  # automatic again
            self.plot.setLabel("bottom", self.tr("true sum of the two marked values"))
            self.plot.setLabel("left", self.tr("the network's answer"))
            self.plot.setRange(xRange=ADDING_RANGE, yRange=ADDING_RANGE, padding=0)

    def _recall(self, answers: dict[str, Any], error: float | None) -> None:
        x, labels = answers["x"], answers["label"]  # (k, T), (k,)
        k, steps = x.shape
        t = np.arange(1, steps + 1)
        right_edge = steps * 1.32 + 1  # the traces end at T; the answers take the rest
        while len(self.traces) < k:
            self.traces.append(self.plot.plot([], [], pen=pg.mkPen("#9a9a9a", width=1)))
            text = pg.TextItem(anchor=(1, 0.5))  # right-aligned at the plot's edge: whole however narrow
            self.plot.addItem(text)
            self.answers.append(text)
        # the first sequence on top, as a list reads
        bases = ROW_GAP * np.arange(k - 1, -1, -1, dtype=np.float64)
        for i, (trace, text) in enumerate(zip(self.traces, self.answers)):
            if i >= k:
                trace.setData([], [])
                text.setText("")
                continue
            trace.setData(t, bases[i] + x[i])
            p, right = float(answers["p_true"][i]), bool(answers["correct"][i])
            mark = "✓" if right else "✗"
            shown = f"{100 * p:.0f}%" if np.isfinite(p) else "?"
            text.setText(f"{shown} {mark}")
            text.setColor(BEST_COLOR if right else DIVERGED_COLOR)
            text.setPos(right_edge, bases[i])
        self.first_steps.setData(
            np.ones(k), bases + x[:, 0], brush=[pg.mkBrush(*CLASS_COLORS[c]) for c in labels]
        )
        # room on the right for the answers (ticks only up to T), none wasted below and above the rows
        self.plot.getAxis("bottom").setTicks([time_ticks(steps, most=5)])  # a narrow plot: a few labels
        margin = 0.03 * steps + 0.5
        self.plot.setRange(xRange=(1 - margin, right_edge), yRange=(-ROW_GAP / 2, float(bases[0]) + ROW_GAP / 2), padding=0)
        note = self.tr("Each row: a validation sequence. Its first step (dot) is +1 for class 1 (orange), −1 for class 0 "
                       "(blue); the rest is noise. Right: after step T, the network's probability for the true class "
                       "(✓ right, ✗ wrong).")
        if error is not None and np.isfinite(error):
            note += " " + self.tr("Validation error now: {0:.0%} (a guess: 50%).").format(error)
        self.note.setText(note + self._radius(answers))

    def _adding(self, answers: dict[str, Any], error: float | None) -> None:
        self.points.setData(answers["target"], answers["prediction"])
        note = self.tr("Each dot: a validation sequence, its true sum (across) and the network's answer (up). On the "
                       "dashed diagonal: right. Flat along the dotted line at 1: a guess of the average, the marked "
                       "values not found (MSE ≈ 0.167).")
        if error is not None and np.isfinite(error):
            note += " " + self.tr("Validation MSE now: {0:.3f}.").format(error)
        self.note.setText(note + self._radius(answers))

    def _radius(self, answers: dict[str, Any]) -> str:
        """The Elman network's recurrent spectral radius (engine.insight: per layer, at the start
        and now), as a sentence; empty for LSTM and GRU."""
        now, start = answers.get("spectral_radius"), answers.get("spectral_radius_start")
        if not now or not start:
            return ""
        pairs = ", ".join(f"{a:.2f} → {b:.2f}" for a, b in zip(start, now))
        if len(now) == 1:
            return " " + self.tr("Recurrent spectral radius (largest |eigenvalue| of the recurrent matrix), at the start → "
                                 "now: {0}.").format(pairs)
        return " " + self.tr("Recurrent spectral radius per layer (largest |eigenvalue| of each recurrent matrix), at the "
                             "start → now: {0}.").format(pairs)
