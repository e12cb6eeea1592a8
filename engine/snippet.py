"""The current model as a short, runnable PyTorch script: the same layers, initialization,
optimizer and loss, training on the same kind of data, for a learner to take away."""

from __future__ import annotations

from engine.choices import ACTIVATIONS, INITS, OPTIMIZERS
from engine.config import Config, Dataset
from engine.data import data_shape

# the app's data sets (engine.data), written in torch
_DATA = {
    Dataset.SPIRAL: (
        "y = torch.randint(0, 2, (n,))\nt = torch.rand(n) * 0.95 + 0.05\nangle = 3.5 * math.pi * t + math.pi * y\n"
        "x = torch.stack([t * torch.cos(angle), t * torch.sin(angle)], 1)"
    ),
    Dataset.MOONS: (
        "y = torch.randint(0, 2, (n,))\na = torch.rand(n) * math.pi\n"
        "x = torch.where((y == 0)[:, None], torch.stack([a.cos(), a.sin()], 1), torch.stack([1 - a.cos(), 0.5 - a.sin()], 1))"
    ),
    Dataset.CIRCLES: (
        "y = torch.randint(0, 2, (n,))\na = torch.rand(n) * 2 * math.pi\n"
        "x = torch.where(y == 0, 1.0, 0.5)[:, None] * torch.stack([a.cos(), a.sin()], 1)"
    ),
    Dataset.XOR: "x = torch.rand(n, 2) * 2 - 1\ny = ((x[:, 0] > 0) ^ (x[:, 1] > 0)).long()",
    Dataset.GAUSSIANS: (
        "y = torch.randint(0, 3, (n,))\ncenters = torch.tensor([[0.0, 1.0], [-0.87, -0.5], [0.87, -0.5]])\n"
        "x = centers[y] + 0.35 * torch.randn(n, 2)"
    ),
}


def pytorch_snippet(config: Config) -> str:
    c = config
    n_in, n_out = data_shape(c.dataset)
    block_parts = [f"nn.Linear(w_in, {c.width})"]
    if c.batch_norm:
        block_parts.append(f"nn.BatchNorm1d({c.width})")
    block_parts.append(ACTIVATIONS[c.activation].code)
    if c.dropout > 0:
        block_parts.append(f"nn.Dropout({c.dropout!r})")
    if c.is_regression:
        data = (
            f"x = torch.rand({c.n_train}, 1) * 2 * math.pi - math.pi\n"
            f"y = torch.sin(x) + {c.noise!r} * torch.randn_like(x)\n"
            "x = (x - x.mean(0)) / x.std(0)  # standardized, as the app does\n"
            "loss_fn = nn.MSELoss()"
        )
    else:
        data = (
            f"n = {c.n_train}\n"
            + _DATA[c.dataset]
            + f"\nx = x + {c.noise!r} * torch.randn_like(x)\n"
            "x = (x - x.mean(0)) / x.std(0)  # standardized, as the app does\n"
            "loss_fn = nn.CrossEntropyLoss()"
        )
    penalty = ""
    if c.l1 > 0:
        penalty += f" + {c.l1!r} * sum(m.weight.abs().sum() for m in linears)"
    if c.l2 > 0:
        penalty += f" + {c.l2!r} * sum(m.weight.square().sum() for m in linears)"
    clip = f"    nn.utils.clip_grad_norm_(model.parameters(), {c.clip_norm!r})\n" if c.clip_norm > 0 else ""
    return f'''"""Vanishing Point model: depth {c.depth}, width {c.width}, {c.activation.value}, {c.init.value} (gain {c.init_gain:g}),
{c.optimizer.value} at lr {c.lr:g}. Exported by Vanishing Point; runs with any torch >= 2.2."""
import math

import torch
from torch import nn

torch.manual_seed({c.seed})


class Block(nn.Module):
    """One hidden layer: linear -> {"batch norm -> " if c.batch_norm else ""}activation{" -> dropout" if c.dropout else ""}{", with a skip connection" if c.residual else ""}."""

    def __init__(self, w_in):
        super().__init__()
        self.skip = {c.residual!r} and w_in == {c.width}
        self.body = nn.Sequential({", ".join(block_parts)})

    def forward(self, h):
        return h + self.body(h) if self.skip else self.body(h)


model = nn.Sequential(*[Block({n_in} if i == 0 else {c.width}) for i in range({c.depth})], nn.Linear({c.width}, {n_out}))
linears = [m for m in model.modules() if isinstance(m, nn.Linear)]
with torch.no_grad():
    for layer in linears:
        w, fan_in = layer.weight, layer.weight.shape[1]
        {INITS[c.init].code.format(g=repr(c.init_gain))}
        nn.init.constant_(layer.bias, {c.bias_init!r})

{data}
optimizer = {OPTIMIZERS[c.optimizer].code(c.lr)}
for step in range({min(c.steps, 200)}):
    batch = torch.randint(0, len(x), ({min(c.batch_size, c.n_train)},))
    loss = loss_fn(model(x[batch]), y[batch]){penalty}
    optimizer.zero_grad()
    loss.backward()
{clip}    optimizer.step()
print("loss after training:", loss.item())
'''

