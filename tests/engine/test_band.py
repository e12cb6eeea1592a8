"""Seed bands (engine.band): one configuration at several seeds, read as its median run, whose
evaluations carry the seeds' range; saved and opened with it."""

from __future__ import annotations

import dataclasses
import json
import warnings
import zipfile

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine import Run
from engine.band import SeedBand
from engine.results import HEALTH_NAMES, METRIC_NAMES, Band, Evaluation, RunStatus, StepRecord, band_seeds, hidden_share
from engine.session import SessionError, load_session, save_session

from .helpers import tiny


def test_a_band_is_the_median_of_its_seeds_lone_runs_and_their_range():
    config = tiny(steps=25, eval_every=5, seed=3)
    band = SeedBand(config)
    assert band.seeds == (3, 4, 5, 6, 7) and len(band.stack.groups) == 1, "one stacked network of five"
    records = [band.step() for _ in range(config.steps)]
    assert band.finished and band.status == RunStatus.COMPLETED
    alone = [list(Run(config.replace(seed=s))) for s in band.seeds]
    for k, record in enumerate(records):
        each = [a[k] for a in alone]
        assert record.step == k + 1
        np.testing.assert_array_equal(record.grad_norms, np.median([r.grad_norms for r in each], axis=0))
        assert record.loss == pytest.approx(float(np.median([r.loss for r in each])), rel=0, abs=0)
        assert record.total_norm == float(np.median([r.total_norm for r in each]))
        assert (record.evaluation is None) == (each[0].evaluation is None)
        if record.evaluation is not None:
            for i, name in enumerate(METRIC_NAMES):
                values = [getattr(r.evaluation, name) for r in each]
                assert getattr(record.evaluation, name) == float(np.median(values))
                assert record.evaluation.band.lo[i] == min(values) and record.evaluation.band.hi[i] == max(values)
            assert record.evaluation.band.seeds == 5
            # unit health: each seed's own mean over its hidden layers, lowest, median and highest
            band_ = record.evaluation.band
            for i, field in enumerate(("dead_frac", "saturated_frac")):
                shares = [float(hidden_share(getattr(r.evaluation.layers, field))) for r in each]
                if np.isnan(shares).all():
                    assert np.isnan([band_.health_lo[i], band_.health_mid[i], band_.health_hi[i]]).all()
                    continue
                assert (band_.health_lo[i], band_.health_hi[i]) == (min(shares), max(shares)) == band_.of(HEALTH_NAMES[i])
                assert band_.health_mid[i] == float(np.median(shares))
            np.testing.assert_array_equal(
                record.evaluation.layers.dead_frac, np.median([r.evaluation.layers.dead_frac for r in each], axis=0)
            )
    summary = band.summary()
    assert summary["seeds"] == [3, 4, 5, 6, 7] and summary["status"] == "completed"
    finals = [a[-1].evaluation.val_error for a in alone]
    assert summary["final_val_error"] == float(np.median(finals)) and summary["seed_final_val_errors"] == finals
    assert "completed: seeds 3, 4, 5, 6, 7" in records[-1].message


def test_live_changes_reach_every_seed_before_the_same_step():
    band = SeedBand(tiny(steps=10))
    band.step()
    band.set_live(lr=0.5)
    record = band.step()
    assert record.changes == {"lr": 0.5} and [r.config.lr for r in band.runs] == [0.5] * 5


class _FakeStack:
    """Hands out prepared records: seed 1 diverges at step 2, seed 2 stops early at step 2."""

    def __init__(self, band: SeedBand):
        self.band, self.k = band, 0

    @property
    def finished(self) -> bool:
        return self.k >= 3

    def step(self) -> list[StepRecord | None]:
        self.k += 1
        out = []
        for i, run in enumerate(self.band.runs):
            if (i in (1, 2) and self.k > 2) or self.k > 3:
                out.append(None)  # ended
                continue
            diverged = i == 1 and self.k == 2
            ended = self.k == 3 or (i == 2 and self.k == 2)
            status = RunStatus.DIVERGED if diverged else RunStatus.EARLY_STOPPED if i == 2 and self.k == 2 else (
                RunStatus.COMPLETED if ended else RunStatus.RUNNING)
            value = np.inf if diverged else float(10 * i + self.k)
            layers = dataclasses.replace(_stats(), dead_frac=np.full(2, value))
            ev = Evaluation(self.k, value, value / 100, value, value / 100, layers)
            out.append(StepRecord(self.k, value, np.full(2, value), None, value, value, status, ev))
            run.status = status
        return out


def _stats():
    from engine.results import LayerStats

    return LayerStats(*(np.zeros(2) for _ in range(6)))


def test_a_diverged_seed_leaves_the_median_and_the_band_and_an_early_stopped_one_stays():
    band = SeedBand(tiny(steps=3, eval_every=1), seeds=4)
    band.stack = _FakeStack(band)
    first, second, third = band.step(), band.step(), band.step()
    assert first.loss == float(np.median([1, 11, 21, 31])) and first.evaluation.band.hi[0] == 31
    # step 2: seed 1 diverged (inf): the others' median and range; seed 2 stopped early here
    assert second.loss == float(np.median([2, 22, 32])) and second.evaluation.band.of("train_loss") == (2, 32)
    assert second.evaluation.band.seeds == 4 and np.isfinite(second.grad_norms).all(), "the band's size, counted or not"
    # step 3: seed 2 holds its last figures, seed 1 is not counted
    assert third.loss == float(np.median([3, 22, 33])) and third.evaluation.band.of("train_loss") == (3, 33)
    assert third.status == RunStatus.COMPLETED and band.finished
    assert third.message == "4 seeds; diverged: seed 1 (step 2); early stopped: seed 2; completed: seeds 0, 3"
    assert band.summary()["diverged_at"] == 2


def assert_same_band(a: Band, b: Band) -> None:
    """Equal, NaN (a figure that applies to no seed: dead units of a tanh net) equal to NaN."""
    assert a.seeds == b.seeds
    for name in ("lo", "hi", "health_lo", "health_mid", "health_hi"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)


def test_a_bands_session_keeps_its_range_and_its_seeds(tmp_path):
    config = tiny(steps=12, eval_every=4, seed=7)
    band = SeedBand(config, seeds=3)
    records = [band.step() for _ in range(config.steps)]
    path = save_session(tmp_path / "band.vpsession", records, config, layer_names=band.layer_names, summary=band.summary())
    session = load_session(path)
    assert session.seeds == band_seeds(7, 3) == (7, 8, 9)
    for saved, opened in zip(records, session.records):
        if saved.evaluation is not None:
            assert_same_band(opened.evaluation.band, saved.evaluation.band)
            assert len(saved.evaluation.band.health_lo) == 2  # each seed's unit health, kept
    # a band saved by version 2 has no unit health: it opens without it
    old = tmp_path / "v2.vpsession"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(old, "w") as dst:
        for name in src.namelist():
            data = src.read(name)
            if name == "header.json":
                header = json.loads(data)
                assert header["band_health"] is True
                del header["band_health"]
                data = json.dumps({**header, "version": 2}).encode()
            if name != "band_health.npy":
                dst.writestr(name, data)
    older = load_session(old)
    for saved, opened in zip(records, older.records):
        if saved.evaluation is not None:
            band_ = opened.evaluation.band
            assert band_.lo == saved.evaluation.band.lo and band_.health_lo == () and np.isnan(band_.of("dead_share")).all()
    one = [r for r in Run(config)]
    plain = load_session(save_session(tmp_path / "one.vpsession", one, config))
    assert plain.seeds == () and all(e.band is None for e in plain.evaluations)


def test_a_band_with_a_mixed_or_bad_range_is_refused(tmp_path):
    config = tiny(steps=8, eval_every=4)
    band = SeedBand(config, seeds=2)
    records = [band.step() for _ in range(config.steps)]
    mixed = [dataclasses.replace(r, evaluation=dataclasses.replace(r.evaluation, band=None)) if r.evaluation and r.step == 8 else r for r in records]
    with pytest.raises(SessionError, match="seed band"):
        save_session(tmp_path / "mixed.vpsession", mixed, config)
    with pytest.raises(ValueError, match="2 to 64 seeds"):
        SeedBand(config, seeds=1)
    # a header whose band_health is not a plain true/false, or is true where there is no band or
    # no band_health member: refused in one line, naming it
    good = save_session(tmp_path / "good.vpsession", records, config)
    one = save_session(tmp_path / "one.vpsession", [r for r in Run(config)], config)
    for source, change, expected in (
        (good, {"band_health": "yes"}, "band_health must be true or false"),
        (one, {"band_health": True}, "true only for a seed band"),
    ):
        bad = tmp_path / "bad.vpsession"
        with zipfile.ZipFile(source) as src, zipfile.ZipFile(bad, "w") as dst:
            for name in src.namelist():
                data = src.read(name)
                dst.writestr(name, json.dumps({**json.loads(data), **change}).encode() if name == "header.json" else data)
        with pytest.raises(SessionError, match=expected) as caught:
            load_session(bad)
        assert "\n" not in str(caught.value)
    missing = tmp_path / "missing.vpsession"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(missing, "w") as dst:
        for name in src.namelist():
            if name != "band_health.npy":
                dst.writestr(name, src.read(name))
    with pytest.raises(SessionError, match="band_health.npy"):
        load_session(missing)


@given(st.integers(1, 8), st.integers(1, 6), st.floats(0, 0.5), st.integers(0, 2**31))
@settings(max_examples=60, deadline=None)
def test_the_medians_are_numpys(k, n, nan_share, seed):
    from engine.band import _median, _scalar_median

    rng = np.random.default_rng(seed)
    a = rng.standard_normal((k, n)) * 10.0 ** rng.integers(-30, 30, (k, n))
    a[rng.random((k, n)) < nan_share] = np.nan
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        np.testing.assert_array_equal(_median(list(a)), np.nanmedian(a, axis=0))
        column = a[:, 0]
        finite = column[np.isfinite(column)]
        expected = float(np.median(finite)) if len(finite) else np.nan
    np.testing.assert_array_equal(_scalar_median(list(column)), expected)


def test_a_band_some_of_whose_seeds_diverge_is_not_a_divergence_and_saves(tmp_path):
    """Seeds 2 and 3 of this net diverge at step 5, the others train on: the band completes (its
    medians stay finite), its message names the diverged seeds, its map is of a seed that did
    not diverge, and its session saves and opens with all five seeds."""
    config = tiny(steps=60, eval_every=5, lr=10, optimizer="sgd", clip_norm=0, activation="relu", depth=6, init="he_normal")
    band = SeedBand(config)
    records = [band.step() for _ in range(config.steps)]
    statuses = [r.status.value for r in band.runs]
    assert statuses.count("diverged") == 2 and statuses.count("completed") == 3, statuses
    assert records[-1].status == RunStatus.COMPLETED and np.isfinite(records[-1].loss)
    assert "diverged: seeds 2 (step 5), 3 (step 5)" in records[-1].message
    assert band.shown.status != RunStatus.DIVERGED
    assert {r.evaluation.band.seeds for r in records if r.evaluation} == {5}
    session = load_session(save_session(tmp_path / "band.vpsession", records, config, summary=band.summary()))
    assert session.seeds == (0, 1, 2, 3, 4) and session.summary["diverged_at"] == 5


def test_the_distributions_go_on_after_a_seed_stops_early():
    config = tiny(steps=400, patience=4, lr=0.01, optimizer="adam", label_noise=0.3)
    band = SeedBand(config)
    records = []
    while not band.finished:
        records.append(band.step())
    stopped = min(r.step_count for r in band.runs)
    assert stopped < max(r.step_count for r in band.runs), "a seed stopped before another"
    with pytest.raises(RuntimeError, match="has ended"):
        band.step()
    later = [r for r in records if r.step > stopped and r.evaluation is not None and (r.step // config.eval_every) % 5 == 0]
    assert later and all(r.evaluation.layers.act_quantiles is not None for r in later)
