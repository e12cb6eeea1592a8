"""Sweeps that resume and sweeps over seeds: an interrupted or killed sweep run again into the same
folder reuses the cells it had finished and redoes the rest, with the same table and picture;
`--seeds N` repeats every cell over N seeds with the spread in sweep.csv; bad options exit 2
with one line. All in this process (--jobs 1) but one, which kills a real sweep."""

from __future__ import annotations

import os
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

import pytest

from engine.sweep import GRAD_COLUMNS, HEADLINE, MARKER, STATS, seed_columns

from .helpers import cli, read_csv, set_args, strict_json

GRID = ["--grid", "depth=2,3", "--grid", "activation=tanh,relu"]
SETTINGS = [{"depth": d, "activation": a} for d in ("2", "3") for a in ("tanh", "relu")]
RUN_FILES = ("config.toml", "metrics.csv", "grad_norms.csv", "layer_stats.csv", "summary.json")


def sweep(out: Path, *extra: str) -> int:
    return cli("sweep", *GRID, *set_args(), "--jobs", "1", *extra, "--out", str(out))


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> Path:
    """The 2 x 2 sweep, uninterrupted."""
    out = tmp_path_factory.mktemp("reference") / "out"
    assert sweep(out, "--quiet") == 0
    return out


def same_outputs(a: Path, b: Path, names=("sweep.csv", "sweep.png")) -> None:
    for name in names:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


def stamps(out: Path, cell: int) -> dict[str, int]:
    folder = out / "cells" / str(cell)
    return {p.name: p.stat().st_mtime_ns for p in folder.iterdir()}


def test_a_finished_run_leaves_a_record_written_last(reference):
    for cell in range(1, 5):
        folder = reference / "cells" / str(cell)
        record = strict_json(folder / MARKER)
        assert record["format"] == "vanishing-point-sweep-cell"
        assert record["config"] == (folder / "config.toml").read_text(encoding="utf-8")
        assert set(record["files"]) == set(RUN_FILES)
        assert all((folder / n).stat().st_size == size for n, size in record["files"].items())
        assert (folder / MARKER).stat().st_mtime_ns >= max(t for n, t in stamps(reference, cell).items() if n != MARKER)


def test_a_rerun_reuses_finished_cells_and_redoes_broken_ones(reference, tmp_path, capsys):
    out = tmp_path / "out"
    assert sweep(out, "--quiet") == 0
    (out / "cells" / "2" / MARKER).unlink()  # killed before its record
    metrics = out / "cells" / "3" / "metrics.csv"
    metrics.write_bytes(metrics.read_bytes()[:-10])  # a file cut short after the record
    summary = out / "cells" / "4" / "summary.json"
    summary.write_text(summary.read_text().replace('"completed"', '"interrupted"'))  # not finished
    kept = stamps(out, 1)
    time.sleep(0.01)
    capsys.readouterr()
    assert sweep(out) == 0
    err = capsys.readouterr().err
    assert "reusing 1 of 4 cells already finished" in err and "3 to run" in err
    assert "(1 cell reused)" in err.splitlines()[-1]
    assert stamps(out, 1) == kept  # cell 1 was not redone
    assert [line.split("]")[1].split(":")[0] for line in err.splitlines() if line.startswith("[")] == [
        " cell 2 depth=2 activation=relu", " cell 3 depth=3 activation=tanh", " cell 4 depth=3 activation=relu"
    ]
    same_outputs(out, reference)
    for cell in (2, 3, 4):
        for name in (*RUN_FILES, MARKER):
            assert (out / "cells" / str(cell) / name).exists()
        for name in RUN_FILES:
            assert (out / "cells" / str(cell) / name).read_bytes() == (reference / "cells" / str(cell) / name).read_bytes()


def test_a_cell_with_another_configuration_is_redone(reference, tmp_path, capsys):
    out = tmp_path / "out"
    assert sweep(out, "--quiet") == 0
    assert cli("sweep", *GRID, *set_args(steps=10), "--jobs", "1", "--out", str(out)) == 0
    err = capsys.readouterr().err
    assert "reusing" not in err and "[4/4]" in err
    _, rows = read_csv(out / "sweep.csv")
    assert {row[2] for row in rows} == {"completed"} and (out / "cells" / "1" / "metrics.csv").read_text().splitlines()[-1].startswith("10,")


def test_an_interrupted_sweep_resumes_where_it_stopped(reference, tmp_path, capsys, monkeypatch):
    """Ctrl+C during cell 3: exit 130, two rows, and the rerun trains cells 3 and 4 only."""
    import engine.record

    out = tmp_path / "out"
    add = engine.record.RunRecorder.add

    def interrupt_in_cell_3(self, record):
        if self.out_dir.name == "3" and record.step == 7:
            raise KeyboardInterrupt
        add(self, record)

    monkeypatch.setattr(engine.record.RunRecorder, "add", interrupt_in_cell_3)
    assert sweep(out) == 130
    err = capsys.readouterr().err
    assert "interrupted after 2 of 4 cells" in err and "run the same command again to resume" in err
    assert len(read_csv(out / "sweep.csv")[1]) == 2
    assert strict_json(out / "cells" / "3" / "summary.json")["status"] == "interrupted"
    assert not (out / "cells" / "3" / MARKER).exists()
    monkeypatch.setattr(engine.record.RunRecorder, "add", add)
    assert sweep(out) == 0
    err = capsys.readouterr().err
    assert "reusing 2 of 4 cells" in err and "[3/4] cell 3" in err and "[4/4] cell 4" in err
    same_outputs(out, reference)


def test_a_killed_sweep_resumes(reference, tmp_path, capsys):
    """SIGKILL mid-sweep (no chance to clean up): the rerun reuses what was finished."""
    out = tmp_path / "out"
    args = [sys.executable, "-m", "engine", "sweep", *GRID, *set_args(), "--jobs", "1", "--quiet", "--out", str(out)]
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while not (out / "cells" / "1" / MARKER).exists() and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.01)
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait(timeout=60)
    finished = sum((out / "cells" / str(c) / MARKER).exists() for c in range(1, 5))
    assert finished >= 1
    assert sweep(out) == 0
    err = capsys.readouterr().err
    assert f"reusing {finished} of 4 cells" in err or finished == 4 and "nothing left to run" in err
    same_outputs(out, reference)


# --- seeds ------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def seeded(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("seeds") / "out"
    assert cli("sweep", "--grid", "activation=tanh,relu", *set_args(seed=5), "--seeds", "3", "--jobs", "1", "--quiet", "--out", str(out)) == 0
    return out


def test_seeds_give_one_row_per_cell_with_the_spread(seeded):
    header, rows = read_csv(seeded / "sweep.csv")
    assert header == seed_columns_for("activation")
    assert [row[:4] for row in rows] == [["tanh", "5", "3", "0"], ["relu", "5", "3", "0"]]
    runs_header, runs = read_csv(seeded / "sweep_runs.csv")
    assert runs_header[:2] == ["activation", "seed"] and runs_header[-2:] == list(GRAD_COLUMNS)
    assert [r[:2] for r in runs] == [["tanh", "5"], ["tanh", "6"], ["tanh", "7"], ["relu", "5"], ["relu", "6"], ["relu", "7"]]
    for row, cell_runs in zip(rows, (runs[:3], runs[3:])):
        table = dict(zip(header, row))
        for name in ("final_val_error", "final_train_loss", "grad_first_step1"):
            values = [float(dict(zip(runs_header, r))[name]) for r in cell_runs]
            assert float(table[f"{name}_mean"]) == pytest.approx(statistics.fmean(values), rel=1e-12)
            assert float(table[f"{name}_std"]) == pytest.approx(statistics.stdev(values), rel=1e-12)
            assert float(table[f"{name}_min"]) == min(values) and float(table[f"{name}_max"]) == max(values)
            assert float(table[f"{name}_median"]) == statistics.median(values)
        assert all(table[f"measured_log10_time_slope_{s}"] == "" for s in STATS)  # an mlp has none
    assert len({float(r[runs_header.index("grad_first_step1")]) for r in runs[:3]}) == 3  # the seeds differ


def seed_columns_for(*keys: str) -> list[str]:
    return [*keys, "first_seed", "seeds", "diverged", *(f"{m}_{s}" for m in HEADLINE for s in STATS)]


def test_seed_columns_are_documented_ones():
    from engine.sweep import Grid

    assert seed_columns(Grid(("depth",), ((2,),))) == seed_columns_for("depth")
    assert HEADLINE[-2:] == GRAD_COLUMNS and STATS == ("mean", "std", "min", "median", "max")


def test_each_seed_equals_a_single_run(seeded, tmp_path):
    for seed in (5, 7):
        single = tmp_path / str(seed)
        assert cli("run", *set_args(activation="relu", seed=seed), "--quiet", "--out", str(single)) == 0
        for name in RUN_FILES:
            assert (seeded / "cells" / "2" / f"seed_{seed}" / name).read_bytes() == (single / name).read_bytes(), name


def test_a_seeded_sweep_resumes_per_seed(seeded, tmp_path, capsys):
    out = tmp_path / "out"
    args = ["sweep", "--grid", "activation=tanh,relu", *set_args(seed=5), "--seeds", "3", "--jobs", "1", "--out", str(out)]
    assert cli(*args) == 0
    (out / "cells" / "1" / "seed_6" / MARKER).unlink()
    capsys.readouterr()
    assert cli(*args) == 0
    err = capsys.readouterr().err
    assert "reusing 5 of 6 runs" in err and "cell 1 activation=tanh, seed 6: completed" in err
    same_outputs(out, seeded, ("sweep.csv", "sweep_runs.csv", "sweep.png"))


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--seeds", "0"], "--seeds '0' is not allowed: it must be an integer from 1 to 1000, for example --seeds 5"),
        (["--seeds", "1001"], "--seeds '1001' is not allowed"),
        (["--seeds", "two"], "--seeds 'two' is not allowed"),
        (["--seeds", "3", "--grid", "seed=1,2"], "--grid seed=... and --seeds do not go together"),
        (["--seeds", "2", "--set", f"seed={2**63 - 1}"], "--seeds 2: seed = 9223372036854775808 is not allowed"),
        (["--jobs", "2", "--scheduler", "tcp://127.0.0.1:8786"], "--jobs and --scheduler do not go together"),
    ],
    ids=" ".join,
)
def test_bad_seeds_or_options_exit_2_with_one_line(args, expected, tmp_path, capsys):
    out = tmp_path / "out"
    assert cli("sweep", "--grid", "depth=2,3", *set_args(), *args, "--out", str(out)) == 2
    captured = capsys.readouterr()
    lines = captured.err.splitlines()
    assert captured.out == "" and len(lines) == 1, lines
    assert lines[0].startswith("vanishing-point: error: ") and expected in lines[0]
    assert not out.exists()


def test_scheduler_without_dask_says_how_to_install_it(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # `import distributed` raises ImportError
    out = tmp_path / "out"
    assert cli("sweep", "--grid", "depth=2,3", *set_args(), "--scheduler", "tcp://127.0.0.1:8786", "--out", str(out)) == 2
    lines = capsys.readouterr().err.splitlines()
    assert lines == ["vanishing-point: error: --scheduler needs Dask's distributed scheduler, which is not installed: "
                     "pip install vanishing-point[cluster]"]
    assert not out.exists()


def test_the_package_declares_the_cluster_extra():
    import tomllib

    extras = tomllib.loads((Path(__file__).parents[2] / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    assert any(d.startswith("dask[distributed]") for d in extras["cluster"])
    assert any(d.startswith("dask[distributed]") for d in extras["test"])  # CI runs the cluster tests


if os.name != "posix":  # SIGKILL
    test_a_killed_sweep_resumes = pytest.mark.skip("POSIX signals")(test_a_killed_sweep_resumes)
