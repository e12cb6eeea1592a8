"""Vanishing Point's training engine: pure PyTorch and numpy, no Qt.

Public API::

    from engine import Config, Run
    run = Run(Config(depth=20, activation="sigmoid"))
    for record in run:            # StepRecord: plain floats and numpy arrays
        ...
    run.summary()
"""

__version__ = "0.1.0"

from engine.config import LIVE_KEYS, Activation, Config, ConfigError, Dataset, Device, Init, Optimizer  # noqa: E402
from engine.stats import STAT_NAMES, LayerStats  # noqa: E402
from engine.trainer import Evaluation, Run, RunStatus, StepRecord  # noqa: E402

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
    "Optimizer",
    "Run",
    "RunStatus",
    "StepRecord",
    "__version__",
]
