"""Responsiveness of the window while it trains, measured on the real window offscreen.

Prints:
- event-loop latency of the GUI thread while training at full speed (a 10 ms timer's lateness,
  p50/p99); target p99 <= 25 ms; the same while a T = 200 LSTM trains (its heatmap 200 time steps
  tall, its records 200 values of ∂L/∂h_t each), with the steps/s it reaches in the window
- paint time per frame of the heatmap and curves for a 50-layer net after 2,000 steps; target <= 8 ms
- time from launch (process start) to a visible window; target <= 2 s
- steps/s the window sustains with every view on for depth 6, width 8, batch 10; target >= 600

    QT_QPA_PLATFORM=offscreen python benchmarks/ui.py
"""

from __future__ import annotations

import os
import subprocess
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

LAUNCH_PROBE = r"""
import sys, time, os
from qtpy.QtWidgets import QApplication
from qtpy.QtCore import QTimer, QSettings
app = QApplication(sys.argv[:1])
from desktop_app.style import configure_pyqtgraph
configure_pyqtgraph()
from desktop_app.window import MainWindow
w = MainWindow(None, settings=QSettings(os.devnull, QSettings.Format.IniFormat))
w.show()
def shown():
    print("visible", flush=True)
    w.close(); app.quit()
QTimer.singleShot(0, shown)  # runs once the event loop has shown the window
app.exec()
"""


def window(app: QApplication, config: Config):
    from desktop_app.window import MainWindow

    w = MainWindow(config, settings=QSettings(os.devnull, QSettings.Format.IniFormat))
    w.setProperty("quiet", True)
    w.resize(1440, 900)
    w.show()
    wait_for(app, lambda: w.history is not None, 60)
    return w


def wait_for(app: QApplication, condition, timeout_s: float) -> None:
    end = time.perf_counter() + timeout_s
    while not condition():
        if time.perf_counter() > end:
            raise TimeoutError("the window did not get there in time")
        app.processEvents()
        time.sleep(0.001)


def run_for(app: QApplication, seconds: float) -> None:
    """Run the event loop for a while (a local loop: QApplication.quit would close the windows)."""
    loop = QEventLoop()
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    loop.exec()


def latency_and_rate(app: QApplication, config: Config, seconds: float = 8.0) -> tuple[float, float, float]:
    w = window(app, config)
    lateness: list[float] = []
    clock = QElapsedTimer()
    probe = QTimer(interval=10)

    def tick() -> None:
        if clock.isValid():
            lateness.append(clock.nsecsElapsed() / 1e6 - 10.0)
        clock.restart()

    probe.timeout.connect(tick)
    w.play()
    run_for(app, 1.0)  # warm up: torch's first steps, the first paints
    start_step, start = w.history.n, time.perf_counter()
    probe.start()
    run_for(app, seconds)
    probe.stop()
    rate = (w.history.n - start_step) / (time.perf_counter() - start)
    w.close()
    late = np.maximum(np.array(lateness), 0.0)
    return float(np.percentile(late, 50)), float(np.percentile(late, 99)), rate


def paint_time(app: QApplication) -> float:
    config = Config(depth=49, width=16, steps=2000, n_val=200)  # 50 layers
    w = window(app, config)
    w.speed.setCurrentIndex(0)
    w.play()
    wait_for(app, lambda: w.history.last_record is not None and w.history.n >= 2000, 600)
    times = []
    for _ in range(60):
        w.history.version += 1  # as if a new batch had arrived, with an evaluation: the heatmap
        w.curves._painted = None  # and the curves both redraw (the worst frame)
        t = time.perf_counter()
        w._on_paint_timer_timeout()  # a whole frame at once (the paint timer spreads one over three turns) ...
        app.processEvents()  # ... and the repaint of what it changed
        times.append(time.perf_counter() - t)
    w.close()
    return float(np.median(times) * 1000)


def launch_time() -> float:
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        out = subprocess.run([sys.executable, "-c", LAUNCH_PROBE], capture_output=True, text=True, timeout=120)
        if "visible" not in out.stdout:
            raise RuntimeError(out.stderr)
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    configure_pyqtgraph()
    learner = Config(depth=6, width=8, batch_size=10, steps=1_000_000)
    p50, p99, rate = latency_and_rate(app, learner)
    print(f"event-loop latency while training (depth 6, width 8, batch 10): p50 {p50:.1f} ms, p99 {p99:.1f} ms (target p99 <= 25 ms)")
    print(f"steps/s with every view on (depth 6, width 8, batch 10): {rate:,.0f} (target >= 600)")
    lstm = Config(model="lstm", dataset="recall", seq_len=200, depth=1, width=32, batch_size=32, steps=1_000_000)
    p50, p99, rate = latency_and_rate(app, lstm)
    print(f"event-loop latency while a T = 200 LSTM trains (width 32, batch 32): p50 {p50:.1f} ms, p99 {p99:.1f} ms "
          f"(target p99 <= 25 ms); {rate:,.1f} steps/s")
    print(f"paint time per frame, 50-layer heatmap of 2,000 steps + curves: {paint_time(app):.1f} ms (target <= 8 ms)")
    print(f"launch to visible window: {launch_time():.2f} s (target <= 2 s)")


if __name__ == "__main__":
    main()
