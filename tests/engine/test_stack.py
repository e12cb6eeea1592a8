"""Many networks at once (engine.stack): every network of a stack gives, step for step and to the
bit, what the same run trained alone gives — records, evaluations, statistics, summary and final
weights — whatever its company does (diverges, stops early, ends sooner, changes live)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import engine.stack
from engine import Config, Run
from engine.config import ConfigError
from engine.models.mlp import VECTOR_BLOCK
from engine.presets import load_preset
from engine.stack import RunStack

from .helpers import assert_same, tiny


def stacked_records(configs: list[Config], live: dict[int, dict] | None = None) -> tuple[RunStack, list[list]]:
    """Train `configs` in one stack to the end; `live`: changes made before the given step."""
    stack = RunStack.of(configs)
    out: list[list] = [[] for _ in configs]
    step = 0
    while not stack.finished:
        step += 1
        if live and step in live:
            stack.set_live(**live[step])
        for i, record in enumerate(stack.step()):
            if record is not None:
                out[i].append(record)
    return stack, out


def alone(config: Config, live: dict[int, dict] | None = None) -> tuple[Run, list]:
    run = Run(config)
    records = []
    while not run.finished:
        if live and run.step_count + 1 in live:
            run.set_live(**live[run.step_count + 1])
        records.append(run.step())
    return run, records


def assert_as_alone(stack: RunStack, out: list[list], configs: list[Config], live: dict[int, dict] | None = None) -> None:
    for i, config in enumerate(configs):
        run, records = alone(config, live)
        assert len(out[i]) == len(records), f"network {i}"
        for a, b in zip(records, out[i]):
            assert_same(a, b, f"network {i}, step {a.step}")
        grouped = stack.runs[i]
        for ea, eb in zip(run.evaluations, grouped.evaluations, strict=True):
            assert_same(ea, eb, f"network {i}, evaluation {ea.step}")
        assert run.summary() == grouped.summary(), f"network {i}, summary"
        assert torch.equal(grouped._param_rows, run._param_rows), f"network {i}, final weights"


FEATURES = [
    dict(),
    dict(dropout=0.3),
    dict(optimizer="sgd"),
    dict(optimizer="momentum", l1=0.001, l2=0.01),
    dict(optimizer="nesterov", activation="relu", residual=True, clip_norm=0.5),
    dict(optimizer="rmsprop", activation="leaky_relu"),
    dict(optimizer="adamw", activation="sigmoid", init="xavier_normal"),
    dict(dataset="sine", activation="elu"),
]


@pytest.mark.parametrize("changes", FEATURES, ids=lambda c: ",".join(f"{k}={v}" for k, v in c.items()) or "default")
def test_each_network_of_a_stack_is_the_run_it_would_be_alone(changes):
    configs = [tiny(seed=seed, steps=30, **changes) for seed in range(4)]
    stack, out = stacked_records(configs)
    assert [len(g) for g in stack.groups] == [] and stack.finished  # all ended together, and left
    assert_as_alone(stack, out, configs)


# width 8: each network's buffer is whole 64-value blocks and the group's update one call over
# them all (engine.models.mlp.VECTOR_BLOCK); width 5 (5 rows of 25): one call over a list of
# buffers. A network leaving hands its state from either to its own.
@pytest.mark.parametrize("width,optimizer", [(8, "adam"), (5, "adam"), (8, "momentum"), (5, "rmsprop")])
def test_the_networks_may_differ_in_what_each_draws_or_decides_alone(width, optimizer):
    configs = [
        tiny(seed=0, init="he_normal", steps=12),
        tiny(seed=1, init_gain=2.0, bias_init=0.1, patience=1, eval_every=2),
        tiny(seed=2, n_train=48, noise=0.3, clip_norm=0.1, steps=25),
        tiny(seed=3, steps=12),
    ]
    configs = [c.replace(width=width, optimizer=optimizer) for c in configs]
    stack = RunStack.of(configs)
    assert len(stack.groups) == 1 and len(stack.groups[0]) == 4
    stacked = stack._units[0].optimizer.stacked
    assert stacked == (stack.runs[0]._param_rows.numel() % VECTOR_BLOCK == 0) == (width == 8)
    stack, out = stacked_records(configs)
    assert_as_alone(stack, out, configs)
    assert [len(o) for o in out][0] == 12 and len(out[2]) == 25


def test_a_diverging_network_leaves_and_the_others_train_on():
    # the exploding lesson's net (20 ReLU layers, He init at gain 3, SGD) diverges at its first
    # step; at gain 0.5 or 1 the same net trains on
    exploding = load_preset("exploding").apply(tiny(steps=30))
    configs = [exploding.replace(seed=0, init_gain=1.0), exploding.replace(seed=1), exploding.replace(seed=2, init_gain=0.5)]
    stack = RunStack.of(configs)
    assert len(stack.groups) == 1 and len(stack.groups[0]) == 3
    stack, out = stacked_records(configs)
    assert stack.runs[1].status.value == "diverged" and len(out[1]) == 1
    assert [r.status.value for r in stack.runs[::2]] == ["completed", "completed"]
    assert_as_alone(stack, out, configs)


def test_live_changes_reach_every_network_as_they_would_reach_one():
    live = {5: {"lr": 0.002, "dropout": 0.2}, 9: {"clip_norm": 0.3, "l2": 0.01}}
    configs = [tiny(seed=s, steps=16) for s in range(3)]
    stack, out = stacked_records(configs, live)
    assert_as_alone(stack, out, configs, live)
    assert out[0][4].changes == {"lr": 0.002, "dropout": 0.2}


def test_a_bad_live_change_changes_no_network():
    stack = RunStack.of([tiny(seed=s) for s in range(3)])
    with pytest.raises(ConfigError):
        stack.set_live(lr=-1.0)
    with pytest.raises(ConfigError):
        stack.set_live(depth=4)
    records = stack.step()
    assert all(r.changes == {} for r in records)


def test_runs_that_cannot_share_a_network_train_on_their_own_in_the_stack():
    configs = [
        tiny(seed=0),
        tiny(seed=1, width=16),  # another shape
        tiny(seed=2, batch_norm=True),  # per-network batch statistics: not stacked
        tiny(seed=3, activation="prelu"),
        tiny(seed=4),
        tiny(seed=5, lr=0.02),  # one learning rate per group
    ]
    stack = RunStack.of(configs)
    assert [[r.config.seed for r in g] for g in stack.groups] == [[0, 4]]
    stack, out = stacked_records(configs)
    assert_as_alone(stack, out, configs)


def test_a_grouped_run_steps_only_through_its_stack_and_is_free_after_release():
    stack = RunStack.of([tiny(seed=s, steps=10) for s in range(2)])
    stack.step()
    with pytest.raises(RuntimeError, match="stack"):
        stack.runs[0].step()
    stack.release()
    assert stack.groups == []
    run, records = alone(tiny(seed=0, steps=10))
    mine = stack.runs[0]
    rest = [mine.step() for _ in range(9)]
    for a, b in zip(records[1:], rest):
        assert_same(a, b, f"step {a.step}")


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    depth=st.integers(1, 4),
    width=st.integers(1, 16),
    batch=st.integers(1, 40),
    k=st.integers(2, 5),
    activation=st.sampled_from(["tanh", "relu", "gelu", "softsign", "selu", "linear", "silu", "sigmoid", "leaky_relu", "elu"]),
    optimizer=st.sampled_from(["sgd", "momentum", "adam", "rmsprop"]),
    dropout=st.sampled_from([0.0, 0.5]),
    residual=st.booleans(),
    dataset=st.sampled_from(["spiral", "gaussians", "sine"]),
)
def test_any_stackable_shape_gives_each_network_its_own_run(depth, width, batch, k, activation, optimizer, dropout, residual, dataset):
    base = dict(
        depth=depth, width=width, batch_size=batch, activation=activation, optimizer=optimizer, dropout=dropout,
        residual=residual, n_train=47, n_val=17, steps=9, eval_every=4, dataset=dataset,
    )
    configs = [Config(**base, seed=s) for s in range(k)]
    stack, out = stacked_records(configs)
    assert_as_alone(stack, out, configs)


def test_a_regression_net_whose_products_have_one_column_trains_as_alone():
    """A regression net's last layer has one output: its forward product, batch x width by width x
    1, is a matrix times a vector, and MKL rounds those by K even when strict (found by a wider run
    of the property test above: 37 x 11 by 11 x 1). Where they disagree, such a net is not stacked."""
    configs = [
        Config(dataset="sine", depth=1, width=11, batch_size=37, n_train=83, n_val=17, steps=7, eval_every=3, optimizer="sgd", seed=s)
        for s in range(2)
    ]
    stack = RunStack.of(configs)
    assert stack.groups == ([] if not engine.stack.column_products_agree() else [stack.runs])
    small = [c.replace(width=10, batch_size=39) for c in configs]  # 390 < 400: aten's own loop, stacked
    assert [len(g) for g in RunStack.of(small).groups] == ([2] if engine.stack.stacking_is_exact() else [])
    for group in (configs, small):
        stack, out = stacked_records(group)
        assert_as_alone(stack, out, group)


def test_per_network_throughput_is_measured_elsewhere():
    """Speed lives in benchmarks/stack.py; here only that a stack of 8 trains 8 networks."""
    stack = RunStack.of([tiny(seed=s, steps=3) for s in range(8)])
    assert len(stack.groups[0]) == 8
    records = [r for step in stack for r in step]
    assert len(records) == 24 and np.isfinite([r.loss for r in records]).all()


def test_without_reproducible_batched_products_nothing_is_stacked(monkeypatch):
    """Where batched products do not give each network its own product to the bit (MKL without
    strict reproducibility, another BLAS), every run trains on its own: slower, as correct."""
    import engine.stack

    monkeypatch.setattr(engine.stack, "batched_products_agree", lambda: False)
    configs = [tiny(seed=s, steps=6) for s in range(3)]
    stack = RunStack.of(configs)
    assert stack.groups == []
    stack, out = stacked_records(configs)
    assert_as_alone(stack, out, configs)


def test_the_engine_asks_mkl_for_strict_reproducibility_on_import():
    import subprocess
    import sys

    code = "import os, engine, torch; from engine.stack import batched_products_agree; print(os.environ['MKL_CBWR'], batched_products_agree())"
    env = {k: v for k, v in __import__("os").environ.items() if k != "MKL_CBWR"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True).stdout.split()
    assert out[0] == "AUTO,STRICT"
    if torch.backends.mkl.is_available():
        assert out[1] == "True"


def test_on_several_cpu_threads_nothing_is_stacked():
    """Several threads split a stacked tensor into chunks whose edges fall inside a network (its
    values there take an elementwise kernel's scalar path): no stacking then."""
    runs = [Run(tiny(seed=s, steps=4)) for s in range(2)]
    threads = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        assert RunStack(runs).groups == []
    finally:
        torch.set_num_threads(threads)


def test_a_shared_live_setting_changes_only_through_the_stack():
    stack = RunStack.of([tiny(seed=s, steps=6) for s in range(3)])
    stack.step()
    with pytest.raises(ConfigError, match="RunStack.set_live"):
        stack.runs[1].set_live(lr=0.5)
    stack.runs[1].set_live(clip_norm=0.5)  # a network's own: allowed
    records = stack.step()
    assert [r.changes for r in records] == [{}, {"clip_norm": 0.5}, {}]


def test_a_run_with_a_live_change_waiting_is_not_stacked():
    runs = [Run(tiny(seed=s, steps=4)) for s in range(3)]
    runs[2].set_live(lr=0.02)
    stack = RunStack(runs)
    assert [[r.config.seed for r in g] for g in stack.groups] == [[0, 1]]
    first = stack.step()
    assert first[2].changes == {"lr": 0.02} and first[0].changes == {} and stack.runs[2].config.lr == 0.02
