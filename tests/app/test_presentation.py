"""Compare, presentation, classroom and code export, as a teacher uses them."""

from __future__ import annotations

import runpy

from .conftest import SMALL


def test_pin_a_run_and_compare_the_next(make_window, qtbot):
    w = make_window()
    w.play()
    qtbot.waitUntil(lambda: w.history.n_evals >= 5, timeout=20000)
    w.pause()
    w.teaching.pin()
    pinned = w.history
    # the run on screen is the pinned one: no copy of its heatmap beside itself yet
    assert not w.reference_heatmap.isVisible() and "This run is pinned" in w.reference_label.text()
    w.controls.bindings["depth"].widget.setValue(6)
    qtbot.waitUntil(lambda: w.history is not pinned and w.history is not None, timeout=10000)
    assert w.reference_heatmap.isVisible()
    assert "depth 4 → 6" in w.reference_label.text()
    x, _ = w.curves.pinned_curves[0][("error", "val")].getData()
    assert len(x) == pinned.n_evals
    assert w.reference_heatmap.history is pinned and w.reference_heatmap.image.image.shape[0] == SMALL.depth + 1
    assert "depth 4" in w.curves.pinned_legend.text()  # named by what sets it apart

    # a second pinned run joins the first, in a colour of its own; the heatmap shows the latest
    w.step_once()
    qtbot.waitUntil(lambda: w.history.n == 1, timeout=10000)
    second = w.history
    assert w.teaching.pin()
    assert w.state.pinned == [pinned, second] and w.reference_heatmap.history is second
    assert len(w.curves.pinned_curves) == 2
    pens = [c[("error", "val")].opts["pen"].color().name() for c in w.curves.pinned_curves]
    assert len(set(pens)) == 2
    legend = w.curves.pinned_legend.text()
    assert "depth 4" in legend and "depth 6" in legend and "2 runs pinned" in w.reference_label.text()

    w.teaching.clear_pinned()
    assert not w.reference_heatmap.isVisible() and not w.reference_label.isVisible()
    assert w.curves.pinned_curves == [] and not w.curves.pinned_legend.isVisible()


def test_pinned_runs_are_capped(make_window, qtbot):
    from desktop_app.run_state import MAX_PINNED

    w = make_window()
    for seed in range(MAX_PINNED + 1):
        w.controls.bindings["seed"].widget.setValue(seed + 1)
        qtbot.waitUntil(lambda s=seed: w.history is not None and w.history.info.config.seed == s + 1, timeout=10000)
        w.step_once()
        qtbot.waitUntil(lambda: w.history.n == 1, timeout=10000)
        assert w.teaching.pin()
    assert len(w.state.pinned) == MAX_PINNED
    assert [h.info.config.seed for h in w.state.pinned] == list(range(2, MAX_PINNED + 2))  # the oldest let go
    assert w.state.pinned_labels()[-1] == f"seed {MAX_PINNED + 1}"


def test_presentation_mode_enlarges_text_and_goes_back(make_window, qapp):
    w = make_window()
    size = qapp.font().pointSizeF()
    w.teaching.toggle_presentation()
    assert qapp.font().pointSizeF() > size * 1.4 and w.isFullScreen()
    w.teaching.toggle_presentation()
    assert qapp.font().pointSizeF() == size and not w.isFullScreen()


def test_classroom_hides_chosen_controls_and_remembers(make_window, settings):
    w = make_window()
    w.teaching.set_classroom_hidden({k for k in w.controls.bindings if k != "lr"})
    assert w.controls.bindings["lr"].widget.isVisible()
    assert not w.controls.bindings["depth"].widget.isVisible()
    assert "depth" in settings.value("classroomHidden")
    w.teaching.set_classroom_hidden({"depth"})  # one key: QSettings reads it back as a plain string
    from desktop_app.window import MainWindow

    again = MainWindow(settings=settings)
    assert again.teaching.classroom_hidden == {"depth"}
    again.state.restart_timer.stop()
    w.teaching.set_classroom_hidden(set())
    assert w.controls.bindings["depth"].widget.isVisible()


def test_model_exports_as_runnable_pytorch(make_window, tmp_path):
    w = make_window()
    path = tmp_path / "model.py"
    assert w.files.export_snippet(str(path))
    namespace = runpy.run_path(str(path))
    assert len(namespace["linears"]) == SMALL.depth + 1
