"""The insight pages drawn from real runs: the mean and worst layer's unit health, ∂L/∂s on a log
scale, decade labels on log axes, and a square map of what the network learned."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from desktop_app.history import RunHistory
from desktop_app.views.curves import ErrorCurvesView
from desktop_app.views.insight import InsightView

from .conftest import SMALL
from .test_views_heatmap import DIVERGES, records_of

DYING = SMALL.replace(depth=8, activation="relu", init="he_normal", dataset="circles", lr=0.05, steps=300)
FADING = SMALL.replace(depth=12, activation="sigmoid", init="torch_default", dataset="moons", lr=0.01, steps=150)


def filled(qtbot, config, layer: int = 1) -> tuple[InsightView, RunHistory]:
    from engine.insight import prediction_map
    from engine.service import RunInfo
    from engine.trainer import Run

    run = Run(config)
    info = RunInfo(0, config, run.layer_names, run.layer_sizes, "cpu", run.data)
    history = RunHistory(info)
    history.append([run.step() for _ in range(config.steps)])
    history.prediction, history.predictions = prediction_map(run), 1
    view = InsightView()
    for _, page in view.pages.values():
        qtbot.addWidget(page)
    view.set_history(history)
    view.set_layer(layer)
    return view, history


def test_unit_health_plots_the_mean_and_the_worst_layer(qtbot):
    view, h = filled(qtbot, DYING, layer=1)
    j = h.n_evals
    dead = h.layer_series["dead_frac"][:j, :-1]
    x, y = view.dead_curve.getData()
    assert list(x) == list(h.eval_series("step"))
    assert np.allclose(y, dead.mean(axis=1)), "the mean over the hidden layers, not the focused layer"
    assert dead[-1, 0] < dead[-1].max(), "the run must have a worse layer than layer 1"
    assert y[-1] > dead[-1, 0]  # layer 1 alone would understate it
    worst = int(np.argmax(dead[-1])) + 1
    assert view.worst_layers["dead_frac"] == worst
    assert np.allclose(view.worst_dead_curve.getData()[1], dead[:, worst - 1])
    assert view.worst_dead_label.textItem.toPlainText() == f"layer {worst}"
    assert f"layer {worst}" in view.health_time_label.text()
    assert len(view.dead_bars.opts["width"]) == DYING.depth  # the per-layer bars stay
    assert view.sat_curve.getData()[0] is None or not np.isfinite(view.sat_curve.getData()[1]).any()  # no saturation for ReLU


def empty(item) -> bool:
    x = item.getData()[0]
    return x is None or len(x) == 0


def test_a_seed_bands_unit_health_is_its_seeds_median_shaded_by_their_range(qtbot):
    """With the band on, the solid curve is the median over the seeds of each seed's own mean over
    its hidden layers, shaded from the lowest seed's to the highest's; a band saved before these
    were kept draws its per-layer medians' mean, unshaded."""
    from engine import hidden_share
    from engine.band import SeedBand
    from engine.service import RunInfo
    from engine.trainer import Run

    config = DYING.replace(steps=100)
    band = SeedBand(config)
    info = RunInfo(0, config, band.layer_names, band.layer_sizes, "cpu", band.data, seeds=band.seeds)
    records = [band.step() for _ in range(config.steps)]
    history = RunHistory(info)
    history.append(records)
    view = InsightView()
    for _, page in view.pages.values():
        qtbot.addWidget(page)
    view.set_history(history)
    view.set_layer(1)
    view._health(history)
    # each seed's own dead share, alone
    alone = [[e for e in Run(config.replace(seed=s)) if e.evaluation is not None] for s in band.seeds]
    shares = np.array([[hidden_share(r.evaluation.layers.dead_frac) for r in runs] for runs in alone])  # (seeds, evals)
    x, y = view.dead_curve.getData()
    np.testing.assert_array_equal(x, [r.step for r in alone[0]])
    np.testing.assert_allclose(y, np.median(shares, axis=0))
    low, high = view.health_bands["dead_share"]
    np.testing.assert_allclose(low.getData()[1], shares.min(axis=0))
    np.testing.assert_allclose(high.getData()[1], shares.max(axis=0))
    assert (shares.max(axis=0) > shares.min(axis=0)).any(), "the seeds differ: the shading has a width"
    assert "median of seeds 0–4" in view.health_time_label.text() and "shaded" in view.health_time_label.text()
    # tanh-free ReLU net: nothing saturates, nothing is shaded for it
    assert all(empty(edge) for edge in view.health_bands["saturated_share"])

    # a band of version 2 (no unit health kept): the per-layer medians' mean, unshaded
    old = [
        dataclasses.replace(r, evaluation=dataclasses.replace(r.evaluation, band=dataclasses.replace(
            r.evaluation.band, health_lo=(), health_mid=(), health_hi=())))
        if r.evaluation is not None else r
        for r in records
    ]
    older = RunHistory(info)
    older.append(old)
    view.set_history(older)
    view._health(older)
    x, y = view.dead_curve.getData()
    np.testing.assert_allclose(y, hidden_share(older.layer_series["dead_frac"][: older.n_evals]))
    assert empty(low) and empty(high) and "shaded" not in view.health_time_label.text()


def test_signal_distribution_on_a_log_scale_and_decade_labels(qtbot):
    view, h = filled(qtbot, FADING, layer=1)
    view.refresh(force=True)
    assert view.sig_plot.getAxis("left").logMode and "spread" in view.sig_plot.getAxis("left").labelText
    q = h.signal_quantiles[: h.n_evals, 0]
    q = q[np.isfinite(q[:, 2])]
    x, y = view.sig_wide.getOriginalDataset()  # getData() is in log10 on a log axis
    assert np.allclose(y, q[:, 4] - q[:, 0]) and np.all(y < 1e-3), "the input layer's signal of a deep sigmoid net is tiny"
    lo, hi = view.sig_plot.vb.viewRange()[1]
    assert hi - lo >= 4 and lo <= np.log10(y.min()) and hi >= np.log10(y.max()), "decades, not a linear blow-up"
    for plot in (view.sig_plot,):  # the one page of this run whose axis spans decades
        axis = plot.getAxis("left")
        r0, r1 = plot.vb.viewRange()[1]
        assert r1 - r0 >= 2
        levels = axis.tickValues(r0, r1, 400)
        labels = [t for spacing, values in levels for t in axis.tickStrings(values, 1, spacing) if t]
        assert labels and all(t.startswith("10") for t in labels), labels  # 10⁻³, never a crowd of 2, 5


def test_what_it_learned_is_square_with_equal_axes(qtbot):
    view, h = filled(qtbot, SMALL.replace(dataset="circles", steps=20))
    title, page = view.pages["learned"]
    page.resize(350, 350)
    page.show()
    view.refresh(force=True)
    qtbot.wait(10)
    vb = view.map_plot.vb
    assert vb.state["aspectLocked"] == 1
    (x0, x1), (y0, y1) = vb.viewRange()
    width, height = vb.width(), vb.height()
    assert (x1 - x0) / width == pytest.approx((y1 - y0) / height, rel=0.02), "one unit is as long across as up"
    ex0, ex1, ey0, ey1 = h.prediction["extent"]
    assert x0 <= ex0 + 1e-6 and x1 >= ex1 - 1e-6 and y0 <= ey0 + 1e-6 and y1 >= ey1 - 1e-6, "the whole map in view"
    assert min(width, height) > 200, "drawn large enough at 350×350"


def curves_of(qtbot, info, records) -> tuple[ErrorCurvesView, RunHistory]:
    """The error curves drawn from `records`."""
    h = RunHistory(info)
    h.append(records)
    curves = ErrorCurvesView()
    qtbot.addWidget(curves)
    curves.set_history(h)
    curves.refresh()
    return curves, h


def test_error_curves_follow_the_steps_run(qtbot):
    curves, h = curves_of(qtbot, *records_of(DIVERGES))
    lo, hi = curves.plots["error"].vb.viewRange()[0]
    assert hi < 10, "a run that diverged at step 3 fills the plot, not 1/500 of it"
    assert curves.diverged_line["error"].isVisible() and curves.diverged_line["error"].value() == h.n


def test_a_zero_error_sits_on_the_floor_of_a_readable_axis(qtbot):
    """Errors that are all zero (a replayed stretch of a run that has learned): the error axis runs
    to 5%, not to 0.1% where the flat line at zero read as noise; the loss axis still follows a
    small loss closely."""
    info, records = records_of(SMALL.replace(dataset="gaussians", steps=60, eval_every=10))
    info = dataclasses.replace(info, initial=None)
    zero = [
        dataclasses.replace(r, evaluation=dataclasses.replace(r.evaluation, train_error=0.0, val_error=0.0))
        if r.evaluation is not None else r
        for r in records
    ]
    curves, h = curves_of(qtbot, info, zero)
    assert not np.nanmax(np.concatenate([h.eval_series("train_error"), h.eval_series("val_error")]))
    assert curves.plots["error"].vb.viewRange()[1][1] >= 0.05
    losses = np.concatenate([h.eval_series("train_loss"), h.eval_series("val_loss")])
    assert curves.plots["loss"].vb.viewRange()[1][1] < 1.5 * max(np.nanmax(losses), 1e-3)
