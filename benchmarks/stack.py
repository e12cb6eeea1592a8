"""Many networks at once: per-network throughput of a stack of K networks against a single run.

`engine.RunStack` trains runs that share a shape as one stacked network (engine.stack), each
network exactly the run it would be alone, with every statistic. This measures network-steps per
second (K x the stack's steps/s) for K = 1, 2, 4, 8 networks of one configuration at seeds
0..K-1, against one `Run` of the same configuration, as the median over interleaved rounds of each
round's own ratio (a shared machine's drifting speed slows both sides alike). It also prints what
the window's seed band (engine.band: five seeds as one stack, read as one median record per step)
costs: its steps/s against one run's.

It measures twice. Training: only step 1 is instrumented, so that a step is the training step
that stacking shares, the issue's target (>= 4x at K = 8, 6 x 8, batch 10). Then evaluating on the
usual schedule (every 10 steps, as the window and the command line): each network's evaluation is
a forward pass over its whole training and validation sets and its statistics, its own
arithmetic, which stacking does not share. --no-eval or --eval-only measures one of the two.

    python benchmarks/stack.py            # about two minutes
    python benchmarks/stack.py --busy     # with a second training process beside it
    python benchmarks/stack.py --size 8x32 --ks 1,8,16
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time

from engine import Config, Run, RunStack
from engine.band import SeedBand


def config(depth: int, width: int, seed: int, eval_every: int) -> Config:
    return Config(depth=depth, width=width, batch_size=10, steps=10_000_000, eval_every=eval_every, seed=seed, device="cpu")


def rate(step, steps: int) -> float:
    start = time.perf_counter()
    for _ in range(steps):
        step()
    return steps / (time.perf_counter() - start)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="6x8", help="depth x width (default 6x8)")
    parser.add_argument("--ks", default="1,2,4,8", help="stack sizes (default 1,2,4,8)")
    parser.add_argument("--rounds", type=int, default=25)
    parser.add_argument("--seconds", type=float, default=0.15, help="seconds per block")
    parser.add_argument("--no-eval", action="store_true", help="measure training only (step 1 instrumented)")
    parser.add_argument("--eval-only", action="store_true", help="measure with evaluations every 10 steps only")
    parser.add_argument("--busy", action="store_true", help="train a second network in another process meanwhile")
    args = parser.parse_args()
    depth, width = (int(v) for v in args.size.split("x"))
    ks = [int(k) for k in args.ks.split(",")]
    modes = [m for m, skip in ((10_000_000, args.eval_only), (10, args.no_eval)) if not skip]

    busy = None
    if args.busy:
        command = [sys.executable, "-c", "from engine import Config, Run\nfor _ in Run(Config(depth=6, width=8, steps=10**7)): pass"]
        busy = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(3)  # until it trains
    try:
        for eval_every in modes:
            measure(depth, width, ks, eval_every, args, busy is not None)
    finally:
        if busy is not None:
            busy.terminate()
            busy.wait()
    return 0


def measure(depth: int, width: int, ks: list[int], eval_every: int, args: argparse.Namespace, busy: bool) -> None:
    """Print the per-network throughput of each stack size against one run, both evaluating
    every `eval_every` steps."""
    single = Run(config(depth, width, 0, eval_every))
    stacks = {k: RunStack.of([config(depth, width, seed, eval_every) for seed in range(k)]) for k in ks}
    for k, stack in stacks.items():
        if k > 1 and [len(g) for g in stack.groups] != [k]:
            raise SystemExit(f"the {k} networks were not stacked (engine.stack.stacking_is_exact() is false here)")
    # warm up, and size each block to about --seconds
    per_block = {"single": max(10, round(args.seconds * rate(single.step, 200)))}
    for k, stack in stacks.items():
        per_block[k] = max(10, round(args.seconds * rate(stack.step, 50)))
    band = SeedBand(config(depth, width, 0, eval_every))
    per_block["band"] = max(10, round(args.seconds * rate(band.step, 50)))
    ratios: dict[int, list[float]] = {k: [] for k in ks}
    band_ratios: list[float] = []
    single_rates: list[float] = []
    for _ in range(args.rounds):
        s = rate(single.step, per_block["single"])
        single_rates.append(s)
        for k, stack in stacks.items():
            ratios[k].append(k * rate(stack.step, per_block[k]) / s)
        band_ratios.append(s / rate(band.step, per_block["band"]))
    load = "beside a second training process (6 x 8)" if busy else "with no second process of its own"
    mode = "training (no evaluations but step 1's)" if eval_every > 10 else "evaluation every 10 steps"
    print(f"{depth} x {width}, batch 10, Adam, {mode}; "
          f"{os.cpu_count()} CPUs, taken {load}; load average {os.getloadavg()[0]:.1f}")
    print(f"single run: {statistics.median(single_rates):,.0f} steps/s")
    print(f"{'K':>3s} {'per-network throughput / single run':>38s} {'(rounds)':>14s}")
    for k in ks:
        r = ratios[k]
        print(f"{k:3d} {statistics.median(r):38.2f} {min(r):6.2f} to {max(r):4.2f}")
    b = band_ratios
    print(f"seed band ({len(band.seeds)} seeds, median records): a step takes {statistics.median(b):.2f}x a single run's "
          f"({min(b):.2f} to {max(b):.2f})")


if __name__ == "__main__":
    sys.exit(main())
