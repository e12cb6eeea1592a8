"""What the network has learned, for the views: its prediction over the input plane (2-D data
sets), its fitted curve (sine), or its answers on a few validation sequences (recall, adding),
computed in the training process from the real network."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np

MAP_SIZE = 64  # grid points per side of the input-plane map
CURVE_POINTS = 200
RECALL_SHOWN = 6  # recall: validation sequences drawn, half of each class where there are
ADDING_SHOWN = 300  # adding: validation sequences in the target-against-prediction scatter


def prediction_map(run: Any) -> dict[str, Any]:
    """{'kind': 'map', 'extent': (x0, x1, y0, y1), 'classes': (n, n) int8, 'confidence': (n, n)}
    in standardized input coordinates, rows along y; or {'kind': 'curve', 'x', 'y'} for sine;
    for the sequence data sets, what `sequence_answers` gives."""
    d = run.data
    if d.x_val.ndim == 3:  # (n, T, channels): sequences
        return sequence_answers(run)
    points = np.concatenate([d.x_train, d.x_val])
    lo, hi = points.min(axis=0), points.max(axis=0)
    pad = 0.1 * (hi - lo) + 1e-3
    lo, hi = lo - pad, hi + pad
    if d.is_regression:
        x = np.linspace(lo[0], hi[0], CURVE_POINTS, dtype=np.float32)
        y = run.predict(x[:, None])[:, 0]
        return {"kind": "curve", "x": x, "y": y.astype(np.float32)}
    xs = np.linspace(lo[0], hi[0], MAP_SIZE, dtype=np.float32)
    ys = np.linspace(lo[1], hi[1], MAP_SIZE, dtype=np.float32)
    gx, gy = np.meshgrid(xs, ys)  # (n, n): rows follow y
    probs = run.predict(np.stack([gx.ravel(), gy.ravel()], axis=1))  # (n*n, classes)
    return {
        "kind": "map",
        "extent": (float(lo[0]), float(hi[0]), float(lo[1]), float(hi[1])),
        "classes": probs.argmax(axis=1).reshape(MAP_SIZE, MAP_SIZE).astype(np.int8),
        "confidence": probs.max(axis=1).reshape(MAP_SIZE, MAP_SIZE).astype(np.float32),
    }


def shown_sequences(y_val: np.ndarray, regression: bool) -> np.ndarray:
    """The validation sequences the view shows, the same ones all run long so that only the
    answers move: the first ADDING_SHOWN for adding; for recall the first RECALL_SHOWN // 2 of
    each class, interleaved (class 1, class 0, ...), topped up from the rest if a class is short."""
    n = len(y_val)
    if regression:
        return np.arange(min(n, ADDING_SHOWN))
    ones, zeros = np.flatnonzero(y_val == 1), np.flatnonzero(y_val == 0)
    half = RECALL_SHOWN // 2
    picked = [i for pair in zip(ones[:half], zeros[:half]) for i in pair]
    rest = (i for i in range(n) if i not in picked)
    picked += itertools.islice(rest, RECALL_SHOWN - len(picked))
    return np.array(picked[:RECALL_SHOWN], dtype=np.int64)


def sequence_answers(run: Any) -> dict[str, Any]:
    """The network's answers on a few validation sequences.

    recall: {'kind': 'recall', 'x': (k, T) the input trace, 'label': (k,) the true class (the
    sign of x_1), 'p_true': (k,) the probability the network gives the true class, 'correct': (k,)
    whether its answer (the likelier class) is the true one};
    adding: {'kind': 'adding', 'target': (k,) the sum of the two marked values, 'prediction': (k,)}.
    k is at most RECALL_SHOWN or ADDING_SHOWN. Both also carry 'spectral_radius' and
    'spectral_radius_start': the Elman network's recurrent spectral radius per layer now and
    before training (Model.spectral_radius; None for LSTM and GRU)."""
    d = run.data
    rows = shown_sequences(d.y_val, d.is_regression)
    x = d.x_val[rows]  # (k, T, channels)
    out = run.predict(x)
    radius = {"spectral_radius": run.model.spectral_radius(), "spectral_radius_start": run.initial_spectral_radius}
    if d.is_regression:
        return {
            "kind": "adding", "target": d.y_val[rows, 0].astype(np.float32), "prediction": out[:, 0].astype(np.float32), **radius,
        }
    label = d.y_val[rows].astype(np.int64)
    return {
        **radius,
        "kind": "recall",
        "x": x[:, :, 0].astype(np.float32),
        "label": label,
        "p_true": out[np.arange(len(rows)), label].astype(np.float32),
        "correct": out.argmax(axis=1) == label,
    }
