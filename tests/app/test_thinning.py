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


def test_insight_curves_of_a_long_run_are_thinned_and_reach_the_end(qtbot):
    h = RunHistory(_info(1_000_000, layers=7, eval_every=1))
    for start in range(1, 40_001, 2000):
        h.append(_records(start, 2000, layers=7, eval_every=1))
    view = InsightView()
    for _, page in view.pages.values():
        qtbot.addWidget(page)
        page.resize(420, 300)
        page.show()
    view.set_history(h)
    qtbot.wait(10)
    view.refresh(force=True)
    width = view.clip_plot.vb.width()
    for curve in (view.before_curve, view.dead_curve, *view.ratio_curves):
        x, _ = curve.getData()
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
