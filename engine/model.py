"""The multilayer perceptron and its initialization schemes.

Layers are numbered from the input: layer 1 is the first weight matrix, layer depth+1 the output
layer. A hidden layer is linear -> [batch norm] -> activation -> [dropout], with an optional skip
connection around it when its input and output widths are equal.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from engine.config import Activation, Config, Init

#: The part of each saturating activation's domain where its slope is under 10% of its peak:
#: |s| above this threshold counts as saturated.
SATURATION_THRESHOLD = {
    Activation.SIGMOID: 3.64,  # sigmoid'(s) < 0.025
    Activation.TANH: 1.83,  # tanh'(s) < 0.1
    Activation.SOFTSIGN: 2.17,  # 1/(1+|s|)^2 < 0.1
}
#: Activations whose slope is exactly zero for s <= 0 (for leaky/PReLU: only if the slope is 0).
RELU_FAMILY = frozenset({Activation.RELU, Activation.LEAKY_RELU, Activation.PRELU})

_SIMPLE = {
    Activation.LINEAR: lambda s: s,
    Activation.SIGMOID: torch.sigmoid,
    Activation.TANH: torch.tanh,
    Activation.SOFTSIGN: F.softsign,
    Activation.RELU: F.relu,
    Activation.LEAKY_RELU: F.leaky_relu,  # negative slope 0.01
    Activation.ELU: F.elu,
    Activation.SELU: F.selu,
    Activation.GELU: F.gelu,
    Activation.SILU: F.silu,
}


class MLP(nn.Module):
    def __init__(
        self, n_inputs: int, n_outputs: int, config: Config, init_generator: torch.Generator, dropout_generator: torch.Generator
    ):
        super().__init__()
        widths = [n_inputs] + [config.width] * config.depth + [n_outputs]
        self.linears = nn.ModuleList(nn.Linear(a, b) for a, b in zip(widths[:-1], widths[1:]))
        self.norms = nn.ModuleList(nn.BatchNorm1d(config.width) for _ in range(config.depth)) if config.batch_norm else None
        self.activation = config.activation
        # one learnable negative slope per hidden layer, torch's default 0.25
        self.prelu = (
            nn.ParameterList(nn.Parameter(torch.full((1,), 0.25)) for _ in range(config.depth))
            if config.activation is Activation.PRELU
            else None
        )
        self.skip = [config.residual and a == b for a, b in zip(widths[:-2], widths[1:-1])]
        self.dropout = config.dropout  # live: the trainer may change it between steps
        self.generator = dropout_generator  # dropout masks come from the run's own generator
        initialize(self, config, init_generator)

    @property
    def depth(self) -> int:
        return len(self.linears) - 1

    def act(self, i: int, s: torch.Tensor) -> torch.Tensor:
        if self.prelu is not None:
            return F.prelu(s, self.prelu[i])
        return _SIMPLE[self.activation](s)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.forward_traced(x, None, None)

    def forward_traced(
        self, x: torch.Tensor, pre: list[torch.Tensor] | None, post: list[torch.Tensor] | None
    ) -> torch.Tensor:
        """Forward pass that appends each layer's pre-activation s (batch, units) to `pre` (the
        trainer differentiates the loss with respect to them too), and each hidden layer's
        activation to `post`. With both None it is the plain forward pass."""
        h = x  # (batch, n_inputs)
        for i in range(self.depth):
            s = self.linears[i](h)  # (batch, width)
            if pre is not None:
                pre.append(s)
            z = self.norms[i](s) if self.norms is not None else s
            a = self.act(i, z)
            if post is not None:
                post.append(a)
            if self.dropout > 0 and self.training:
                keep = 1.0 - self.dropout
                a = a * torch.empty_like(a).bernoulli_(keep, generator=self.generator) / keep
            h = h + a if self.skip[i] else a
        out = self.linears[-1](h)  # (batch, n_outputs)
        if pre is not None:
            pre.append(out)
        return out

    def weights(self) -> list[torch.Tensor]:
        return [lin.weight for lin in self.linears]


def initialize(model: MLP, config: Config, generator: torch.Generator) -> None:
    gain = config.init_gain
    with torch.no_grad():
        for lin in model.linears:
            init_weight(lin.weight, config.init, gain, generator)
            lin.bias.fill_(config.bias_init)


def init_weight(w: torch.Tensor, scheme: Init, gain: float, generator: torch.Generator) -> None:
    """Fill w (fan_out, fan_in) in place; `gain` multiplies the scheme's standard deviation."""
    fan_out, fan_in = w.shape
    if scheme is Init.ZEROS:
        w.zero_()
    elif scheme is Init.ORTHOGONAL:
        nn.init.orthogonal_(w, gain=gain, generator=generator)
    elif scheme is Init.LECUN_NORMAL:
        std = gain / math.sqrt(fan_in) / 0.87962566103423978  # std of N(0,1) truncated at +-2
        nn.init.trunc_normal_(w, 0.0, std, -2 * std, 2 * std, generator=generator)
    else:
        kind, scale = {
            Init.TORCH_DEFAULT: ("uniform", 1 / math.sqrt(fan_in)),
            Init.NORMAL: ("normal", math.sqrt(1 / fan_in)),
            Init.UNIFORM: ("uniform", math.sqrt(3 / fan_in)),
            Init.XAVIER_UNIFORM: ("uniform", math.sqrt(6 / (fan_in + fan_out))),
            Init.XAVIER_NORMAL: ("normal", math.sqrt(2 / (fan_in + fan_out))),
            Init.HE_UNIFORM: ("uniform", math.sqrt(6 / fan_in)),
            Init.HE_NORMAL: ("normal", math.sqrt(2 / fan_in)),
        }[scheme]
        if kind == "uniform":  # scale is the bound; the std is bound/sqrt(3)
            w.uniform_(-gain * scale, gain * scale, generator=generator)
        else:
            w.normal_(0.0, gain * scale, generator=generator)


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
        for r, row in enumerate(rows):
            offset = 0
            for p in row:
                n = p.numel()
                data[r, offset : offset + n] = p.reshape(-1)
                p.data = data[r, offset : offset + n].view_as(p)
                p.grad = grads[r, offset : offset + n].view_as(p)
                offset += n
    return data, grads
