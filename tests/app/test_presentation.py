"""Compare, presentation, classroom and code export, as a teacher uses them."""

from __future__ import annotations

import runpy

from .conftest import SMALL


def test_pin_a_run_and_compare_the_next(make_window, qtbot):
    w = make_window()
    w.play()
    qtbot.waitUntil(lambda: w.history.n_evals >= 5, timeout=20000)
    w.pause()
    w.pin_reference()
    pinned = w.history
    assert w.reference_heatmap.isVisible()
    w.controls.bindings["depth"].widget.setValue(6)
    qtbot.waitUntil(lambda: w.history is not pinned and w.history is not None, timeout=10000)
    assert "depth 4 → 6" in w.reference_label.text()
    x, _ = w.curves.reference_curves[("error", "val")].getData()
    assert len(x) == pinned.n_evals
    assert w.reference_heatmap.history is pinned and w.reference_heatmap.image.image.shape[0] == SMALL.depth + 1
    w.clear_reference()
    assert not w.reference_heatmap.isVisible() and not w.reference_label.isVisible()


def test_presentation_mode_enlarges_text_and_goes_back(make_window, qapp):
    w = make_window()
    size = qapp.font().pointSizeF()
    w.toggle_presentation()
    assert qapp.font().pointSizeF() > size * 1.4 and w.isFullScreen()
    w.toggle_presentation()
    assert qapp.font().pointSizeF() == size and not w.isFullScreen()


def test_classroom_hides_chosen_controls_and_remembers(make_window, settings):
    w = make_window()
    w.set_classroom_hidden({k for k in w.controls.bindings if k != "lr"})
    assert w.controls.bindings["lr"].widget.isVisible()
    assert not w.controls.bindings["depth"].widget.isVisible()
    assert "depth" in settings.value("classroomHidden")
    w.set_classroom_hidden({"depth"})  # one key: QSettings reads it back as a plain string
    from desktop_app.window import MainWindow

    again = MainWindow(settings=settings)
    assert again.classroom_hidden == {"depth"}
    again.restart_timer.stop()
    w.set_classroom_hidden(set())
    assert w.controls.bindings["depth"].widget.isVisible()


def test_model_exports_as_runnable_pytorch(make_window, tmp_path):
    w = make_window()
    path = tmp_path / "model.py"
    assert w.export_snippet(str(path))
    namespace = runpy.run_path(str(path))
    assert len(namespace["linears"]) == SMALL.depth + 1
