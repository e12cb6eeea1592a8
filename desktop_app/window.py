"""The main window: layout and menus. The run's state lives in RunState (desktop_app.run_state);
the window shows it (its views follow the state's signals) and hands the learner's actions to it,
to FileActions and to TeachingActions. It decides nothing about a run itself."""

from __future__ import annotations

import time

from qtpy.QtCore import QByteArray, QSettings, Qt, QTimer
from qtpy.QtGui import QAction, QKeySequence
from qtpy.QtWidgets import (
    QApplication,
    QComboBox,
    QDockWidget,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTabWidget,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from desktop_app import i18n
from desktop_app.controls import ControlPanel
from desktop_app.diagnosis_view import DiagnosisView
from desktop_app.file_actions import FileActions
from desktop_app.history import RunHistory
from desktop_app.lessons_view import LessonsPanel
from desktop_app.pacing import Pacer
from desktop_app.run_state import RunState
from desktop_app.teaching_actions import TeachingActions
from desktop_app.timeline import ReplayTimeline
from desktop_app.views.curves import ErrorCurvesView
from desktop_app.views.heatmap import GradientHeatmapView
from desktop_app.views.insight import InsightView
from engine import BAND_SEEDS, Config, ConfigError, diagnose, load_preset, preset_names

PAINT_HZ = 30  # views repaint at most this often, however fast the worker delivers (down to SLOWEST_HZ where time is short)
#: a frame's work is spread over turns of the event loop, a third of a frame apart: the heatmap,
#: the error curves, then one insight page (the pages shown take turns). Done in one go, a frame
#: with every view on screen held the GUI thread for 30-60 ms on a busy machine, and input and
#: the training process's batches waited for it.
TURNS = ("heatmap", "curves", "insight")
SLOWEST_HZ = 10  # where the GUI thread is short of time, views repaint down to this rate (desktop_app.pacing)
DIAGNOSIS_HZ = 4
SPEEDS = [1000.0, 300.0, 100.0, 30.0, 10.0]  # steps/s caps offered besides "max"
#: shown, untranslated on purpose, when the interface is Chinese and no font has Chinese
#: characters: a translation would itself be boxes
NO_FONT_MESSAGE = (
    "No Chinese font is installed, so Chinese text shows as empty boxes. Install one "
    "(Debian/Ubuntu: sudo apt install fonts-noto-cjk; Fedora: sudo dnf install google-noto-sans-cjk-fonts; "
    "Windows and macOS include one) and restart, or choose English in the Language menu."
)


class MainWindow(QMainWindow):
    def __init__(self, config: Config | None = None, settings: QSettings | None = None, language: str | None = None):
        super().__init__()
        self.setWindowTitle("Vanishing Point")
        self.settings = settings or QSettings("VanishingPoint", "VanishingPoint")
        self.language = language or i18n.chosen_language(self.settings)
        i18n.ensure_fonts()  # Chinese text needs a font that has it: the shipped one where none is installed
        i18n.install(QApplication.instance(), self.language)
        self.replacement: MainWindow | None = None  # the window that took over on a language switch
        self.state = RunState(config or self._saved_config() or Config(), self)
        self.steps_per_second = 0.0
        self._rate_steps, self._rate_time = 0, time.perf_counter()  # steps_received at the last rate reading

        self.controls = ControlPanel()
        self.controls.set_config(self.state.config)
        self.heatmap = GradientHeatmapView()
        self.curves = ErrorCurvesView()
        self.diagnosis = DiagnosisView()
        self.insight = InsightView()
        self.lessons = LessonsPanel(i18n.lesson_language(self.language))
        self.files = FileActions(self.state, self, self._warn, lambda text, ms: self.statusBar().showMessage(text, ms))
        self.teaching = TeachingActions(self, self.state, self.controls, self.settings, self._warn, (self.heatmap, self.curves))

        self._build_transport()
        self._build_layout()
        self._build_menus()
        self.teaching.presentation_action = self.presentation_action
        self._connect()

        self.paint_timer = QTimer(self, interval=1000 // (PAINT_HZ * len(TURNS)))
        self.paint_timer.timeout.connect(self._on_paint_timer_turn)
        self._turn = 0
        self.pacer = Pacer(self.paint_timer.interval(), 1000 / (SLOWEST_HZ * len(TURNS)))
        self.paint_timer.start()
        self.diagnosis_timer = QTimer(self, interval=1000 // DIAGNOSIS_HZ)
        self.diagnosis_timer.timeout.connect(self._on_diagnosis_timer_timeout)
        self.diagnosis_timer.start()
        self._restore_geometry()
        self._first_show = True

    # what tests and benchmarks read: the state's, shown here
    @property
    def config(self) -> Config:
        return self.state.config

    @property
    def history(self) -> RunHistory | None:
        return self.state.history

    @property
    def controller(self):
        return self.state.controller

    @property
    def restarts(self) -> int:
        return self.state.restarts

    def _connect(self) -> None:
        state = self.state
        self.controls.configEdited.connect(state.edit)
        self.timeline.stepChosen.connect(state.show_replay_step)
        self.heatmap.layerSelected.connect(self._on_heatmap_layerSelected)
        self.lessons.problemRequested.connect(self._on_lessons_problemRequested)
        self.lessons.fixRequested.connect(self._on_lessons_fixRequested)
        self.lessons.overlayRequested.connect(self._on_lessons_overlayRequested)
        state.configReplaced.connect(self._on_state_configReplaced)
        state.historyReplaced.connect(self._on_state_historyReplaced)
        state.statusChanged.connect(self._update_readout)
        state.runFinished.connect(self._on_diagnosis_timer_timeout)
        state.runFailed.connect(self._show_problem)  # the reason is in state.problem
        state.processEnded.connect(self._show_problem)
        state.busyChanged.connect(self._show_problem)
        state.replayOpened.connect(self._on_state_replayOpened)
        state.replayStepShown.connect(self._on_state_replayStepShown)
        state.pinnedChanged.connect(self._show_pinned)
        state.comparingChanged.connect(self._on_state_comparingChanged)
        state.editRefused.connect(self._warn)

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
        if self.isVisible() and self.state.controller.process is None:
            self.state.start_run(playing=False)

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
        # it follows the main heatmap's toggles: no room for two sets
        self.reference_heatmap = GradientHeatmapView(mirror=True)
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
        top = QWidget()
        top_column = QVBoxLayout(top)
        top_column.setContentsMargins(0, 0, 0, 0)
        top_column.addWidget(self.reference_label)
        top_column.addWidget(maps, 1)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(top)
        split.addWidget(self.curves)
        split.setStretchFactor(0, 5)  # the heatmap and the boundary are the pictures that teach
        split.setStretchFactor(1, 3)
        column.addWidget(split, 1)
        self.timeline = ReplayTimeline()
        self.timeline.hide()
        column.addWidget(self.timeline)
        column.addWidget(self._build_problem_bar())
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

    def _build_problem_bar(self) -> QWidget:
        """Why training stopped (the process was killed, a run could not be built), what was
        kept and what to do, with a restart: shown until the next run starts, never replaced by
        the diagnosis."""
        self.problem_bar = QWidget()
        self.problem_bar.setObjectName("problemBar")
        self.problem_bar.setStyleSheet("#problemBar { background: #fdecea; border: 1px solid #d9534f; border-radius: 3px; }")
        row = QHBoxLayout(self.problem_bar)
        row.setContentsMargins(6, 3, 6, 3)
        self.problem_label = QLabel()
        self.problem_label.setObjectName("problemLabel")
        self.problem_label.setWordWrap(True)
        self.restart_button = QPushButton(self.tr("Restart training"))
        self.restart_button.setObjectName("restartButton")
        self.restart_button.setToolTip(self.tr("A fresh run of the same configuration; the run so far stays pinned beside it"))
        self.restart_button.clicked.connect(lambda: self.state.restart())  # clicked(bool) would pass playing=False
        row.addWidget(self.problem_label, 1)
        row.addWidget(self.restart_button)
        self.problem_bar.hide()
        return self.problem_bar

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu(self.tr("&File"))
        self._add_action(file_menu, self.tr("&Open configuration…"), self.files.open_config, QKeySequence.StandardKey.Open)
        self._add_action(file_menu, self.tr("&Save configuration…"), self.files.save_config, QKeySequence.StandardKey.Save)
        file_menu.addSeparator()
        self._add_action(file_menu, self.tr("Save session (the run's whole history)…"), self.files.save_session, QKeySequence("Ctrl+Shift+S"))
        self._add_action(file_menu, self.tr("Open session to replay…"), self.files.open_session, QKeySequence("Ctrl+Shift+O"))
        file_menu.addSeparator()
        self._add_action(file_menu, self.tr("Export heatmap as PNG…"), lambda: self.files.export_png(self.heatmap, "heatmap.png"))
        self._add_action(file_menu, self.tr("Export curves as PNG…"), lambda: self.files.export_png(self.curves, "curves.png"))
        views_menu = file_menu.addMenu(self.tr("Export a view as PNG"))
        for name, (title, page) in self.insight.pages.items():
            self._add_action(views_menu, title, lambda _=False, p=page, n=name: self.files.export_png(p, f"{n}.png"))
        self._add_action(file_menu, self.tr("Export run data as CSV…"), self.files.export_csv, QKeySequence("Ctrl+E"))
        self._add_action(file_menu, self.tr("Export window as PNG…"), lambda: self.files.export_png(self, "vanishing-point.png"))
        self._add_action(file_menu, self.tr("Export model as PyTorch code…"), self.files.export_snippet)
        file_menu.addSeparator()
        self._add_action(file_menu, self.tr("&Quit"), self.close, QKeySequence.StandardKey.Quit)

        compare_menu = self.menuBar().addMenu(self.tr("&Compare"))
        self._add_action(compare_menu, self.tr("Pin this run"), self.teaching.pin, QKeySequence("Ctrl+Shift+P"))
        self._add_action(compare_menu, self.tr("Clear pinned runs"), self.teaching.clear_pinned)
        compare_menu.addSeparator()
        self._add_action(compare_menu, self.tr("Cross-validation and learning curve…"), self.teaching.open_study, QKeySequence("Ctrl+K"))

        self.presets_menu = self.menuBar().addMenu(self.tr("&Presets"))
        for name in preset_names():
            try:
                preset = load_preset(name)
                title = preset.title_zh if self.language.startswith("zh") else preset.title
            except ConfigError:
                title = name
            self._add_action(self.presets_menu, title, lambda _=False, n=name: self.state.apply_preset(n))

        view_menu = self.menuBar().addMenu(self.tr("&View"))
        view_menu.addAction(self.controls_dock.toggleViewAction())
        view_menu.addAction(self.lessons_dock.toggleViewAction())
        self.learned_action = self._add_action(view_menu, self.learned_title, lambda on: self.learned_page.setVisible(on))
        self.learned_action.setCheckable(True)
        self.learned_action.setChecked(True)
        for dock in self.insight_docks.values():
            view_menu.addAction(dock.toggleViewAction())
        self._add_action(view_menu, self.tr("Full screen"), self._toggle_full_screen, QKeySequence.StandardKey.FullScreen)
        self.presentation_action = self._add_action(view_menu, self.tr("Presentation mode"), self.teaching.toggle_presentation, QKeySequence(Qt.Key.Key_F5))
        self.presentation_action.setCheckable(True)
        self.band_action = self._add_action(view_menu, self.tr("Seed band: train {0} seeds at once").format(BAND_SEEDS), self._on_band_action_triggered)
        self.band_action.setCheckable(True)
        self.band_action.setStatusTip(self.tr(
            "Trains the configuration at {0} seeds together: the curves and the heatmap show their median, the "
            "shading the range of the seeds. Is an effect the rule, or one seed's luck?").format(BAND_SEEDS))
        self._add_action(view_menu, self.tr("Classroom: choose the controls to show…"), self.teaching.choose_classroom_controls)

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

    # --- transport: the toolbar's actions, handed to the state --------------------------------
    def toggle_play(self) -> None:
        if self.state.replay is not None:
            self.timeline.toggle_play()  # a replayed session plays on its timeline
        else:
            self.state.toggle_play()

    def play(self) -> None:
        if not self.state.playing:
            self.toggle_play()

    def pause(self) -> None:
        self.state.pause()

    def step_once(self) -> None:
        self.state.step_once()

    def reset(self) -> None:
        self.state.reset()


    def _on_speed_currentIndexChanged(self, index: int) -> None:
        self.state.set_rate(self.speed.itemData(index))

    def switch_language(self, language: str) -> None:
        """Rebuild the window in `language` with the same configuration, layout and lesson."""
        if language == self.language:
            return
        self.settings.setValue("language", language)
        lesson = self.lessons.current.id if self.lessons.current else None
        replacement = MainWindow(self.state.config, settings=self.settings, language=language)
        replacement.restoreGeometry(self.saveGeometry())
        replacement.restoreState(self.saveState())
        replacement.setProperty("quiet", self.property("quiet"))
        self.replacement = replacement
        self.close()
        replacement.show()
        if self.state.seeds != 1:  # the seed band stays on
            replacement.band_action.setChecked(True)
            replacement.state.set_seeds(self.state.seeds)
        if lesson:
            replacement.lessons.select(lesson, load=False)

    # --- the learner's choices in the side panels ---------------------------------------------
    def _on_heatmap_layerSelected(self, layer: int) -> None:
        self.insight.set_layer(layer)
        self.heatmap.set_focus(layer)

    def _on_lessons_problemRequested(self, preset: str) -> None:
        self.statusBar().clearMessage()  # the previous lesson's "changed ..." no longer applies
        self.state.apply_preset(preset, playing=True)

    def _on_lessons_fixRequested(self, preset: str, label: str) -> None:
        changed = self.state.apply_preset(preset, playing=True)
        if changed:
            names = ", ".join(self.controls.labels[k].text() for k in changed)
            self.statusBar().showMessage(self.tr("{0}: changed {1}").format(label, names), 8000)

    def _on_lessons_overlayRequested(self, presets: list[str]) -> None:
        if self.state.comparing:
            self.state.cancel_compare()
        else:
            self.state.compare(presets)

    # --- showing the state -------------------------------------------------------------------
    def _on_state_configReplaced(self, config: Config, changed: list[str]) -> None:
        self.controls.set_config(config)
        if changed:
            self.controls.highlight(changed)
        if self.state.comparing:
            done, total = self.state.compare_position
            self.statusBar().showMessage(self.tr("Overlaying all: run {0} of {1}").format(done, total))

    def _on_state_historyReplaced(self, history: RunHistory | None) -> None:
        self._show_problem()
        if history is not None:
            self.lessons.set_band(history.seeds)
        if self.state.replay is None:
            self.timeline.hide()
        for view in (self.heatmap, self.curves, self.insight):
            view.set_history(history)
        if history is None:
            self.diagnosis.show_findings([], self.tr("Building the network…"))
        else:
            info = history.info
            self.heatmap.set_theory(info.predicted_chi, info.predicted_time_slope)  # the engine's, for this run
            self.diagnosis.show_findings([])
            self._show_pinned()
        self._rate_steps, self._rate_time = self.state.steps_received, time.perf_counter()
        self._update_readout()


    def _show_problem(self, *_: object) -> None:
        """The message that stays until the next run: what happened, what was kept, what to do."""
        problem = self.state.problem
        if problem is None and self.state.busy:
            self.problem_label.setText(self.tr(
                "The training process has been computing for {0} s without finishing a step. A very large "
                "network can take this long; if it never finishes, Restart training ends it and starts the "
                "same configuration again (the steps recorded so far stay pinned beside it)."
            ).format(int(self.state.busy)))
            self.problem_bar.show()
            return
        if problem is None:
            self.problem_bar.hide()
            return
        kind, detail = problem
        kept = self.state.history is not None and self.state.history.last_record is not None
        if kind == "ended":
            text = self.tr("The training process stopped unexpectedly ({0}); the system may have run out of memory.").format(detail)
        elif kind == "stalled":
            reason, seconds = detail.split()
            if reason == "stopped":
                text = self.tr("The training process was stopped (SIGSTOP, or a debugger) and sent nothing for {0} s, so it was ended.").format(seconds)
            else:
                text = self.tr("The training process stopped answering: it sent nothing for {0} s while building the network or training, so it was ended.").format(seconds)
        elif kept:
            text = self.tr("Training stopped with an error: {0}").format(detail)
        else:
            text = self.tr("The network could not be built: {0}").format(detail)
        if kept:
            text += " " + self.tr("The {0} steps recorded are kept: File > Save session keeps them in a file. "
                                   "Restart training starts the same configuration again.").format(self.state.history.n)
        elif kind == "stalled":
            text += " " + self.tr("Restart training tries the same configuration again.")
        else:
            text += " " + self.tr("Restart training tries the same configuration again; a smaller network needs less memory.")
        self.problem_label.setText(text)
        self.problem_bar.show()
        if self.state.history is None:
            self.diagnosis.show_findings([], self.tr("Training stopped."))
        self._update_readout()

    def _on_state_replayOpened(self, steps: int, name: str) -> None:
        self.timeline.set_steps(steps, name)
        self.timeline.show()

    def _on_state_replayStepShown(self) -> None:
        self._on_paint_timer_timeout()
        self._on_diagnosis_timer_timeout()
        self._update_readout()

    def _on_state_comparingChanged(self, on: bool) -> None:
        self.lessons.set_overlaying(on)
        if not on:
            self.statusBar().clearMessage()

    def _show_pinned(self) -> None:
        """The pinned runs: their curves over the current ones, the latest one's heatmap beside."""
        state = self.state
        labels = state.pinned_labels()
        self.curves.set_pinned(state.pinned, labels)
        ref = state.reference
        if ref is None:
            self.reference_heatmap.set_history(None)
            self.reference_heatmap.hide()
            self.reference_label.hide()
            return
        if self.reference_heatmap.history is not ref:
            self.reference_heatmap.set_history(ref)
        self.reference_heatmap.refresh()
        # the run on screen pinned: its heatmap beside itself would only repeat it
        self.reference_heatmap.setVisible(ref is not state.history)
        diff = ref.info.config.diff(state.config)
        if ref is state.history and len(state.pinned) == 1:
            text = self.tr("This run is pinned: change a setting, and its heatmap shows beside the new run's, its curves dashed.")
        elif ref is state.history:
            text = self.tr("{0} runs pinned (dashed curves, named below the plot).").format(len(state.pinned))
        elif len(state.pinned) > 1:
            text = self.tr("{0} runs pinned (dashed curves, named below the plot); the heatmap on the right is the last one: {1}").format(
                len(state.pinned), labels[-1]
            )
        elif diff:
            changes = "; ".join(f"{key} {old} → {new}" for key, (old, new) in diff.items())
            text = self.tr("Reference (right, dashed curves) differs in: {0}").format(changes)
        else:
            text = self.tr("Reference pinned (right, dashed curves): change a setting to compare.")
        self.reference_label.setText(text)
        self.reference_label.show()

    # --- painting ----------------------------------------------------------------------------
    def _on_paint_timer_turn(self) -> None:
        """One turn of the paint timer: one part of a frame (TURNS), at the pace the machine allows."""
        interval = self.pacer.tick()
        if interval is not None:
            self.paint_timer.setInterval(round(interval))
        self._paint(TURNS[self._turn], most=1)
        self._turn = (self._turn + 1) % len(TURNS)

    def _on_paint_timer_timeout(self) -> None:
        """A whole frame at once: every view that moved repaints (a replay step, a screenshot)."""
        for part in TURNS:
            self._paint(part, most=None)

    def _paint(self, part: str, most: int | None) -> None:
        if part == "heatmap":
            self.heatmap.refresh()
        elif part == "curves":
            self.curves.refresh()  # the pinned runs' curves too
        else:
            shown = {name for name, dock in self.insight_docks.items() if dock.isVisible() and not dock.visibleRegion().isEmpty()}
            if self.learned_page.isVisible():
                shown.add("learned")
            if shown:
                self.insight.refresh(shown, most=most)
            self._measure_rate()

    def _measure_rate(self) -> None:
        now = time.perf_counter()
        if now - self._rate_time >= 0.5:
            self.steps_per_second = (self.state.steps_received - self._rate_steps) / (now - self._rate_time)
            self._rate_steps, self._rate_time = self.state.steps_received, now
            self._update_readout()

    def _on_diagnosis_timer_timeout(self) -> None:
        h = self.state.history
        if self.state.problem is not None and h is None:
            return  # "Training stopped" stays
        if h is None or h.last_record is None:
            return
        best = h.best_eval if h.early_stopping else None
        self.diagnosis.show_findings(diagnose(h.last_record, h.last_eval, best, config=h.info.config))

    def _update_readout(self) -> None:
        h = self.state.history
        playing = self.state.playing
        step = h.n if h else 0
        total = self.state.config.steps
        if self.state.problem is not None:
            status = self.tr("stopped")
        elif h is None:
            status = self.tr("building")
        elif h.last_record is None:
            status = self.tr("ready")
        else:
            status = {
                "running": self.tr("training") if playing else self.tr("paused"),
                "completed": self.tr("completed"),
                "diverged": self.tr("diverged"),
                "early_stopped": self.tr("early stopped"),
            }.get(h.last_record.status.value, h.last_record.status.value)
        rate = self.steps_per_second if playing else 0.0
        if h is not None and h.seeds:
            status += self.tr(", median of {0} seeds").format(len(h.seeds))
        self.readout.setText(self.tr("  step {0} / {1}    {2} steps/s    {3}").format(step, total, f"{rate:,.0f}", status))
        self.play_action.setText(self.tr("❚❚ Pause") if playing else self.tr("▶ Play"))

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

    def _on_band_action_triggered(self, on: bool) -> None:
        self.state.set_seeds(BAND_SEEDS if on else 1)

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
            self.resizeDocks([self.controls_dock, self.lessons_dock], [300, 260], Qt.Orientation.Horizontal)

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        self.paint_timer.stop()
        self.diagnosis_timer.stop()
        self.teaching.close()
        self.state.shutdown(1.0)
        self.settings.setValue("geometry", self.saveGeometry())
        self.settings.setValue("windowState", self.saveState())
        self.settings.setValue("config", self.state.config.to_toml())
        self.settings.sync()
        super().closeEvent(event)
