"""Record a run, open it later and scrub through it without training."""

from __future__ import annotations

import numpy as np

from .conftest import SMALL


def test_save_open_and_scrub_a_session(make_window, qtbot, tmp_path):
    w = make_window(SMALL.replace(steps=120))
    with qtbot.waitSignal(w.state.runFinished, timeout=60000):
        w.play()
    original = w.history
    path = tmp_path / "run.vpsession"
    assert w.files.save_session(str(path))

    w.reset()
    qtbot.waitUntil(lambda: w.history is not None and w.history is not original, timeout=10000)
    assert w.files.open_session(str(path))
    assert w.timeline.isVisible() and w.history.n == 120
    assert np.array_equal(w.history.grad_log10, original.grad_log10, equal_nan=True)
    assert w.history.eval_series("val_error").tolist() == original.eval_series("val_error").tolist()

    w.timeline.slider.setValue(30)
    qtbot.waitUntil(lambda: w.history.n == 30, timeout=5000)
    assert w.heatmap.image.image.shape[1] == 30
    assert w.history.n_evals == 5  # step 0 (untrained, from the saved summary), 1, 10, 20, 30
    assert w.history.eval_series("step")[0] == 0
    assert not w.controller.playing, "replay trains nothing"

    damaged = tmp_path / "damaged.vpsession"
    damaged.write_bytes(path.read_bytes()[:500])
    shown = w.history
    assert not w.files.open_session(str(damaged))
    assert "damaged.vpsession" in w.statusBar().currentMessage()
    assert w.history is shown, "a refused file changes nothing"



def test_curves_start_at_step_zero(make_window):
    """Before any update the curves already show the untrained network (step 0)."""
    w = make_window()
    h = w.history
    assert h.n_evals == 1 and h.eval_series("step").tolist() == [0]
    assert h.eval_series("val_error")[0] == h.info.initial.val_error
    assert 0.3 < h.info.initial.val_error < 0.7  # chance, before training
    assert h.last_eval is None  # no layer statistics before a step
