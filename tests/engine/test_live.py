"""Live settings and early stopping: what a learner changes and sees while a run trains."""

from __future__ import annotations

import threading

import pytest

from engine import ConfigError, Run, RunStatus

from .helpers import OVERFIT, tiny, train

# --- live settings ------------------------------------------------------------------------------


def test_live_settings_apply_before_the_next_step():
    run = Run(tiny(steps=20, dropout=0.0, optimizer="sgd"))
    for _ in range(3):
        assert run.step().changes == {}
    run.set_live(lr=0.001, clip_norm=1e-4, dropout=0.25, l2=0.01)
    assert run.config.lr == 0.01  # pending until the next step
    record = run.step()
    assert record.changes == {"lr": 0.001, "clip_norm": 1e-4, "dropout": 0.25, "l2": 0.01}
    assert (run.config.lr, run.config.clip_norm, run.config.dropout, run.config.l2) == (0.001, 1e-4, 0.25, 0.01)
    assert run.optimizer.lr == 0.001
    assert run.model.dropout == 0.25
    assert record.clipped_norm <= 1e-4 * (1 + 1e-6) < record.total_norm  # clipping took effect at once
    assert run.initial_config.lr == 0.01 and run.initial_config.dropout == 0.0
    assert run.step().changes == {}  # applied once


def test_live_changes_that_change_nothing_are_not_listed():
    run = Run(tiny(steps=5))
    run.step()
    run.set_live(lr=run.config.lr, l1=0.001)
    assert run.step().changes == {"l1": 0.001}


def test_live_patience_and_l1():
    run = Run(tiny(steps=5))
    run.set_live(patience=4, l1=1e-3)
    assert run.step().changes == {"patience": 4, "l1": 1e-3}
    assert (run.config.patience, run.config.l1) == (4, 1e-3)


@pytest.mark.parametrize(
    "changes", [dict(depth=3), dict(activation="relu"), dict(lr=0.001, width=4), dict(seed=1)], ids=repr
)
def test_a_structural_key_cannot_change_live(changes):
    run = Run(tiny(steps=5))
    run.step()
    before = run.config
    structural = sorted(set(changes) - {"lr"})
    with pytest.raises(ConfigError, match=f"{structural[0]} cannot change during a run"):
        run.set_live(**changes)
    record = run.step()
    assert record.changes == {}
    assert run.config == before
    assert run.optimizer.lr == before.lr


@pytest.mark.parametrize(
    "changes",
    [
        dict(lr=0.0),
        dict(lr=-1.0),
        dict(lr="fast"),
        dict(dropout=1.0),
        dict(clip_norm=-1.0),
        dict(l2=float("nan")),
        dict(patience=1.5),
        dict(lr=0.001, dropout=2.0),
    ],
    ids=repr,
)
def test_an_invalid_live_value_changes_nothing(changes):
    run = Run(tiny(steps=5))
    run.step()
    before = run.config
    bad = [k for k in changes if not (k == "lr" and changes[k] == 0.001)][0]
    with pytest.raises(ConfigError, match=f"^{bad} = "):
        run.set_live(**changes)
    record = run.step()
    assert record.changes == {}
    assert run.config == before
    assert run.model.dropout == before.dropout


def test_set_live_from_another_thread():
    run = Run(tiny(steps=10))
    run.step()
    worker = threading.Thread(target=run.set_live, kwargs=dict(lr=0.005))
    worker.start()
    worker.join()
    assert run.step().changes == {"lr": 0.005}
    assert run.optimizer.lr == 0.005


# --- early stopping ----------------------------------------------------------------------------


def test_early_stopping_stops_at_patience_and_reports_the_best_evaluation():
    run, records = train(tiny(**OVERFIT, steps=500, patience=3))
    summary = run.summary()
    assert run.status is RunStatus.EARLY_STOPPED and summary["status"] == "early_stopped"
    assert records[-1].status is RunStatus.EARLY_STOPPED
    last = records[-1].step
    assert last < 500 and summary["steps_run"] == last
    assert records[-1].evaluation is not None  # it stops on an evaluation
    assert summary["best_step"] <= last
    at_best = [e for e in run.evaluations if e.step == summary["best_step"]]
    assert len(at_best) == 1
    assert summary["best_val_error"] == at_best[0].val_error
    assert summary["best_val_loss"] == at_best[0].val_loss == min(e.val_loss for e in run.evaluations)
    # exactly `patience` evaluations after the best one, none of them lower
    after = [e for e in run.evaluations if e.step > summary["best_step"]]
    assert len(after) == 3
    assert all(e.val_loss >= at_best[0].val_loss for e in after)
    assert f"best was at step {summary['best_step']}" in run.message
    assert summary["diverged_at"] is None


def test_patience_zero_never_stops_early():
    run, _ = train(tiny(**OVERFIT, steps=200, patience=0))
    assert run.status is RunStatus.COMPLETED and run.step_count == 200
