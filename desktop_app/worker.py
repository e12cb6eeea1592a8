"""The window's side of training: a controller that drives the engine's training process.

Training runs in a child process (engine.service), so that the window's interpreter is free to
paint; the controller sends commands and, on a 60 Hz timer, takes whatever batches of
StepRecords have arrived. Nothing blocks the GUI thread: no Qt call happens in the training
loop, and no thread of this process trains.
"""

from __future__ import annotations

from typing import Any

from qtpy.QtCore import QObject, QTimer, Signal

from engine import FINISHED, Batch, Config, RunInfo, TrainingProcess

POLL_MS = 15  # how often arrived batches are taken from the pipe


class TrainingController(QObject):
    batchArrived = Signal(object)  # Batch, always of the current run
    runReplaced = Signal(object)  # RunInfo of the new run, once built
    runFailed = Signal(str)  # the run could not be built, or a step raised: the engine's message
    processEnded = Signal(str, bool)  # the training process ended by itself (killed, crashed): how; was it training

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.process: TrainingProcess | None = None
        self.generation = 0
        self.info: RunInfo | None = None  # the run being trained, once built
        self.playing = False
        self.rate = 0.0
        self.timer = QTimer(self, interval=POLL_MS)
        self.timer.timeout.connect(self._on_timer_timeout)

    def start(self, config: Config, playing: bool | None = None) -> None:
        """Build a fresh run of `config` (same seed: same data and weights)."""
        if playing is not None:
            self.playing = playing
        if self.process is not None and not self.process.alive:
            self.process.close(0.1)  # ended before the timer noticed: let it go
            self.process = None
        if self.process is None:
            self.process = TrainingProcess()
            self.process.send("rate", self.rate)
        self.generation += 1
        self.info = None
        self.process.send("start", self.generation, config, self.playing)
        self.timer.start()

    def _on_timer_timeout(self) -> None:
        process = self.process
        if process is None:
            return
        how = process.ended()  # read first: whatever it sent before it ended is taken below
        messages = process.receive(limit=1_000_000 if how is not None else 1000)
        for message in messages:
            kind = message[0]
            if kind == "ready" and message[1].generation == self.generation:
                self.info = message[1]
                self.runReplaced.emit(self.info)
            elif kind == "batch" and message[1].generation == self.generation:
                batch: Batch = message[1]
                # the child plays as the last command said, until the run ends: a batch sent
                # before a "pause" or "play" arrived must not undo it
                if batch.records and batch.records[-1].status in FINISHED:
                    self.playing = False
                self.batchArrived.emit(batch)
            elif kind == "failed" and message[1] == self.generation:
                self.playing = False
                self.runFailed.emit(message[2])
        # noticed in every state (training, paused, idle, or building a run that never answered):
        # what arrived before it ended is taken above, then the process is let go
        if how is not None and process is self.process:
            self.timer.stop()
            playing = self.playing
            self.process, self.info, self.playing = None, None, False
            process.close(0.1)
            self.processEnded.emit(how, playing)

    def play(self) -> None:
        self.playing = True
        self._send("play")

    def pause(self) -> None:
        self.playing = False
        self._send("pause")

    def step(self, n: int = 1) -> None:
        self._send("step", n)

    def set_rate(self, steps_per_second: float) -> None:
        self.rate = steps_per_second
        self._send("rate", steps_per_second)

    def set_live(self, changes: dict[str, Any]) -> None:
        """Send live settings, already validated by the run state (RunState.edit); the engine
        applies them before the run's next step."""
        self._send("live", dict(changes))

    def _send(self, *message: Any) -> None:
        if self.process is not None:
            self.process.send(*message)

    def shutdown(self, timeout_s: float = 1.0) -> bool:
        """Stop training and end the training process; True when it quit within the timeout."""
        self.timer.stop()
        self.generation += 1
        process, self.process = self.process, None
        return process.close(timeout_s) if process is not None else True
