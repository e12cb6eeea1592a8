"""The GUI thread's record of the current run: preallocated buffers the views paint from.

The worker's batches are appended here (cheap); the views read the buffers on their paint timer.
Values are the engine's numbers; the only transform is log10 for the heatmap.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from engine import LIVE_KEYS, count_clipped

MAX_STEPS = 100_000  # steps kept for the views and CSV export; a longer run trains on unrecorded
LAYER_SERIES = ("dead_frac", "saturated_frac", "update_ratio")  # the insight views draw these over time
EVAL_FIELDS = ("step", "train_loss", "train_error", "val_loss", "val_error")


@dataclass(frozen=True)
class LiveChange:
    step: int
    key: str
    old: Any
    new: Any


class RunHistory:
    def __init__(self, info: Any):
        config = info.config
        self.info = info  # engine.service.RunInfo: the configuration, layers and data of the run
        self.n_layers = info.n_layers
        self.summary: dict[str, Any] = {}  # the engine's Run.summary() as of the last batch
        self.capacity = min(config.steps, MAX_STEPS)
        # (layers, steps) so that a range of steps is a slice of rows the heatmap can take as is
        self.grad_log10 = np.full((self.n_layers, self.capacity), np.nan, dtype=np.float32)
        self.signal_log10 = np.full((self.n_layers, self.capacity), np.nan, dtype=np.float32)
        self.total_norm = np.full(self.capacity, np.nan)
        self.clipped_norm = np.full(self.capacity, np.nan)
        n_evals = self.capacity // config.eval_every + 3  # with step 0, step 1 and the last step
        self.evals = {name: np.full(n_evals, np.nan) for name in EVAL_FIELDS}
        n = self.n_layers
        # per evaluation and layer: (evals, layers) statistics, (evals, layers, 5) distributions
        self.layer_series = {name: np.full((n_evals, n), np.nan) for name in LAYER_SERIES}
        self.act_quantiles = np.full((n_evals, n, 5), np.nan)
        self.signal_quantiles = np.full((n_evals, n, 5), np.nan)
        self.prediction: dict[str, Any] | None = None  # engine.insight.prediction_map, latest
        self.predictions = 0  # how many maps have arrived: the view redraws when it moves
        self.n_evals = 0
        self.n = 0  # steps recorded
        self.records: list[Any] = []  # the StepRecords themselves, for CSV export
        self.changes: list[LiveChange] = []
        self.last_record = None
        self.last_eval = None
        self.best_step: int | None = None  # the engine's pick (lowest validation loss)
        self.live = {key: getattr(config, key) for key in LIVE_KEYS}  # as of the last recorded step
        self.version = 0  # bumped on every append; views repaint when it moved
        initial = getattr(info, "initial", None)  # step 0, the untrained network: the curves start there
        if initial is not None:
            for name in EVAL_FIELDS:
                self.evals[name][0] = getattr(initial, name)
            self.n_evals = 1  # its layer statistics stay NaN: no step has been taken

    def append(self, records: list[Any]) -> None:
        if not records:
            return
        self.n = records[-1].step
        self.last_record = records[-1]
        self.best_step = records[-1].best_step
        kept = [r for r in records if r.step <= self.capacity]
        if kept:
            cols = np.array([r.step - 1 for r in kept])
            with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
                self.grad_log10[:, cols] = np.log10(np.array([r.grad_norms for r in kept])).T
                traced = [r for r in kept if r.signal_rms is not None]
                if traced:
                    signal = np.log10(np.array([r.signal_rms for r in traced])).T
                    self.signal_log10[:, [r.step - 1 for r in traced]] = signal
            self.total_norm[cols] = [r.total_norm for r in kept]
            self.clipped_norm[cols] = [r.clipped_norm for r in kept]
            self.records.extend(kept)
        for r in kept:
            for key, new in r.changes.items():
                self.changes.append(LiveChange(r.step, key, self.live.get(key), new))
                self.live[key] = new
            ev = r.evaluation
            if ev is not None:
                j = self.n_evals
                for name in EVAL_FIELDS:
                    self.evals[name][j] = getattr(ev, name)
                for name in LAYER_SERIES:
                    self.layer_series[name][j] = getattr(ev.layers, name)
                if ev.layers.act_quantiles is not None:
                    self.act_quantiles[j] = ev.layers.act_quantiles
                    self.signal_quantiles[j] = ev.layers.signal_quantiles
                self.n_evals += 1
                self.last_eval = ev
        self.version += 1

    @property
    def early_stopping(self) -> bool:
        return self.live["patience"] > 0

    def eval_series(self, name: str) -> np.ndarray:
        return self.evals[name][: self.n_evals]

    def value_at(self, signal: bool, layer: int, step: int) -> float | None:
        """The raw value at 1-based layer and step, or None outside the recorded range."""
        if not (1 <= layer <= self.n_layers and 1 <= step <= min(self.n, self.capacity)):
            return None
        return float(10.0 ** (self.signal_log10 if signal else self.grad_log10)[layer - 1, step - 1])

    @property
    def clipped_steps(self) -> int:
        """Recorded steps that clipping shortened (engine.count_clipped), at any threshold."""
        n = min(self.n, self.capacity)
        return count_clipped(self.total_norm[:n], self.clipped_norm[:n])
