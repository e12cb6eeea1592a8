"""K-fold cross-validation and a learning curve run in the background with progress."""

from __future__ import annotations

import numpy as np

from engine.crossval import cross_validate

from .conftest import SMALL

FAST = SMALL.replace(steps=60, n_train=60, n_val=60)


def test_cross_validation_compares_current_and_reference(make_window, qtbot):
    w = make_window(FAST)
    w.step_once()
    qtbot.waitUntil(lambda: w.history.n == 1, timeout=10000)
    w.pin_reference()
    w.config = FAST.replace(width=4)
    w.open_study()
    dialog = w.study
    dialog.folds.setValue(3)
    dialog.start("cv")
    qtbot.waitUntil(lambda: dialog.job is None, timeout=120000)
    assert dialog.table.rowCount() == 6 and dialog.progress.value() == dialog.progress.maximum()
    assert "current" in dialog.summary.text() and "reference" in dialog.summary.text() and "±" in dialog.summary.text()
    expected = cross_validate(FAST.replace(width=4), 3)  # the same numbers as the engine's own
    got = [r.val_error for r in dialog.results[0]]
    assert np.allclose(got, expected.val_errors, equal_nan=True)
    dialog.close()


def test_learning_curve_and_a_bad_k(make_window, qtbot):
    w = make_window(FAST)
    w.open_study()
    dialog = w.study
    dialog.folds.setValue(20)
    w.study.configs = [("current", FAST.replace(n_train=10))]
    dialog.start("cv")
    assert dialog.job is None and "10" in dialog.summary.text()  # K > n_train: refused, nothing runs
    dialog.configs = [("current", FAST)]
    dialog.start("curve")
    qtbot.waitUntil(lambda: dialog.job is None, timeout=120000)
    sizes = [p.n_train for p in dialog.results[0]]
    assert sizes == sorted(sizes) and sizes[-1] == FAST.n_train
    dialog.close()
