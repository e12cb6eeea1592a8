"""What the trainer and the statistics ask of a model family, and the flat parameter storage.

A family is one module in engine/models behind `Model`: a traced forward pass that hands out the
probes the statistics read, its parameter groups, and the name and labels of its probe axis. The
trainer and the statistics read nothing else, so they never ask which family they hold.
"""

from __future__ import annotations

import abc
from typing import Any, NamedTuple

import torch
import torch.nn.functional as F
from torch import nn

from engine.config import Activation


def data_loss(out: torch.Tensor, y: torch.Tensor, regression: bool) -> torch.Tensor:
    """The batch-mean loss: mean squared error for regression, cross-entropy for classes."""
    return F.mse_loss(out, y) if regression else F.cross_entropy(out, y)


class Penalties(NamedTuple):
    """The objective is the data loss + l1·Σ|W| + l2·ΣW² over the weight matrices."""

    l1: float = 0.0
    l2: float = 0.0


class Traced(NamedTuple):
    """What one training step's forward and backward passes hand the trainer."""

    loss: torch.Tensor  # the data loss, 0-dim, without the penalties
    out: torch.Tensor  # the network's output on the batch
    pre_grads: list[torch.Tensor]  # dL/ds of each probe, (batch, units); empty unless asked for
    post: list[torch.Tensor] | None  # each hidden probe's activation, (batch, units); None unless asked for
    time_grads: list[torch.Tensor] | None  # dL/dh_t of each time probe, (batch, H); None without time_steps


class Model(nn.Module, abc.ABC):
    """A network the trainer can instrument. Probes are numbered along `probe_axis` from the input:
    probe i has a pre-activation s_i, and, except the last (the output), a hidden activation."""

    #: the axis a learner watches the gradient along: "layer" (the probes), or "time step" for a
    #: recurrent net, whose time probes are the top layer's states h_1..h_T
    probe_axis: str
    #: T, the time probes forward_traced hands out; 0: none (the MLP)
    time_steps: int = 0
    #: the hidden nonlinearity: its entry in engine.choices gives the dead and saturation rules;
    #: None where the cell has its own (LSTM, GRU) and neither rule applies
    activation: Activation | None
    #: drop probability after each hidden activation; live: the trainer may change it between steps
    dropout: float
    #: the most samples an evaluation's forward pass takes at once (None: any number); see `predict`
    eval_batch: int | None = None

    @abc.abstractmethod
    def forward_traced(
        self,
        x: torch.Tensor,
        pre: list[torch.Tensor] | None,
        post: list[torch.Tensor] | None,
        time: list[torch.Tensor] | None = None,
    ) -> torch.Tensor:
        """The forward pass, appending each probe's pre-activation s to `pre` (the trainer
        differentiates the loss with respect to them; (batch, units) for the MLP), each hidden
        probe's activation (batch, units) to `post`, and, for a model with time_steps, the time
        probes (batch, units) to `time`. With all None it is the plain forward pass."""

    @abc.abstractmethod
    def weights(self) -> list[nn.Parameter]:
        """One weight matrix (fan_out, fan_in) per probe: the gradient norms and update ratios are
        theirs, and the L1/L2 penalties apply to them."""

    @abc.abstractmethod
    def probe_labels(self) -> list[str]:
        """One name per probe, as the records and sessions store it ("layer_1", ...)."""

    @abc.abstractmethod
    def probe_units(self) -> list[int]:
        """The values per sample of each probe's pre-activation tensor: its per-sample RMS is
        its norm times sqrt(batch / units) (the loss is a batch mean)."""

    def time_labels(self) -> list[str]:
        """One name per time probe ("t_1", ...); none without time_steps."""
        return []

    def learned_slopes(self) -> torch.Tensor | None:
        """The learned negative slope of each hidden probe (PReLU), (n_probes - 1,); else None."""
        return None

    def spectral_radius(self) -> list[float] | None:
        """The recurrent spectral radius of each layer where the family has one; else None."""
        return None

    def storage_moved(self) -> None:
        """The parameters' data and gradients are now views into other buffers (engine.stack):
        forget anything cached about them."""

    def stacked(self, models: list[Model], rows: torch.Tensor, grad_rows: torch.Tensor) -> Any:
        """`models` (this one first, all of its shape) trained as one network whose passes take
        (K, batch, ...) tensors, their parameters being views into `rows` (K, layers + 1, width)
        and their gradients into `grad_rows`: an object with this class's `loss_and_gradients`,
        which hands out (K, ...) tensors. None where the family, or this configuration of it,
        cannot be stacked (engine.stack then trains each network on its own)."""
        return None

    def parameter_groups(self) -> tuple[list[nn.Parameter], list[nn.Parameter]]:
        """(the weights, every other parameter in registration order): the flat buffer's rows."""
        weights = self.weights()
        ids = {id(w) for w in weights}
        return weights, [p for p in self.parameters() if id(p) not in ids]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.forward_traced(x, None, None)

    def predict(self, x: torch.Tensor) -> torch.Tensor:
        """The forward pass over many samples (an evaluation), at most `eval_batch` at a time: each
        sample's output is its own in eval mode, so the chunks give what one pass would."""
        size = self.eval_batch
        if size is None or x.shape[0] <= size:
            return self.forward_traced(x, None, None)
        return torch.cat([self.forward_traced(chunk, None, None) for chunk in x.split(size)])

    def loss_and_gradients(
        self, x: torch.Tensor, y: torch.Tensor, regression: bool, penalties: Penalties, probes: bool, activations: bool
    ) -> Traced:
        """One training step's passes: the forward pass on the batch, then the gradient of the
        objective written into every parameter's `.grad` (in place: they are views into the flat
        buffer, engine.models.base.flatten_parameters), with dL/ds of every probe if `probes`
        and the hidden activations if `activations`. A model with time_steps always hands out
        dL/dh_t. This is autograd's way; a family may override it with a cheaper one that gives
        the same numbers (the MLP does, tests/engine/test_mlp_step.py)."""
        pre: list[torch.Tensor] | None = [] if probes else None
        post: list[torch.Tensor] | None = [] if activations else None
        time: list[torch.Tensor] | None = [] if self.time_steps else None
        out = self.forward_traced(x, pre, post, time)
        loss = data_loss(out, y, regression)
        objective = loss
        weights, others = self.parameter_groups()
        if penalties.l1 > 0:
            objective = objective + penalties.l1 * sum(w.abs().sum() for w in weights)
        if penalties.l2 > 0:
            objective = objective + penalties.l2 * sum(w.square().sum() for w in weights)
        params = weights + others
        # one backward pass for the parameters and the probes together: cheaper than retain_grad
        # hooks on every layer's output, or backward(inputs=...)
        grads = torch.autograd.grad(objective, params + (pre or []) + (time or []))
        targets = [p.grad for p in params]
        if any(g is None for g in targets):
            raise RuntimeError("every parameter needs its .grad view into the flat buffer before a step")
        torch._foreach_copy_(targets, grads[: len(params)])
        n_pre = len(pre or [])
        pre_grads = list(grads[len(params) : len(params) + n_pre])
        time_grads = list(grads[len(params) + n_pre :]) if time else None  # not stacked: a copy of T·batch·H values
        return Traced(loss.detach(), out.detach(), pre_grads, post, time_grads)


def flatten_parameters(weights: list[nn.Parameter], others: list[nn.Parameter]) -> tuple[torch.Tensor, torch.Tensor]:
    """Make every parameter a view into one (len(weights) + 1, row) tensor and every gradient a
    view into a second one of the same shape, and return the two.

    Row i holds weight matrix i, the last row every other parameter (biases, batch-norm and PReLU
    parameters) end to end; the rest of each row is zero padding. The per-layer norms of the
    weights, the gradients and an update then each take one vectorized op instead of one op per
    layer, which on a small net costs more than the arithmetic. Autograd accumulates into an
    existing `.grad` in place, so the gradients stay views as long as they are zeroed in place
    (`grads.zero_()`) and never set to None."""
    rows = [[w] for w in weights] + [others]
    width = max(sum(p.numel() for p in row) for row in rows)
    data = torch.zeros(len(rows), width, dtype=weights[0].dtype, device=weights[0].device)
    grads = torch.zeros_like(data)
    with torch.no_grad():
        for p, view in zip([*weights, *others], flat_views(weights, others, data)):
            view.copy_(p)
    bind_parameters(weights, others, data, grads)
    return data, grads


def bind_parameters(weights: list[nn.Parameter], others: list[nn.Parameter], data: torch.Tensor, grads: torch.Tensor) -> None:
    """Make every parameter a view into `data` and its gradient a view into `grads`, in
    flatten_parameters' layout, which these two (row, width) tensors must already hold: a stack
    of networks (engine.stack) moves a network's buffer into its own, and back out."""
    for p, view, grad in zip([*weights, *others], flat_views(weights, others, data), flat_views(weights, others, grads)):
        p.data = view
        p.grad = grad


def flat_views(weights: list[nn.Parameter], others: list[nn.Parameter], rows: torch.Tensor) -> list[torch.Tensor]:
    """Each parameter's place in a flat buffer (rows, width): weight i in row i, the others end to
    end in the last; in a stack's (K, rows, width) buffer, the K networks' places at once."""
    lead = rows.shape[:-2]
    views = [rows[..., i, : w.numel()].view(*lead, *w.shape) for i, w in enumerate(weights)]
    offset = 0
    for p in others:
        views.append(rows[..., -1, offset : offset + p.numel()].view(*lead, *p.shape))
        offset += p.numel()
    return views
