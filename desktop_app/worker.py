"""Runs the engine in a background thread (a superqt generator worker).

The worker steps `engine.Run` and yields plain batches of StepRecords, at most one batch per
~1/60 s, so that the GUI thread receives few signals however fast the net trains. Commands
(play, pause, step, speed) reach it through a queue; live settings go straight to the Run, whose
`set_live` is thread-safe. No Qt call happens inside the training loop.
"""

from __future__ import annotations

import queue
import time
from dataclasses import dataclass, field
from typing import Any

from qtpy.QtCore import QObject, QThreadPool, Signal
from superqt.utils import GeneratorWorker, thread_worker

from engine.config import Config, ConfigError

BATCH_SECONDS = 1 / 60  # longest a batch of steps is held back before it is handed to the GUI
IDLE_POLL = 0.03  # how often a paused worker checks for commands and for quit


@dataclass
class Batch:
    generation: int  # which run this belongs to; stale batches from a replaced run are dropped
    records: list[Any] = field(default_factory=list)  # engine StepRecords
    run_info: dict[str, Any] | None = None  # on the first batch: layer names, sizes, data
    error: str | None = None  # the run could not be built (e.g. device unavailable)
    playing: bool = False


def _train(config: Config, generation: int, inbox: queue.Queue, playing: bool):
    """The generator the worker runs. It builds the Run itself, so that importing torch and
    allocating a large net never block the window."""
    try:
        from engine.trainer import Run

        run = Run(config)
    except (ConfigError, RuntimeError, MemoryError) as exc:
        yield Batch(generation, error=str(exc))
        return
    yield Batch(generation, run_info={"run": run}, playing=playing)
    rate = 0.0  # steps/s cap; 0 = as fast as possible
    pending_steps = 0
    next_time = time.perf_counter()
    while True:
        try:
            command, arg = inbox.get(timeout=0 if (playing or pending_steps) else IDLE_POLL)
        except queue.Empty:
            command = None
        if command == "play":
            playing = True
            next_time = time.perf_counter()
        elif command == "pause":
            playing = False
        elif command == "step":
            pending_steps += arg
        elif command == "rate":
            rate = arg
        elif command == "trace_signal":
            run.signal_every_step = arg
        if command is not None:
            continue  # drain every queued command before stepping
        if run.finished:
            playing, pending_steps = False, 0
        if not (playing or pending_steps):
            yield None  # lets the worker notice quit; the GUI ignores None
            continue
        batch = Batch(generation, playing=playing)
        deadline = time.perf_counter() + BATCH_SECONDS
        while not run.finished and (playing or pending_steps):
            if rate > 0 and not pending_steps:
                wait = next_time - time.perf_counter()
                if wait > 0:
                    if wait > deadline - time.perf_counter():
                        break
                    time.sleep(wait)
                next_time = max(next_time + 1 / rate, time.perf_counter() - 0.1)
            batch.records.append(run.step())
            pending_steps = max(0, pending_steps - 1)
            if time.perf_counter() >= deadline or not inbox.empty():
                break
        if run.finished:
            playing, pending_steps = False, 0
        batch.playing = playing
        yield batch


class TrainingController(QObject):
    """Owns the current worker. Replacing the run quits the old worker; its late batches carry
    an old generation number and are ignored."""

    batchArrived = Signal(object)  # Batch, always of the current run
    runReplaced = Signal(object)  # the new engine Run, once built
    runFailed = Signal(str)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.generation = 0
        self.worker: GeneratorWorker | None = None
        self.inbox: queue.Queue = queue.Queue()
        self.run = None
        self.playing = False
        self.rate = 0.0
        self.trace_signal = False

    def start(self, config: Config, playing: bool | None = None) -> None:
        """Build a fresh run of `config` (same seed: same data and weights) in the worker."""
        if playing is not None:
            self.playing = playing
        self._stop_worker()
        self.generation += 1
        self.inbox = queue.Queue()
        self.inbox.put(("rate", self.rate))
        self.inbox.put(("trace_signal", self.trace_signal))
        self.run = None
        worker = thread_worker(_train, start_thread=False)(config, self.generation, self.inbox, self.playing)
        worker.yielded.connect(self._on_worker_yielded)
        generation = self.generation
        worker.errored.connect(lambda exc: self._on_worker_errored(generation, exc))
        self.worker = worker
        worker.start()

    def _on_worker_yielded(self, batch: Batch | None) -> None:
        if batch is None or batch.generation != self.generation:
            return
        if batch.error is not None:
            self.runFailed.emit(batch.error)
            return
        if batch.run_info is not None:
            self.run = batch.run_info["run"]
            self.runReplaced.emit(self.run)
            return
        self.playing = batch.playing
        self.batchArrived.emit(batch)

    def _on_worker_errored(self, generation: int, exc: BaseException) -> None:
        """An exception inside training (a bug, or memory running out): say so, keep the app."""
        if generation == self.generation:
            self.playing = False
            self.runFailed.emit(f"{type(exc).__name__}: {exc}")

    def play(self) -> None:
        self.playing = True
        self.inbox.put(("play", None))

    def pause(self) -> None:
        self.playing = False
        self.inbox.put(("pause", None))

    def step(self, n: int = 1) -> None:
        self.inbox.put(("step", n))

    def set_rate(self, steps_per_second: float) -> None:
        self.rate = steps_per_second
        self.inbox.put(("rate", steps_per_second))

    def set_trace_signal(self, on: bool) -> None:
        self.trace_signal = on
        self.inbox.put(("trace_signal", on))

    def set_live(self, **changes: Any) -> None:
        """Raises ConfigError for a bad value; the run is unchanged then."""
        if self.run is not None:
            self.run.set_live(**changes)

    def _stop_worker(self) -> None:
        if self.worker is not None:
            self.worker.quit()
            self.worker = None

    def shutdown(self, timeout_ms: int = 1000) -> bool:
        """Stop training and wait for the thread to end; True when it did within the timeout.

        A worker still building its first run may be inside `import torch`, which nothing can
        interrupt: then wait for it (a few seconds at most) rather than leave a thread behind."""
        building = self.run is None and self.worker is not None
        self._stop_worker()
        self.generation += 1
        pool = QThreadPool.globalInstance()
        return pool.waitForDone(timeout_ms) or (building and pool.waitForDone(30_000))
