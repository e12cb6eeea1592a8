"""engine.choices: one complete entry per choice, whose forms agree with each other."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import torch
from torch import nn

from engine.choices import ACTIVATIONS, INITS, OPTIMIZERS
from engine.config import Activation, Init, Optimizer


@pytest.mark.parametrize(("table", "enum"), [(ACTIVATIONS, Activation), (INITS, Init), (OPTIMIZERS, Optimizer)])
def test_every_choice_has_exactly_one_entry(table, enum):
    assert list(table) == list(enum)  # every member once, in the enum's order, and nothing else
    with pytest.raises(TypeError):
        table[next(iter(enum))] = None  # read-only: no module adds or replaces an entry


@pytest.mark.parametrize("activation", list(Activation), ids=str)
def test_each_activation_entry_is_complete_and_its_forms_agree(activation):
    entry = ACTIVATIONS[activation]
    x = np.linspace(-6, 6, 241)
    s = torch.from_numpy(x)  # float64: the forms must agree to rounding
    phi = entry.torch_function()
    by_torch = phi(s, s.new_full((1,), entry.negative_slope)) if entry.learned_slope else phi(s)
    np.testing.assert_allclose(by_torch.numpy(), entry.numpy(x).astype(float), rtol=1e-12, atol=1e-12)
    # the exported script's module computes the same function
    module = eval(entry.code, {"nn": nn}).double()
    np.testing.assert_allclose(module(s).detach().numpy(), by_torch.numpy(), rtol=1e-12, atol=1e-12)
    assert not (entry.dead_applies and entry.saturation is not None)  # a unit dies or saturates, not both
    assert entry.learned_slope <= entry.dead_applies  # a learned slope is a relu family's


@pytest.mark.parametrize("activation", [a for a in Activation if ACTIVATIONS[a].forward_into is not None], ids=str)
def test_each_activations_out_forms_give_its_functions_numbers_to_the_bit(activation):
    """A stack computes φ and its backward into kept buffers (engine.models.mlp._Stack): the out=
    forms must be the very kernels, on the vectorized body and the scalar remainder alike, and on
    the values where a formula could differ (0, -0, ±inf, NaN, huge)."""
    entry = ACTIVATIONS[activation]
    forward, backward = entry.torch_function(), entry.torch_backward()
    forward_into, backward_into = entry.torch_function_into(), entry.torch_backward_into()
    assert backward_into is not None
    generator = torch.Generator().manual_seed(0)
    special = torch.tensor([0.0, -0.0, float("inf"), -float("inf"), float("nan"), 1e30, -1e30, 1e-40, -88.0, 20.0])
    for dtype in (torch.float32, torch.float64):
        for n in (1, 7, 64, 100, 256):
            s = (torch.randn(3, n, generator=generator) * 5).to(dtype)
            s.view(-1)[: special.numel()] = special[: s.numel()].to(dtype)
            g = torch.randn(3, n, generator=generator).to(dtype)
            a = forward(s)
            out = torch.full_like(s, 7.0)
            forward_into(s, out)
            grad = torch.full_like(s, 7.0)
            backward_into(g, s, a, grad)
            for mine, ref in ((out, a), (grad, backward(g, s, a))):
                assert torch.equal(mine.view(torch.int64 if dtype is torch.float64 else torch.int32),
                                   ref.view(torch.int64 if dtype is torch.float64 else torch.int32)), (dtype, n)


@pytest.mark.parametrize("activation", [a for a in Activation if ACTIVATIONS[a].saturation is not None], ids=str)
def test_saturation_bounds_are_the_output_at_the_threshold(activation):
    entry = ACTIVATIONS[activation]
    centre, half = entry.saturation_bounds
    phi = entry.torch_function()
    t = torch.tensor(entry.saturation, dtype=torch.float64)
    assert centre == pytest.approx(phi(torch.zeros((), dtype=torch.float64)).item())
    assert half == pytest.approx((phi(t) - centre).item())
    assert half == pytest.approx((centre - phi(-t)).item())  # odd about its centre


@pytest.mark.parametrize("init", list(Init), ids=str)
def test_each_init_entry_draws_what_its_exported_code_draws(init):
    """The scheme's draw and the exported statement give the same scale, and the theory's
    variance (where there is one) is that scale squared (fan_in 128, fan_out 256)."""
    entry = INITS[init]
    ours = torch.empty(256, 128)
    entry.draw(ours, 2.0, torch.Generator().manual_seed(0))
    theirs = torch.empty(256, 128)
    namespace = {"nn": nn, "w": theirs, "fan_in": 128}
    exec(entry.code.format(g=repr(2.0)), namespace)
    if init is Init.IDENTITY:  # gain x I: both exactly
        square = torch.empty(64, 64)
        entry.draw(square, 2.0, torch.Generator().manual_seed(0))
        exec(entry.code.format(g=repr(2.0)), {**namespace, "w": (theirs := torch.empty(64, 64))})
        assert torch.equal(square, 2.0 * torch.eye(64)) and torch.equal(theirs, square)
        return
    if entry.variance is None:
        assert ours.count_nonzero() == 0 and theirs.count_nonzero() == 0
        return
    assert ours.square().mean().item() == pytest.approx(4.0 * entry.variance(128, 256), rel=0.05)
    assert theirs.square().mean().item() == pytest.approx(ours.square().mean().item(), rel=0.05)


@pytest.mark.parametrize("init", list(Init), ids=str)
def test_each_init_entry_draws_its_cell_matrices_as_its_exported_code(init):
    """The recurrent families' per-gate draws (input H x n_in, recurrent H x H) and their
    exported statements agree in scale (H 256, n_in 64)."""
    entry = INITS[init]
    for draw, code, shape in (
        (entry.cell_input, entry.cell_input_code, (256, 64)),
        (entry.cell_recurrent, entry.cell_recurrent_code, (256, 256)),
    ):
        draw, code = draw or entry.draw, code or entry.code
        ours, theirs = torch.empty(shape), torch.empty(shape)
        draw(ours, 0.5, torch.Generator().manual_seed(0))
        torch.manual_seed(0)
        exec(code.format(g=repr(0.5)), {"nn": nn, "w": theirs, "fan_in": shape[1], "hidden": shape[0]})
        assert theirs.square().mean().item() == pytest.approx(ours.square().mean().item(), rel=0.1, abs=1e-12)


def test_torch_default_cells_draw_as_torch_nn_rnn():
    """torch_default means what torch.nn.RNN does: U(-1/sqrt(H), 1/sqrt(H)) for every matrix."""
    entry = INITS[Init.TORCH_DEFAULT]
    w = torch.empty(64, 3)
    entry.cell_input(w, 1.0, torch.Generator().manual_seed(0))
    assert w.abs().max().item() <= 1 / 8 and w.abs().max().item() > 0.9 / 8
    w = torch.empty(64, 64)
    entry.cell_recurrent(w, 1.0, torch.Generator().manual_seed(0))
    assert w.abs().max().item() <= 1 / 8 and w.abs().max().item() > 0.9 / 8


@pytest.mark.parametrize("optimizer", list(Optimizer), ids=str)
def test_each_optimizer_entry_builds_what_its_exported_code_builds(optimizer):
    entry = OPTIMIZERS[optimizer]
    model = nn.Linear(2, 2)
    ours = entry.make(list(model.parameters()), 0.01)
    theirs = eval(entry.code(0.01), {"torch": torch, "model": model})
    assert type(ours) is type(theirs)
    assert ours.defaults == theirs.defaults and ours.defaults["lr"] == 0.01


def test_the_tables_and_the_theory_load_without_torch():
    """The window reads the theory before torch has loaded: the tables name their torch forms."""
    code = "import sys, engine.choices, engine.theory; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
