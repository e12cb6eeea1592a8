"""Synthetic data sets, drawn from a seeded numpy generator and standardized.

Training and validation points come from the same distribution (independent draws). Input jitter
(`noise`) applies to both; label flips (`label_noise`) only to the training set, so validation
error measures how well the network found the true rule rather than how well it memorized noise.

The sequence data sets (recall, adding) hold (n, seq_len, channels) arrays and are not
standardized: they are unit-scale by construction, and standardizing per step would hand the
network the position of the marked steps.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from engine.config import SEQUENCE_DATASETS, Config, Dataset


@dataclass(frozen=True)
class DataSplit:
    x_train: np.ndarray  # (n_train, n_inputs) float32, standardized with the training mean/std; sequences: (n_train, T, n_inputs)
    y_train: np.ndarray  # (n_train,) int64 class, or (n_train, 1) float32 target for regression
    x_val: np.ndarray  # (n_val, n_inputs)
    y_val: np.ndarray
    n_inputs: int
    n_outputs: int  # classes, or 1 for regression
    mean: np.ndarray  # (n_inputs,) used to standardize; kept to map the input plane in views
    std: np.ndarray

    @property
    def is_regression(self) -> bool:
        return self.y_train.dtype != np.int64


N_CLASSES = {
    Dataset.SPIRAL: 2,
    Dataset.MOONS: 2,
    Dataset.CIRCLES: 2,
    Dataset.XOR: 2,
    Dataset.GAUSSIANS: 3,
    Dataset.RECALL: 2,
}

#: (n_inputs, n_outputs) where it is not two input coordinates and N_CLASSES classes
_SHAPES = {Dataset.SINE: (1, 1), Dataset.RECALL: (1, 2), Dataset.ADDING: (2, 1)}


def data_shape(dataset: Dataset) -> tuple[int, int]:
    """(n_inputs, n_outputs) of a data set: sine is 1-D regression, recall one channel and 2
    classes, adding two channels and regression, the others 2-D classes. For a sequence data set
    n_inputs is its channels per step."""
    return _SHAPES.get(dataset) or (2, N_CLASSES[dataset])


def make_data(config: Config) -> DataSplit:
    return as_split(config, *draw_raw(config))


def as_split(config: Config, x_tr: np.ndarray, y_tr: np.ndarray, x_va: np.ndarray, y_va: np.ndarray, n_out: int) -> DataSplit:
    """A DataSplit of drawn points (draw_raw's, or a fold's part of them): standardized with the
    training points' own mean and std, except sequences (n, T, C), which stay as drawn (mean 0
    and std 1 recorded): standardizing per step would hand the network the marked steps."""
    if config.dataset not in SEQUENCE_DATASETS:
        return standardize(x_tr, y_tr, x_va, y_va, n_out)
    channels = x_tr.shape[2]
    return DataSplit(
        x_train=x_tr.astype(np.float32),
        y_train=y_tr,
        x_val=x_va.astype(np.float32),
        y_val=y_va,
        n_inputs=channels,
        n_outputs=n_out,
        mean=np.zeros(channels, dtype=np.float32),
        std=np.ones(channels, dtype=np.float32),
    )


def draw_raw(config: Config) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, int]:
    """The points make_data uses, before standardization: (x_train, y_train, x_val, y_val,
    n_outputs), training labels already flipped. Cross-validation splits this training pool."""
    rng = np.random.default_rng([config.seed, 0xDA7A])
    if config.dataset in SEQUENCE_DATASETS:
        draw = functools.partial(_draw_sequences, config.dataset, config.seq_len)
    else:
        draw = functools.partial(_draw, config.dataset)
    x_tr, y_tr = draw(config.n_train, config.noise, rng)
    x_va, y_va = draw(config.n_val, config.noise, rng)
    n_out = data_shape(config.dataset)[1]
    if not config.is_regression:
        y_tr = _flip_labels(y_tr, config.label_noise, n_out, rng)
    return x_tr, y_tr, x_va, y_va, n_out


def standardize(x_tr: np.ndarray, y_tr: np.ndarray, x_va: np.ndarray, y_va: np.ndarray, n_out: int) -> DataSplit:
    """A DataSplit whose inputs are standardized with the training points' own mean and std."""
    mean = x_tr.mean(axis=0)
    std = x_tr.std(axis=0)
    std = np.where(std > 1e-12, std, 1.0)  # a single training point has no spread
    return DataSplit(
        x_train=((x_tr - mean) / std).astype(np.float32),
        y_train=y_tr,
        x_val=((x_va - mean) / std).astype(np.float32),
        y_val=y_va,
        n_inputs=x_tr.shape[1],
        n_outputs=n_out,
        mean=mean.astype(np.float32),
        std=std.astype(np.float32),
    )


def _draw(dataset: Dataset, n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    if dataset is Dataset.SINE:
        x = rng.uniform(-np.pi, np.pi, size=(n, 1))
        y = np.sin(x) + noise * rng.standard_normal((n, 1))
        return x, y.astype(np.float32)
    labels = rng.integers(0, N_CLASSES[dataset], size=n)
    if dataset is Dataset.SPIRAL:
        # two interleaved arms, 1.75 turns each, radius growing from 0.05 to 1
        t = rng.uniform(0.05, 1.0, size=n)
        angle = 1.75 * 2 * np.pi * t + np.pi * labels
        x = np.stack([t * np.cos(angle), t * np.sin(angle)], axis=1)
    elif dataset is Dataset.MOONS:
        angle = rng.uniform(0, np.pi, size=n)
        upper = np.stack([np.cos(angle), np.sin(angle)], axis=1)
        lower = np.stack([1 - np.cos(angle), 0.5 - np.sin(angle)], axis=1)
        x = np.where(labels[:, None] == 0, upper, lower)
    elif dataset is Dataset.CIRCLES:
        angle = rng.uniform(0, 2 * np.pi, size=n)
        radius = np.where(labels == 0, 1.0, 0.5)
        x = radius[:, None] * np.stack([np.cos(angle), np.sin(angle)], axis=1)
    elif dataset is Dataset.XOR:
        x = rng.uniform(-1, 1, size=(n, 2))
        labels = ((x[:, 0] > 0) ^ (x[:, 1] > 0)).astype(np.int64)
    elif dataset is Dataset.GAUSSIANS:
        centers = np.array([[0.0, 1.0], [-0.87, -0.5], [0.87, -0.5]])
        x = centers[labels] + 0.35 * rng.standard_normal((n, 2))
    else:  # pragma: no cover - every Dataset member is handled above
        raise AssertionError(dataset)
    x = x + noise * rng.standard_normal(x.shape)
    return x, labels.astype(np.int64)


def _draw_sequences(dataset: Dataset, seq_len: int, n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(x (n, seq_len, channels) float64, y): the two sequence tasks of recurrent-network papers.

    recall: x_1 = +1 (class 1) or -1 (class 0), then seq_len - 1 distractors N(0, noise²): the
    network must carry x_1 to the end (chance error 0.5).
    adding (Hochreiter & Schmidhuber 1997): channel 1 is U(0, 1) at every step, channel 2 marks
    one step in the first half (1 .. seq_len // 2) and one in the second; the target is the sum of
    the two marked values (always predicting 1 scores MSE ≈ 1/6). `noise` does not apply."""
    if dataset is Dataset.RECALL:
        labels = rng.integers(0, 2, size=n)
        x = np.empty((n, seq_len, 1))
        x[:, 0, 0] = 2.0 * labels - 1.0
        x[:, 1:, 0] = noise * rng.standard_normal((n, seq_len - 1))
        return x, labels.astype(np.int64)
    if dataset is Dataset.ADDING:
        values = rng.uniform(0.0, 1.0, size=(n, seq_len))
        half = seq_len // 2
        first = rng.integers(0, half, size=n)
        second = rng.integers(half, seq_len, size=n)
        marks = np.zeros((n, seq_len))
        rows = np.arange(n)
        marks[rows, first] = 1.0
        marks[rows, second] = 1.0
        y = values[rows, first] + values[rows, second]
        return np.stack([values, marks], axis=2), y[:, None].astype(np.float32)
    raise AssertionError(dataset)  # pragma: no cover - only the sequence data sets come here


def _flip_labels(y: np.ndarray, fraction: float, n_classes: int, rng: np.random.Generator) -> np.ndarray:
    """Flip exactly round(fraction * n) labels to a different class."""
    y = y.copy()
    n_flip = int(round(fraction * len(y)))
    if n_flip:
        idx = rng.choice(len(y), size=n_flip, replace=False)
        y[idx] = (y[idx] + rng.integers(1, n_classes, size=n_flip)) % n_classes
    return y
