"""App tests run offscreen and fail when a test leaves a thread or a training process running."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import multiprocessing  # noqa: E402

import pytest  # noqa: E402
from qtpy.QtCore import QSettings, QThreadPool  # noqa: E402

import engine.trainer  # noqa: E402,F401 - load torch once here, not inside the first test's worker
from desktop_app.style import configure_pyqtgraph  # noqa: E402
from engine.config import Config  # noqa: E402

configure_pyqtgraph()


@pytest.fixture(autouse=True)
def no_leaked_threads(qapp):
    yield
    pool = QThreadPool.globalInstance()
    assert pool.waitForDone(2000), f"{pool.activeThreadCount()} thread(s) still running after the test"
    children = multiprocessing.active_children()  # also reaps the ones that have ended
    assert not children, f"training process(es) still running after the test: {children}"


@pytest.fixture(autouse=True)
def english_afterwards(qapp):
    """A test that switches the interface language leaves English for the next one."""
    yield
    from desktop_app import i18n

    i18n.install(qapp, "en")


@pytest.fixture
def settings(tmp_path):
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


SMALL = Config(depth=4, width=8, n_train=100, n_val=100, steps=400, eval_every=10, batch_size=16)


@pytest.fixture
def make_window(qtbot, settings):
    """A window on a small net; closed (worker stopped) at the end of the test."""
    from desktop_app.window import MainWindow

    windows = []

    def make(config: Config = SMALL, **kwargs):
        w = MainWindow(config, settings=settings, **kwargs)
        w.setProperty("quiet", True)  # warnings go to the status bar, not to a message box
        qtbot.addWidget(w)
        w.show()
        qtbot.waitUntil(lambda: w.history is not None, timeout=20000)
        windows.append(w)
        return w

    yield make
    for w in windows:
        w.close()

