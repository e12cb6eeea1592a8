"""Training in a child process, driven over a multiprocessing pipe.

The window keeps its own interpreter free for painting: a training loop in a thread of the same
process holds Python's global lock most of the time for small nets, which made the window lag
(event-loop p99 ~100 ms) and starved training itself. The child process holds one Run at a time;
"start" replaces it without a new process, so restarting costs no interpreter start-up.

Messages to the child:   ("start", generation, Config, playing[, seeds]), ("play",), ("pause",),
                         ("step", n), ("rate", steps_per_second), ("trace", bool),
                         ("live", {key: value}), ("quit",)
Messages from the child: ("ready", RunInfo), ("batch", Batch), ("failed", generation, text)
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from engine.config import Config, ConfigError
from engine.data import DataSplit
from engine.results import Metrics, StepRecord

BATCH_SECONDS = 1 / 60  # longest a batch of steps is held back before it is sent
IDLE_POLL = 0.05  # how long an idle child waits for a command at a time
MAP_SECONDS = 0.25  # the prediction map (what the network has learned) refreshes at ~4 Hz
QUIT_WAIT = 0.2  # how long closing waits for the child to quit by itself before ending it


@dataclass(frozen=True)
class RunInfo:
    generation: int  # which "start" this answers; stale messages of replaced runs are dropped
    config: Config  # the configuration the run was built from
    layer_names: list[str]
    layer_sizes: list[tuple[int, int]]  # (fan_in, fan_out) per layer
    device: str
    data: DataSplit  # the standardized data, for views that draw it
    initial: Metrics | None = None  # the untrained network (step 0): the curves start there
    time_names: tuple[str, ...] = ()  # a recurrent run's time probes "t_1".."t_T" (Run.time_names); () for an mlp
    probe_axis: str = "layer"  # what the heatmap's rows are (Model.probe_axis): "layer", or "time step"
    seeds: tuple[int, ...] = ()  # a seed band's seeds (engine.band), its records their median; () for one run

    @property
    def n_layers(self) -> int:
        return len(self.layer_names)

    @property
    def time_steps(self) -> int:
        """T, the time steps whose ∂L/∂h_t each record carries (time_rms); 0 for an mlp."""
        return len(self.time_names)

    @classmethod
    def of_run(cls, generation: int, run: Any) -> RunInfo:
        """What the window needs of a freshly built engine.trainer.Run."""
        return cls(
            generation, run.config, run.layer_names, run.layer_sizes, str(run.device), run.data, run.initial,
            tuple(run.time_names), run.model.probe_axis, tuple(getattr(run, "seeds", ())),
        )

    @classmethod
    def of_session(cls, session: Any) -> RunInfo:
        """A saved run's (engine.session.Session), for a replay: its data drawn again from its
        configuration (same seed, same points)."""
        from engine.data import make_data

        config = session.config
        return cls(
            -1, config, session.layer_names, session.layer_sizes, "replay", make_data(config),
            Metrics.from_summary(session.summary), tuple(session.time_names),
            "time step" if config.is_recurrent else "layer", session.seeds,
        )

    @property
    def predicted_chi(self):
        """The mean-field χ per hidden layer at initialization (engine.theory.predicted_chi) for
        this run's configuration and data, or None where the theory does not apply."""
        from engine.theory import predicted_chi

        return predicted_chi(self.config, self.data.n_inputs)

    @property
    def predicted_time_slope(self) -> float | None:
        """The theory's change of log10 RMS(∂L/∂h_t) per step back in time at initialization
        (engine.theory.predicted_log10_time_slope), or None where no theory applies (an mlp too)."""
        from engine.theory import predicted_log10_time_slope

        return predicted_log10_time_slope(self.config)


@dataclass
class Batch:
    generation: int
    records: list[StepRecord] = field(default_factory=list)
    playing: bool = False  # whether the child goes on training after this batch
    summary: dict[str, Any] = field(default_factory=dict)  # Run.summary() after the last record
    prediction: dict[str, Any] | None = None  # engine.insight.prediction_map, a few times a second


def serve(conn, nice: int = 0) -> None:
    """The child process's loop: one Run at a time, stepped while playing. `nice`: how much
    lower than its parent's its scheduling priority is (set before torch starts any thread)."""
    if nice > 0 and hasattr(os, "nice"):
        try:
            os.nice(nice)
        except OSError:
            pass
    from engine.band import SeedBand
    from engine.insight import prediction_map
    from engine.trainer import Run  # torch loads here, in the child only

    run = None
    generation = 0
    playing, pending, rate, trace = False, 0, 0.0, True
    next_time = time.perf_counter()
    next_map = 0.0  # when the next prediction map is due
    while True:
        busy = run is not None and not run.finished and (playing or pending)
        if conn.poll(0 if busy else IDLE_POLL):
            try:
                message = conn.recv()
            except EOFError:  # the window went away
                return
            kind = message[0]
            if kind == "quit":
                # at once, without the interpreter's teardown (torch's takes about a second):
                # nothing of the child's needs saving, and the window is waiting to close
                conn.close()
                if multiprocessing.parent_process() is not None:  # in the child process only
                    os._exit(0)
                return
            if kind == "start":
                _, generation, config, playing, *more = message
                seeds = more[0] if more else 1  # > 1: a seed band (engine.band), streamed as its median run
                pending = 0
                try:
                    # the window keeps the history: the child streams it
                    run = SeedBand(config, seeds, keep_history=False) if seeds > 1 else Run(config, keep_history=False)
                except Exception as exc:  # a bad device, too little memory: say so, keep serving
                    run = None
                    conn.send(("failed", generation, str(exc)))
                    continue
                run.signal_every_step = trace
                conn.send(("ready", RunInfo.of_run(generation, run)))
                next_time = time.perf_counter()
            elif kind == "play":
                playing, next_time = True, time.perf_counter()
            elif kind == "pause":
                playing = False
            elif kind == "step":
                pending += message[1]
            elif kind == "rate":
                rate = message[1]
            elif kind == "trace":
                trace = message[1]
                if run is not None:
                    run.signal_every_step = trace
            elif kind == "live" and run is not None:
                try:
                    run.set_live(**message[1])
                except ConfigError as exc:
                    conn.send(("failed", generation, str(exc)))
            continue  # drain every queued command before stepping
        if not busy:
            if run is not None and run.finished:
                playing, pending = False, 0
            continue
        batch = Batch(generation)
        deadline = time.perf_counter() + BATCH_SECONDS
        try:
            while not run.finished and (playing or pending):
                if rate > 0 and not pending:
                    wait = next_time - time.perf_counter()
                    if wait > deadline - time.perf_counter():
                        break
                    if wait > 0:
                        time.sleep(wait)
                    next_time = max(next_time + 1 / rate, time.perf_counter() - 0.1)
                batch.records.append(run.step())
                pending = max(0, pending - 1)
                if time.perf_counter() >= deadline or conn.poll(0):
                    break
        except Exception as exc:  # a bug or an exhausted machine: report it, keep serving
            playing, pending = False, 0
            conn.send(("failed", generation, f"{type(exc).__name__}: {exc}"))
            run = None
            continue
        if run.finished:
            playing, pending = False, 0
        batch.playing = playing
        batch.summary = run.summary()
        now = time.perf_counter()
        if now >= next_map or not playing:
            if isinstance(run, SeedBand):  # one seed's network: the map says which
                batch.prediction = {**prediction_map(run.shown), "seed": run.shown.config.seed}
            else:
                batch.prediction = prediction_map(run)
            cost = time.perf_counter() - now
            # a few maps a second, but never more than ~10% of the training time of a large net
            next_map = now + max(MAP_SECONDS, 10 * cost)
        conn.send(("batch", batch))


class TrainingProcess:
    """The parent's handle on the child. Non-blocking: `receive` returns what has arrived."""

    def __init__(self, target: Callable[..., None] = serve, args: tuple = (), name: str = "vanishing-point-training"):
        """Start `target(conn, *args)` in a child process."""
        ctx = multiprocessing.get_context("spawn")  # no fork: the parent may run Qt threads
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=target, args=(child, *args), name=name, daemon=True)
        self.process.start()
        child.close()

    def send(self, *message: Any) -> None:
        try:
            self.conn.send(message)
        except (BrokenPipeError, OSError):
            pass  # the child has gone: `alive` says so

    def receive(self, limit: int = 1000) -> list[tuple]:
        out: list[tuple] = []
        try:
            while len(out) < limit and self.conn.poll(0):
                out.append(self.conn.recv())
        except (EOFError, OSError):
            pass
        return out

    @property
    def alive(self) -> bool:
        return self.process.is_alive()

    def close(self, timeout: float = 1.0) -> bool:
        """End the child within about `timeout` seconds, whatever its state: ask it to quit,
        wait a little (QUIT_WAIT), then end it (SIGCONT first, so that a stopped child can take
        the signal; SIGKILL where SIGTERM was not enough). True when it quit by itself."""
        process = self.process
        self.send("quit")
        process.join(min(QUIT_WAIT, timeout))
        clean = not process.is_alive()
        if not clean:
            _resume(process.pid)
            process.terminate()
            process.join(max(0.05, (timeout - QUIT_WAIT) / 2))
            if process.is_alive():
                process.kill()  # SIGKILL: ends even a stopped process
                process.join(max(0.05, (timeout - QUIT_WAIT) / 2))
        self.conn.close()
        return clean

    def ended(self) -> str | None:
        """None while the child runs; once it has ended, how, in a few words ("killed by signal 9
        (SIGKILL)", "exited with code 1")."""
        code = self.process.exitcode
        if code is None:
            return None
        if code < 0:
            try:
                name = signal.Signals(-code).name
            except ValueError:
                name = "?"
            return f"killed by signal {-code} ({name})"
        return f"exited with code {code}"


def _resume(pid: int | None) -> None:
    """SIGCONT a child that may have been stopped (SIGSTOP, a debugger): a stopped process does
    not act on SIGTERM."""
    if pid is not None and hasattr(signal, "SIGCONT"):
        try:
            os.kill(pid, signal.SIGCONT)
        except OSError:
            pass


def _job(conn, kind: str, configs: list[Config], folds: int) -> None:
    """A background study in its own process: sends ("item", index, result) per fold or curve
    point of configs[index], ("progress", index, share of its steps done) a few times a second
    meanwhile, then ("done",), or ("failed", text)."""
    from engine.crossval import iter_folds, iter_learning_curve

    try:
        for index, config in enumerate(configs):
            def progress(share: float, index: int = index) -> None:
                conn.send(("progress", index, share))

            items = iter_folds(config, folds, progress) if kind == "cv" else iter_learning_curve(config, progress=progress)
            for item in items:
                conn.send(("item", index, item))
        conn.send(("done",))
    except Exception as exc:  # a bad K or size, or an exhausted machine: report it
        conn.send(("failed", f"{exc}"))


class JobProcess(TrainingProcess):
    """Cross-validation ("cv") or a learning curve ("curve") of one or two configurations."""

    def __init__(self, kind: str, configs: list[Config], folds: int = 5):
        super().__init__(_job, (kind, configs, folds), "vanishing-point-study")
