"""The control panel: one widget per engine configuration key, grouped as a learner thinks.

The panel only edits values: it emits `configEdited(key, value)` and the window decides whether
that is a live change or a rebuild. Combo boxes are built from the engine's Enums, so a new
activation or init in the engine appears here without a change. The controls that apply to one
model family only (the sequence length, the forget-gate bias; batch norm and residual connections
for an mlp) show or grey out with the configuration shown.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from qtpy.QtCore import Qt, QTimer, Signal
from qtpy.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)
from superqt import QCollapsible, QDoubleSlider, QEnumComboBox, QLabeledDoubleSlider, QLabeledSlider

from engine import MAX_RECURRENT_DEPTH, Activation, Config, Dataset, Device, Init, ModelFamily, Optimizer


def format_number(value: float) -> str:
    if value == 0:
        return "0"
    if 1e-3 <= abs(value) < 1e3:  # 0.003 as the lessons write it, not 3.0e-3
        return f"{value:.3g}"
    mantissa, exponent = f"{value:.1e}".split("e")
    return f"{mantissa}e{int(exponent)}"


class LogSliderWidget(QWidget):
    """A slider over log10 of the value, with the value shown beside it. With `off_label`, the
    leftmost position means 0 ("off")."""

    valueChanged = Signal(float)

    def __init__(
        self, low: float, high: float, off_label: str | None = None, parent: QWidget | None = None, integer: bool = False
    ):
        """`integer`: the value is a whole number (a sequence length), rounded from the slider's."""
        super().__init__(parent)
        self._off_label = off_label
        self._integer = integer
        self._lo, self._hi = math.log10(low), math.log10(high)
        step = 0.05
        self.slider = QDoubleSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(self._lo - (step if off_label else 0), self._hi)
        self.slider.setSingleStep(step)
        self.label = QLabel()
        self.label.setMinimumWidth(52)
        self.label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.slider, 1)
        layout.addWidget(self.label)
        self.slider.valueChanged.connect(self._on_slider_valueChanged)
        self._update_label()

    def value(self) -> float:
        x = self.slider.value()
        if self._off_label is not None and x < self._lo - 1e-9:
            return 0.0
        if self._integer:
            return round(10**x)
        return float(f"{10 ** x:.3g}")  # three significant digits: what the label shows

    def setValue(self, value: float) -> None:
        if value <= 0:
            x = self.slider.minimum() if self._off_label is not None else self._lo
        else:
            x = math.log10(value)
            if x < self.slider.minimum() or x > self.slider.maximum():  # a value from a file
                self.slider.setRange(min(x, self.slider.minimum()), max(x, self.slider.maximum()))
        self.slider.setValue(x)
        self._update_label()

    def _update_label(self) -> None:
        v = self._shown = self.value()
        self.label.setText(self._off_label if (v == 0 and self._off_label) else str(v) if self._integer else format_number(v))

    def _on_slider_valueChanged(self, _x: float) -> None:
        if self.value() == self._shown:  # a move within one shown value (a whole T, 3 digits) is no edit
            return
        self._update_label()
        self.valueChanged.emit(self.value())


class _Binding:
    """How one key is read from and written to its widget."""

    def __init__(self, widget: QWidget, get: Callable[[], Any], set_: Callable[[Any], None], signal: Any):
        self.widget, self.get, self.set, self.signal = widget, get, set_, signal


def _int_slider(low: int, high: int) -> _Binding:
    w = QLabeledSlider(Qt.Orientation.Horizontal)
    w.setRange(low, high)

    def set_(v: int) -> None:
        if v < w.minimum() or v > w.maximum():
            w.setRange(min(v, w.minimum()), max(v, w.maximum()))
        w.setValue(v)

    return _Binding(w, w.value, set_, w.valueChanged)


def _float_slider(low: float, high: float, decimals: int = 2) -> _Binding:
    w = QLabeledDoubleSlider(Qt.Orientation.Horizontal)
    w.setRange(low, high)
    w.setDecimals(decimals)
    w.setSingleStep(10**-decimals)

    def get() -> float:
        return round(w.value(), decimals)

    return _Binding(w, get, w.setValue, w.valueChanged)


def _log_slider(low: float, high: float, off_label: str | None = None, integer: bool = False) -> _Binding:
    w = LogSliderWidget(low, high, off_label, integer=integer)
    return _Binding(w, w.value, w.setValue, w.valueChanged)


def _spin(low: int, high: int) -> _Binding:
    w = QSpinBox()
    w.setRange(low, high)
    w.setKeyboardTracking(False)  # one change when typing is done, not one per digit
    return _Binding(w, w.value, w.setValue, w.valueChanged)


def _check() -> _Binding:
    w = QCheckBox()
    return _Binding(w, w.isChecked, w.setChecked, w.toggled)


def _enum(kind: type) -> _Binding:
    w = QEnumComboBox(enum_class=kind)
    return _Binding(w, w.currentEnum, w.setCurrentEnum, w.currentEnumChanged)


class ControlPanel(QScrollArea):
    configEdited = Signal(str, object)  # key, new value

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        off = self.tr("off")
        # (group, key, label, binding); "advanced" keys sit in a collapsible group
        spec: list[tuple[str, str, str, _Binding]] = [
            ("data", "dataset", self.tr("Data set"), _enum(Dataset)),
            # a log scale: 2 to 10 steps matter as much as 100 to 1000
            ("data", "seq_len", self.tr("Sequence length"), _log_slider(2, 1000, integer=True)),
            ("data", "n_train", self.tr("Training points"), _int_slider(10, 2000)),
            ("data", "noise", self.tr("Noise"), _float_slider(0.0, 1.0)),
            ("data", "label_noise", self.tr("Flipped labels"), _float_slider(0.0, 0.5)),
            ("network", "model", self.tr("Model"), _enum(ModelFamily)),
            ("network", "depth", self.tr("Depth (hidden layers)"), _int_slider(1, 100)),
            ("network", "width", self.tr("Width (units)"), _int_slider(1, 512)),
            ("network", "activation", self.tr("Activation"), _enum(Activation)),
            ("network", "forget_bias", self.tr("Forget-gate bias"), _float_slider(-5.0, 5.0)),
            ("network", "init", self.tr("Initialization"), _enum(Init)),
            ("network", "init_gain", self.tr("Init gain"), _log_slider(0.1, 10.0)),
            ("network", "batch_norm", self.tr("Batch normalization"), _check()),
            ("network", "residual", self.tr("Residual connections"), _check()),
            ("training", "optimizer", self.tr("Optimizer"), _enum(Optimizer)),
            ("training", "lr", self.tr("Learning rate"), _log_slider(1e-5, 10.0)),
            ("training", "batch_size", self.tr("Batch size"), _int_slider(1, 512)),
            ("training", "seed", self.tr("Seed"), _spin(0, 2**31 - 1)),
            ("regularization", "l2", self.tr("L2"), _log_slider(1e-6, 1e-1, off)),
            ("regularization", "l1", self.tr("L1"), _log_slider(1e-6, 1e-1, off)),
            ("regularization", "dropout", self.tr("Dropout"), _float_slider(0.0, 0.9)),
            ("regularization", "clip_norm", self.tr("Gradient clipping"), _log_slider(0.01, 100.0, off)),
            ("regularization", "patience", self.tr("Early-stopping patience"), _int_slider(0, 100)),
            ("advanced", "n_val", self.tr("Validation points"), _spin(1, 100_000)),
            ("advanced", "bias_init", self.tr("Initial bias"), _float_slider(-5.0, 5.0)),
            ("advanced", "steps", self.tr("Steps"), _spin(1, 10_000_000)),
            ("advanced", "eval_every", self.tr("Evaluate every (steps)"), _spin(1, 10_000)),
            ("advanced", "device", self.tr("Device"), _enum(Device)),
        ]
        titles = {
            "data": self.tr("Data"),
            "network": self.tr("Network"),
            "training": self.tr("Training"),
            "regularization": self.tr("Regularization"),
        }
        body = QWidget()
        column = QVBoxLayout(body)
        forms: dict[str, QFormLayout] = {}
        for group, title in titles.items():
            box = QGroupBox(title)
            forms[group] = QFormLayout(box)
            column.addWidget(box)
        self.advanced = QCollapsible(self.tr("Advanced"))
        advanced_body = QWidget()
        forms["advanced"] = QFormLayout(advanced_body)
        self.advanced.addWidget(advanced_body)
        column.addWidget(self.advanced)
        column.addStretch(1)
        self.setWidget(body)

        self.bindings: dict[str, _Binding] = {}
        self.labels: dict[str, QLabel] = {}
        self.forms: dict[str, QFormLayout] = {}  # key -> the form its row is in
        for group, key, label, binding in spec:
            text = QLabel(label)
            text.setToolTip(key)  # the configuration key, as in TOML files and --set
            binding.widget.setToolTip(key)
            binding.widget.setObjectName(key)
            forms[group].addRow(text, binding.widget)
            self.forms[key] = forms[group]
            self.bindings[key] = binding
            self.labels[key] = text
            binding.signal.connect(lambda *_, k=key: self._on_control_changed(k))
        self.advanced_keys = frozenset(key for group, key, _, _ in spec if group == "advanced")
        off_hint = self.tr("0 = off")
        self.labels["patience"].setToolTip(f"patience ({off_hint})")
        self._updating = False
        self._classroom_hidden: set[str] = set()  # rows a teacher hid
        self._inapplicable: set[str] = set()  # rows of keys the model family shown does not read
        self._label_texts = {
            False: {"depth": self.labels["depth"].text(), "width": self.labels["width"].text()},
            True: {"depth": self.tr("Depth (layers)"), "width": self.tr("Width (hidden size)")},
        }
        self._apply_family(Config())

    def set_hidden(self, keys: set[str]) -> None:
        """Classroom mode: hide the rows of `keys` (a teacher shows only the slider that matters)."""
        self._classroom_hidden = set(keys)
        self._show_rows()

    def _show_rows(self) -> None:
        hidden = self._classroom_hidden | self._inapplicable
        for key, form in self.forms.items():
            form.setRowVisible(self.bindings[key].widget, key not in hidden)

    def _apply_family(self, config: Config) -> None:
        """Show the controls `config`'s model family reads, grey out those it refuses, and bound
        depth as the engine does. Only ranges, states and texts change: no value is emitted."""
        model, recurrent = config.model, config.is_recurrent
        gated = model in (ModelFamily.LSTM, ModelFamily.GRU)
        self._inapplicable = {k for k, applies in (("seq_len", recurrent), ("forget_bias", model is ModelFamily.LSTM)) if not applies}
        self._show_rows()
        self._enable("activation", not gated, self.tr("LSTM and GRU keep their own gates (sigmoid and tanh): the activation "
                                                       "applies to an mlp and to the rnn (Elman) cell"))
        for key in ("batch_norm", "residual"):
            self._enable(key, not recurrent, self.tr("Only for an mlp: a recurrent net has no batch normalization or "
                                                     "residual connections here"))
        for key, text in self._label_texts[recurrent].items():
            self.labels[key].setText(text)
        depth = self.bindings["depth"].widget
        depth.blockSignals(True)  # a narrower range clamps the value: that is no edit
        try:
            depth.setRange(1, MAX_RECURRENT_DEPTH if recurrent else 100)
        finally:
            depth.blockSignals(False)
        init = self.bindings["init"].widget
        item = init.model().item(list(Init).index(Init.IDENTITY))
        item.setEnabled(model is ModelFamily.RNN)
        item.setToolTip("" if model is ModelFamily.RNN else self.tr("identity: only for the rnn (Elman) cell's recurrent weights"))

    def _enable(self, key: str, on: bool, why: str) -> None:
        """Enable a control, or grey it out saying why (its tooltip keeps the key's name first)."""
        for widget in (self.bindings[key].widget, self.labels[key]):
            widget.setEnabled(on)
            widget.setToolTip(key if on else f"{key}: {why}")

    def highlight(self, keys: list[str], ms: int = 4000) -> None:
        """Light up the labels of `keys` for a while, so that a learner sees what a preset or a
        lesson's fix moved."""
        for key in keys:
            self.labels[key].setStyleSheet("background:#ffe082; border-radius:3px;")
            if key in self.advanced_keys:
                self.advanced.expand(animate=False)
        QTimer.singleShot(ms, self, lambda: [self.labels[k].setStyleSheet("") for k in keys])

    def value(self, key: str) -> Any:
        return self.bindings[key].get()

    def set_config(self, config: Config) -> None:
        """Show `config` without emitting configEdited."""
        self._updating = True
        try:
            self._apply_family(config)
            for key, binding in self.bindings.items():
                binding.widget.blockSignals(True)
                try:
                    binding.set(getattr(config, key))
                finally:
                    binding.widget.blockSignals(False)
                if isinstance(binding.widget, LogSliderWidget):
                    binding.widget._update_label()
        finally:
            self._updating = False

    def _on_control_changed(self, key: str) -> None:
        if not self._updating:
            self.configEdited.emit(key, self.value(key))
