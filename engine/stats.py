"""Per-layer statistics computed on evaluation steps.

Each array has one entry per layer (layer 1 .. depth+1). An entry that does not apply to a layer
(dead units of a tanh layer, saturation of the linear output layer) is NaN, written empty in CSV.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from engine.config import Activation
from engine.model import MLP, RELU_FAMILY, SATURATION_THRESHOLD
from engine.results import QUANTILES, STAT_NAMES, LayerStats  # noqa: F401 - re-exported


def _saturation_bounds(activation: Activation) -> tuple[float, float] | None:
    """(centre, half-width) on the activation's output beyond which a unit counts as saturated."""
    s = SATURATION_THRESHOLD.get(activation)
    if s is None:
        return None
    if activation is Activation.SIGMOID:
        return 0.5, 1 / (1 + math.exp(-s)) - 0.5
    if activation is Activation.TANH:
        return 0.0, math.tanh(s)
    return 0.0, s / (1 + s)  # softsign


def layer_stats(
    grad_rms: np.ndarray,
    signal_rms: np.ndarray,
    post: list[torch.Tensor],
    out: torch.Tensor,
    weights: list[torch.Tensor],
    before: list[torch.Tensor],
    model: MLP,
    pre_grads: list[torch.Tensor],
    quantiles: bool = True,
) -> LayerStats:
    """`post` are the hidden activations (batch, width) of this step's forward pass, `out` the
    output (batch, n_outputs), `before` copies of the weights before the optimizer step,
    `pre_grads` the gradients dL/ds of each layer's pre-activation. Without `quantiles` the
    distributions are None (not measured at this evaluation)."""
    depth = len(post)
    act = model.activation
    with torch.no_grad():
        hidden = torch.stack([a.detach() for a in post])  # (depth, batch, width)
        rows = [hidden.abs().mean(dim=(1, 2)), out.detach().abs().mean().reshape(1)]
        dead_applies = act in RELU_FAMILY
        if dead_applies:
            # a unit is dead when its activation's slope is zero on every sample: for relu (and a
            # leaky or parametric relu whose negative slope is exactly 0) that is output <= 0
            dead = (hidden <= 0).all(dim=1).float().mean(dim=1)
            if act is not Activation.RELU:  # a leaky or parametric unit is dead only at slope 0
                dead = dead * (torch.tensor(_negative_slopes(model, depth), device=hidden.device) == 0)
            rows.append(dead)
        bounds = _saturation_bounds(act)
        if bounds is not None:
            centre, half = bounds
            rows.append(((hidden - centre).abs() > half).float().mean(dim=(1, 2)))
        current = [w.detach() for w in weights]
        rows.append(torch.stack(torch._foreach_norm(torch._foreach_sub(current, before))))
        rows.append(torch.stack(torch._foreach_norm(before)))
        if quantiles:
            act_q = _quantiles(hidden.flatten(1))  # (depth, 5)
            batch = out.shape[0]
            # hidden layers share a width: one sort for all of them, one for the output
            hidden_grads = torch.stack(pre_grads[:-1]).flatten(1) * batch  # (depth, batch*width)
            sig_q = torch.cat([_quantiles(hidden_grads), _quantiles(pre_grads[-1].flatten()[None] * batch)])
            rows += [act_q.flatten(), sig_q.flatten()]
        flat = torch.cat(rows).cpu().numpy().astype(np.float64)  # sync point (evaluation steps only)

    n = depth + 1
    act_mean_abs, flat = flat[:n], flat[n:]
    nan_hidden = np.full(n, np.nan)
    dead = nan_hidden.copy()
    if dead_applies:
        dead[:depth], flat = flat[:depth], flat[depth:]
    saturated = nan_hidden.copy()
    if bounds is not None:
        saturated[:depth], flat = flat[:depth], flat[depth:]
    delta, base, flat = flat[:n], flat[n : 2 * n], flat[2 * n :]
    act_quantiles = signal_quantiles = None
    if quantiles:
        act_quantiles = np.full((n, len(QUANTILES)), np.nan)
        act_quantiles[:depth] = flat[: depth * len(QUANTILES)].reshape(depth, -1)
        signal_quantiles = flat[depth * len(QUANTILES) :].reshape(n, -1)
    with np.errstate(divide="ignore", invalid="ignore"):
        update_ratio = np.where(base > 0, delta / base, np.nan)
    return LayerStats(grad_rms, signal_rms, act_mean_abs, dead, saturated, update_ratio, act_quantiles, signal_quantiles)


QUANTILE_SAMPLE = 1024  # values per layer the distribution views are drawn from


def _quantiles(x: torch.Tensor) -> torch.Tensor:
    """QUANTILES of each row of x (rows, n), from an evenly strided sample of at most
    QUANTILE_SAMPLE values per row: torch.quantile on whole deep layers cost more than the
    training step itself, and a band drawn on screen needs no more."""
    n = x.shape[1]
    if n > QUANTILE_SAMPLE:
        x = x[:, :: n // QUANTILE_SAMPLE]
    ordered = x.sort(dim=1).values
    m = ordered.shape[1]
    index = torch.tensor([round(q * (m - 1)) for q in QUANTILES], device=x.device)
    return ordered[:, index]  # (rows, 5)


def _negative_slopes(model: MLP, depth: int) -> list[float]:
    if model.activation is Activation.RELU:
        return [0.0] * depth
    if model.activation is Activation.LEAKY_RELU:
        return [0.01] * depth
    return torch.cat([p.detach() for p in model.prelu]).cpu().tolist()
