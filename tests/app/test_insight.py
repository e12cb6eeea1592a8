"""Each insight view fills with data from a real run, and a heatmap click focuses a layer."""

from __future__ import annotations

import numpy as np

from .conftest import SMALL


def test_insight_views_fill_from_a_real_run(make_window, qtbot):
    w = make_window(SMALL.replace(dataset="moons", activation="relu", clip_norm=0.5, steps=200))
    with qtbot.waitSignal(w.state.runFinished, timeout=60000):
        w.play()
    qtbot.waitUntil(lambda: w.history.prediction is not None, timeout=10000)
    ins = w.insight
    w.heatmap.layerSelected.emit(2)  # as a click on the heatmap's row 2
    assert ins.layer == 2

    ins.refresh(force=True)
    assert ins.map_image.image is not None and ins.map_image.image.shape[:2] == (64, 64)
    assert len(ins.train_points.data) == SMALL.n_train

    w.insight_docks["distributions"].raise_()
    lines, median = ins.act_bands
    x, y = median.getData()
    # every fifth evaluation, and the first; step 0 (the untrained network) has no statistics
    measured = [s for s in w.history.eval_series("step") if s == 1 or (s > 0 and (s // SMALL.eval_every) % 5 == 0)]
    assert list(x) == measured and np.isfinite(y).all()  # every fifth evaluation, and the first

    w.insight_docks["health"].raise_()
    widths = ins.dead_bars.opts["width"]
    assert len(widths) == SMALL.depth and np.all((0 <= widths) & (widths <= 1))

    w.insight_docks["ratios"].raise_()
    drawn = [c for c in ins.ratio_curves if c.getData()[0] is not None and len(c.getData()[0])]
    assert len(drawn) == SMALL.depth + 1

    w.insight_docks["clipping"].raise_()
    x, _ = ins.before_curve.getData()
    assert len(x) == 200 and len(ins.after_curve.getData()[0]) == 200
    h = w.history
    assert np.all(h.clipped_norm[:200] <= np.minimum(h.total_norm[:200], 0.5) * (1 + 1e-5))
    assert ins.threshold.isVisible() and "0.5" in ins.clip_label.text()


def test_theory_line_in_the_signal_view(make_window, qtbot):
    w = make_window(SMALL.replace(activation="sigmoid", init="torch_default", depth=6))
    w.heatmap.signal_button.setChecked(True)
    w.step_once()
    qtbot.waitUntil(lambda: w.history.n == 1, timeout=10000)
    w._on_paint_timer_timeout()
    x, y = w.heatmap.theory_line.getData()
    assert list(y) == list(range(1, 7)) and np.all(np.diff(x) > 0), "the predicted signal fades toward the input"
    assert "Poole" in w.heatmap.theory_note.text()
