"""`sweep --scheduler` against a real local Dask cluster (two worker processes): the same table,
picture and cell files as the local pool; a worker killed mid-sweep costs only its cells; a
resumed sweep reuses cells the local pool finished; a bad, unreachable or mismatched cluster is
one line and exit 2, a cell that fails on every try one line and exit 1."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import threading
import time
import warnings
from pathlib import Path

import pytest

distributed = pytest.importorskip("distributed", reason="the cluster tests need the test extra's Dask")

from engine.sweep import MARKER  # noqa: E402

from .helpers import cli, set_args  # noqa: E402

GRID = ["--grid", "depth=2,3", "--grid", "activation=tanh,relu"]
STEPS = {"steps": 400}  # long enough cells that a worker can be killed inside one
RUN_FILES = ("config.toml", "metrics.csv", "grad_norms.csv", "layer_stats.csv", "summary.json")


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """A scheduler and two single-threaded worker processes, as `dask scheduler` and two
    `dask worker ADDRESS` would give."""
    with warnings.catch_warnings():
        # on a busy machine Dask warns that creating the workers' scratch folders is slow
        warnings.simplefilter("ignore", UserWarning)
        cluster = distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None, host="127.0.0.1",
            local_directory=str(tmp_path_factory.mktemp("dask")),
        )
    with cluster as c, distributed.Client(c.scheduler_address, set_as_default=False) as client:
        yield c.scheduler_address, client


def sweep(out: Path, *extra: str, settings=None) -> int:
    return cli("sweep", *GRID, *set_args(**{**STEPS, **(settings or {})}), *extra, "--out", str(out))


@pytest.fixture(scope="module")
def local(tmp_path_factory) -> Path:
    """The sweep by the local pool (in this process)."""
    out = tmp_path_factory.mktemp("local") / "out"
    assert sweep(out, "--jobs", "1", "--quiet") == 0
    return out


def same_files(a: Path, b: Path, names=("sweep.csv", "sweep.png")) -> None:
    for name in names:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


def cell_folders(out: Path) -> list[Path]:
    return sorted(p.parent for p in out.glob(f"cells/**/{MARKER}"))


def test_the_cluster_writes_the_local_pools_files(cluster, local, tmp_path, capsys):
    address, _ = cluster
    remote = tmp_path / "remote"
    assert sweep(remote, "--scheduler", address) == 0
    err = capsys.readouterr().err
    assert f"sweep: 4 cells over depth, activation, on the Dask cluster at {address}: 2 workers, 2 threads" in err
    same_files(local, remote)
    folders = cell_folders(local)
    assert len(folders) == 4 and [f.relative_to(local) for f in folders] == [f.relative_to(remote) for f in cell_folders(remote)]
    for folder in folders:
        for name in RUN_FILES:
            assert (folder / name).read_bytes() == (remote / folder.relative_to(local) / name).read_bytes(), (folder, name)


def test_seeds_on_the_cluster_match_the_local_pool(cluster, tmp_path):
    address, _ = cluster
    local, remote = tmp_path / "local", tmp_path / "remote"
    assert cli("sweep", "--grid", "depth=2,3", *set_args(), "--seeds", "2", "--jobs", "1", "--quiet", "--out", str(local)) == 0
    assert cli("sweep", "--grid", "depth=2,3", *set_args(), "--seeds", "2", "--scheduler", address, "--quiet", "--out", str(remote)) == 0
    same_files(local, remote, ("sweep.csv", "sweep_runs.csv", "sweep.png"))


def test_the_cluster_resumes_what_the_local_pool_began(cluster, local, tmp_path, capsys):
    address, _ = cluster
    out = tmp_path / "out"
    shutil.copytree(local, out)
    for cell in (2, 4):
        (out / "cells" / str(cell) / MARKER).unlink()
    kept = (out / "cells" / "1" / "metrics.csv").stat().st_mtime_ns
    capsys.readouterr()
    assert sweep(out, "--scheduler", address) == 0
    err = capsys.readouterr().err
    assert "reusing 2 of 4 cells already finished" in err and "(2 cells reused)" in err
    assert (out / "cells" / "1" / "metrics.csv").stat().st_mtime_ns == kept
    same_files(local, out)


def test_a_worker_killed_mid_sweep_costs_only_its_cells(cluster, local, tmp_path):
    address, client = cluster
    remote = tmp_path / "remote"
    status: list[int] = []
    thread = threading.Thread(target=lambda: status.append(sweep(remote, "--scheduler", address, "--quiet")))
    pids = client.run(os.getpid)
    log_start = client.run_on_scheduler(transitions_so_far)
    thread.start()
    victim, home = None, set()
    deadline = time.monotonic() + 60
    while victim is None and time.monotonic() < deadline and thread.is_alive():
        busy = [w for w, keys in client.processing().items() if any("vanishing-point-cell" in str(k) for k in keys)]
        home = {int(f.name) for f in cell_folders(remote)}
        if busy and home:  # a cell home, others in flight
            victim = busy[0]
            os.kill(pids[victim], signal.SIGKILL)
        time.sleep(0.01)
    thread.join(timeout=120)
    assert victim is not None, "no worker was busy with a cell"
    assert not thread.is_alive() and status == [0]
    # the cells the lost worker held were trained again, and only those: none already home
    retried = client.run_on_scheduler(cells_put_back, start=log_start)
    assert retried and not retried & home, (retried, home)
    same_files(local, remote)
    folders = cell_folders(local)
    assert [f.relative_to(local) for f in folders] == [f.relative_to(remote) for f in cell_folders(remote)]
    for folder in folders:
        for name in RUN_FILES:
            assert (folder / name).read_bytes() == (remote / folder.relative_to(local) / name).read_bytes(), (folder, name)


def transitions_so_far(dask_scheduler) -> int:
    return len(dask_scheduler.transition_log)


def cells_put_back(dask_scheduler, start: int) -> set[int]:
    """The cells (indices) whose task went from a worker back to waiting since `start`."""
    return {
        int(str(t.key).split("-")[3])
        for t in list(dask_scheduler.transition_log)[start:]
        if str(t.key).startswith("vanishing-point-cell-") and t.start == "processing" and t.finish != "memory"
    }


def test_a_cell_that_fails_on_every_try_is_one_line(cluster, tmp_path, capsys):
    address, _ = cluster
    out = tmp_path / "out"
    # the device is checked on the worker that trains the cell, which has no GPU
    assert sweep(out, "--scheduler", address, "--quiet", settings={"device": "cuda"}) == 1
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("vanishing-point: error: cell "), lines
    assert "failed on the cluster" in lines[0] and "cuda" in lines[0]
    assert (out / "sweep.csv").exists()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("nonsense", "--scheduler 'nonsense': not a scheduler's address"),
        ("tcp://:8786", "not a scheduler's address"),
        ("foo://host:1", "unknown address scheme 'foo'"),
        ("unreachable", "cannot reach a Dask scheduler there"),
    ],
)
def test_a_bad_or_unreachable_scheduler_exits_2_with_one_line(address, expected, tmp_path, capsys, monkeypatch):
    import engine.cluster

    monkeypatch.setattr(engine.cluster, "CONNECT_TIMEOUT", 0.5)
    if address == "unreachable":
        address = f"tcp://127.0.0.1:{free_port()}"
    out = tmp_path / "out"
    start = time.monotonic()
    assert sweep(out, "--scheduler", address) == 2
    assert time.monotonic() - start < 10
    captured = capsys.readouterr()
    lines = captured.err.splitlines()
    assert captured.out == "" and len(lines) == 1, lines
    assert lines[0].startswith("vanishing-point: error: ") and expected in lines[0]
    assert "dask scheduler" in lines[0] and "Traceback" not in captured.err
    assert not out.exists()


def test_workers_of_another_version_exit_2_with_one_line(cluster, tmp_path, capsys, monkeypatch):
    import engine.cluster

    address, _ = cluster
    monkeypatch.setattr(engine.cluster, "__version__", "99.0")
    out = tmp_path / "out"
    assert sweep(out, "--scheduler", address) == 2
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1 and "has vanishing-point 0." in lines[0] and "this sweep needs 99.0" in lines[0], lines
    assert not out.exists()
