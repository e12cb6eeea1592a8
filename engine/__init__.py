"""Vanishing Point's training engine: pure PyTorch and numpy, no Qt.

Public API::

    from engine import Config, Run
    run = Run(Config(depth=20, activation="sigmoid"))
    for record in run:            # StepRecord: plain floats and numpy arrays
        ...
    run.summary()
"""

__version__ = "0.1.0"

import os
from typing import TYPE_CHECKING

# MKL rounds a matrix product differently by where its operands start in memory, unless its
# conditional numerical reproducibility is strict. A network trained in a stack (engine.stack) must
# compute what it computes alone, so: strict, with the best instruction set. MKL reads this at its
# first call, which comes after any import of the engine (a user's own setting is kept; a stack
# checks that stacking is exact before it stacks anything: engine.stack.stacking_is_exact).
os.environ.setdefault("MKL_CBWR", "AUTO,STRICT")

from engine.config import (  # noqa: E402
    LIVE_KEYS,
    MAX_RECURRENT_DEPTH,
    SEQUENCE_DATASETS,
    Activation,
    Config,
    ConfigError,
    Dataset,
    Device,
    Init,
    ModelFamily,
    Optimizer,
)

if TYPE_CHECKING:
    from engine.cli import main as cli_main
    from engine.crossval import CVResult, check_folds, default_sizes
    from engine.data import make_data
    from engine.diagnosis import diagnose
    from engine.lessons import Lesson, load_lessons
    from engine.presets import RESOURCES, load_preset, preset_names
    from engine.record import record_run
    from engine.results import (
        BAND_SEEDS,
        FINISHED,
        HEALTH_NAMES,
        LOG10_SCALE,
        METRIC_NAMES,
        NOT_FINITE_RGB,
        QUANTILE_EVERY,
        STAT_NAMES,
        ZERO_RGB,
        Evaluation,
        LayerStats,
        Metrics,
        RunStatus,
        StepRecord,
        count_clipped,
        hidden_share,
    )
    from engine.service import Batch, JobProcess, RunInfo, TrainingProcess
    from engine.session import Session, SessionError, load_session, save_session
    from engine.snippet import pytorch_snippet
    from engine.stack import RunStack
    from engine.theory import predicted_log10_signal_profile
    from engine.trainer import Run

# The names below import torch; they load on first use, so that `engine.config` (and a window
# built from it) is ready before torch has finished loading.
_LAZY = {
    "STAT_NAMES": "engine.results",
    "LayerStats": "engine.results",
    "Evaluation": "engine.results",
    "Metrics": "engine.results",
    "Run": "engine.trainer",
    "RunStack": "engine.stack",
    "RunStatus": "engine.results",
    "StepRecord": "engine.results",
    # what the desktop app uses: it imports these from `engine`, never from the modules
    # (an import-linter contract in pyproject.toml holds it to that)
    "FINISHED": "engine.results",
    "count_clipped": "engine.results",
    "METRIC_NAMES": "engine.results",
    "HEALTH_NAMES": "engine.results",
    "hidden_share": "engine.results",
    "BAND_SEEDS": "engine.results",
    "Batch": "engine.service",
    "RunInfo": "engine.service",
    "TrainingProcess": "engine.service",
    "make_data": "engine.data",
    "diagnose": "engine.diagnosis",
    "load_preset": "engine.presets",
    "preset_names": "engine.presets",
    "Lesson": "engine.lessons",
    "load_lessons": "engine.lessons",
    "Session": "engine.session",
    "SessionError": "engine.session",
    "load_session": "engine.session",
    "save_session": "engine.session",
    "record_run": "engine.record",
    "pytorch_snippet": "engine.snippet",
    "RESOURCES": "engine.presets",
    "LOG10_SCALE": "engine.results",
    "ZERO_RGB": "engine.results",
    "NOT_FINITE_RGB": "engine.results",
    "QUANTILE_EVERY": "engine.results",
    "predicted_log10_signal_profile": "engine.theory",
    "CVResult": "engine.crossval",
    "check_folds": "engine.crossval",
    "default_sizes": "engine.crossval",
    "JobProcess": "engine.service",
    "cli_main": "engine.cli",
}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        attr = "main" if name == "cli_main" else name
        return getattr(importlib.import_module(_LAZY[name]), attr)
    raise AttributeError(f"module 'engine' has no attribute {name!r}")

__all__ = [
    "BAND_SEEDS",
    "METRIC_NAMES",
    "HEALTH_NAMES",
    "hidden_share",
    "CVResult",
    "JobProcess",
    "LOG10_SCALE",
    "NOT_FINITE_RGB",
    "ZERO_RGB",
    "QUANTILE_EVERY",
    "RESOURCES",
    "check_folds",
    "cli_main",
    "default_sizes",
    "predicted_log10_signal_profile",
    "FINISHED",
    "LIVE_KEYS",
    "MAX_RECURRENT_DEPTH",
    "SEQUENCE_DATASETS",
    "STAT_NAMES",
    "Batch",
    "Lesson",
    "RunInfo",
    "Session",
    "SessionError",
    "TrainingProcess",
    "count_clipped",
    "diagnose",
    "load_lessons",
    "load_preset",
    "load_session",
    "make_data",
    "preset_names",
    "pytorch_snippet",
    "record_run",
    "save_session",
    "Activation",
    "Config",
    "ConfigError",
    "Dataset",
    "Device",
    "Evaluation",
    "Init",
    "ModelFamily",
    "LayerStats",
    "Metrics",
    "Optimizer",
    "Run",
    "RunStack",
    "RunStatus",
    "StepRecord",
    "__version__",
]
