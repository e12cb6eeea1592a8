"""The files `vanishing-point run` writes: documented columns, finite numbers, reproducible."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from engine import Config, Run
from engine.record import record_run, write_json
from engine.results import INITIAL_KEYS

from .helpers import TINY, cell_is_finite_or_empty, cli, read_csv, set_args, strict_json, tiny, train

FILES = {"config.toml", "metrics.csv", "grad_norms.csv", "layer_stats.csv", "summary.json"}
METRICS = ["step", "train_loss", "train_error", "val_loss", "val_error"]
LAYER_STATS = ["step", "layer", "grad_rms", "signal_rms", "act_mean_abs", "dead_frac", "saturated_frac", "update_ratio"]
SUMMARY_KEYS = {
    "status",
    "message",
    "steps_run",
    "diverged_at",
    "final_train_error",
    "final_val_error",
    "final_train_loss",
    "final_val_loss",
    "best_val_error",
    "best_val_loss",
    "best_step",
    "layers",
    "layer_sizes",
    "predicted_log10_signal_slope",
    "measured_log10_signal_slope",
    "predicted_log10_time_slope",  # null for an mlp (tests/engine/test_recurrent_files.py)
    "measured_log10_time_slope",
    "device",
    *INITIAL_KEYS,
}


def run_cli(out, *args: str) -> None:
    assert cli("run", *args, "--quiet", "--out", str(out)) == 0


def assert_only_finite_numbers(out) -> None:
    for name in ("metrics.csv", "grad_norms.csv", "layer_stats.csv"):
        _, rows = read_csv(out / name)
        for row in rows:
            assert all(cell_is_finite_or_empty(cell) for cell in row), (name, row)
    strict_json(out / "summary.json")


@pytest.fixture(scope="module")
def tanh_run(tmp_path_factory):
    """One small tanh run on the command line: 25 steps, evaluated at 1, 10, 20 and 25."""
    out = tmp_path_factory.mktemp("tanh")
    run_cli(out, *set_args(activation="tanh", steps=25, eval_every=10))
    return out


def test_run_writes_exactly_the_documented_files(tanh_run):
    assert {p.name for p in tanh_run.iterdir()} == FILES  # no temporary files left behind


def test_metrics_csv_columns_and_rows(tanh_run):
    header, rows = read_csv(tanh_run / "metrics.csv")
    assert header == METRICS
    # step 0 is the untrained network, before any update; then every evaluation
    assert [int(r[0]) for r in rows] == [0, 1, 10, 20, 25]
    summary = json.loads((tanh_run / "summary.json").read_text())
    assert [float(c) for c in rows[0][1:]] == [summary[k] for k in INITIAL_KEYS]
    assert float(rows[0][4]) > 0.3  # validation error near chance before training
    for row in rows:
        assert len(row) == len(METRICS)
        assert all(math.isfinite(float(cell)) for cell in row)
        assert 0 <= float(row[2]) <= 1 and 0 <= float(row[4]) <= 1  # error rates


def test_grad_norms_csv_has_one_column_per_layer_and_one_row_per_step(tanh_run):
    header, rows = read_csv(tanh_run / "grad_norms.csv")
    depth = TINY["depth"]
    assert header == ["step"] + [f"layer_{i}" for i in range(1, depth + 2)]
    assert [int(r[0]) for r in rows] == list(range(1, 26))
    for row in rows:
        assert len(row) == depth + 2
        assert all(math.isfinite(float(cell)) and float(cell) >= 0 for cell in row[1:])


def test_layer_stats_csv_has_one_row_per_layer_per_evaluation(tanh_run):
    header, rows = read_csv(tanh_run / "layer_stats.csv")
    assert header == LAYER_STATS
    n_layers = TINY["depth"] + 1
    expected = [(step, layer) for step in (1, 10, 20, 25) for layer in range(1, n_layers + 1)]
    assert [(int(r[0]), int(r[1])) for r in rows] == expected
    col = {name: i for i, name in enumerate(LAYER_STATS)}
    for row in rows:
        assert len(row) == len(LAYER_STATS)
        output_layer = int(row[1]) == n_layers
        for name in ("grad_rms", "signal_rms", "act_mean_abs", "update_ratio"):
            assert math.isfinite(float(row[col[name]])), name
        assert row[col["dead_frac"]] == ""  # tanh has no dead units
        if output_layer:
            assert row[col["saturated_frac"]] == ""  # the output layer is linear
        else:
            assert 0 <= float(row[col["saturated_frac"]]) <= 1


def test_summary_json_has_the_documented_keys(tanh_run):
    summary = strict_json(tanh_run / "summary.json")
    assert set(summary) == SUMMARY_KEYS
    assert summary["status"] == "completed" and summary["steps_run"] == 25 and summary["diverged_at"] is None
    assert summary["layers"] == [f"layer_{i}" for i in range(1, TINY["depth"] + 2)]
    assert summary["layer_sizes"] == [[2, 8], [8, 8], [8, 8], [8, 2]]
    assert summary["device"] == "cpu"
    _, rows = read_csv(tanh_run / "metrics.csv")
    last = [float(cell) for cell in rows[-1]]
    assert [
        summary["final_train_loss"],
        summary["final_train_error"],
        summary["final_val_loss"],
        summary["final_val_error"],
    ] == last[1:]
    best = min(rows, key=lambda r: float(r[3]))
    assert summary["best_step"] == int(best[0])
    assert summary["best_val_error"] == float(best[4]) and summary["best_val_loss"] == float(best[3])


def test_config_toml_is_the_resolved_configuration(tanh_run):
    config = Config.load(tanh_run / "config.toml")
    assert config == tiny(activation="tanh", steps=25, eval_every=10)


def test_the_files_hold_what_the_engine_measured(tanh_run):
    """The same configuration through the Python API gives the very numbers in the files."""
    run, records = train(Config.load(tanh_run / "config.toml"))
    _, grad_rows = read_csv(tanh_run / "grad_norms.csv")
    for row, record in zip(grad_rows, records, strict=True):
        assert [float(c) for c in row[1:]] == record.grad_norms.tolist()
    _, metric_rows = read_csv(tanh_run / "metrics.csv")
    for row, ev in zip(metric_rows, [run.initial, *run.evaluations], strict=True):
        assert [float(c) for c in row] == [ev.step, ev.train_loss, ev.train_error, ev.val_loss, ev.val_error]
    assert strict_json(tanh_run / "summary.json") == json.loads(json.dumps(run.summary()))


def test_feeding_config_toml_back_reproduces_the_run(tanh_run, tmp_path):
    run_cli(tmp_path, "--config", str(tanh_run / "config.toml"))
    for name in ("grad_norms.csv", "metrics.csv", "layer_stats.csv", "config.toml"):
        assert (tmp_path / name).read_bytes() == (tanh_run / name).read_bytes(), name
    assert strict_json(tmp_path / "summary.json") == strict_json(tanh_run / "summary.json")


def test_relu_run_writes_dead_fractions(tmp_path):
    run_cli(tmp_path, *set_args(activation="relu", steps=5))
    header, rows = read_csv(tmp_path / "layer_stats.csv")
    dead, saturated = header.index("dead_frac"), header.index("saturated_frac")
    for row in rows:
        assert row[saturated] == ""
        if int(row[1]) <= TINY["depth"]:
            assert 0 <= float(row[dead]) <= 1
        else:
            assert row[dead] == ""


def test_a_diverging_run_writes_only_finite_numbers(tmp_path):
    run_cli(tmp_path, "--preset", "exploding", *set_args(n_val=100, depth=20, width=32, steps=50))
    summary = strict_json(tmp_path / "summary.json")  # valid JSON: no NaN, no Infinity
    assert set(summary) == SUMMARY_KEYS
    assert summary["status"] == "diverged"
    assert isinstance(summary["diverged_at"], int) and summary["diverged_at"] >= 1
    assert f"step {summary['diverged_at']}" in summary["message"]
    assert summary["steps_run"] == summary["diverged_at"] < 50
    assert_only_finite_numbers(tmp_path)
    _, rows = read_csv(tmp_path / "grad_norms.csv")
    assert all(int(r[0]) <= summary["diverged_at"] for r in rows)
    assert Config.load(tmp_path / "config.toml").init_gain == 3.0


def test_a_run_diverging_later_keeps_its_finite_history(tmp_path):
    """ReLU, He init at gain 1.5, SGD at lr 0.1: finite for a few steps, then non-finite (seed 0:
    the gradient of layer 1 at step 4; seeds 1-4 end at step 3 or 4)."""
    settings = dict(depth=10, width=16, activation="relu", init="he_normal", init_gain=1.5, optimizer="sgd", lr=0.1)
    run_cli(tmp_path, *set_args(**settings, n_val=200, eval_every=1, steps=50), "--seed", "0")
    summary = strict_json(tmp_path / "summary.json")
    assert summary["status"] == "diverged"
    t = summary["diverged_at"]
    assert t > 2
    assert_only_finite_numbers(tmp_path)
    _, grad_rows = read_csv(tmp_path / "grad_norms.csv")
    steps = [int(r[0]) for r in grad_rows]
    # every finite step is written; the diverged step only if its gradient was still finite
    assert steps in (list(range(1, t)), list(range(1, t + 1)))
    _, metric_rows = read_csv(tmp_path / "metrics.csv")
    assert [int(r[0]) for r in metric_rows] == list(range(0, t))  # step 0: the untrained network
    _, layer_rows = read_csv(tmp_path / "layer_stats.csv")
    assert len(layer_rows) == (t - 1) * 11
    assert summary["final_val_error"] == float(metric_rows[-1][4])


def test_the_app_export_writes_the_same_files_as_the_command_line(tanh_run, tmp_path):
    config = Config.load(tanh_run / "config.toml")
    run, records = train(config)
    record_run(records, tmp_path, config, run.n_layers, run.summary())
    for name in ("grad_norms.csv", "metrics.csv", "layer_stats.csv", "config.toml", "summary.json"):
        assert (tmp_path / name).read_bytes() == (tanh_run / name).read_bytes(), name


def test_write_json_turns_non_finite_numbers_into_null(tmp_path):
    path = tmp_path / "s.json"
    write_json(path, {"a": float("nan"), "b": float("inf"), "c": 1.5, "d": None, "e": "x"})
    assert strict_json(path) == {"a": None, "b": None, "c": 1.5, "d": None, "e": "x"}
    assert not (tmp_path / "s.json.tmp").exists()
    # at any depth, and numpy scalars as plain numbers
    write_json(path, {"a": [1.0, float("-inf")], "b": {"c": np.float32("nan"), "d": np.int64(3)}})
    assert strict_json(path) == {"a": [1.0, None], "b": {"c": None, "d": 3}}


def test_records_are_written_as_they_arrive(tmp_path):
    """An interrupted run leaves every finished row on disk (the files are streamed)."""
    from engine.record import RunRecorder

    run = Run(tiny(steps=10, eval_every=5))
    recorder = RunRecorder(tmp_path, run.config, run.n_layers)
    for _ in range(6):
        recorder.add(run.step())
    recorder.close()  # no summary: as after a crash
    _, rows = read_csv(tmp_path / "grad_norms.csv")
    assert [int(r[0]) for r in rows] == [1, 2, 3, 4, 5, 6]
    _, rows = read_csv(tmp_path / "metrics.csv")
    assert [int(r[0]) for r in rows] == [1, 5]
    assert not (tmp_path / "summary.json").exists()
    assert np.isfinite([float(c) for r in rows for c in r]).all()
