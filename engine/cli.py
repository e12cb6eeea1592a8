"""The `vanishing-point` command line.

    vanishing-point                      open the desktop app
    vanishing-point run --out DIR ...    train headless and write the run's files
    vanishing-point presets              list the preset names, one per line
    vanishing-point cv --folds K ...     K-fold cross-validation (and --curve: a learning curve)
    vanishing-point sweep --grid K=V,... run a grid of configurations in parallel processes (or on a
                                         Dask cluster: --scheduler ADDRESS), at --seeds N seeds
    vanishing-point --screenshot OUT.png render the app offscreen after N steps and exit

Configuration is resolved in this order, later winning: defaults, --preset, --config, --set,
then the --steps and --seed shorthands. A bad key, value or file exits with status 2 and one
line naming the problem and what is allowed; so does a file that cannot be written (a full
disk). Ctrl+C (SIGINT) or SIGTERM stops `run` cleanly: its files hold every step up to the
last one recorded, summary.json says status "interrupted", and the exit status is 128 + the
signal's number (130, 143).
"""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from engine import __version__
from engine.config import Config, ConfigError, positive_int, read_settings
from engine.presets import load_preset, preset_names

EXIT_BAD_INPUT = 2  # a bad key, value, option or file, or a file that cannot be written
EXIT_SIGNAL_BASE = 128  # an interrupted run exits 128 + the signal's number: 130 (SIGINT), 143 (SIGTERM)


class Interrupted(Exception):
    """Raised in the main thread by a second SIGINT or SIGTERM while a step runs."""

    def __init__(self, signum: int):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def config_options(defaults: bool = True) -> argparse.ArgumentParser:
    """The options shared by the app and `run`. The `run` copy has no defaults, so that an
    option given before the command (`--seed 3 run ...`) is not overwritten by the command's."""
    p = argparse.ArgumentParser(add_help=False)
    d = {} if defaults else {"default": argparse.SUPPRESS}
    p.add_argument("--config", metavar="FILE.toml", help="read a configuration file", **d)
    p.add_argument("--preset", metavar="NAME", help="start from a named preset (see `vanishing-point presets`)", **d)
    p.add_argument("--set", metavar="KEY=VALUE", action="append", help="set one key; repeatable", **d)
    # strings, checked like --set, so that a bad value gets the same one-line message
    p.add_argument("--steps", metavar="N", help="shorthand for --set steps=N", **d)
    p.add_argument("--seed", metavar="S", help="shorthand for --set seed=S", **d)
    return p


def resolve_config(args: argparse.Namespace) -> Config:
    config = Config()
    if args.preset is not None:  # an empty name is an error, not "no preset"
        config = load_preset(args.preset).apply(config)
    if args.config is not None:
        config = config.replace(**read_settings(args.config))
    sets = list(args.set or [])
    if args.steps is not None:
        sets.append(f"steps={args.steps}")
    if args.seed is not None:
        sets.append(f"seed={args.seed}")
    return config.with_strings(sets)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="vanishing-point",
        description="See why deep networks fail to train. With no command, opens the desktop app.",
        parents=[config_options()],
    )
    common = config_options(defaults=False)
    parser.add_argument("--version", action="version", version=f"vanishing-point {__version__}")
    parser.add_argument("--screenshot", metavar="OUT.png", help="render the window offscreen after --steps steps, save it and exit")
    parser.add_argument("--size", metavar="WxH", help="the window's size for --screenshot, e.g. 1280x720 (default 1440x900)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    run = sub.add_parser("run", parents=[common], help="train headless and write the run's files to --out DIR")
    run.add_argument("--out", required=True, metavar="DIR", help="folder for config.toml, the CSV files and summary.json")
    run.add_argument("--quiet", action="store_true", help="no progress output")
    run.add_argument(
        "--every",
        metavar="N",
        help="write grad_norms.csv (and a recurrent run's time_grads.csv) every N steps (and step 1 and the last), not every step",
    )
    sub.add_parser("presets", help="list preset names, one per line")
    cv = sub.add_parser("cv", parents=[common], help="K-fold cross-validation; writes cv.csv and cv_summary.json to --out DIR")
    cv.add_argument("--folds", required=True, metavar="K", help="number of folds, from 2 to n_train")
    cv.add_argument("--curve", metavar="SIZES", help="also a learning curve at these training-set sizes (N1,N2,... or auto)")
    cv.add_argument("--out", required=True, metavar="DIR", help="folder for cv.csv, cv_summary.json and config.toml")
    cv.add_argument("--quiet", action="store_true", help="no progress output")
    sweep = sub.add_parser("sweep", parents=[common], help="train a grid of configurations in parallel; writes sweep.csv and sweep.png")
    sweep.add_argument("--grid", metavar="KEY=V1,V2,...", action="append", help="a key and its values; repeatable")
    sweep.add_argument("--jobs", metavar="N", help="processes at once (default: the number of CPUs)")
    sweep.add_argument(
        "--seeds",
        metavar="N",
        help="train every cell at N seeds (seed, seed+1, ...; 1 to 1000): sweep.csv then holds each cell's spread "
        "over them, sweep_runs.csv one row per run",
    )
    sweep.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="send the cells to the Dask cluster whose `dask scheduler` is at ADDRESS (tcp://HOST:PORT) instead of "
        "local processes; needs pip install vanishing-point[cluster]",
    )
    sweep.add_argument(
        "--out",
        required=True,
        metavar="DIR",
        help="folder for sweep.csv, sweep.png and cells/<index>/; cells already finished there by the same sweep are reused",
    )
    sweep.add_argument("--quiet", action="store_true", help="no progress output")
    return parser


def parse_size(text: str | None) -> tuple[int, int] | None:
    """`--size WxH` as (width, height) in pixels; ConfigError for anything else."""
    if text is None:
        return None
    width, sep, height = text.lower().partition("x")
    if sep and width.strip().isdigit() and height.strip().isdigit():
        size = int(width), int(height)
        if 320 <= size[0] <= 7680 and 240 <= size[1] <= 4320:
            return size
    raise ConfigError(f"--size {text!r}: expected WIDTHxHEIGHT in pixels from 320x240 to 7680x4320, for example --size 1280x720")


AppOpener = Callable[[Config | None, argparse.Namespace], int]


def main(argv: Sequence[str] | None = None, open_app: AppOpener | None = None) -> int:
    """`open_app` starts the desktop app; the engine never imports it (desktop_app.launcher
    passes it in), so `python -m engine` is the headless command line alone."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command == "presets":
            print("\n".join(preset_names()))
            return 0
        config = resolve_config(args)
        args.size = parse_size(args.size)
        if args.command == "run":
            return run_headless(config, Path(args.out), quiet=args.quiet, every=parse_every(args.every))
        if args.command == "cv":
            from engine.crossval import run_cv

            return run_cv(config, args.folds, Path(args.out), curve=args.curve, quiet=args.quiet)
        if args.command == "sweep":
            from engine.sweep import run_sweep

            return run_sweep(
                config, args.grid or [], args.jobs, Path(args.out), quiet=args.quiet, seeds_text=args.seeds, scheduler=args.scheduler
            )
    except ConfigError as exc:
        print(f"vanishing-point: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except OSError as exc:  # a file of cv or sweep that cannot be written (a full disk)
        where = f" {exc.filename!r}" if exc.filename else ""
        print(f"vanishing-point: error: cannot write{where}: {exc.strerror or exc}; free some space or choose another --out", file=sys.stderr)
        return EXIT_BAD_INPUT
    except MemoryError:  # the ranges should prevent it; a busy machine may still run out
        print("vanishing-point: error: out of memory: lower n_train, n_val, batch_size, width or depth", file=sys.stderr)
        return EXIT_BAD_INPUT
    if open_app is None:
        print("vanishing-point: the desktop app is not available here; `vanishing-point run` works headless", file=sys.stderr)
        return 1
    explicit = bool(args.preset or args.config or args.set or args.steps is not None or args.seed is not None)
    return open_app(config if explicit else None, args)


def parse_every(text: str | None) -> int:
    """`--every N` as an integer >= 1 (1 when not given); ConfigError for anything else."""
    return positive_int(text, "--every", 1, "--every 10")


def run_headless(config: Config, out: Path, quiet: bool = False, every: int = 1) -> int:
    """Train and write the run's files. A file that cannot be written raises ConfigError (one
    line); SIGINT or SIGTERM ends the run as `interrupted` with complete files, returning 128 +
    the signal's number."""
    from engine.record import RunRecorder, interrupted_summary
    from engine.trainer import Run

    run = Run(config, keep_history=False)  # the records are streamed to disk: keep none in memory
    try:
        recorder = RunRecorder(out, config, run.n_layers, run.initial, every=every, time_steps=run.time_steps)
    except OSError as exc:
        raise ConfigError(f"cannot write to --out {str(out)!r}: {exc}") from None
    progress = Progress(config.steps, quiet)
    signum: int | None = None
    try:
        with stop_signals() as stop:
            try:
                for record in run:
                    recorder.add(record)
                    progress.update(record)
                    if stop.signum is not None:  # between steps: the files hold whole steps only
                        break
            except Interrupted:  # a second signal while a step was running: stop at once
                pass
            stop.hold()  # from here on a signal is remembered, not raised: the files get closed
            signum = stop.signum
            summary = run.summary()
            if signum is not None:
                summary = interrupted_summary(summary, recorder.last_step, f"interrupted by {signal.Signals(signum).name}")
                run.message = summary["message"]
            recorder.close(summary)
    except OSError as exc:
        with contextlib.suppress(OSError):
            recorder.close()
        raise ConfigError(
            f"cannot write the run's files in {str(out)!r}: {exc.strerror or exc}; free some space or choose another --out"
        ) from None
    except BaseException:  # a torch error, MemoryError: the files end at the last whole step, with a summary
        with contextlib.suppress(OSError):
            recorder.close(run.summary())
        raise
    if signum is not None:
        if not quiet:
            print(f"\n{run.message}; the files up to that step are in {out}", file=sys.stderr)
        return EXIT_SIGNAL_BASE + signum
    progress.done(run)
    return 0


class _Stop:
    """What stop_signals hands out: the first signal that arrived, and whether a second raises."""

    def __init__(self) -> None:
        self.signum: int | None = None
        self.held = False

    def hold(self) -> None:
        self.held = True


@contextlib.contextmanager
def stop_signals():
    """SIGINT and SIGTERM set `.signum` (the loop stops after the step in progress); a second one
    raises Interrupted, unless `.hold()` was called. The previous handlers come back on exit.
    Outside the main thread (where Python cannot install handlers) nothing changes."""
    stop = _Stop()
    if threading.current_thread() is not threading.main_thread():
        yield stop
        return

    def handler(signum: int, frame: object) -> None:
        if stop.signum is None:
            stop.signum = signum
        elif not stop.held:
            stop.held = True  # one raise at most: the files must still be closed
            raise Interrupted(signum)

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield stop
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


class Progress:
    """One updating line on a terminal; a line every 10% when stderr is not a terminal."""

    def __init__(self, total: int, quiet: bool):
        self.total = total
        self.quiet = quiet
        self.tty = sys.stderr.isatty()
        self.start = time.perf_counter()
        self.last_print = 0.0
        self.next_mark = 0.1
        self.val_error: float | None = None

    def update(self, record) -> None:
        if record.evaluation is not None:
            self.val_error = record.evaluation.val_error
        if self.quiet:
            return
        now = time.perf_counter()
        frac = record.step / self.total
        if self.tty and now - self.last_print < 0.1 and record.step < self.total:
            return
        if not self.tty and frac < self.next_mark:
            return
        self.last_print = now
        self.next_mark = (int(frac * 10) + 1) / 10
        rate = record.step / max(now - self.start, 1e-9)
        err = f"  val error {self.val_error:.4g}" if self.val_error is not None else ""
        line = f"step {record.step}/{self.total}  {rate:,.0f} steps/s{err}"
        print(("\r" + line) if self.tty else line, end="" if self.tty else "\n", file=sys.stderr, flush=True)

    def done(self, run) -> None:
        if self.quiet:
            return
        if self.tty:
            print(file=sys.stderr)
        print(f"{run.status.value}: {run.message}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
