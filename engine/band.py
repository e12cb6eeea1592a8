"""Seed bands: one configuration trained at several seeds at once, read as its median run.

One seed's run can mislead: whether a ReLU net's units die, or a deep sigmoid net leaves its
plateau, can hang on the draw of the weights and the data. `SeedBand` trains the configuration at
seeds s, s + 1, ... (BAND_SEEDS of them, each exactly its lone run: engine.RunStack) and hands
out, step by step, one record of the median over the seeds (of every figure, per layer) whose
evaluations carry the lowest and highest of each figure over the seeds (`Evaluation.band`): the
band the window draws around each curve, so a learner sees whether an effect is the rule or one
seed's luck.

A seed whose run has ended still counts: an early-stopped one with its last figures (its network
no longer changes). A diverged one has no finite figures to count: from the step it diverged on,
the median and the band are those of the other seeds, and the band's message and summary say
which seeds diverged and when. The band ends when its last seed does.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from engine.config import Config
from engine.results import (
    BAND_SEEDS,
    HEALTH_FIELDS,
    MAX_BAND_SEEDS,
    METRIC_NAMES,
    STAT_NAMES,
    Band,
    Evaluation,
    LayerStats,
    Metrics,
    RunStatus,
    StepRecord,
    band_seeds,
    hidden_share,
)
from engine.stack import RunStack
from engine.trainer import Run


def _median(values: list[np.ndarray]) -> np.ndarray:
    """Element-wise median over the seeds, NaN ignored (NaN where every seed has NaN): what
    np.nanmedian gives, without its masked arrays (a third of a band's step) where there is no NaN."""
    a = np.stack(values).astype(float, copy=False)
    k = len(a)
    if not np.isnan(a).any():
        a.sort(axis=0)
        return a[k // 2] if k % 2 else (a[k // 2 - 1] + a[k // 2]) / 2
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN slices: NaN, as meant
        return np.nanmedian(a, axis=0)


def _scalar_median(values: list[float]) -> float:
    """The median of the finite `values` (NaN if none), as np.median gives it."""
    v = sorted(x for x in map(float, values) if math.isfinite(x))
    k = len(v)
    if not k:
        return math.nan
    return v[k // 2] if k % 2 else (v[k // 2 - 1] + v[k // 2]) / 2


def _layer_median(step: int, evaluations: list[Evaluation]) -> LayerStats:
    """The median of each statistic; the distributions (measured every QUANTILE_EVERY-th
    evaluation) of the seeds that measured them at this step, None if none did."""
    fields = {name: _median([getattr(e.layers, name) for e in evaluations]) for name in STAT_NAMES}
    for name in ("act_quantiles", "signal_quantiles"):
        got = [getattr(e.layers, name) for e in evaluations if e.step == step and getattr(e.layers, name) is not None]
        fields[name] = _median(got) if got else None
    return LayerStats(**fields)


def _evaluation_median(step: int, evaluations: list[Evaluation], seeds: int) -> Evaluation:
    """The median evaluation of `evaluations` (one per seed counted), its band over them;
    `seeds`: the band's size (counted or not)."""
    figures = np.array([[getattr(e, name) for name in METRIC_NAMES] for e in evaluations], dtype=float)
    median = _median(list(figures))
    # each seed's unit health: the mean over its own hidden layers (NaN where it does not apply)
    health = np.stack([hidden_share([getattr(e.layers, name) for e in evaluations]) for name in HEALTH_FIELDS], axis=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        lo, hi = np.nanmin(figures, axis=0), np.nanmax(figures, axis=0)
        health_lo, health_hi = np.nanmin(health, axis=0), np.nanmax(health, axis=0)
    health_mid = _median(list(health))
    return Evaluation(step, *map(float, median), _layer_median(step, evaluations),
                      band=Band(tuple(map(float, lo)), tuple(map(float, hi)), seeds,
                                *(tuple(map(float, v)) for v in (health_lo, health_mid, health_hi))))


class SeedBand:
    """BAND_SEEDS runs of one configuration, stepped together, read as one median run.

    It answers what the training process asks of a Run: `step()` (the median record),
    `finished`, `status`, `summary()`, `set_live`, `signal_every_step`, and the run's shape
    (layer names and sizes, device, time steps, model). `runs[0]`, the configuration's own seed,
    is the network whose predictions the window maps (`shown`), until it diverges."""

    def __init__(self, config: Config, seeds: int = BAND_SEEDS, **run_options: Any):
        if not 2 <= seeds <= MAX_BAND_SEEDS:
            raise ValueError(f"a band has 2 to {MAX_BAND_SEEDS} seeds, not {seeds}")
        self.config = config
        self.seeds = band_seeds(config.seed, seeds)
        self.runs = [Run(config.replace(seed=s), **run_options) for s in self.seeds]
        self.stack = RunStack(self.runs)
        first = self.runs[0]
        self.layer_names, self.layer_sizes, self.device = first.layer_names, first.layer_sizes, first.device
        self.data, self.time_names, self.model = first.data, first.time_names, first.model
        self.initial = Metrics(0, *(_scalar_median([getattr(r.initial, n) for r in self.runs]) for n in METRIC_NAMES))
        self.step_count = 0
        self.status = RunStatus.READY
        self.message = ""
        self._latest: list[StepRecord | None] = [None] * seeds  # each seed's last record
        self._evaluation: list[Evaluation | None] = [None] * seeds  # each seed's last evaluation
        self._diverged: dict[int, int] = {}  # seed -> the step it diverged on

    # --- what the training process reads of a run ---------------------------------------------
    @property
    def finished(self) -> bool:
        return self.stack.finished

    @property
    def signal_every_step(self) -> bool:
        return self.runs[0].signal_every_step

    @signal_every_step.setter
    def signal_every_step(self, on: bool) -> None:
        for run in self.runs:
            run.signal_every_step = on

    def set_live(self, **changes: Any) -> None:
        """Every seed's run takes the change before the same step (all or none)."""
        self.stack.set_live(**changes)

    @property
    def shown(self) -> Run:
        """The network whose predictions the window maps: the first seed that has not diverged
        (the first seed if all have)."""
        return next((r for r in self.runs if r.status != RunStatus.DIVERGED), self.runs[0])

    # --- a step -----------------------------------------------------------------------------------
    def step(self) -> StepRecord:
        """Step every seed that has not ended; the median record of this step."""
        if self.finished:
            raise RuntimeError(f"the band has ended ({self.status.value}); start a new one")
        got = self.stack.step()
        step = next(r.step for r in got if r is not None)
        for i, record in enumerate(got):
            if record is None:
                continue
            self._latest[i] = record
            if record.evaluation is not None:
                self._evaluation[i] = record.evaluation
            if record.status == RunStatus.DIVERGED:
                self._diverged[self.seeds[i]] = record.step
        self.step_count = step
        counted = [i for i, r in enumerate(self._latest) if r is not None and self.seeds[i] not in self._diverged]
        if self.finished:
            self.status, self.message = self._ending()
        else:
            self.status = RunStatus.RUNNING
        changes = next((r.changes for r in got if r is not None and r.changes), {})
        if not counted:  # every seed diverged: the last record of each, as it is
            counted = list(range(len(self.runs)))
        latest = [self._latest[i] for i in counted]
        evaluated = any(r is not None and r.evaluation is not None for r in got)
        evaluation = None
        if evaluated:
            evaluations = [self._evaluation[i] for i in counted if self._evaluation[i] is not None]
            evaluation = _evaluation_median(step, evaluations, len(self.runs)) if evaluations else None
        # traced at this step, or (an early-stopped seed) at its last
        signal = [r.signal_rms for r in latest if r.signal_rms is not None]
        times = [r.time_rms for r in latest if r.time_rms is not None]
        return StepRecord(
            step,
            _scalar_median([r.loss for r in latest]),
            _median([r.grad_norms for r in latest]),
            _median(signal) if signal else None,
            _scalar_median([r.total_norm for r in latest]),
            _scalar_median([r.clipped_norm for r in latest]),
            self.status,
            evaluation,
            changes=dict(changes),
            message=self.message,
            time_rms=_median(times) if times else None,
        )

    def _ending(self) -> tuple[RunStatus, str]:
        """The band's status once every seed has ended, and a message that names each seed's end.
        Diverged only if every seed diverged (the median of the others is finite, and what the
        window reads as a divergence is a step whose figures are not); completed if any seed
        completed, else early-stopped."""
        statuses = [r.status for r in self.runs]
        order = (RunStatus.DIVERGED, RunStatus.EARLY_STOPPED, RunStatus.COMPLETED)
        if all(s == RunStatus.DIVERGED for s in statuses):
            status = RunStatus.DIVERGED
        else:
            status = RunStatus.COMPLETED if RunStatus.COMPLETED in statuses else RunStatus.EARLY_STOPPED
        parts = []
        for s in order:
            seeds = [seed for seed, st in zip(self.seeds, statuses) if st == s]
            if seeds:
                where = ", ".join(f"{seed} (step {self._diverged[seed]})" if s == RunStatus.DIVERGED else str(seed) for seed in seeds)
                parts.append(f"{s.value.replace('_', ' ')}: seed{'s' if len(seeds) > 1 else ''} {where}")
        return status, f"{len(self.runs)} seeds; " + "; ".join(parts)

    # --- the summary --------------------------------------------------------------------------
    def summary(self) -> dict[str, Any]:
        """The first seed's summary with the band's status, message and steps, and each figure
        the median over the seeds that did not diverge (the seeds' own statuses and final
        validation errors beside it)."""
        each = [r.summary() for r in self.runs]
        out = dict(each[0])
        counted = [s for s in each if s["status"] != RunStatus.DIVERGED.value] or each

        def median(key: str) -> float | None:
            values = [s[key] for s in counted if isinstance(s.get(key), int | float)]
            m = _scalar_median(values) if values else float("nan")
            return m if np.isfinite(m) else None

        for key in ("final_train_loss", "final_train_error", "final_val_loss", "final_val_error",
                    "best_val_error", "best_val_loss", "measured_log10_signal_slope", "measured_log10_time_slope"):
            out[key] = median(key)
        out.update(self.initial.as_summary())
        out.update(
            status=self.status.value,
            message=self.message,
            steps_run=self.step_count,
            diverged_at=min(self._diverged.values()) if self._diverged else None,
            best_step=None,  # each seed has its own
            seeds=list(self.seeds),
            seed_statuses=[s["status"] for s in each],
            seed_final_val_errors=[s["final_val_error"] for s in each],
        )
        return out
