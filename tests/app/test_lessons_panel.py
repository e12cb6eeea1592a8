"""The lessons panel drives the window: a lesson loads its problem, a fix moves the controls."""

from __future__ import annotations

import pytest

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




def test_a_title_wider_than_the_picker_ends_in_an_ellipsis_and_is_whole_in_its_tooltip(qtbot):
    """A plain combo box cut "12. Exploding through time, and clipping" off mid-letter at 1280 px:
    the picker draws what a plain box draws of the title elided to its text field."""
    from qtpy.QtCore import Qt
    from qtpy.QtWidgets import QComboBox, QStyle, QStyleOptionComboBox

    from desktop_app.lessons_view import LessonsPanel

    panel = LessonsPanel()
    qtbot.addWidget(panel)
    index = next(i for i, lesson in enumerate(panel.lessons) if lesson.id == "exploding_time")
    panel.picker.setCurrentIndex(index)
    title = panel.picker.currentText()
    assert title.startswith("12. Exploding through time") and panel.picker.toolTip() == title
    option = QStyleOptionComboBox()
    panel.picker.setFixedSize(150, 26)
    panel.picker.initStyleOption(option)
    field = panel.picker.style().subControlRect(
        QStyle.ComplexControl.CC_ComboBox, option, QStyle.SubControl.SC_ComboBoxEditField, panel.picker
    )
    elided = panel.picker.fontMetrics().elidedText(title, Qt.TextElideMode.ElideRight, field.width())
    assert elided.endswith("…") and len(elided) < len(title)
    boxes = {}
    for name, text in (("elided", elided), ("cut", title)):
        plain = QComboBox(panel)  # the panel's font and style
        plain.addItem(text)
        plain.setFixedSize(150, 26)
        boxes[name] = plain.grab().toImage()
    shown = panel.picker.grab().toImage()
    assert shown == boxes["elided"] and shown != boxes["cut"]


@pytest.mark.parametrize("language", ["en", "zh_CN"])
def test_every_fix_label_fits_its_button_at_1280_by_720(make_window, qtbot, language):
    """A push button does not wrap or elide: "Apply: orthogonal recurrent weights" lost its last
    letter at 1280 px. Every lesson's fix labels fit, in both languages."""
    from qtpy.QtWidgets import QStyle, QStyleOptionButton

    w = make_window(language=language)
    w.resize(1280, 720)
    w.lessons_dock.raise_()
    qtbot.wait(50)
    too_wide = []
    for lesson in w.lessons.lessons:
        w.lessons.select(lesson.id, load=False)
        qtbot.wait(20)  # the new buttons laid out
        for button in w.lessons.fix_buttons:
            option = QStyleOptionButton()
            button.initStyleOption(option)
            room = button.style().subElementRect(QStyle.SubElement.SE_PushButtonContents, option, button).width()
            if button.fontMetrics().horizontalAdvance(button.text()) > room:
                too_wide.append((lesson.id, button.text()))
    assert not too_wide
