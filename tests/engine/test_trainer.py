"""The training run: reproducible, finite for every choice, measuring what it says, divergence.
Every test trains a tiny network for real (live settings and early stopping: test_live.py)."""

from __future__ import annotations

import copy
import dataclasses
import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from engine import (
    Activation,
    ConfigError,
    Dataset,
    Init,
    LayerStats,
    Optimizer,
    Run,
    RunStatus,
    StepRecord,
)
from engine.choices import ACTIVATIONS
from engine.config import SEQUENCE_DATASETS
from engine.presets import load_preset

from .helpers import assert_same, tiny, train

# --- reproducibility -------------------------------------------------------------------------

#: Every source of randomness at once: data, weights, minibatch order, dropout masks.
SEEDED = dict(
    depth=4,
    width=16,
    n_train=100,
    n_val=100,
    batch_size=16,
    dropout=0.2,
    activation="prelu",
    batch_norm=True,
    residual=True,
    label_noise=0.1,
    steps=60,
    eval_every=10,
)


def assert_same_records(a: list[StepRecord], b: list[StepRecord]) -> None:
    assert len(a) == len(b)
    for ra, rb in zip(a, b):
        assert_same(ra, rb, f"step {ra.step}")


def test_the_same_seed_gives_identical_runs():
    run_a, records_a = train(tiny(**SEEDED, seed=11))
    run_b, records_b = train(tiny(**SEEDED, seed=11))
    assert_same_records(records_a, records_b)
    assert len(run_a.evaluations) == len(run_b.evaluations) == 7  # steps 1, 10, 20, ..., 60
    for ea, eb in zip(run_a.evaluations, run_b.evaluations):
        assert_same(ea, eb, f"evaluation {ea.step}")
    assert run_a.summary() == run_b.summary()
    np.testing.assert_array_equal(run_a.predict(run_a.data.x_val), run_b.predict(run_b.data.x_val))


def test_a_different_seed_gives_a_different_run():
    run_a, records_a = train(tiny(**SEEDED, seed=11))
    run_b, records_b = train(tiny(**SEEDED, seed=12))
    assert not np.array_equal(records_a[0].grad_norms, records_b[0].grad_norms)
    assert [r.loss for r in records_a] != [r.loss for r in records_b]
    assert [e.val_loss for e in run_a.evaluations] != [e.val_loss for e in run_b.evaluations]
    assert run_a.summary() != run_b.summary()


def test_a_different_seed_draws_different_weights():
    a, b = Run(tiny(seed=1)), Run(tiny(seed=2))
    assert not torch.equal(a.model.linears[0].weight, b.model.linears[0].weight)


# --- every choice trains and stays finite ------------------------------------------------------


def assert_finite_run(run: Run, records: list[StepRecord], zero_weights: bool = False) -> None:
    assert run.status is RunStatus.COMPLETED, run.message
    assert len(records) == run.config.steps
    for r in records:
        assert r.finite
        assert math.isfinite(r.loss)
        assert math.isfinite(r.total_norm) and math.isfinite(r.clipped_norm)  # measured on every step
        assert r.total_norm >= np.linalg.norm(r.grad_norms) * (1 - 1e-6)  # the weights' share of it
        assert r.grad_norms.shape == (run.config.depth + 1,)
        assert np.isfinite(r.grad_norms).all()
        assert (r.grad_norms >= 0).all()
    assert run.evaluations
    act = run.config.activation
    depth = run.config.depth
    for ev in run.evaluations:
        assert all(math.isfinite(v) for v in (ev.train_loss, ev.train_error, ev.val_loss, ev.val_error))
        s = ev.layers
        for name in ("grad_rms", "signal_rms", "act_mean_abs"):
            assert np.isfinite(getattr(s, name)).all(), name
        # dead and saturated fractions: finite in [0, 1] where they apply, NaN elsewhere
        for name, applies in (("dead_frac", ACTIVATIONS[act].dead_applies), ("saturated_frac", ACTIVATIONS[act].saturation is not None)):
            values = getattr(s, name)
            if applies:
                assert np.isfinite(values[:depth]).all() and ((values[:depth] >= 0) & (values[:depth] <= 1)).all()
            else:
                assert np.isnan(values[:depth]).all()
            assert np.isnan(values[depth]), f"{name} does not apply to the output layer"
        if zero_weights:  # ||W_before|| = 0: the ratio is undefined (NaN) until the weights move
            assert not np.isinf(s.update_ratio).any()
        else:
            assert np.isfinite(s.update_ratio).all() and (s.update_ratio >= 0).all()
    summary = run.summary()
    for key in ("final_train_loss", "final_train_error", "final_val_loss", "final_val_error", "best_val_loss"):
        assert math.isfinite(summary[key]), key


@pytest.mark.parametrize("activation", list(Activation), ids=str)
def test_every_activation_trains(activation):
    run, records = train(tiny(activation=activation, steps=12))
    assert_finite_run(run, records)


@pytest.mark.parametrize("init", list(Init), ids=str)
def test_every_init_trains(init):
    rnn = {"model": "rnn", "dataset": "recall", "seq_len": 6} if init is Init.IDENTITY else {}  # identity: rnn only
    run, records = train(tiny(init=init, steps=12, activation="sigmoid", **rnn))
    assert_finite_run(run, records, zero_weights=init is Init.ZEROS)


#: what each choice must run: torch's class and the options that tell the variants apart
OPTIMIZERS = {
    Optimizer.SGD: ("SGD", {"momentum": 0, "nesterov": False}),
    Optimizer.MOMENTUM: ("SGD", {"momentum": 0.9, "nesterov": False}),
    Optimizer.NESTEROV: ("SGD", {"momentum": 0.9, "nesterov": True}),
    Optimizer.RMSPROP: ("RMSprop", {"momentum": 0}),
    Optimizer.ADAM: ("Adam", {"weight_decay": 0}),
    Optimizer.ADAMW: ("AdamW", {"weight_decay": 0.01}),
}


@pytest.mark.parametrize("optimizer", list(Optimizer), ids=str)
def test_every_optimizer_trains(optimizer):
    run, records = train(tiny(optimizer=optimizer, steps=12))
    assert_finite_run(run, records)
    kind, options = OPTIMIZERS[optimizer]
    assert run.optimizer.kind == kind  # torch's rule on the flat buffer (engine.optim)
    assert run.optimizer.lr == run.config.lr
    assert {k: run.optimizer.hyper[k] for k in options} == options


@pytest.mark.parametrize("dataset", [d for d in Dataset if d not in SEQUENCE_DATASETS], ids=str)
def test_every_dataset_trains(dataset):  # the sequence data sets: tests/engine/test_recurrent.py
    run, records = train(tiny(dataset=dataset, steps=12))
    assert_finite_run(run, records)
    assert run.model.linears[-1].out_features == run.data.n_outputs


@pytest.mark.parametrize(
    "changes",
    [
        dict(batch_norm=True),
        dict(residual=True),
        dict(residual=True, width=2),  # the first hidden layer (2 -> 2) also gets a skip
        dict(dropout=0.5),
        dict(l1=1e-3, l2=1e-3),
        dict(clip_norm=0.1),
        dict(batch_size=1000),  # capped at n_train: full-batch training
        dict(depth=1, width=1),
        dict(activation="prelu", batch_norm=True, residual=True, dropout=0.3, optimizer="rmsprop"),
        dict(dataset="sine", activation="gelu", batch_norm=True),
    ],
    ids=repr,
)
def test_feature_combinations_train(changes):
    run, records = train(tiny(steps=12, **changes))
    assert_finite_run(run, records)


def test_init_weights_follow_the_documented_scales():
    """Empirical std of a wide layer against the scheme's formula (fan_in = fan_out = 256)."""
    n = 256
    expected = {
        Init.TORCH_DEFAULT: 1 / math.sqrt(3 * n),
        Init.NORMAL: math.sqrt(1 / n),
        Init.UNIFORM: math.sqrt(1 / n),
        Init.XAVIER_UNIFORM: math.sqrt(2 / (2 * n)),
        Init.XAVIER_NORMAL: math.sqrt(2 / (2 * n)),
        Init.HE_UNIFORM: math.sqrt(2 / n),
        Init.HE_NORMAL: math.sqrt(2 / n),
        Init.LECUN_NORMAL: math.sqrt(1 / n),
        Init.ORTHOGONAL: math.sqrt(1 / n),
    }
    for init, std in expected.items():
        for gain in (1.0, 3.0):
            run = Run(tiny(init=init, init_gain=gain, depth=2, width=n, bias_init=0.5))
            w = run.model.linears[1].weight.detach()  # the 256 x 256 hidden layer
            assert w.std().item() == pytest.approx(gain * std, rel=0.03), (init, gain)
            assert torch.all(run.model.linears[1].bias == 0.5)
    zero = Run(tiny(init="zeros"))
    assert all(torch.count_nonzero(w) == 0 for w in zero.model.weights())


# --- the numbers mean what the README says -----------------------------------------------------


def test_step_one_measures_the_documented_quantities():
    """Recompute step 1 by hand with plain torch: the loss, each layer's weight-gradient norm,
    the per-sample signal RMS, |activation|, the update ratio and the global norm."""
    config = tiny(n_train=16, batch_size=16, depth=3, width=8, optimizer="sgd", lr=0.1, activation="tanh")
    run = Run(config)
    model = copy.deepcopy(run.model)  # the weights before step 1
    x, y = run.x_train, run.y_train  # a full batch: the batch is the training set in order
    pre, post = [], []
    h = x
    for lin in model.linears[:-1]:
        s = lin(h)
        pre.append(s)
        h = torch.tanh(s)
        post.append(h)
    out = model.linears[-1](h)
    pre.append(out)
    loss = F.cross_entropy(out, y)
    params = list(model.parameters())
    grads = torch.autograd.grad(loss, [*model.weights(), *pre, *params])
    n = len(model.linears)
    weight_grads, signal_grads, param_grads = grads[:n], grads[n : 2 * n], grads[2 * n :]

    record = run.step()
    layers = record.evaluation.layers
    assert record.loss == pytest.approx(loss.item(), rel=1e-6)
    expected_norms = [g.norm().item() for g in weight_grads]
    np.testing.assert_allclose(record.grad_norms, expected_norms, rtol=1e-5)
    np.testing.assert_allclose(
        layers.grad_rms, [g.norm().item() / math.sqrt(g.numel()) for g in weight_grads], rtol=1e-5
    )
    # dL/ds of the mean loss is 1/batch of each sample's own gradient
    per_sample = [(g * x.shape[0]).square().mean().sqrt().item() for g in signal_grads]
    np.testing.assert_allclose(record.signal_rms, per_sample, rtol=1e-5)
    np.testing.assert_array_equal(layers.signal_rms, record.signal_rms)
    np.testing.assert_allclose(
        layers.act_mean_abs, [a.abs().mean().item() for a in post] + [out.abs().mean().item()], rtol=1e-5
    )
    total = math.sqrt(sum(g.square().sum().item() for g in param_grads))
    assert record.total_norm == pytest.approx(total, rel=1e-5)
    assert record.clipped_norm == record.total_norm  # clipping is off
    # plain SGD moves W by lr * grad
    before = model.weights()
    after = run.model.weights()
    ratios = [((a - b).norm() / b.norm()).item() for a, b in zip(after, before)]
    np.testing.assert_allclose(layers.update_ratio, ratios, rtol=1e-4)
    np.testing.assert_allclose(
        layers.update_ratio, [0.1 * g / b.norm().item() for g, b in zip(expected_norms, before)], rtol=1e-4
    )


def test_reported_loss_excludes_the_penalties_and_the_gradient_includes_them():
    base = tiny(optimizer="sgd", n_train=16, batch_size=16)
    plain, l2, l1 = Run(base), Run(base.replace(l2=0.5)), Run(base.replace(l1=0.01))
    w0 = [w.detach().clone() for w in plain.weights]
    rp, r2, r1 = plain.step(), l2.step(), l1.step()
    assert rp.loss == r2.loss == r1.loss  # same data, weights and batch: same data loss
    assert rp.evaluation.train_loss != r2.evaluation.train_loss  # the update differs
    for wp, w2, w1, w in zip(plain.weights, l2.weights, l1.weights, w0):
        torch.testing.assert_close(w2.grad, wp.grad + 2 * 0.5 * w, rtol=1e-5, atol=1e-6)
        torch.testing.assert_close(w1.grad, wp.grad + 0.01 * torch.sign(w), rtol=1e-5, atol=1e-6)
    assert not np.array_equal(rp.grad_norms, r2.grad_norms)


def test_clipping_scales_the_gradient_and_reports_the_norm_before():
    config = tiny(clip_norm=0.05, optimizer="sgd", init_gain=2.0)
    clipped, free = Run(config), Run(config.replace(clip_norm=0.0))
    rc, rf = clipped.step(), free.step()
    assert rc.total_norm == rf.total_norm > 0.05  # reported before clipping
    np.testing.assert_array_equal(rc.grad_norms, rf.grad_norms)
    assert rc.clipped_norm == pytest.approx(0.05, rel=1e-4)
    applied = math.sqrt(sum(p.grad.square().sum().item() for p in clipped.params))
    assert applied == pytest.approx(rc.clipped_norm, rel=1e-4)  # the optimizer saw the clipped gradient


@pytest.mark.parametrize("changes", [dict(), dict(clip_norm=0.05, init_gain=2.0), dict(batch_norm=True, activation="prelu")])
def test_every_step_reports_the_gradient_the_optimizer_used(changes):
    """The gradients live in one flat buffer (engine.models.flatten_parameters): on plain and
    traced steps alike, the norms reported must be those of the gradients the optimizer saw."""
    run = Run(tiny(steps=23, eval_every=5, **changes))
    for record in run:
        weight_norms = [w.grad.double().norm().item() for w in run.weights]
        applied = math.sqrt(sum(p.grad.double().square().sum().item() for p in run.params))
        assert applied == pytest.approx(record.clipped_norm, rel=1e-5)
        if not changes.get("clip_norm"):
            np.testing.assert_allclose(record.grad_norms, weight_norms, rtol=1e-5)
            assert record.total_norm == record.clipped_norm
        assert record.total_norm >= np.linalg.norm(record.grad_norms) * (1 - 1e-6)


@pytest.mark.parametrize(
    "changes",
    [
        # elements near 1e-25: their squares underflow float32, whose norm reads exactly 0
        dict(activation="linear", init="normal", init_gain=1e-8, depth=3),
        # a vanishing sigmoid net: layer 1's elements are subnormal when squared, and a float32
        # norm is nonzero but tens of percent low
        dict(activation="sigmoid", init="torch_default", depth=34, width=32),
    ],
)
def test_a_vanishing_gradient_too_small_to_square_in_float32_is_still_measured(changes):
    """Weight-gradient norms and the per-sample signal RMS against float64 autograd."""
    run = Run(tiny(n_train=16, batch_size=16, optimizer="sgd", **changes))
    model = copy.deepcopy(run.model).double()  # the weights before step 1
    pre: list[torch.Tensor] = []
    out = model.forward_traced(run.x_train.double(), pre, None)  # full batch, the training set in order
    grads = torch.autograd.grad(F.cross_entropy(out, run.y_train), [*model.weights(), *pre])
    n = run.n_layers
    weight_norms = [g.norm().item() for g in grads[:n]]
    per_sample_rms = [(g * 16).square().mean().sqrt().item() for g in grads[n:]]
    assert min(weight_norms) < 1e-18 and min(per_sample_rms) < 1e-18  # the case under test

    record = run.step()
    np.testing.assert_allclose(record.grad_norms, weight_norms, rtol=1e-3)
    np.testing.assert_allclose(record.signal_rms, per_sample_rms, rtol=1e-3)
    float32_norm = run.weights[0].grad.norm().item()
    assert abs(float32_norm - weight_norms[0]) > 0.01 * weight_norms[0]  # what float32 alone would say


def test_evaluations_happen_at_step_one_every_eval_every_and_at_the_end():
    run, records = train(tiny(steps=23, eval_every=5))
    steps = [r.step for r in records if r.evaluation is not None]
    assert steps == [1, 5, 10, 15, 20, 23]
    assert [e.step for e in run.evaluations] == steps
    assert all((r.signal_rms is None) == (r.evaluation is None) for r in records)


def test_signal_every_step_traces_every_step():
    run = Run(tiny(steps=6, eval_every=5))
    run.signal_every_step = True
    records = list(run)
    assert all(r.signal_rms is not None and np.isfinite(r.signal_rms).all() for r in records)


def test_status_and_step_numbers():
    run = Run(tiny(steps=5))
    assert run.status is RunStatus.READY and not run.finished
    summary = run.summary()
    assert summary["status"] == "ready" and summary["steps_run"] == 0 and summary["final_val_error"] is None
    records = list(run)
    assert [r.step for r in records] == [1, 2, 3, 4, 5]
    assert [r.status for r in records] == [RunStatus.RUNNING] * 4 + [RunStatus.COMPLETED]
    assert records[-1].message == "completed 5 steps" == run.message
    assert run.finished and run.step_count == 5
    with pytest.raises(RuntimeError, match="the run has ended"):
        run.step()
    assert list(run) == []


def test_records_hold_plain_data_never_tensors():
    def check(value, where):
        assert not isinstance(value, torch.Tensor), where
        if dataclasses.is_dataclass(value):
            for f in dataclasses.fields(value):
                check(getattr(value, f.name), f"{where}.{f.name}")
        elif isinstance(value, np.ndarray):
            assert value.dtype == np.float64, where
        elif isinstance(value, dict):
            for k, v in value.items():
                check(v, f"{where}[{k!r}]")

    run, records = train(tiny(steps=6))
    for r in records:
        check(r, f"record {r.step}")
    assert isinstance(records[0].evaluation.layers, LayerStats)


def test_summary_matches_the_run():
    run, records = train(tiny(steps=12, eval_every=4))
    s = run.summary()
    last = run.evaluations[-1]
    assert s["status"] == "completed" and s["steps_run"] == 12 and s["diverged_at"] is None
    assert (s["final_train_loss"], s["final_train_error"], s["final_val_loss"], s["final_val_error"]) == (
        last.train_loss,
        last.train_error,
        last.val_loss,
        last.val_error,
    )
    best = min(run.evaluations, key=lambda e: e.val_loss)
    assert (s["best_step"], s["best_val_loss"], s["best_val_error"]) == (best.step, best.val_loss, best.val_error)
    assert s["layers"] == ["layer_1", "layer_2", "layer_3", "layer_4"]
    assert s["layer_sizes"] == [[2, 8], [8, 8], [8, 8], [8, 2]]
    assert s["device"] == "cpu"


def test_regression_error_is_the_mse():
    run, _ = train(tiny(dataset="sine", steps=10))
    for ev in run.evaluations:
        assert ev.train_error == ev.train_loss and ev.val_error == ev.val_loss
    assert run.predict(run.data.x_val).shape == (run.config.n_val, 1)


def test_classification_predict_gives_probabilities():
    run, _ = train(tiny(dataset="gaussians", steps=5))
    p = run.predict(run.data.x_val)
    assert p.shape == (run.config.n_val, 3)
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-5)
    assert run.model.training  # predict leaves the model in training mode


def test_training_learns_an_easy_problem():
    """A learner's sanity check: a small tanh net separates the Gaussian blobs."""
    run, _ = train(tiny(dataset="gaussians", n_train=200, n_val=200, steps=150, eval_every=50, depth=2, width=16))
    assert run.evaluations[-1].val_error < 0.15
    assert run.evaluations[-1].train_loss < run.evaluations[0].train_loss


# --- divergence ---------------------------------------------------------------------------------


def test_an_exploding_run_stops_as_diverged():
    config = load_preset("exploding").apply(tiny(steps=50, n_val=100))
    run, records = train(config)
    assert run.status is RunStatus.DIVERGED
    assert run.diverged_at == records[-1].step == len(records)
    assert records[-1].status is RunStatus.DIVERGED
    assert f"step {run.diverged_at}" in run.message and "non-finite" in run.message
    assert records[-1].message == run.message
    assert run.finished
    with pytest.raises(RuntimeError):
        run.step()
    summary = run.summary()
    assert summary["status"] == "diverged" and summary["diverged_at"] == run.diverged_at
    assert all(math.isfinite(e.val_loss) for e in run.evaluations)  # no evaluation of a broken net


# --- inputs that once crashed the engine or were silently ignored -----------------------------


@pytest.mark.parametrize("seed", [-1, 2**64])
def test_a_seed_outside_the_generators_range_is_refused(seed):
    with pytest.raises(ConfigError, match="seed"):
        tiny(seed=seed, steps=2)
    run, _ = train(tiny(seed=2**63 - 1, steps=2))  # the largest accepted seed trains
    assert run.status is RunStatus.COMPLETED


@pytest.mark.parametrize("changes", [dict(batch_size=1), dict(n_train=1)], ids=repr)
def test_batch_norm_with_a_batch_of_one_is_refused(changes):
    with pytest.raises(ConfigError, match="batch_norm = true needs at least 2 samples"):
        tiny(batch_norm=True, **changes)


def test_twin_runs_share_data_and_initial_weights_where_the_architecture_allows():
    """Compare relies on it: with the same seed, only the changed setting differs."""
    import torch

    from engine import Config, Run

    base = Run(Config(depth=4, width=8, steps=1))
    other_activation = Run(Config(depth=4, width=8, steps=1, activation="relu", lr=0.1))
    deeper = Run(Config(depth=6, width=8, steps=1))
    assert all(torch.equal(a, b) for a, b in zip(base.weights, other_activation.weights))
    assert all(torch.equal(a, b) for a, b in zip(base.weights[:4], deeper.weights[:4]))
    assert (base.data.x_train == deeper.data.x_train).all()


def test_step_zero_is_the_untrained_network():
    """Run.initial: loss and error on the whole sets before any update, where the curves start.
    It is measured in eval mode, so it draws no dropout mask and the run stays reproducible."""
    run = Run(tiny(steps=5))
    x, y = run.data.x_val, run.data.y_val
    probs = run.predict(x)
    assert run.initial.step == 0
    assert run.initial.val_error == pytest.approx(float(np.mean(probs.argmax(axis=1) != y)))
    assert run.initial.val_loss == pytest.approx(float(-np.mean(np.log(probs[np.arange(len(y)), y]))), rel=1e-5)
    records = list(run)
    again = list(Run(tiny(steps=5)))
    assert [r.loss for r in records] == [r.loss for r in again]
    summary = run.summary()
    assert summary["initial_val_error"] == run.initial.val_error


def test_without_history_a_run_keeps_only_the_latest_evaluation():
    """The command line streams its records: a long run's memory must not grow with them."""
    from .helpers import tiny

    config = tiny(steps=40, eval_every=3)
    kept, lean = Run(config), Run(config, keep_history=False)
    list(kept), list(lean)
    assert len(kept.evaluations) == 15 and len(lean.evaluations) == 1
    assert lean.evaluations[-1].step == kept.evaluations[-1].step == 40
    assert lean.summary() == kept.summary()  # the best is kept apart
