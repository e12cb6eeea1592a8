"""What a run hands out: plain records of numpy arrays and floats, with no torch in sight.

Kept apart from the trainer so that a process that only displays or writes results (the
window, the CSV writer) never loads torch.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np


class RunStatus(enum.StrEnum):
    READY = "ready"  # built, no step taken yet
    RUNNING = "running"  # at least one step taken, more to go
    COMPLETED = "completed"
    DIVERGED = "diverged"
    EARLY_STOPPED = "early_stopped"
    # stopped from outside (Ctrl+C, SIGTERM) before its end: the command line's summary.json says
    # so; its files hold every step up to the last one recorded. A Run's own status never is this.
    INTERRUPTED = "interrupted"


FINISHED = frozenset({RunStatus.COMPLETED, RunStatus.DIVERGED, RunStatus.EARLY_STOPPED})


BAND_SEEDS = 5  # how many seeds a seed band (engine.band) trains: the configuration's seed and the next four
MAX_BAND_SEEDS = 64  # the most a band (or a session file of one) may have
SEED_LIMIT = 2**63  # Config's seeds are below this: a band's next seeds wrap around


def band_seeds(seed: int, count: int = BAND_SEEDS) -> tuple[int, ...]:
    """The seeds a band of `count` trains, starting at `seed`."""
    return tuple((seed + i) % SEED_LIMIT for i in range(count))


QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)  # the bands of the distribution views
QUANTILE_EVERY = 5  # evaluations between two measurements of the distributions (they sort every layer)
STAT_NAMES = ("grad_rms", "signal_rms", "act_mean_abs", "dead_frac", "saturated_frac", "update_ratio")
#: log10 range of every gradient colour scale (the app's heatmap, sweep.png): pale at 10^-1
#: (healthy), blue toward 10^-7 (vanishing), red toward 10^5 (exploding)
LOG10_SCALE = (-7.0, 5.0)
#: apart from the scale: a gradient of exactly 0 (log10 = -inf: a dead layer, or every weight zero)
#: is no gradient at all, not a tiny one, and takes a neutral grey; +inf and NaN are black
ZERO_RGB = (128, 128, 128)
NOT_FINITE_RGB = (0, 0, 0)


@dataclass(frozen=True)
class LayerStats:
    grad_rms: np.ndarray  # (layers,) weight-gradient norm / sqrt(numel), before clipping
    signal_rms: np.ndarray  # (layers,) RMS of the per-sample dL/ds at the pre-activation
    act_mean_abs: np.ndarray  # (layers,) mean |activation| over the batch (output layer: |logits|)
    dead_frac: np.ndarray  # (layers,) units whose slope is zero for every sample of the batch
    saturated_frac: np.ndarray  # (layers,) share of unit activations in the flat part
    update_ratio: np.ndarray  # (layers,) ||W_after - W_before|| / ||W_before|| for this step
    # distributions, as the QUANTILES of each layer's values over the batch: (layers, 5); the
    # output layer's activation row is NaN (its outputs are the logits)
    act_quantiles: np.ndarray | None = None  # activations of each hidden layer
    signal_quantiles: np.ndarray | None = None  # per-sample dL/ds at each layer's pre-activation

    def rows(self) -> list[tuple[float, ...]]:
        """One tuple per layer in STAT_NAMES order."""
        return list(zip(*(getattr(self, name).tolist() for name in STAT_NAMES)))


#: summary.json keys of the untrained network's figures (step 0, before any update)
#: a Metrics' (and an Evaluation's) figures, in the order metrics.csv and session files hold them
METRIC_NAMES = ("train_loss", "train_error", "val_loss", "val_error")
INITIAL_KEYS = tuple(f"initial_{name}" for name in METRIC_NAMES)


@dataclass(frozen=True)
class Metrics:
    """Losses and errors on the whole training and validation sets at one step; step 0 is the
    untrained network, before any update."""

    step: int
    train_loss: float
    train_error: float
    val_loss: float
    val_error: float

    def as_summary(self) -> dict[str, float]:
        """The INITIAL_KEYS of a summary, for step 0."""
        return dict(zip(INITIAL_KEYS, (getattr(self, name) for name in METRIC_NAMES)))

    @classmethod
    def from_summary(cls, summary: dict[str, Any]) -> Metrics | None:
        """Step 0 as a summary holds it, or None for one written before step 0 was measured (a
        missing or null value reads as NaN)."""
        if not any(key in summary for key in INITIAL_KEYS):
            return None
        values = [summary.get(key) for key in INITIAL_KEYS]
        return cls(0, *(float(v) if isinstance(v, int | float) else math.nan for v in values))


#: the unit-health figures of a network (the Unit health view's curves over time): the mean over
#: its hidden layers of dead_frac and of saturated_frac (hidden_share)
HEALTH_NAMES = ("dead_share", "saturated_share")
HEALTH_FIELDS = ("dead_frac", "saturated_frac")  # the LayerStats field each is the mean of


def hidden_share(shares: np.ndarray) -> np.ndarray:
    """The mean over the hidden layers (every layer but the last, the output layer) of a per-layer
    share, dead_frac or saturated_frac: (..., layers) -> (...). NaN where it applies to no hidden
    layer (dead units of a tanh net, saturation of a ReLU net, an LSTM's layers)."""
    hidden = np.asarray(shares, dtype=float)[..., :-1]
    applies = np.isfinite(hidden)
    count = applies.sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, np.where(applies, hidden, 0.0).sum(axis=-1) / count, np.nan)


@dataclass(frozen=True)
class Band:
    """The lowest and highest of an evaluation's figures over the seeds of a seed band
    (engine.band), in METRIC_NAMES order, and how many seeds they are over; and for the
    HEALTH_NAMES, each seed's own figure's lowest, median and highest (the evaluation's layer
    statistics are per-layer medians, whose mean over the layers is not a seed's). A band saved
    before the health figures were kept has none: ()."""

    lo: tuple[float, ...]
    hi: tuple[float, ...]
    seeds: int
    health_lo: tuple[float, ...] = ()
    health_mid: tuple[float, ...] = ()
    health_hi: tuple[float, ...] = ()

    def of(self, name: str) -> tuple[float, float]:
        """(lowest, highest) of one of METRIC_NAMES or HEALTH_NAMES (NaN, NaN for a health figure
        the band does not have)."""
        if name in HEALTH_NAMES:
            if not self.health_lo:
                return math.nan, math.nan
            i = HEALTH_NAMES.index(name)
            return self.health_lo[i], self.health_hi[i]
        i = METRIC_NAMES.index(name)
        return self.lo[i], self.hi[i]


@dataclass(frozen=True)
class Evaluation:
    """Losses and errors on the whole training and validation sets, plus the layer statistics of
    the training step that preceded them. A seed band's (engine.band) are the medians over its
    seeds, with their range in `band`."""

    step: int
    train_loss: float
    train_error: float
    val_loss: float
    val_error: float
    layers: LayerStats
    band: Band | None = None


def count_clipped(total_norm: np.ndarray, clipped_norm: np.ndarray) -> int:
    """How many steps clipping shortened: the global norm after clipping is below the norm before.
    Both (steps,) arrays as StepRecord has them; non-finite steps (a diverged run) count as not
    clipped. It counts at whatever threshold each step had, since the threshold is live."""
    total, clipped = np.asarray(total_norm, dtype=float), np.asarray(clipped_norm, dtype=float)
    ok = np.isfinite(total) & (total > 0)
    return int(np.sum(clipped[ok] < total[ok]))


@dataclass(frozen=True)
class StepRecord:
    step: int  # 1-based
    loss: float  # minibatch data loss (no penalty terms), before this step's update
    grad_norms: np.ndarray  # (layers,) Frobenius norm of each weight gradient, before clipping
    # (layers,) RMS of the per-sample dL/ds at each layer's pre-activation; None on steps that
    # are not evaluation steps unless Run.signal_every_step is set (it costs a few percent)
    signal_rms: np.ndarray | None
    # global gradient norm over all parameters, before and after clipping (equal when it did not
    # clip); measured on every step
    total_norm: float
    clipped_norm: float
    status: RunStatus
    evaluation: Evaluation | None = None  # on evaluation steps
    changes: dict[str, Any] = field(default_factory=dict)  # live settings applied at this step
    message: str = ""  # why the run ended, on its last step
    best_step: int | None = None  # the evaluation with the lowest validation loss so far
    # (T,) a recurrent net's per-sample RMS of dL/dh_t of its top layer at t = 1..T, before
    # clipping, on every step; None for an mlp
    time_rms: np.ndarray | None = None

    @property
    def finite(self) -> bool:
        return bool(np.isfinite(self.grad_norms).all() and math.isfinite(self.loss))
