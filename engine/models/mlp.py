"""The multilayer perceptron.

Layers are numbered from the input: layer 1 is the first weight matrix, layer depth+1 the output
layer. A hidden layer is linear -> [batch norm] -> activation -> [dropout], with an optional skip
connection around it when its input and output widths are equal. Its probes are its layers.
"""

from __future__ import annotations

import torch
from torch import nn

from engine.choices import ACTIVATIONS, INITS
from engine.config import Config
from engine.models.base import Model


class MLP(Model):
    probe_axis = "layer"

    def __init__(
        self, n_inputs: int, n_outputs: int, config: Config, init_generator: torch.Generator, dropout_generator: torch.Generator
    ):
        super().__init__()
        widths = [n_inputs] + [config.width] * config.depth + [n_outputs]
        self.linears = nn.ModuleList(nn.Linear(a, b) for a, b in zip(widths[:-1], widths[1:]))
        self.norms = nn.ModuleList(nn.BatchNorm1d(config.width) for _ in range(config.depth)) if config.batch_norm else None
        self.activation = config.activation
        entry = ACTIVATIONS[config.activation]
        self.phi = entry.torch_function()  # PReLU's takes its layer's slope too
        # one learnable negative slope per hidden layer (PReLU)
        self.prelu = (
            nn.ParameterList(nn.Parameter(torch.full((1,), entry.negative_slope)) for _ in range(config.depth))
            if entry.learned_slope
            else None
        )
        self.skip = [config.residual and a == b for a, b in zip(widths[:-2], widths[1:-1])]
        self.dropout = config.dropout  # live: the trainer may change it between steps
        self.generator = dropout_generator  # dropout masks come from the run's own generator
        draw = INITS[config.init].draw
        with torch.no_grad():
            for lin in self.linears:
                draw(lin.weight, config.init_gain, init_generator)
                lin.bias.fill_(config.bias_init)

    @property
    def depth(self) -> int:
        return len(self.linears) - 1

    def act(self, i: int, s: torch.Tensor) -> torch.Tensor:
        if self.prelu is not None:
            return self.phi(s, self.prelu[i])
        return self.phi(s)

    def forward_traced(
        self,
        x: torch.Tensor,
        pre: list[torch.Tensor] | None,
        post: list[torch.Tensor] | None,
        time: list[torch.Tensor] | None = None,
    ) -> torch.Tensor:
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

    def weights(self) -> list[nn.Parameter]:
        return [lin.weight for lin in self.linears]

    def probe_labels(self) -> list[str]:
        return [f"layer_{i}" for i in range(1, len(self.linears) + 1)]

    def probe_units(self) -> list[int]:
        return [lin.out_features for lin in self.linears]

    def learned_slopes(self) -> torch.Tensor | None:
        return None if self.prelu is None else torch.cat([p.detach() for p in self.prelu])
