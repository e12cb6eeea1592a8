"""The exported PyTorch snippet runs and builds the same network as the engine: given the
engine's weights it computes the engine's outputs, for the mlp and for the recurrent families."""

from __future__ import annotations

import subprocess
import sys

import pytest
import torch

from engine import Config, Run
from engine.config import SEQUENCE_DATASETS, Activation, Dataset, Init
from engine.snippet import pytorch_snippet

#: a small recurrent configuration: a few steps of a short sequence
SEQUENCE = dict(dataset="recall", width=8, seq_len=6, n_train=32, n_val=32, batch_size=16, steps=2)


def run_snippet(config: Config) -> dict:
    namespace: dict = {}
    exec(compile(pytorch_snippet(config), "snippet.py", "exec"), namespace)
    return namespace


@pytest.mark.parametrize("dataset", list(Dataset))
def test_every_data_set_trains(dataset):
    recurrent = dict(model="lstm", seq_len=10, n_train=64) if dataset in SEQUENCE_DATASETS else {}
    ns = run_snippet(Config(dataset=dataset, depth=2, width=8, steps=20, **recurrent))
    assert torch.isfinite(ns["loss"])
    x, y = ns["x"], ns["y"]
    if dataset in SEQUENCE_DATASETS:  # the engine's layout: (n, T, channels), the same targets
        run = Run(Config(dataset=dataset, depth=2, width=8, steps=1, **recurrent))
        assert x.shape[1:] == run.data.x_train.shape[1:] and x.dtype == torch.float32
        assert y.dtype == torch.from_numpy(run.data.y_train).dtype and y.shape[1:] == run.data.y_train.shape[1:]


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


@pytest.mark.parametrize(
    "changes",
    [
        dict(model="rnn", activation="tanh"),
        dict(model="rnn", activation="prelu", depth=2, dropout=0.2, init="identity", init_gain=0.9),
        dict(model="lstm", forget_bias=2.0, bias_init=0.1),
        dict(model="lstm", depth=2, dropout=0.3, dataset="adding"),
        dict(model="gru", bias_init=-0.2),
        dict(model="gru", depth=2, dataset="adding", init="orthogonal"),
    ],
    ids=["rnn-tanh", "rnn-prelu-2", "lstm", "lstm-2-adding", "gru", "gru-2-adding"],
)
def test_the_snippet_computes_the_engines_recurrent_network(changes):
    """Given the engine's weights ([W_in | W_rec] and one bias per gate, each layer; the PReLU
    slopes; the output layer), the script's unrolled cell computes the engine's outputs."""
    config = Config(**{**SEQUENCE, "depth": 1, **changes})
    model = run_snippet(config)["model"]  # it has trained a step: its weights are replaced below
    run = Run(config)
    ours = run.model
    assert [tuple(w.shape) for w in model.cells] == [tuple(w.shape) for w in ours.cells]
    with torch.no_grad():
        for theirs, mine in [*zip(model.cells, ours.cells), *zip(model.biases, ours.biases)]:
            theirs.copy_(mine)
        if ours.prelu is not None:
            for act, slope in zip(model.act, ours.prelu, strict=True):
                act.weight.copy_(slope)
        model.out.weight.copy_(ours.out.weight)
        model.out.bias.copy_(ours.out.bias)
        model.eval()
        ours.eval()
        x = torch.from_numpy(run.data.x_val[:50])
        torch.testing.assert_close(model(x), ours(x))


RECURRENT_INITS = [("rnn", init) for init in Init] + [(m, i) for m in ("lstm", "gru") for i in ("torch_default", "orthogonal", "lecun_normal")]


@pytest.mark.parametrize(("model", "init"), RECURRENT_INITS, ids=[f"{m}-{i.value if isinstance(i, Init) else i}" for m, i in RECURRENT_INITS])
def test_the_recurrent_snippet_draws_the_engines_initial_weights(model, init):
    """From the same seed the script draws the same initial weights as the engine: gate by gate,
    input then recurrent matrix, the forget bias, and the output layer (identity: xavier)."""
    config = Config(**{**SEQUENCE, "model": model, "init": init, "init_gain": 1.5, "depth": 2, "seed": 7, "forget_bias": 0.5})
    namespace: dict = {}
    exec(compile(pytorch_snippet(config).split("\n# the data")[0], "snippet.py", "exec"), namespace)
    theirs, ours = namespace["model"], Run(config).model
    for a, b in [*zip(theirs.cells, ours.cells, strict=True), *zip(theirs.biases, ours.biases, strict=True)]:
        torch.testing.assert_close(a, b)
    torch.testing.assert_close(theirs.out.weight, ours.out.weight)
    torch.testing.assert_close(theirs.out.bias, ours.out.bias)


def test_importing_the_snippet_loads_no_torch():
    """The window imports it at start, before torch has loaded (engine.choices says why)."""
    code = "import sys, engine.snippet; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
