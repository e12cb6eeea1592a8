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
the signal vanishes toward the input; positive, that it explodes. Only numpy: no torch here.
"""

from __future__ import annotations

import math

import numpy as np

from engine.config import Activation, Config, Init

_NODES, _WEIGHTS = np.polynomial.hermite_e.hermegauss(81)  # E[f(z)], z ~ N(0, 1)
_WEIGHTS = _WEIGHTS / _WEIGHTS.sum()
_erf = np.frompyfunc(math.erf, 1, 1)


def _phi(activation: Activation, x: np.ndarray) -> np.ndarray:
    if activation is Activation.LINEAR:
        return x
    if activation is Activation.SIGMOID:
        return 1 / (1 + np.exp(-x))
    if activation is Activation.TANH:
        return np.tanh(x)
    if activation is Activation.SOFTSIGN:
        return x / (1 + np.abs(x))
    if activation is Activation.RELU:
        return np.maximum(x, 0)
    if activation is Activation.LEAKY_RELU:
        return np.where(x > 0, x, 0.01 * x)
    if activation is Activation.PRELU:
        return np.where(x > 0, x, 0.25 * x)  # its initial slope
    if activation is Activation.ELU:
        return np.where(x > 0, x, np.expm1(np.minimum(x, 0)))
    if activation is Activation.SELU:
        alpha, scale = 1.6732632423543772, 1.0507009873554805
        return scale * np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0)))
    if activation is Activation.GELU:
        return 0.5 * x * (1 + _erf(x / math.sqrt(2)).astype(float))
    if activation is Activation.SILU:
        return x / (1 + np.exp(-x))
    raise AssertionError(activation)


def _dphi(activation: Activation, x: np.ndarray) -> np.ndarray:
    eps = 1e-4
    return (_phi(activation, x + eps) - _phi(activation, x - eps)) / (2 * eps)


def weight_variance_scale(init: Init, gain: float, fan_in: int, fan_out: int) -> float | None:
    """σ_w² = fan_in · Var(W) for the init scheme; None where the theory does not apply."""
    var = {
        Init.TORCH_DEFAULT: 1 / (3 * fan_in),
        Init.NORMAL: 1 / fan_in,
        Init.UNIFORM: 1 / fan_in,
        Init.XAVIER_UNIFORM: 2 / (fan_in + fan_out),
        Init.XAVIER_NORMAL: 2 / (fan_in + fan_out),
        Init.HE_UNIFORM: 2 / fan_in,
        Init.HE_NORMAL: 2 / fan_in,
        Init.LECUN_NORMAL: 1 / fan_in,
        Init.ORTHOGONAL: 1 / max(fan_in, fan_out),  # orthonormal rows, or columns when taller
    }.get(init)
    return None if var is None else fan_in * gain**2 * var


def predicted_chi(config: Config, n_inputs: int = 2) -> np.ndarray | None:
    """χ for each step back between hidden layers at initialization: entry l-1 is the factor by
    which the mean square of ∂L/∂s shrinks or grows from hidden layer l+1 back to layer l
    (l = 1..depth-1). None where the theory does not apply: batch norm and skip connections
    change the recursion, all-zero weights have none, and one hidden layer has no step."""
    if config.batch_norm or config.residual or config.init is Init.ZEROS or config.depth < 2:
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
