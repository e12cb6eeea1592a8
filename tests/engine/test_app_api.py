"""What the desktop app reads from the engine instead of computing it: the clipped-step count and
the mean-field theory of a built run, and the names the app imports from `engine`."""

from __future__ import annotations

import numpy as np

import engine
from engine import Config, Run, count_clipped
from engine.data import make_data
from engine.service import RunInfo
from engine.theory import predicted_chi


def test_count_clipped_counts_the_steps_clipping_shortened():
    total = np.array([1.0, 2.0, 3.0, np.nan, np.inf, 0.0])
    clipped = np.array([1.0, 1.5, 1.5, 1.0, 1.0, 0.0])
    assert count_clipped(total, clipped) == 2  # not-finite and zero-norm steps are not "clipped"
    assert count_clipped(np.array([]), np.array([])) == 0


def test_count_clipped_agrees_with_a_real_clipped_run():
    config = Config(depth=3, width=8, n_train=64, n_val=64, steps=40, clip_norm=0.05)
    records = list(Run(config))
    total = np.array([r.total_norm for r in records])
    clipped = np.array([r.clipped_norm for r in records])
    assert count_clipped(total, clipped) == len(records)  # a threshold this low clips every step
    assert count_clipped(total, total) == 0


def test_run_info_carries_the_theory_of_its_configuration():
    config = Config(depth=6, width=16, activation="tanh", n_train=32, n_val=32)
    data = make_data(config)
    info = RunInfo(1, config, [f"layer {i}" for i in range(7)], [(16, 16)] * 7, "cpu", data)
    assert np.allclose(info.predicted_chi, predicted_chi(config, data.n_inputs))
    residual = RunInfo(1, config.replace(residual=True), [], [], "cpu", data)
    assert residual.predicted_chi is None  # the theory does not apply: the app shows no line


def test_every_name_the_app_uses_is_exported():
    """Every `from engine import NAME` in desktop_app names something engine exports."""
    import ast
    from pathlib import Path

    used = set()
    for path in (Path(engine.__file__).parent.parent / "desktop_app").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module == "engine":
                used |= {alias.name for alias in node.names}
    assert used, "the app imports from engine"
    assert used <= set(engine.__all__), sorted(used - set(engine.__all__))
    for name in used:
        assert getattr(engine, name) is not None, name
