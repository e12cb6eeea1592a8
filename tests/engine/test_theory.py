"""Mean-field theory against the measured signal, quantiles and the prediction map, on real nets."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from engine import Config, Init, Run
from engine.choices import INITS
from engine.insight import MAP_SIZE, prediction_map
from engine.theory import (
    measured_log10_signal_slope,
    predicted_chi,
    predicted_log10_signal_profile,
    predicted_log10_signal_slope,
    weight_variance_scale,
)

WIDE = dict(depth=20, width=256, steps=1, n_val=20, n_train=200)


def first_evaluation(config: Config):
    run = Run(config)
    record = run.step()
    return run, record.evaluation


@pytest.mark.parametrize("init", [i for i in Init if INITS[i].variance is not None])
@pytest.mark.parametrize(("fan_out", "fan_in"), [(512, 2), (256, 256), (3, 512)])
def test_the_theory_uses_the_variance_each_init_draws(init, fan_out, fan_in):
    """σ_w² of engine.theory is fan_in · Var(W) of the weights engine.choices actually draws, for
    the first (wide), hidden (square) and output (narrow) layer shapes."""
    w = torch.empty(fan_out, fan_in)
    INITS[init].draw(w, 1.5, torch.Generator().manual_seed(0))
    measured = fan_in * w.square().mean().item()  # every scheme draws with mean 0
    assert weight_variance_scale(init, 1.5, fan_in, fan_out) == pytest.approx(measured, rel=0.1)


@pytest.mark.parametrize("gain", [0.7, 1.0, 1.3])
def test_a_linear_network_follows_the_prediction(gain):
    """Linear layers with weight variance g²/fan_in scale the signal by g per layer: the slope
    is log10 g exactly; width 256 keeps the measurement within 0.03 of it."""
    config = Config(activation="linear", init="normal", init_gain=gain, **WIDE)
    predicted = predicted_log10_signal_slope(config)
    assert predicted == pytest.approx(np.log10(gain), abs=1e-6)
    _, ev = first_evaluation(config)
    assert measured_log10_signal_slope(ev.layers.signal_rms) == pytest.approx(predicted, abs=0.03)


def test_the_predicted_profile_steps_down_by_the_slope_toward_the_input():
    """The heatmap's theory line: for a linear net of gain g each layer toward the input is
    log10 g lower; the top hidden layer is the anchor (0)."""
    config = Config(activation="linear", init="normal", init_gain=0.5, depth=6, width=32)
    profile = predicted_log10_signal_profile(predicted_chi(config))
    np.testing.assert_allclose(profile, np.log10(0.5) * (5.0 - np.arange(6)), atol=1e-9)  # layer 1 lowest
    assert predicted_log10_signal_profile(predicted_chi(config.replace(batch_norm=True))) is None


def test_tanh_at_the_order_chaos_boundary_keeps_the_signal_level():
    """σ_w² = 1, no bias: tanh sits at the edge of chaos, the signal neither vanishes nor explodes."""
    config = Config(activation="tanh", init="normal", init_gain=1.0, **WIDE)
    _, ev = first_evaluation(config)
    assert abs(predicted_log10_signal_slope(config)) < 0.05
    assert abs(measured_log10_signal_slope(ev.layers.signal_rms)) < 0.05


def test_sigmoid_with_the_standard_init_vanishes_as_predicted():
    config = Config(activation="sigmoid", init="torch_default", **WIDE)
    run, ev = first_evaluation(config)
    predicted = predicted_log10_signal_slope(config)
    assert predicted < -0.5
    assert measured_log10_signal_slope(ev.layers.signal_rms) == pytest.approx(predicted, abs=0.05)
    summary = run.summary()
    assert summary["predicted_log10_signal_slope"] == pytest.approx(predicted)
    assert summary["measured_log10_signal_slope"] == pytest.approx(measured_log10_signal_slope(ev.layers.signal_rms))


@pytest.mark.parametrize("change", [dict(batch_norm=True), dict(residual=True), dict(init="zeros"), dict(depth=1)])
def test_the_theory_says_when_it_does_not_apply(change):
    config = Config(**{**WIDE, "width": 16, **change})
    assert predicted_chi(config) is None and predicted_log10_signal_slope(config) is None
    run, _ = first_evaluation(config)
    assert run.summary()["predicted_log10_signal_slope"] is None


def test_distributions_show_dead_and_saturated_units():
    _, dead = first_evaluation(Config(activation="relu", bias_init=-10.0, depth=3, width=16, steps=1))
    hidden = dead.layers.act_quantiles[:-1]
    assert np.all(hidden == 0), "a dead ReLU layer is a spike at 0"
    assert np.isnan(dead.layers.act_quantiles[-1]).all()
    _, saturated = first_evaluation(Config(activation="sigmoid", init_gain=10.0, depth=3, width=16, steps=1))
    q = saturated.layers.act_quantiles[:-1]
    assert np.all(q[:, 0] < 0.05) and np.all(q[:, 4] > 0.95), "saturated sigmoids pile up near 0 and 1"
    assert saturated.layers.signal_quantiles.shape == (4, 5)


def test_prediction_map_covers_the_data_and_follows_the_network():
    run = Run(Config(dataset="moons", depth=2, width=16, steps=300, n_val=100))
    for _ in run:
        pass
    p = prediction_map(run)
    assert p["classes"].shape == (MAP_SIZE, MAP_SIZE) and set(np.unique(p["classes"])) == {0, 1}
    x0, x1, y0, y1 = p["extent"]
    assert x0 < run.data.x_train[:, 0].min() and x1 > run.data.x_train[:, 0].max()
    assert y0 < run.data.x_train[:, 1].min() and y1 > run.data.x_train[:, 1].max()
    assert np.all((p["confidence"] >= 0.5) & (p["confidence"] <= 1))
    curve = prediction_map(Run(Config(dataset="sine", depth=2, width=8, steps=1, n_val=50)))
    assert curve["kind"] == "curve" and curve["x"].shape == curve["y"].shape
