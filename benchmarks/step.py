"""Cost of a training step: the engine, with every statistic it reports, against plain PyTorch loops.

Three loops train the same model (the same initial weights, data, batches and optimizer rule) and
evaluate loss and error on the training and validation sets on the same schedule (every
`eval_every` steps):

- "textbook": the loop a tutorial writes: `optimizer.zero_grad()`, `loss.backward()` through
  autograd, `torch.optim.Adam(model.parameters())`; it computes no statistics. The targets are
  set against it (engine >= 2.5x its steps/s at 2 x 4 and 6 x 8, and no slower at 50 x 64).
- "bare, fast": the engine's own step (the hand-written MLP backward, engine.models.mlp, and the
  flat optimizer, engine.optim) with no statistic at all: engine ÷ this is what the statistics
  (per-layer gradient norms, dL/ds, layer statistics, the non-finite checks) cost.
- "engine": `engine.Run.step`, everything included.

Rounds are interleaved (textbook, bare, engine, textbook, ...): the steps/s printed are each loop's
best round, and each ratio is the median over the rounds of that round's own ratio, so that a
machine whose speed drifts (a shared virtual machine does) slows both sides of a ratio alike.
`--busy` starts a second training process beside them first.

    python benchmarks/step.py [--steps N] [--repeats R] [--size 2x4 ...] [--busy]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time

import torch
import torch.nn.functional as F

from engine import Config, Run
from engine.models import Penalties

SIZES = {"2x4": (2, 4), "6x8": (6, 8), "8x32": (8, 32), "50x64": (50, 64)}


def config(size: str, steps: int) -> Config:
    depth, width = SIZES[size]
    return Config(depth=depth, width=width, batch_size=10, activation="tanh", optimizer="adam", lr=1e-3, steps=steps, device="cpu")


def evaluate(run: Run) -> None:
    with torch.no_grad():
        run.model.eval()
        for x, y in ((run.x_train, run.y_train), (run.x_val, run.y_val)):
            out = run.model(x)
            torch.stack([F.cross_entropy(out, y), (out.argmax(1) != y).float().mean()]).tolist()
        run.model.train()


def textbook(cfg: Config) -> float:
    """Steps/s of the tutorial loop, on a fresh Run's model, data and batch order."""
    run = Run(cfg)
    model = run.model
    for p in model.parameters():  # autograd's own gradients, not the engine's flat views
        p.grad = None
    optimizer = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    start = time.perf_counter()
    for t in range(1, cfg.steps + 1):
        idx = run._next_batch()
        out = model(run.x_train[idx])
        loss = F.cross_entropy(out, run.y_train[idx])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        loss.item()  # a loop reads its loss; the engine syncs once per step too
        if t == 1 or t % cfg.eval_every == 0:
            evaluate(run)
    return cfg.steps / (time.perf_counter() - start)


def bare_fast(cfg: Config) -> float:
    """Steps/s of the engine's step without its statistics."""
    run = Run(cfg)
    model, optimizer = run.model, run.optimizer
    start = time.perf_counter()
    for t in range(1, cfg.steps + 1):
        idx = run._next_batch()
        traced = model.loss_and_gradients(run.x_train[idx], run.y_train[idx], False, Penalties(), False, False)
        optimizer.step()
        traced.loss.item()
        if t == 1 or t % cfg.eval_every == 0:
            evaluate(run)
    return cfg.steps / (time.perf_counter() - start)


def engine(cfg: Config) -> float:
    run = Run(cfg)
    start = time.perf_counter()
    for _ in range(cfg.steps):
        run.step()
    return cfg.steps / (time.perf_counter() - start)


def busy_process() -> subprocess.Popen:
    """A second training process: a default-size run that never ends, on one thread."""
    code = "from engine import Config, Run\nrun = Run(Config(steps=10**7, device='cpu'))\nfor _ in run: pass\n"
    return subprocess.Popen([sys.executable, "-c", code], env={**os.environ, "VANISHING_POINT_THREADS": "1"})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=500)
    parser.add_argument("--repeats", type=int, default=9, help="R interleaved rounds")
    parser.add_argument("--size", choices=list(SIZES), action="append", help="only these sizes (repeatable)")
    parser.add_argument("--busy", action="store_true", help="with a second training process running beside")
    args = parser.parse_args()
    other = busy_process() if args.busy else None
    try:
        engine(config("2x4", 2))  # the engine sets torch's CPU threads
        load = "with a second training process" if other else "no second process"
        print(f"torch {torch.__version__}, {torch.get_num_threads()} CPU thread(s), {args.steps} steps per round, "
              f"{args.repeats} rounds, {load}; load average {os.getloadavg()[0]:.1f}")
        print(f"{'depth x width, batch 10':24s} {'textbook':>9s} {'bare, fast':>10s} {'engine':>8s}   "
              f"{'engine/textbook':>15s} {'engine/bare':>11s}   (steps/s)")
        for size in args.size or list(SIZES):
            steps = args.steps if SIZES[size][0] < 50 else max(50, args.steps // 10)
            cfg = config(size, steps)
            warm = config(size, 30)
            textbook(warm), bare_fast(warm), engine(warm)
            rounds = []
            for _ in range(args.repeats):
                rounds.append((textbook(cfg), bare_fast(cfg), engine(cfg)))
            tb, bare, eng = (max(r[i] for r in rounds) for i in range(3))
            vs_textbook = statistics.median(r[2] / r[0] for r in rounds)
            vs_bare = statistics.median(r[2] / r[1] for r in rounds)
            print(f"{size:24s} {tb:9,.0f} {bare:10,.0f} {eng:8,.0f}   {vs_textbook:15.2f} {vs_bare:11.2f}")
    finally:
        if other is not None:
            other.kill()
            other.wait()


if __name__ == "__main__":
    main()
