"""The status and diagnosis line: the engine's findings in plain words."""

from __future__ import annotations

import math

from qtpy.QtCore import Qt
from qtpy.QtWidgets import QLabel, QVBoxLayout, QWidget

from desktop_app.style import superscript
from desktop_app.views.heatmap import format_value

_STYLE = {
    "error": "background:#fde2e1; color:#8a1c13; border:1px solid #e8a29c;",
    "warning": "background:#fff4d6; color:#6b4e00; border:1px solid #ebd08a;",
    "info": "background:#e8f4ea; color:#1e5128; border:1px solid #a9d3b2;",
}


#: findings shown at once, most important first (the engine sorts them)
MAX_SHOWN = 3
MIN_LINES = 3  # the label's height before any finding needs more


class DiagnosisView(QWidget):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setTextFormat(Qt.TextFormat.RichText)
        self.label.setObjectName("diagnosis")
        # a fixed height: new numbers every few frames must not re-lay-out (and repaint) the
        # window. It grows when a text needs more lines, and shrinks back only for a new run or a
        # new width, so that it does not jump as the numbers change.
        self.label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.label)
        self._min_height = self.label.fontMetrics().lineSpacing() * MIN_LINES + 14
        self.label.setFixedHeight(self._min_height)
        self.show_findings([])

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        if event.oldSize().width() != event.size().width():
            self._fit_height(shrink=True)

    def _fit_height(self, shrink: bool = False) -> None:
        """Make the label tall enough for its whole text at its current width."""
        width = self.label.width()
        if width <= 0:
            return
        needed = max(self._min_height, self.label.heightForWidth(width))
        current = self.label.height()
        if needed > current or (shrink and needed < current):
            self.label.setFixedHeight(needed)

    def share(self, ratio: float) -> str:
        """A ratio of two gradients in words that read before "that at layer N": "2.4 times",
        "40% of", "10⁻⁸ of"."""
        if ratio >= 1000:
            return self.tr("{0} times").format("10" + superscript(math.floor(math.log10(ratio))))
        if ratio > 1:
            return self.tr("{0} times").format(f"{float(f'{ratio:.2g}'):g}")
        if ratio >= 0.01:
            return self.tr("{0} of").format(_percent(ratio))
        return self.tr("{0} of").format("10" + superscript(math.floor(math.log10(ratio))) if ratio > 0 else "0")

    def sentence(self, finding) -> str:
        p = finding.params
        code = finding.code
        if code == "diverged":
            where = self.tr(" (first in layer {0})").format(p["layer"]) if p.get("layer") else ""
            return self.tr(
                "Gradients exploded at step {0}{1}: the loss or a gradient is no longer a finite number. "
                "Training is paused. Try a lower learning rate, gradient clipping, a smaller init gain, or batch normalization."
            ).format(p["step"], where)
        if code == "early_stopped":
            return self.tr(
                "Early stopping ended the run at step {0}; the best validation error, {1}, was at step {2}."
            ).format(p["step"], format_value(p["best_val_error"]), p["best_step"])
        if code == "huge_gradient":
            return self.tr("Exploding gradients: the gradient of layer {0} has reached 10{1}.").format(
                p["layer"], superscript(p["exponent"])
            )
        if code == "no_gradient":  # layers 1..upto get exactly 0; dead_layer: the dead layer that cuts them off
            upto, dead = p.get("upto", 1), p.get("dead_layer")
            if dead is not None:
                return self.tr(
                    "Layers 1–{0} receive no gradient at all: every unit of layer {1} is dead, so it passes no "
                    "gradient down and only zeros up."
                ).format(upto, dead) if upto > 1 else self.tr(
                    "Layer 1 receives no gradient at all: every unit of layer {0} is dead, so it passes no gradient down."
                ).format(dead)
            if upto > 1:
                return self.tr(
                    "Layers 1–{0} receive no gradient at all: their units cannot learn (all-zero weights or dead units)."
                ).format(upto)
            return self.tr(
                "Layer 1 receives no gradient at all: its units cannot learn (all-zero weights or dead units)."
            )
        if p.get("axis") == "time":  # a recurrent net: from the last step back to the first
            return self._through_time(code, p)
        if code in ("vanishing", "exploding", "healthy"):
            share = self.share(p["ratio"])
            if code == "vanishing":
                return self.tr(
                    "Vanishing gradients: the gradient ∂L/∂s that reaches layer 1 is {0} that at layer {1}, "
                    "the output layer; the first layers barely learn."
                ).format(share, p["last"])
            if code == "exploding":
                return self.tr(
                    "Exploding gradients: the gradient ∂L/∂s that reaches layer 1 is {0} that at layer {1}, the output layer."
                ).format(share, p["last"])
            return self.tr(
                "Gradients reach every layer: ∂L/∂s at layer 1 is {0} that at layer {1}, the output layer."
            ).format(share, p["last"])
        if code == "dead":
            return self.tr("{0} of hidden units are dead (layer {1}: {2}); they pass no gradient.").format(
                _percent(p["share"]), p["layer"], _percent(p["layer_share"])
            )
        if code == "saturated":
            return self.tr("{0} of hidden activations sit in the flat part of the activation (layer {1}: {2}).").format(
                _percent(p["share"]), p["layer"], _percent(p["layer_share"])
            )
        # an error rate reads as the lessons write it, 36%; a regression's error is an MSE
        error = format_value if p.get("regression") else _error_percent
        if code == "clipped":
            return self.tr(
                "Clipping scales this step's gradient down from a global norm of {0} to {1}: training stays stable, "
                "but the large gradients it treats are still there."
            ).format(format_value(p["norm"]), format_value(p["clipped"]))
        if code == "fitted":
            return self.tr(
                "The network fits its training data (training error {0}, validation error {1}): small gradients "
                "now mean that little is left to learn."
            ).format(error(p["train_error"]), error(p["val_error"]))
        if code == "overfitting":
            return self.tr("Overfitting: validation error {0} is well above training error {1}.").format(
                error(p["val_error"]), error(p["train_error"])
            )
        if code == "underfitting":
            if p.get("label_noise"):
                return self.tr(
                    "Underfitting: training error is still {0}, well above the {1} of flipped labels; "
                    "the network cannot fit the data yet."
                ).format(error(p["train_error"]), _percent(p["label_noise"]))
            return self.tr("Underfitting: training error is still {0}; the network cannot fit the data yet.").format(
                error(p["train_error"])
            )
        return code

    def _through_time(self, code: str, p: dict) -> str:
        """A recurrent net's gradient flow: the share of ∂L/∂h_T that reaches h_1, `distance`
        (T − 1) steps back."""
        if code == "vanishing_time" and p["ratio"] == 0:
            return self.tr("Vanishing through time: no gradient at all reaches back {0} steps to the first step; the "
                           "network cannot learn what the sequence's start holds.").format(p["distance"])
        share = self.share(p["ratio"])
        if code == "vanishing_time":
            return self.tr("Vanishing through time: the gradient from {0} steps back is {1} the last step's; the "
                           "network can hardly learn what the sequence's start holds.").format(p["distance"], share)
        if code == "exploding_time":
            return self.tr("Exploding through time: the gradient from {0} steps back is {1} the last step's.").format(
                p["distance"], share
            )
        return self.tr("The gradient reaches back through time: from {0} steps back it is {1} the last step's.").format(
            p["distance"], share
        )

    def show_findings(self, findings: list, status: str | None = None) -> None:
        if not findings:
            text = status or self.tr("Press Play (Space) to train; move a slider and watch every layer's gradient.")
            self.label.setStyleSheet("padding:6px; border-radius:4px; background:#f3f3f3; color:#333;")
            self.label.setText(text)
            if self.label.height() != self._min_height:  # a new run: back to the resting height
                self.label.setFixedHeight(self._min_height)
            self._fit_height()
            return
        worst = findings[0].severity
        style = f"padding:6px; border-radius:4px; {_STYLE[worst]}"
        if self.label.styleSheet() != style:  # a style sheet change re-polishes the widget
            self.label.setStyleSheet(style)
        text = "<br>".join(self.sentence(f) for f in findings[:MAX_SHOWN])
        if self.label.text() != text:
            self.label.setText(text)
            self._fit_height()


def _error_percent(x: float) -> str:
    """An error rate as a percentage with up to one decimal: 0.363 -> 36.3%, 0.03 -> 3%."""
    return f"{100 * x:.1f}".rstrip("0").rstrip(".") + "%"


def _percent(x: float) -> str:
    return f"{100 * x:.0f}%"
