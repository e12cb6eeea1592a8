"""Training and validation error (and loss) against step, with markers for live changes, the
early-stopping best step and divergence."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from qtpy.QtCore import Qt
from qtpy.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QSizePolicy, QTabWidget, QVBoxLayout, QWidget

from desktop_app.history import RunHistory
from desktop_app.style import (
    BEST_COLOR,
    CHANGE_COLOR,
    DIVERGED_COLOR,
    TRAIN_COLOR,
    VAL_COLOR,
    IntegerAxis,
    cache_axes,
    without_context_menus,
)
from desktop_app.views.heatmap import format_value


class ErrorCurvesView(QWidget):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.history: RunHistory | None = None
        self._painted = -1
        self._reference_painted: tuple[int, int] | None = None  # (which run, its evaluations) drawn
        self._tops: dict[str, float] = {}
        self._reference_steps = 0  # how far the pinned run went
        self._markers: list[pg.InfiniteLine] = []
        self.tabs = QTabWidget()
        self.plots: dict[str, pg.PlotItem] = {}
        self.curves: dict[tuple[str, str], pg.PlotDataItem] = {}
        for kind, title in (("error", self.tr("Error")), ("loss", self.tr("Loss"))):
            widget = pg.PlotWidget(axisItems={"bottom": IntegerAxis("bottom")})  # steps: no 1.5
            plot = widget.getPlotItem()
            plot.showGrid(x=True, y=True, alpha=0.25)
            plot.setLabel("bottom", self.tr("training step"))
            plot.setLabel("left", title.lower())
            plot.getAxis("left").enableAutoSIPrefix(False)
            cache_axes(plot)
            without_context_menus(widget.scene(), plot)
            plot.setClipToView(True)
            plot.setDownsampling(auto=True, mode="peak")
            for split, color, name in (("train", TRAIN_COLOR, self.tr("training")), ("val", VAL_COLOR, self.tr("validation"))):
                self.curves[(kind, split)] = plot.plot([], [], pen=pg.mkPen(color, width=2), name=name)
            self.plots[kind] = plot
            self.tabs.addTab(widget, title)
        self.reference_curves = {
            key: self.plots[key[0]].plot([], [], pen=pg.mkPen(TRAIN_COLOR if key[1] == "train" else VAL_COLOR, width=1.5, style=Qt.PenStyle.DashLine))
            for key in self.curves
        }
        self.best_line = {k: self._vline(p, BEST_COLOR, Qt.PenStyle.DashLine) for k, p in self.plots.items()}
        self.diverged_line = {k: self._vline(p, DIVERGED_COLOR, Qt.PenStyle.SolidLine) for k, p in self.plots.items()}
        self.log_y = QCheckBox(self.tr("log scale"))
        self.log_y.toggled.connect(self._on_log_y_toggled)
        self.readout = QLabel(" ")
        self.readout.setTextFormat(Qt.TextFormat.RichText)
        # its text changes on every evaluation: it must not resize (and re-lay-out) the view
        self.readout.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        bar = QHBoxLayout()
        bar.addWidget(self.readout, 1)
        bar.addWidget(self.log_y)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.tabs, 1)

    @staticmethod
    def _vline(plot: pg.PlotItem, color: str, style: Qt.PenStyle) -> pg.InfiniteLine:
        line = pg.InfiniteLine(angle=90, pen=pg.mkPen(color, width=1.5, style=style), label="", labelOpts={"position": 0.9, "color": color})
        line.hide()
        plot.addItem(line, ignoreBounds=True)
        return line

    def set_tick_font(self, font) -> None:
        """Presentation mode: tick labels in the (larger) application font."""
        for plot in self.plots.values():
            for side in ("left", "bottom"):
                plot.getAxis(side).setTickFont(font)

    def set_history(self, history: RunHistory | None) -> None:
        self.history = history
        self._painted = -1
        self._tops = {}
        for line in (*self.best_line.values(), *self.diverged_line.values()):
            line.hide()
        for plot in self.plots.values():
            for m in self._markers:
                plot.removeItem(m)
        self._markers = []
        for curve in self.curves.values():
            curve.setData([], [])
        self.readout.setText(self._legend())
        self.refresh()

    def set_reference(self, reference: RunHistory | None) -> None:
        """Overlay a pinned run's curves, dashed (redrawn only when it has new evaluations)."""
        state = None if reference is None else (id(reference), reference.n_evals)
        if state == self._reference_painted:
            return
        self._reference_painted = state
        self._reference_steps = 0 if reference is None else reference.n
        self._fit_steps()
        for (kind, split), curve in self.reference_curves.items():
            if reference is None:
                curve.setData([], [])
            else:
                curve.setData(reference.eval_series("step"), reference.eval_series(f"{split}_{kind}"), connect="finite")

    def _fit_steps(self) -> None:
        """The step axis spans the steps run so far (as the heatmap's), and a pinned run's."""
        right = max(self.history.n if self.history is not None else 0, self._reference_steps, 2)
        for plot in self.plots.values():
            plot.setXRange(0, right, padding=0.01)

    def _on_log_y_toggled(self, on: bool) -> None:
        for plot in self.plots.values():
            plot.setLogMode(y=on)
        self._painted = -1
        self.refresh()

    def refresh(self) -> None:
        """Redraw when an evaluation, a live change or the run's status arrived (not on every
        batch: the curves only move on evaluations)."""
        h = self.history
        if h is None:
            return
        status = h.last_record.status.value if h.last_record is not None else None
        state = (h.n_evals, len(h.changes), h.best_step, status, self.log_y.isChecked())
        if state == self._painted:
            return
        self._painted = state
        self._fit_steps()
        steps = h.eval_series("step")
        for kind in ("error", "loss"):
            for split in ("train", "val"):
                y = h.eval_series(f"{split}_{kind}")
                if self.log_y.isChecked():  # zero error has no logarithm: leave a gap
                    y = np.where(y > 0, y, np.nan)
                self.curves[(kind, split)].setData(steps, y, connect="finite")
        if not self.log_y.isChecked() and len(steps):
            # errors and losses are >= 0: keep zero in view so that a small wiggle looks small
            for kind, plot in self.plots.items():
                values = np.concatenate([h.eval_series(f"{s}_{kind}") for s in ("train", "val")])
                top = max(values[np.isfinite(values)].max(initial=0.0) * 1.05, 1e-3)
                current = self._tops.get(kind)
                if current is None or top > current or top < current / 1.5:
                    self._tops[kind] = top * 1.1  # headroom: the axis is not redrawn on every frame
                    plot.setYRange(0, self._tops[kind], padding=0)
        best = h.best_step
        for line in self.best_line.values():
            if best is not None and h.early_stopping:
                if line.value() != best or not line.isVisible():
                    line.setValue(best)
                    line.label.setFormat(self.tr("best step {0}").format(best))
                    line.show()
            else:
                line.hide()
        for line in self.diverged_line.values():
            if status == "diverged" and not line.isVisible():
                line.setValue(h.last_record.step)
                line.label.setFormat(self.tr("diverged"))
                line.show()
        self._sync_change_markers()
        ev = h.last_eval
        if ev is not None:
            self.readout.setText(
                self._legend()
                + "&nbsp;&nbsp;"
                # the numbers in their curves' colours: short enough for a narrow window
                + self.tr("step {0}: error {1} / {2}").format(
                    ev.step,
                    f"<span style='color:{TRAIN_COLOR}'>{format_value(ev.train_error)}</span>",
                    f"<span style='color:{VAL_COLOR}'>{format_value(ev.val_error)}</span>",
                )
            )

    def _legend(self) -> str:
        """The curves' key, in the readout line rather than over the data."""
        return (
            f"<span style='color:{TRAIN_COLOR}'>━━ {self.tr('training')}</span>&nbsp;&nbsp;"
            f"<span style='color:{VAL_COLOR}'>━━ {self.tr('validation')}</span>"
        )

    def _sync_change_markers(self) -> None:
        h = self.history
        shown = len(self._markers) // max(1, len(self.plots))
        for change in h.changes[shown:]:
            text = f"{change.key} → {format_value(float(change.new))}"
            for plot in self.plots.values():
                line = pg.InfiniteLine(
                    pos=change.step, angle=90, pen=pg.mkPen(CHANGE_COLOR, width=1, style=Qt.PenStyle.DotLine),
                    label=text, labelOpts={"position": 0.75, "color": CHANGE_COLOR, "rotateAxis": (1, 0), "anchors": [(0, 0), (0, 0)]},
                )
                plot.addItem(line, ignoreBounds=True)
                self._markers.append(line)
