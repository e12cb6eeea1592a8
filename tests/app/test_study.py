"""K-fold cross-validation and a learning curve run in the background with progress."""

from __future__ import annotations

import numpy as np
import pytest

from engine.crossval import cross_validate

from .conftest import SMALL

FAST = SMALL.replace(steps=60, n_train=60, n_val=60)


def test_cross_validation_compares_current_and_reference(make_window, qtbot):
    w = make_window(FAST)
    w.step_once()
    qtbot.waitUntil(lambda: w.history.n == 1, timeout=10000)
    w.teaching.pin()
    w.state.config = FAST.replace(width=4)
    w.teaching.open_study()
    dialog = w.teaching.study
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
    w.teaching.open_study()
    dialog = w.teaching.study
    dialog.folds.setValue(20)
    w.teaching.study.configs = [("current", FAST.replace(n_train=10))]
    dialog.start("cv")
    assert dialog.job is None and "10" in dialog.summary.text()  # K > n_train: refused, nothing runs
    dialog.configs = [("current", FAST)]
    dialog.start("curve")
    qtbot.waitUntil(lambda: dialog.job is None, timeout=120000)
    sizes = [p.n_train for p in dialog.results[0]]
    assert sizes == sorted(sizes) and sizes[-1] == FAST.n_train
    dialog.close()


def test_cross_validation_plot_reads_in_plain_units(qtbot):
    """Errors read as they are (no ×0.001 prefix), folds are whole numbers, and a legend names
    the points: here the real folds of two configurations, drawn as the dialog draws them."""
    from desktop_app.study_dialog import StudyDialog
    from engine.crossval import iter_folds

    configs = [("current", FAST), ("reference", FAST.replace(width=4))]
    dialog = StudyDialog(configs)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.kind = "cv"
    dialog.results = [list(iter_folds(config, 3)) for _, config in configs]
    dialog._show_summary()
    left, bottom = dialog.plot.getAxis("left"), dialog.plot.getAxis("bottom")
    assert not left.autoSIPrefix and left.labelText == "error" and left.autoSIPrefixScale == 1
    y0, y1 = dialog.plot.vb.viewRange()[1]
    errors = [e for items in dialog.results for i in items for e in (i.train_error, i.val_error)]
    assert y0 == pytest.approx(0, abs=1e-9) and max(errors) <= y1 <= 1.2 * max(max(errors), 0.05)
    ticks = [v for _, values in bottom.tickValues(*dialog.plot.vb.viewRange()[0], 400) for v in values]
    assert ticks and all(float(v).is_integer() for v in ticks) and {1, 2, 3} <= set(ticks)
    names = [label.text for _, label in dialog.legend.items]
    assert names == ["validation (current)", "training (current)", "validation (reference)", "training (reference)"]
    dialog.close()
