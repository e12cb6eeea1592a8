"""Sweeps: cells per second through a two-worker local Dask cluster against the local process pool
(`--jobs 2`), on the same grid, measured in one run, as a ratio (the target: within 20 %).

Each sweep is timed end to end as `vanishing-point sweep` runs it (into a fresh folder, so
nothing is reused): the local pool starts its two spawned processes every time, as the command
does; the cluster's two single-threaded workers are started once beforehand, as a teacher's
`dask scheduler` and `dask worker ADDRESS` are, and its first, cold sweep (the workers import
torch) is reported apart. The other sweeps alternate between the two, best of --repeats each.
The sweeps' sweep.csv files must be identical. It also prints each kind's mean training time
of one run (the runs' own clocks), which leaves out the pool's start-up.

    python benchmarks/sweep.py [--steps N] [--seeds N] [--repeats R] [--quick]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

# keep this folder off the import path, so that no benchmark file can shadow the engine package
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

from engine import Config  # noqa: E402
from engine.sweep import run_sweep  # noqa: E402

GRID = ["depth=2,4,8,16", "activation=tanh,relu,sigmoid"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=300, help="steps per cell (default 300)")
    parser.add_argument("--seeds", type=int, default=2, help="seeds per cell (default 2: 24 runs)")
    parser.add_argument("--repeats", type=int, default=2, help="timed sweeps of each kind (default 2)")
    parser.add_argument("--quick", action="store_true", help="100 steps, 1 repeat")
    args = parser.parse_args()
    if args.quick:
        args.steps, args.repeats = 100, 1
    try:
        from distributed import LocalCluster
    except ImportError:
        print("benchmarks/sweep.py needs Dask: pip install -e '.[cluster]'", file=sys.stderr)
        return 2

    base = Config(steps=args.steps, device="cpu")
    n_runs = 4 * 3 * args.seeds
    print(f"grid {' x '.join(GRID)}, {args.seeds} seeds: {n_runs} runs of {args.steps} steps "
          f"(depth x width {base.width}, batch {base.batch_size}); {os.cpu_count()} CPUs")

    with tempfile.TemporaryDirectory() as tmp, LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None, host="127.0.0.1"
    ) as cluster:
        counter = iter(range(1000))

        def sweep(**where) -> tuple[float, Path]:
            out = Path(tmp) / str(next(counter))
            start = time.perf_counter()
            status = run_sweep(base, GRID, where.get("jobs"), out, quiet=True, seeds_text=str(args.seeds), scheduler=where.get("scheduler"))
            seconds = time.perf_counter() - start
            assert status == 0, status
            return seconds, out

        cold, first = sweep(scheduler=cluster.scheduler_address)
        pool_times, cluster_times, outs = [], [], [first]
        for _ in range(args.repeats):
            seconds, out = sweep(jobs="2")
            pool_times.append(seconds)
            outs.append(out)
            seconds, out = sweep(scheduler=cluster.scheduler_address)
            cluster_times.append(seconds)
            outs.append(out)
        # each run's own training time (its record's seconds): the same work in both, startup aside
        per_run = [statistics.fmean(json.loads(m.read_text())["seconds"] for m in o.glob("cells/**/sweep_cell.json")) for o in outs]
        identical = len({(o / "sweep.csv").read_bytes() for o in outs}) == 1 and len({(o / "sweep_runs.csv").read_bytes() for o in outs}) == 1

    pool, dask = min(pool_times), min(cluster_times)
    print(f"local pool, --jobs 2:            {n_runs / pool:6.2f} runs/s  ({pool:.1f} s a sweep, best of {args.repeats})")
    print(f"Dask cluster, 2 workers:         {n_runs / dask:6.2f} runs/s  ({dask:.1f} s a sweep, best of {args.repeats})")
    print(f"Dask cluster, first (cold) sweep: {n_runs / cold:6.2f} runs/s  ({cold:.1f} s: the workers import torch)")
    pool_run = statistics.fmean(per_run[1::2])
    dask_run = statistics.fmean(per_run[2::2])
    print(f"training time of one run, mean: {pool_run * 1000:.0f} ms in the pool's processes, {dask_run * 1000:.0f} ms on the workers")
    ratio = pool / dask
    print(f"cluster / local pool: {ratio:.2f}x the cells per second (target: at least 0.80x); cold: {pool / cold:.2f}x")
    print(f"identical sweep.csv and sweep_runs.csv in all {len(outs)} sweeps: {'yes' if identical else 'NO'}")
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    if load:
        print(f"load average at the end: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    return 0 if identical else 1


if __name__ == "__main__":
    sys.exit(main())
