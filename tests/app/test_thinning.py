"""Long curves are drawn at a (min, max) pair per pixel column, extremes and gaps kept, and the
paint timer slows down where the event loop cannot keep up (desktop_app.views.thinning, .pacing)."""

from __future__ import annotations

import numpy as np
import pytest

from desktop_app.history import RunHistory
from desktop_app.pacing import Pacer
from desktop_app.views.insight import InsightView
from desktop_app.views.thinning import decades, per_column

from .test_long_runs import _info, _records


def test_per_column_keeps_the_extremes_the_gaps_and_the_last_value():
    x = np.arange(1, 100_001)
    y = np.sin(x / 5000) + 1.5
    y[12_345] = 40.0  # a spike at one step
    y[50_000:51_000] = np.nan  # a gap of several columns
    tx, ty = per_column(x, y, 0, 100_000, 400)
    assert len(tx) <= 2 * 400 + 1
    assert np.all(np.diff(tx) >= 0) and tx[0] == 1 and tx[-1] == 100_000
    assert np.nanmax(ty) == 40.0, "a one-step spike survives"
    assert np.nanmin(ty) == pytest.approx(np.nanmin(y))
    assert np.isnan(ty).any(), "a column of NaN stays a gap"
    assert ty[-1] == y[-1], "the curve ends on the latest value"
    lo_x, lo = per_column(x, y, 0, 100_000, 400, keep="min")
    hi_x, hi = per_column(x, y, 0, 100_000, 400, keep="max")
    assert len(lo) == len(hi) <= 400 and np.all(np.nan_to_num(lo) <= np.nan_to_num(hi))
    assert np.nanmax(hi) == 40.0


def test_per_column_leaves_short_curves_alone():
    x, y = np.arange(300), np.random.default_rng(0).normal(size=300)
    tx, ty = per_column(x, y, 0, 300, 400)
    assert tx is x and ty is y
    assert per_column(x, y, 0, 300, 0)[0] is x, "a plot not laid out yet (0 px): thinned at a floor width, here not at all"


def test_decades():
    assert decades(np.array([3e-5, 0.2, np.nan, 0.0, -1.0])) == (-5, 0)
    assert decades(np.array([0.5]), least=4) == (-3, 1)
    assert decades(np.array([np.nan, 0.0])) is None


def _shown_view(qtbot, *names: str) -> InsightView:
    """An InsightView whose pages (those named; all by default) are shown at 420 x 300."""
    view = InsightView()
    for name, (_, page) in view.pages.items():
        if not names or name in names:
            qtbot.addWidget(page)
            page.resize(420, 300)
            page.show()
    return view


def test_insight_curves_of_a_long_run_are_thinned_and_reach_the_end(qtbot):
    h = RunHistory(_info(1_000_000, layers=7, eval_every=1))
    for start in range(1, 40_001, 2000):
        h.append(_records(start, 2000, layers=7, eval_every=1))
    view = _shown_view(qtbot)
    view.set_history(h)
    qtbot.wait(10)
    view.refresh(force=True)
    width = view.clip_plot.vb.width()
    lines = [curve.getData()[0] for curve in (view.before_curve, view.dead_curve)]
    for curve in view.ratio_curves:  # each layer's line, NaN after each
        x, _ = curve.getData()
        lines += np.split(x, np.flatnonzero(np.isnan(x)) + 1)[:-1]
    assert len(lines) == 2 + 7
    for x in lines:
        x = x[np.isfinite(x)]
        assert x[-1] == 40_000, "the curves reach the last step"
        assert len(x) <= 2 * max(width, 200) + 1, f"{len(x)} points for a plot {width:.0f} px wide"
    (x0, x1), _ = view.clip_plot.vb.viewRange()
    assert x0 <= 0 and 40_000 <= x1 <= 60_000, "the step axis spans the steps run, a few jumps a decade"


def test_the_pacer_slows_down_when_turns_come_late_and_recovers():
    pacer = Pacer(11, 33)
    now = 0.0
    for _ in range(200):  # every turn 10 ms late: the event loop is saturated
        now += (pacer.interval + 10) / 1000
        pacer.tick(now)
    assert pacer.interval == pytest.approx(33)
    for _ in range(400):  # on time again
        now += pacer.interval / 1000
        pacer.tick(now)
    assert pacer.interval == pytest.approx(11)


def test_per_column_thins_several_curves_together():
    """A row of several curves per step: each column of each curve keeps its own extremes, a
    curve that is NaN in a column keeps the gap, and the last values end every curve."""
    rng = np.random.default_rng(1)
    x = np.arange(1, 20_001)
    y = rng.random((20_000, 3))
    y[5_000:5_300, 1] = np.nan  # a whole column or two
    y[-1, 2] = np.nan
    tx, ty = per_column(x, y, 0, 20_000, 200)
    assert ty.shape[1] == 3 and len(tx) == len(ty) <= 2 * 200 + 1
    for k in range(3):
        one_x, one_y = per_column(x, y[:, k], 0, 20_000, 200)
        n = 2 * 200
        np.testing.assert_array_equal(ty[:n, k], one_y[:n])
        np.testing.assert_array_equal(tx[:n], one_x[:n])
    assert np.isnan(ty[:, 1]).any(), "a column of NaN stays a gap"
    assert tx[-1] == 20_000 and ty[-1, 0] == y[-1, 0] and ty[-1, 1] == y[-1, 1]


def test_a_deep_nets_update_ratios_are_a_few_items_with_every_layer_and_the_focus_on_top(qtbot):
    """At depth 100 the 101 lines are drawn by RATIO_SHADES items (one per shade of
    neighbouring layers), every layer's line in one of them, the focused layer again, thick."""
    from desktop_app.views.insight import RATIO_SHADES

    layers = 101
    h = RunHistory(_info(10_000, layers=layers, eval_every=10))
    h.append(_records(1, 3000, layers=layers, eval_every=10))
    view = _shown_view(qtbot, "ratios")
    view.set_history(h)
    view.set_layer(40)
    view.refresh(force=True)
    assert len(view.ratio_curves) == RATIO_SHADES
    lines = 0
    for curve in view.ratio_curves:
        x, y = curve.getOriginalDataset()  # getData's is drawn: log10 of the ratios
        assert np.isnan(x[-1]) and np.isnan(y[-1])
        lines += int(np.isnan(x).sum())
        segments = np.split(y, np.flatnonzero(np.isnan(x)) + 1)[:-1]
        assert all(np.allclose(s[:-1], 0.01) for s in segments), "each layer's measured ratios"
    assert lines == layers, "every layer's line, once"
    x, y = view.ratio_focus.getOriginalDataset()
    assert view.ratio_focus.opts["pen"].widthF() == 3 and np.isfinite(x[:-1]).all() and x[-2] == 3000
