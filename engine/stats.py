"""Per-layer statistics computed on evaluation steps.

Each array has one entry per layer (layer 1 .. depth+1). An entry that does not apply to a layer
(dead units of a tanh layer, saturation of the linear output layer, either of an LSTM or GRU
layer) is NaN, written empty in CSV. A recurrent layer's statistics are taken over all its time
steps: its activations are its states h_1..h_T, its signal the gradient at its gates' inputs.
"""

from __future__ import annotations

import numpy as np
import torch

from engine.choices import ACTIVATIONS
from engine.models import Model
from engine.results import QUANTILES, LayerStats


def layer_stats(
    grad_rms: np.ndarray,
    signal_rms: np.ndarray,
    post: list[torch.Tensor],
    out: torch.Tensor,
    weights: torch.Tensor,
    before: torch.Tensor,
    model: Model,
    pre_grads: list[torch.Tensor],
    quantiles: bool = True,
) -> LayerStats:
    """`post` are the hidden activations (batch, width) of this step's forward pass, `out` the
    output (batch, n_outputs), `weights` and `before` the weight matrices after and before the
    optimizer step, one flattened and zero-padded layer per row (engine.models.flatten_parameters),
    `pre_grads` the gradients dL/ds of each layer's pre-activation. `before` is overwritten.
    Without `quantiles` the distributions are None (not measured at this evaluation)."""
    depth = len(post)
    act = ACTIVATIONS[model.activation] if model.activation is not None else None  # its dead and saturation rules
    with torch.no_grad():
        # an mlp's activations and dL/ds share a shape: one copy for both (not an LSTM's or GRU's,
        # whose gates are several times wider than the states)
        same = all(g.numel() == p.numel() for g, p in zip(pre_grads, post))
        if quantiles and same:
            both = torch.stack([t.reshape(-1) for t in (*post, *pre_grads[:-1])])  # (2 depth, batch*width)
            per_layer = both[:depth]
        else:
            per_layer = torch.stack(post).view(depth, -1)  # reductions over the last dimension are fast
        rows = [per_layer.abs().mean(dim=1), out.abs().mean().view(1)]
        dead_applies = act is not None and act.dead_applies
        if dead_applies:
            # a unit is dead when its activation's slope is zero on every sample: for the relu
            # family, output <= 0 on every sample where the negative slope is exactly 0
            dead = per_layer.view(depth, out.shape[0], -1).amax(dim=1).le_(0).mean(dim=1)
            slopes = model.learned_slopes()
            if slopes is not None:  # dead only where the learned slope is exactly 0
                dead = dead * (slopes == 0)
            elif act.negative_slope != 0:  # its negative side keeps a slope (leaky relu): never dead
                dead.zero_()
            rows.append(dead)
        bounds = act.saturation_bounds if act is not None else None
        if bounds is not None:
            centre, half = bounds
            distance = per_layer.abs() if centre == 0 else (per_layer - centre).abs_()
            rows.append(distance.gt_(half).mean(dim=1))
        rows.append(torch.linalg.vector_norm(before, dim=1))
        rows.append(torch.linalg.vector_norm(before.sub_(weights), dim=1))  # in place: no new buffer
        n_stats = sum(r.numel() for r in rows)
        if quantiles:
            # evenly strided samples of each layer's values, sorted on the host: numpy's sort is
            # several times faster than torch's on the CPU
            if same:
                hidden_sample = _sample(both)
            else:  # one row per probe, each sampled to the same length
                gates = torch.stack(pre_grads[:-1]).view(depth, -1)
                k = min(QUANTILE_SAMPLE, per_layer.shape[1], gates.shape[1])
                hidden_sample = torch.cat([_spread(per_layer, k), _spread(gates, k)])
            rows += [hidden_sample.flatten(), _sample(pre_grads[-1].reshape(1, -1)).flatten()]
        flat = torch.cat(rows).cpu().numpy()  # sync point (evaluation steps only)

    stats = flat[:n_stats].astype(np.float64)
    n = depth + 1
    act_mean_abs, stats = stats[:n], stats[n:]
    dead = np.full(n, np.nan)
    if dead_applies:
        dead[:depth], stats = stats[:depth], stats[depth:]
    saturated = np.full(n, np.nan)
    if bounds is not None:
        saturated[:depth], stats = stats[:depth], stats[depth:]
    base, delta = stats[:n], stats[n:]
    update_ratio = np.full(n, np.nan)
    with np.errstate(invalid="ignore", over="ignore"):  # inf / inf after an overflowing update: NaN
        np.divide(delta, base, out=update_ratio, where=base > 0)
    act_quantiles = signal_quantiles = None
    if quantiles:
        end = n_stats + hidden_sample.numel()
        hidden_q = _quantiles(flat[n_stats:end].reshape(2 * depth, -1))
        act_quantiles = np.full((n, len(QUANTILES)), np.nan)  # the output layer's row: logits, not drawn
        act_quantiles[:depth] = hidden_q[:depth]
        # dL/ds of a mean loss is 1/batch of each sample's own gradient
        signal_quantiles = np.concatenate([hidden_q[depth:], _quantiles(flat[end:].reshape(1, -1))]) * out.shape[0]
    return LayerStats(grad_rms, signal_rms, act_mean_abs, dead, saturated, update_ratio, act_quantiles, signal_quantiles)


QUANTILE_SAMPLE = 1024  # values per layer the distribution views are drawn from


def _sample(x: torch.Tensor) -> torch.Tensor:
    """An evenly strided sample of at most about QUANTILE_SAMPLE values of each row of x (rows, n):
    sorting whole deep layers cost more than the training step itself, and a band drawn on
    screen needs no more."""
    n = x.shape[1]
    return x[:, :: n // QUANTILE_SAMPLE] if n > QUANTILE_SAMPLE else x


def _spread(x: torch.Tensor, k: int) -> torch.Tensor:
    """k values of each row of x (rows, n >= k), evenly spread over the whole row: rows of
    different lengths give samples of one length."""
    n = x.shape[1]
    if n <= k:
        return x
    return x[:, torch.linspace(0, n - 1, k, device=x.device).long()]


def _quantiles(x: np.ndarray) -> np.ndarray:
    """QUANTILES of each row of x (rows, n), as (rows, len(QUANTILES)) float64."""
    x.sort(axis=1)  # in place: x is a view into this evaluation's own buffer
    m = x.shape[1]
    return x[:, [round(q * (m - 1)) for q in QUANTILES]].astype(np.float64)
