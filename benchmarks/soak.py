"""A soak test of the window: continuous training, every view shown, for a long time.

Prints, every `--every` seconds, the resident memory (RSS) of the window's process and of its
training process, the event-loop latency (a 10 ms timer's lateness) over that interval, the
GUI thread's own processor time between two ticks of that timer (its p99: what the window costs
itself, apart from the machine's load, which the lateness includes), and whether the views still
moved (the heatmap's last step, the curves' last evaluation, the clipping page's last step); at
the end the RSS growth after the first minute and the p99 over the whole run, with the load
average. Targets: RSS of both processes flat within 50 MB after the first minute, views updating,
event-loop p99 <= 25 ms.

    QT_QPA_PLATFORM=offscreen python benchmarks/soak.py                # 60 s
    QT_QPA_PLATFORM=offscreen python benchmarks/soak.py --minutes 60 --busy

--busy trains a second network in another process beside the window (a machine that is doing
something else too). --model rnn|lstm|gru soaks a recurrent net on recall instead (--seq-len T,
default 200: its heatmap and records carry T values of ∂L/∂h_t per step), e.g.

    QT_QPA_PLATFORM=offscreen python benchmarks/soak.py --model lstm --depth 1 --width 32

Linux only (RSS from /proc).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

# benchmarks/engine.py would shadow the engine package: keep this folder off the import path
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
from qtpy.QtCore import QElapsedTimer, QEventLoop, QSettings, QTimer  # noqa: E402
from qtpy.QtWidgets import QApplication  # noqa: E402

from desktop_app.style import configure_pyqtgraph  # noqa: E402
from engine.config import Config  # noqa: E402


def rss_mb(pid: int | None) -> float:
    if pid is None:
        return float("nan")
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def run_for(seconds: float) -> None:
    loop = QEventLoop()
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    loop.exec()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="how long to train (default 60)")
    parser.add_argument("--minutes", type=float, help="how long to train, in minutes (the target: 60)")
    parser.add_argument("--every", type=float, default=10.0, help="seconds between two readings (default 10)")
    parser.add_argument("--busy", action="store_true", help="train a second network in another process beside the window")
    parser.add_argument("--depth", type=int, default=6)
    parser.add_argument("--width", type=int, default=8)
    parser.add_argument("--eval-every", type=int, default=10)
    parser.add_argument("--model", default="mlp", choices=["mlp", "rnn", "lstm", "gru"], help="the model family (default mlp)")
    parser.add_argument("--seq-len", type=int, default=200, help="T of a recurrent model's recall sequences (default 200)")
    parser.add_argument("--nice", type=int, help="the window's training process's niceness above the window's (default: the app's, desktop_app.worker.TRAINING_NICE)")
    args = parser.parse_args()
    seconds = args.minutes * 60 if args.minutes else args.seconds

    app = QApplication.instance() or QApplication(sys.argv[:1])
    configure_pyqtgraph()
    from desktop_app import worker
    from desktop_app.window import MainWindow
    from engine.service import TrainingProcess

    if args.nice is not None:
        worker.TRAINING_NICE = args.nice

    config = Config(depth=args.depth, width=args.width, batch_size=10, eval_every=args.eval_every, steps=10_000_000)
    if args.model != "mlp":
        config = config.replace(model=args.model, dataset="recall", seq_len=args.seq_len)
    w = MainWindow(config, settings=QSettings(os.devnull, QSettings.Format.IniFormat))
    w.setProperty("quiet", True)
    w.resize(1440, 900)
    w.show()
    for dock in w.insight_docks.values():  # every view on screen at once, not behind a tab
        dock.setFloating(True)
        dock.resize(420, 320)
        dock.show()
    end = time.perf_counter() + 60
    while w.history is None:
        if time.perf_counter() > end:
            raise TimeoutError("no run was built")
        app.processEvents()
        time.sleep(0.001)
    busy = None
    if args.busy:
        busy = TrainingProcess()
        busy.send("start", 1, Config(depth=20, width=64, batch_size=10, eval_every=args.eval_every, steps=10_000_000), True)  # an mlp, whatever the window trains
        drain = QTimer(interval=100, timeout=lambda: busy.receive(1_000_000))
        drain.start()

    lateness: list[float] = []
    work: list[float] = []  # the GUI thread's processor time between two ticks: its own cost, whatever the load
    clock = QElapsedTimer()
    cpu = [time.thread_time()]

    def tick() -> None:
        now = time.thread_time()
        if clock.isValid():
            lateness.append(max(0.0, clock.nsecsElapsed() / 1e6 - 10.0))
            work.append(1000 * (now - cpu[0]))
        clock.restart()
        cpu[0] = now

    probe = QTimer(interval=10, timeout=tick)
    w.play()
    probe.start()
    kind = f"{args.model} T = {args.seq_len}, " if args.model != "mlp" else ""
    print(f"soak: {seconds:.0f} s, {kind}depth {args.depth} width {args.width} eval_every {args.eval_every}, every view shown"
          f"{', a second training process beside it' if busy else ''}, the window's training at nice +{worker.TRAINING_NICE}; load average {os.getloadavg()[0]:.1f} at the start")
    print(" time  step       window RSS  training RSS  p99 (interval)  CPU p99  heatmap step  curves step  clipping step")
    readings = []
    start = time.perf_counter()
    moved = True
    last = (0, 0, 0)
    while (elapsed := time.perf_counter() - start) < seconds - 0.5:  # no reading of a last sliver of time
        lateness.clear()
        work.clear()
        run_for(min(args.every, seconds - elapsed))
        h = w.history
        child = w.controller.process.process.pid if w.controller.process else None
        shown = (
            w.heatmap.shown_step or 0,
            int(w.curves.curves[("error", "val")].getData()[0][-1]),
            int(w.insight.before_curve.getData()[0][-1]) if w.insight.before_curve.getData()[0] is not None else 0,
        )
        moved = moved and all(a > b for a, b in zip(shown, last))
        last = shown
        p99 = float(np.percentile(lateness, 99)) if lateness else float("nan")
        cpu99 = float(np.percentile(work, 99)) if work else float("nan")
        reading = (time.perf_counter() - start, h.n, rss_mb(os.getpid()), rss_mb(child), p99, cpu99, *shown)
        readings.append(reading)
        print("{:5.0f}  {:>9,}  {:8.0f} MB  {:9.0f} MB  {:10.1f} ms  {:4.1f} ms  {:>12,}  {:>11,}  {:>13,}".format(*reading), flush=True)
    probe.stop()
    after = [r for r in readings if r[0] >= 60] or readings[-1:]
    window = [r[2] for r in after]
    child = [r[3] for r in after]
    p99s = [r[4] for r in readings]
    cpu99s = [r[5] for r in readings]
    print(f"RSS after the first minute: window {min(window):.0f}–{max(window):.0f} MB (spread {max(window) - min(window):.0f}), "
          f"training {min(child):.0f}–{max(child):.0f} MB (spread {max(child) - min(child):.0f}); target spread <= 50 MB")
    print(f"event-loop p99 per interval: worst {max(p99s):.1f} ms, median {float(np.median(p99s)):.1f} ms (target <= 25 ms)")
    print(f"the GUI thread's processor time per 10 ms tick, p99 per interval: worst {max(cpu99s):.1f} ms, median {float(np.median(cpu99s)):.1f} ms "
          f"(what it costs itself; the lateness above adds the machine's load); load average {os.getloadavg()[0]:.1f}")
    print(f"views kept updating: {'yes' if moved else 'NO'}; {readings[-1][1]:,} steps")
    t = time.perf_counter()
    w.close()
    print(f"close: {1000 * (time.perf_counter() - t):.0f} ms")
    if busy is not None:
        busy.close()


if __name__ == "__main__":
    main()
