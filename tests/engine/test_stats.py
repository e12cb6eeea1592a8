"""Layer statistics on constructed cases whose right answer is known without the engine."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from engine import STAT_NAMES, Activation, Run
from engine.choices import ACTIVATIONS

from .helpers import tiny

HIDDEN = slice(0, -1)  # every layer but the output one


def layers_at_step_one(run: Run):
    record = run.step()
    assert record.evaluation is not None
    return record.evaluation.layers


def stats(**changes):
    return layers_at_step_one(Run(tiny(**{"depth": 4, "width": 16, **changes})))


def test_relu_with_a_large_negative_bias_is_all_dead():
    s = stats(activation="relu", bias_init=-10.0)
    np.testing.assert_array_equal(s.dead_frac[HIDDEN], 1.0)
    assert np.isnan(s.dead_frac[-1])
    np.testing.assert_array_equal(s.act_mean_abs[HIDDEN], 0.0)
    assert s.act_mean_abs[-1] == pytest.approx(10.0)  # the logits are the output bias alone
    # nothing flows back through a dead layer, so no weight moves
    np.testing.assert_array_equal(s.grad_rms, 0.0)
    np.testing.assert_array_equal(s.signal_rms[HIDDEN], 0.0)
    np.testing.assert_array_equal(s.update_ratio, 0.0)


def test_leaky_relu_never_dies():
    s = stats(activation="leaky_relu", bias_init=-10.0)
    np.testing.assert_array_equal(s.dead_frac[HIDDEN], 0.0)
    assert (s.signal_rms > 0).all()  # the 0.01 slope still passes a signal back


def test_prelu_dies_only_where_its_slope_is_zero():
    s = stats(activation="prelu", bias_init=-10.0)
    np.testing.assert_array_equal(s.dead_frac[HIDDEN], 0.0)  # slopes start at 0.25
    run = Run(tiny(depth=4, width=16, activation="prelu", bias_init=-10.0))
    with torch.no_grad():
        for slope in run.model.prelu:
            slope.zero_()  # a PReLU that has learned a zero slope is a ReLU
    np.testing.assert_array_equal(layers_at_step_one(run).dead_frac[HIDDEN], 1.0)


def test_relu_dead_fraction_is_a_share_of_units():
    s = stats(activation="relu", width=16)
    dead = s.dead_frac[HIDDEN]
    assert ((dead >= 0) & (dead <= 1)).all()
    np.testing.assert_array_equal(dead * 16, np.round(dead * 16))  # whole units out of 16


@pytest.mark.parametrize(
    ("activation", "bias"), [("sigmoid", 10.0), ("tanh", 10.0), ("tanh", -10.0), ("softsign", 100.0)]
)
def test_a_large_bias_saturates_every_unit(activation, bias):
    s = stats(activation=activation, bias_init=bias)
    np.testing.assert_array_equal(s.saturated_frac[HIDDEN], 1.0)
    assert np.isnan(s.saturated_frac[-1])


def test_sigmoid_with_a_big_init_gain_saturates():
    big = stats(activation="sigmoid", width=32, init_gain=10.0)
    normal = stats(activation="sigmoid", width=32, init_gain=1.0)
    assert (big.saturated_frac[HIDDEN] > 0.2).all()  # measured 0.31, 0.57, 0.55, 0.57
    assert big.saturated_frac[HIDDEN].mean() > 0.35
    assert (normal.saturated_frac[HIDDEN] < 0.05).all()  # measured 0


def test_tanh_with_a_big_init_gain_saturates():
    s = stats(activation="tanh", width=32, init_gain=10.0)
    assert (s.saturated_frac[HIDDEN] > 0.4).all()  # measured 0.50-0.88


def test_saturation_thresholds_are_a_tenth_of_the_peak_slope():
    slopes = {
        Activation.SIGMOID: lambda s: torch.sigmoid(s) * (1 - torch.sigmoid(s)) / 0.25,
        Activation.TANH: lambda s: 1 - torch.tanh(s) ** 2,
        Activation.SOFTSIGN: lambda s: 1 / (1 + s.abs()) ** 2,
    }
    assert set(slopes) == {act for act, entry in ACTIVATIONS.items() if entry.saturation is not None}
    for act, relative_slope in slopes.items():
        s = torch.tensor(ACTIVATIONS[act].saturation, dtype=torch.float64)
        assert relative_slope(s).item() < 0.1
        assert relative_slope(s - 0.02).item() > 0.1  # the threshold is tight, not merely safe


@pytest.mark.parametrize("activation", list(Activation), ids=str)
def test_statistics_that_do_not_apply_are_nan(activation):
    s = stats(activation=activation)
    dead_applies = ACTIVATIONS[activation].dead_applies
    saturation_applies = ACTIVATIONS[activation].saturation is not None
    assert dead_applies == (activation in {"relu", "leaky_relu", "prelu"})
    assert saturation_applies == (activation in {"sigmoid", "tanh", "softsign"})
    assert np.isfinite(s.dead_frac[HIDDEN]).all() if dead_applies else np.isnan(s.dead_frac).all()
    assert np.isfinite(s.saturated_frac[HIDDEN]).all() if saturation_applies else np.isnan(s.saturated_frac).all()
    # the output layer is linear: neither applies to it
    assert math.isnan(s.dead_frac[-1]) and math.isnan(s.saturated_frac[-1])
    for name in ("grad_rms", "signal_rms", "act_mean_abs", "update_ratio"):
        assert np.isfinite(getattr(s, name)).all(), name


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_update_ratio_is_finite_and_positive_after_a_normal_step(optimizer):
    run = Run(tiny(depth=4, width=16, optimizer=optimizer, eval_every=3))
    for _ in range(2):
        run.step()
    before = [w.detach().clone() for w in run.weights]
    s = run.step().evaluation.layers  # step 3
    assert np.isfinite(s.update_ratio).all() and (s.update_ratio > 0).all()
    expected = [((w - b).norm() / b.norm()).item() for w, b in zip(run.weights, before)]
    np.testing.assert_allclose(s.update_ratio, expected, rtol=1e-4)
    assert (s.update_ratio < 0.5).all()  # a normal step moves each layer by a small fraction


def test_update_ratio_of_zero_weights_is_nan_not_infinite():
    s = stats(init="zeros", activation="sigmoid")
    assert np.isnan(s.update_ratio).all()  # 0 / 0: no relative change is defined


def test_arrays_have_one_entry_per_layer_and_rows_follow_stat_names():
    s = stats(activation="relu")
    for name in STAT_NAMES:
        assert getattr(s, name).shape == (5,), name
    rows = s.rows()
    assert len(rows) == 5
    for layer, row in enumerate(rows):
        assert len(row) == len(STAT_NAMES)
        for name, value in zip(STAT_NAMES, row):
            np.testing.assert_array_equal(value, getattr(s, name)[layer])


def test_grad_rms_is_the_norm_over_the_root_of_the_weight_count():
    run = Run(tiny(depth=3, width=8))
    record = run.step()
    numel = np.array([w.numel() for w in run.weights], dtype=np.float64)
    np.testing.assert_allclose(record.evaluation.layers.grad_rms, record.grad_norms / np.sqrt(numel), rtol=1e-12)


def test_batch_norm_statistics_stay_finite():
    s = stats(activation="relu", batch_norm=True, bias_init=-10.0)
    # batch norm re-centres the pre-activation, so a large bias no longer kills the units
    assert (s.dead_frac[HIDDEN] < 0.5).all()
    assert np.isfinite(s.signal_rms).all()
