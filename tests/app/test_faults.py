"""Faults of the training process, injected for real: the child is killed (as the out-of-memory
killer would) while training, while paused and while it builds a run, or stopped (SIGSTOP) when
the window closes. The window must notice, say so until a restart, keep what was recorded, and
leave no process behind (conftest fails a test that does)."""

from __future__ import annotations

import os
import signal
import time

import pytest

from .conftest import SMALL

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="POSIX signals")

LONG = SMALL.replace(steps=100_000)  # still training when it is killed


def _pid(w) -> int:
    return w.controller.process.process.pid


def _kill(w, qtbot) -> None:
    os.kill(_pid(w), signal.SIGKILL)
    qtbot.waitUntil(lambda: w.state.problem is not None, timeout=5000)


def _message_stays(w, qtbot) -> str:
    text = w.problem_label.text()
    qtbot.wait(700)  # the 4 Hz diagnosis has run a few times: it must not replace the message
    assert w.problem_bar.isVisible() and w.problem_label.text() == text
    assert "stopped" in w.readout.text()
    return text


def test_killed_while_training_is_noticed_kept_and_restarted(make_window, qtbot, tmp_path):
    w = make_window(LONG)
    w.play()
    qtbot.waitUntil(lambda: w.history.n >= 30, timeout=20000)
    _kill(w, qtbot)
    crashed = w.history
    text = _message_stays(w, qtbot)
    assert "stopped unexpectedly" in text and "SIGKILL" in text and "Save session" in text
    assert w.history is crashed and crashed.n >= 30, "what was recorded stays in view"
    assert w.files.save_session(str(tmp_path / "crashed.vpsession")), "and can be saved"
    w.restart_button.click()
    qtbot.waitUntil(lambda: w.history is not None and w.history.n > 5, timeout=20000)
    assert not w.problem_bar.isVisible()
    assert w.history.info.config == LONG, "the same configuration"
    assert crashed in w.state.pinned, "the crashed run stays pinned beside the new one"
    assert w.state.playing, "it was training: so is the restarted run"


def test_killed_while_paused_then_play_restarts(make_window, qtbot):
    w = make_window(LONG)
    w.step_once()
    qtbot.waitUntil(lambda: w.history.n == 1, timeout=10000)
    _kill(w, qtbot)
    _message_stays(w, qtbot)
    assert w.history.n == 1
    w.play()  # Play after a crash starts the same configuration again
    qtbot.waitUntil(lambda: w.history is not None and w.history.n > 5, timeout=20000)
    assert w.state.problem is None and not w.problem_bar.isVisible()


def test_killed_while_building_is_noticed(make_window, qtbot):
    w = make_window(LONG)
    os.kill(_pid(w), signal.SIGSTOP)  # the child cannot answer the rebuild ...
    w.reset()
    qtbot.wait(100)
    assert w.history is None
    os.kill(_pid(w), signal.SIGKILL)  # ... and dies before it does
    qtbot.waitUntil(lambda: w.state.problem is not None, timeout=5000)
    text = _message_stays(w, qtbot)
    assert "stopped unexpectedly" in text
    assert "Building" not in w.diagnosis.label.text()
    w.restart_button.click()
    qtbot.waitUntil(lambda: w.history is not None, timeout=20000)


def test_close_with_a_stopped_child_returns_promptly(make_window, qtbot):
    w = make_window()
    process = w.controller.process.process
    os.kill(process.pid, signal.SIGSTOP)
    start = time.perf_counter()
    w.close()
    took = time.perf_counter() - start
    assert took < 1.5, f"close took {took:.2f} s"
    assert not process.is_alive()


def test_close_while_training_returns_promptly(make_window, qtbot):
    w = make_window(LONG)
    w.play()
    qtbot.waitUntil(lambda: w.history.n >= 10, timeout=20000)
    process = w.controller.process.process
    start = time.perf_counter()
    w.close()
    took = time.perf_counter() - start
    assert took < 1.5, f"close took {took:.2f} s"
    assert not process.is_alive()


def test_a_refused_session_changes_nothing(make_window, qtbot, tmp_path):
    w = make_window(LONG)
    w.play()
    qtbot.waitUntil(lambda: w.history.n >= 10, timeout=20000)
    bad = tmp_path / "bad.vpsession"
    bad.write_bytes(b"PK\x03\x04 not really a session")
    config, history = w.config, w.history
    assert not w.files.open_session(str(bad))
    assert "bad.vpsession" in w.statusBar().currentMessage()
    assert w.state.playing and w.controller.playing, "no pause"
    assert w.config is config and w.history is history and w.state.replay is None
    assert not w.timeline.isVisible()
    n = w.history.n
    qtbot.waitUntil(lambda: w.history.n > n, timeout=10000)  # still training
