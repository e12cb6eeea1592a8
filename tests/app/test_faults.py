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


# --- a child that stops answering (the watchdog, desktop_app.worker) ---------------------------
STALL_S = 1.5  # the watchdog's limit in these tests (5 s in the app), so that they run quickly


def _watched(make_window):
    """A window on LONG whose watchdog gives up after STALL_S of silence."""
    w = make_window(LONG)
    w.controller.stall_s = STALL_S
    return w


def _stop(w) -> tuple:
    """SIGSTOP the training process; its handle and pid, to check (and clean up) after."""
    process = w.controller.process.process
    os.kill(process.pid, signal.SIGSTOP)
    return process, process.pid


def _cleanup(pid: int) -> None:
    """Whatever the test's outcome: no stopped process is left behind."""
    for sig in (signal.SIGCONT, signal.SIGKILL):
        try:
            os.kill(pid, sig)
        except OSError:
            pass


def test_stopped_while_training_is_noticed_kept_and_restarted(make_window, qtbot, tmp_path):
    w = _watched(make_window)
    w.play()
    qtbot.waitUntil(lambda: w.history.n >= 30, timeout=20000)
    process, pid = _stop(w)
    try:
        start = time.perf_counter()
        qtbot.waitUntil(lambda: w.state.problem is not None, timeout=10000)
        assert time.perf_counter() - start >= STALL_S * 0.9, "not before the limit"
        assert not process.is_alive(), "the stalled process is ended, not left behind"
        assert w.controller.process is None
        stopped = w.history
        text = _message_stays(w, qtbot)
        assert "was stopped (SIGSTOP" in text and "Save session" in text and "Restart training" in text
        assert stopped.n >= 30 and w.history is stopped, "what was recorded stays in view"
        assert w.files.save_session(str(tmp_path / "stalled.vpsession")), "and can be saved"
        w.restart_button.click()
        qtbot.waitUntil(lambda: w.history is not None and w.history.n > 5, timeout=20000)
        assert not w.problem_bar.isVisible() and w.state.problem is None
        assert w.history.info.config == LONG and stopped in w.state.pinned
        assert w.state.playing, "it was training: so is the restarted run"
    finally:
        _cleanup(pid)


def test_stopped_while_building_is_noticed(make_window, qtbot):
    w = _watched(make_window)
    process, pid = _stop(w)
    try:
        w.reset()  # the rebuild is never answered
        qtbot.waitUntil(lambda: w.state.problem is not None, timeout=10000)
        assert not process.is_alive()
        text = _message_stays(w, qtbot)
        assert "was stopped" in text and "tries the same configuration again" in text
        assert "Building" not in w.diagnosis.label.text()
        w.restart_button.click()
        qtbot.waitUntil(lambda: w.history is not None, timeout=20000)
        assert w.state.problem is None
    finally:
        _cleanup(pid)


def test_paused_is_not_a_stall_until_play(make_window, qtbot):
    """A paused child owes nothing: stopped then, it is noticed once Play asks it to train."""
    w = _watched(make_window)
    process, pid = _stop(w)
    try:
        qtbot.wait(int(STALL_S * 2000))
        assert w.state.problem is None and process.is_alive()
        w.play()
        qtbot.waitUntil(lambda: w.state.problem is not None, timeout=10000)
        assert not process.is_alive()
    finally:
        _cleanup(pid)


def test_a_blocked_child_is_noticed_and_a_busy_one_is_not(make_window, qtbot, monkeypatch):
    """Silent while it should train: asleep without using the processor is a stall; running,
    reading the disk, or asleep while its other threads compute (a long step) is not. The child
    is stopped to make it silent; what its state in /proc says is injected."""
    from desktop_app import worker

    w = _watched(make_window)
    w.play()
    qtbot.waitUntil(lambda: w.history.n >= 10, timeout=20000)
    cpu = [0.0]

    def busy(state: str):
        def fake(pid):
            cpu[0] += 0.01  # computing: 10 ms of processor time per poll
            return state, cpu[0]
        return fake

    process, pid = _stop(w)
    try:
        for state in ("R", "D", "S"):
            monkeypatch.setattr(worker, "child_state", busy(state))
            qtbot.wait(int(STALL_S * 1500))
            assert w.state.problem is None, f"a child in state {state} that computes is not stalled"
        monkeypatch.setattr(worker, "child_state", lambda pid: ("S", cpu[0]))  # asleep, no processor time
        qtbot.waitUntil(lambda: w.state.problem is not None, timeout=10000)
        assert "stopped answering" in w.problem_label.text() and "Save session" in w.problem_label.text()
        assert not process.is_alive()
    finally:
        _cleanup(pid)


def test_a_long_silence_of_a_working_child_is_not_a_stall(qtbot, settings):
    """The first start (an interpreter and torch loading) and the build of a large net send
    nothing for seconds: the watchdog, at a limit far shorter than that, must not fire."""
    from desktop_app.window import MainWindow

    w = MainWindow(SMALL, settings=settings)
    w.setProperty("quiet", True)
    qtbot.addWidget(w)
    w.controller.stall_s = 0.5
    w.show()
    try:
        qtbot.waitUntil(lambda: w.history is not None, timeout=30000)
        assert w.state.problem is None
        w.state.set_config(SMALL.replace(depth=100, width=512, n_train=2000, n_val=2000), playing=True)
        qtbot.waitUntil(lambda: w.history is not None and w.history.n >= 3, timeout=60000)
        assert w.state.problem is None
    finally:
        w.close()


def test_a_child_computing_without_a_word_is_said_not_ended(make_window, qtbot, monkeypatch):
    """Running flat out without answering is a very long step or a loop, which nothing outside
    the child can tell apart: it is not ended, the window says so (and how long), the first
    answer clears that, and Restart training ends it and trains the same configuration anew.
    The child is stopped to make it silent; its state in /proc, running and computing, is
    injected."""
    from desktop_app import worker

    w = _watched(make_window)
    w.controller.busy_s = STALL_S
    w.play()
    qtbot.waitUntil(lambda: w.history.n >= 10, timeout=20000)
    cpu = [0.0]

    def running(pid):
        cpu[0] += 0.015  # flat out: one processor's worth per 15 ms poll
        return "R", cpu[0]

    monkeypatch.setattr(worker, "child_state", running)
    process, pid = _stop(w)
    try:
        start = time.perf_counter()
        qtbot.waitUntil(lambda: w.problem_bar.isVisible(), timeout=10000)
        assert time.perf_counter() - start >= STALL_S * 0.9, "not before the limit"
        text = w.problem_label.text()
        assert "computing for" in text and "Restart training" in text
        assert w.state.problem is None and process.is_alive(), "said, not ended"
        qtbot.wait(1500)
        assert process.is_alive() and w.problem_bar.isVisible()
        assert "computing for" in w.problem_label.text() and w.problem_label.text() != text, "the seconds count on"
        os.kill(pid, signal.SIGCONT)  # it answers: the notice goes
        qtbot.waitUntil(lambda: not w.problem_bar.isVisible(), timeout=10000)
        assert w.state.busy == 0 and process.is_alive() and w.state.playing
        n = w.history.n
        os.kill(pid, signal.SIGSTOP)
        qtbot.waitUntil(lambda: w.problem_bar.isVisible(), timeout=10000)
        before = w.history
        w.restart_button.click()
        qtbot.waitUntil(lambda: w.history is not None and w.history is not before and w.history.n > 5, timeout=20000)
        assert not process.is_alive(), "the silent process is ended by the restart, not left behind"
        assert w.controller.process.process.pid != pid
        assert not w.problem_bar.isVisible() and w.state.playing
        assert before in w.state.pinned and before.n >= n, "what was recorded stays in view"
    finally:
        _cleanup(pid)


@pytest.mark.skipif(not hasattr(os, "getpriority"), reason="niceness is a Unix notion")
def test_the_training_process_yields_the_processor_to_the_window(make_window, qtbot):
    """On a busy machine the window's thread must get a processor when it wakes: its training
    process runs at a lower priority (TRAINING_NICE higher niceness) than the window."""
    from desktop_app.worker import TRAINING_NICE

    w = make_window(LONG)
    pid = w.controller.process.process.pid
    qtbot.waitUntil(lambda: w.history is not None, timeout=20000)
    assert os.getpriority(os.PRIO_PROCESS, pid) == min(19, os.getpriority(os.PRIO_PROCESS, 0) + TRAINING_NICE)
