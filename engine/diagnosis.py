"""Plain-words diagnosis of a run, computed from the engine's own statistics.

`diagnose` returns findings as codes with numeric parameters; the window words them in the
learner's language. Thresholds are stated here once, so that the text and the tests agree.

What counts as a pathology:

- Gradient flow is judged by the back-propagated signal ∂L/∂s (`signal_rms`, the literature's
  measure: Glorot & Bengio 2010): the share layer 1 gets of the output layer's. It is a ratio, so
  a converged network, whose gradients are all small because its loss is small, is not vanishing.
  (The weight gradients' ratio stands in where no signal was measured.) A recurrent network's is
  judged through time instead (Bengio, Simard & Frasconi 1994): the share of ∂L/∂h_T that reaches
  h_1, T − 1 steps back (`time_rms`), with the same thresholds.
- Dead and saturated units, and vanishing or exploding ratios, are warnings only while they can be
  what blocks learning: not once the network fits its training data as well as the label noise
  allows. Dead units must also block the gradient: the signal vanishes, or a whole layer is dead
  (a dead layer of a residual network passes its input on, and does not count).
- With `label_noise` flipped training labels (validation labels are clean), a model with clean
  error e has an expected training error of noise + e·(1 − noise·K/(K−1)) on K classes: the
  floor is about the flip rate. Fit and underfitting are judged on the clean error this implies,
  and underfitting also needs a high validation error.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from engine.config import Config, Dataset
from engine.data import data_shape
from engine.results import Evaluation, RunStatus, StepRecord, count_clipped

VANISHING_RATIO = 1e-2  # layer 1 gets less than this share of the output layer's signal ∂L/∂s ...
EXPLODING_RATIO = 1e2  # ... or more than this multiple of it
EXPLODING_NORM = 1e3  # or some layer's weight-gradient norm is above this
DEAD_SHARE = 0.25  # hidden units dead, averaged over the hidden layers
SATURATED_SHARE = 0.25
OVERFIT_GAP = 0.12  # validation minus training error (classification); healthy spiral nets reach 0.11
UNDERFIT_ERROR = 0.25  # clean-equivalent training error, and validation error, still above this ...
UNDERFIT_AFTER = 500  # ... after this many steps
FITTED_ERROR = 0.1  # clean-equivalent training error at or below this: the network fits its data
# regression (error = MSE, above the noise variance): the same roles on the MSE scale of sin(x)
UNDERFIT_MSE = 0.1
FITTED_MSE = 0.02
OVERFIT_MSE_GAP = 0.05  # and validation MSE more than twice the training MSE

#: most important first, within a severity
PRIORITY = (
    "diverged",
    "no_gradient",
    "huge_gradient",
    "vanishing",
    "exploding",
    "vanishing_time",
    "exploding_time",
    "dead",
    "saturated",
    "underfitting",
    "overfitting",
    "early_stopped",
    "clipped",
    "healthy",
    "fitted",
)
SEVERITY = {"diverged": "error", "early_stopped": "info", "clipped": "info", "healthy": "info", "fitted": "info"}  # the others: warning
#: findings about how the gradient flows: where none is made for a fitted network, "fitted" says why
FLOW = frozenset({"no_gradient", "huge_gradient", "vanishing", "exploding", "vanishing_time", "exploding_time", "healthy"})
#: findings that already explain a high training error: underfitting is not added to them
BLOCKING = frozenset({"no_gradient", "vanishing", "vanishing_time", "dead"})


@dataclass(frozen=True)
class Finding:
    code: str  # one of PRIORITY
    severity: str  # "error", "warning" or "info"
    params: dict[str, Any] = field(default_factory=dict)


def _finding(code: str, **params: Any) -> Finding:
    return Finding(code, SEVERITY.get(code, "warning"), params)


def clean_error(train_error: float, label_noise: float, n_classes: int = 2) -> float:
    """The error on clean labels that `train_error`, measured on labels of which a share
    `label_noise` was flipped to another class, implies (at least 0)."""
    if label_noise <= 0:
        return train_error
    slope = 1 - label_noise * n_classes / max(n_classes - 1, 1)
    return max(0.0, (train_error - label_noise) / max(slope, 0.1))


def diagnose(
    record: StepRecord | None,
    evaluation: Evaluation | None,
    best: Evaluation | None = None,
    *,
    config: Config | None = None,
) -> list[Finding]:
    """Findings for the latest step and the latest evaluation, most important first.

    `best` is the evaluation early stopping keeps; `config` the run's configuration (its label
    noise, data set and residual connections; without it: clean two-class labels, no skips)."""
    if record is None:
        return []
    cfg = config or Config()
    if record.status is RunStatus.DIVERGED:  # what came before the non-finite step no longer matters
        bad = np.flatnonzero(~np.isfinite(record.grad_norms))
        return [_finding("diverged", step=record.step, layer=int(bad[0]) + 1 if bad.size else None)]

    out: list[Finding] = []
    stopped = record.status is RunStatus.EARLY_STOPPED and best is not None
    if stopped:
        out.append(_finding("early_stopped", step=record.step, best_step=best.step, best_val_error=best.val_error))
    # the model judged for fit: the one early stopping keeps, else the latest
    judged = best if stopped else evaluation
    fitted = judged is not None and _fitted(judged, cfg)

    g = record.grad_norms
    last = len(g)
    signal = _signal(record, evaluation)
    profile = signal if signal is not None else g
    time = record.time_rms
    huge = bool(np.isfinite(g).all() and g.max() > EXPLODING_NORM)
    if huge:
        worst = int(np.argmax(g))
        out.append(_finding("huge_gradient", exponent=math.floor(math.log10(g[worst])), layer=worst + 1))
    if time is not None:  # a recurrent net is judged through time, from h_T back to h_1
        out += _through_time(time, fitted, healthy_allowed=not huge)
    elif not huge and np.isfinite(g).all() and np.isfinite(profile).all() and (profile[-1] > 0 or g[-1] > 0):
        if profile[0] == 0 or g[0] == 0:
            if not fitted:
                out.append(_finding("no_gradient", layer=1, last=last, upto=_silent_from_input(g), dead_layer=_cut_off(evaluation, cfg)))
        elif profile[-1] > 0:
            ratio = float(profile[0] / profile[-1])
            params = {"ratio": ratio, "exponent": math.floor(math.log10(ratio)), "last": last}
            if VANISHING_RATIO <= ratio <= EXPLODING_RATIO:
                out.append(_finding("healthy", **params))
            elif not fitted:
                out.append(_finding("vanishing" if ratio < VANISHING_RATIO else "exploding", **params))

    # clipping hides the size of the gradients from the curves: say that it is at work
    if count_clipped([record.total_norm], [record.clipped_norm]):
        out.append(_finding("clipped", norm=record.total_norm, clipped=record.clipped_norm))

    if evaluation is not None:
        stats = evaluation.layers
        signal_lost = signal is not None and (signal[-1] > 0 and signal[0] / signal[-1] < VANISHING_RATIO)
        hidden_dead = stats.dead_frac[:-1]
        if not fitted and hidden_dead.size and np.isfinite(hidden_dead).all() and hidden_dead.mean() > DEAD_SHARE:
            worst = int(np.argmax(hidden_dead))
            whole_layer = hidden_dead[worst] >= 1 and not cfg.residual
            if signal_lost or whole_layer or any(f.code == "no_gradient" for f in out):
                out.append(
                    _finding(
                        "dead", share=float(hidden_dead.mean()), layer=worst + 1, layer_share=float(hidden_dead[worst])
                    )
                )
        hidden_sat = stats.saturated_frac[:-1]
        if not fitted and hidden_sat.size and np.isfinite(hidden_sat).all() and hidden_sat.mean() > SATURATED_SHARE:
            worst = int(np.argmax(hidden_sat))
            out.append(
                _finding(
                    "saturated", share=float(hidden_sat.mean()), layer=worst + 1, layer_share=float(hidden_sat[worst])
                )
            )
    if judged is not None:
        out += _fit_findings(judged, cfg, blocked=any(f.code in BLOCKING for f in out))
    if fitted and not any(f.code in FLOW for f in out):
        # a fitted network's gradients have little left to carry: their ratios are not judged
        out.append(_finding("fitted", train_error=judged.train_error, val_error=judged.val_error, regression=cfg.is_regression))
    rank = {"error": 0, "warning": 1, "info": 2}
    return sorted(out, key=lambda f: (rank[f.severity], PRIORITY.index(f.code)))


def _silent_from_input(g: np.ndarray) -> int:
    """How many layers from layer 1 up get a weight gradient of exactly 0 (at least 1)."""
    nonzero = np.flatnonzero(g != 0)
    return max(1, int(nonzero[0]) if nonzero.size else len(g))


def _cut_off(evaluation: Evaluation | None, cfg: Config) -> int | None:
    """The highest hidden layer whose units are all dead (1-based), where no skip connection
    carries the gradient past it: no gradient gets below it, and the layer above it gets only
    zeros as input; None where there is none (or no evaluation to tell)."""
    if evaluation is None or cfg.residual:
        return None
    hidden = evaluation.layers.dead_frac[:-1]
    whole = np.flatnonzero(np.isfinite(hidden) & (hidden >= 1))
    return int(whole[-1]) + 1 if whole.size else None


def _through_time(time: np.ndarray, fitted: bool, healthy_allowed: bool) -> list[Finding]:
    """The share of ∂L/∂h_T that reaches h_1, T - 1 steps back, judged as the layers' ratio is."""
    if not (np.isfinite(time).all() and time[-1] > 0):
        return []
    distance = len(time) - 1
    if time[0] == 0:  # nothing at all reaches h_1
        return [] if fitted else [_finding("vanishing_time", ratio=0.0, exponent=None, distance=distance, axis="time")]
    ratio = float(time[0] / time[-1])
    params = {"ratio": ratio, "exponent": math.floor(math.log10(ratio)), "distance": distance, "axis": "time"}
    if VANISHING_RATIO <= ratio <= EXPLODING_RATIO:
        return [_finding("healthy", **params)] if healthy_allowed else []
    if fitted:
        return []
    return [_finding("vanishing_time" if ratio < VANISHING_RATIO else "exploding_time", **params)]


def _signal(record: StepRecord, evaluation: Evaluation | None) -> np.ndarray | None:
    """The back-propagated signal of the step, or of the latest evaluation's step."""
    for signal in (record.signal_rms, evaluation.layers.signal_rms if evaluation is not None else None):
        if signal is not None and len(signal) == len(record.grad_norms) and np.isfinite(signal).all():
            return signal
    return None


def _clean_train_error(evaluation: Evaluation, cfg: Config) -> float:
    if cfg.is_regression:  # sine's noise is on y; adding's targets carry none
        return max(0.0, evaluation.train_error - (cfg.noise**2 if cfg.dataset is Dataset.SINE else 0.0))
    return clean_error(evaluation.train_error, cfg.label_noise, data_shape(cfg.dataset)[1])


def _fitted(evaluation: Evaluation, cfg: Config) -> bool:
    """The network fits its training data as well as the label noise allows."""
    return _clean_train_error(evaluation, cfg) <= (FITTED_MSE if cfg.is_regression else FITTED_ERROR)


def _fit_findings(evaluation: Evaluation, cfg: Config, blocked: bool) -> list[Finding]:
    train, val = evaluation.train_error, evaluation.val_error
    clean = _clean_train_error(evaluation, cfg)
    params = {"train_error": train, "val_error": val, "label_noise": cfg.label_noise, "regression": cfg.is_regression}
    if cfg.is_regression:
        overfit = val - train > OVERFIT_MSE_GAP and val > 2 * train and clean <= UNDERFIT_MSE
        underfit = clean > UNDERFIT_MSE and val > UNDERFIT_MSE
    else:
        # the raw gap: validation labels are clean, so with flipped training labels a model that
        # learned the true boundary has validation error below its training error
        overfit = val - train > OVERFIT_GAP and clean <= UNDERFIT_ERROR
        underfit = clean > UNDERFIT_ERROR and val > UNDERFIT_ERROR
    if overfit:
        return [_finding("overfitting", gap=val - train, **params)]
    if underfit and evaluation.step >= UNDERFIT_AFTER and not blocked:
        return [_finding("underfitting", **params)]
    return []
