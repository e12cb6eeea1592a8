"""Vanishing Point's training engine: pure PyTorch and numpy, no Qt.

Public API::

    from engine import Config, Run
    run = Run(Config(depth=20, activation="sigmoid"))
    for record in run:            # StepRecord: plain floats and numpy arrays
        ...
    run.summary()
"""

__version__ = "0.1.0"

from typing import TYPE_CHECKING

from engine.config import LIVE_KEYS, Activation, Config, ConfigError, Dataset, Device, Init, Optimizer  # noqa: E402

if TYPE_CHECKING:
    from engine.results import STAT_NAMES, Evaluation, LayerStats, Metrics, RunStatus, StepRecord
    from engine.trainer import Run

# The names below import torch; they load on first use, so that `engine.config` (and a window
# built from it) is ready before torch has finished loading.
_LAZY = {
    "STAT_NAMES": "engine.results",
    "LayerStats": "engine.results",
    "Evaluation": "engine.results",
    "Metrics": "engine.results",
    "Run": "engine.trainer",
    "RunStatus": "engine.results",
    "StepRecord": "engine.results",
}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'engine' has no attribute {name!r}")

__all__ = [
    "LIVE_KEYS",
    "STAT_NAMES",
    "Activation",
    "Config",
    "ConfigError",
    "Dataset",
    "Device",
    "Evaluation",
    "Init",
    "LayerStats",
    "Metrics",
    "Optimizer",
    "Run",
    "RunStatus",
    "StepRecord",
    "__version__",
]
