"""Mean-field prediction of the back-propagated signal at initialization.

Poole et al. (2016), "Exponential expressivity in deep neural networks through transient chaos";
Schoenholz et al. (2017), "Deep information propagation". With weights of variance σ_w²/fan_in
and biases b, a wide layer's pre-activations are Gaussian with variance q_l given by the forward
recursion

    q_1 = σ_w1² · E[x²] (= σ_w1², inputs are standardized)
    q_l = σ_w² · E[φ(h)²] + b²,   h ~ N(b, q_{l-1})

and each layer multiplies the mean square of the back-propagated signal ∂L/∂s by

    χ_l = σ_w² · E[φ'(h)²],   h ~ N(b, q_l)

so, moving one layer toward the input, log10 RMS(∂L/∂s) changes by ½·log10 χ. Negative means
the signal vanishes toward the input; positive, that it explodes. The arithmetic is numpy's:
φ is each activation's numpy form in engine.choices.
"""

from __future__ import annotations

import math

import numpy as np

from engine.choices import ACTIVATIONS, INITS
from engine.config import Activation, Config, Init, ModelFamily

_NODES, _WEIGHTS = np.polynomial.hermite_e.hermegauss(81)  # E[f(z)], z ~ N(0, 1)
_WEIGHTS = _WEIGHTS / _WEIGHTS.sum()


def _phi(activation: Activation, x: np.ndarray) -> np.ndarray:
    return ACTIVATIONS[activation].numpy(x)


def _dphi(activation: Activation, x: np.ndarray) -> np.ndarray:
    """φ' by central difference of the entry's φ: no second formula to drift from the first."""
    eps = 1e-4
    phi = ACTIVATIONS[activation].numpy
    return (phi(x + eps) - phi(x - eps)) / (2 * eps)


def weight_variance_scale(init: Init, gain: float, fan_in: int, fan_out: int) -> float | None:
    """σ_w² = fan_in · Var(W) for the init scheme; None where the theory does not apply."""
    variance = INITS[init].variance
    return None if variance is None else fan_in * gain**2 * variance(fan_in, fan_out)


def predicted_log10_time_slope(config: Config) -> float | None:
    """The change of log10 RMS(∂L/∂h_t) per step back in time at initialization, where it is
    exact: a linear Elman network whose recurrent matrices are init_gain × an orthogonal matrix
    (orthogonal, identity) multiplies ∂L/∂h_t by W_recᵀ at each step back, which scales every
    vector by exactly init_gain (Saxe et al. 2013; Le et al. 2015). None elsewhere (an mlp too)."""
    if config.model is ModelFamily.RNN and config.activation is Activation.LINEAR and config.init in (Init.ORTHOGONAL, Init.IDENTITY):
        return math.log10(config.init_gain)
    return None


def measured_log10_time_slope(time_rms: np.ndarray) -> float | None:
    """Least-squares slope of log10 RMS(∂L/∂h_t) over t, per step moving from t = T back toward
    t = 1: negative means the gradient vanishes toward the start of the sequence."""
    r = np.asarray(time_rms, dtype=float)
    if r.size < 2 or not np.all(np.isfinite(r)) or not np.all(r > 0):
        return None
    slope = np.polyfit(np.arange(1, r.size + 1), np.log10(r), 1)[0]  # growth per step forward
    return float(-slope)


def predicted_chi(config: Config, n_inputs: int = 2) -> np.ndarray | None:
    """χ for each step back between hidden layers at initialization: entry l-1 is the factor by
    which the mean square of ∂L/∂s shrinks or grows from hidden layer l+1 back to layer l
    (l = 1..depth-1). None where the theory does not apply: batch norm and skip connections
    change the recursion, all-zero weights have none, and one hidden layer has no step."""
    if config.is_recurrent or config.batch_norm or config.residual or config.depth < 2:
        return None
    act, b, width = config.activation, config.bias_init, config.width
    sw2_hidden = weight_variance_scale(config.init, config.init_gain, width, width)
    if sw2_hidden is None:
        return None
    q_in = 1.0  # E[x²] of the standardized inputs
    dphi2 = []
    for layer in range(config.depth):
        fan_in = n_inputs if layer == 0 else width
        sw2 = weight_variance_scale(config.init, config.init_gain, fan_in, width)
        # the biases are a constant b: h = W·x + b ~ N(b, σ_w²·E[x²])
        h = b + math.sqrt(sw2 * q_in) * _NODES
        dphi2.append(float(_WEIGHTS @ _dphi(act, h) ** 2))
        q_in = float(_WEIGHTS @ _phi(act, h) ** 2)
    return sw2_hidden * np.array(dphi2[:-1])


def predicted_log10_signal_slope(config: Config, n_inputs: int = 2) -> float | None:
    """The theory's average change of log10 RMS(∂L/∂s) per layer, moving toward the input."""
    chi = predicted_chi(config, n_inputs)
    if chi is None or not np.all(chi > 0):
        return None
    return float(np.mean(0.5 * np.log10(chi)))


def predicted_log10_signal_profile(chi: np.ndarray | None) -> np.ndarray | None:
    """log10 RMS(∂L/∂s) of hidden layers 1..depth relative to the last hidden layer, as the
    theory predicts from `predicted_chi`: going down from the top, each step adds ½·log10 χ.
    None where the theory does not apply (no χ, or a χ that is not positive)."""
    if chi is None or not np.all(chi > 0):
        return None
    steps = 0.5 * np.log10(chi)
    return np.concatenate([np.cumsum(steps[::-1])[::-1], [0.0]])


def measured_log10_signal_slope(signal_rms: np.ndarray) -> float | None:
    """Least-squares slope of log10 signal RMS over the hidden layers (all but the output layer),
    per layer moving toward the input: negative means the signal vanishes toward the input."""
    hidden = np.asarray(signal_rms[:-1], dtype=float)
    if hidden.size < 2 or not np.all(np.isfinite(hidden)) or not np.all(hidden > 0):
        return None
    layers = np.arange(1, hidden.size + 1)
    slope = np.polyfit(layers, np.log10(hidden), 1)[0]  # growth per layer toward the output
    return float(-slope)
