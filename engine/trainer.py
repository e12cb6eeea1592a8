"""The instrumented training run.

`Run` trains one network one step at a time and hands out plain data (numpy arrays, floats),
never tensors. It knows nothing of who drives it: the command line iterates it, the desktop app
steps it from a worker thread and changes its live settings between steps with `set_live`.
"""

from __future__ import annotations

import functools
import math
import os
import threading
from collections.abc import Iterator
from typing import Any, NamedTuple

import numpy as np
import torch
import torch.nn.functional as F

from engine.choices import OPTIMIZERS
from engine.config import LIVE_KEYS, Config, ConfigError, Device
from engine.data import DataSplit, make_data
from engine.models import Generators, Penalties, Traced, bind_parameters, build_model, data_loss, flatten_parameters
from engine.optim import FlatOptimizer
from engine.results import FINISHED, QUANTILE_EVERY, Evaluation, LayerStats, Metrics, RunStatus, StepRecord
from engine.stats import layer_stats
from engine.theory import (
    measured_log10_signal_slope,
    measured_log10_time_slope,
    predicted_log10_signal_slope,
    predicted_log10_time_slope,
)

#: torch intra-op threads on the CPU. These nets are small: a second thread gains little, and on a
#: busy machine (the window's own thread, a second run) OpenMP's spinning threads made training
#: 10-100x slower. VANISHING_POINT_THREADS overrides it.
CPU_THREADS = int(os.environ.get("VANISHING_POINT_THREADS", "1"))



def resolve_device(device: Device) -> torch.device:
    cuda = torch.cuda.is_available()
    mps = getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available()
    if device is Device.AUTO:
        return torch.device("cuda" if cuda else "mps" if mps else "cpu")
    if (device is Device.CUDA and not cuda) or (device is Device.MPS and not mps):
        raise ConfigError(f"device = {device.value!r} is not available on this machine: use auto or cpu")
    return torch.device(device.value)


#: the live settings that every network of a stack shares (engine.stack reads them once)
STACK_SHARED_LIVE_KEYS = frozenset({"lr", "l1", "l2", "dropout"})

#: A norm below this may have lost its value to float32: the squares of elements under about
#: 1e-19 are subnormal, under about 1e-23 zero. (A 512x512 layer of 1e-19 elements: 5e-17.)
TINY_NORM = 1e-15


def _rescue_tiny(norms: list[float], tensors: torch.Tensor | list[torch.Tensor]) -> list[float]:
    """`norms` of `tensors` (the rows of one tensor, or a list), with each one under TINY_NORM
    measured again from its tensor divided by its largest |element|, so that a vanishing gradient
    reads as its size rather than as too little or 0."""
    if not norms or min(norms) >= TINY_NORM:  # the common case, at a glance (a NaN is never tiny)
        return norms
    tiny = [i for i, v in enumerate(norms) if v < TINY_NORM]
    if not tiny:
        return norms
    if isinstance(tensors, torch.Tensor):  # rows of one tensor: a dead net's zero rows cost no copy
        rows = tensors.flatten(1)
        peaks = torch.maximum(rows.amax(dim=1), rows.amin(dim=1).neg_())  # read-only
        tiny = [i for i, peak in zip(tiny, peaks[tiny].tolist()) if peak > 0]  # zeros: 0 stands
        fixed = _scaled_norms(rows[tiny], peaks[tiny]) if tiny else []
    else:
        fixed = [v for i in tiny for v in _scaled_norms(tensors[i].reshape(1, -1))]
    norms = list(norms)
    for i, v in zip(tiny, fixed):
        norms[i] = v
    return norms


def _scaled_norms(rows: torch.Tensor, peaks: torch.Tensor | None = None) -> list[float]:
    """The 2-norm of each row, computed on the row divided by its largest |element| (`peaks`)."""
    if peaks is None:
        peaks = rows.abs().amax(dim=1)
    scale = peaks.clamp_min(torch.finfo(rows.dtype).tiny).unsqueeze(1)
    return (torch.linalg.vector_norm(rows / scale, dim=1) * scale.squeeze(1)).tolist()


class _Plan(NamedTuple):
    """What a step measures, decided before its passes (Run._begin_step)."""

    step: int
    changes: dict[str, Any]  # live changes applied before it
    instrument: bool  # statistics and an evaluation
    quantiles: bool  # the distributions among the statistics
    trace: bool  # dL/ds of every layer
    penalties: Penalties


class _Checked(NamedTuple):
    """A step's gradient before the update (Run._check_gradients)."""

    loss: float
    grad_norms: np.ndarray
    signal_rms: np.ndarray | None
    time_rms: np.ndarray | None
    total: float  # the global norm before clipping
    clipped: float  # and after
    before: torch.Tensor | None  # the weights before the update, when instrumented


class Run:
    """One training run. Not thread-safe except `set_live`, which any thread may call."""

    def __init__(self, config: Config, data: DataSplit | None = None, keep_history: bool = True):
        """`data` replaces the points `make_data(config)` draws (cross-validation's folds).
        `keep_history=False` keeps only the latest evaluation in `evaluations` (and the best in
        `best`): for a consumer that streams the records (the command line, a sweep's cells),
        so that a long run's memory does not grow by one Evaluation (~2 KB) per evaluation."""
        self.config = config  # the current configuration, live changes included
        self.initial_config = config
        self.device = resolve_device(config.device)
        if self.device.type == "cpu" and torch.get_num_threads() != CPU_THREADS:
            torch.set_num_threads(CPU_THREADS)
        self.data: DataSplit = make_data(config) if data is None else data
        # weights are drawn on the CPU, so that they do not depend on the device
        generators = Generators(
            init=torch.Generator().manual_seed(config.seed), dropout=torch.Generator(self.device).manual_seed(config.seed + 1)
        )
        self.model = build_model(config, self.data.n_inputs, self.data.n_outputs, generators).to(self.device)
        self._batch_gen = torch.Generator().manual_seed(config.seed + 2)

        d = self.data
        self.x_train = torch.from_numpy(d.x_train).to(self.device)
        self.y_train = torch.from_numpy(d.y_train).to(self.device)
        self.x_val = torch.from_numpy(d.x_val).to(self.device)
        self.y_val = torch.from_numpy(d.y_val).to(self.device)
        self.batch_size = min(config.batch_size, d.x_train.shape[0])
        self._perm = torch.empty(0, dtype=torch.long)
        self._perm_pos = self.x_train.shape[0]  # forces a shuffle before the first batch
        # the training set in this epoch's order, cut into its batches (views), made once an epoch
        self._epoch: tuple[torch.Tensor, tuple[torch.Tensor, ...], tuple[torch.Tensor, ...]] | None = None  # (perm, xs, ys)
        # the training and validation sets end to end: an evaluation is one forward pass
        self._n_fit = self.x_train.shape[0]
        self._y_eval = torch.cat([self.y_train, self.y_val])
        # (a sequence model's predict takes them in chunks: Model.eval_batch)
        self._x_eval = torch.cat([self.x_train, self.x_val])

        self.weights, others = self.model.parameter_groups()
        self.params = self.weights + others
        # row i of each: layer i+1's weight matrix, then one row for every other parameter
        self._param_rows, self._grad_rows = flatten_parameters(self.weights, others)
        self._weight_rows = self._param_rows[: len(self.weights)]  # a view: it follows the updates
        self._grads = [p.grad for p in self.params]
        # one update for every parameter at once (engine.optim): torch.optim's rules, op for op
        self.optimizer = FlatOptimizer(OPTIMIZERS[config.optimizer], self._param_rows, self._grad_rows, config.lr)
        self.n_layers = len(self.weights)
        self.layer_names = self.model.probe_labels()
        self.layer_sizes = [tuple(w.shape[::-1]) for w in self.weights]  # (fan_in, fan_out)
        self._rms_scale = 1 / np.sqrt([w.numel() for w in self.weights])  # norm -> RMS
        # dL/ds of a mean loss is 1/batch of each sample's own: norm -> per-sample RMS
        self._per_sample = np.sqrt(self.batch_size / np.array(self.model.probe_units(), dtype=np.float64))
        # the time probes (a recurrent net's top-layer states h_1..h_T): dL/dh_t on every step
        self.time_steps = self.model.time_steps
        self.time_names = self.model.time_labels()
        self._time_per_sample = np.sqrt(self.batch_size / self.model.hidden) if self.time_steps else 0.0
        self._on_cpu = self.device.type == "cpu"
        # dL/dh_t's norms are taken in float64, where the squares of a vanishing gradient's values
        # cannot underflow (no rescue needed); MPS has no float64: float32 and _rescue_tiny there
        self._time_norm_dtype = torch.float32 if self.device.type == "mps" else torch.float64

        self._stack: object | None = None  # the engine.stack group this run trains in, if any
        self.signal_every_step = False  # trace dL/ds on every step, not only on evaluation steps
        self.step_count = 0
        self.status = RunStatus.READY
        self.message = ""
        self.diverged_at: int | None = None
        self.keep_history = keep_history
        self.evaluations: list[Evaluation] = []  # every evaluation; only the latest without keep_history
        self._measured_slope: float | None = None  # of signal_rms at step 1 (engine.theory)
        self._measured_time_slope: float | None = None  # of time_rms at step 1
        self.best: Evaluation | None = None  # the evaluation with the lowest validation loss
        self._evals_since_best = 0
        self._pending: dict[str, Any] = {}
        self._penalties = Penalties(config.l1, config.l2)  # follows the live l1 and l2
        self._lock = threading.Lock()
        # an Elman network's recurrent spectral radius per layer before training (None otherwise)
        self.initial_spectral_radius = self.model.spectral_radius()
        # the untrained network on the whole sets (step 0): curves start here, before any update
        self.initial = Metrics(0, *self._metrics())

    # --- control ---------------------------------------------------------------------------
    @property
    def finished(self) -> bool:
        return self.status in FINISHED

    def set_live(self, **changes: Any) -> None:
        """Change live settings (lr, l1, l2, dropout, clip_norm, patience); they apply before the
        next step. Raises ConfigError for a structural key or a bad value, changing nothing."""
        self._set_live(changes, from_stack=False)

    def _set_live(self, changes: dict[str, Any], from_stack: bool) -> None:
        self.config.replace(**{k: v for k, v in changes.items() if k not in LIVE_KEYS})  # unknown keys: ConfigError
        structural = sorted(set(changes) - LIVE_KEYS)
        if structural:
            raise ConfigError(
                f"{', '.join(structural)} cannot change during a run (only {', '.join(sorted(LIVE_KEYS))} can): "
                "start a new run with the new value"
            )
        shared = sorted(set(changes) & STACK_SHARED_LIVE_KEYS)
        if shared and self._stack is not None and not from_stack:
            raise ConfigError(
                f"{', '.join(shared)} of a run in a stack of networks is the whole stack's: change it with RunStack.set_live"
            )
        with self._lock:
            self.config.replace(**{**self._pending, **changes})  # validate before accepting
            self._pending.update(changes)

    def _move_parameters(self, rows: torch.Tensor, grad_rows: torch.Tensor, optimizer: FlatOptimizer) -> None:
        """Make the parameters views into `rows` and their gradients into `grad_rows` (the flat
        buffer's layout; engine.stack moves a network into a stack's buffer and back out), with
        `optimizer` the update that now owns them."""
        bind_parameters(self.weights, self.params[len(self.weights) :], rows, grad_rows)
        self._param_rows, self._grad_rows = rows, grad_rows
        self._weight_rows = rows[: self.n_layers]
        self._grads = [p.grad for p in self.params]
        self.optimizer = optimizer
        self.model.storage_moved()

    def _apply_pending(self) -> dict[str, Any]:
        if not self._pending:  # the common case, without taking the lock
            return {}
        with self._lock:
            pending, self._pending = self._pending, {}
        applied = {k: v for k, v in pending.items() if getattr(self.config, k) != v}
        if applied:
            self.config = self.config.replace(**applied)
            self._penalties = Penalties(self.config.l1, self.config.l2)
            self.optimizer.lr = self.config.lr
            self.model.dropout = self.config.dropout
        return applied

    def __iter__(self) -> Iterator[StepRecord]:
        while not self.finished:
            yield self.step()

    # --- one step --------------------------------------------------------------------------
    def _advance(self) -> int | None:
        """Move to the next batch's place in this epoch's order: its start, or None when a batch
        is the whole training set. A new epoch draws a new order; its short remainder is dropped."""
        n, size = self._n_fit, self.batch_size
        if size >= n:
            return None
        if self._perm_pos + size > n:
            self._perm = torch.randperm(n, generator=self._batch_gen)
            self._perm_pos = 0
        start = self._perm_pos
        self._perm_pos = start + size
        return start

    def _next_batch(self) -> torch.Tensor:
        """The next batch's indices into the training set (the benchmarks' plain loops use them)."""
        start = self._advance()
        if start is None:
            return torch.arange(self._n_fit)
        return self._perm[start : start + self.batch_size]

    def _next_xy(self) -> tuple[torch.Tensor, torch.Tensor]:
        """The next batch's inputs and targets, the points `_next_batch` would pick, as slices of
        the training set reordered once per epoch (one copy an epoch instead of one a step), cut
        into the epoch's batches at once (one op an epoch instead of two a step)."""
        start = self._advance()
        if start is None:
            return self.x_train, self.y_train
        if self._epoch is None or self._epoch[0] is not self._perm:
            order = self._perm.to(self.device)
            size = self.batch_size
            self._epoch = (self._perm, self.x_train.index_select(0, order).split(size), self.y_train.index_select(0, order).split(size))
        _, xs, ys = self._epoch
        i = start // self.batch_size  # an epoch's batches start at multiples of the size
        return xs[i], ys[i]

    def _loss(self, out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return data_loss(out, y, self.data.is_regression)

    def step(self) -> StepRecord:
        if self._stack is not None:
            raise RuntimeError("this run trains in a stack of networks: step the stack (engine.stack)")
        plan = self._begin_step()
        x, y = self._next_xy()
        # the forward pass, then the objective's gradient into the flat buffer's rows, with dL/ds
        # of every layer when traced (pre-activation probes) and dL/dh_t of the time probes
        traced = self.model.loss_and_gradients(x, y, self.data.is_regression, plan.penalties, plan.trace, plan.instrument)
        checked = self._check_gradients(plan, traced)
        if isinstance(checked, StepRecord):  # diverged: no update
            return checked
        self.optimizer.step()
        return self._finish_step(plan, traced, checked)

    # A step in three parts around the model's passes and the update, so that a stack of networks
    # (engine.stack) runs each network's own parts around one stacked pass and one update.
    def _begin_step(self) -> _Plan:
        """Apply pending live changes and say what this step measures."""
        if self.finished:
            raise RuntimeError(f"the run has ended ({self.status.value}); start a new one")
        changes = self._apply_pending()
        cfg = self.config
        t = self.step_count + 1
        instrument = t == 1 or t % cfg.eval_every == 0 or t == cfg.steps
        # the distributions (sorting every layer's values) are the heaviest statistic: every
        # QUANTILE_EVERY-th evaluation, and on the first
        quantiles = instrument and (t == 1 or (t // cfg.eval_every) % QUANTILE_EVERY == 0)
        if not self.model.training:  # train() walks every module: not on every step
            self.model.train()
        trace = instrument or self.signal_every_step
        return _Plan(t, changes, instrument, quantiles, trace, self._penalties)

    def _check_gradients(
        self, plan: _Plan, traced: Traced, measured: tuple[float, list[float]] | None = None
    ) -> _Checked | StepRecord:
        """The gradient's norms before clipping, then the clipping; a diverged step's record
        instead when the loss or the gradient is not finite. `measured`: the loss and the norm
        of each row of the gradient buffer, where a stack took them for all its networks at once."""
        t, instrument, trace = plan.step, plan.instrument, plan.trace
        if instrument and not all(p.grad is g for p, g in zip(self.params, self._grads)):  # checked now and then
            raise RuntimeError("a parameter's .grad was replaced: gradients must stay views into the flat buffer")
        loss, time_grads = traced.loss, traced.time_grads
        pre_grads = traced.pre_grads if trace else []  # dL/ds per layer, (batch, units)

        # before clipping: one norm per layer's weight gradient, and one for all other parameters
        norms = torch.linalg.vector_norm(self._grad_rows, dim=1) if measured is None else None
        signal = torch.stack(torch._foreach_norm(pre_grads)) if trace else None
        # the time probes stacked into (T, batch·H) rows: one norm op for all of them costs less
        # than the copy saves (one op per probe: 0.44 ms at T = 200, H = 128 against 0.18 ms)
        time_rows = torch.stack(time_grads).flatten(1) if time_grads is not None else None
        time_norms = None
        if time_rows is not None:
            time_norms = torch.linalg.vector_norm(time_rows, dim=1, dtype=self._time_norm_dtype).to(self._grad_rows.dtype)
        tail = [t for t in (signal, time_norms) if t is not None] if trace or time_norms is not None else ()
        if measured is not None:
            values = [measured[0], *measured[1], *(v for t in tail for v in t.tolist())]
        elif self._on_cpu:  # reading a CPU tensor costs nothing: save the ops that gather them
            values = [loss.item(), *norms.tolist(), *(v for t in tail for v in t.tolist())]
        else:  # one device-to-host sync per step, for every number the step reports
            values = torch.cat([loss.detach().view(1), norms, *tail]).tolist()
        loss_v = values[0]
        n = self.n_layers
        row_norms = _rescue_tiny(values[1 : 2 + n], self._grad_rows)  # n weight rows, then the rest
        grad_norms = np.array(row_norms[:n])
        signal_rms = None
        if trace:
            signal_rms = np.array(_rescue_tiny(values[2 + n : 2 + 2 * n], pre_grads)) * self._per_sample
        time_rms = None
        if time_grads is not None:
            first = 2 + 2 * n if trace else 2 + n
            time_norm_values = values[first:]
            if self._time_norm_dtype is not torch.float64:
                time_norm_values = _rescue_tiny(time_norm_values, time_rows)
            time_rms = np.array(time_norm_values) * self._time_per_sample
        total = math.hypot(*row_norms)  # the global norm; inf and nan pass through
        self.step_count = t

        if not (math.isfinite(loss_v) and math.isfinite(total)):
            what = "the loss" if not math.isfinite(loss_v) else "the gradient of " + self._first_bad(grad_norms)
            return self._diverge(
                t, f"{what} became non-finite at step {t}", loss_v, grad_norms, signal_rms, total, plan.changes, time_rms
            )

        clipped = total
        clip_norm = self.config.clip_norm
        if clip_norm > 0 and total > clip_norm:
            coef = clip_norm / (total + 1e-6)  # as torch.nn.utils.clip_grad_norm_
            self._grad_rows.mul_(coef)
            clipped = total * coef
        before = self._weight_rows.clone() if instrument else None
        return _Checked(loss_v, grad_norms, signal_rms, time_rms, total, clipped, before)

    def _finish_step(self, plan: _Plan, traced: Traced, checked: _Checked) -> StepRecord:
        """After the update: the statistics and the evaluation when instrumented, the status."""
        t, cfg = plan.step, self.config
        evaluation = None
        if plan.instrument:
            stats = layer_stats(
                checked.grad_norms * self._rms_scale, checked.signal_rms, traced.post, traced.out, self._weight_rows,
                checked.before, self.model, traced.pre_grads, plan.quantiles,
            )
            evaluation = self._evaluate(t, stats)
            if evaluation is None:
                return self._diverge(
                    t, f"the loss became non-finite after the update at step {t}", checked.loss, checked.grad_norms,
                    checked.signal_rms, checked.total, plan.changes, checked.time_rms,
                )
        self.status = RunStatus.RUNNING
        if t == 1 and checked.time_rms is not None:
            self._measured_time_slope = measured_log10_time_slope(checked.time_rms)
        if evaluation is not None:
            self._track_best(evaluation)
        if self.status is RunStatus.RUNNING and t >= cfg.steps:
            self.status = RunStatus.COMPLETED
            self.message = f"completed {t} steps"
        best_step = self.best.step if self.best else None
        return StepRecord(
            t, checked.loss, checked.grad_norms, checked.signal_rms, checked.total, checked.clipped, self.status, evaluation,
            plan.changes, self.message, best_step, checked.time_rms,
        )

    def _first_bad(self, grad_norms: np.ndarray) -> str:
        bad = np.flatnonzero(~np.isfinite(grad_norms))
        return f"layer {bad[0] + 1}" if bad.size else "a bias or normalization parameter"

    def _diverge(self, t, message, loss_v, grad_norms, signal_rms, total, changes, time_rms=None) -> StepRecord:
        self.status = RunStatus.DIVERGED
        self.diverged_at = t
        self.message = message
        best_step = self.best.step if self.best else None
        return StepRecord(
            t, loss_v, grad_norms, signal_rms, total, total, self.status, None, changes, message, best_step, time_rms
        )

    @torch.no_grad()
    def _metrics(self) -> tuple[float, float, float, float]:
        """(train loss, train error, validation loss, validation error) on the whole sets, from
        one forward pass over both (in eval mode each point's output is its own)."""
        self.model.eval()
        try:  # not through __call__: no hooks to run
            out = self.model.predict(self._x_eval)
        finally:
            self.model.train()
        n = self._n_fit
        y = self._y_eval
        if self.data.is_regression:
            losses = [F.mse_loss(out[:n], y[:n]), F.mse_loss(out[n:], y[n:])]
            values = torch.stack([losses[0], losses[0], losses[1], losses[1]])
        else:  # F.cross_entropy of each set, with one log-softmax for both
            logp = F.log_softmax(out, dim=1)
            wrong = (out.argmax(dim=1) != y).float()
            values = torch.stack(
                [F.nll_loss(logp[:n], y[:n]), wrong[:n].mean(), F.nll_loss(logp[n:], y[n:]), wrong[n:].mean()]
            )
        train_loss, train_error, val_loss, val_error = values.cpu().tolist()  # sync point
        return train_loss, train_error, val_loss, val_error

    def _evaluate(self, t: int, stats: LayerStats) -> Evaluation | None:
        values = self._metrics()
        if not all(math.isfinite(v) for v in values):
            return None
        evaluation = Evaluation(t, *values, stats)
        if not self.keep_history:
            self.evaluations.clear()
        self.evaluations.append(evaluation)
        if t == 1:
            self._measured_slope = measured_log10_signal_slope(stats.signal_rms)
        return evaluation

    @functools.cached_property
    def _predicted_slope(self) -> float | None:
        """The theory's slope at initialization (engine.theory): a constant of the run, asked
        for with every summary."""
        return predicted_log10_signal_slope(self.initial_config, self.data.n_inputs)

    @functools.cached_property
    def _predicted_time_slope(self) -> float | None:
        return predicted_log10_time_slope(self.initial_config)

    def _track_best(self, evaluation: Evaluation) -> None:
        if self.best is None or evaluation.val_loss < self.best.val_loss:
            self.best = evaluation
            self._evals_since_best = 0
            return
        self._evals_since_best += 1
        patience = self.config.patience
        if patience and self._evals_since_best >= patience:
            self.status = RunStatus.EARLY_STOPPED
            self.message = (
                f"early stopping at step {evaluation.step}: validation loss has not improved for "
                f"{patience} evaluations; the best was at step {self.best.step}"
            )

    # --- results ---------------------------------------------------------------------------
    def predict(self, x: np.ndarray) -> np.ndarray:
        """Class probabilities (n, classes) or regression outputs (n, 1) for standardized inputs."""
        with torch.no_grad():
            self.model.eval()
            try:
                out = self.model.predict(torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32)).to(self.device))
            finally:
                self.model.train()
            if not self.data.is_regression:
                out = out.softmax(dim=1)
            return out.cpu().numpy()

    def summary(self) -> dict[str, Any]:
        last = self.evaluations[-1] if self.evaluations else None
        return {
            "status": self.status.value,
            "message": self.message,
            "steps_run": self.step_count,
            "diverged_at": self.diverged_at,
            "final_train_loss": last.train_loss if last else None,
            "final_train_error": last.train_error if last else None,
            "final_val_loss": last.val_loss if last else None,
            "final_val_error": last.val_error if last else None,
            "best_val_error": self.best.val_error if self.best else None,
            "best_val_loss": self.best.val_loss if self.best else None,
            "best_step": self.best.step if self.best else None,
            **self.initial.as_summary(),
            "layers": list(self.layer_names),
            # mean-field theory against the measurement at the first step (engine.theory)
            "predicted_log10_signal_slope": self._predicted_slope,
            "measured_log10_signal_slope": self._measured_slope,
            # the same along time, for a recurrent net's dL/dh_t (null for an mlp)
            "predicted_log10_time_slope": self._predicted_time_slope,
            "measured_log10_time_slope": self._measured_time_slope,
            "layer_sizes": [list(s) for s in self.layer_sizes],
            "device": str(self.device),
        }
