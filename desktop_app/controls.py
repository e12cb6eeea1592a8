"""The control panel: one widget per engine configuration key, grouped as a learner thinks.

The panel only edits values: it emits `configEdited(key, value)` and the window decides whether
that is a live change or a rebuild. Combo boxes are built from the engine's Enums, so a new
activation or init in the engine appears here without a change.
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

from engine import Activation, Config, Dataset, Device, Init, Optimizer


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

    def __init__(self, low: float, high: float, off_label: str | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self._off_label = off_label
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
        v = self.value()
        self.label.setText(self._off_label if (v == 0 and self._off_label) else format_number(v))

    def _on_slider_valueChanged(self, _x: float) -> None:
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


def _log_slider(low: float, high: float, off_label: str | None = None) -> _Binding:
    w = LogSliderWidget(low, high, off_label)
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
            ("data", "n_train", self.tr("Training points"), _int_slider(10, 2000)),
            ("data", "noise", self.tr("Noise"), _float_slider(0.0, 1.0)),
            ("data", "label_noise", self.tr("Flipped labels"), _float_slider(0.0, 0.5)),
            ("network", "depth", self.tr("Depth (hidden layers)"), _int_slider(1, 100)),
            ("network", "width", self.tr("Width (units)"), _int_slider(1, 512)),
            ("network", "activation", self.tr("Activation"), _enum(Activation)),
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

    def set_hidden(self, keys: set[str]) -> None:
        """Classroom mode: hide the rows of `keys` (a teacher shows only the slider that matters)."""
        for key, form in self.forms.items():
            form.setRowVisible(self.bindings[key].widget, key not in keys)

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
