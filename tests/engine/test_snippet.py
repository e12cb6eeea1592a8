"""The exported PyTorch snippet runs and builds the same network as the engine."""

from __future__ import annotations

import pytest
import torch

from engine import Config, Run
from engine.config import Activation, Dataset
from engine.snippet import pytorch_snippet


def run_snippet(config: Config) -> dict:
    namespace: dict = {}
    exec(compile(pytorch_snippet(config), "snippet.py", "exec"), namespace)
    return namespace


@pytest.mark.parametrize("dataset", list(Dataset))
def test_every_data_set_trains(dataset):
    ns = run_snippet(Config(dataset=dataset, depth=2, width=8, steps=20))
    assert torch.isfinite(ns["loss"])


@pytest.mark.parametrize("activation", list(Activation))
@pytest.mark.parametrize("structure", [dict(), dict(batch_norm=True, residual=True, dropout=0.1)], ids=["plain", "bn-res-drop"])
def test_the_snippet_computes_the_engines_network(activation, structure):
    """Given the engine's weights, the snippet's model computes the engine's outputs: the same
    layers, activation, batch norm and skip connections (dropout is off in eval mode)."""
    config = Config(activation=activation, depth=3, width=16, steps=1, **structure)
    model = run_snippet(config)["model"]
    run = Run(config)
    snippet_linears = [m for m in model.modules() if isinstance(m, torch.nn.Linear)]
    assert [tuple(m.weight.shape) for m in snippet_linears] == [tuple(w.shape) for w in run.weights]
    with torch.no_grad():
        for theirs, ours in zip(snippet_linears, run.model.linears):
            theirs.weight.copy_(ours.weight)
            theirs.bias.copy_(ours.bias)
        for m in model.modules():  # the snippet trained a step: batch norm and PReLU back to their start
            if not isinstance(m, torch.nn.Linear) and hasattr(m, "reset_parameters"):
                m.reset_parameters()
        model.eval()
        run.model.eval()
        x = torch.from_numpy(run.data.x_val[:50])
        torch.testing.assert_close(model(x), run.model(x))


def test_initial_weight_scale_matches_the_engine():
    config = Config(init="he_normal", init_gain=2.0, depth=4, width=256, steps=1)
    namespace: dict = {}
    code = pytorch_snippet(config).split("\nx = ")[0].split("\nn = ")[0]  # up to the data
    exec(compile(code, "snippet.py", "exec"), namespace)
    run = Run(config)
    for ours, theirs in zip(namespace["linears"][1:-1], run.weights[1:-1]):
        assert ours.weight.std().item() == pytest.approx(theirs.std().item(), rel=0.05)
