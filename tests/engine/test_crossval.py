"""Cross-validation and learning curves: disjoint folds that cover the data, the `cv` command's
files, one-line errors for a bad K, and runs on swapped data that are ordinary runs."""

from __future__ import annotations

import math
from dataclasses import fields

import numpy as np
import pytest

from engine import Config, ConfigError, Run
from engine.crossval import (
    _CURVE_STREAM,
    CV_COLUMNS,
    check_folds,
    compare,
    cross_validate,
    fold_indices,
    fold_splits,
    iter_folds,
    iter_learning_curve,
    learning_curve,
    train_on,
)
from engine.data import as_split, draw_raw, make_data

from .helpers import cli, read_csv, set_args, strict_json, tiny


@pytest.mark.parametrize(("n", "k"), [(10, 2), (10, 3), (7, 7), (64, 5), (200, 10)])
def test_folds_are_disjoint_and_cover_the_data(n, k):
    parts = fold_indices(n, k, seed=3)
    assert len(parts) == k
    joined = np.concatenate(parts)
    assert sorted(joined.tolist()) == list(range(n))  # every point once: disjoint and covering
    sizes = [len(p) for p in parts]
    assert max(sizes) - min(sizes) <= 1 and min(sizes) >= 1


def test_fold_splits_hold_out_each_fold_and_standardize_with_the_training_folds():
    config = tiny(n_train=30, seed=5)
    x, _, _, _, _ = draw_raw(config)
    splits = fold_splits(config, 4)
    held_out = []
    for split in splits:
        assert split.x_train.shape[0] + split.x_val.shape[0] == 30
        np.testing.assert_allclose(split.x_train.mean(axis=0), 0.0, atol=1e-5)
        np.testing.assert_allclose(split.x_train.std(axis=0), 1.0, atol=1e-4)
        held_out.append(split.x_val * split.std + split.mean)  # back to the raw points
    # the held-out folds, un-standardized, are the training pool, each point exactly once
    pool = np.concatenate(held_out)
    order = np.lexsort(pool.T)
    np.testing.assert_allclose(pool[order], x[np.lexsort(x.T)], atol=1e-5)


def test_a_run_on_make_datas_arrays_is_the_ordinary_run():
    config = tiny(steps=15, eval_every=4)
    plain = [r.grad_norms for r in Run(config)]
    swapped = train_on(config, make_data(config))
    assert [r.grad_norms.tolist() for r in swapped] == [g.tolist() for g in plain]


def test_iter_folds_yields_plain_results_with_progress():
    results = list(iter_folds(tiny(), 3))
    assert [r.fold for r in results] == [1, 2, 3]
    assert [r.progress for r in results] == pytest.approx([1 / 3, 2 / 3, 1.0])
    assert sum(r.n_val for r in results) == 64
    for r in results:
        assert r.n_train == 64 - r.n_val
        assert r.status == "completed" and r.steps_run == 20
        assert 0.0 <= r.train_error <= 1.0 and 0.0 <= r.val_error <= 1.0
        assert all(isinstance(getattr(r, f.name), int | float | str) for f in fields(r))


def test_cross_validation_summarizes_mean_and_spread():
    result = cross_validate(tiny(), 4)
    errors = np.array(result.val_errors)
    assert result.mean_val_error == pytest.approx(errors.mean())
    assert result.std_val_error == pytest.approx(errors.std(ddof=1))
    summary = result.summary()
    assert summary["folds"] == 4 and summary["diverged_folds"] == 0


def test_two_configurations_compare_fold_by_fold():
    comparison = compare(tiny(), tiny(activation="relu"), 3)
    assert comparison.paired
    assert len(comparison.differences) == 3
    assert comparison.mean_difference == pytest.approx(np.mean(comparison.differences))
    assert math.isfinite(comparison.std_difference)
    assert not compare(tiny(steps=3), tiny(steps=3, seed=1), 2).paired


def test_cv_command_writes_one_row_per_fold(tmp_path):
    out = tmp_path / "cv"
    assert cli("cv", "--folds", "4", *set_args(), "--quiet", "--out", str(out)) == 0
    header, rows = read_csv(out / "cv.csv")
    assert header == list(CV_COLUMNS) == ["fold", "train_error", "val_error"]
    assert [row[0] for row in rows] == ["1", "2", "3", "4"]
    val = np.array([float(row[2]) for row in rows])
    train = np.array([float(row[1]) for row in rows])
    summary = strict_json(out / "cv_summary.json")
    assert summary["folds"] == 4
    assert summary["mean_val_error"] == pytest.approx(val.mean())
    assert summary["std_val_error"] == pytest.approx(val.std(ddof=1))
    assert summary["mean_train_error"] == pytest.approx(train.mean())
    assert summary["std_train_error"] == pytest.approx(train.std(ddof=1))
    assert Config.load(out / "config.toml") == tiny()


def test_cv_command_can_add_a_learning_curve(tmp_path):
    out = tmp_path / "cv"
    assert cli("cv", "--folds", "2", *set_args(steps=5), "--curve", "16,64", "--quiet", "--out", str(out)) == 0
    header, rows = read_csv(out / "learning_curve.csv")
    assert header == ["n_train", "train_error", "val_error"]
    assert [row[0] for row in rows] == ["16", "64"]


@pytest.mark.parametrize("folds", ["1", "0", "65", "-3", "many", "2.5"])
def test_a_bad_k_exits_2_with_one_line(folds, tmp_path, capsys):
    out = tmp_path / "cv"
    assert cli("cv", "--folds", folds, *set_args(), "--out", str(out)) == 2
    captured = capsys.readouterr()
    lines = captured.err.splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("vanishing-point: error: folds = ")
    assert "folds must be an integer from 2 to n_train = 64" in lines[0]
    assert not out.exists()


def test_the_iterators_refuse_bad_input_when_called():
    with pytest.raises(ConfigError, match="folds = 1 is not allowed"):
        iter_folds(tiny(), 1)  # not iterated: a window learns of the mistake at once
    with pytest.raises(ConfigError, match="training-set size 0"):
        iter_learning_curve(tiny(), [0, 8])


def test_bad_curve_sizes_exit_2_with_one_line(tmp_path, capsys):
    assert cli("cv", "--folds", "2", *set_args(), "--curve", "8,big", "--out", str(tmp_path / "cv")) == 2
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1 and "--curve '8,big': expected comma-separated training-set sizes" in lines[0]
    assert not (tmp_path / "cv").exists()


@pytest.mark.parametrize("dataset", ["sine", "gaussians"])
def test_regression_and_three_classes_cross_validate(dataset):
    result = cross_validate(tiny(dataset=dataset, steps=5), 2)
    assert math.isfinite(result.mean_val_error) and math.isfinite(result.std_train_error)


def test_batch_norm_needs_two_training_points_per_fold():
    with pytest.raises(ConfigError, match="batch_norm"):
        check_folds(tiny(n_train=2, batch_norm=True, batch_size=2), 2)
    check_folds(tiny(n_train=3, batch_norm=True, batch_size=2), 3)


def test_learning_curve_sizes_ascend_with_finite_errors():
    config = tiny(steps=15)
    curve = learning_curve(config, [64, 8, 24])
    assert [p.n_train for p in curve] == [8, 24, 64]
    assert [p.progress for p in curve] == pytest.approx([1 / 3, 2 / 3, 1.0])
    for p in curve:
        assert math.isfinite(p.train_error) and math.isfinite(p.val_error)
    # the full size trains on exactly Run(config)'s data, scored on the same validation set
    run = Run(config)
    for _ in run:
        pass
    assert curve[-1].val_error == run.summary()["final_val_error"]
    assert curve[-1].train_error == run.summary()["final_train_error"]


def test_learning_curve_default_sizes_and_bad_sizes():
    curve = learning_curve(tiny(steps=2))
    sizes = [p.n_train for p in curve]
    assert sizes == sorted(set(sizes)) and sizes[-1] == 64 and len(sizes) >= 3
    with pytest.raises(ConfigError, match="training-set size 65"):
        learning_curve(tiny(steps=2), [8, 65])


@pytest.mark.parametrize("folds", [3, 5])
def test_all_folds_train_at_once_and_each_is_the_run_it_would_be_alone(folds):
    """The folds train as one stack of networks (engine.stack): each fold's result is exactly
    that of its own run, trained alone on its split."""
    config = tiny(steps=25, eval_every=5, dropout=0.2)
    together = list(iter_folds(config, folds))
    for result, split in zip(together, fold_splits(config, folds), strict=True):
        run = train_on(config, split)
        for _ in run:
            pass
        summary = run.summary()
        assert (result.train_error, result.val_error) == (summary["final_train_error"], summary["final_val_error"])
        assert (result.train_loss, result.val_loss) == (summary["final_train_loss"], summary["final_val_loss"])
        assert result.steps_run == summary["steps_run"] and result.status == summary["status"]


def test_learning_curve_sizes_train_at_once_and_each_is_the_run_it_would_be_alone():
    config = tiny(steps=20, eval_every=5, n_train=40, batch_size=8)
    sizes = [8, 20, 40]  # each at least one batch: one stack
    points = learning_curve(config, sizes)
    x, y, x_val, y_val, n_out = draw_raw(config)
    order = np.random.default_rng([config.seed, _CURVE_STREAM]).permutation(config.n_train)
    for point, size in zip(points, sizes, strict=True):
        chosen = np.sort(order[:size])
        run = train_on(config, as_split(config, x[chosen], y[chosen], x_val, y_val, n_out))
        for _ in run:
            pass
        assert (point.train_error, point.val_error) == (run.summary()["final_train_error"], run.summary()["final_val_error"])


@pytest.mark.parametrize("changes", [{}, {"batch_norm": True}], ids=["stacked", "one at a time"])
def test_a_study_reports_its_progress_while_its_runs_train(monkeypatch, changes):
    """A window's progress bar moves while the folds train together: `progress` hears the share of
    all the runs' steps done, rising, before the results come."""
    import engine.crossval

    monkeypatch.setattr(engine.crossval, "PROGRESS_SECONDS", 0.0)
    heard: list[float] = []
    results = []
    for result in iter_folds(tiny(steps=20, **changes), 3, heard.append):
        results.append((len(heard), result))
    assert heard == sorted(heard) and 0 < heard[0] and heard[-1] <= 1
    assert results[0][0] >= 10  # steps were reported before the first fold's result
