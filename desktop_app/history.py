"""The GUI thread's record of the current run: bounded buffers the views paint from.

The worker's batches are appended here (cheap); the views read the buffers on their paint timer.
Values are the engine's numbers; the only transform is log10 for the heatmap.

Memory is bounded however long a run trains, as an oscilloscope's is: the most recent
RECENT_STEPS steps (and RECENT_EVALS evaluations) are kept at full resolution, and older ones
as a decimated history. When a buffer fills, its older part is compacted: each group of
DECIMATION columns (rows) becomes two, their element-wise minimum and maximum (NaN ignored),
at the group's first and last step, so that a spike or a dip of any age stays visible on the
curves; compacting again coarsens the oldest part further. A column's step is in `col_steps`,
an evaluation's in `evals["step"]`. The StepRecords themselves (CSV export, session save) are
the last `record_cap` steps, sized so that they take about RECORD_BYTES; a live run's are kept
pickled, a batch at a time, as it arrives (~16 µs a record): as tens of thousands of Python
objects, they made each of Python's full garbage collections take ~100 ms of the GUI thread,
every few seconds.
"""

from __future__ import annotations

import pickle
from collections import deque
from dataclasses import dataclass
from typing import Any

import numpy as np

from engine import HEALTH_NAMES, LIVE_KEYS, METRIC_NAMES, count_clipped

RECENT_STEPS = 5_000  # steps always kept at full resolution (the heatmap shows the last 2,000)
COLUMNS = 2 * RECENT_STEPS  # per-step columns held; compaction makes room when they fill
RECENT_EVALS = 1_024  # evaluations always kept at full resolution
EVAL_ROWS = 2 * RECENT_EVALS  # evaluation rows held
DECIMATION = 4  # a compaction turns each group of this many old columns into a (min, max) pair
RECORD_BYTES = 32 * 2**20  # about this much of StepRecords kept for export and session save
MIN_RECORDS, MAX_RECORDS = 2_000, 100_000  # however small or large a record is
RECORD_CHUNK = 1_024  # a batch larger than this (a replay's) is kept as it is, not pickled
LAYER_SERIES = ("dead_frac", "saturated_frac", "update_ratio")  # the insight views draw these over time
EVAL_FIELDS = ("step", "train_loss", "train_error", "val_loss", "val_error")


@dataclass(frozen=True)
class LiveChange:
    step: int
    key: str
    old: Any
    new: Any


def _compact(arrays: list[np.ndarray], steps: np.ndarray, start: int, stop: int, used: int) -> int:
    """Decimate rows [start, stop) of each array (axis 0) into (min, max) pairs per group of
    DECIMATION, move rows [stop, used) down after them, and return the rows now used."""
    k = stop - start
    groups = -(-k // DECIMATION)
    pad = groups * DECIMATION - k
    for a in arrays:
        old = a[start:stop]
        if pad:  # a short last group: repeat its last row
            old = np.concatenate([old, np.repeat(old[-1:], pad, axis=0)])
        old = old.reshape(groups, DECIMATION, *a.shape[1:])
        with np.errstate(invalid="ignore"):
            lo, hi = np.fmin.reduce(old, axis=1), np.fmax.reduce(old, axis=1)
        pairs = np.stack([lo, hi], axis=1).reshape(2 * groups, *a.shape[1:])
        tail = a[stop:used].copy()
        a[start : start + 2 * groups] = pairs
        a[start + 2 * groups : start + 2 * groups + len(tail)] = tail
        a[start + 2 * groups + len(tail) : used] = np.nan if a.dtype.kind == "f" else 0
    old_steps = steps[start:stop]
    firsts = old_steps[::DECIMATION]
    lasts = np.append(old_steps[DECIMATION - 1 :: DECIMATION], [] if k % DECIMATION == 0 else old_steps[-1:]).astype(steps.dtype)
    pair_steps = np.stack([firsts, lasts], axis=1).reshape(-1)
    tail = steps[stop:used].copy()
    steps[start : start + 2 * groups] = pair_steps
    steps[start + 2 * groups : start + 2 * groups + len(tail)] = tail
    return start + 2 * groups + len(tail)


def _drop(arrays: list[np.ndarray], start: int, k: int, used: int) -> None:
    """Remove rows [start, start + k) of each array (axis 0), moving the rest of [.., used) down."""
    for a in arrays:
        a[start : used - k] = a[start + k : used].copy()
        a[used - k : used] = np.nan if a.dtype.kind == "f" else 0


class RunHistory:
    def __init__(self, info: Any):
        config = info.config
        self.info = info  # engine.service.RunInfo: the configuration, layers and data of the run
        self.n_layers = n = info.n_layers
        self.summary: dict[str, Any] = {}  # the engine's Run.summary() as of the last batch
        self.capacity = min(config.steps, COLUMNS)  # per-step columns held
        # (layers, columns) so that a range of steps is a slice of rows the heatmap can take as is
        self.grad_log10 = np.full((n, self.capacity), np.nan, dtype=np.float32)
        self.signal_log10 = np.full((n, self.capacity), np.nan, dtype=np.float32)
        # a recurrent run's ∂L/∂h_t per step, (T, columns) as the layers' (t = 1 first); (0, columns) for an mlp
        self.n_times = getattr(info, "time_steps", 0)
        self.time_log10 = np.full((self.n_times, self.capacity), np.nan, dtype=np.float32)
        self.total_norm = np.full(self.capacity, np.nan)
        self.clipped_norm = np.full(self.capacity, np.nan)
        self.col_steps = np.zeros(self.capacity, dtype=np.int64)  # the step of each column
        self.n_cols = 0  # columns filled
        n_evals = min(config.steps // config.eval_every + 3, EVAL_ROWS)  # with step 0, step 1 and the last step
        self.evals = {name: np.full(n_evals, np.nan) for name in EVAL_FIELDS}
        # a seed band's (engine.band): its seeds, and per evaluation the lowest and highest of
        # each figure over them (the records are their medians); () and NaN for one run
        self.seeds: tuple[int, ...] = tuple(getattr(info, "seeds", ()))
        self.band_lo = {name: np.full(n_evals, np.nan) for name in (*METRIC_NAMES, *HEALTH_NAMES)}
        self.band_hi = {name: np.full(n_evals, np.nan) for name in (*METRIC_NAMES, *HEALTH_NAMES)}
        # and the median over the seeds of each seed's own unit health (engine.results.Band)
        self.band_mid = {name: np.full(n_evals, np.nan) for name in HEALTH_NAMES}
        # per evaluation and layer: (evals, layers) statistics, (evals, layers, 5) distributions
        self.layer_series = {name: np.full((n_evals, n), np.nan) for name in LAYER_SERIES}
        self.act_quantiles = np.full((n_evals, n, 5), np.nan)
        self.signal_quantiles = np.full((n_evals, n, 5), np.nan)
        self.prediction: dict[str, Any] | None = None  # engine.insight.prediction_map, latest
        self.predictions = 0  # how many maps have arrived: the view redraws when it moves
        self.n_evals = 0  # evaluation rows filled
        self.quantiles = 0  # evaluations that measured the distributions (every QUANTILE_EVERY-th), ever
        self.n = 0  # the last step recorded
        self.appended = 0  # records appended, ever (a replay's position in its session)
        self.clipped_steps = 0  # steps clipping shortened, ever (engine.count_clipped), at any threshold
        # the last record_cap StepRecords (and up to a batch more), for CSV export and sessions:
        # (count, pickled bytes) per batch, or (count, list) of a large batch handed over at once
        # (a replay's, shared with its session)
        self._chunks: deque[tuple[int, bytes | list]] = deque()
        self._kept = 0  # records in _chunks
        self.record_cap: int | None = None  # set from the first records' size
        self.changes: list[LiveChange] = []
        self.last_record = None
        self.last_eval = None
        self.best_eval = None  # the evaluation at best_step (early stopping keeps it), however old
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
        self.appended += len(records)
        done = 0
        while done < len(records):  # a replay may hand over 100,000 at once: as many as fit
            if self.n_cols == self.capacity:
                self._compact_columns()
            take = min(len(records) - done, self.capacity - self.n_cols)
            self._append_columns(records[done : done + take])
            done += take
        self._keep_records(records)
        for r in records:
            for key, new in r.changes.items():
                self.changes.append(LiveChange(r.step, key, self.live.get(key), new))
                self.live[key] = new
            ev = r.evaluation
            if ev is not None:
                if self.n_evals == len(self.evals["step"]):
                    self._compact_evals()
                j = self.n_evals
                for name in EVAL_FIELDS:
                    self.evals[name][j] = getattr(ev, name)
                if ev.band is not None:
                    for name, lo, hi in zip(METRIC_NAMES, ev.band.lo, ev.band.hi):
                        self.band_lo[name][j], self.band_hi[name][j] = lo, hi
                    for name, lo, mid, hi in zip(HEALTH_NAMES, ev.band.health_lo, ev.band.health_mid, ev.band.health_hi):
                        self.band_lo[name][j], self.band_mid[name][j], self.band_hi[name][j] = lo, mid, hi
                for name in LAYER_SERIES:
                    self.layer_series[name][j] = getattr(ev.layers, name)
                if ev.layers.act_quantiles is not None:
                    self.act_quantiles[j] = ev.layers.act_quantiles
                    self.signal_quantiles[j] = ev.layers.signal_quantiles
                    self.quantiles += 1
                self.n_evals += 1
                self.last_eval = ev
                if r.step == r.best_step:
                    self.best_eval = ev
        self.version += 1

    def _append_columns(self, records: list[Any]) -> None:
        c, k = self.n_cols, len(records)
        cols = slice(c, c + k)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            self.grad_log10[:, cols] = np.log10(np.array([r.grad_norms for r in records])).T
            traced = [i for i, r in enumerate(records) if r.signal_rms is not None]
            if traced:
                signal = np.log10(np.array([records[i].signal_rms for i in traced])).T
                self.signal_log10[:, [c + i for i in traced]] = signal
            if self.n_times:  # every record of a recurrent run carries it (one saved before it existed: none)
                timed = [i for i, r in enumerate(records) if r.time_rms is not None]
                if timed:
                    self.time_log10[:, [c + i for i in timed]] = np.log10(np.array([records[i].time_rms for i in timed])).T
        total = np.array([r.total_norm for r in records], dtype=float)
        clipped = np.array([r.clipped_norm for r in records], dtype=float)
        self.total_norm[cols], self.clipped_norm[cols] = total, clipped
        self.clipped_steps += count_clipped(total, clipped)
        self.col_steps[cols] = [r.step for r in records]
        self.n_cols += k

    def _compact_columns(self) -> None:
        """Make room: the columns older than the last RECENT_STEPS become (min, max) pairs."""
        stop = self.n_cols - min(RECENT_STEPS, self.capacity // 2)
        # the per-step arrays are (layers, columns): compact their transposed views in place
        arrays = [self.grad_log10.T, self.signal_log10.T, self.time_log10.T, self.total_norm, self.clipped_norm]
        if stop > DECIMATION:
            self.n_cols = _compact(arrays, self.col_steps, 0, stop, self.n_cols)
        else:  # a buffer too small to decimate (a run longer than it said): drop the oldest
            _drop(arrays + [self.col_steps], 0, max(1, self.n_cols // 4), self.n_cols)
            self.n_cols -= max(1, self.n_cols // 4)

    def _compact_evals(self) -> None:
        """Make room: the evaluations older than the last RECENT_EVALS (step 0 aside) become
        (min, max) pairs."""
        rows = len(self.evals["step"])
        stop = self.n_evals - min(RECENT_EVALS, rows // 2)
        fields = [self.evals[name] for name in EVAL_FIELDS if name != "step"]
        arrays = [
            *fields, *self.layer_series.values(), self.act_quantiles, self.signal_quantiles,
            *self.band_lo.values(), *self.band_hi.values(), *self.band_mid.values(),
        ]
        if stop - 1 <= DECIMATION:  # too few rows to decimate: drop the oldest (step 0 stays)
            k = max(1, (self.n_evals - 1) // 4)
            _drop([*arrays, self.evals["step"]], 1, k, self.n_evals)
            self.n_evals -= k
            return
        steps = self.evals["step"]
        int_steps = np.nan_to_num(steps).astype(np.int64)
        self.n_evals = _compact(arrays, int_steps, 1, stop, self.n_evals)
        # a band's edges: the lower edge of a group is its lowest low at both of its rows, the
        # upper its highest high (a (min, max) pair of an edge would zigzag inside the range)
        groups = -(-(stop - 1) // DECIMATION)
        with np.errstate(invalid="ignore"):
            for edges, reduce in ((self.band_lo, np.fmin), (self.band_hi, np.fmax)):
                for a in edges.values():
                    pairs = a[1 : 1 + 2 * groups].reshape(groups, 2)
                    pairs[:] = reduce(pairs[:, 0], pairs[:, 1])[:, None]
        steps[: self.n_evals] = int_steps[: self.n_evals]
        steps[self.n_evals :] = np.nan

    def _keep_records(self, records: list[Any]) -> None:
        if self.record_cap is None:  # sized once per run, from what a step and an evaluation take
            plain = next((r for r in records if r.evaluation is None), records[0])
            evaluated = next((r for r in records if r.evaluation is not None), None)
            size = len(pickle.dumps(plain)) + (len(pickle.dumps(evaluated)) / self.info.config.eval_every if evaluated else 0)
            self.record_cap = int(np.clip(RECORD_BYTES // (2 * size), MIN_RECORDS, MAX_RECORDS))  # 2: Python objects' overhead
        if len(records) > RECORD_CHUNK:  # a replay's: held as they are (its session holds them too)
            records = records[-self.record_cap :]
            self._chunks.append((len(records), list(records)))
        else:  # bytes, which the garbage collector never scans
            self._chunks.append((len(records), pickle.dumps(records, protocol=pickle.HIGHEST_PROTOCOL)))
        self._kept += len(records)
        while self._kept - self._chunks[0][0] >= self.record_cap:  # the oldest chunk is not needed
            self._kept -= self._chunks.popleft()[0]

    @property
    def records(self) -> list[Any]:
        """The last record_cap StepRecords (all of a shorter run), oldest first."""
        out: list[Any] = []
        for _, chunk in self._chunks:
            out.extend(pickle.loads(chunk) if isinstance(chunk, bytes) else chunk)
        return out[-self.record_cap :] if self.record_cap else out

    @property
    def early_stopping(self) -> bool:
        return self.live["patience"] > 0

    @property
    def decimated(self) -> bool:
        """Whether older steps are held as a decimated history (a run longer than the buffers)."""
        return self.n_cols > 0 and self.col_steps[self.n_cols - 1] - self.col_steps[0] + 1 > self.n_cols

    def eval_series(self, name: str) -> np.ndarray:
        return self.evals[name][: self.n_evals]

    def band_series(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """A seed band's lowest and highest `name` (one of engine.METRIC_NAMES or HEALTH_NAMES)
        over its seeds, per evaluation (NaN where there is none: one run, or step 0)."""
        return self.band_lo[name][: self.n_evals], self.band_hi[name][: self.n_evals]

    def band_median(self, name: str) -> np.ndarray:
        """A seed band's median over its seeds of each seed's `name` (one of HEALTH_NAMES), per
        evaluation; NaN where there is none (one run, step 0, a band saved without it)."""
        return self.band_mid[name][: self.n_evals]

    def column_of(self, step: int) -> int | None:
        """The column of 1-based `step` where it is held at full resolution, else None."""
        if self.n_cols == 0:
            return None
        col = self.n_cols - 1 - (self.n - step)
        if 0 <= col < self.n_cols and self.col_steps[col] == step and (col == 0 or self.col_steps[col - 1] == step - 1):
            return col
        return None

    @property
    def recurrent(self) -> bool:
        """Whether the run has time steps: its heatmap's second view is ∂L/∂h_t through time."""
        return self.n_times > 0

    def rows(self, signal: bool) -> np.ndarray:
        """The heatmap's (rows, columns) log10 values: the layers' weight gradients, or the second
        view: the layers' back-propagated signal (an mlp), ∂L/∂h_t at t = 1..T (a recurrent run)."""
        if not signal:
            return self.grad_log10
        return self.time_log10 if self.recurrent else self.signal_log10

    def value_at(self, signal: bool, row: int, step: int) -> float | None:
        """The raw value at 1-based row (a layer, or a time step in a recurrent run's second view)
        and step, or None outside the full-resolution range."""
        col = self.column_of(step)
        data = self.rows(signal)
        if col is None or not 1 <= row <= data.shape[0]:
            return None
        return float(10.0 ** data[row - 1, col])

