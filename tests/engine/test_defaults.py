"""The first screen: with no preset, the default network is a healthy deep network that learns."""

from __future__ import annotations

import numpy as np
import pytest

from engine import Config, Run


@pytest.mark.parametrize("seed", range(5))
def test_default_network_learns(seed):
    """The default run (no preset) reaches validation error <= 0.10 within its default steps, at
    seeds 0-4, and its gradients are level across the layers: no vanishing, no exploding."""
    run = Run(Config(seed=seed, device="cpu"))
    first = run.step()
    # Xavier keeps tanh's gradients level: layer 1 within a factor of 10 of the output layer
    assert 0.1 < first.grad_norms[0] / first.grad_norms[-1] < 10
    for _ in run:
        pass
    last = run.evaluations[-1]
    assert last.step == Config().steps
    assert last.val_error <= 0.10  # 0.018-0.092 at seeds 0-9 (torch 2.13, CPU)
    assert last.train_error <= 0.10
    # both errors fell from chance
    assert run.evaluations[0].val_error > 0.3
    assert np.isfinite(last.layers.grad_rms).all()


def test_default_is_deep():
    """Depth must matter in the default network: several hidden layers, not a shallow one."""
    assert Config().depth >= 6
