"""The window at the sizes learners use (a projector's 1280 x 720, a laptop's 1366 x 768, a
monitor's 1920 x 1080): it fits, and no label, button or tab shows its text cut off."""

from __future__ import annotations

import pytest
from qtpy.QtWidgets import QAbstractButton, QApplication, QLabel, QTabBar, QWidget

from desktop_app.style import ReadoutWidget

SIZES = [(1280, 720), (1366, 768), (1920, 1080)]


def cut_off(window) -> list[str]:
    """Visible texts narrower on screen than they need: labels that do not wrap, buttons and tabs."""
    bad = []
    for widget in window.findChildren(QWidget):
        if not widget.isVisible() or widget.visibleRegion().isEmpty():
            continue
        if isinstance(widget, QLabel) and not widget.wordWrap() and widget.text().strip():
            text = widget.text()
        elif isinstance(widget, (QAbstractButton, ReadoutWidget)) and widget.text().strip():
            text = widget.text()
        else:
            continue
        need = widget.sizeHint().width()
        if widget.width() + 1 < need:
            bad.append(f"{type(widget).__name__} {widget.objectName() or ''} {text!r}: {widget.width()} px < {need} px")
    for bar in window.findChildren(QTabBar):
        if not bar.isVisible():
            continue
        for i in range(bar.count()):
            rect, text = bar.tabRect(i), bar.tabText(i)
            vertical = bar.shape() in (QTabBar.Shape.RoundedEast, QTabBar.Shape.RoundedWest)
            room = rect.height() if vertical else rect.width()
            if room < bar.fontMetrics().horizontalAdvance(text.replace("&", "")) + 8:
                bad.append(f"tab {text!r}: {room} px")
    return bad


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_the_window_fits_and_nothing_is_cut_off(make_window, qtbot, size):
    w = make_window()
    w.resize(*size)
    w.lessons.picker.setCurrentIndex(2)  # a lesson with its text and fix buttons
    qtbot.waitUntil(lambda: w.history is not None and w.history.info.config == w.config, timeout=20000)
    w.pause()
    QApplication.processEvents()
    w._on_paint_timer_timeout()
    w._on_diagnosis_timer_timeout()
    QApplication.processEvents()
    assert w.width() <= size[0] and w.height() <= size[1], f"the window needs {w.minimumSizeHint()}"
    assert cut_off(w) == []
    # the pictures get the room: the heatmap and the learned boundary are each a real picture
    assert w.heatmap.width() >= 0.3 * size[0] - 40
    assert w.learned_page.width() >= 200 and w.learned_page.height() >= 200


def test_with_pinned_runs_the_window_still_fits_1280x720(make_window, qtbot):
    """Pinning a run adds its heatmap beside the current one: still nothing cut off."""
    w = make_window()
    w.resize(1280, 720)
    w.step_once()
    qtbot.waitUntil(lambda: w.history.n >= 1, timeout=20000)
    w.teaching.pin()
    w.reset()
    qtbot.waitUntil(lambda: w.history is not None and w.history.n == 0, timeout=20000)
    w.step_once()
    qtbot.waitUntil(lambda: w.history.n >= 1, timeout=20000)
    w.teaching.pin()
    w.reset()  # a new run: the pinned one's heatmap shows beside it
    qtbot.waitUntil(lambda: w.history is not None and w.history.n == 0, timeout=20000)
    QApplication.processEvents()
    w._on_paint_timer_timeout()
    QApplication.processEvents()
    assert w.reference_heatmap.isVisible()
    assert w.width() <= 1280 and w.height() <= 720, f"the window needs {w.minimumSizeHint()}"
    assert cut_off(w) == []
