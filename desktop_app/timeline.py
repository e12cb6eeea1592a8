"""The replay timeline: scrub through a saved session; Play advances it."""

from __future__ import annotations

from qtpy.QtCore import Qt, QTimer, Signal
from qtpy.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSlider, QWidget


class ReplayTimeline(QWidget):
    stepChosen = Signal(int)  # the last step to show

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.title = QLabel()
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setObjectName("timeline")
        self.slider.setMinimum(1)
        self.step_label = QLabel()
        self.step_label.setMinimumWidth(110)
        self.play_button = QPushButton(self.tr("▶ Replay"))
        self.play_button.clicked.connect(self.toggle_play)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 2, 0, 2)
        layout.addWidget(self.title)
        layout.addWidget(self.play_button)
        layout.addWidget(self.slider, 1)
        layout.addWidget(self.step_label)
        # scrubbing re-draws at most ~20 times a second, and once more where the drag stops
        self.debounce = QTimer(self, singleShot=True, interval=50)
        self.debounce.timeout.connect(lambda: self.stepChosen.emit(self.slider.value()))
        self.slider.valueChanged.connect(self._on_slider_valueChanged)
        self.player = QTimer(self, interval=50)
        self.player.timeout.connect(self._on_player_timeout)

    def set_steps(self, n: int, name: str) -> None:
        self.player.stop()
        self.title.setText(self.tr("Replaying {0} (no training):").format(name))
        self.slider.blockSignals(True)
        self.slider.setMaximum(max(1, n))
        self.slider.setValue(max(1, n))
        self.slider.blockSignals(False)
        self._on_slider_valueChanged(self.slider.value())

    def toggle_play(self) -> None:
        if self.player.isActive():
            self.player.stop()
            self.play_button.setText(self.tr("▶ Replay"))
        else:
            if self.slider.value() >= self.slider.maximum():
                self.slider.setValue(1)
            self.player.start()
            self.play_button.setText(self.tr("❚❚ Pause"))

    def _on_player_timeout(self) -> None:
        step = min(self.slider.maximum(), self.slider.value() + max(1, self.slider.maximum() // 200))
        self.slider.setValue(step)
        if step >= self.slider.maximum():
            self.toggle_play()

    def _on_slider_valueChanged(self, value: int) -> None:
        self.step_label.setText(self.tr("step {0} / {1}").format(value, self.slider.maximum()))
        if not self.debounce.isActive():
            self.debounce.start()
