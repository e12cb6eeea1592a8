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
def test_same_layers_and_initial_weights_as_the_engine(activation):
    config = Config(activation=activation, depth=3, width=16, batch_norm=True, residual=True, dropout=0.1, steps=1)
    ns = run_snippet(config.replace(steps=1))
    run = Run(config)
    shapes = [tuple(m.weight.shape) for m in ns["linears"]]
    assert shapes == [tuple(w.shape) for w in run.weights]


def test_initial_weight_scale_matches_the_engine():
    config = Config(init="he_normal", init_gain=2.0, depth=4, width=256, steps=1)
    namespace: dict = {}
    code = pytorch_snippet(config).split("\nx = ")[0].split("\nn = ")[0]  # up to the data
    exec(compile(code, "snippet.py", "exec"), namespace)
    run = Run(config)
    for ours, theirs in zip(namespace["linears"][1:-1], run.weights[1:-1]):
        assert ours.weight.std().item() == pytest.approx(theirs.std().item(), rel=0.05)
