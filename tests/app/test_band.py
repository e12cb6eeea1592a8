"""View > Seed band: the configuration trained at five seeds at once, its median drawn with the
seeds' range shaded around each curve; saved and replayed with it."""

from __future__ import annotations

import numpy as np
import pytest

from engine import load_session

from .conftest import SMALL


def test_the_seed_band_trains_five_seeds_and_shades_their_range(make_window, qtbot, tmp_path):
    w = make_window(SMALL)
    qtbot.waitUntil(lambda: w.history is not None, timeout=20000)
    single = w.history
    assert single.seeds == () and "seeds" not in w.curves.readout.text()
    w.band_action.trigger()
    qtbot.waitUntil(lambda: w.history is not None and w.history is not single, timeout=20000)
    h = w.history
    assert h.seeds == (0, 1, 2, 3, 4) and w.state.seeds == 5
    w.play()
    qtbot.waitUntil(lambda: h.n_evals >= 6, timeout=30000)
    w.pause()
    w.curves.refresh()
    lo, hi = h.band_series("val_error")
    ok = np.isfinite(lo)
    assert ok[1:].all() and (lo[ok] <= h.eval_series("val_error")[ok]).all() and (h.eval_series("val_error")[ok] <= hi[ok]).all()
    assert (hi[ok] > lo[ok]).any(), "five seeds do not all agree"
    low, high, fill = w.curves.bands[("error", "val")]
    x, y = high.getData()
    assert x is not None and len(x) >= 5 and fill.isVisible()
    assert not fill.path().isEmpty(), "the range is shaded, not only its edges"
    w.insight.refresh(force=True)
    assert "Seed 0's network" in w.insight.map_note.text(), "the map is one seed's network, and says which"
    assert "median of seeds 0–4" in w.curves.readout.text()
    assert "median of 5 seeds" in w.readout.text()
    assert w.curves.seed_readout.isVisible()
    shown = w.curves.seed_readout.text().split("):")[1].replace("&nbsp;", " ").split()
    seeds, each = [int(v.rstrip(":")) for v in shown[::2]], [float(v) for v in shown[1::2]]
    assert seeds == [0, 1, 2, 3, 4] and each == [float(f"{v:.3g}") for v in h.summary["seed_final_val_errors"]]
    assert float(np.median(each)) == pytest.approx(h.last_eval.val_error, abs=1e-3), "the median of the seeds shown"
    w.lessons.select(w.lessons.lessons[0].id, load=False)
    assert w.lessons.band_note.isVisible() and "median of seeds 0–4" in w.lessons.band_note.text(), "the lesson's numbers are one seed's"
    # what the window records is saved with the range, and replays as the band it was
    path = tmp_path / "band.vpsession"
    assert w.files.save_session(str(path))
    session = load_session(path)
    assert session.seeds == (0, 1, 2, 3, 4) and session.evaluations[-1].band is not None
    assert w.files.open_session(str(path))  # replayed: the band as it was
    replay = w.history
    assert replay is not h and replay.seeds == (0, 1, 2, 3, 4)
    np.testing.assert_array_equal(replay.band_series("val_error")[1][-1], h.band_series("val_error")[1][h.n_evals - 1])
    w.state.start_run()  # back to training
    qtbot.waitUntil(lambda: w.history is not None and w.history.seeds == (0, 1, 2, 3, 4) and w.history is not replay, timeout=20000)
    h = w.history
    # off again: one run
    w.band_action.trigger()
    qtbot.waitUntil(lambda: w.history is not None and w.history is not h, timeout=20000)
    assert w.history.seeds == () and w.state.seeds == 1 and not w.lessons.band_note.isVisible()
    assert not w.curves.seed_readout.isVisible()
    w.curves.refresh()
    assert w.curves.bands[("error", "val")][1].getData()[0] is None or len(w.curves.bands[("error", "val")][1].getData()[0]) == 0


def test_a_long_bands_older_range_is_kept_as_its_envelope():
    """Compacting old evaluations keeps a band's lowest low and highest high of each group at
    both of its rows: the shading of a long run's past neither zigzags nor narrows."""
    import dataclasses

    from desktop_app.history import EVAL_ROWS, RunHistory
    from engine.results import Band

    from .test_long_runs import _info, _records

    info = _info(10_000, layers=3)
    info.seeds = (0, 1, 2)
    h = RunHistory(info)
    records = _records(1, 3 * EVAL_ROWS, layers=3)
    banded = []
    for r in records:
        k = r.step
        lo = 0.1 + 0.05 * (k % 2)  # alternating lows and highs: a (min, max) pair of each would zigzag
        hi = 0.6 + 0.05 * (k % 3)
        band = Band((lo,) * 4, (hi,) * 4, 3)
        banded.append(dataclasses.replace(r, evaluation=dataclasses.replace(r.evaluation, band=band)))
    h.append(banded)
    lo, hi = h.band_series("val_error")
    assert h.n_evals < 3 * EVAL_ROWS, "compacted"
    steps = h.eval_series("step")
    recent = len(steps) - 1 - int(np.flatnonzero(np.diff(steps) != 1)[-1])  # the full-resolution rows at the end
    old = slice(1, len(steps) - recent - 2)  # the compacted rows before them
    assert old.stop > 500
    np.testing.assert_array_equal(lo[old], 0.1)
    np.testing.assert_array_equal(hi[old], 0.7)
