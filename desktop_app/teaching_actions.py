"""The teaching tools: pin runs to compare, cross-validation and learning curves, presentation
mode and the classroom option.

Handed what they use: the window (a parent, and full screen for presentation), the run state,
the controls and the settings. Texts that were the window's keep its translation context, in
which their translations live."""

from __future__ import annotations

from collections.abc import Callable

from qtpy.QtCore import QCoreApplication, QSettings
from qtpy.QtGui import QAction
from qtpy.QtWidgets import QApplication, QMainWindow, QWidget

from desktop_app.controls import ControlPanel
from desktop_app.run_state import RunState


class TeachingActions:
    def __init__(
        self, window: QMainWindow, state: RunState, controls: ControlPanel, settings: QSettings,
        warn: Callable[[str], None], tick_views: tuple[QWidget, ...] = (),
    ):
        self.window = window
        self.state = state
        self.controls = controls
        self.settings = settings
        self.warn = warn
        self.tick_views = tick_views  # views whose tick labels follow the presentation font
        self.presentation_action: QAction | None = None  # checked while presenting (the window's menu)
        self.study = None  # the cross-validation dialog, once opened
        self._normal_font = None
        hidden = settings.value("classroomHidden", []) or []
        self.classroom_hidden: set[str] = {hidden} if isinstance(hidden, str) else set(hidden)  # one key reads back as a str
        controls.set_hidden(self.classroom_hidden)

    def pin(self) -> bool:
        """Keep the current run beside the next ones: its curves dashed, its heatmap beside."""
        if not self.state.pin():
            self.warn(QCoreApplication.translate("MainWindow", "There is no run to pin yet: press Play or Step first."))
            return False
        return True

    def clear_pinned(self) -> None:
        self.state.clear_pinned()

    def open_study(self) -> None:
        from desktop_app.study_dialog import StudyDialog

        configs = [(QCoreApplication.translate("MainWindow", "current"), self.state.config)]
        if self.state.reference is not None:
            configs.append((QCoreApplication.translate("MainWindow", "reference"), self.state.reference.info.config))
        self.study = StudyDialog(configs, self.window)
        self.study.show()

    def close(self) -> None:
        if self.study is not None:
            self.study.close()

    def toggle_presentation(self) -> None:
        """Full screen with larger text, for a class watching a projector."""
        window = self.window
        on = not window.property("presenting")
        window.setProperty("presenting", on)
        if self.presentation_action is not None:
            self.presentation_action.setChecked(on)
        app = QApplication.instance()
        if on:
            self._normal_font = app.font()
            big = app.font()
            big.setPointSizeF(big.pointSizeF() * 1.5)
            app.setFont(big)
            window.showFullScreen()
        else:
            app.setFont(self._normal_font)
            window.showNormal()
        for view in self.tick_views:
            view.set_tick_font(app.font())

    def choose_classroom_controls(self) -> None:
        from desktop_app.classroom import ClassroomDialog

        dialog = ClassroomDialog(self.controls, self.classroom_hidden, self.window)
        if dialog.exec():
            self.set_classroom_hidden(dialog.hidden())

    def set_classroom_hidden(self, keys: set[str]) -> None:
        self.classroom_hidden = set(keys)
        self.controls.set_hidden(self.classroom_hidden)
        self.settings.setValue("classroomHidden", sorted(self.classroom_hidden))
