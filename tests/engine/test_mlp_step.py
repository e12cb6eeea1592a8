"""The MLP's hand-written training step (engine.models.mlp) gives autograd's numbers.

`Model.loss_and_gradients` is autograd's way (the recurrent families use it); the MLP overrides it
with a backward pass written out layer by layer. Across random networks (every activation, init,
batch norm, residual, dropout, L1/L2, both losses) the two must agree on the loss, the output,
every parameter's gradient (the whole flat buffer), dL/ds of every layer and the activations,
and must draw the same dropout masks. A network with batch norm or PReLU uses autograd's matrix
products and agrees here to the last bit. Any other network runs as a stack of one (engine.stack):
batched products, which round small products differently from autograd's, and its activation on a
padded tensor, all of it in the vectorized kernel where autograd's last values take the scalar one;
so a difference is measured against the tensor's largest element (cancellation gives a small
element a large relative error from a last-bit difference upstream).
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import example, given, settings
from hypothesis import strategies as st

from engine import Config, Run
from engine.config import Activation, Dataset, Init
from engine.models import MLP, Model, Penalties

CLASSIFICATION = [d for d in Dataset if d not in (Dataset.RECALL, Dataset.ADDING)]
INITS = [i for i in Init if i is not Init.IDENTITY]  # identity: rnn only

networks = st.fixed_dictionaries({
    "depth": st.integers(1, 4),
    "width": st.integers(1, 7),
    "activation": st.sampled_from(list(Activation)),
    "init": st.sampled_from(INITS),
    "init_gain": st.sampled_from([0.5, 1.0, 2.0]),
    "bias_init": st.sampled_from([0.0, 0.1]),
    "batch_norm": st.booleans(),
    "residual": st.booleans(),
    "dropout": st.sampled_from([0.0, 0.0, 0.3]),
    "l1": st.sampled_from([0.0, 1e-3]),
    "l2": st.sampled_from([0.0, 1e-2]),
    "dataset": st.sampled_from(CLASSIFICATION),
    "batch_size": st.integers(2, 16),
    "seed": st.integers(0, 2**16),
})


def twin_runs(settings_: dict) -> tuple[Run, Run]:
    config = Config(n_train=40, n_val=20, steps=10, device="cpu", **settings_)
    return Run(config), Run(config)


def near(mine: torch.Tensor, ref: torch.Tensor, floor: float = 0.0) -> None:
    """Equal within float rounding: 1e-5 relative, or 1e-4 of the largest element of the row (a
    layer's gradient, one sample's values: a vectorized transcendental function rounds a few last
    bits away from the scalar one, and a residual net adds such differences up over its layers; a
    wrong formula is off by far more). Row by row, so that a vanishing layer's tiny gradient is
    held to its own size, not to the largest layer's. `floor`: a row's size is taken as at least
    this share of the whole tensor's largest element."""
    ref = ref.detach()
    rows = ref.reshape(ref.shape[0], -1) if ref.ndim > 1 else ref.reshape(1, -1)
    scale = rows.abs().amax(dim=1, keepdim=True) if rows.numel() else rows
    if floor and rows.numel():
        scale = scale.clamp_min(floor * float(scale.max()))
    difference = (mine.detach().reshape(rows.shape) - rows).abs()
    allowed = 1e-5 * rows.abs() + 1e-4 * scale + 1e-30
    assert bool((difference <= allowed).all()), f"largest excess {(difference - allowed).max().item():.3g}"


def both_steps(a: Run, b: Run, steps: int = 3) -> None:
    """`steps` steps of run a with the MLP's step and run b with autograd's, batch for batch,
    each followed by the run's own optimizer update; checks every step."""
    cfg = a.config
    penalties = Penalties(cfg.l1, cfg.l2)
    for _ in range(steps):
        idx = a._next_batch()
        assert torch.equal(idx, b._next_batch())
        x, y = a.x_train[idx], a.y_train[idx]
        ours = a.model.loss_and_gradients(x, y, a.data.is_regression, penalties, True, True)
        theirs = Model.loss_and_gradients(b.model, x, y, b.data.is_regression, penalties, True, True)
        near(ours.loss, theirs.loss.detach())
        # an output is a sum of terms rounded at their own size: one near 0 (a residual net's
        # regression output, seen: 7e-5 off by 2e-7 where the largest sample's is about 1) is
        # held to 1% of the largest sample's
        near(ours.out, theirs.out, floor=1e-2)
        near(a._grad_rows, b._grad_rows)  # every parameter's gradient
        assert len(ours.pre_grads) == len(theirs.pre_grads) == a.n_layers
        for mine, ref in zip(ours.pre_grads, theirs.pre_grads):
            # a row is one sample's dL/ds. In regression a sample whose output nearly equals its
            # target has dL/d(out) = 2/n·(out - y), a difference of close numbers: the last bits of
            # `out` become a large part of it, and of the sample's whole row (seen: 0.15% off at
            # 4e-4 of the largest sample's). Such a row is held to 1% of the layer's largest sample.
            near(mine, ref, floor=1e-2)
        for mine, ref in zip(ours.post, theirs.post):
            near(mine, ref.detach())
        a.optimizer.step()
        b.optimizer.step()
    torch.testing.assert_close(a._param_rows, b._param_rows, rtol=1e-5, atol=1e-6)
    # the dropout masks came from the same draws: the generators are in the same state
    assert torch.equal(a.model.generator.get_state(), b.model.generator.get_state())
    for bn_a, bn_b in zip(a.model.norms or (), b.model.norms or ()):  # batch norm's running statistics
        torch.testing.assert_close(bn_a.running_mean, bn_b.running_mean)
        torch.testing.assert_close(bn_a.running_var, bn_b.running_var)
        assert bn_a.num_batches_tracked == bn_b.num_batches_tracked


@settings(max_examples=80, deadline=None)
@given(networks)
def test_the_mlp_step_gives_autograds_numbers(settings_):
    a, b = twin_runs(settings_)
    assert isinstance(a.model, MLP)
    both_steps(a, b)


@settings(max_examples=15, deadline=None)
@given(networks, st.sampled_from([Dataset.SINE]))
@example(  # a sample whose output nearly equals its target (see both_steps)
    dict(depth=2, width=4, activation=Activation.SELU, init=Init.XAVIER_NORMAL, init_gain=2.0, bias_init=0.1, batch_norm=False,
         residual=False, dropout=0.0, l1=0.0, l2=0.0, dataset=Dataset.SPIRAL, batch_size=5, seed=59184),
    Dataset.SINE,
)
@example(  # an output near 0 (see both_steps)
    dict(depth=2, width=5, activation=Activation.TANH, init=Init.UNIFORM, init_gain=2.0, bias_init=0.1, batch_norm=False,
         residual=True, dropout=0.0, l1=0.0, l2=0.0, dataset=Dataset.SPIRAL, batch_size=8, seed=42),
    Dataset.SINE,
)
def test_the_mlp_step_gives_autograds_numbers_for_regression(settings_, dataset):
    a, b = twin_runs({**settings_, "dataset": dataset})
    assert a.data.is_regression
    both_steps(a, b)


def test_a_run_with_the_mlp_step_records_what_autograd_records(monkeypatch):
    """Whole runs, through the trainer: the records of a run on the MLP's step and of the same run
    on autograd's are the same, evaluations and statistics included."""
    config = Config(depth=3, width=6, activation="prelu", batch_norm=True, dropout=0.2, l1=1e-4, l2=1e-3, clip_norm=1.0,
                    n_train=60, n_val=30, steps=40, eval_every=5, device="cpu")
    ours = list(Run(config))
    monkeypatch.setattr(MLP, "loss_and_gradients", Model.loss_and_gradients)
    theirs = list(Run(config))
    assert len(ours) == len(theirs) == 40
    for r, s in zip(ours, theirs):
        assert abs(r.loss - s.loss) <= 1e-5 * max(1.0, abs(s.loss))
        torch.testing.assert_close(torch.from_numpy(r.grad_norms), torch.from_numpy(s.grad_norms), rtol=1e-4, atol=1e-7)
        if s.evaluation is not None:
            e, f = r.evaluation.layers, s.evaluation.layers
            torch.testing.assert_close(torch.from_numpy(e.signal_rms), torch.from_numpy(f.signal_rms), rtol=1e-4, atol=1e-9)
            assert abs(r.evaluation.val_loss - s.evaluation.val_loss) < 1e-5


@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "gelu"])
def test_a_stackable_run_with_the_mlp_step_records_what_autograd_records(monkeypatch, activation):
    """The same for a network that runs as a stack of one (no batch norm, no PReLU): to rounding,
    with a vanishing first layer (sigmoid, gain 0.5) held to its own size."""
    config = Config(depth=4, width=7, activation=activation, init_gain=0.5, dropout=0.1, l2=1e-3, n_train=50, n_val=30,
                    batch_size=10, steps=30, eval_every=5, device="cpu")
    ours = list(Run(config))
    monkeypatch.setattr(MLP, "loss_and_gradients", Model.loss_and_gradients)
    theirs = list(Run(config))
    for r, s in zip(ours, theirs, strict=True):
        assert abs(r.loss - s.loss) <= 1e-5 * max(1.0, abs(s.loss))
        np.testing.assert_allclose(r.grad_norms, s.grad_norms, rtol=1e-4)  # each layer to its own size
        if s.evaluation is not None:
            np.testing.assert_allclose(r.evaluation.layers.signal_rms, s.evaluation.layers.signal_rms, rtol=1e-4)


def test_the_gradients_must_be_the_flat_buffers_views():
    config = Config(depth=2, width=3, n_train=20, n_val=10, steps=20, eval_every=5, device="cpu")
    unflattened = MLP(2, 3, config, torch.Generator().manual_seed(0), torch.Generator().manual_seed(1))
    x, y = torch.zeros(4, 2), torch.zeros(4, dtype=torch.long)
    with pytest.raises(RuntimeError, match="flat buffer"):
        unflattened.loss_and_gradients(x, y, False, Penalties(), False, False)
    run = Run(config)
    run.step()
    run.model.linears[0].weight.grad = torch.zeros_like(run.model.linears[0].weight)  # replaced
    with pytest.raises(RuntimeError, match="flat buffer"):  # noticed by the next evaluation step at the latest
        for _ in range(5):
            run.step()
