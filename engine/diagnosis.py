"""Plain-words diagnosis of a run, computed from the engine's own statistics.

`diagnose` returns findings as codes with numeric parameters; the window words them in the
learner's language. Thresholds are stated here once, so that the text and the tests agree.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from engine.results import Evaluation, RunStatus, StepRecord

VANISHING_RATIO = 1e-2  # layer 1 gets less than this share of the output layer's gradient
EXPLODING_RATIO = 1e2  # or more than this multiple of it
EXPLODING_NORM = 1e3  # or some layer's gradient norm is above this
DEAD_SHARE = 0.25  # hidden units dead, averaged over the hidden layers
SATURATED_SHARE = 0.25
OVERFIT_GAP = 0.1  # validation minus training error (classification)
UNDERFIT_ERROR = 0.2  # training error still above this ...
UNDERFIT_AFTER = 500  # ... after this many steps


@dataclass(frozen=True)
class Finding:
    code: str  # diverged, early_stopped, huge_gradient, vanishing, exploding, no_gradient, healthy, dead,
    # saturated, overfitting, underfitting
    severity: str  # "error", "warning" or "info"
    params: dict[str, Any] = field(default_factory=dict)


def diagnose(record: StepRecord | None, evaluation: Evaluation | None, best: Evaluation | None = None) -> list[Finding]:
    """Findings for the latest step and the latest evaluation, most severe first."""
    if record is None:
        return []
    out: list[Finding] = []
    if record.status is RunStatus.DIVERGED:
        bad = np.flatnonzero(~np.isfinite(record.grad_norms))
        out.append(Finding("diverged", "error", {"step": record.step, "layer": int(bad[0]) + 1 if bad.size else None}))
    elif record.status is RunStatus.EARLY_STOPPED and best is not None:
        out.append(Finding("early_stopped", "info", {"step": record.step, "best_step": best.step, "best_val_error": best.val_error}))

    g = record.grad_norms
    last = len(g)
    finite = bool(np.isfinite(g).all())
    if finite and g.max() > EXPLODING_NORM:
        worst = int(np.argmax(g))
        out.append(Finding("huge_gradient", "warning", {"exponent": math.floor(math.log10(g[worst])), "layer": worst + 1}))
    elif finite and record.status is not RunStatus.DIVERGED:
        if g[0] == 0 and g[-1] > 0:
            out.append(Finding("no_gradient", "warning", {"layer": 1, "last": last}))
        elif g[-1] > 0:
            ratio = float(g[0] / g[-1])
            exponent = math.floor(math.log10(ratio)) if ratio > 0 else None
            params = {"ratio": ratio, "exponent": exponent, "last": last}
            if ratio < VANISHING_RATIO:
                out.append(Finding("vanishing", "warning", params))
            elif ratio > EXPLODING_RATIO:
                out.append(Finding("exploding", "warning", params))
            else:
                out.append(Finding("healthy", "info", params))

    if evaluation is not None:
        stats = evaluation.layers
        hidden_dead = stats.dead_frac[:-1]
        if hidden_dead.size and np.isfinite(hidden_dead).all() and hidden_dead.mean() > DEAD_SHARE:
            worst = int(np.argmax(hidden_dead))
            out.append(Finding("dead", "warning", {"share": float(hidden_dead.mean()), "layer": worst + 1, "layer_share": float(hidden_dead[worst])}))
        hidden_sat = stats.saturated_frac[:-1]
        if hidden_sat.size and np.isfinite(hidden_sat).all() and hidden_sat.mean() > SATURATED_SHARE:
            worst = int(np.argmax(hidden_sat))
            out.append(Finding("saturated", "warning", {"share": float(hidden_sat.mean()), "layer": worst + 1, "layer_share": float(hidden_sat[worst])}))
        gap = evaluation.val_error - evaluation.train_error
        if gap > OVERFIT_GAP:
            params = {"train_error": evaluation.train_error, "val_error": evaluation.val_error, "gap": gap}
            if best is not None and best.step < evaluation.step:
                params["best_step"] = best.step
            out.append(Finding("overfitting", "warning", params))
        elif evaluation.step >= UNDERFIT_AFTER and evaluation.train_error > UNDERFIT_ERROR:
            out.append(Finding("underfitting", "warning", {"train_error": evaluation.train_error, "val_error": evaluation.val_error}))
    order = {"error": 0, "warning": 1, "info": 2}
    return sorted(out, key=lambda f: order[f.severity])
