"""The main window: controls, transport, heatmap, curves and diagnosis, wired to the worker."""

from __future__ import annotations

import time
from typing import Any

from qtpy.QtCore import QByteArray, QSettings, Qt, QTimer, Signal
from qtpy.QtGui import QAction, QKeySequence
from qtpy.QtWidgets import (
    QApplication,
    QComboBox,
    QDockWidget,
    QLabel,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QTabWidget,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from desktop_app import i18n
from desktop_app.controls import ControlPanel
from desktop_app.diagnosis_view import DiagnosisView
from desktop_app.history import RunHistory
from desktop_app.lessons_view import LessonsPanel
from desktop_app.timeline import ReplayTimeline
from desktop_app.views.curves import ErrorCurvesView
from desktop_app.views.heatmap import GradientHeatmapView
from desktop_app.views.insight import InsightView
from desktop_app.window_files import FilesMixin
from desktop_app.window_teaching import TeachingMixin
from desktop_app.worker import TrainingController
from engine.config import LIVE_KEYS, Config, ConfigError
from engine.presets import load_preset, preset_names
from engine.results import FINISHED
from engine.service import Batch
from engine.theory import predicted_chi

PAINT_HZ = 30  # views repaint at this rate, however fast the worker delivers
DIAGNOSIS_HZ = 4
RESTART_DEBOUNCE_MS = 300  # a slider drag of structural keys restarts once, after it settles
SPEEDS = [1000.0, 300.0, 100.0, 30.0, 10.0]  # steps/s caps offered besides "max"
#: shown, untranslated on purpose, when the interface is Chinese and no font has Chinese
#: characters: a translation would itself be boxes
NO_FONT_MESSAGE = (
    "No Chinese font is installed, so Chinese text shows as empty boxes. Install one "
    "(Debian/Ubuntu: sudo apt install fonts-noto-cjk; Fedora: sudo dnf install google-noto-sans-cjk-fonts; "
    "Windows and macOS include one) and restart, or choose English in the Language menu."
)


class MainWindow(FilesMixin, TeachingMixin, QMainWindow):
    runStarted = Signal()  # a fresh run (after a rebuild or reset) is ready
    runFinished = Signal(str)  # the run ended: completed, diverged or early_stopped

    def __init__(self, config: Config | None = None, settings: QSettings | None = None, language: str | None = None):
        super().__init__()
        self.setWindowTitle("Vanishing Point")
        self.settings = settings or QSettings("VanishingPoint", "VanishingPoint")
        self.language = language or i18n.chosen_language(self.settings)
        i18n.ensure_fonts()  # Chinese text needs a font that has it: the shipped one where none is installed
        i18n.install(QApplication.instance(), self.language)
        self.replacement: MainWindow | None = None  # the window that took over on a language switch
        self.config = config or self._saved_config() or Config()
        self.history: RunHistory | None = None
        self.reference: RunHistory | None = None  # a pinned run, shown beside the current one
        self.replay = None  # (Session, RunInfo) while a saved session is shown
        self.restarts = 0  # runs built so far (tests and the status line read it)
        self._rate_steps = 0
        self._rate_time = time.perf_counter()
        self.steps_per_second = 0.0

        self.controller = TrainingController(self)
        self.controller.batchArrived.connect(self._on_controller_batchArrived)
        self.controller.runReplaced.connect(self._on_controller_runReplaced)
        self.controller.runFailed.connect(self._on_controller_runFailed)

        self.controls = ControlPanel()
        self.controls.set_config(self.config)
        self.controls.configEdited.connect(self._on_controls_configEdited)
        hidden = self.settings.value("classroomHidden", []) or []
        self.classroom_hidden = {hidden} if isinstance(hidden, str) else set(hidden)  # one key reads back as a str
        self.controls.set_hidden(self.classroom_hidden)
        self.heatmap = GradientHeatmapView()
        self.curves = ErrorCurvesView()
        self.diagnosis = DiagnosisView()
        self.insight = InsightView()
        self.heatmap.layerSelected.connect(self._on_heatmap_layerSelected)
        self.lessons = LessonsPanel(i18n.lesson_language(self.language))
        self.lessons.problemRequested.connect(self._on_lessons_problemRequested)
        self.lessons.fixRequested.connect(self._on_lessons_fixRequested)

        self._build_transport()
        self._build_layout()
        self._build_menus()

        self.restart_timer = QTimer(self, singleShot=True, interval=RESTART_DEBOUNCE_MS)
        self.restart_timer.timeout.connect(self.start_run)  # structural edits, once they settle
        self.paint_timer = QTimer(self, interval=1000 // PAINT_HZ)
        self.paint_timer.timeout.connect(self._on_paint_timer_timeout)
        self.paint_timer.start()
        self.diagnosis_timer = QTimer(self, interval=1000 // DIAGNOSIS_HZ)
        self.diagnosis_timer.timeout.connect(self._on_diagnosis_timer_timeout)
        self.diagnosis_timer.start()
        self._restore_geometry()
        self._first_show = True

    def showEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        if self._first_show:
            # the training process starts once the window is on screen, so that its start-up
            # (an interpreter and torch) never delays the window
            self._first_show = False
            QTimer.singleShot(30, self._start_first_run)
            if i18n.missing_font(self.language):
                self._warn(NO_FONT_MESSAGE)

    def _start_first_run(self) -> None:
        if self.isVisible() and self.controller.config is None:
            self.start_run(playing=False)

    # --- layout ------------------------------------------------------------------------------
    def _build_transport(self) -> None:
        bar = QToolBar(self.tr("Transport"))
        bar.setObjectName("transport")
        bar.setMovable(False)
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.play_action = QAction(self.tr("▶ Play"), self, shortcut=QKeySequence(Qt.Key.Key_Space))
        self.play_action.setToolTip(self.tr("Play / pause training (Space)"))
        self.play_action.triggered.connect(self.toggle_play)
        self.step_action = QAction(self.tr("Step"), self, shortcut=QKeySequence(Qt.Key.Key_S))
        self.step_action.setToolTip(self.tr("One training step (S)"))
        self.step_action.triggered.connect(self.step_once)
        self.reset_action = QAction(self.tr("Reset"), self, shortcut=QKeySequence(Qt.Key.Key_R))
        self.reset_action.setToolTip(self.tr("Fresh weights, same seed (R)"))
        self.reset_action.triggered.connect(self.reset)
        for action in (self.play_action, self.step_action, self.reset_action):
            bar.addAction(action)
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        bar.addSeparator()
        bar.addWidget(QLabel(self.tr(" Speed ")))
        self.speed = QComboBox()
        self.speed.setObjectName("speed")
        self.speed.addItem(self.tr("max"), 0.0)
        for rate in SPEEDS:
            self.speed.addItem(self.tr("{0}/s").format(f"{rate:g}"), rate)
        self.speed.currentIndexChanged.connect(self._on_speed_currentIndexChanged)
        bar.addWidget(self.speed)
        bar.addSeparator()
        self.readout = QLabel()
        self.readout.setObjectName("readout")
        self.readout.setFixedWidth(self.readout.fontMetrics().horizontalAdvance("0" * 64))  # no re-layout as it ticks
        bar.addWidget(self.readout)
        self.addToolBar(bar)

    def _build_layout(self) -> None:
        center = QWidget()
        column = QVBoxLayout(center)
        column.setContentsMargins(6, 6, 6, 6)
        self.reference_heatmap = GradientHeatmapView()
        self.reference_heatmap.setObjectName("referenceHeatmap")
        self.reference_heatmap.hide()
        self.heatmap.modeChanged.connect(self.reference_heatmap.signal_button.setChecked)
        self.heatmap.relativeChanged.connect(self.reference_heatmap.set_relative)
        self.reference_label = QLabel()
        self.reference_label.setObjectName("referenceLabel")
        self.reference_label.setWordWrap(True)
        self.reference_label.hide()
        maps = QSplitter(Qt.Orientation.Horizontal)
        maps.setChildrenCollapsible(False)
        maps.addWidget(self.heatmap)
        maps.addWidget(self.reference_heatmap)
        # what the network learned (the decision boundary or the fitted curve) is the picture
        # that convinces: beside the heatmap, square, not behind a tab
        self.learned_title, self.learned_page = self.insight.pages["learned"]
        self.learned_page.setObjectName("learnedPage")
        maps.addWidget(self.learned_page)
        maps.setStretchFactor(0, 3)
        maps.setStretchFactor(1, 3)
        maps.setStretchFactor(2, 2)
        self.maps = maps
        top = QWidget()
        top_column = QVBoxLayout(top)
        top_column.setContentsMargins(0, 0, 0, 0)
        top_column.addWidget(self.reference_label)
        top_column.addWidget(maps, 1)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(top)
        split.addWidget(self.curves)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        column.addWidget(split, 1)
        self.timeline = ReplayTimeline()
        self.timeline.stepChosen.connect(self._on_timeline_stepChosen)
        self.timeline.hide()
        column.addWidget(self.timeline)
        column.addWidget(self.diagnosis)
        self.setCentralWidget(center)
        self.controls_dock = QDockWidget(self.tr("Controls"), self)
        self.controls_dock.setObjectName("controlsDock")
        self.controls_dock.setWidget(self.controls)
        self.controls_dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable | QDockWidget.DockWidgetFeature.DockWidgetFloatable)
        self.controls.setMinimumWidth(300)
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.controls_dock)
        self.lessons_dock = QDockWidget(self.tr("Lessons"), self)
        self.lessons_dock.setObjectName("lessonsDock")
        self.lessons_dock.setWidget(self.lessons)
        self.lessons.setMinimumWidth(240)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.lessons_dock)
        # each other insight page is a dock of its own: tabbed with the lessons at first, and free
        # to be dragged anywhere; the arrangement persists with the window state. The tabs run
        # down the side, where their names fit whole however narrow the column is.
        self.setTabPosition(Qt.DockWidgetArea.RightDockWidgetArea, QTabWidget.TabPosition.East)
        self.insight_docks: dict[str, QDockWidget] = {}
        for name, (title, page) in self.insight.pages.items():
            if name == "learned":
                continue
            dock = QDockWidget(title, self)
            dock.setObjectName(f"{name}Dock")
            dock.setWidget(page)
            self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
            self.tabifyDockWidget(self.lessons_dock, dock)
            self.insight_docks[name] = dock
        self.lessons_dock.raise_()

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu(self.tr("&File"))
        self._add_action(file_menu, self.tr("&Open configuration…"), self.open_config, QKeySequence.StandardKey.Open)
        self._add_action(file_menu, self.tr("&Save configuration…"), self.save_config, QKeySequence.StandardKey.Save)
        file_menu.addSeparator()
        self._add_action(file_menu, self.tr("Save session (the run's whole history)…"), self.save_session, QKeySequence("Ctrl+Shift+S"))
        self._add_action(file_menu, self.tr("Open session to replay…"), self.open_session, QKeySequence("Ctrl+Shift+O"))
        file_menu.addSeparator()
        self._add_action(file_menu, self.tr("Export heatmap as PNG…"), lambda: self.export_png(self.heatmap, "heatmap.png"))
        self._add_action(file_menu, self.tr("Export curves as PNG…"), lambda: self.export_png(self.curves, "curves.png"))
        views_menu = file_menu.addMenu(self.tr("Export a view as PNG"))
        for name, (title, page) in self.insight.pages.items():
            self._add_action(views_menu, title, lambda _=False, p=page, n=name: self.export_png(p, f"{n}.png"))
        self._add_action(file_menu, self.tr("Export run data as CSV…"), self.export_csv, QKeySequence("Ctrl+E"))
        self._add_action(file_menu, self.tr("Export window as PNG…"), lambda: self.export_png(self, "vanishing-point.png"))
        self._add_action(file_menu, self.tr("Export model as PyTorch code…"), self.export_snippet)
        file_menu.addSeparator()
        self._add_action(file_menu, self.tr("&Quit"), self.close, QKeySequence.StandardKey.Quit)

        compare_menu = self.menuBar().addMenu(self.tr("&Compare"))
        self._add_action(compare_menu, self.tr("Pin this run as the reference"), self.pin_reference, QKeySequence("Ctrl+Shift+P"))
        self._add_action(compare_menu, self.tr("Clear the reference"), self.clear_reference)
        compare_menu.addSeparator()
        self._add_action(compare_menu, self.tr("Cross-validation and learning curve…"), self.open_study, QKeySequence("Ctrl+K"))

        self.presets_menu = self.menuBar().addMenu(self.tr("&Presets"))
        for name in preset_names():
            try:
                preset = load_preset(name)
                title = preset.title_zh if self.language.startswith("zh") else preset.title
            except ConfigError:
                title = name
            self._add_action(self.presets_menu, title, lambda _=False, n=name: self.apply_preset(n))

        view_menu = self.menuBar().addMenu(self.tr("&View"))
        view_menu.addAction(self.controls_dock.toggleViewAction())
        view_menu.addAction(self.lessons_dock.toggleViewAction())
        self.learned_action = self._add_action(view_menu, self.learned_title, lambda on: self.learned_page.setVisible(on))
        self.learned_action.setCheckable(True)
        self.learned_action.setChecked(True)
        for dock in self.insight_docks.values():
            view_menu.addAction(dock.toggleViewAction())
        self._add_action(view_menu, self.tr("Full screen"), self._toggle_full_screen, QKeySequence.StandardKey.FullScreen)
        self.presentation_action = self._add_action(view_menu, self.tr("Presentation mode"), self.toggle_presentation, QKeySequence(Qt.Key.Key_F5))
        self.presentation_action.setCheckable(True)
        self._add_action(view_menu, self.tr("Classroom: choose the controls to show…"), self.choose_classroom_controls)

        language_menu = self.menuBar().addMenu(self.tr("&Language"))
        for code, name in i18n.LANGUAGES.items():
            action = self._add_action(language_menu, name, lambda _=False, c=code: self.switch_language(c))
            action.setCheckable(True)
            action.setChecked(code == self.language)

        help_menu = self.menuBar().addMenu(self.tr("&Help"))
        self._add_action(help_menu, self.tr("&About Vanishing Point"), self._show_about)

    def _add_action(self, menu, text: str, slot, shortcut=None) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(shortcut)
        action.triggered.connect(slot)
        menu.addAction(action)
        return action

    # --- runs --------------------------------------------------------------------------------
    def start_run(self, playing: bool | None = None) -> None:
        """Build a fresh run of the current configuration (same seed: same data and weights)."""
        self.replay = None
        self.timeline.hide()
        self.restart_timer.stop()
        self.history = None
        self.heatmap.set_history(None)
        self.curves.set_history(None)
        self.insight.set_history(None)
        self.diagnosis.show_findings([], self.tr("Building the network…"))
        self.controller.start(self.config, playing=playing)
        self._update_readout()

    def _on_controller_runReplaced(self, info) -> None:
        self.restarts += 1
        self.history = RunHistory(info)
        self.heatmap.set_history(self.history)
        self.heatmap.set_theory(predicted_chi(info.config, info.data.n_inputs))
        self.curves.set_history(self.history)
        self.insight.set_history(self.history)
        if self.reference is not None:
            self.reference_heatmap.refresh()
            self._update_reference()
        self.diagnosis.show_findings([])
        self._rate_steps, self._rate_time = 0, time.perf_counter()
        self._update_readout()
        self.runStarted.emit()

    def _on_controller_runFailed(self, message: str) -> None:
        self.controller.playing = False
        self.diagnosis.show_findings([], self.tr("The network could not be built: {0}").format(message))
        self._update_readout()

    def _on_controller_batchArrived(self, batch: Batch) -> None:
        if self.history is None or self.replay is not None:
            return
        self.history.append(batch.records)  # only appends: the timers repaint
        self.history.summary = batch.summary
        if batch.prediction is not None:
            self.history.prediction = batch.prediction
            self.history.predictions += 1
        self._rate_steps += len(batch.records)
        last = self.history.last_record
        if last is not None and last.status in FINISHED and batch.records:
            self._on_diagnosis_timer_timeout()
            self.runFinished.emit(last.status.value)
        if not batch.playing:
            self._update_readout()

    def toggle_play(self) -> None:
        if self.replay is not None:
            self.timeline.toggle_play()
            return
        if self.controller.playing:
            self.controller.pause()
        elif self.history is not None and self.history.last_record is not None and self.history.last_record.status in FINISHED:
            self.start_run(playing=True)  # Play on a finished run starts it again
        else:
            self.controller.play()
        self._update_readout()

    def play(self) -> None:
        if not self.controller.playing:
            self.toggle_play()

    def pause(self) -> None:
        self.controller.pause()
        self._update_readout()

    def step_once(self) -> None:
        self.controller.step(1)

    def reset(self) -> None:
        self.start_run()

    def set_config(self, config: Config, playing: bool | None = None) -> None:
        """Show and start `config` (a preset, a lesson, an opened file)."""
        self.config = config
        self.controls.set_config(config)
        self.start_run(playing=playing)

    def apply_preset(self, name: str, playing: bool | None = None) -> list[str]:
        """Load a preset; the controls it changed light up. Returns the changed keys."""
        try:
            config = load_preset(name).apply()
        except ConfigError as exc:
            self._warn(str(exc))
            return []
        changed = list(self.config.diff(config))
        self.set_config(config, playing=playing)
        self.controls.highlight(changed)
        return changed

    def _on_heatmap_layerSelected(self, layer: int) -> None:
        self.insight.set_layer(layer)
        self.heatmap.set_focus(layer)

    def _on_lessons_problemRequested(self, preset: str) -> None:
        self.apply_preset(preset, playing=True)

    def _on_lessons_fixRequested(self, preset: str, label: str) -> None:
        changed = self.apply_preset(preset, playing=True)
        if changed:
            names = ", ".join(self.controls.labels[k].text() for k in changed)
            self.statusBar().showMessage(self.tr("{0}: changed {1}").format(label, names), 8000)

    def switch_language(self, language: str) -> None:
        """Rebuild the window in `language` with the same configuration, layout and lesson."""
        if language == self.language:
            return
        self.settings.setValue("language", language)
        lesson = self.lessons.current.id if self.lessons.current else None
        replacement = MainWindow(self.config, settings=self.settings, language=language)
        replacement.restoreGeometry(self.saveGeometry())
        replacement.restoreState(self.saveState())
        replacement.setProperty("quiet", self.property("quiet"))
        self.replacement = replacement
        self.close()
        replacement.show()
        if lesson:
            replacement.lessons.select(lesson, load=False)

    # --- edits -------------------------------------------------------------------------------
    def _on_controls_configEdited(self, key: str, value: Any) -> None:
        try:
            candidate = self.config.replace(**{key: value})
        except ConfigError as exc:
            self._warn(str(exc))
            self.controls.set_config(self.config)
            return
        if key in LIVE_KEYS:
            self.config = candidate
            try:
                self.controller.set_live(**{key: value})
            except ConfigError as exc:
                self._warn(str(exc))
            return
        # structural: the network or the data changes; rebuild once the edits settle
        self.config = candidate
        self.restart_timer.start()

    def _on_speed_currentIndexChanged(self, index: int) -> None:
        self.controller.set_rate(self.speed.itemData(index))

    # --- painting ----------------------------------------------------------------------------
    def _on_paint_timer_timeout(self) -> None:
        self.heatmap.refresh()
        self.curves.refresh()
        if self.reference is not None and self.reference is self.history:  # pinned, still training
            self.reference_heatmap.refresh()
            self.curves.set_reference(self.reference)
        shown = {name for name, dock in self.insight_docks.items() if dock.isVisible() and not dock.visibleRegion().isEmpty()}
        if self.learned_page.isVisible():
            shown.add("learned")
        if shown:
            self.insight.refresh(shown)
        now = time.perf_counter()
        if now - self._rate_time >= 0.5:
            self.steps_per_second = self._rate_steps / (now - self._rate_time)
            self._rate_steps, self._rate_time = 0, now
            self._update_readout()

    def _on_diagnosis_timer_timeout(self) -> None:
        h = self.history
        if h is None or h.last_record is None:
            return
        from engine.diagnosis import diagnose

        best = None
        if h.best_step is not None and h.early_stopping:
            best = next((r.evaluation for r in reversed(h.records) if r.step == h.best_step and r.evaluation), None)
        self.diagnosis.show_findings(diagnose(h.last_record, h.last_eval, best, config=h.info.config))

    def _update_readout(self) -> None:
        h = self.history
        step = h.n if h else 0
        total = self.config.steps
        if h is None:
            status = self.tr("building")
        elif h.last_record is None:
            status = self.tr("ready")
        else:
            status = {
                "running": self.tr("training") if self.controller.playing else self.tr("paused"),
                "completed": self.tr("completed"),
                "diverged": self.tr("diverged"),
                "early_stopped": self.tr("early stopped"),
            }.get(h.last_record.status.value, h.last_record.status.value)
        rate = self.steps_per_second if self.controller.playing else 0.0
        self.readout.setText(self.tr("  step {0} / {1}    {2} steps/s    {3}").format(step, total, f"{rate:,.0f}", status))
        self.play_action.setText(self.tr("❚❚ Pause") if self.controller.playing else self.tr("▶ Play"))

    def _warn(self, message: str) -> None:
        self.statusBar().showMessage(message, 10000)
        if not self.property("quiet"):
            box = QMessageBox(QMessageBox.Icon.Warning, self.tr("Vanishing Point"), message, parent=self)
            box.setWindowModality(Qt.WindowModality.WindowModal)
            box.show()

    def _show_about(self) -> None:
        QMessageBox.about(
            self,
            self.tr("About Vanishing Point"),
            self.tr(
                "Vanishing Point trains a real PyTorch network and shows every layer's gradient.\n\n"
                "Sources: Glorot & Bengio (2010), Understanding the difficulty of training deep feedforward "
                "neural networks; He et al. (2015), Delving deep into rectifiers; Ioffe & Szegedy (2015), Batch "
                "normalization; He et al. (2016), Deep residual learning; Pascanu et al. (2013), On the difficulty "
                "of training recurrent neural networks (gradient clipping); Poole et al. (2016), Exponential "
                "expressivity in deep neural networks through transient chaos, and Schoenholz et al. (2017), Deep "
                "information propagation (the mean-field theory of the signal view)."
            ),
        )

    def _toggle_full_screen(self) -> None:
        self.showNormal() if self.isFullScreen() else self.showFullScreen()

    # --- persistence -------------------------------------------------------------------------
    def _saved_config(self) -> Config | None:
        text = self.settings.value("config")
        if not text:
            return None
        try:
            return Config.from_toml(str(text), source="the last session's configuration")
        except ConfigError:
            return None  # a configuration from another version: start from the defaults

    def _restore_geometry(self) -> None:
        geometry = self.settings.value("geometry")
        state = self.settings.value("windowState")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        else:
            self.resize(1360, 860)
        if isinstance(state, QByteArray):
            self.restoreState(state)
        else:  # the side columns as narrow as they read well: the plots take the rest
            self.resizeDocks([self.controls_dock, self.lessons_dock], [320, 300], Qt.Orientation.Horizontal)

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        self.paint_timer.stop()
        self.diagnosis_timer.stop()
        self.restart_timer.stop()
        if getattr(self, "study", None) is not None:
            self.study.close()
        self.controller.shutdown(1.0)
        self.settings.setValue("geometry", self.saveGeometry())
        self.settings.setValue("windowState", self.saveState())
        self.settings.setValue("config", self.config.to_toml())
        self.settings.sync()
        super().closeEvent(event)
