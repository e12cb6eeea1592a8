"""The flat optimizers (engine.optim) against torch.optim's own, rule by rule."""

from __future__ import annotations

import pytest
import torch

from engine.choices import OPTIMIZERS
from engine.config import Optimizer
from engine.models import flatten_parameters
from engine.optim import FlatOptimizer


def parameters(seed: int) -> list[torch.nn.Parameter]:
    generator = torch.Generator().manual_seed(seed)
    shapes = [(8, 2), (8, 8), (3, 8), (8,), (8,), (3,), (1,)]
    return [torch.nn.Parameter(torch.randn(shape, generator=generator)) for shape in shapes]


@pytest.mark.parametrize("optimizer", list(Optimizer))
def test_flat_rule_follows_torch(optimizer):
    """The same gradients for 60 steps, with a learning-rate change halfway: the flat rule on one
    buffer and torch.optim on the separate tensors end within float tolerance of each other."""
    entry = OPTIMIZERS[optimizer]
    ours, theirs = parameters(0), parameters(0)
    rows, grads = flatten_parameters(ours[:3], ours[3:])
    flat = FlatOptimizer(entry, rows, grads, lr=0.01)
    reference = entry.make(theirs, lr=0.01)
    generator = torch.Generator().manual_seed(1)
    for step in range(60):
        if step == 30:
            flat.lr = 0.003
            for group in reference.param_groups:
                group["lr"] = 0.003
        for a, b in zip(ours, theirs):
            g = torch.randn(a.shape, generator=generator) * 10 ** (step % 3 - 1)
            a.grad.copy_(g)
            b.grad = g.clone()
        flat.step()
        reference.step()
    for a, b in zip(ours, theirs):
        torch.testing.assert_close(a.detach(), b.detach(), rtol=1e-5, atol=1e-6)
    assert not torch.equal(ours[0].detach(), parameters(0)[0].detach())  # it did move
    # the zero padding of the buffer stays zero
    used = sum(p.numel() for p in ours[3:])
    assert torch.count_nonzero(rows[-1, used:]) == 0


def test_every_optimizer_has_a_flat_rule():
    rows, grads = flatten_parameters(parameters(0)[:1], parameters(0)[1:])
    for entry in OPTIMIZERS.values():
        FlatOptimizer(entry, rows, grads, lr=0.1)  # refuses an option it does not implement


def test_an_option_without_a_rule_is_refused():
    from engine.choices import OptimizerEntry

    rows, grads = flatten_parameters(parameters(0)[:1], parameters(0)[1:])
    with pytest.raises(ValueError, match="amsgrad"):
        FlatOptimizer(OptimizerEntry("Adam", (("amsgrad", True),)), rows, grads, lr=0.1)
    with pytest.raises(ValueError, match="Adagrad"):
        FlatOptimizer(OptimizerEntry("Adagrad"), rows, grads, lr=0.1)
