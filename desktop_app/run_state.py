"""The run's state, in one owner: the configuration, the current run's history, the pinned runs,
a replayed session and the training process. It makes each decision once (a live change or a
rebuild) and tells the window what changed through signals; it shows nothing itself (napari's
ViewerModel, with the window as its QtViewer).

A value travels one way: a control's edit arrives in `edit`, is validated once (Config.replace),
becomes `config`, and a live key goes on to the training process at most every LIVE_THROTTLE_MS
(the last value wins); a structural key rebuilds the run once the edits settle. A model (or a data
set of the other kind) brings the keys that must move with it (desktop_app.family_switch) in the
same one validation and rebuild.
"""

from __future__ import annotations

from typing import Any

from qtpy.QtCore import QObject, QTimer, Signal

from desktop_app.family_switch import FamilySwitch
from desktop_app.history import RunHistory
from desktop_app.worker import TrainingController
from engine import FINISHED, LIVE_KEYS, Batch, Config, ConfigError, RunInfo, Session, load_preset

RESTART_DEBOUNCE_MS = 300  # a drag of a structural key rebuilds once, after it settles
LIVE_THROTTLE_MS = 50  # a drag of a live key sends at most this often, and its last value
MAX_PINNED = 6  # pinned runs kept; pinning one more lets the oldest go
LABEL_KEYS = 3  # a pinned run's label names at most this many of its distinguishing settings


class RunState(QObject):
    configReplaced = Signal(object, list)  # Config shown anew (a preset, a file, a refused edit); keys it changed
    historyReplaced = Signal(object)  # the RunHistory the views show now; None while a run is built
    runStarted = Signal()  # a fresh run (after a rebuild or reset) is ready
    runFinished = Signal(str)  # the run ended: completed, diverged or early_stopped
    runFailed = Signal(str)  # the run could not be built, or a step raised: the engine's message
    processEnded = Signal(str)  # the training process ended unexpectedly (killed, crashed): how
    statusChanged = Signal()  # playing, paused or stopped changed: the readout follows
    replayOpened = Signal(int, str)  # a saved session's steps and name: the timeline shows them
    replayStepShown = Signal()  # the replayed history moved to another step
    pinnedChanged = Signal()  # a run was pinned, or the pinned runs were cleared
    comparingChanged = Signal(bool)  # the compare queue started or ended
    editRefused = Signal(str)  # an edit or a preset was not valid: the engine's message
    busyChanged = Signal(float)  # the training process has computed this many seconds without answering (0: it answered)

    def __init__(self, config: Config, parent: QObject | None = None):
        super().__init__(parent)
        self.config = config  # the one validated copy of the settings the window shows
        self.history: RunHistory | None = None  # the run the views show (trained or replayed)
        self.pinned: list[RunHistory] = []  # runs kept beside the current one, oldest first
        self.replay: tuple[Session, RunInfo] | None = None  # while a saved session is shown
        self.restarts = 0  # runs built so far
        self.steps_received = 0  # steps arrived from the engine, ever: the window's rate readout
        self._pending_live: dict[str, Any] = {}  # validated live values not sent yet
        self.families = FamilySwitch()  # each model family's settings, for moving between them
        self._queue: list[Config] | None = None  # compare queue: configurations still to run
        self._queue_size = 0
        # why training stopped, until the next run starts: ("failed", the engine's message),
        # ("ended", how the process ended) or ("stalled", "stopped 5" or "blocked 5": it stopped
        # answering, for that many seconds, and was ended). The window shows it until then, with a restart.
        self.problem: tuple[str, str] | None = None
        self._was_playing = False  # whether it trained when it stopped: a restart plays on
        self.seeds = 1  # > 1: each run is a seed band of that many seeds (engine.band), shown as its median

        self.controller = TrainingController(self)
        self.controller.batchArrived.connect(self._on_controller_batchArrived)
        self.controller.runReplaced.connect(self._on_controller_runReplaced)
        self.controller.runFailed.connect(self._on_controller_runFailed)
        self.controller.processEnded.connect(self._on_controller_processEnded)
        self.controller.processStalled.connect(self._on_controller_processStalled)
        self.controller.processBusy.connect(self.busyChanged)
        self.restart_timer = QTimer(self, singleShot=True, interval=RESTART_DEBOUNCE_MS)
        self.restart_timer.timeout.connect(self.start_run)
        self.live_timer = QTimer(self, singleShot=True, interval=LIVE_THROTTLE_MS)
        self.live_timer.timeout.connect(self._on_live_timer_timeout)

    # --- the learner's edits -----------------------------------------------------------------
    def edit(self, key: str, value: Any) -> bool:
        """One control moved: validate once, then a live change or a rebuild. False if refused
        (the controls are shown the configuration again). A model, or a data set of the other
        family, moves the keys that go with it too: the controls show them, highlighted."""
        self.cancel_compare()
        changes = self.families.changes(self.config, key, value)
        old = self.config
        try:
            self.config = self.config.replace(**changes)
        except ConfigError as exc:
            self.editRefused.emit(str(exc))
            self.configReplaced.emit(self.config, [])
            return False
        if key == "model" or len(changes) > 1:  # the controls that apply to a family change with it
            self.families.left(old, self.config)
            self.configReplaced.emit(self.config, [k for k in changes if k != key])
        if key in LIVE_KEYS:
            if self.restart_timer.isActive() or self.replay is not None:
                return True  # the next run is built with it
            self._pending_live[key] = getattr(self.config, key)  # as validated (and coerced)
            if not self.live_timer.isActive():  # throttle: the first now, then every interval
                self._on_live_timer_timeout()
        else:  # structural (or a rebuild is due anyway): rebuild once the edits settle
            self.restart_timer.start()
        return True

    def _on_live_timer_timeout(self) -> None:
        if self._pending_live:
            self.controller.set_live(self._pending_live)
            self._pending_live = {}
            self.live_timer.start()

    def apply_preset(self, name: str, playing: bool | None = None) -> list[str]:
        """Load a preset (a learner's choice: stops a compare queue). Returns the changed keys."""
        self.cancel_compare()
        try:
            config = load_preset(name).apply()
        except ConfigError as exc:
            self.editRefused.emit(str(exc))
            return []
        return self.set_config(config, playing)

    def set_config(self, config: Config, playing: bool | None = None) -> list[str]:
        """Show and start `config` (a preset, a lesson, an opened file). Returns the changed keys."""
        changed = list(self.config.diff(config))
        self.families.left(self.config, config)  # an mlp left for a recurrent preset comes back as it was
        self.config = config
        self.configReplaced.emit(config, changed)
        self.start_run(playing)
        return changed

    # --- the run -----------------------------------------------------------------------------
    def start_run(self, playing: bool | None = None) -> None:
        """Build a fresh run of the current configuration (same seed: same data and weights)."""
        self.replay = None
        self.problem = None
        self.restart_timer.stop()
        self.live_timer.stop()
        self._pending_live = {}  # the new run is built with them
        self.history = None
        self.historyReplaced.emit(None)
        self.controller.start(self.config, playing=playing, seeds=self.seeds)
        self.statusChanged.emit()

    @property
    def busy(self) -> float:
        """Seconds the training process has computed without answering, past the controller's
        limit (a very long step, or stuck): the window offers a restart. 0 when it answers."""
        return self.controller.busy

    @property
    def playing(self) -> bool:
        return self.controller.playing

    @property
    def finished(self) -> bool:
        h = self.history
        return h is not None and h.last_record is not None and h.last_record.status in FINISHED

    def toggle_play(self) -> None:
        """Play or pause training (a replayed session plays on the window's timeline instead)."""
        self.cancel_compare()
        if self.replay is not None:
            return
        if self.problem is not None:  # Play after a crash: a fresh run of the same configuration
            self.restart(playing=True)
            return
        if self.controller.playing:
            self.controller.pause()
        elif self.finished:
            self.start_run(playing=True)  # Play on a finished run starts it again
            return
        else:
            self.controller.play()
        self.statusChanged.emit()

    def pause(self) -> None:
        self.cancel_compare()
        self.controller.pause()
        self.statusChanged.emit()

    def step_once(self) -> None:
        self.cancel_compare()
        self.controller.step(1)

    def reset(self) -> None:
        self.cancel_compare()
        self.start_run()

    def restart(self, playing: bool | None = None) -> None:
        """After the training process ended or a run failed: a fresh run of the same
        configuration (a new process where the old one has gone), playing if it was. The run
        recorded so far is pinned first, so that its curves and heatmap stay in view beside the
        new one (File > Save session saves the current run: save before restarting to keep it
        in a file)."""
        if playing is None:
            playing = self._was_playing if self.problem is not None else self.playing
        h = self.history
        if h is not None and h.last_record is not None and self.replay is None:
            self.pin()
        self.start_run(playing=playing)

    def set_seeds(self, seeds: int) -> None:
        """Train each run at `seeds` seeds at once (a seed band; 1: one run): the current run is
        replaced by one so trained, playing if it was."""
        if seeds != self.seeds:
            self.cancel_compare()  # the compared runs would be part bands, part single runs
            self.seeds = seeds
            if self.replay is None:
                self.start_run(playing=self.playing)

    def set_rate(self, steps_per_second: float) -> None:
        self.controller.set_rate(steps_per_second)

    def _on_controller_runReplaced(self, info: RunInfo) -> None:
        if self.replay is not None:  # a build that answered after a session was opened: stale
            return
        self.restarts += 1
        self.history = RunHistory(info)
        self.historyReplaced.emit(self.history)
        self.statusChanged.emit()
        self.runStarted.emit()

    def _on_controller_runFailed(self, message: str) -> None:
        if self.replay is not None:
            return
        self.cancel_compare()
        self._was_playing = False
        self.problem = ("failed", message)
        self.statusChanged.emit()
        self.runFailed.emit(message)

    def _on_controller_processEnded(self, how: str, playing: bool, kind: str = "ended") -> None:
        """The training process is gone: what it recorded stays (the history, a session save);
        the window says so until a restart."""
        self.cancel_compare()
        self._was_playing = playing
        self.restart_timer.stop()
        self.live_timer.stop()
        self.problem = (kind, how)
        self.statusChanged.emit()
        self.processEnded.emit(how)

    def _on_controller_processStalled(self, reason: str, seconds: float, playing: bool) -> None:
        """The training process stopped answering (stopped, or blocked) and was ended: as one
        that died, with the reason, "stopped" or "blocked", and how long it was silent."""
        self._on_controller_processEnded(f"{reason} {seconds:.0f}", playing, kind="stalled")

    def _on_controller_batchArrived(self, batch: Batch) -> None:
        h = self.history
        if h is None or self.replay is not None:
            return
        h.append(batch.records)  # only appends: the window's timers repaint
        h.summary = batch.summary
        if batch.prediction is not None:
            h.prediction = batch.prediction
            h.predictions += 1
        self.steps_received += len(batch.records)
        if batch.records and self.finished:
            self.runFinished.emit(h.last_record.status.value)
            if self._queue is not None:
                self._compare_next(pin=True)
        if not batch.playing:
            self.statusChanged.emit()

    # --- a saved session ---------------------------------------------------------------------
    def open_replay(self, session: Session, name: str) -> None:
        """Show a saved run (engine.load_session has checked the whole file): no training;
        `show_replay_step` moves through it. Everything it needs is built before any state
        changes, so that a session that cannot be shown changes nothing (it raises)."""
        info = RunInfo.of_session(session)
        self.cancel_compare()
        self.controller.pause()
        self.restart_timer.stop()
        self.problem = None
        self.config = session.config
        self.configReplaced.emit(session.config, [])
        self.replay = (session, info)
        self.replayOpened.emit(len(session.records), name)
        self.show_replay_step(len(session.records))

    def show_replay_step(self, step: int) -> None:
        if self.replay is None:
            return
        session, info = self.replay
        h = self.history
        if h is not None and h.info is info and step >= h.appended:
            h.append(session.records[h.appended : step])  # playing forward: only the new steps
        else:  # a new session, or back in time
            h = RunHistory(info)
            h.append(session.records[:step])
            h.summary = session.summary
            self.history = h
            self.historyReplaced.emit(h)
        self.replayStepShown.emit()

    # --- pinned runs -------------------------------------------------------------------------
    @property
    def reference(self) -> RunHistory | None:
        """The most recently pinned run (its heatmap is shown beside the current one)."""
        return self.pinned[-1] if self.pinned else None

    def pin(self) -> bool:
        """Keep the current run beside the next ones. False when there is nothing to pin."""
        h = self.history
        if h is None or h.last_record is None:
            return False
        if h not in self.pinned:
            self.pinned = [*self.pinned, h][-MAX_PINNED:]
        self.pinnedChanged.emit()
        return True

    def clear_pinned(self) -> None:
        self.pinned = []
        self.pinnedChanged.emit()

    def pinned_labels(self) -> list[str]:
        """Each pinned run named by the settings it differs in: from the other pinned runs, or,
        with one pinned, from the current configuration ("optimizer sgd")."""
        configs = [h.info.config for h in self.pinned]
        others = configs if len(configs) > 1 else [*configs, self.config]
        keys: list[str] = []
        for config in others[1:]:
            keys += [k for k in others[0].diff(config) if k not in keys]
        labels = []
        for i, config in enumerate(configs):
            parts = [f"{k} {_text(getattr(config, k))}" for k in keys[:LABEL_KEYS]]
            labels.append(", ".join(parts) or f"#{i + 1}")
        return labels

    # --- the compare queue: several configurations, each run to its end and pinned --------------
    @property
    def comparing(self) -> bool:
        return self._queue is not None

    @property
    def compare_position(self) -> tuple[int, int]:
        """(which run of the queue trains now, 1-based; how many in all)."""
        left = len(self._queue) if self._queue is not None else 0
        return self._queue_size - left, self._queue_size

    def compare(self, presets: list[str]) -> bool:
        """Train each preset in turn to its end and pin it, so that their curves show together.
        Any learner action (an edit, a preset, Play/Pause, Step, Reset) stops the queue."""
        self.cancel_compare()
        try:
            configs = [load_preset(name).apply() for name in presets]
        except ConfigError as exc:
            self.editRefused.emit(str(exc))
            return False
        if not configs:
            return False
        self.clear_pinned()
        self._queue, self._queue_size = configs, len(configs)
        self.comparingChanged.emit(True)
        self._compare_next(pin=False)
        return True

    def cancel_compare(self) -> None:
        if self._queue is not None:
            self._queue = None
            self.comparingChanged.emit(False)

    def _compare_next(self, pin: bool) -> None:
        if pin:
            self.pin()
        if not self._queue:  # the last one is pinned: done
            self.cancel_compare()
            return
        config = self._queue.pop(0)
        self.set_config(config, playing=True)

    def shutdown(self, timeout_s: float = 1.0) -> bool:
        self.cancel_compare()
        self.restart_timer.stop()
        self.live_timer.stop()
        return self.controller.shutdown(timeout_s)


def _text(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)
