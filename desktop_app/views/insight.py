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
from desktop_app.style import (
    TRAIN_COLOR,
    VAL_COLOR,
    DecadeAxis,
    IntegerAxis,
    axis_end,
    cache_axes,
    without_context_menus,
)
from desktop_app.views.sequences import SequenceAnswersView
from desktop_app.views.thinning import decades, draw, per_column
from engine import QUANTILE_EVERY, hidden_share

CLASS_COLORS = [(31, 119, 180), (255, 127, 14), (44, 160, 44)]
MIN_DECADES = 4  # the least span of the log-scale ∂L/∂s plot
DEAD_COLOR, SATURATED_COLOR = "#d62728", "#ff7f0e"  # Unit health's two figures, in every part of it
RATIO_DECADES = 2  # the least span of the update-ratio plot
RATIO_SHADES = 12  # the update-ratio plot's shades: a deeper net's neighbouring layers share one, drawn as one item
GUIDE = (1e-4, 1e-2)  # the update-to-weight ratio band around 1e-3 (Karpathy's rule of thumb)


def _plot(title_left: str, title_bottom: str, log_y: bool = False, steps: bool = True) -> tuple[pg.PlotWidget, pg.PlotItem]:
    """A plot with its labels; `log_y`: a log10 y axis labelled at powers of ten only; `steps`:
    a bottom axis of whole numbers (training steps)."""
    axes = {}
    if log_y:
        axes["left"] = DecadeAxis("left")
    if steps:
        axes["bottom"] = IntegerAxis("bottom")
    widget = pg.PlotWidget(axisItems=axes)
    plot = widget.getPlotItem()
    if log_y:
        plot.setLogMode(y=True)
    plot.showGrid(x=True, y=True, alpha=0.25)
    # a long run's curves have thousands of points: the pages thin them to a (min, max) pair per
    # pixel column (views.thinning), and set their ranges themselves, a few times a decade: an
    # axis that moved on every frame repainted the whole plot, and auto-ranging searched every
    # point; pyqtgraph's 'peak' downsampling stays as a backstop
    plot.setClipToView(True)
    plot.setDownsampling(auto=True, mode="peak")
    if steps:
        plot.disableAutoRange()
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
        self._map_extent = None  # the prediction map's extent last put in view
        self._painted: dict[str, tuple] = {}
        self._turn = 0  # pages drawn so far; _turns: when each page was drawn last (refresh's order)
        self._turns: dict[str, int] = {}
        self._ranges: dict[tuple[int, str], tuple] = {}  # (plot, "x" or "y") -> the range set last
        self.pages: dict[str, tuple[str, QWidget]] = {}  # name -> (title, page)

        # --- what it learned
        learned = QWidget()
        self.map_widget, self.map_plot = _plot(self.tr("x₂ (standardized)"), self.tr("x₁ (standardized)"), steps=False)
        # equal axes: a circle of the data is round, whatever the shape of the dock
        self.map_plot.setAspectLocked(True, ratio=1)
        self.map_widget.setMinimumSize(200, 200)
        self.map_image = pg.ImageItem(axisOrder="row-major")
        self.map_plot.addItem(self.map_image)
        self.train_points = pg.ScatterPlotItem(size=6, pen=pg.mkPen("k", width=0.5))
        self.val_points = pg.ScatterPlotItem(size=5, brush=None)
        self.map_plot.addItem(self.val_points)
        self.map_plot.addItem(self.train_points)
        self.curve = self.map_plot.plot([], [], pen=pg.mkPen("#d62728", width=2))
        self._map_note = self.tr("Filled: training points. Hollow: validation points. Shading: the class the network predicts, paler where it is unsure.")
        self.map_note = note = QLabel(self._map_note)
        note.setWordWrap(True)
        # a recurrent net's data are sequences: its answers on a few of them, instead of the map
        self.sequences = SequenceAnswersView()
        self.sequences.hide()
        _column(learned, (self.map_widget, 1), (note, 0), (self.sequences, 1))
        self.pages["learned"] = (self.tr("What it learned"), learned)

        # --- distributions of the focused layer over time
        dist = QWidget()
        self.dist_label = QLabel()
        self.dist_label.setWordWrap(True)
        self.act_widget, self.act_plot = _plot(self.tr("activation"), self.tr("training step"))
        # ∂L/∂s spans many decades (10⁻¹¹ in a vanishing layer, 0.3 in a healthy one) and is
        # signed, centred on 0: its spread over the batch is what a log scale can show honestly
        self.sig_widget, self.sig_plot = _plot(self.tr("spread of ∂L/∂s per sample"), self.tr("training step"), log_y=True)
        self.act_bands = self._bands(self.act_plot, "#1f77b4")
        self.sig_wide = self.sig_plot.plot([], [], pen=pg.mkPen("#c5b0d5", width=3))
        self.sig_inner = self.sig_plot.plot([], [], pen=pg.mkPen("#9467bd", width=2))
        self.sig_label = QLabel()
        self.sig_label.setWordWrap(True)
        _column(dist, (self.dist_label, 0), (self.act_widget, 1), (self.sig_label, 0), (self.sig_widget, 1))
        self.pages["distributions"] = (self.tr("Distributions"), dist)

        # --- unit health per layer (latest evaluation) and of the focused layer over time
        health = QWidget()
        self.health_widget, self.health_plot = _plot(self.tr("layer"), self.tr("share of units"), steps=False)
        self.health_plot.setXRange(0, 1, padding=0.02)
        self.dead_bars = pg.BarGraphItem(x0=[], y=[], height=0.4, width=[], brush=DEAD_COLOR)
        self.sat_bars = pg.BarGraphItem(x0=[], y=[], height=0.4, width=[], brush=SATURATED_COLOR)
        self.health_plot.addItem(self.dead_bars)
        self.health_plot.addItem(self.sat_bars)
        self.health_time_widget, self.health_time = _plot(self.tr("share"), self.tr("training step"))
        self.health_time.setYRange(0, 1, padding=0.02)
        # a seed band's range over its seeds of each seed's own mean (engine.results.Band), shaded
        self.health_bands = {}
        for name, color in (("dead_share", DEAD_COLOR), ("saturated_share", SATURATED_COLOR)):
            c = pg.mkColor(color)
            edges = [self.health_time.plot([], [], pen=pg.mkPen(None)) for _ in range(2)]
            self.health_time.addItem(pg.FillBetweenItem(*edges, brush=(c.red(), c.green(), c.blue(), 50)))
            self.health_bands[name] = edges
        # the mean over the hidden layers (solid) and the worst layer (dashed, labelled)
        self.dead_curve = self.health_time.plot([], [], pen=pg.mkPen(DEAD_COLOR, width=2))
        self.sat_curve = self.health_time.plot([], [], pen=pg.mkPen(SATURATED_COLOR, width=2))
        dash = Qt.PenStyle.DashLine
        # one pixel wide: Qt drew a dashed 1.5-pixel pen over a few hundred points in ~300 ms
        self.worst_dead_curve = self.health_time.plot([], [], pen=pg.mkPen(DEAD_COLOR, width=1, style=dash))
        self.worst_sat_curve = self.health_time.plot([], [], pen=pg.mkPen(SATURATED_COLOR, width=1, style=dash))
        self.worst_dead_label = pg.TextItem(color=DEAD_COLOR, anchor=(1, 1))
        self.worst_sat_label = pg.TextItem(color=SATURATED_COLOR, anchor=(1, 1))
        for label in (self.worst_dead_label, self.worst_sat_label):
            self.health_time.addItem(label, ignoreBounds=True)
        self.worst_layers: dict[str, int | None] = {"dead_frac": None, "saturated_frac": None}
        dead = self.tr("dead (ReLU family: zero slope on every sample)")
        saturated = self.tr("saturated (sigmoid/tanh: in the flat part)")
        legend = QLabel(f"<span style='color:{DEAD_COLOR}'>■ {dead}</span>&nbsp; <span style='color:{SATURATED_COLOR}'>■ {saturated}</span>")
        legend.setWordWrap(True)
        self.health_note = QLabel()
        self.health_note.setWordWrap(True)
        self.health_time_label = QLabel()
        self.health_time_label.setWordWrap(True)
        _column(health, (legend, 0), (self.health_widget, 3), (self.health_note, 0), (self.health_time_label, 0), (self.health_time_widget, 2))
        self.pages["health"] = (self.tr("Unit health"), health)

        # --- update-to-weight ratio
        updates = QWidget()
        self.ratio_widget, self.ratio_plot = _plot(self.tr("‖ΔW‖ / ‖W‖"), self.tr("training step"), log_y=True)
        band = pg.LinearRegionItem(values=np.log10(GUIDE), orientation="horizontal", movable=False, brush=(44, 160, 44, 40), pen=pg.mkPen(None))
        self.ratio_plot.addItem(band, ignoreBounds=True)
        # one item per shade, each drawing its layers' lines (RATIO_SHADES), and the focused layer
        # on top: a hundred items, one per layer of a depth-100 net, took ~25 ms a refresh
        self.ratio_curves: list[pg.PlotDataItem] = []  # one per shade of the run shown
        self._ratio_pool: list[pg.PlotDataItem] = []  # every item made so far, reused from run to run
        self._ratio_groups: list[np.ndarray] = []  # each item's layers
        self.ratio_focus = self.ratio_plot.plot([], [])
        self.ratio_focus.setZValue(1)  # over the shades
        ratio_note = QLabel(self.tr("One line per layer (darker toward the output), focused layer thick, measured every evaluation. The green band (10⁻⁴ to 10⁻²) is where updates are usually healthy: far below, a layer hardly learns; far above, the step is too large."))
        ratio_note.setWordWrap(True)
        _column(updates, (self.ratio_widget, 1), (ratio_note, 0))
        self.pages["ratios"] = (self.tr("Update ratio"), updates)

        # --- clipping
        clip = QWidget()
        self.clip_widget, self.clip_plot = _plot(self.tr("global gradient norm"), self.tr("training step"), log_y=True)
        self.before_curve = self.clip_plot.plot([], [], pen=pg.mkPen("#7f7f7f", width=1))
        self.after_curve = self.clip_plot.plot([], [], pen=pg.mkPen("#2ca02c", width=1))  # a wider pen over a dense zigzag of ten thousand steps took ~150 ms a paint
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
        self._ranges = {}
        self._map_extent = None
        self.train_points.clear()
        self.val_points.clear()
        # one curve per layer, reused from run to run and made when the page is first drawn:
        # making a hundred plot items took ~120 ms of a deep net's rebuild on the GUI thread
        n = history.n_layers if history is not None else 0
        for curve in self.ratio_curves:
            curve.setData([], [])
        self.ratio_curves, self._ratio_groups = [], []
        self.ratio_focus.setData([], [])
        if history is not None:
            self.layer = min(self.layer, n)
        self.refresh(force=True)

    def set_layer(self, layer: int) -> None:
        self.layer = layer
        self.refresh(force=True)

    def refresh(self, visible: set[str] | None = None, force: bool = False, most: int | None = None) -> None:
        """Redraw the pages in `visible` (all when None) whose data moved: at most `most` of them
        (None: all), those left waiting longest first. The window's paint timer asks for one a
        frame, so that the pages shown side by side take turns rather than all paint in the
        same frame (each frame then costs one page at most, whatever the number shown)."""
        h = self.history
        if h is None or h.last_record is None:
            return
        due = []
        for name in self.pages:
            if visible is not None and name not in visible:
                continue
            # the map arrives a few times a second, the norms with every step, the distributions
            # every QUANTILE_EVERY-th evaluation, the rest with every evaluation
            moved = {"learned": h.predictions, "clipping": h.version, "distributions": h.quantiles}.get(name, h.n_evals)
            state = (moved, self.layer)
            if state != self._painted.get(name) or force:
                due.append((self._turns.get(name, -1), name, state))
        due.sort()
        for _, name, state in due if force or most is None else due[:most]:
            self._painted[name] = state
            self._turn += 1
            self._turns[name] = self._turn
            getattr(self, "_" + name)(h)

    # --- ranges and thinning -------------------------------------------------------------------
    def _set_range(self, plot: pg.PlotItem, axis: str, span: tuple, padding: float = 0.02) -> None:
        """Set a range only when it changed: each move repaints the plot and its axis."""
        key = (id(plot), axis)
        if self._ranges.get(key) != span:
            self._ranges[key] = span
            (plot.setXRange if axis == "x" else plot.setYRange)(*span, padding=padding)

    def _fit_steps(self, plot: pg.PlotItem, h: RunHistory) -> None:
        """The step axis spans the steps run so far, as the error curves' and the heatmap's do,
        growing a few times a decade (style.axis_end) rather than on every frame."""
        self._set_range(plot, "x", (0, axis_end(max(h.n, 2), max(h.info.config.steps, h.n))), padding=0.01)

    def _fit_linear(self, plot: pg.PlotItem, values: np.ndarray) -> None:
        """A linear y range around `values`, with headroom: moved when they leave it or come to
        fill less than a third of it, not on every frame."""
        v = values[np.isfinite(values)]
        if not len(v):
            return
        lo, hi = float(v.min()), float(v.max())
        current = self._ranges.get((id(plot), "y"))
        if current is None or lo < current[0] or hi > current[1] or hi - lo < (current[1] - current[0]) / 3:
            pad = max(hi - lo, 1e-6) * 0.15
            self._set_range(plot, "y", (lo - pad, hi + pad))

    def _fit_decades(self, plot: pg.PlotItem, values: np.ndarray, least: int = 1) -> None:
        """A log y range from the power of ten below `values` to the one above."""
        span = decades(values, least)
        if span is not None:
            self._set_range(plot, "y", span)

    def _thin(self, plot: pg.PlotItem, x: np.ndarray, y: np.ndarray, keep: str = "both") -> tuple[np.ndarray, np.ndarray]:
        """(x, y) at most a (min, max) pair per pixel column of `plot`'s step axis (views.thinning)."""
        x0, x1 = self._ranges.get((id(plot), "x"), (0, 0))
        return per_column(x, y, x0, x1, plot.vb.width(), keep)

    def _map_labels(self, left: str, bottom: str) -> None:
        """The map's axis titles, set when they change only (each set repaints the axis)."""
        for side, text in (("left", left), ("bottom", bottom)):
            if self.map_plot.getAxis(side).labelText != text:
                self.map_plot.setLabel(side, text)

    @staticmethod
    def _set_text(label: QLabel, text: str) -> None:
        if label.text() != text:
            label.setText(text)

    # --- the pages ------------------------------------------------------------------------------
    def _learned(self, h: RunHistory) -> None:
        p = h.prediction
        d = h.info.data
        if p is None:
            return
        sequences = p["kind"] in ("recall", "adding")
        for widget in (self.map_widget, self.map_note):
            widget.setVisible(not sequences)
        self.sequences.setVisible(sequences)
        if sequences:
            ev = h.last_eval
            self.sequences.show_answers(p, None if ev is None else ev.val_loss if d.is_regression else ev.val_error)
            return
        seed = p.get("seed")  # a seed band's: the network of its first seed that has not diverged
        note = self._map_note + (" " + self.tr("Seed {0}'s network, one of the band's.").format(seed) if seed is not None else "")
        self._set_text(self.map_note, note)
        if p["kind"] == "curve":
            self.map_image.clear()
            self.curve.setData(p["x"], p["y"])
            self.train_points.setData(d.x_train[:, 0], d.y_train[:, 0], brush=pg.mkBrush(TRAIN_COLOR))
            self.val_points.setData(d.x_val[:, 0], d.y_val[:, 0], pen=pg.mkPen(VAL_COLOR), brush=None)
            self._map_labels("y", self.tr("x (standardized)"))
            return
        self.curve.setData([], [])
        self._map_labels(self.tr("x₂ (standardized)"), self.tr("x₁ (standardized)"))
        colors = np.array(CLASS_COLORS, dtype=np.float32)[p["classes"]]  # (n, n, 3)
        n_classes = h.info.data.n_outputs
        # full colour where the network is sure, white where it is at chance
        sure = np.clip((p["confidence"] - 1 / n_classes) / (1 - 1 / n_classes), 0, 1)[..., None]
        sure = np.nan_to_num(sure, nan=0.0)  # a diverged network predicts nothing: white
        rgb = (255 - (255 - colors) * (0.12 + 0.33 * sure)).astype(np.uint8)
        self.map_image.setImage(rgb, autoLevels=False, levels=(0, 255))
        x0, x1, y0, y1 = p["extent"]
        self.map_image.setRect(QRectF(x0, y0, x1 - x0, y1 - y0))
        if self._map_extent != p["extent"]:  # the whole map in view, once per run
            self._map_extent = p["extent"]
            self.map_plot.setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0)
        if not self.train_points.data.size:
            brushes = [pg.mkBrush(CLASS_COLORS[c]) for c in d.y_train]
            self.train_points.setData(d.x_train[:, 0], d.x_train[:, 1], brush=brushes)
            pens = [pg.mkPen(CLASS_COLORS[c], width=1.2) for c in d.y_val[:400]]
            self.val_points.setData(d.x_val[:400, 0], d.x_val[:400, 1], pen=pens, brush=None)

    def _distributions(self, h: RunHistory) -> None:
        j = h.n_evals
        i = self.layer - 1
        every = h.info.config.eval_every * QUANTILE_EVERY
        self._set_text(
            self.dist_label,
            self.tr("Layer {0}: 5–95% (light), 25–75% (dark) and median of its values over the batch, every {1} steps. "
                    "Saturated sigmoids pile up near 0 and 1; dead ReLUs make a spike at 0.").format(self.layer, every)
        )
        self._set_text(
            self.sig_label,
            self.tr("Below, ∂L/∂s of layer {0}, on a log scale: the width of its 5–95% range (light) and of its 25–75% range "
                    "(dark) over the batch. A vanishing signal sinks by decades.").format(self.layer)
        )
        measured = np.isfinite(h.signal_quantiles[:j, i, 2])  # the evaluations that measured them
        steps = h.eval_series("step")[measured]
        for plot in (self.act_plot, self.sig_plot):
            self._fit_steps(plot, h)
        lines, median = self.act_bands
        q = h.act_quantiles[:j, i][measured]
        self._fit_linear(self.act_plot, q[:, [0, 4]])
        # a band's lower edge thinned to its lowest value per pixel column, its upper edge to its
        # highest: the envelope of what was measured. Each fill is drawn again once, when its
        # second edge has moved (its first edge's signal is held back).
        for k, line in zip((0, 1, 3, 4), lines):
            line.blockSignals(k < 2)
            line.setData(*self._thin(self.act_plot, steps, q[:, k], "min" if k < 2 else "max"))
            line.blockSignals(False)
        draw(median, *self._thin(self.act_plot, steps, q[:, 2]))
        # signed and centred on 0, ∂L/∂s has no logarithm; the spread of its values has
        q = h.signal_quantiles[:j, i][measured]
        for curve, spread in ((self.sig_wide, q[:, 4] - q[:, 0]), (self.sig_inner, q[:, 3] - q[:, 1])):
            ok = np.isfinite(spread) & (spread > 0)  # a layer with no signal at all leaves a gap
            draw(curve, *self._thin(self.sig_plot, steps[ok], spread[ok]))
        # at least four decades in view: a flat line near 10⁻¹¹ must not look like a large swing
        self._fit_decades(self.sig_plot, q[:, [4, 3]] - q[:, [0, 1]], MIN_DECADES)

    def _health(self, h: RunHistory) -> None:
        j = h.n_evals
        if not j:
            return
        layers = np.arange(1, h.n_layers)  # hidden layers
        dead = np.nan_to_num(h.layer_series["dead_frac"][j - 1, :-1])
        sat = np.nan_to_num(h.layer_series["saturated_frac"][j - 1, :-1])
        self.dead_bars.setOpts(x0=np.zeros_like(dead), y=layers - 0.2, width=dead, height=0.4)
        self.sat_bars.setOpts(x0=np.zeros_like(sat), y=layers + 0.2, width=sat, height=0.4)
        self._set_range(self.health_plot, "y", (0.5, max(1, h.n_layers - 1) + 0.5), padding=0)
        every = max(1, -(-len(layers) // 12))  # every layer numbered, up to a dozen labels
        ticks = [[(i, str(i)) for i in layers if (i - 1) % every == 0 or i == len(layers)]]
        if self._ranges.get((id(self.health_plot), "ticks")) != ticks:
            self._ranges[(id(self.health_plot), "ticks")] = ticks
            self.health_plot.getAxis("left").setTicks(ticks)
        steps = h.eval_series("step")
        self._fit_steps(self.health_time, h)
        parts = (
            ("dead_frac", "dead_share", self.dead_curve, self.worst_dead_curve, self.worst_dead_label),
            ("saturated_frac", "saturated_share", self.sat_curve, self.worst_sat_curve, self.worst_sat_label),
        )
        banded = False
        for name, share, mean_curve, worst_curve, label in parts:
            shares = h.layer_series[name][:j, :-1]  # (evaluations, hidden layers); NaN where it does not apply
            # the mean over the hidden layers; a seed band's: the median of its seeds' own means,
            # shaded from the lowest seed's to the highest's (a band saved without them: its
            # per-layer medians' mean, unshaded)
            low, high = self.health_bands[share]
            mean = h.band_median(share) if h.seeds else None
            if mean is not None and np.isfinite(mean).any():
                banded = True
                lo, hi = h.band_series(share)
                ok = np.isfinite(lo) & np.isfinite(hi)
                low.setData(*self._thin(self.health_time, steps[ok], lo[ok], "min"))
                high.setData(*self._thin(self.health_time, steps[ok], hi[ok], "max"))
            else:
                mean = hidden_share(h.layer_series[name][:j])
                if low.xData is not None and len(low.xData):  # a band's shading left from before
                    low.setData([], [])
                    high.setData([], [])
            draw(mean_curve, *self._thin(self.health_time, steps, mean), connect="finite")
            latest = shares[-1]
            worst = int(np.nanargmax(latest)) if np.isfinite(latest).any() else None
            if worst is None or latest[worst] <= 0 or shares.shape[1] < 2:  # nothing worse than the mean to show
                self.worst_layers[name] = None
                worst_curve.setData([], [])
                label.setText("")
                continue
            self.worst_layers[name] = worst + 1
            draw(worst_curve, *self._thin(self.health_time, steps, shares[:, worst]), connect="finite")
            label.setText(self.tr("layer {0}").format(worst + 1))
            label.setPos(steps[-1], latest[worst])
        text = self.tr("Over time: the mean over the hidden layers (solid)")
        if banded:
            text = self.tr("Over time: the mean over the hidden layers, median of seeds {0}–{1} (solid; shaded: lowest to "
                           "highest seed)").format(h.seeds[0], h.seeds[-1])
        worst = {k: v for k, v in self.worst_layers.items() if v is not None}
        if len(set(worst.values())) == 1:
            text += self.tr(" and the worst layer now, layer {0} (dashed)").format(*set(worst.values()))
        elif worst:
            text += self.tr(" and the worst layers now, dead: layer {0}, saturated: layer {1} (dashed)").format(
                worst["dead_frac"], worst["saturated_frac"]
            )
        self._set_text(self.health_time_label, self.tr("{0}.", "a sentence's full stop").format(text))
        self._set_text(self.health_note, self.tr("Bars: each hidden layer at step {0}. Measured on the training batch every {1} steps.").format(int(h.eval_series("step")[-1]), h.info.config.eval_every))

    @staticmethod
    def _shade(layer: int, n: int) -> tuple[int, int, int]:
        """The colour of a layer's line among `n`: darker toward the output."""
        shade = int(200 - 160 * layer / max(1, n - 1))
        return shade, shade, 255 - shade // 2

    def _ratios(self, h: RunHistory) -> None:
        n = h.n_layers
        groups = np.array_split(np.arange(n), min(n, RATIO_SHADES))
        if [len(g) for g in groups] != [len(g) for g in self._ratio_groups]:
            while len(self._ratio_pool) < len(groups):
                curve = self.ratio_plot.plot([], [])
                curve.setClipToView(False)  # both assume one ascending x: here each layer's line starts anew
                curve.setDownsampling(auto=False)
                self._ratio_pool.append(curve)
            for i, curve in enumerate(self._ratio_pool):
                curve.setData([], [])
                curve.setVisible(i < len(groups))
                if i < len(groups):
                    curve.setPen(pg.mkPen(self._shade(int(groups[i].mean()), n), width=1))
            self.ratio_curves, self._ratio_groups = self._ratio_pool[: len(groups)], groups
        steps = h.eval_series("step").astype(float)
        ratios = h.layer_series["update_ratio"][: h.n_evals]
        self._fit_steps(self.ratio_plot, h)
        self._fit_decades(self.ratio_plot, ratios, RATIO_DECADES)
        with np.errstate(invalid="ignore"):
            y = np.where(np.isfinite(ratios) & (ratios > 0), ratios, np.nan)  # none on a log axis: a gap
        x, y = self._thin(self.ratio_plot, steps, y)
        x, y = np.r_[x, np.nan], np.vstack([y, np.full((1, n), np.nan)])  # a NaN after each layer's line: apart
        for group, curve in zip(self._ratio_groups, self.ratio_curves):
            draw(curve, np.tile(x, len(group)), y[:, group].T.ravel(), connect="finite")
        focus = self.layer - 1  # the focused layer, 1-based (0: none)
        if 0 <= focus < n:
            self.ratio_focus.setPen(pg.mkPen(self._shade(focus, n), width=3))
            draw(self.ratio_focus, x, y[:, focus], connect="finite")
        else:
            self.ratio_focus.setData([], [])

    def _clipping(self, h: RunHistory) -> None:
        n = h.n_cols  # the recent steps, and (min, max) pairs of older ones in a long run
        steps = h.col_steps[:n]
        before, after = h.total_norm[:n], h.clipped_norm[:n]
        ok = np.isfinite(before) & (before > 0)
        after = np.maximum(after[ok], 1e-30)
        self._fit_steps(self.clip_plot, h)
        self._fit_decades(self.clip_plot, np.concatenate([before[ok], after]))
        draw(self.before_curve, *self._thin(self.clip_plot, steps[ok], before[ok]))
        draw(self.after_curve, *self._thin(self.clip_plot, steps[ok], after))
        threshold = h.live["clip_norm"]
        if threshold > 0:
            self.threshold.setValue(np.log10(threshold))
            self.threshold.show()
            self._set_text(self.clip_label, self.tr("Grey: global gradient norm before clipping; green: after. Red: the threshold {0}; {1} of {2} steps were clipped.").format(f"{threshold:g}", h.clipped_steps, h.appended))
        else:
            self.threshold.hide()
            self._set_text(self.clip_label, self.tr("Grey: global gradient norm before clipping; green: after. Set Gradient clipping to see the threshold."))
