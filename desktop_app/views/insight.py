"""Inside the network: what it learned, per-layer distributions, unit health, update-to-weight
ratio and clipping. Every number comes from the engine (RunHistory); these views only draw.

Layer statistics are taken on evaluation steps (every `eval_every` steps); the views say so.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from qtpy.QtCore import QObject, QRectF, Qt
from qtpy.QtWidgets import QLabel, QVBoxLayout, QWidget

from desktop_app.history import RunHistory
from desktop_app.style import TRAIN_COLOR, VAL_COLOR, cache_axes, without_context_menus
from engine.results import QUANTILE_EVERY

CLASS_COLORS = [(31, 119, 180), (255, 127, 14), (44, 160, 44)]
GUIDE = (1e-4, 1e-2)  # the update-to-weight ratio band around 1e-3 (Karpathy's rule of thumb)


def _plot(title_left: str, title_bottom: str) -> tuple[pg.PlotWidget, pg.PlotItem]:
    widget = pg.PlotWidget()
    plot = widget.getPlotItem()
    plot.showGrid(x=True, y=True, alpha=0.25)
    plot.setLabel("left", title_left)
    plot.setLabel("bottom", title_bottom)
    plot.getAxis("left").enableAutoSIPrefix(False)
    cache_axes(plot)
    without_context_menus(widget.scene(), plot)
    return widget, plot


def _column(page: QWidget, *items: tuple[QWidget, int]) -> None:
    """Stack (widget, stretch) pairs in `page`, edge to edge."""
    col = QVBoxLayout(page)
    col.setContentsMargins(0, 0, 0, 0)
    for widget, stretch in items:
        col.addWidget(widget, stretch)


class InsightView(QObject):
    """The five insight pages; the window puts each in a dock of its own (`pages`)."""

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.history: RunHistory | None = None
        self.layer = 1  # the focused layer (click a heatmap row)
        self._painted: dict[str, tuple] = {}
        self.pages: dict[str, tuple[str, QWidget]] = {}  # name -> (title, page)

        # --- what it learned
        learned = QWidget()
        self.map_widget, self.map_plot = _plot(self.tr("x₂ (standardized)"), self.tr("x₁ (standardized)"))
        self.map_plot.setAspectLocked(False)
        self.map_image = pg.ImageItem(axisOrder="row-major")
        self.map_plot.addItem(self.map_image)
        self.train_points = pg.ScatterPlotItem(size=6, pen=pg.mkPen("k", width=0.5))
        self.val_points = pg.ScatterPlotItem(size=5, brush=None)
        self.map_plot.addItem(self.val_points)
        self.map_plot.addItem(self.train_points)
        self.curve = self.map_plot.plot([], [], pen=pg.mkPen("#d62728", width=2))
        note = QLabel(self.tr("Filled: training points. Hollow: validation points. Shading: the class the network predicts, paler where it is unsure."))
        note.setWordWrap(True)
        _column(learned, (self.map_widget, 1), (note, 0))
        self.pages["learned"] = (self.tr("What it learned"), learned)

        # --- distributions of the focused layer over time
        dist = QWidget()
        self.dist_label = QLabel()
        self.dist_label.setWordWrap(True)
        self.act_widget, self.act_plot = _plot(self.tr("activation"), self.tr("training step"))
        self.sig_widget, self.sig_plot = _plot(self.tr("∂L/∂s per sample"), self.tr("training step"))
        self.act_bands = self._bands(self.act_plot, "#1f77b4")
        self.sig_bands = self._bands(self.sig_plot, "#9467bd")
        _column(dist, (self.dist_label, 0), (self.act_widget, 1), (self.sig_widget, 1))
        self.pages["distributions"] = (self.tr("Distributions"), dist)

        # --- unit health per layer (latest evaluation) and of the focused layer over time
        health = QWidget()
        self.health_widget, self.health_plot = _plot(self.tr("layer"), self.tr("share of units"))
        self.health_plot.setXRange(0, 1, padding=0.02)
        self.dead_bars = pg.BarGraphItem(x0=[], y=[], height=0.4, width=[], brush="#d62728")
        self.sat_bars = pg.BarGraphItem(x0=[], y=[], height=0.4, width=[], brush="#ff7f0e")
        self.health_plot.addItem(self.dead_bars)
        self.health_plot.addItem(self.sat_bars)
        self.health_time_widget, self.health_time = _plot(self.tr("share"), self.tr("training step"))
        self.health_time.setYRange(0, 1, padding=0.02)
        self.dead_curve = self.health_time.plot([], [], pen=pg.mkPen("#d62728", width=2))
        self.sat_curve = self.health_time.plot([], [], pen=pg.mkPen("#ff7f0e", width=2))
        dead = self.tr("dead (ReLU family: zero slope on every sample)")
        saturated = self.tr("saturated (sigmoid/tanh: in the flat part)")
        legend = QLabel(f"<span style='color:#d62728'>■ {dead}</span>&nbsp; <span style='color:#ff7f0e'>■ {saturated}</span>")
        legend.setWordWrap(True)
        self.health_note = QLabel()
        self.health_note.setWordWrap(True)
        _column(health, (legend, 0), (self.health_widget, 3), (self.health_time_widget, 2), (self.health_note, 0))
        self.pages["health"] = (self.tr("Unit health"), health)

        # --- update-to-weight ratio
        updates = QWidget()
        self.ratio_widget, self.ratio_plot = _plot(self.tr("‖ΔW‖ / ‖W‖"), self.tr("training step"))
        self.ratio_plot.setLogMode(y=True)
        band = pg.LinearRegionItem(values=np.log10(GUIDE), orientation="horizontal", movable=False, brush=(44, 160, 44, 40), pen=pg.mkPen(None))
        self.ratio_plot.addItem(band, ignoreBounds=True)
        self.ratio_curves: list[pg.PlotDataItem] = []
        ratio_note = QLabel(self.tr("One line per layer (darker toward the output), focused layer thick, measured every evaluation. The green band (10⁻⁴ to 10⁻²) is where updates are usually healthy: far below, a layer hardly learns; far above, the step is too large."))
        ratio_note.setWordWrap(True)
        _column(updates, (self.ratio_widget, 1), (ratio_note, 0))
        self.pages["ratios"] = (self.tr("Update ratio"), updates)

        # --- clipping
        clip = QWidget()
        self.clip_widget, self.clip_plot = _plot(self.tr("global gradient norm"), self.tr("training step"))
        self.clip_plot.setLogMode(y=True)
        self.clip_plot.setClipToView(True)  # one point per step: a long run has very many
        self.clip_plot.setDownsampling(auto=True, mode="peak")
        self.before_curve = self.clip_plot.plot([], [], pen=pg.mkPen("#7f7f7f", width=1))
        self.after_curve = self.clip_plot.plot([], [], pen=pg.mkPen("#2ca02c", width=1.5))
        self.threshold = pg.InfiniteLine(angle=0, pen=pg.mkPen("#d62728", style=Qt.PenStyle.DashLine))
        self.clip_plot.addItem(self.threshold, ignoreBounds=True)
        self.clip_label = QLabel()
        self.clip_label.setWordWrap(True)
        _column(clip, (self.clip_label, 0), (self.clip_widget, 1))
        self.pages["clipping"] = (self.tr("Clipping"), clip)

    @staticmethod
    def _bands(plot: pg.PlotItem, color: str) -> tuple:
        c = pg.mkColor(color)
        lines = [plot.plot([], [], pen=pg.mkPen(None)) for _ in range(4)]
        outer = pg.FillBetweenItem(lines[0], lines[3], brush=(c.red(), c.green(), c.blue(), 50))
        inner = pg.FillBetweenItem(lines[1], lines[2], brush=(c.red(), c.green(), c.blue(), 110))
        plot.addItem(outer)
        plot.addItem(inner)
        median = plot.plot([], [], pen=pg.mkPen(color, width=2))
        return lines, median

    def set_history(self, history: RunHistory | None) -> None:
        self.history = history
        self._painted = {}
        for curve in self.ratio_curves:
            self.ratio_plot.removeItem(curve)
        self.ratio_curves = []
        if history is not None:
            self.layer = min(self.layer, history.n_layers)
            for layer in range(history.n_layers):
                shade = int(200 - 160 * layer / max(1, history.n_layers - 1))
                self.ratio_curves.append(self.ratio_plot.plot([], [], pen=pg.mkPen((shade, shade, 255 - shade // 2), width=1)))
        self.refresh(force=True)

    def set_layer(self, layer: int) -> None:
        self.layer = layer
        self.refresh(force=True)

    def refresh(self, visible: set[str] | None = None, force: bool = False) -> None:
        """Redraw the pages in `visible` (all when None) whose data moved."""
        h = self.history
        if h is None or h.last_record is None:
            return
        for name in self.pages:
            if visible is not None and name not in visible:
                continue
            # the map arrives a few times a second, the norms with every step, the rest per evaluation
            moved = h.predictions if name == "learned" else h.version if name == "clipping" else h.n_evals
            state = (moved, self.layer)
            if state == self._painted.get(name) and not force:
                continue
            self._painted[name] = state
            getattr(self, "_" + name)(h)

    # --- the pages ------------------------------------------------------------------------------
    def _learned(self, h: RunHistory) -> None:
        p = h.prediction
        d = h.info.data
        if p is None:
            return
        if p["kind"] == "curve":
            self.map_image.clear()
            self.curve.setData(p["x"], p["y"])
            self.train_points.setData(d.x_train[:, 0], d.y_train[:, 0], brush=pg.mkBrush(TRAIN_COLOR))
            self.val_points.setData(d.x_val[:, 0], d.y_val[:, 0], pen=pg.mkPen(VAL_COLOR), brush=None)
            self.map_plot.setLabel("left", "y")
            self.map_plot.setLabel("bottom", self.tr("x (standardized)"))
            return
        self.curve.setData([], [])
        colors = np.array(CLASS_COLORS, dtype=np.float32)[p["classes"]]  # (n, n, 3)
        n_classes = h.info.data.n_outputs
        # full colour where the network is sure, white where it is at chance
        sure = np.clip((p["confidence"] - 1 / n_classes) / (1 - 1 / n_classes), 0, 1)[..., None]
        rgb = (255 - (255 - colors) * (0.12 + 0.33 * sure)).astype(np.uint8)
        self.map_image.setImage(rgb, autoLevels=False, levels=(0, 255))
        x0, x1, y0, y1 = p["extent"]
        self.map_image.setRect(QRectF(x0, y0, x1 - x0, y1 - y0))
        if not self.train_points.data.size:
            brushes = [pg.mkBrush(CLASS_COLORS[c]) for c in d.y_train]
            self.train_points.setData(d.x_train[:, 0], d.x_train[:, 1], brush=brushes)
            pens = [pg.mkPen(CLASS_COLORS[c], width=1.2) for c in d.y_val[:400]]
            self.val_points.setData(d.x_val[:400, 0], d.x_val[:400, 1], pen=pens, brush=None)

    def _distributions(self, h: RunHistory) -> None:
        j = h.n_evals
        i = self.layer - 1
        every = h.info.config.eval_every * QUANTILE_EVERY
        self.dist_label.setText(
            self.tr("Layer {0}: 5–95% (light), 25–75% (dark) and median of its values over the batch, every {1} steps. "
                    "Saturated sigmoids pile up near 0 and 1; dead ReLUs make a spike at 0.").format(self.layer, every)
        )
        measured = np.isfinite(h.signal_quantiles[:j, i, 2])  # the evaluations that measured them
        steps = h.eval_series("step")[measured]
        for (lines, median), data in ((self.act_bands, h.act_quantiles), (self.sig_bands, h.signal_quantiles)):
            q = data[:j, i][measured]
            for k, line in zip((0, 1, 3, 4), lines):
                line.setData(steps, q[:, k])
            median.setData(steps, q[:, 2])

    def _health(self, h: RunHistory) -> None:
        j = h.n_evals
        if not j:
            return
        layers = np.arange(1, h.n_layers)  # hidden layers
        dead = np.nan_to_num(h.layer_series["dead_frac"][j - 1, :-1])
        sat = np.nan_to_num(h.layer_series["saturated_frac"][j - 1, :-1])
        self.dead_bars.setOpts(x0=np.zeros_like(dead), y=layers - 0.2, width=dead, height=0.4)
        self.sat_bars.setOpts(x0=np.zeros_like(sat), y=layers + 0.2, width=sat, height=0.4)
        self.health_plot.setYRange(0.5, max(1, h.n_layers - 1) + 0.5, padding=0)
        steps = h.eval_series("step")
        i = min(self.layer, h.n_layers - 1) - 1
        self.dead_curve.setData(steps, h.layer_series["dead_frac"][:j, i], connect="finite")
        self.sat_curve.setData(steps, h.layer_series["saturated_frac"][:j, i], connect="finite")
        self.health_time.setTitle(self.tr("layer {0} over time").format(i + 1), size="9pt")
        self.health_note.setText(self.tr("Bars: each hidden layer at step {0}. Measured on the training batch every {1} steps.").format(int(h.eval_series("step")[-1]), h.info.config.eval_every))

    def _ratios(self, h: RunHistory) -> None:
        steps = h.eval_series("step")
        ratios = h.layer_series["update_ratio"][: h.n_evals]
        for layer, curve in enumerate(self.ratio_curves):
            y = ratios[:, layer]
            ok = np.isfinite(y) & (y > 0)
            curve.setData(steps[ok], y[ok])
            curve.setPen(pg.mkPen(curve.opts["pen"].color(), width=3 if layer + 1 == self.layer else 1))

    def _clipping(self, h: RunHistory) -> None:
        n = min(h.n, h.capacity)
        steps = np.arange(1, n + 1)
        before, after = h.total_norm[:n], h.clipped_norm[:n]
        ok = np.isfinite(before) & (before > 0)
        self.before_curve.setData(steps[ok], before[ok])
        self.after_curve.setData(steps[ok], np.maximum(after[ok], 1e-30))
        threshold = h.live["clip_norm"]
        if threshold > 0:
            self.threshold.setValue(np.log10(threshold))
            self.threshold.show()
            clipped = int(np.sum(after[ok] < before[ok]))  # the steps the engine clipped, at any threshold
            self.clip_label.setText(self.tr("Grey: global gradient norm before clipping; green: after. Red: the threshold {0}; {1} of {2} steps were clipped.").format(f"{threshold:g}", clipped, n))
        else:
            self.threshold.hide()
            self.clip_label.setText(self.tr("Grey: global gradient norm before clipping; green: after. Set Gradient clipping to see the threshold."))
