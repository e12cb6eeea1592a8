"""The window's file operations: configurations, sessions (record and replay) and exports.

A mixin of MainWindow, kept apart so that each file reads as one responsibility."""

from __future__ import annotations

from pathlib import Path

from qtpy.QtCore import QCoreApplication
from qtpy.QtWidgets import QFileDialog, QWidget

from desktop_app.history import RunHistory
from engine.config import Config, ConfigError


class FilesMixin:
    # mixins translate in MainWindow's context: Qt looks texts up under the instance's class
    def save_session(self, path: str | None = None) -> bool:
        h = self.history
        if h is None or not h.records:
            self._warn(QCoreApplication.translate("MainWindow", "There is no run to save yet: press Play or Step first."))
            return False
        if not path:
            path, _ = QFileDialog.getSaveFileName(self, QCoreApplication.translate("MainWindow", "Save session"), "run.vpsession", QCoreApplication.translate("MainWindow", "Sessions (*.vpsession)"))
        if not path:
            return False
        from engine.session import SessionError, save_session

        try:
            save_session(path, h.records, h.info.config, layer_names=h.info.layer_names, layer_sizes=h.info.layer_sizes, summary=h.summary)
        except (SessionError, OSError) as exc:
            self._warn(str(exc))
            return False
        self.statusBar().showMessage(QCoreApplication.translate("MainWindow", "Session saved to {0}").format(path), 5000)
        return True

    def open_session(self, path: str | None = None) -> bool:
        """Replay a saved run: no training, every view shows the step chosen on the timeline."""
        if not path:
            path, _ = QFileDialog.getOpenFileName(self, QCoreApplication.translate("MainWindow", "Open session"), "", QCoreApplication.translate("MainWindow", "Sessions (*.vpsession)"))
        if not path:
            return False
        from engine.data import make_data
        from engine.results import Metrics
        from engine.service import RunInfo
        from engine.session import SessionError, load_session

        try:
            session = load_session(path)
        except SessionError as exc:
            self._warn(str(exc))
            return False
        self.controller.pause()
        self.restart_timer.stop()
        self.config = session.config
        self.controls.set_config(session.config)
        info = RunInfo(
            -1, session.config, session.layer_names, session.layer_sizes, "replay", make_data(session.config),
            Metrics.from_summary(session.summary),
        )
        self.replay = (session, info)
        self.timeline.set_steps(len(session.records), Path(path).name)
        self.timeline.show()
        self._on_timeline_stepChosen(len(session.records))
        return True

    def _on_timeline_stepChosen(self, step: int) -> None:
        if self.replay is None:
            return
        session, info = self.replay
        history = self.history
        if history is not None and history.info is info and step >= history.n:
            history.append(session.records[history.n : step])  # playing forward: only the new steps
        else:  # a new session, or back in time
            history = RunHistory(info)
            history.append(session.records[:step])
            history.summary = session.summary
            self.history = history
            for view in (self.heatmap, self.curves, self.insight):
                view.set_history(history)
        self._on_paint_timer_timeout()
        self._on_diagnosis_timer_timeout()
        self._update_readout()

    def open_config(self, path: str | None = None) -> None:
        if not path:
            path, _ = QFileDialog.getOpenFileName(self, QCoreApplication.translate("MainWindow", "Open configuration"), "", QCoreApplication.translate("MainWindow", "TOML files (*.toml)"))
        if not path:
            return
        try:
            config = Config.load(path)
        except ConfigError as exc:
            self._warn(str(exc))
            return
        self.set_config(config)

    def save_config(self, path: str | None = None) -> None:
        if not path:
            path, _ = QFileDialog.getSaveFileName(self, QCoreApplication.translate("MainWindow", "Save configuration"), "config.toml", QCoreApplication.translate("MainWindow", "TOML files (*.toml)"))
        if not path:
            return
        try:
            self.config.save(path)
        except OSError as exc:
            self._warn(QCoreApplication.translate("MainWindow", "Could not save {0}: {1}").format(path, exc))

    def export_png(self, widget: QWidget, default_name: str, path: str | None = None) -> bool:
        if not path:
            path, _ = QFileDialog.getSaveFileName(self, QCoreApplication.translate("MainWindow", "Export PNG"), default_name, QCoreApplication.translate("MainWindow", "PNG images (*.png)"))
        if not path:
            return False
        ok = widget.grab().save(path, "PNG")
        if not ok:
            self._warn(QCoreApplication.translate("MainWindow", "Could not write {0}").format(path))
        return ok

    def export_csv(self, folder: str | None = None) -> bool:
        """The run's files as `vanishing-point run` writes them (config, metrics, gradients, summary)."""
        h = self.history
        if h is None or not h.records:
            self._warn(QCoreApplication.translate("MainWindow", "There is no run data to export yet: press Play or Step first."))
            return False
        if not folder:
            folder = QFileDialog.getExistingDirectory(self, QCoreApplication.translate("MainWindow", "Export run data to folder"))
        if not folder:
            return False
        from engine.record import record_run

        try:
            record_run(h.records, Path(folder), h.info.config, h.n_layers, h.summary)
        except OSError as exc:
            self._warn(QCoreApplication.translate("MainWindow", "Could not export to {0}: {1}").format(folder, exc))
            return False
        self.statusBar().showMessage(QCoreApplication.translate("MainWindow", "Run data written to {0}").format(folder), 5000)
        return True

    def export_snippet(self, path: str | None = None) -> bool:
        from engine.snippet import pytorch_snippet

        if not path:
            path, _ = QFileDialog.getSaveFileName(self, QCoreApplication.translate("MainWindow", "Export model as PyTorch code"), "model.py", QCoreApplication.translate("MainWindow", "Python files (*.py)"))
        if not path:
            return False
        try:
            Path(path).write_text(pytorch_snippet(self.config), encoding="utf-8")
        except OSError as exc:
            self._warn(QCoreApplication.translate("MainWindow", "Could not write {0}: {1}").format(path, exc))
            return False
        return True
