"""The window's side of training: a controller that drives the engine's training process.

Training runs in a child process (engine.service), so that the window's interpreter is free to
paint; the controller sends commands and, on a 60 Hz timer, takes whatever batches of
StepRecords have arrived. Nothing blocks the GUI thread: no Qt call happens in the training
loop, and no thread of this process trains.

A watchdog notices a child that stops answering while it should be building a run or training:
stopped (SIGSTOP, a debugger) or blocked for STALL_S seconds. While it trains the child sends a
batch at least every 1/60 s (an empty one when a rate cap holds it back); building a run, or one
step of a very large net, can take much longer, but then the child is running, computing or
reading from the disk, which its state in /proc shows: only a child that is stopped, or asleep
without using the processor, counts as stalled. Where /proc cannot be read, silence of SILENT_S
seconds does. A stalled child is ended and reported as one that died is (processStalled).

A child that computes without a word for BUSY_S seconds is either working through a very long step
or stuck in a loop, and nothing outside it can tell which: it is not ended, but the window is told
(processBusy) and says so, with a restart that ends it. Its first answer clears that.
"""

from __future__ import annotations

import os
import time
from typing import Any

from qtpy.QtCore import QObject, QTimer, Signal

from engine import FINISHED, Batch, Config, RunInfo, TrainingProcess

POLL_MS = 15  # how often arrived batches are taken from the pipe
STALL_S = 5.0  # a child that should answer and is stopped, or asleep without computing, this long has stalled
BUSY_S = 15.0  # computing without a word this long: said (a long step, or stuck), never ended for it
SILENT_S = 120.0  # where the child's state cannot be read (no /proc): silence this long is a stall
IDLE_CPU = 0.02  # "without computing": under this share of one processor over the silence
#: the training process's niceness above the window's (Unix): on a machine that is doing other
#: work too, the window's thread then gets a processor when it wakes, and the training takes
#: what is left; on an idle machine each has a core and nothing changes
TRAINING_NICE = 5
GAP_S = 1.0  # polls further apart than this (the GUI thread was busy): the silence is counted anew


def child_state(pid: int) -> tuple[str, float] | None:
    """(state letter, processor seconds used) of a process, from /proc (Linux); None where that
    cannot be read. States: R running, S sleeping, D waiting for the disk, T/t stopped, Z ended."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            text = f.read().decode(errors="replace")
        fields = text[text.rindex(")") + 2 :].split()  # after "pid (name) ": the name may hold spaces
        return fields[0], (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


class TrainingController(QObject):
    batchArrived = Signal(object)  # Batch, always of the current run
    runReplaced = Signal(object)  # RunInfo of the new run, once built
    runFailed = Signal(str)  # the run could not be built, or a step raised: the engine's message
    processEnded = Signal(str, bool)  # the training process ended by itself (killed, crashed): how; was it training
    processStalled = Signal(str, float, bool)  # it stopped answering and was ended: "stopped" or "blocked", for how many seconds; was it training
    processBusy = Signal(float)  # it has computed this many seconds without answering (BUSY_S on); 0: it answered, or was ended

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.process: TrainingProcess | None = None
        self.generation = 0
        self.info: RunInfo | None = None  # the run being trained, once built
        self.playing = False
        self.rate = 0.0
        self.timer = QTimer(self, interval=POLL_MS)
        self.timer.timeout.connect(self._on_timer_timeout)
        self.stall_s = STALL_S
        self.busy_s = BUSY_S
        self.busy = 0.0  # seconds it has computed without answering, once past busy_s; 0 otherwise
        self._building = False  # a "start" sent, not answered yet
        self._stepping = False  # a "step" sent while paused, its batch not arrived yet
        self._finished = False  # the run has ended (completed, diverged, early stopped): the child rests
        self._heard = 0.0  # monotonic time since when the child has been silent while expected to answer
        self._polled = 0.0  # the last poll's time
        self._cpu: tuple[float, float] | None = None  # (time, processor seconds) where the silence was first looked at

    def start(self, config: Config, playing: bool | None = None, seeds: int = 1) -> None:
        """Build a fresh run of `config` (same seed: same data and weights); with `seeds` > 1, a
        seed band of that many seeds from config.seed on (engine.band), streamed as its median."""
        if playing is not None:
            self.playing = playing
        if self.process is not None and not self.process.alive:
            self.process.close(0.1)  # ended before the timer noticed: let it go
            self.process = None
        if self.process is not None and self.busy:  # computing without a word: it cannot read "start"
            self.process.close(0.1)
            self.process = None
        self._set_busy(0.0)
        if self.process is None:
            self.process = TrainingProcess(args=(TRAINING_NICE,))
            self.process.send("rate", self.rate)
        self.generation += 1
        self.info = None
        self.process.send("start", self.generation, config, self.playing, seeds)
        self._building, self._stepping, self._finished = True, False, False
        self._listen(time.monotonic())
        self.timer.start()

    def _on_timer_timeout(self) -> None:
        process = self.process
        if process is None:
            return
        how = process.ended()  # read first: whatever it sent before it ended is taken below
        messages = process.receive(limit=1_000_000 if how is not None else 1000)
        now = time.monotonic()
        if messages or now - self._polled > GAP_S:
            self._listen(now)  # it answered (or this process was not listening): silent from now on
        if messages:
            self._set_busy(0.0)
        self._polled = now
        for message in messages:
            kind = message[0]
            if kind == "ready" and message[1].generation == self.generation:
                self._building = False
                self.info = message[1]
                self.runReplaced.emit(self.info)
            elif kind == "batch" and message[1].generation == self.generation:
                self._stepping = False
                batch: Batch = message[1]
                # the child plays as the last command said, until the run ends: a batch sent
                # before a "pause" or "play" arrived must not undo it
                if batch.records and batch.records[-1].status in FINISHED:
                    self.playing, self._finished = False, True
                self.batchArrived.emit(batch)
            elif kind == "failed" and message[1] == self.generation:
                self._building = self._stepping = False
                self.playing = False
                self.runFailed.emit(message[2])
        # noticed in every state (training, paused, idle, or building a run that never answered):
        # what arrived before it ended is taken above, then the process is let go
        if how is not None and process is self.process:
            self.timer.stop()
            playing = self.playing
            self.process, self.info, self.playing = None, None, False
            process.close(0.1)
            self._set_busy(0.0)
            self.processEnded.emit(how, playing)
        elif process is self.process:
            self._watch(process, now)

    @property
    def expecting(self) -> bool:
        """Whether the child owes an answer: a run being built, training, or a step asked for."""
        return self._building or self._stepping or (self.playing and self.info is not None)

    def _listen(self, now: float) -> None:
        self._heard, self._cpu = now, None

    def _set_busy(self, seconds: float) -> None:
        """Tell the window how long the child has computed without answering: once a second
        while that lasts, and 0 once when it ends."""
        changed = int(seconds) != int(self.busy) or (seconds == 0) != (self.busy == 0)
        self.busy = seconds
        if changed:
            self.processBusy.emit(seconds)

    def _watch(self, process: TrainingProcess, now: float) -> None:
        """The watchdog: end a child that should answer and has stalled (see the module's doc)."""
        if not self.expecting and not self.busy:  # a busy child owes its answer even after a pause
            self._listen(now)
            return
        silent = now - self._heard
        if silent < min(1.0, self.stall_s):
            return
        state = child_state(process.process.pid)
        if state is None:
            reason = "blocked" if silent >= SILENT_S else None
        elif self._cpu is None:  # the first look: the processor time to measure the silence from
            self._cpu = (now, state[1])
            reason = "stopped" if state[0] in "Tt" and silent >= self.stall_s else None
        elif silent < self.stall_s:
            reason = None
        elif state[0] in "Tt":
            reason = "stopped"
        elif state[0] not in "SI":  # running (or waiting for a processor), reading the disk, or ended (the next poll says)
            reason = None
        else:  # asleep: stalled unless it has been computing all the same (its other threads)
            since, cpu = self._cpu
            if now - since < self.stall_s:  # judged over a whole window (the clock counts in 10 ms ticks)
                reason = None
            elif state[1] - cpu > IDLE_CPU * (now - since):
                reason, self._cpu = None, (now, state[1])
            else:
                reason = "blocked"
        if reason is None:
            if silent >= self.busy_s or self.busy:
                self._set_busy(silent)
            return
        self.timer.stop()
        playing = self.playing
        self.process, self.info, self.playing = None, None, False
        self._building = self._stepping = False
        process.close(0.1)  # SIGCONT first: a stopped child can end
        self._set_busy(0.0)
        self.processStalled.emit(reason, silent, playing)

    def play(self) -> None:
        self.playing = True
        self._send("play")

    def pause(self) -> None:
        self.playing = False
        self._send("pause")

    def step(self, n: int = 1) -> None:
        # answered with a batch, where there is a run (or one being built) that has not finished
        self._stepping = self.process is not None and (self._building or self.info is not None and not self._finished)
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
        self.busy = 0.0
        return process.close(timeout_s) if process is not None else True
