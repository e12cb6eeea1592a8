"""What the lab exists to show, measured on real networks at a fixed seed.

Every test uses seed 0; the comments give the value measured there. Each bound was also checked
on seeds 0-5 and holds on all of them unless a comment names the seed that breaks it.
"""

from __future__ import annotations

import numpy as np
import pytest

from engine import Config, Run, RunStatus
from engine.presets import load_preset

from .helpers import OVERFIT, tiny, train

SEED = 0
DEEP = dict(depth=12, width=32, n_val=200, steps=10, seed=SEED)


def first_step(config: Config):
    """Step 1, which is always instrumented: its record carries the signal RMS of every layer."""
    record = Run(config).step()
    assert record.signal_rms is not None
    return record


def test_deep_sigmoid_with_standard_init_vanishes():
    """Glorot & Bengio's case: each sigmoid layer passes back at most a quarter of the signal."""
    record = first_step(Config(activation="sigmoid", init="torch_default", **DEEP))
    assert record.evaluation is not None
    g, s = record.grad_norms, record.evaluation.layers.signal_rms
    assert g[0] / g[-1] < 1e-3  # measured 6e-11 (seeds 0-4: 3e-11 to 6e-11)
    assert s[0] / s[-1] < 1e-3  # measured 3e-11
    # the signal shrinks at every layer on the way back to the input
    assert np.all(np.diff(s) > 0)


def test_deep_relu_with_he_init_keeps_the_gradient_level():
    record = first_step(Config(activation="relu", init="he_normal", **DEEP))
    assert record.evaluation is not None
    g, s = record.grad_norms, record.evaluation.layers.signal_rms
    # Layer 1's weight gradient is its signal times the 2-D input, so it depends on the data more
    # than the others: measured 0.44 here, 0.07-0.44 over seeds 0-5 (seeds 2 and 4 fall below 0.1).
    assert 0.1 < g[0] / g[-1] < 10
    assert 0.1 < s[0] / s[-1] < 10  # measured 0.25 (0.14-0.29 over seeds 0-5)
    # and so does every layer in between (measured 0.44-1.8 and 0.21-1)
    assert np.all((g / g[-1] > 0.1) & (g / g[-1] < 10))
    assert np.all((s / s[-1] > 0.1) & (s / s[-1] < 10))


def test_batch_norm_and_skips_rescue_the_deep_sigmoid():
    plain = first_step(Config(activation="sigmoid", init="torch_default", **DEEP)).signal_rms
    normed = first_step(Config(activation="sigmoid", init="torch_default", batch_norm=True, **DEEP)).signal_rms
    skipped = first_step(Config(activation="sigmoid", init="torch_default", residual=True, **DEEP)).signal_rms
    assert 0.1 < normed[0] / normed[-1] < 100  # measured 13
    assert skipped[0] / skipped[-1] > 1e-2  # measured 0.04
    assert plain[0] / plain[-1] < 1e-6 * (skipped[0] / skipped[-1])


def test_relu_with_he_init_at_gain_3_explodes():
    record = first_step(load_preset("exploding").apply(Config(n_val=200, steps=10, seed=SEED)))
    s = record.signal_rms  # the run diverges after this update, so step 1 has no evaluation
    assert s[0] / s[-1] > 1e6  # the back-propagated signal grows ~3x per layer: measured 6e8
    assert record.grad_norms.min() > 1e7  # measured 1.2e9 (layer 1)
    assert record.total_norm > 1e8


def test_the_exploding_preset_diverges_and_clipping_saves_it():
    config = load_preset("exploding").apply(tiny(n_val=200, steps=100, eval_every=10, seed=SEED))
    free, _ = train(config)
    assert free.status is RunStatus.DIVERGED and free.diverged_at is not None  # measured: step 1

    clipped, records = train(config.replace(clip_norm=1.0))
    assert clipped.status is RunStatus.COMPLETED, clipped.message
    assert all(r.finite for r in records)
    triggered = [r for r in records if r.total_norm > 1.0]
    assert triggered  # the gradient stays huge (measured up to 3e10) ...
    for r in triggered:  # ... but what the optimizer sees is bounded
        assert r.clipped_norm <= 1.0 * (1 + 1e-6)
        assert r.clipped_norm == pytest.approx(1.0, rel=1e-4)
    for r in records:
        if r.total_norm <= 1.0:
            assert r.clipped_norm == r.total_norm
    assert all(np.isfinite(e.val_loss) for e in clipped.evaluations)


def final(run: Run):
    e = run.evaluations[-1]
    return e.train_error, e.val_error


def test_a_wide_net_overfits_flipped_labels_and_regularization_narrows_the_gap():
    config = tiny(**{**OVERFIT, "eval_every": 100}, steps=500)
    plain, _ = train(config)
    train_err, val_err = final(plain)
    gap = val_err - train_err
    assert train_err < 0.15  # it memorized most of the 25% flipped labels: measured 0.07
    # measured 0.22 - 0.07 = 0.15; seeds 1-5: 0.15, 0.09, 0.18, 0.00, 0.15 (seed 4 has not yet
    # memorized the flips at step 500)
    assert gap > 0.08

    for reg in (dict(dropout=0.5), dict(l2=1e-2)):
        run, _ = train(config.replace(**reg))
        tr, va = final(run)
        assert va - tr < gap - 0.1, reg  # measured -0.125 (dropout) and -0.21 (l2); -0.25 to -0.07 over seeds
        assert va < val_err, reg  # and it generalizes better: measured 0.13 and 0.05 against 0.22
