"""The gradient heatmap (layers x steps, colour = log10 magnitude) and the current profile."""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from qtpy.QtCore import QPointF, QRectF, Signal
from qtpy.QtWidgets import QButtonGroup, QHBoxLayout, QLabel, QRadioButton, QSizePolicy, QVBoxLayout, QWidget  # noqa: I001

from desktop_app.history import RunHistory
from desktop_app.style import DIVERGED_COLOR, IntegerAxis, axis_end, cache_axes, superscript, without_context_menus
from engine import LOG10_SCALE, predicted_log10_signal_profile

LEVELS = LOG10_SCALE  # fixed, as in sweep.png
#: the relative view's scale, in decades of layer ÷ output layer: pale where a layer gets as much
#: as the output layer, blue where it gets a vanishing share, red where it gets far more
RELATIVE_LEVELS = (-8.0, 8.0)
WINDOW_STEPS = 2000  # the heatmap scrolls once a run is longer than this
COLORMAP = pg.colormap.get("CET-D1A")  # blue (vanishing) - pale (healthy) - red (exploding)
_LUT = np.vstack([COLORMAP.getLookupTable(nPts=255, alpha=False), [[0, 0, 0]]]).astype(np.uint8)
_BRUSHES = [pg.mkBrush(*rgb) for rgb in _LUT]  # one per colour-table index, for the profile bars


def to_indices(log10: np.ndarray, levels: tuple[float, float] = LEVELS) -> np.ndarray:
    """Colour-table indices: 0..254 for log10 values clipped to `levels` (an exact zero, -inf,
    takes the lowest colour), 255 for +inf and NaN, which the table shows as 'not finite'."""
    lo, hi = levels
    with np.errstate(invalid="ignore"):
        idx = np.clip((log10 - lo) * (254.0 / (hi - lo)), 0, 254)
    idx[np.isnan(log10) | np.isposinf(log10)] = 255
    return idx.astype(np.uint8)


def relative_to_output(log10: np.ndarray) -> np.ndarray:
    """log10(g_i / g_top) for each column of a (layers, steps) block: every layer against the
    output layer (the top row) of the same step. NaN where that is undefined (inf − inf, or an
    output layer with no gradient at all)."""
    with np.errstate(invalid="ignore"):
        rel = log10 - log10[-1:]
    rel[:, ~np.isfinite(log10[-1])] = np.nan
    return rel


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


class GradientHeatmapView(QWidget):
    layerSelected = Signal(int)  # 1-based layer clicked in the heatmap or the profile
    modeChanged = Signal(bool)  # True: back-propagated signal; False: weight gradient
    relativeChanged = Signal(bool)  # True: each layer relative to the output layer; False: absolute

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.history: RunHistory | None = None
        self._span: tuple[float, float] | None = None  # the step axis's range now
        self.signal_mode = False
        self.relative = False
        self._painted: tuple = (-1, None, None)

        self.grad_button = QRadioButton(self.tr("Weight gradient ‖∇W‖"))
        self.signal_button = QRadioButton(self.tr("Back-propagated signal ∂L/∂s"))
        self.grad_button.setChecked(True)
        self.grad_button.setToolTip(self.tr("Frobenius norm of each layer's weight gradient, before clipping"))
        self.signal_button.setToolTip(
            self.tr("RMS of the per-sample gradient of the loss with respect to each layer's pre-activation")
        )
        group = QButtonGroup(self)
        group.addButton(self.grad_button)
        group.addButton(self.signal_button)
        self.signal_button.toggled.connect(self._on_signal_button_toggled)
        self.absolute_button = QRadioButton(self.tr("Absolute"))
        self.relative_button = QRadioButton(self.tr("Relative to output layer"))
        self.absolute_button.setChecked(True)
        self.absolute_button.setToolTip(self.tr("Each cell on one fixed scale: the size of the gradient itself"))
        self.relative_button.setToolTip(
            self.tr("Each cell divided by the output layer's value at the same step: small everywhere because the loss "
                    "is small reads pale; a vanishing share for the input layers reads blue")
        )
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
        top = QVBoxLayout(self.toggles)
        top.setContentsMargins(0, 0, 0, 0)
        top.setSpacing(0)
        top.addLayout(quantity)
        top.addLayout(scale)

        self.canvas = pg.GraphicsLayoutWidget()
        self.plot = self.canvas.addPlot(row=0, col=0, axisItems={"bottom": IntegerAxis("bottom")})
        self.plot.setLabel("bottom", self.tr("training step"))
        self.plot.setLabel("left", self.tr("layer (1 = input)"))
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.hideButtons()
        self.plot.setMenuEnabled(False)
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setLookupTable(_LUT)
        self.plot.addItem(self.image)
        self.diverged_line = pg.InfiniteLine(angle=90, pen=pg.mkPen(DIVERGED_COLOR, width=2, style=pg.QtCore.Qt.PenStyle.DashLine))
        self.diverged_line.hide()
        self.plot.addItem(self.diverged_line)

        self.colorbar = pg.ColorBarItem(
            values=LEVELS, colorMap=COLORMAP, interactive=False, width=14, colorMapMenu=False, label=self._unit()
        )
        self.canvas.addItem(self.colorbar, row=0, col=1)

        self.profile = self.canvas.addPlot(row=0, col=2)
        self.profile.setLabel("bottom", self._profile_unit())
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
        # mean-field theory at initialization (signal view): its slope, dashed, drawn through
        # the top hidden layer's current value so that the two slopes can be compared
        self.theory_line = self.profile.plot([], [], pen=pg.mkPen("#2ca02c", width=2, style=pg.QtCore.Qt.PenStyle.DashLine))
        self.chi: np.ndarray | None = None
        self.theory_profile: np.ndarray | None = None  # engine.theory.predicted_log10_signal_profile
        self.profile_note = QLabel()  # which step the profile shows when the latest is not finite
        self.profile_note.setWordWrap(True)
        self.profile_note.setObjectName("profileNote")
        self.profile_note.setStyleSheet(f"color: {DIVERGED_COLOR}")
        self.profile_note.hide()
        self.shown_step: int | None = None  # the step the profile shows (1-based), None when none
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
        layout.addWidget(self.profile_note)
        layout.addWidget(self.theory_note)
        self.canvas.scene().sigMouseMoved.connect(self._on_scene_mouseMoved)
        self.canvas.scene().sigMouseClicked.connect(self._on_scene_mouseClicked)

    def _unit(self) -> str:
        if self.relative:
            return self.tr("log10 (÷ output layer)")
        return self.tr("log10 RMS ∂L/∂s") if self.signal_mode else self.tr("log10 ‖∇W‖")

    def _profile_unit(self) -> str:
        return self.tr("÷ output (log10)") if self.relative else self.tr("now (log10)")

    @property
    def levels(self) -> tuple[float, float]:
        """The colour scale now shown, in log10 units."""
        return RELATIVE_LEVELS if self.relative else LEVELS

    def set_relative(self, on: bool) -> None:
        """Show each layer relative to the output layer (True) or on the absolute scale."""
        (self.relative_button if on else self.absolute_button).setChecked(True)

    def set_theory(self, chi: np.ndarray | None) -> None:
        """χ per step back between hidden layers (engine.theory.predicted_chi), or None."""
        self.chi = chi
        self.theory_profile = predicted_log10_signal_profile(chi)
        self._update_theory_note()

    def _update_theory_note(self) -> None:
        if not self.signal_mode:
            self.theory_note.setText(
                self.tr("‖∇W‖ = the signal ∂L/∂s × the layer's input, so the two can differ (Glorot & Bengio 2010): "
                        "the signal view shows the signal, and the theory.")
            )
        elif self.chi is None:
            self.theory_note.setText(self.tr("Mean-field theory does not apply here (batch norm, skip connections, zero weights or one hidden layer)."))
        else:
            self.theory_note.setText(
                self.tr("Dashed green: the mean-field prediction at initialization, each layer multiplying the signal's mean square by "
                        "χ = σ_w²·E[φ′(h)²] (Poole et al. 2016; Schoenholz et al. 2017).")
            )

    def set_focus(self, layer: int) -> None:
        self.focus.setRegion((layer - 0.5, layer + 0.5))
        self.focus.show()

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
            n = history.n_layers
            self.plot.setYRange(0.5, n + 0.5, padding=0)
            step = max(1, math.ceil(n / 12))
            ticks = [(i, str(i)) for i in range(1, n + 1) if (i - 1) % step == 0 or i == n]
            for axis in (self.plot.getAxis("left"), self.profile.getAxis("left")):
                axis.setTicks([ticks])
            self.plot.setXRange(0.5, 1.5, padding=0)  # grows with the steps run (refresh)
        self._span = None  # the step axis's range now
        self.image.clear()
        self.bars.setOpts(x0=[], y=[], width=[], height=0.8)
        self.profile_line.setData([], [])
        self.refresh()

    def _on_signal_button_toggled(self, on: bool) -> None:
        self.signal_mode = on
        self.colorbar.setLabel("right" if self.colorbar.horizontal else "left", self._unit())
        self._update_theory_note()
        self._painted = (-1, None, None)
        self.modeChanged.emit(on)
        self.refresh()

    def _on_relative_button_toggled(self, on: bool) -> None:
        self.relative = on
        self.colorbar.setLevels(values=self.levels)
        self.colorbar.setLabel("right" if self.colorbar.horizontal else "left", self._unit())
        self.profile.setLabel("bottom", self._profile_unit())
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
        data = h.signal_log10 if self.signal_mode else h.grad_log10
        # the last WINDOW_STEPS columns: always at full resolution (desktop_app.history), one
        # column per step, steps s0 .. s0 + shown - 1
        n = h.n_cols
        first = max(0, n - WINDOW_STEPS)
        block = data[:, first:n]
        s0 = int(h.col_steps[first]) - 1  # steps before the first one shown
        if self.relative:
            block = relative_to_output(block)
        self.image.setImage(to_indices(block, self.levels), autoLevels=False, levels=(0, 255))
        self.image.setRect(QRectF(s0 + 0.5, 0.5, n - first, h.n_layers))
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
        self._set_profile(block[:, column] if column is not None else np.full(h.n_layers, np.nan))
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
        shown = np.where(finite, np.clip(values, lo, hi), np.where(np.isneginf(values), lo, hi))
        brushes = [_BRUSHES[i] for i in to_indices(values, self.levels)]
        # absolute: bars grow from the bottom of the scale; relative: from 0, the output layer's level
        base = 0.0 if self.relative else lo
        x0 = np.minimum(shown, base)
        self.bars.setOpts(x0=x0, y=layers, width=np.abs(shown - base), height=0.8, brushes=brushes)
        self.profile_line.setData(shown, layers)

    def _set_theory_line(self, column: np.ndarray | None) -> None:
        """`column`: the profile shown, in the units shown (absolute or relative)."""
        profile = self.theory_profile
        # anchored at the measured top hidden layer: the theory predicts the slope, not the level
        top = column[len(profile) - 1] if profile is not None and column is not None else np.nan
        if not self.signal_mode or not np.isfinite(top):
            self.theory_line.setData([], [])
            return
        lo, hi = self.levels
        self.theory_line.setData(np.clip(top + profile, lo, hi), np.arange(1, len(profile) + 1))

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
        layer, step = cell
        value = h.value_at(self.signal_mode, layer, step)
        if value is None:
            self.hover_label.setText(" ")
            return
        name = self.tr("signal") if self.signal_mode else "‖∇W‖"
        text = self.tr("layer {0}, step {1}: {2} = {3}").format(layer, step, name, format_value(value))
        if self.relative:
            top = h.value_at(self.signal_mode, h.n_layers, step)
            with np.errstate(divide="ignore", invalid="ignore"):
                ratio = float(np.float64(value) / np.float64(top))
            text += self.tr("; ÷ output layer = {0}").format(format_value(ratio))
        self.hover_label.setText(text)

    def _on_scene_mouseClicked(self, event) -> None:
        cell = self._cell_at(event.scenePos())
        if cell is not None and self.history is not None and 1 <= cell[0] <= self.history.n_layers:
            self.layerSelected.emit(cell[0])


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
