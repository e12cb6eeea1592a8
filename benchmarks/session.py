"""Session files: time to save and to open a 2,000-step run of the default configuration, and
its size on disk.

Opening is timed twice: in this process (numpy and the engine already loaded), and cold, in a
fresh Python process that imports engine.session and opens the file, which is what a window
pays to show a saved run; that process also reports whether torch was loaded (it must not be).

    python benchmarks/session.py [--steps N] [--repeats R]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from engine import Config, Run
from engine.session import load_session, save_run

ROOT = Path(__file__).resolve().parent.parent

COLD = """
import json, sys, time
start = time.perf_counter()
from engine.session import load_session
session = load_session(sys.argv[1])
print(json.dumps({"seconds": time.perf_counter() - start, "steps": len(session.records),
                  "torch": "torch" in sys.modules}))
"""


def best_of(repeats: int, fn) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()

    config = Config(steps=args.steps)
    start = time.perf_counter()
    run = Run(config)
    records = list(run)
    train_s = time.perf_counter() - start
    print(f"default configuration (depth {config.depth}, width {config.width}), {len(records)} steps, "
          f"eval every {config.eval_every}: trained in {train_s:.1f} s")

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "run.vpsession"
        save_s = best_of(args.repeats, lambda: save_run(path, run, records))
        open_s = best_of(args.repeats, lambda: load_session(path))
        size = path.stat().st_size
        cold = [
            json.loads(subprocess.run([sys.executable, "-c", COLD, str(path)], capture_output=True, text=True, check=True, cwd=ROOT).stdout)
            for _ in range(min(args.repeats, 3))
        ]
    cold_s = min(c["seconds"] for c in cold)
    print(f"save:                {save_s * 1000:8.1f} ms  (best of {args.repeats})")
    print(f"open (warm):         {open_s * 1000:8.1f} ms  (best of {args.repeats})")
    print(f"open (fresh process, import + open): {cold_s * 1000:.1f} ms; torch loaded: {'yes' if any(c['torch'] for c in cold) else 'no'}")
    print(f"size on disk:        {size / 1024:8.1f} KiB ({size / len(records):.0f} bytes per step)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
