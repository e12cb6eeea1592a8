"""Small helpers for the engine tests: tiny configurations, whole runs, the run's CSV files."""

from __future__ import annotations

import csv
import dataclasses
import json
import math
from pathlib import Path
from typing import Any

import numpy as np

from engine import Config, Run, StepRecord

#: A net small enough that a few hundred steps take well under a second on one CPU core.
TINY = dict(depth=3, width=8, n_train=64, n_val=64, batch_size=16, steps=20, eval_every=5, lr=0.01, noise=0.1)


#: A wide net on few points, a quarter of whose training labels are flipped: it memorizes them
#: (training error falls well below the 25% of flips, validation error rises) within a few hundred
#: full-batch Adam steps, and its validation loss is lowest after about 100 steps.
OVERFIT = dict(
    dataset="moons",
    n_train=200,
    n_val=500,
    label_noise=0.25,
    depth=3,
    width=128,
    activation="relu",
    init="he_normal",
    optimizer="adam",
    lr=0.01,
    batch_size=200,
    eval_every=25,
    seed=0,
)


def tiny(**changes: Any) -> Config:
    return Config(**{**TINY, **changes})


def train(config: Config) -> tuple[Run, list[StepRecord]]:
    """A fresh run trained to its end, with every record it yielded."""
    run = Run(config)
    return run, list(run)


def read_csv(path: Path) -> tuple[list[str], list[list[str]]]:
    """(header, rows) of a CSV file, as text."""
    with open(path, newline="", encoding="utf-8") as f:
        header, *rows = list(csv.reader(f))
    return header, rows


def strict_json(path: Path) -> Any:
    """Parse JSON refusing NaN and Infinity, which json.dumps writes but JSON does not allow."""

    def refuse(name: str) -> None:
        raise ValueError(f"{path.name} holds {name}, which is not JSON")

    return json.loads(path.read_text(encoding="utf-8"), parse_constant=refuse)


def cell_is_finite_or_empty(cell: str) -> bool:
    return cell == "" or math.isfinite(float(cell))


def set_args(**settings: Any) -> list[str]:
    """`--set KEY=VALUE` arguments for the command line; TINY's values unless overridden."""
    args: list[str] = []
    for key, value in {**TINY, **settings}.items():
        text = str(value).lower() if isinstance(value, bool) else str(value)
        args += ["--set", f"{key}={text}"]
    return args


def cli(*args: str) -> int:
    """Run the command line in this process; argparse's own exits become a status too."""
    from engine.cli import main

    try:
        return main(list(args))
    except SystemExit as exc:  # --version, --help and argparse's usage errors
        return exc.code if isinstance(exc.code, int) else 1


def assert_same(a, b, where: str = "record") -> None:
    """Equal field by field, recursing into records, evaluations and layer statistics (whatever
    fields they grow); arrays exactly, with the same dtype; NaN equals NaN."""
    if isinstance(a, np.ndarray):
        assert isinstance(b, np.ndarray) and a.dtype == b.dtype, where
        assert np.array_equal(a, b, equal_nan=True), where
    elif hasattr(a, "__dataclass_fields__"):
        assert type(a) is type(b), where
        for f in dataclasses.fields(a):
            assert_same(getattr(a, f.name), getattr(b, f.name), f"{where}.{f.name}")
    elif isinstance(a, float) and a != a:
        assert isinstance(b, float) and b != b, where
    else:
        assert type(a) is type(b) and a == b, (where, a, b)
