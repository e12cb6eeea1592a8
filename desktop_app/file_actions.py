"""The File menu's actions: configurations, sessions (record and replay) and exports.

Handed what they use: the run state, a parent for the dialogs and two ways to tell the learner
something (a warning, a passing note). Their texts keep the "MainWindow" translation context, in
which the translations of these menus' messages live."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from qtpy.QtCore import QCoreApplication
from qtpy.QtWidgets import QFileDialog, QWidget

from desktop_app.run_state import RunState
from engine import Config, ConfigError, SessionError, load_session, pytorch_snippet, record_run, save_session


class FileActions:
    def __init__(self, state: RunState, parent: QWidget, warn: Callable[[str], None], inform: Callable[[str, int], None]):
        self.state = state
        self.parent = parent
        self.warn = warn  # a problem the learner must see
        self.inform = inform  # a passing note (text, milliseconds)

    def save_session(self, path: str | None = None) -> bool:
        h = self.state.history
        if h is None or h.last_record is None:  # nothing recorded yet (h.records unpickles them all)
            self.warn(QCoreApplication.translate("MainWindow", "There is no run to save yet: press Play or Step first."))
            return False
        if not path:
            path, _ = QFileDialog.getSaveFileName(self.parent, QCoreApplication.translate("MainWindow", "Save session"), "run.vpsession", QCoreApplication.translate("MainWindow", "Sessions (*.vpsession)"))
        if not path:
            return False
        try:
            save_session(
                path, h.records, h.info.config, layer_names=h.info.layer_names, layer_sizes=h.info.layer_sizes, summary=h.summary,
                time_names=list(h.info.time_names) or None,  # a recurrent run's t_1..t_T, as the engine named them
            )
        except (SessionError, OSError) as exc:
            self.warn(str(exc))
            return False
        self.inform(QCoreApplication.translate("MainWindow", "Session saved to {0}").format(path), 5000)
        return True

    def open_session(self, path: str | None = None) -> bool:
        """Replay a saved run: no training, every view shows the step chosen on the timeline."""
        if not path:
            path, _ = QFileDialog.getOpenFileName(self.parent, QCoreApplication.translate("MainWindow", "Open session"), "", QCoreApplication.translate("MainWindow", "Sessions (*.vpsession)"))
        if not path:
            return False
        # the whole file is checked (load_session) and the replay built (open_replay) before any
        # of the window's state changes: a refused file leaves training, controls and timeline as
        # they were
        try:
            session = load_session(path)
            self.state.open_replay(session, Path(path).name)
        except (SessionError, ConfigError, ValueError) as exc:
            self.warn(QCoreApplication.translate("MainWindow", "Could not open {0}: {1}").format(Path(path).name, exc)
                      if not isinstance(exc, SessionError) else str(exc))
            return False
        return True

    def open_config(self, path: str | None = None) -> None:
        if not path:
            path, _ = QFileDialog.getOpenFileName(self.parent, QCoreApplication.translate("MainWindow", "Open configuration"), "", QCoreApplication.translate("MainWindow", "TOML files (*.toml)"))
        if not path:
            return
        try:
            config = Config.load(path)
        except ConfigError as exc:
            self.warn(str(exc))
            return
        self.state.cancel_compare()
        self.state.set_config(config)

    def save_config(self, path: str | None = None) -> None:
        if not path:
            path, _ = QFileDialog.getSaveFileName(self.parent, QCoreApplication.translate("MainWindow", "Save configuration"), "config.toml", QCoreApplication.translate("MainWindow", "TOML files (*.toml)"))
        if not path:
            return
        try:
            self.state.config.save(path)
        except OSError as exc:
            self.warn(QCoreApplication.translate("MainWindow", "Could not save {0}: {1}").format(path, exc))

    def export_png(self, widget: QWidget, default_name: str, path: str | None = None) -> bool:
        if not path:
            path, _ = QFileDialog.getSaveFileName(self.parent, QCoreApplication.translate("MainWindow", "Export PNG"), default_name, QCoreApplication.translate("MainWindow", "PNG images (*.png)"))
        if not path:
            return False
        ok = widget.grab().save(path, "PNG")
        if not ok:
            self.warn(QCoreApplication.translate("MainWindow", "Could not write {0}").format(path))
        return ok

    def export_csv(self, folder: str | None = None) -> bool:
        """The run's files as `vanishing-point run` writes them (config, metrics, gradients, summary)."""
        h = self.state.history
        if h is None or h.last_record is None:  # nothing recorded yet (h.records unpickles them all)
            self.warn(QCoreApplication.translate("MainWindow", "There is no run data to export yet: press Play or Step first."))
            return False
        if not folder:
            folder = QFileDialog.getExistingDirectory(self.parent, QCoreApplication.translate("MainWindow", "Export run data to folder"))
        if not folder:
            return False
        try:
            record_run(h.records, Path(folder), h.info.config, h.n_layers, h.summary)
        except OSError as exc:
            self.warn(QCoreApplication.translate("MainWindow", "Could not export to {0}: {1}").format(folder, exc))
            return False
        self.inform(QCoreApplication.translate("MainWindow", "Run data written to {0}").format(folder), 5000)
        return True

    def export_snippet(self, path: str | None = None) -> bool:
        if not path:
            path, _ = QFileDialog.getSaveFileName(self.parent, QCoreApplication.translate("MainWindow", "Export model as PyTorch code"), "model.py", QCoreApplication.translate("MainWindow", "Python files (*.py)"))
        if not path:
            return False
        try:
            Path(path).write_text(pytorch_snippet(self.state.config), encoding="utf-8")
        except OSError as exc:
            self.warn(QCoreApplication.translate("MainWindow", "Could not write {0}: {1}").format(path, exc))
            return False
        return True
