"""The gradient heatmap (layers x steps, colour = log10 magnitude) and the current profile.

Its rows are the layers, or for a recurrent run's second view the time steps t = 1..T of the
top layer's state (∂L/∂h_t): what a learner watches fade from the last step back to the first."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from qtpy.QtCore import QPointF, QRectF, Signal
from qtpy.QtWidgets import QButtonGroup, QHBoxLayout, QLabel, QRadioButton, QSizePolicy, QVBoxLayout, QWidget  # noqa: I001

from desktop_app.history import RunHistory
from desktop_app.style import DIVERGED_COLOR, IntegerAxis, axis_end, cache_axes, without_context_menus
from desktop_app.views.heatmap_words import legend, theory_note, view_words, zero_value
from desktop_app.views.scale import (  # noqa: F401 - format_value and the levels are read from here too
    COLORMAP,
    LEVELS,
    LUT,
    NOT_FINITE_RGB,
    RELATIVE_LEVELS,
    ZERO_RGB,
    format_value,
    last_shown_column,
    layer_ticks,
    relative_to_output,
    time_ticks,
    to_indices,
    zero_runs,
)
from engine import predicted_log10_signal_profile

WINDOW_STEPS = 2000  # the heatmap scrolls once a run is longer than this
_BRUSHES = [pg.mkBrush(*rgb) for rgb in LUT]  # one per colour-table index, for the profile bars
# the profile's mark for a layer of exactly 0: a square whose left side sits on the scale's bottom
# edge (the view clips what crosses it), in the heatmap's grey for exactly 0
_ZERO_MARK = pg.QtGui.QPainterPath()
_ZERO_MARK.addRect(0.0, -0.5, 1.0, 1.0)


class GradientHeatmapView(QWidget):
    layerSelected = Signal(int)  # 1-based layer clicked in the heatmap or the profile
    # True: the second view (back-propagated signal; ∂L/∂h_t through time for a recurrent run);
    # False: weight gradient
    modeChanged = Signal(bool)
    relativeChanged = Signal(bool)  # True: each row relative to the top row (output layer, t = T); False: absolute

    def __init__(self, parent: QWidget | None = None, mirror: bool = False):
        """`mirror`: a view that follows another's toggles (a pinned run's, beside the current
        one): it shows no toggles of its own and never picks a view by itself."""
        super().__init__(parent)
        self.history: RunHistory | None = None
        self._span: tuple[float, float] | None = None  # the step axis's range now
        self.signal_mode = False
        self.relative = False
        self.mirror = mirror
        self.timed = False  # the history shown has time steps (a recurrent run)
        # the view last chosen for each kind of run, so that moving between an mlp and a
        # recurrent net shows each its own: an mlp opens on the weight gradient, as it always
        # has; a recurrent net on the gradient through time, which is what it is there to show
        self._mode_of_kind = {False: False, True: True}
        self._focus: int | None = None  # the layer focused (a click), drawn in the layer views only
        self._painted: tuple = (-1, None, None)

        self.grad_button = QRadioButton(self.tr("Weight gradient ‖∇W‖"))
        self.signal_button = QRadioButton()  # its words follow the run and view shown (_update_texts)
        self.grad_button.setChecked(True)
        self.grad_button.setToolTip(self.tr("Frobenius norm of each layer's weight gradient, before clipping"))
        group = QButtonGroup(self)
        group.addButton(self.grad_button)
        group.addButton(self.signal_button)
        self.signal_button.toggled.connect(self._on_signal_button_toggled)
        self.absolute_button = QRadioButton(self.tr("Absolute"))
        self.relative_button = QRadioButton()
        self.absolute_button.setChecked(True)
        self.absolute_button.setToolTip(self.tr("Each cell on one fixed scale: the size of the gradient itself"))
        scale_group = QButtonGroup(self)
        scale_group.addButton(self.absolute_button)
        scale_group.addButton(self.relative_button)
        self.relative_button.toggled.connect(self._on_relative_button_toggled)
        self.hover_label = QLabel(" ")
        self.hover_label.setObjectName("hoverLabel")
        self.hover_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)  # no re-layout on hover
        self.hover_label.setAlignment(pg.QtCore.Qt.AlignmentFlag.AlignRight | pg.QtCore.Qt.AlignmentFlag.AlignVCenter)
        # two short rows rather than one long one: the heatmap must fit a narrow column (a
        # projector's 1280 px, or beside a pinned reference) with every label whole
        quantity = QHBoxLayout()
        quantity.addWidget(self.grad_button)
        quantity.addWidget(self.signal_button)
        quantity.addStretch(1)
        scale = QHBoxLayout()
        scale.addWidget(self.absolute_button)
        scale.addWidget(self.relative_button)
        scale.addWidget(self.hover_label, 1)
        self.toggles = QWidget()  # a view that mirrors another (a pinned run's) hides them
        if mirror:
            self.toggles.hide()
        top = QVBoxLayout(self.toggles)
        top.setContentsMargins(0, 0, 0, 0)
        top.setSpacing(0)
        top.addLayout(quantity)
        top.addLayout(scale)

        self.canvas = pg.GraphicsLayoutWidget()
        self.plot = self.canvas.addPlot(row=0, col=0, axisItems={"bottom": IntegerAxis("bottom")})
        self.plot.setLabel("bottom", self.tr("training step"))
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.hideButtons()
        self.plot.setMenuEnabled(False)
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setLookupTable(LUT)
        self.plot.addItem(self.image)
        self.diverged_line = pg.InfiniteLine(angle=90, pen=pg.mkPen(DIVERGED_COLOR, width=2, style=pg.QtCore.Qt.PenStyle.DashLine))
        self.diverged_line.hide()
        self.plot.addItem(self.diverged_line)

        self.colorbar = pg.ColorBarItem(
            values=LEVELS, colorMap=COLORMAP, interactive=False, width=14, colorMapMenu=False
        )
        self.canvas.addItem(self.colorbar, row=0, col=1)

        self.profile = self.canvas.addPlot(row=0, col=2)
        self.profile.setXRange(*LEVELS, padding=0.02)
        self.profile.setMouseEnabled(x=False, y=False)
        self.profile.hideButtons()
        self.profile.setMenuEnabled(False)
        self.profile.setYLink(self.plot)
        self.profile.showGrid(x=True, alpha=0.3)
        for plot in (self.plot, self.profile):
            cache_axes(plot)
        without_context_menus(self.canvas.scene(), self.plot, self.profile)
        self.canvas.ci.layout.setColumnStretchFactor(0, 5)
        self.canvas.ci.layout.setColumnStretchFactor(2, 1)
        self.bars = pg.BarGraphItem(x0=[], y=[], height=0.8, width=[])
        self.profile.addItem(self.bars)
        self.profile_line = self.profile.plot([], [], pen=pg.mkPen("#333333", width=1.5), symbol="o", symbolSize=4)
        # layers whose gradient is exactly 0 have no bar: a grey square at the bottom edge says so
        self.zero_marks = pg.ScatterPlotItem(symbol=_ZERO_MARK, size=10, pen=pg.mkPen("#333333"), brush=pg.mkBrush(*ZERO_RGB))
        self.profile.addItem(self.zero_marks)
        # mean-field theory at initialization (signal view): its slope, dashed, drawn through
        # the top hidden layer's current value so that the two slopes can be compared
        self.theory_line = self.profile.plot([], [], pen=pg.mkPen("#2ca02c", width=2, style=pg.QtCore.Qt.PenStyle.DashLine))
        self.chi: np.ndarray | None = None
        self.theory_profile: np.ndarray | None = None  # engine.theory.predicted_log10_signal_profile
        self.time_slope: float | None = None  # engine.theory.predicted_log10_time_slope, per step back
        self.profile_note = QLabel()  # which step the profile shows when the latest is not finite
        self.profile_note.setWordWrap(True)
        self.profile_note.setObjectName("profileNote")
        self.profile_note.setStyleSheet(f"color: {DIVERGED_COLOR}")
        self.profile_note.hide()
        self.shown_step: int | None = None  # the step the profile shows (1-based), None when none
        self.legend = QLabel()  # the colours off the scale, and the profile's rows at exactly 0
        self.legend.setObjectName("scaleLegend")
        self.legend.setWordWrap(True)
        self.zero_rows = ""  # the profile's rows at exactly 0, as zero_runs writes them
        self.theory_note = QLabel()
        self.theory_note.setWordWrap(True)
        self.theory_note.setObjectName("theoryNote")
        self.focus = pg.LinearRegionItem(orientation="horizontal", movable=False, brush=(0, 0, 0, 0), pen=pg.mkPen("#222222", width=1.5))
        self.focus.hide()
        self.plot.addItem(self.focus, ignoreBounds=True)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.toggles)
        layout.addWidget(self.canvas, 1)
        layout.addWidget(self.legend)
        layout.addWidget(self.profile_note)
        layout.addWidget(self.theory_note)
        self.canvas.scene().sigMouseMoved.connect(self._on_scene_mouseMoved)
        self.canvas.scene().sigMouseClicked.connect(self._on_scene_mouseClicked)
        self._update_texts()

    @property
    def time_view(self) -> bool:
        """Whether the rows are time steps: the second view of a recurrent run."""
        return self.timed and self.signal_mode

    def _update_texts(self) -> None:
        """The toggles' and axes' words for the kind of run and the view shown."""
        words = view_words(self.timed, self.signal_mode, self.relative)
        self.signal_button.setText(words.second_button)
        self.signal_button.setToolTip(words.second_tooltip)
        self.relative_button.setText(words.relative_button)
        self.relative_button.setToolTip(words.relative_tooltip)
        self.plot.setLabel("left", words.rows)
        self.colorbar.setLabel("right" if self.colorbar.horizontal else "left", words.unit)
        self.profile.setLabel("bottom", words.profile_unit)
        self.legend.setText(legend(ZERO_RGB, NOT_FINITE_RGB, self.zero_rows, self.time_view))

    @property
    def levels(self) -> tuple[float, float]:
        """The colour scale now shown, in log10 units."""
        return RELATIVE_LEVELS if self.relative else LEVELS

    def set_relative(self, on: bool) -> None:
        """Show each layer relative to the output layer (True) or on the absolute scale."""
        (self.relative_button if on else self.absolute_button).setChecked(True)

    def set_theory(self, chi: np.ndarray | None, time_slope: float | None = None) -> None:
        """χ per step back between hidden layers (engine.theory.predicted_chi), or None; and for
        a recurrent run the change of log10 ∂L/∂h_t per step back in time
        (engine.theory.predicted_log10_time_slope), or None."""
        self.chi = chi
        self.theory_profile = predicted_log10_signal_profile(chi)
        self.time_slope = time_slope
        self._update_theory_note()

    def _update_theory_note(self) -> None:
        self.theory_note.setText(theory_note(self.timed, self.signal_mode, self.chi is not None, self.time_slope is not None))

    def set_focus(self, layer: int) -> None:
        self._focus = layer
        self.focus.setRegion((layer - 0.5, layer + 0.5))
        self.focus.setVisible(not self.time_view)

    def set_tick_font(self, font) -> None:
        """Presentation mode: tick labels in the (larger) application font."""
        for plot in (self.plot, self.profile):
            for side in ("left", "bottom"):
                plot.getAxis(side).setTickFont(font)

    def set_history(self, history: RunHistory | None) -> None:
        self.history = history
        self._painted = (-1, None, None)
        self.diverged_line.hide()
        self.profile_note.hide()
        self.shown_step = None
        if history is not None:
            timed = history.recurrent
            if timed != self.timed:
                self.timed = timed
                if not self.mirror:  # each kind of run opens on its own view (a mirror follows)
                    (self.signal_button if self._mode_of_kind[timed] else self.grad_button).setChecked(True)
                self._update_texts()
                self._update_theory_note()
            self._set_rows()
            self.plot.setXRange(0.5, 1.5, padding=0)  # grows with the steps run (refresh)
        self._span = None  # the step axis's range now
        self.image.clear()
        self.bars.setOpts(x0=[], y=[], width=[])
        self.profile_line.setData([], [], connect="all")
        self.zero_marks.setData([], [])
        self._set_zero_rows(np.empty(0))
        self._painted = (-1, None, None)  # a change of view above may have painted already
        self.refresh()

    def _set_rows(self) -> None:
        """The row axis for the history and view shown: layers 1..L, or time steps 1..T."""
        h = self.history
        if h is None:
            return
        n = h.rows(self.signal_mode).shape[0]
        self.plot.setYRange(0.5, n + 0.5, padding=0)
        ticks = time_ticks(n) if self.time_view else layer_ticks(n)
        for axis in (self.plot.getAxis("left"), self.profile.getAxis("left")):
            axis.setTicks([ticks])
        # one marker and outlined bar per row where they can be told apart; a long sequence's
        # outlines would paint the profile black: its bars are colour only, its markers a line
        crowded = self.time_view and n > 100
        self.profile_line.setSymbol(None if crowded else "o")
        # None: pyqtgraph's outline, as always; a crowded profile's bars touch, as the heatmap's rows
        self.bars.setOpts(pen=pg.mkPen(None) if crowded else None, height=1.0 if crowded else 0.8)
        self.focus.setVisible(self._focus is not None and not self.time_view)

    def _on_signal_button_toggled(self, on: bool) -> None:
        self.signal_mode = on
        self._mode_of_kind[self.timed] = on
        self._update_texts()
        self._update_theory_note()
        self._set_rows()
        self._painted = (-1, None, None)
        self.modeChanged.emit(on)
        self.refresh()

    def _on_relative_button_toggled(self, on: bool) -> None:
        self.relative = on
        self.colorbar.setLevels(values=self.levels)
        self._update_texts()
        self.profile.setXRange(*self.levels, padding=0.02)
        self._painted = (-1, None, None)
        self.relativeChanged.emit(on)
        self.refresh()

    def refresh(self) -> None:
        """Repaint if the history moved since the last paint (called by the window's timer)."""
        h = self.history
        state = (h.version, self.signal_mode, self.relative) if h is not None else None
        if h is None or h.n == 0 or self._painted == state:
            return
        self._painted = state
        data = h.rows(self.signal_mode)
        rows = data.shape[0]
        # the last WINDOW_STEPS columns: always at full resolution (desktop_app.history), one
        # column per step, steps s0 .. s0 + shown - 1
        n = h.n_cols
        first = max(0, n - WINDOW_STEPS)
        block = data[:, first:n]
        s0 = int(h.col_steps[first]) - 1  # steps before the first one shown
        if self.relative:
            block = relative_to_output(block)
        self.image.setImage(to_indices(block, self.levels), autoLevels=False, levels=(0, 255))
        self.image.setRect(QRectF(s0 + 0.5, 0.5, n - first, rows))
        # the axis spans the steps run so far, like an oscilloscope filling up (a few jumps a
        # decade: moving it repaints the whole plot), then scrolls
        if first == 0:
            span = (0.5, axis_end(n, max(h.info.config.steps, n)) + 0.5)
        else:
            span = (s0 + 0.5, s0 + n - first + 0.5)
        if span != self._span:
            self._span = span
            self.plot.setXRange(*span, padding=0)
        record = h.last_record
        diverged = record is not None and record.status.value == "diverged"
        # the profile: the latest step whose every layer is finite (the step that diverged
        # through its loss alone still has finite gradients to show)
        column = last_shown_column(block, n - 1 - first)
        self.shown_step = None if column is None else s0 + column + 1
        self._set_profile(block[:, column] if column is not None else np.full(rows, np.nan))
        self._set_theory_line(block[:, column] if column is not None else None)
        if diverged:
            self.diverged_line.setValue(record.step)
            self.diverged_line.show()
            if self.shown_step is None:
                note = self.tr("Step {0} is not finite (red dashed line), and no step before it is.").format(record.step)
            elif self.shown_step == record.step:
                note = self.tr("Step {0} diverged (red dashed line): its loss is not finite; its gradients, in the profile, still are.").format(record.step)
            else:
                note = self.tr("Step {0} is not finite (red dashed line); the profile shows step {1}, the last finite one.").format(
                    record.step, self.shown_step
                )
            self.profile_note.setText(note)
            self.profile_note.show()
        else:
            self.diverged_line.hide()
            self.profile_note.hide()

    def _set_profile(self, values: np.ndarray) -> None:
        lo, hi = self.levels
        layers = np.arange(1, len(values) + 1)
        finite = np.isfinite(values)
        zero = np.isneginf(values)
        shown = np.where(finite, np.clip(values, lo, hi), np.where(zero, lo, hi))
        brushes = [_BRUSHES[i] for i in to_indices(values, self.levels)]
        # absolute: bars grow from the bottom of the scale; relative: from 0, the output layer's level;
        # a layer of exactly 0 has no bar, its mark at the bottom edge instead
        base = 0.0 if self.relative else lo
        x0 = np.minimum(shown, base)
        width = np.where(zero, 0.0, np.abs(shown - base))
        self.bars.setOpts(x0=x0, y=layers, width=width, brushes=brushes)  # height: _set_rows
        # the line skips a layer of exactly 0 (its mark stands there), joining only neighbouring layers
        kept = layers[~zero]
        joined = np.append(np.diff(kept) == 1, False)  # point i to point i + 1, when that is the next layer
        self.profile_line.setData(shown[~zero], kept, connect=joined if len(kept) else "all")
        self.zero_marks.setData(x=np.full(int(zero.sum()), lo), y=layers[zero])
        self._set_zero_rows(values)

    def _set_zero_rows(self, values: np.ndarray) -> None:
        """Name the profile's rows at exactly 0 under the heatmap (a text set only when it changes:
        this runs at the paint rate)."""
        rows = zero_runs(values)
        if rows != self.zero_rows:
            self.zero_rows = rows
            self.legend.setText(legend(ZERO_RGB, NOT_FINITE_RGB, rows, self.time_view))

    def _set_theory_line(self, column: np.ndarray | None) -> None:
        """`column`: the profile shown, in the units shown (absolute or relative)."""
        if self.timed:
            self._set_time_theory_line(column)
            return
        profile = self.theory_profile
        # anchored at the measured top hidden layer: the theory predicts the slope, not the level
        top = column[len(profile) - 1] if profile is not None and column is not None else np.nan
        if not self.signal_mode or not np.isfinite(top):
            self.theory_line.setData([], [])
            return
        lo, hi = self.levels
        self.theory_line.setData(np.clip(top + profile, lo, hi), np.arange(1, len(profile) + 1))

    def _set_time_theory_line(self, column: np.ndarray | None) -> None:
        """The predicted slope through time: a straight line in log10, through the measured value
        at t = T (the theory predicts the slope, not the level), `time_slope` lower (or higher) at
        each step back."""
        top = column[-1] if column is not None and len(column) else np.nan
        if not self.time_view or self.time_slope is None or not np.isfinite(top):
            self.theory_line.setData([], [])
            return
        t = np.arange(1, len(column) + 1)
        lo, hi = self.levels
        self.theory_line.setData(np.clip(top + self.time_slope * (len(column) - t), lo, hi), t)

    # --- mouse -------------------------------------------------------------------------------
    def _cell_at(self, pos: QPointF) -> tuple[int, int] | None:
        for item in (self.plot, self.profile):
            if item.sceneBoundingRect().contains(pos):
                point = item.vb.mapSceneToView(pos)
                layer = int(round(point.y()))
                step = int(round(point.x())) if item is self.plot else (self.history.n if self.history else 0)
                return layer, step
        return None

    def _on_scene_mouseMoved(self, pos: QPointF) -> None:
        h = self.history
        cell = self._cell_at(pos)
        if h is None or cell is None:
            return
        row, step = cell
        value = h.value_at(self.signal_mode, row, step)
        if value is None:
            self.hover_label.setText(" ")
            return
        shown = zero_value() if value == 0 else format_value(value)  # exactly 0: no gradient, not 10⁻⁷
        if self.time_view:
            text = self.tr("t = {0}, step {1}: ∂L/∂h_t = {2}").format(row, step, shown)
        else:
            name = self.tr("signal") if self.signal_mode else "‖∇W‖"
            text = self.tr("layer {0}, step {1}: {2} = {3}").format(row, step, name, shown)
        if self.relative and value != 0:  # a cell of exactly 0 shows that, not a ratio to the output layer
            top = h.value_at(self.signal_mode, h.rows(self.signal_mode).shape[0], step)
            with np.errstate(divide="ignore", invalid="ignore"):
                ratio = float(np.float64(value) / np.float64(top))
            where = self.tr("; ÷ t = T = {0}") if self.time_view else self.tr("; ÷ output layer = {0}")
            text += where.format(format_value(ratio))
        if h.seeds:
            text += self.tr(" (median of {0} seeds)").format(len(h.seeds))
        self.hover_label.setText(text)

    def _on_scene_mouseClicked(self, event) -> None:
        cell = self._cell_at(event.scenePos())
        if self.time_view:  # a row is a time step, not a layer to focus
            return
        if cell is not None and self.history is not None and 1 <= cell[0] <= self.history.n_layers:
            self.layerSelected.emit(cell[0])
