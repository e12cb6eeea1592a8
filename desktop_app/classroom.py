"""Classroom option: a teacher ticks the controls the class should see."""

from __future__ import annotations

from qtpy.QtWidgets import QCheckBox, QDialog, QDialogButtonBox, QGridLayout, QLabel, QVBoxLayout, QWidget

from desktop_app.controls import ControlPanel


class ClassroomDialog(QDialog):
    def __init__(self, controls: ControlPanel, hidden: set[str], parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(self.tr("Classroom: controls to show"))
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(self.tr("Untick the controls to hide; training is unchanged. Show all again here.")))
        grid = QGridLayout()
        self.boxes: dict[str, QCheckBox] = {}
        for i, (key, label) in enumerate(controls.labels.items()):
            box = QCheckBox(label.text())
            box.setToolTip(key)
            box.setChecked(key not in hidden)
            grid.addWidget(box, i % 13, i // 13)
            self.boxes[key] = box
        layout.addLayout(grid)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def hidden(self) -> set[str]:
        return {key for key, box in self.boxes.items() if not box.isChecked()}
