"""A recurrent run's files: everything an mlp run writes, plus time_grads.csv (dL/dh_t at every
step) and the two time-slope keys of summary.json; and `cv`, `sweep` and the app's CSV export
for recurrent configurations."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from engine import Config
from engine.crossval import compare, fold_splits, train_on
from engine.data import draw_raw
from engine.record import json_safe, record_run
from engine.theory import measured_log10_time_slope

from .helpers import cell_is_finite_or_empty, cli, read_csv, set_args, strict_json, train
from .test_record import FILES, LAYER_STATS, SUMMARY_KEYS

#: a recurrent net small enough that a run takes a fraction of a second
SMALL = dict(depth=2, width=8, seq_len=8, n_train=32, n_val=32, batch_size=16, steps=6, eval_every=2, lr=0.01)
T = SMALL["seq_len"]
RUNS = [(m, d) for m in ("rnn", "lstm", "gru") for d in ("recall", "adding")]


def small(**changes) -> Config:
    return Config(**{"model": "rnn", "dataset": "recall", **SMALL, **changes})


def small_args(**changes) -> list[str]:
    """--set arguments for every key of small(**changes)."""
    return set_args(**small(**changes).to_dict())


def run_cli(out, *args: str) -> None:
    assert cli("run", *args, "--quiet", "--out", str(out)) == 0


@pytest.fixture(scope="module", params=RUNS, ids=lambda p: f"{p[0]}-{p[1]}")
def recurrent_run(request, tmp_path_factory):
    """(the output folder, the in-memory records of the same configuration)."""
    model, dataset = request.param
    out = tmp_path_factory.mktemp(f"{model}_{dataset}")
    run_cli(out, *small_args(model=model, dataset=dataset))
    config = Config.load(out / "config.toml")
    assert config == small(model=model, dataset=dataset)
    run, records = train(config)
    return out, run, records


def test_a_recurrent_run_writes_the_mlp_files_and_time_grads(recurrent_run):
    out, _, _ = recurrent_run
    assert {p.name for p in out.iterdir()} == FILES | {"time_grads.csv"}


def test_time_grads_csv_has_one_column_per_time_step_and_one_row_per_step(recurrent_run):
    out, run, records = recurrent_run
    header, rows = read_csv(out / "time_grads.csv")
    assert header == ["step"] + [f"t_{t}" for t in range(1, T + 1)] == ["step", *run.time_names]
    assert [int(r[0]) for r in rows] == list(range(1, SMALL["steps"] + 1))
    for row, record in zip(rows, records, strict=True):
        assert [float(c) for c in row[1:]] == record.time_rms.tolist()  # the very numbers, repr round trip
        assert all(float(c) > 0 for c in row[1:])


def test_grad_norms_and_layer_stats_have_a_row_per_recurrent_layer(recurrent_run):
    out, _, records = recurrent_run
    n_layers = SMALL["depth"] + 1  # the recurrent layers, then the output layer
    header, rows = read_csv(out / "grad_norms.csv")
    assert header == ["step"] + [f"layer_{i}" for i in range(1, n_layers + 1)]
    for row, record in zip(rows, records, strict=True):
        assert [float(c) for c in row[1:]] == record.grad_norms.tolist()
    header, rows = read_csv(out / "layer_stats.csv")
    assert header == LAYER_STATS
    expected = [(step, layer) for step in (1, 2, 4, 6) for layer in range(1, n_layers + 1)]
    assert [(int(r[0]), int(r[1])) for r in rows] == expected
    assert all(cell_is_finite_or_empty(c) for r in rows for c in r)


def test_summary_json_has_the_time_slopes(recurrent_run):
    out, run, records = recurrent_run
    summary = strict_json(out / "summary.json")
    assert set(summary) == SUMMARY_KEYS
    assert summary["measured_log10_time_slope"] == measured_log10_time_slope(records[0].time_rms)
    assert summary["predicted_log10_time_slope"] is None  # tanh (rnn), or a gated cell: no exact theory
    assert summary["layers"] == ["layer_1", "layer_2", "layer_3"]
    assert summary == json.loads(json.dumps(json_safe(run.summary())))


def test_every_thins_time_grads_as_grad_norms(tmp_path):
    run_cli(tmp_path, *small_args(model="gru", steps=7), "--every", "3")
    _, grads = read_csv(tmp_path / "grad_norms.csv")
    _, times = read_csv(tmp_path / "time_grads.csv")
    assert [int(r[0]) for r in times] == [int(r[0]) for r in grads] == [1, 3, 6, 7]  # step 1, every 3rd, the last
    _, records = train(small(model="gru", steps=7))
    for row in times:
        assert [float(c) for c in row[1:]] == records[int(row[0]) - 1].time_rms.tolist()


@pytest.mark.parametrize(("init", "gain"), [("orthogonal", 0.7), ("identity", 1.25)])
def test_a_linear_orthogonal_rnn_measures_the_predicted_slope(init, gain, tmp_path):
    """dL/dh_{t-1} = W_recᵀ dL/dh_t, and W_rec = gain × orthogonal scales every vector by gain."""
    settings = dict(model="rnn", activation="linear", init=init, init_gain=gain, seq_len=10, depth=1, steps=2)
    run_cli(tmp_path, *small_args(**settings))
    summary = strict_json(tmp_path / "summary.json")
    assert summary["predicted_log10_time_slope"] == pytest.approx(math.log10(gain), abs=1e-12)
    assert summary["measured_log10_time_slope"] == pytest.approx(math.log10(gain), abs=1e-3)
    header, rows = read_csv(tmp_path / "time_grads.csv")
    assert len(header) == 11
    ratios = np.diff(np.log10([float(c) for c in rows[0][1:]]))
    np.testing.assert_allclose(ratios, -math.log10(gain), atol=1e-3)  # one factor of gain per step back


def test_a_diverging_rnn_writes_no_row_for_the_diverged_step(tmp_path):
    """ReLU Elman net, recurrent gain 1.5, SGD at lr 2: the gradient is non-finite at step 3."""
    settings = dict(
        model="rnn", dataset="adding", depth=1, activation="relu", init="orthogonal", init_gain=1.5,
        optimizer="sgd", lr=2.0, steps=30, eval_every=1,
    )
    run_cli(tmp_path, *small_args(**settings))
    summary = strict_json(tmp_path / "summary.json")
    assert summary["status"] == "diverged" and summary["diverged_at"] == 3
    _, grads = read_csv(tmp_path / "grad_norms.csv")
    _, times = read_csv(tmp_path / "time_grads.csv")
    assert [int(r[0]) for r in times] == [int(r[0]) for r in grads] == [1, 2]
    assert all(cell_is_finite_or_empty(c) for r in times for c in r)


def test_an_mlp_run_writes_no_time_grads(tmp_path):
    run_cli(tmp_path, *set_args(steps=3))
    assert {p.name for p in tmp_path.iterdir()} == FILES
    summary = strict_json(tmp_path / "summary.json")
    assert summary["predicted_log10_time_slope"] is None and summary["measured_log10_time_slope"] is None


def test_the_app_export_writes_the_same_files_as_the_command_line(tmp_path):
    config = small(model="lstm", dataset="adding")
    run_cli(tmp_path / "cli", *small_args(model="lstm", dataset="adding"))
    run, records = train(config)
    # T read from the records, as the app calls it; and given explicitly
    record_run(records, tmp_path / "derived", config, run.n_layers, run.summary())
    record_run(iter(records), tmp_path / "given", config, run.n_layers, run.summary(), time_steps=run.time_steps)
    for export in ("derived", "given"):
        names = {p.name for p in (tmp_path / export).iterdir()}
        assert names == FILES | {"time_grads.csv"}
        for name in names:
            assert (tmp_path / export / name).read_bytes() == (tmp_path / "cli" / name).read_bytes(), (export, name)


# --- cross-validation and sweeps --------------------------------------------------------------
def test_sequence_folds_are_the_drawn_sequences_unstandardized():
    config = small(dataset="adding")
    x, y, _, _, _ = draw_raw(config)
    held_out, targets = [], []
    for split in fold_splits(config, 3):
        assert split.x_train.shape[1:] == split.x_val.shape[1:] == (T, 2)  # (n, T, channels)
        assert split.n_inputs == 2 and split.x_train.dtype == np.float32
        np.testing.assert_array_equal(split.mean, 0.0)
        np.testing.assert_array_equal(split.std, 1.0)
        held_out.append(split.x_val)
        targets.append(split.y_val)
    pool = np.concatenate(held_out)
    assert pool.shape == x.shape
    order = np.argsort(np.concatenate(targets)[:, 0], kind="stable")
    np.testing.assert_array_equal(pool[order], x.astype(np.float32)[np.argsort(y[:, 0], kind="stable")])


def test_a_split_of_the_wrong_sequence_length_is_refused():
    split = fold_splits(small(seq_len=6), 2)[0]
    with pytest.raises(ValueError, match=r"shape \(6, 1\).*\(8, 1\)"):
        train_on(small(), split)


def test_compare_pairs_recurrent_folds_only_for_the_same_sequences():
    comparison = compare(small(steps=2), small(model="lstm", steps=2), 2)
    assert comparison.paired and len(comparison.differences) == 2
    assert not compare(small(steps=2), small(seq_len=6, steps=2), 2).paired


def test_cv_command_with_a_recurrent_config(tmp_path):
    out = tmp_path / "cv"
    args = small_args(model="lstm", dataset="recall", steps=3)
    assert cli("cv", "--folds", "2", *args, "--curve", "8,32", "--quiet", "--out", str(out)) == 0
    _, rows = read_csv(out / "cv.csv")
    assert [r[0] for r in rows] == ["1", "2"]
    assert all(0 <= float(c) <= 1 for r in rows for c in r[1:])
    assert strict_json(out / "cv_summary.json")["folds"] == 2
    _, rows = read_csv(out / "learning_curve.csv")
    assert [r[0] for r in rows] == ["8", "32"]
    assert Config.load(out / "config.toml") == small(model="lstm", steps=3)


def test_sweep_over_model_and_seq_len(tmp_path):
    out = tmp_path / "sweep"
    grid = ["--grid", "model=rnn,lstm,gru", "--grid", "seq_len=4,8"]
    assert cli("sweep", *grid, *small_args(steps=2), "--jobs", "1", "--quiet", "--out", str(out)) == 0
    header, rows = read_csv(out / "sweep.csv")
    table = [dict(zip(header, r)) for r in rows]
    assert [(t["model"], t["seq_len"]) for t in table] == [(m, s) for m in ("rnn", "lstm", "gru") for s in ("4", "8")]
    for i, t in enumerate(table, start=1):
        cell = out / "cells" / str(i)
        times_header, _ = read_csv(cell / "time_grads.csv")
        assert len(times_header) == 1 + int(t["seq_len"])
        _, grads = read_csv(cell / "grad_norms.csv")
        assert float(t["grad_first_step1"]) == float(grads[0][1]) > 0  # the first recurrent layer
        assert float(t["measured_log10_time_slope"]) == strict_json(cell / "summary.json")["measured_log10_time_slope"]
    assert (out / "sweep.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
