"""The engine never loads Qt: the command line and the CSV writer work on a machine without a display."""

from __future__ import annotations

import json
import subprocess
import sys

QT = ("PySide6", "superqt", "pyqtgraph", "desktop_app")


def loaded_after(code: str) -> list[str]:
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted(m for m in sys.modules if m.startswith({QT!r}))))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=True)
    return json.loads(done.stdout.splitlines()[-1])


def test_importing_the_engine_loads_no_qt():
    assert loaded_after("import engine, engine.cli, engine.record") == []


def test_training_a_run_loads_no_qt():
    code = (
        "from engine import Config, Run\n"
        "run = Run(Config(depth=2, width=4, n_train=16, n_val=16, steps=3))\n"
        "records = list(run)\n"
        "from engine.cli import main\n"
        "main(['presets'])"
    )
    assert loaded_after(code) == []
