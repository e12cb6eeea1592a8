"""Starts the Qt application: the window, or an offscreen screenshot of it."""

from __future__ import annotations

import os
import sys

from engine import Config


def launch(config: Config | None = None, screenshot: str | None = None, size: tuple[int, int] | None = None) -> int:
    if screenshot and not os.environ.get("QT_QPA_PLATFORM"):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"  # render the real window without a display
    from qtpy.QtWidgets import QApplication

    from desktop_app.style import configure_pyqtgraph

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("Vanishing Point")
    app.setOrganizationName("VanishingPoint")
    configure_pyqtgraph()
    from desktop_app.window import MainWindow

    if screenshot:
        return take_screenshot(app, config or Config(), screenshot, size=size)
    window = MainWindow(config)
    window.show()
    return app.exec()


def take_screenshot(app, config: Config, path: str, timeout_s: float = 600.0, size: tuple[int, int] | None = None) -> int:
    """Train `config.steps` steps through the window's own worker, then save the window."""
    from qtpy.QtCore import QElapsedTimer, QSettings, QTimer

    from desktop_app.window import MainWindow

    # a throwaway settings file: a screenshot neither reads nor changes the user's session
    settings = QSettings(os.devnull, QSettings.Format.IniFormat)
    window = MainWindow(config, settings=settings)
    window.setProperty("quiet", True)
    window.resize(*(size or (1440, 900)))
    window.show()
    clock = QElapsedTimer()
    clock.start()
    state = {"rc": 0}

    def finish(message: str | None = None) -> None:
        window._on_paint_timer_timeout()
        window._on_diagnosis_timer_timeout()
        app.processEvents()
        if message:
            print(f"vanishing-point: {message}", file=sys.stderr)
        if not window.grab().save(path, "PNG"):
            print(f"vanishing-point: cannot write screenshot {path}", file=sys.stderr)
            state["rc"] = 1
        else:
            h = window.history
            status = h.last_record.status.value if h and h.last_record else "not started"
            print(f"screenshot saved to {path} (step {h.n if h else 0}, {status})")
        window.close()
        app.quit()

    def started() -> None:
        window.play()

    def finished(_status: str) -> None:
        QTimer.singleShot(200, finish)  # let the last frame paint

    def watchdog() -> None:
        if clock.elapsed() > timeout_s * 1000:
            state["rc"] = 1
            finish(f"the run did not finish within {timeout_s:.0f} s; saving what there is")

    window.state.runStarted.connect(started)
    window.state.runFinished.connect(finished)
    window.state.runFailed.connect(lambda msg: (state.update(rc=1), finish(msg)))
    timer = QTimer(window, interval=1000)
    timer.timeout.connect(watchdog)
    timer.start()
    app.exec()
    return state["rc"]
