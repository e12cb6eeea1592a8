"""The run state makes each decision once: a live edit is validated once and sent throttled, a
structural one rebuilds once; the optimizers lesson overlays all four optimizers."""

from __future__ import annotations

import pytest

from desktop_app.lessons_view import OVERLAY_LESSONS
from desktop_app.run_state import LIVE_THROTTLE_MS
from engine import Config, load_lessons, load_preset

from .conftest import SMALL


def test_a_live_drag_is_validated_once_per_tick_and_sent_throttled(make_window, qtbot, monkeypatch):
    # long enough to be still training when the throttled value arrives: the small net's 400 steps
    # take a fraction of a second, and an ended run takes no live change
    w = make_window(SMALL.replace(steps=1_000_000))
    w.play()
    qtbot.waitUntil(lambda: w.history.n >= 5, timeout=20000)
    sent: list[dict] = []
    send = w.controller.set_live
    monkeypatch.setattr(w.controller, "set_live", lambda changes: (sent.append(dict(changes)), send(changes)))
    replaced = []
    original = Config.replace
    monkeypatch.setattr(Config, "replace", lambda self, **kw: (replaced.append(kw), original(self, **kw))[1])
    lr = w.controls.bindings["lr"].widget
    values = [round(0.001 * (1 + i / 10), 6) for i in range(20)]
    for value in values:  # a drag: twenty ticks with no time between them
        lr.setValue(value)
    assert len(replaced) == len(values), "each tick is validated once, by the run state"
    assert len(sent) == 1, "the first tick goes at once, the rest wait for the throttle"
    qtbot.wait(3 * LIVE_THROTTLE_MS)
    # on a busy machine the throttle's timer may fire late: wait for it, then check nothing more went
    qtbot.waitUntil(lambda: len(sent) >= 2, timeout=10 * LIVE_THROTTLE_MS + 2000)
    assert len(sent) == 2 and sent[-1] == {"lr": w.config.lr}  # the last value wins
    assert w.config.lr == pytest.approx(values[-1], rel=0.01)
    qtbot.waitUntil(lambda: w.history.live["lr"] == w.config.lr, timeout=10000)  # as the engine applied it
    w.pause()


def test_a_refused_edit_shows_the_configuration_again(make_window):
    w = make_window()
    before = w.config
    assert not w.state.edit("depth", 0)
    assert w.config == before and "depth" in w.statusBar().currentMessage()
    assert w.controls.value("depth") == before.depth


def test_overlay_all_pins_the_problem_and_every_fix(make_window, qtbot):
    w = make_window()
    lesson = next(lesson for lesson in load_lessons() if lesson.id in OVERLAY_LESSONS)
    presets = [lesson.problem, *(fix.preset for fix in lesson.fixes)]
    w.lessons.select(w.lessons.lessons[0].id)
    assert not w.lessons.overlay_button.isVisible()  # only a lesson of alternatives offers it
    w.lessons.select(lesson.id)
    assert w.lessons.overlay_button.isVisible()
    w.lessons.overlay_button.click()
    assert w.state.comparing and w.lessons.overlay_button.text() == "Stop overlaying"
    qtbot.waitUntil(lambda: not w.state.comparing, timeout=180000)
    pinned = w.state.pinned
    assert [h.info.config for h in pinned] == [load_preset(name).apply() for name in presets]
    assert all(h.last_record.status.value != "running" for h in pinned), "each trained to its end"
    labels = w.state.pinned_labels()
    optimizers = [str(h.info.config.optimizer) for h in pinned]
    assert len(set(optimizers)) == len(pinned) == 4
    assert all(f"optimizer {name}" in label for name, label in zip(optimizers, labels))
    curves = w.curves.pinned_curves
    assert len(curves) == 4 and all(len(c[("error", "val")].getData()[0]) == h.n_evals for c, h in zip(curves, pinned))
    assert len({c[("error", "val")].opts["pen"].color().name() for c in curves}) == 4
    assert all(label in w.curves.pinned_legend.text() for label in labels)
    assert w.lessons.overlay_button.text() == "Overlay all"


def test_a_learner_action_stops_the_overlay(make_window, qtbot):
    w = make_window()
    w.lessons.select(next(iter(OVERLAY_LESSONS)))
    w.lessons.overlay_button.click()
    assert w.state.comparing
    qtbot.waitUntil(lambda: w.history is not None and w.history.n > 0, timeout=20000)
    w.controls.bindings["lr"].widget.setValue(0.002)  # the learner takes over
    assert not w.state.comparing and w.state.pinned == []
    w.lessons.overlay_button.click()
    assert w.state.comparing
    w.lessons.select(w.lessons.lessons[0].id)  # another lesson
    assert not w.state.comparing
    w.pause()
