"""The model protocol (engine.models.Model) as the trainer and the statistics use it."""

from __future__ import annotations

import pytest
import torch

from engine.config import Config
from engine.models import Generators, Model, build_model


def built(**changes) -> Model:
    generators = Generators(torch.Generator().manual_seed(0), torch.Generator().manual_seed(1))
    return build_model(Config(depth=3, width=8, **changes), 2, 3, generators)


@pytest.mark.parametrize("changes", [dict(), dict(activation="prelu", batch_norm=True, residual=True, dropout=0.2)])
def test_the_traced_forward_hands_out_one_probe_per_label(changes):
    model = built(**changes)
    labels = model.probe_labels()
    assert model.probe_axis == "layer" and labels == ["layer_1", "layer_2", "layer_3", "layer_4"]
    x = torch.randn(5, 2)
    pre: list[torch.Tensor] = []
    post: list[torch.Tensor] = []
    model.eval()  # no dropout: the traced and the plain forward pass agree
    out = model.forward_traced(x, pre, post)
    assert len(pre) == len(labels) and len(post) == len(labels) - 1  # the output probe has no activation
    assert pre[-1] is out and out.shape == (5, 3)
    torch.testing.assert_close(model(x), out)


def test_parameter_groups_split_the_parameters_into_weights_and_the_rest():
    model = built(activation="prelu", batch_norm=True)
    weights, others = model.parameter_groups()
    assert [tuple(w.shape) for w in weights] == [(8, 2), (8, 8), (8, 8), (3, 8)]
    assert len(weights) == len(model.probe_labels())
    assert {id(p) for p in weights} | {id(p) for p in others} == {id(p) for p in model.parameters()}
    assert not {id(p) for p in weights} & {id(p) for p in others}
    torch.testing.assert_close(model.learned_slopes(), torch.full((3,), 0.25))
    assert built().learned_slopes() is None


def test_the_same_generators_build_the_same_network():
    a, b = built(init="he_normal"), built(init="he_normal")
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))
