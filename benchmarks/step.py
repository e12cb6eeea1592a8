"""Cost of the engine's instrumentation: steps/s of `engine.Run` against a bare PyTorch loop.

The bare loop trains the same model (same class, same initial weights, same data, same batches,
same optimizer) and evaluates loss and error on the training and validation sets on the same
schedule, but computes no statistics: no per-layer gradient norms, no dL/ds, no layer statistics,
no non-finite check. The ratio engine/bare is the figure; the target is >= 0.9 at every size.

Two bare loops are timed. "bare" is the textbook loop (`optimizer.zero_grad()`, which sets every
gradient to None, then `backward()`), the baseline the target is set against. "bare, flat" keeps
the gradients where the engine keeps them, in one flat buffer zeroed in place
(engine.models.flatten_parameters), which by itself makes a small net's step faster; its ratio
shows what the statistics alone cost.

    python benchmarks/engine.py [--steps N] [--repeats R] [--size small|default|deep ...]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

# this file is named like the package it measures: keep its folder off the import path
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

from engine import Config, Run  # noqa: E402

SIZES = {
    "small (depth 4, width 16)": dict(depth=4, width=16),
    "default (depth 8, width 32)": dict(),
    "deep (depth 50, width 64)": dict(depth=50, width=64),
}


def bare_loop(config: Config, steps: int, flat: bool = False) -> float:
    """Steps/s of a plain training loop over the model, data and batches of a fresh Run; with
    `flat`, the gradients stay in the run's flat buffer, zeroed in place."""
    run = Run(config)  # only to build the identical model, data and batch order
    model, opt = run.model, run.optimizer
    classify = not run.data.is_regression

    def evaluate(x, y):
        with torch.no_grad():
            model.eval()
            out = model(x)
            loss = F.cross_entropy(out, y) if classify else F.mse_loss(out, y)
            err = (out.argmax(1) != y).float().mean() if classify else loss
            model.train()
            return torch.stack([loss, err]).tolist()

    start = time.perf_counter()
    for t in range(1, steps + 1):
        idx = run._next_batch()
        x, y = run.x_train[idx], run.y_train[idx]
        out = model(x)
        loss = F.cross_entropy(out, y) if classify else F.mse_loss(out, y)
        if flat:
            run._grad_rows.zero_()
        else:
            opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        loss.item()  # a training loop reads its loss; the engine syncs once per step too
        if t == 1 or t % config.eval_every == 0 or t == steps:
            evaluate(run.x_train, run.y_train)
            evaluate(run.x_val, run.y_val)
    return steps / (time.perf_counter() - start)


def engine_loop(config: Config, steps: int) -> float:
    run = Run(config)
    start = time.perf_counter()
    for _ in range(steps):
        run.step()
    return steps / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=600)
    parser.add_argument("--repeats", type=int, default=3, help="best of R alternating runs")
    parser.add_argument("--size", choices=["small", "default", "deep"], action="append", help="only these sizes (repeatable)")
    args = parser.parse_args()
    engine_loop(Config(steps=2, device="cpu"), 1)  # the engine sets torch's CPU threads
    print(f"torch {torch.__version__}, {torch.get_num_threads()} CPU thread(s), steps per run {args.steps}, best of {args.repeats}")
    print(f"{'size':30s} {'bare':>7s} {'bare, flat':>10s} {'engine':>7s}   {'ratio':>5s} {'(flat)':>6s}   (steps/s)")
    for label, size in SIZES.items():
        if args.size and label.split()[0] not in args.size:
            continue
        # relu + he keeps every size finite for the whole run
        config = Config(**size, activation="relu", init="he_normal", lr=1e-3, steps=args.steps, device="cpu")
        engine_loop(config, 20)  # warm up
        bare_loop(config, 20)
        bare = flat = inst = 0.0
        for _ in range(args.repeats):
            bare = max(bare, bare_loop(config, args.steps))
            flat = max(flat, bare_loop(config, args.steps, flat=True))
            inst = max(inst, engine_loop(config, args.steps))
        print(f"{label:30s} {bare:7,.0f} {flat:10,.0f} {inst:7,.0f}   {inst / bare:5.2f} {inst / flat:6.2f}")


if __name__ == "__main__":
    main()
