"""K-fold cross-validation and learning curves: how well a configuration generalizes, and how
that changes with more data.

Cross-validation splits the configuration's `n_train` training points (the same points `Run`
would train on) into K disjoint folds that together cover every point. For fold k a fresh run of
the same configuration and seed trains on the other K-1 folds and is scored on fold k. A
learning curve trains on growing, nested subsets of those points and scores every run on the
configuration's own validation set.

Every run here is an ordinary `Run` given the fold's data (`train_on`), so its
weights, batch order and statistics are what the rest of the engine computes; the runs of one study
train together as one stacked network (engine.stack), which changes nothing any of them computes. The points are
prepared as make_data prepares them: standardized with the training part's own mean and std,
except a sequence data set's (recall, adding), which stay as drawn. The iterators
yield plain data as each run ends (runs that train together end together), in order, with how far
along they are, so a window can drive them from a worker process; the command line
(`vanishing-point cv`) writes their files.
"""

from __future__ import annotations

import csv
import math
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from engine.config import SEQUENCE_DATASETS, Config, ConfigError
from engine.data import DataSplit, as_split, data_shape, draw_raw
from engine.record import csv_cell, prepare_out_dir, stderr_printer, write_json
from engine.results import RunStatus

if TYPE_CHECKING:  # torch loads only when a run trains: the window checks K and sizes without it
    from engine.trainer import Run

CV_COLUMNS = ("fold", "train_error", "val_error")
CURVE_COLUMNS = ("n_train", "train_error", "val_error")
_FOLD_STREAM = 0xF01D  # seeds the fold assignment, apart from the data's own stream
_CURVE_STREAM = 0xC0DE  # seeds the order in which a learning curve adds points


# --- training a Run on given arrays -----------------------------------------------------------
def train_on(config: Config, split: DataSplit, keep_history: bool = True) -> Run:
    """A fresh `Run` of `config` that trains on `split.x_train/y_train` and evaluates on
    `split.x_val/y_val` instead of the data `make_data(config)` draws. The weights, the batch
    order's generator and the dropout generator depend on the seed alone, so they are those of
    `Run(config)`; given the very arrays make_data draws, the run is step for step the same."""
    expected = data_shape(config.dataset)
    if (split.n_inputs, split.n_outputs) != expected:
        raise ValueError(
            f"the split has {split.n_inputs} inputs and {split.n_outputs} outputs, but {config.dataset} "
            f"needs {expected[0]} and {expected[1]}"
        )
    # one point: (inputs,), or a sequence data set's (seq_len, channels)
    point = (config.seq_len, expected[0]) if config.dataset in SEQUENCE_DATASETS else (expected[0],)
    for name in ("x_train", "x_val"):
        shape = getattr(split, name).shape[1:]
        if shape != point:
            raise ValueError(f"the split's {name} holds points of shape {shape}, but the configuration needs {point}")
    if split.x_train.shape[0] < 1:
        raise ValueError("the split has no training points")
    from engine.trainer import Run

    return Run(config, data=split, keep_history=keep_history)


#: how often a study reports how far its runs have got (the `progress` callbacks), in seconds
PROGRESS_SECONDS = 0.25


def _train_all(
    config: Config, splits: Sequence[DataSplit], progress: Callable[[float], None] | None = None
) -> Iterator[tuple[int, dict[str, Any], float]]:
    """Whole runs of `config` on each of `splits`, yielded as (index, summary, seconds) in the
    splits' order, each as soon as it and every one before it have ended. Runs that share a
    shape train together as one stacked network (engine.stack: each is what it would be alone;
    its seconds are its share of the wall time); otherwise one at a time, as before, so that
    each result comes as its run ends. No history is kept (a run's memory does not grow with
    its steps). `progress`, if given, hears the share of all their steps done, every
    PROGRESS_SECONDS or so: a window's progress bar moves while runs train together."""
    from engine.stack import RunStack

    start = time.perf_counter()
    runs = [train_on(config, split, keep_history=False) for split in splits]
    total = sum(run.config.steps for run in runs)
    next_report = start + PROGRESS_SECONDS

    def report() -> None:
        nonlocal next_report
        if progress is not None and time.perf_counter() >= next_report:
            progress(sum(run.config.steps if run.finished else run.step_count for run in runs) / total)
            next_report = time.perf_counter() + PROGRESS_SECONDS

    stack = RunStack(runs)
    if not stack.groups:  # nothing to share: one at a time, each reported as it ends
        for i, run in enumerate(runs):
            begun = time.perf_counter()
            for _ in run:
                report()
            yield i, run.summary(), time.perf_counter() - begun
        return
    done = 0
    while done < len(runs):
        if not runs[done].finished:
            stack.step()
            report()
            continue
        share = (time.perf_counter() - start) / len(runs)
        while done < len(runs) and runs[done].finished:
            yield done, runs[done].summary(), share
            done += 1


def _errors(summary: dict[str, Any]) -> tuple[float, float, float, float]:
    """(train_error, val_error, train_loss, val_loss) at the run's end; NaN for a run that
    diverged (its last finite evaluation would flatter it) or never evaluated."""
    if summary["status"] == RunStatus.DIVERGED.value:
        return (math.nan,) * 4
    keys = ("final_train_error", "final_val_error", "final_train_loss", "final_val_loss")
    return tuple(math.nan if summary[k] is None else float(summary[k]) for k in keys)


# --- folds ----------------------------------------------------------------------------------
def check_folds(config: Config, folds: int) -> None:
    """ConfigError unless 2 <= folds <= n_train (and, with batch norm, every fold's training
    part has the 2 points a batch needs)."""
    n = config.n_train
    if isinstance(folds, bool) or not isinstance(folds, int) or not 2 <= folds <= n:
        allowed = f"an integer from 2 to n_train = {n}" if n >= 2 else "at least 2, which needs n_train >= 2"
        raise ConfigError(f"folds = {folds!r} is not allowed: folds must be {allowed}")
    if config.batch_norm and n - math.ceil(n / folds) < 2:
        raise ConfigError(
            f"folds = {folds} leaves {n - math.ceil(n / folds)} training point per fold, and batch_norm = true "
            "needs at least 2: use fewer folds, more n_train, or turn batch_norm off"
        )


def parse_folds(text: str, config: Config) -> int:
    """--folds as typed: an integer from 2 to n_train, else ConfigError (one line)."""
    try:
        folds = int(text)
    except ValueError:
        raise ConfigError(f"folds = {text!r} is not allowed: folds must be an integer from 2 to n_train = {config.n_train}") from None
    check_folds(config, folds)
    return folds


def fold_indices(n: int, folds: int, seed: int) -> list[np.ndarray]:
    """K disjoint sorted index arrays that together hold 0..n-1, sizes differing by at most one;
    points go to folds at random (seeded), so a fold is not a slice of one region."""
    order = np.random.default_rng([seed, _FOLD_STREAM]).permutation(n)
    return [np.sort(part) for part in np.array_split(order, folds)]


def fold_splits(config: Config, folds: int) -> list[DataSplit]:
    """One DataSplit per fold: the other folds to train on, this fold to validate on, both
    standardized with the training folds' own mean and std (as make_data does; sequences are
    not standardized)."""
    check_folds(config, folds)
    x, y, _, _, n_out = draw_raw(config)
    parts = fold_indices(config.n_train, folds, config.seed)
    splits = []
    for k, held in enumerate(parts):
        train = np.sort(np.concatenate([p for j, p in enumerate(parts) if j != k]))
        splits.append(as_split(config, x[train], y[train], x[held], y[held], n_out))
    return splits


@dataclass(frozen=True)
class FoldResult:
    """One fold's run, as the cross-validation iterator yields it."""

    fold: int  # 1-based
    folds: int  # K
    train_error: float  # at the run's end, on the K-1 folds it trained on; NaN if it diverged
    val_error: float  # at the run's end, on the held-out fold; NaN if it diverged
    train_loss: float
    val_loss: float
    n_train: int  # points trained on
    n_val: int  # points held out
    status: str  # the run's RunStatus value
    message: str
    steps_run: int
    seconds: float  # wall time of this fold's run

    @property
    def progress(self) -> float:
        """Share of the folds done, 0..1."""
        return self.fold / self.folds


def iter_folds(config: Config, folds: int, progress: Callable[[float], None] | None = None) -> Iterator[FoldResult]:
    """Train and score the folds, together where they share a shape; results come in fold order.
    `progress` hears the share of steps done meanwhile (_train_all). A bad K raises
    ConfigError here, at the call."""
    return _iter_folds(config, fold_splits(config, folds), progress)


def _iter_folds(config: Config, splits: list[DataSplit], progress: Callable[[float], None] | None = None) -> Iterator[FoldResult]:
    folds = len(splits)
    for i, summary, seconds in _train_all(config, splits, progress):
        split = splits[i]
        tr_err, va_err, tr_loss, va_loss = _errors(summary)
        yield FoldResult(
            i + 1, folds, tr_err, va_err, tr_loss, va_loss, split.x_train.shape[0], split.x_val.shape[0],
            summary["status"], summary["message"], summary["steps_run"], seconds,
        )


def _mean_std(values: Sequence[float]) -> tuple[float, float]:
    a = np.asarray(values, dtype=np.float64)
    if a.size == 0 or not np.isfinite(a).all():
        return math.nan, math.nan
    return float(a.mean()), float(a.std(ddof=1)) if a.size > 1 else 0.0


@dataclass(frozen=True)
class CVResult:
    """K-fold cross-validation of one configuration. Spread is the sample standard deviation
    over the folds (ddof = 1); mean and spread are NaN when a fold diverged."""

    config: Config
    folds: tuple[FoldResult, ...] = field(default_factory=tuple)

    @property
    def val_errors(self) -> list[float]:
        return [f.val_error for f in self.folds]

    @property
    def train_errors(self) -> list[float]:
        return [f.train_error for f in self.folds]

    @property
    def mean_val_error(self) -> float:
        return _mean_std(self.val_errors)[0]

    @property
    def std_val_error(self) -> float:
        return _mean_std(self.val_errors)[1]

    @property
    def mean_train_error(self) -> float:
        return _mean_std(self.train_errors)[0]

    @property
    def std_train_error(self) -> float:
        return _mean_std(self.train_errors)[1]

    def summary(self) -> dict[str, Any]:
        """The fields of cv_summary.json (where `write_json` makes non-finite numbers null)."""
        return {
            "folds": len(self.folds),
            "mean_val_error": self.mean_val_error,
            "std_val_error": self.std_val_error,
            "mean_train_error": self.mean_train_error,
            "std_train_error": self.std_train_error,
            "val_errors": self.val_errors,
            "train_errors": self.train_errors,
            "fold_sizes": [f.n_val for f in self.folds],
            "statuses": [f.status for f in self.folds],
            "diverged_folds": sum(f.status == RunStatus.DIVERGED.value for f in self.folds),
            "n_train": self.config.n_train,
            "seed": self.config.seed,
        }


def cross_validate(config: Config, folds: int) -> CVResult:
    return CVResult(config, tuple(iter_folds(config, folds)))


@dataclass(frozen=True)
class Comparison:
    """Two configurations cross-validated on K folds. When both draw the same training points
    (same dataset, n_train, noise, label_noise and seed, and for a sequence data set seq_len)
    the folds are the same points, and the per-fold differences b - a are paired: their spread
    is what decides which is better."""

    a: CVResult
    b: CVResult

    @property
    def paired(self) -> bool:
        keys = ["dataset", "n_train", "noise", "label_noise", "seed"]
        if self.a.config.dataset in SEQUENCE_DATASETS:  # seq_len draws other sequences
            keys.append("seq_len")
        return all(getattr(self.a.config, k) == getattr(self.b.config, k) for k in keys)

    @property
    def differences(self) -> list[float] | None:
        """Per-fold val_error of b minus a, when paired."""
        return [vb - va for va, vb in zip(self.a.val_errors, self.b.val_errors)] if self.paired else None

    @property
    def mean_difference(self) -> float:
        return self.b.mean_val_error - self.a.mean_val_error

    @property
    def std_difference(self) -> float:
        """Spread of the difference: of the paired differences, else of two independent means' sum."""
        diffs = self.differences
        if diffs is not None:
            return _mean_std(diffs)[1]
        return math.hypot(self.a.std_val_error, self.b.std_val_error)


def compare(a: Config, b: Config, folds: int) -> Comparison:
    check_folds(a, folds)
    check_folds(b, folds)
    return Comparison(cross_validate(a, folds), cross_validate(b, folds))


# --- learning curve -------------------------------------------------------------------------
@dataclass(frozen=True)
class CurvePoint:
    """One training-set size of a learning curve."""

    n_train: int  # points trained on
    train_error: float  # at the run's end, on those points; NaN if it diverged
    val_error: float  # at the run's end, on the configuration's validation set
    train_loss: float
    val_loss: float
    status: str
    index: int  # 1-based position in the curve
    total: int  # points in the curve

    @property
    def progress(self) -> float:
        return self.index / self.total


def default_sizes(n_train: int, points: int = 6) -> list[int]:
    """Roughly geometric sizes from min(10, n_train) up to n_train."""
    low = min(10, n_train)
    return sorted({int(round(s)) for s in np.geomspace(low, n_train, points)})


def check_sizes(config: Config, sizes: Sequence[int]) -> list[int]:
    """Sizes ascending and unique; ConfigError for one outside 1..n_train (2.. with batch norm)."""
    low = 2 if config.batch_norm else 1
    for s in sizes:
        if isinstance(s, bool) or not isinstance(s, int | np.integer) or not low <= s <= config.n_train:
            raise ConfigError(
                f"training-set size {s!r} is not allowed: sizes must be integers from {low} to n_train = {config.n_train}"
            )
    if not sizes:
        raise ConfigError("a learning curve needs at least one training-set size")
    return sorted({int(s) for s in sizes})


def parse_sizes(text: str, config: Config) -> list[int]:
    """--curve as typed: comma-separated sizes, or `auto`."""
    if text.strip() == "auto":
        return default_sizes(config.n_train)
    try:
        sizes = [int(t) for t in text.split(",") if t.strip()]
    except ValueError:
        raise ConfigError(f"--curve {text!r}: expected comma-separated training-set sizes, for example --curve 25,50,100,200") from None
    return check_sizes(config, sizes)


def iter_learning_curve(
    config: Config, sizes: Sequence[int] | None = None, progress: Callable[[float], None] | None = None
) -> Iterator[CurvePoint]:
    """Train on nested subsets of the configuration's training points, smallest first, and
    score each run on its validation set. A subset is standardized with its own mean and std
    (sequences are not); the full size trains on exactly the data of `Run(config)`. Bad sizes
    raise ConfigError here, at the call."""
    return _iter_curve(config, check_sizes(config, default_sizes(config.n_train) if sizes is None else sizes), progress)


def _iter_curve(config: Config, sizes: list[int], progress: Callable[[float], None] | None = None) -> Iterator[CurvePoint]:
    """The sizes train at once where they share a shape and batch (_train_all); points come
    smallest first."""
    x, y, x_val, y_val, n_out = draw_raw(config)
    order = np.random.default_rng([config.seed, _CURVE_STREAM]).permutation(config.n_train)
    chosen = [np.sort(order[:size]) for size in sizes]  # sorted: the full size keeps make_data's order
    splits = [as_split(config, x[c], y[c], x_val, y_val, n_out) for c in chosen]
    for i, summary, _ in _train_all(config, splits, progress):
        tr_err, va_err, tr_loss, va_loss = _errors(summary)
        yield CurvePoint(sizes[i], tr_err, va_err, tr_loss, va_loss, summary["status"], i + 1, len(sizes))


def learning_curve(config: Config, sizes: Sequence[int] | None = None) -> list[CurvePoint]:
    """Training-set sizes (ascending) with their training and validation errors."""
    return list(iter_learning_curve(config, sizes))


# --- the `cv` command -----------------------------------------------------------------------
def run_cv(config: Config, folds_text: str, out: Path, curve: str | None = None, quiet: bool = False) -> int:
    """`vanishing-point cv`: cv.csv, cv_summary.json, config.toml (and learning_curve.csv)."""
    folds = parse_folds(folds_text, config)
    sizes = parse_sizes(curve, config) if curve is not None else None
    prepare_out_dir(out, config)
    say = stderr_printer(quiet)

    say(f"cross-validation: {folds} folds of {config.n_train} training points, {config.steps} steps each")
    results = []
    with open(out / "cv.csv", "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(CV_COLUMNS)
        for r in iter_folds(config, folds):
            results.append(r)
            writer.writerow([r.fold, csv_cell(r.train_error), csv_cell(r.val_error)])
            f.flush()
            say(
                f"fold {r.fold}/{folds}: train error {r.train_error:.4g}  val error {r.val_error:.4g}  "
                f"({r.status}, {r.seconds:.1f} s)"
            )
    result = CVResult(config, tuple(results))
    write_json(out / "cv_summary.json", result.summary())
    say(
        f"val error {result.mean_val_error:.4g} ± {result.std_val_error:.4g}, "
        f"train error {result.mean_train_error:.4g} ± {result.std_train_error:.4g} over {folds} folds"
    )
    if sizes is not None:
        with open(out / "learning_curve.csv", "w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f)
            writer.writerow(CURVE_COLUMNS)
            for p in iter_learning_curve(config, sizes):
                writer.writerow([p.n_train, csv_cell(p.train_error), csv_cell(p.val_error)])
                f.flush()
                say(f"learning curve {p.index}/{p.total}: n_train {p.n_train}: train error {p.train_error:.4g}  val error {p.val_error:.4g}")
    return 0
