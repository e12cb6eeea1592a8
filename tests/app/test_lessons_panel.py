"""The lessons panel drives the window: a lesson loads its problem, a fix moves the controls."""

from __future__ import annotations

from engine.lessons import load_lessons
from engine.presets import load_preset


def test_choosing_a_lesson_loads_its_problem_and_a_fix_moves_the_controls(make_window, qtbot):
    w = make_window()
    lesson = load_lessons()[0]
    restarts = w.restarts
    w.lessons.picker.setCurrentIndex(0)
    assert w.config == load_preset(lesson.problem).apply()
    assert w.controller.playing
    assert w.lessons.look.text() and w.lessons.fix_buttons
    qtbot.waitUntil(lambda: w.restarts > restarts and w.history.n > 0, timeout=20000)

    fix = lesson.fixes[0]
    expected = load_preset(fix.preset).apply()
    moved = w.config.diff(expected)
    w.lessons.fix_buttons[0].click()
    assert w.config == expected
    assert moved, "a fix that changes nothing teaches nothing"
    for key in moved:  # the controls that moved are lit up for the learner
        assert w.controls.labels[key].styleSheet()
        assert w.controls.value(key) == getattr(expected, key)
    assert fix.t("label") in w.statusBar().currentMessage()
    w.pause()


def test_after_a_fix_the_watch_box_says_what_the_fix_shows(make_window):
    """The yellow box described the problem even after a fix had cured it; it follows the fix,
    and the problem's line comes back with the problem."""
    w = make_window()
    lesson = load_lessons()[0]
    w.lessons.picker.setCurrentIndex(0)
    assert w.lessons.look.text() == lesson.t("look")
    w.lessons.fix_buttons[0].click()
    assert lesson.fixes[0].t("label") in w.lessons.look.text() and lesson.t("look") != w.lessons.look.text()
    w.lessons.problem_button.click()
    assert w.lessons.look.text() == lesson.t("look")
    w.pause()
