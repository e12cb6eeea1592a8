"""The window's teaching tools: compare with a pinned reference, cross-validation and learning
curves, presentation mode and the classroom option. A mixin of MainWindow."""

from __future__ import annotations

from qtpy.QtCore import QCoreApplication
from qtpy.QtWidgets import QApplication


class TeachingMixin:
    # mixins translate in MainWindow's context: Qt looks texts up under the instance's class
    def open_study(self) -> None:
        from desktop_app.study_dialog import StudyDialog

        configs = [(QCoreApplication.translate("MainWindow", "current"), self.config)]
        if self.reference is not None:
            configs.append((QCoreApplication.translate("MainWindow", "reference"), self.reference.info.config))
        self.study = StudyDialog(configs, self)
        self.study.show()

    def pin_reference(self) -> None:
        """Keep the current run beside the next ones: its curves dashed, its heatmap beside."""
        if self.history is None or self.history.last_record is None:
            self._warn(QCoreApplication.translate("MainWindow", "There is no run to pin yet: press Play or Step first."))
            return
        self.reference = self.history
        self.reference_heatmap.set_history(self.reference)
        self.reference_heatmap.refresh()
        self.reference_heatmap.show()
        self._update_reference()

    def clear_reference(self) -> None:
        self.reference = None
        self.reference_heatmap.set_history(None)
        self.reference_heatmap.hide()
        self._update_reference()

    def _update_reference(self) -> None:
        ref = self.reference
        self.curves.set_reference(ref)
        if ref is None:
            self.reference_label.hide()
            return
        diff = ref.info.config.diff(self.config)
        if diff:
            changes = "; ".join(f"{key} {old} → {new}" for key, (old, new) in diff.items())
            text = QCoreApplication.translate("MainWindow", "Reference (right, dashed curves) differs in: {0}").format(changes)
        else:
            text = QCoreApplication.translate("MainWindow", "Reference pinned (right, dashed curves): change a setting to compare.")
        self.reference_label.setText(text)
        self.reference_label.show()

    def toggle_presentation(self) -> None:
        """Full screen with larger text, for a class watching a projector."""
        on = not self.property("presenting")
        self.setProperty("presenting", on)
        self.presentation_action.setChecked(on)
        app = QApplication.instance()
        if on:
            self._normal_font = app.font()
            big = app.font()
            big.setPointSizeF(big.pointSizeF() * 1.5)
            app.setFont(big)
            self.showFullScreen()
        else:
            app.setFont(self._normal_font)
            self.showNormal()
        for view in (self.heatmap, self.curves):
            view.set_tick_font(app.font())

    def choose_classroom_controls(self) -> None:
        from desktop_app.classroom import ClassroomDialog

        dialog = ClassroomDialog(self.controls, self.classroom_hidden, self)
        if dialog.exec():
            self.set_classroom_hidden(dialog.hidden())

    def set_classroom_hidden(self, keys: set[str]) -> None:
        self.classroom_hidden = set(keys)
        self.controls.set_hidden(self.classroom_hidden)
        self.settings.setValue("classroomHidden", sorted(self.classroom_hidden))
