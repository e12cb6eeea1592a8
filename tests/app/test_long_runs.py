"""A long run keeps every view live with bounded memory: fed records (no training, so that it is
fast), far past the old 100,000-step limit, on a deep net with an evaluation on every step."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from desktop_app import history as history_module
from desktop_app.history import RunHistory
from desktop_app.views.curves import ErrorCurvesView
from desktop_app.views.heatmap import WINDOW_STEPS, GradientHeatmapView
from desktop_app.views.insight import InsightView
from engine import Config, Evaluation, LayerStats, RunStatus, StepRecord

LAYERS = 101  # depth 100


def _info(steps: int, layers: int = LAYERS, eval_every: int = 1):
    config = Config(depth=layers - 1, width=8, steps=steps, eval_every=eval_every)
    return SimpleNamespace(config=config, n_layers=layers, layer_names=[f"l{i}" for i in range(layers)], initial=None,
                           data=None, predicted_chi=None)


def _records(start: int, count: int, layers: int = LAYERS, eval_every: int = 1, spike: int | None = None) -> list:
    out = []
    for step in range(start, start + count):
        grads = np.full(layers, 0.1 * (1 + 0.5 * np.sin(step / 1000)))
        if step == spike:
            grads[:] = 1e4
        ev = None
        if step % eval_every == 0:
            stats = LayerStats(*(np.full(layers, 0.01) for _ in range(6)), np.zeros((layers, 5)), np.ones((layers, 5)) * 1e-3)
            loss = 1.0 / np.sqrt(step) if step != spike else 50.0
            ev = Evaluation(step, loss, 0.1, loss, 0.2, stats)
        out.append(StepRecord(step, 1.0, grads, grads, float(grads[0]), float(grads[0]) / 2, RunStatus.RUNNING, ev))
    return out


def test_memory_is_bounded_and_old_spikes_stay_visible():
    steps = 120_000
    h = RunHistory(_info(steps))
    buffers = h.grad_log10.nbytes + h.signal_log10.nbytes + h.act_quantiles.nbytes + h.signal_quantiles.nbytes
    buffers += sum(a.nbytes for a in h.layer_series.values())
    assert buffers < 80 * 2**20, f"{buffers / 2**20:.0f} MiB allocated for a depth-100 run"
    batch = 500
    for start in range(1, steps + 1, batch):
        h.append(_records(start, batch, spike=1234))
    assert h.n == steps and h.appended == steps
    assert h.n_cols <= h.capacity and h.n_evals <= len(h.evals["step"])
    assert len(h.records) <= h.record_cap * 5 // 4 and h.records[-1].step == steps
    # the last steps at full resolution, one column per step
    tail = h.col_steps[h.n_cols - history_module.RECENT_STEPS : h.n_cols]
    assert np.array_equal(tail, np.arange(steps - history_module.RECENT_STEPS + 1, steps + 1))
    assert h.value_at(False, 1, steps) == pytest.approx(_records(steps, 1)[0].grad_norms[0], rel=1e-5)
    assert h.value_at(False, 1, 1234) is None, "an old step is held only in the decimated history"
    # older steps decimated, in step order, with the spike at step 1234 still there (min/max)
    assert (np.diff(h.col_steps[: h.n_cols]) >= 0).all() and h.col_steps[0] == 1
    assert np.nanmax(h.grad_log10[:, : h.n_cols]) == pytest.approx(4.0)
    evals = h.eval_series("step")
    assert (np.diff(evals) >= 0).all() and evals[-1] == steps
    assert h.eval_series("val_loss").max() == pytest.approx(50.0)
    assert h.clipped_steps == steps


def test_views_keep_updating_past_100000_steps(qtbot):
    h = RunHistory(_info(300_000, layers=11, eval_every=10))
    heatmap, curves, insight = GradientHeatmapView(), ErrorCurvesView(), InsightView()
    for view in (heatmap, curves):
        qtbot.addWidget(view)
    for view in (heatmap, curves, insight):
        view.set_history(h)
    pages = {"clipping", "health", "ratios", "distributions"}
    for start in range(1, 120_001, 2000):
        h.append(_records(start, 2000, layers=11, eval_every=10))
    for end in (120_000, 160_000):
        if end > h.n:
            h.append(_records(h.n + 1, end - h.n, layers=11, eval_every=10))
        heatmap.refresh()
        curves.refresh()
        insight.refresh(pages)
        lo, hi = heatmap.plot.vb.viewRange()[0]
        assert (lo, hi) == pytest.approx((end - WINDOW_STEPS + 0.5, end + 0.5)), "the heatmap scrolls on"
        assert heatmap.image.image.shape == (11, WINDOW_STEPS) and heatmap.shown_step == end
        x, _ = curves.curves[("error", "val")].getData()
        assert x[-1] == end, "the curves reach the last evaluation"
        x, _ = insight.before_curve.getData()
        assert x[-1] == end, "the clipping view too"


def test_records_are_kept_out_of_the_garbage_collectors_way_and_read_back_whole():
    """A live run's StepRecords are pickled a batch at a time (bytes, which Python's garbage
    collector never scans: as objects they made each full collection ~100 ms); export and save
    read them back as they were. A replay's large batch is kept as its session holds it."""
    import gc

    h = RunHistory(_info(1_000_000, layers=7, eval_every=10))
    sent = []
    for start in range(1, 60_001, 20):
        batch = _records(start, 20, layers=7, eval_every=10)
        sent += batch[-1:]
        h.append(batch)
    assert all(isinstance(chunk, bytes) and not gc.is_tracked(chunk) for _, chunk in h._chunks)
    records = h.records
    assert len(records) == h.record_cap and records[-1].step == 60_000
    assert [r.step for r in records] == list(range(60_001 - h.record_cap, 60_001))
    last = records[-1]
    assert np.array_equal(last.grad_norms, sent[-1].grad_norms) and last.evaluation.val_error == sent[-1].evaluation.val_error
    replay = RunHistory(_info(1_000_000, layers=7, eval_every=10))
    session = _records(1, 5000, layers=7, eval_every=10)
    replay.append(session)
    assert replay.records[-1] is session[-1], "a replay's records are its session's, not copies"
