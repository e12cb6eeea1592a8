"""What the network has learned, for the views: its prediction over the input plane (2-D data
sets) or its fitted curve (sine), computed in the training process from the real network."""

from __future__ import annotations

from typing import Any

import numpy as np

MAP_SIZE = 64  # grid points per side of the input-plane map
CURVE_POINTS = 200


def prediction_map(run: Any) -> dict[str, Any]:
    """{'kind': 'map', 'extent': (x0, x1, y0, y1), 'classes': (n, n) int8, 'confidence': (n, n)}
    in standardized input coordinates, rows along y; or {'kind': 'curve', 'x', 'y'} for sine."""
    d = run.data
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
