"""Training and validation error (and loss) against step, with markers for live changes, the
early-stopping best step and divergence, and the curves of pinned runs, each in its own colour."""

from __future__ import annotations

import html

import numpy as np
import pyqtgraph as pg
from qtpy.QtCore import Qt
from qtpy.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QTabWidget, QVBoxLayout, QWidget

from desktop_app.history import RunHistory
from desktop_app.style import (
    BEST_COLOR,
    CHANGE_COLOR,
    DIVERGED_COLOR,
    TRAIN_COLOR,
    VAL_COLOR,
    IntegerAxis,
    ReadoutWidget,
    axis_end,
    cache_axes,
    without_context_menus,
)
from desktop_app.views.heatmap import format_value
from desktop_app.views.thinning import draw, per_column
from engine import FINISHED

# pinned runs, in the order they were pinned: none is the current run's blue or orange, nor the
# divergence line's red, and no two neighbours look alike (lesson 9 pins four)
PINNED_COLORS = ("#9467bd", "#2ca02c", "#e377c2", "#8c564b", "#17becf", "#bcbd22")

ERROR_FLOOR = 0.05  # the error axis's least top on a linear scale
BAND_ALPHA = 60  # a seed band's shading: its curve's colour, this opaque (of 255)


class ErrorCurvesView(QWidget):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.history: RunHistory | None = None
        self._painted = -1
        self._steps_end = -1  # where the step axis ends now (style.axis_end)
        self.pinned: list[RunHistory] = []
        self.pinned_curves: list[dict[tuple[str, str], pg.PlotDataItem]] = []  # per pinned run
        self._pinned_painted: list[int] = []  # evaluations drawn, per pinned run
        self._tops: dict[str, float] = {}
        self._markers: list[pg.InfiniteLine] = []
        self.tabs = QTabWidget()
        self.plots: dict[str, pg.PlotItem] = {}
        self.curves: dict[tuple[str, str], pg.PlotDataItem] = {}
        self.bands: dict[tuple[str, str], tuple[pg.PlotDataItem, pg.PlotDataItem, pg.FillBetweenItem]] = {}
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
                # a seed band's range over its seeds: the shading between its lowest and highest
                shade = pg.mkColor(color)
                shade.setAlpha(BAND_ALPHA)
                # edges drawn in the shading's colour: an item without a pen has no path to fill between
                edges = (plot.plot([], [], pen=pg.mkPen(shade, width=1)), plot.plot([], [], pen=pg.mkPen(shade, width=1)))
                fill = pg.FillBetweenItem(*edges, brush=pg.mkBrush(shade))
                plot.addItem(fill)
                self.bands[(kind, split)] = (*edges, fill)
                self.curves[(kind, split)] = plot.plot([], [], pen=pg.mkPen(color, width=2), name=name)
            self.plots[kind] = plot
            self.tabs.addTab(widget, title)
        self.best_line = {k: self._vline(p, BEST_COLOR, Qt.PenStyle.DashLine) for k, p in self.plots.items()}
        self.diverged_line = {k: self._vline(p, DIVERGED_COLOR, Qt.PenStyle.SolidLine) for k, p in self.plots.items()}
        self.log_y = QCheckBox(self.tr("log scale"))
        self.log_y.toggled.connect(self._on_log_y_toggled)
        self.readout = ReadoutWidget()  # its text changes on every evaluation: no re-layout
        # the pinned runs' key: one entry per run, wrapped when there are many
        self.pinned_legend = QLabel()
        self.pinned_legend.setObjectName("pinnedLegend")
        self.pinned_legend.setTextFormat(Qt.TextFormat.RichText)
        self.pinned_legend.setWordWrap(True)
        self.pinned_legend.hide()
        # a seed band's seeds one by one: how many are where (the band's shading shows only its edges)
        self.seed_readout = ReadoutWidget()
        self.seed_readout.setObjectName("seedReadout")
        self.seed_readout.hide()
        bar = QHBoxLayout()
        bar.addWidget(self.readout, 1)
        bar.addWidget(self.log_y)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.pinned_legend)
        layout.addWidget(self.seed_readout)
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
        self._steps_end = -1
        self._tops = {}
        for line in (*self.best_line.values(), *self.diverged_line.values()):
            line.hide()
        for plot in self.plots.values():
            for m in self._markers:
                plot.removeItem(m)
        self._markers = []
        for curve in self.curves.values():
            curve.setData([], [])
        for lo, hi, _ in self.bands.values():
            lo.setData([], [])
            hi.setData([], [])
        self.readout.setText(self._legend())
        self.seed_readout.setText("")
        self.seed_readout.setVisible(history is not None and bool(history.seeds))
        self.refresh()

    def set_pinned(self, runs: list[RunHistory], labels: list[str]) -> None:
        """Overlay pinned runs' curves, each run in its own colour (validation dashed, training
        dotted), named in the legend by `labels` (what sets each run apart)."""
        if [id(h) for h in runs] != [id(h) for h in self.pinned]:
            for curves in self.pinned_curves:
                for (kind, _), curve in curves.items():
                    self.plots[kind].removeItem(curve)
            self.pinned = list(runs)
            self.pinned_curves = []
            for i in range(len(runs)):
                color = PINNED_COLORS[i % len(PINNED_COLORS)]
                self.pinned_curves.append({
                    (kind, split): self.plots[kind].plot(
                        [], [], pen=pg.mkPen(color, width=2 if split == "val" else 1.5,
                                             style=Qt.PenStyle.DashLine if split == "val" else Qt.PenStyle.DotLine),
                    )
                    for kind in self.plots for split in ("train", "val")
                })
            self._pinned_painted = [-1] * len(runs)
        entries = [
            f"<span style='color:{PINNED_COLORS[i % len(PINNED_COLORS)]}'>╍╍ {html.escape(label)}</span>"
            for i, label in enumerate(labels)
        ]
        self.pinned_legend.setText(self.tr("Pinned (validation dashed, training dotted):") + "&nbsp;&nbsp;" + "&nbsp;&nbsp; ".join(entries))
        self.pinned_legend.setVisible(bool(runs))
        self._fit_steps()
        self._refresh_pinned()

    def _refresh_pinned(self) -> None:
        """Redraw a pinned run's curves when it has new evaluations (one still training)."""
        moved = False
        for i, (h, curves) in enumerate(zip(self.pinned, self.pinned_curves)):
            if self._pinned_painted[i] == h.n_evals:
                continue
            self._pinned_painted[i] = h.n_evals
            moved = True
            for (kind, split), curve in curves.items():
                draw(curve, *self._thin(kind, h.eval_series("step"), h.eval_series(f"{split}_{kind}")), connect="finite")
        if moved:
            self._fit_steps()
            self._painted = -1  # the error axis makes room for them

    def _fit_steps(self) -> None:
        """The step axis spans the steps run so far (as the heatmap's), and the pinned runs',
        growing a few times a decade (style.axis_end) rather than on every frame."""
        runs = [h for h in (self.history, *self.pinned) if h is not None]
        n = max([h.n for h in runs] + [2])
        total = max([h.info.config.steps for h in runs] + [n])
        right = axis_end(n, total)
        if right == self._steps_end:
            return
        self._steps_end = right
        for plot in self.plots.values():
            plot.setXRange(0, right, padding=0.01)
        self._pinned_painted = [-1] * len(self.pinned)  # thinned for the old axis: drawn again

    def _thin(self, kind: str, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(x, y) at most a (min, max) pair per pixel column of the step axis (views.thinning):
        a long run's 2,000 evaluations drawn whole cost up to 25 ms a curve on every frame."""
        return per_column(x, y, 0, self._steps_end, self.plots[kind].vb.width())

    def _on_log_y_toggled(self, on: bool) -> None:
        for plot in self.plots.values():
            plot.setLogMode(y=on)
        self._painted = -1
        self.refresh()

    def refresh(self) -> None:
        """Redraw when an evaluation, a live change or the run's status arrived (not on every
        batch: the curves only move on evaluations)."""
        self._refresh_pinned()
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
                draw(self.curves[(kind, split)], *self._thin(kind, steps, y), connect="finite")
                if h.seeds:
                    self._draw_band(kind, split, steps, *h.band_series(f"{split}_{kind}"))
        if not self.log_y.isChecked() and len(steps):
            # errors and losses are >= 0: keep zero in view so that a small wiggle looks small
            for kind, plot in self.plots.items():
                values = np.concatenate([r.eval_series(f"{s}_{kind}") for r in (h, *self.pinned) for s in ("train", "val")])
                # at least 5% on the error axis: a network at 0% error shows as a line on the floor
                # of a readable axis, not as noise on a 0-0.001 one (the loss axis keeps its detail)
                top = max(values[np.isfinite(values)].max(initial=0.0) * 1.05, ERROR_FLOOR if kind == "error" else 1e-3)
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
        each = h.summary.get("seed_final_val_errors")  # the engine's: each seed's latest validation error
        if h.seeds and isinstance(each, list) and len(each) == len(h.seeds):
            values = "&nbsp;&nbsp;".join(f"{seed}: {'–' if v is None else format_value(v)}" for seed, v in zip(h.seeds, each))
            when = self.tr("at the end") if h.last_record.status in FINISHED else self.tr("latest")
            self.seed_readout.setText(self.tr("Validation error of each seed ({0}):").format(when) + "&nbsp;&nbsp;" + values)
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

    def _draw_band(self, kind: str, split: str, steps: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> None:
        """Shade a seed band's range around its median curve: from the lowest to the highest of
        the seeds at each evaluation, each edge thinned to its own envelope (its lowest, or
        highest, point per pixel column)."""
        ok = np.isfinite(lo) & np.isfinite(hi)
        if self.log_y.isChecked():  # zero has no logarithm: the band starts where it is above it
            ok &= lo > 0
        low, high, _ = self.bands[(kind, split)]
        end = self._steps_end
        width = self.plots[kind].vb.width()
        low.setData(*per_column(steps[ok], lo[ok], 0, end, width, keep="min"))
        high.setData(*per_column(steps[ok], hi[ok], 0, end, width, keep="max"))

    def _legend(self) -> str:
        """The curves' key, in the readout line rather than over the data."""
        key = (
            f"<span style='color:{TRAIN_COLOR}'>━━ {self.tr('training')}</span>&nbsp;&nbsp;"
            f"<span style='color:{VAL_COLOR}'>━━ {self.tr('validation')}</span>"
        )
        h = self.history
        if h is not None and h.seeds:
            key += "&nbsp;&nbsp;" + html.escape(self.tr("median of seeds {0}–{1}, shaded: their range").format(h.seeds[0], h.seeds[-1]))
        return key

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
