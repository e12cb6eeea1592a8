"""The recurrent families (rnn, lstm, gru) and the two sequence tasks: the cells compute what
torch's own modules compute, the weights start as the configuration says, and ∂L/∂h_t is the
total derivative at every step."""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest
import torch

from engine import Config, Dataset, Init, ModelFamily, Run, RunStatus
from engine.choices import FORGET
from engine.config import SEQUENCE_DATASETS
from engine.data import make_data
from engine.insight import prediction_map
from engine.theory import measured_log10_time_slope, predicted_log10_time_slope

FAMILIES = [ModelFamily.RNN, ModelFamily.LSTM, ModelFamily.GRU]


def small(**changes) -> Config:
    base = dict(model="rnn", dataset="recall", seq_len=7, depth=2, width=8, n_train=48, n_val=32, batch_size=16, steps=6, eval_every=3)
    return Config(**{**base, **changes})


# --- data -------------------------------------------------------------------------------------


def test_recall_carries_the_class_in_the_first_step_only():
    d = make_data(Config(model="rnn", dataset="recall", seq_len=9, n_train=400, noise=0.3))
    assert d.x_train.shape == (400, 9, 1) and d.x_train.dtype == np.float32
    assert np.array_equal(d.x_train[:, 0, 0], 2.0 * d.y_train - 1)  # +1 is class 1
    assert d.x_train[:, 1:].std() == pytest.approx(0.3, rel=0.1)  # the distractors: N(0, noise²)
    assert 0.4 < d.y_train.mean() < 0.6 and not d.is_regression
    flipped = make_data(Config(model="rnn", dataset="recall", seq_len=9, n_train=400, label_noise=0.25))
    assert np.mean(flipped.x_train[:, 0, 0] != 2.0 * flipped.y_train - 1) == pytest.approx(0.25)  # training labels only
    assert np.array_equal(flipped.x_val[:, 0, 0], 2.0 * flipped.y_val - 1)


@pytest.mark.parametrize("seq_len", [2, 3, 10, 51])
def test_adding_marks_one_step_in_each_half(seq_len):
    d = make_data(Config(model="lstm", dataset="adding", seq_len=seq_len, n_train=300, noise=0.7))
    x, y = d.x_train, d.y_train
    assert x.shape == (300, seq_len, 2) and y.shape == (300, 1) and d.is_regression
    marks = x[:, :, 1]
    assert np.array_equal(marks.sum(axis=1), np.full(300, 2.0))
    half = seq_len // 2
    assert np.array_equal(marks[:, :half].sum(axis=1), np.ones(300))  # one in steps 1..T//2
    assert ((x[:, :, 0] >= 0) & (x[:, :, 0] < 1)).all()  # noise does not apply
    np.testing.assert_allclose(y[:, 0], (x[:, :, 0] * marks).sum(axis=1), rtol=1e-6)


def test_predicting_one_scores_about_a_sixth_on_adding():
    d = make_data(Config(model="rnn", dataset="adding", seq_len=20, n_val=20000))
    assert np.mean((d.y_val - 1.0) ** 2) == pytest.approx(1 / 6, rel=0.05)


# --- the cells against torch's --------------------------------------------------------------------


@pytest.mark.parametrize("family", FAMILIES, ids=str)
def test_each_cell_computes_what_torchs_module_computes(family):
    """Copy the engine's weights into torch.nn.RNN/LSTM/GRU (bias_hh = 0: one bias per gate) and
    compare the final hidden state and the output."""
    config = small(model=family, depth=2, bias_init=0.1)
    run = Run(config)
    model = run.model.eval()
    H, n_in = config.width, run.data.n_inputs
    module = {ModelFamily.RNN: torch.nn.RNN, ModelFamily.LSTM: torch.nn.LSTM, ModelFamily.GRU: torch.nn.GRU}[family]
    ref = module(n_in, H, num_layers=2, batch_first=True)
    with torch.no_grad():
        for layer, (W, b) in enumerate(zip(model.cells, model.biases)):
            n = W.shape[1] - H
            getattr(ref, f"weight_ih_l{layer}").copy_(W[:, :n])
            getattr(ref, f"weight_hh_l{layer}").copy_(W[:, n:])
            getattr(ref, f"bias_ih_l{layer}").copy_(b)
            getattr(ref, f"bias_hh_l{layer}").zero_()
        x = torch.from_numpy(run.data.x_val[:10])
        seq, _ = ref(x)
        expected = model.out(seq[:, -1])
        np.testing.assert_allclose(model(x).numpy(), expected.numpy(), rtol=1e-5, atol=1e-6)


# --- initialization ----------------------------------------------------------------------------


@pytest.mark.parametrize("family", FAMILIES, ids=str)
def test_orthogonal_init_makes_each_gates_recurrent_matrix_orthogonal(family):
    run = Run(small(model=family, init="orthogonal", init_gain=0.8, width=12, depth=1))
    W = run.model.cells[0].detach()
    n, H = W.shape[1] - 12, 12
    for k in range(len(W) // H):
        block = W[k * H : (k + 1) * H, n:].double()
        np.testing.assert_allclose(torch.linalg.svdvals(block).numpy(), 0.8, rtol=1e-5)


def test_identity_init_follows_le_et_al():
    run = Run(small(init="identity", init_gain=0.9, width=10, depth=2))
    for W in run.model.cells:
        W = W.detach()
        n = W.shape[1] - 10
        assert torch.equal(W[:, n:], 0.9 * torch.eye(10))
        assert W[:, :n].std().item() == pytest.approx(0.001, rel=0.5)  # N(0, 0.001²) whatever the gain
    out = run.model.out.weight.detach()
    bound = math.sqrt(6 / (10 + 2))  # xavier_uniform at gain 1
    assert out.abs().max().item() <= bound and out.abs().max().item() > 0.5 * bound


@pytest.mark.parametrize("family", FAMILIES, ids=str)
def test_torch_default_is_torch_nn_rnns_uniform_for_every_matrix(family):
    H = 16
    run = Run(small(model=family, init="torch_default", width=H, depth=2))
    for W in run.model.cells:
        w = W.detach().abs()
        assert w.max().item() <= 1 / math.sqrt(H) and w.max().item() > 0.9 / math.sqrt(H)


def test_the_forget_gate_starts_at_forget_bias_and_the_others_at_bias_init():
    run = Run(small(model="lstm", forget_bias=2.0, bias_init=-0.5, width=6))
    for b in run.model.biases:
        gates = b.detach().view(4, 6)
        assert (gates[FORGET] == 2.0).all()
        assert (gates[[0, 2, 3]] == -0.5).all()


# --- training and the gradient through time ----------------------------------------------------------


@pytest.mark.parametrize("dataset", sorted(SEQUENCE_DATASETS), ids=str)
@pytest.mark.parametrize("family", FAMILIES, ids=str)
def test_every_family_trains_on_every_sequence_task(family, dataset):
    run = Run(small(model=family, dataset=dataset, dropout=0.2))
    records = list(run)
    assert run.status is RunStatus.COMPLETED
    T = run.config.seq_len
    for r in records:
        assert r.grad_norms.shape == (3,) and np.isfinite(r.grad_norms).all()
        assert r.time_rms.shape == (T,) and np.isfinite(r.time_rms).all() and (r.time_rms > 0).all()
    stats = run.evaluations[-1].layers
    assert np.isfinite(stats.act_mean_abs).all() and np.isfinite(stats.signal_rms).all()
    if family is ModelFamily.RNN:  # tanh: the saturation rule applies, over all time steps
        assert np.isfinite(stats.saturated_frac[:2]).all()
    else:  # the gates' own nonlinearities: neither rule applies
        assert np.isnan(stats.saturated_frac).all() and np.isnan(stats.dead_frac).all()
    assert run.time_names == [f"t_{t}" for t in range(1, T + 1)]
    summary = run.summary()
    assert summary["measured_log10_time_slope"] is not None
    assert summary["layers"] == ["layer_1", "layer_2", "layer_3"]


@pytest.mark.parametrize("family", FAMILIES, ids=str)
def test_time_rms_is_the_total_derivative_of_the_loss(family):
    """Perturb h_t along ∂L/∂h_t's direction in a replayed forward pass: the loss changes by
    ε·|∂L/∂h_t|² to first order, at every t, which a partial derivative (0 before T) would not."""
    config = small(model=family, depth=1, steps=1, batch_size=48, n_train=48, dropout=0.0)
    run = Run(config)
    record = run.step()
    H, batch = config.width, 48
    # rebuild the step's forward pass before the update from a fresh run with the same seed
    fresh = Run(config)
    x, y = fresh.x_train, fresh.y_train
    time: list[torch.Tensor] = []
    loss = fresh._loss(fresh.model.forward_traced(x, [], [], time), y)
    grads = torch.autograd.grad(loss, time)
    rms = np.array([g.norm().item() for g in grads]) * math.sqrt(batch / H)
    np.testing.assert_allclose(record.time_rms, rms, rtol=1e-4)
    assert (record.time_rms[:-1] > 0).all()  # every earlier step gets gradient through later ones


@pytest.mark.parametrize(("init", "gain"), [("orthogonal", 0.7), ("orthogonal", 1.2), ("identity", 0.9), ("identity", 1.1)])
@pytest.mark.parametrize("depth", [1, 3])
def test_a_linear_rnn_scales_the_gradient_by_the_gain_per_step(init, gain, depth):
    """The theory's exact case: measured slope = predicted = log10(init_gain)."""
    run = Run(small(init=init, init_gain=gain, activation="linear", depth=depth, seq_len=12, steps=1))
    list(run)
    summary = run.summary()
    assert summary["predicted_log10_time_slope"] == pytest.approx(math.log10(gain))
    assert summary["measured_log10_time_slope"] == pytest.approx(math.log10(gain), abs=1e-3)


def test_the_time_slope_theory_applies_only_where_it_is_exact():
    assert predicted_log10_time_slope(small(activation="tanh", init="orthogonal")) is None
    assert predicted_log10_time_slope(small(activation="linear", init="xavier_uniform")) is None
    assert predicted_log10_time_slope(small(model="lstm", init="orthogonal")) is None
    assert predicted_log10_time_slope(Config()) is None
    assert measured_log10_time_slope(np.array([1.0, 0.0])) is None
    assert measured_log10_time_slope(np.array([1e-3, 1e-2, 1e-1])) == pytest.approx(-1.0)  # vanishing toward t = 1


def test_an_mlp_run_has_no_time_probes():
    run = Run(Config(depth=2, width=8, steps=2, n_train=32, n_val=32))
    records = list(run)
    assert run.time_steps == 0 and run.time_names == []
    assert all(r.time_rms is None for r in records)
    summary = run.summary()
    assert summary["measured_log10_time_slope"] is None and summary["predicted_log10_time_slope"] is None


@pytest.mark.parametrize("norm_dtype", [torch.float64, torch.float32], ids=["float64", "float32-rescued"])
def test_a_tiny_gradient_through_time_reads_as_its_size_not_zero(norm_dtype):
    """A default tanh rnn over 100 steps: the gradient reaching t = 1 is some 1e-20 of
    t = T's, far under float32's squares, and still reads as its size, against float64 autograd.
    float32-rescued is the path a device without float64 (MPS) takes."""
    config = small(init="torch_default", width=32, depth=1, seq_len=100, steps=1, n_train=16, batch_size=16, dropout=0.0)
    run = Run(config)
    run._time_norm_dtype = norm_dtype
    model = copy.deepcopy(run.model).double()  # the weights before step 1
    time: list[torch.Tensor] = []
    out = model.forward_traced(run.x_train.double(), None, None, time)  # full batch: the training set
    grads = torch.autograd.grad(torch.nn.functional.cross_entropy(out, run.y_train), time)
    rms = np.array([g.norm().item() for g in grads]) * math.sqrt(16 / 32)
    assert rms[0] < 1e-19  # the case under test: squares underflow float32
    assert grads[0].float().norm().item() < 0.5 * grads[0].norm().item()  # what a float32 norm alone reads

    r = run.step()
    np.testing.assert_allclose(r.time_rms, rms, rtol=1e-3)
    assert 0 < r.time_rms[0] / r.time_rms[-1] < 1e-6


def test_the_sequence_datasets_need_a_recurrent_model_and_back():
    with pytest.raises(Exception, match="model"):
        Config(dataset=Dataset.RECALL)
    with pytest.raises(Exception, match="dataset"):
        Config(model=ModelFamily.GRU)
    assert Config(model="gru", dataset="adding").is_regression
    assert Config(model="rnn", dataset="recall", init=Init.IDENTITY).init is Init.IDENTITY


@pytest.mark.parametrize(("init", "gain"), [("identity", 1.0), ("identity", 0.5), ("orthogonal", 2.0)])
def test_the_recurrent_spectral_radius_is_measured_per_layer(init, gain):
    """An orthogonal or identity recurrent matrix has every eigenvalue of modulus `gain`."""
    run = Run(Config(model="rnn", dataset="recall", seq_len=5, depth=2, width=6, init=init, init_gain=gain, steps=3))
    assert run.initial_spectral_radius == pytest.approx([gain, gain], rel=1e-5)
    answers = prediction_map(run)
    assert answers["spectral_radius_start"] == run.initial_spectral_radius
    assert answers["spectral_radius"] == pytest.approx([gain, gain], rel=1e-5)  # not trained yet
    for _ in range(3):
        run.step()
    assert prediction_map(run)["spectral_radius"] != pytest.approx([gain, gain], rel=1e-9)  # it follows the weights


@pytest.mark.parametrize("model", ["lstm", "gru", "mlp"])
def test_only_the_elman_network_reports_a_spectral_radius(model):
    data = {"dataset": "recall", "seq_len": 5} if model != "mlp" else {}
    run = Run(Config(model=model, depth=1, width=4, steps=2, **data))
    assert run.initial_spectral_radius is None
    if model != "mlp":
        assert prediction_map(run)["spectral_radius"] is None


@pytest.mark.parametrize("family", FAMILIES, ids=str)
def test_an_evaluation_in_chunks_gives_what_one_pass_gives(family):
    """Model.predict takes a long set eval_batch sequences at a time (their input projection
    would otherwise hold T x n x gates·H values at once): each sequence's output is its own."""
    run = Run(small(model=family, n_val=50))
    model = run.model.eval()
    assert model.eval_batch >= 16
    whole = model.forward(run.x_val)
    model.eval_batch = 16
    torch.testing.assert_close(model.predict(run.x_val), whole, rtol=1e-6, atol=1e-7)
