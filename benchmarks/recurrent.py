"""The recurrent step's price: steps/s of the engine's recurrent run, with all its statistics,
against a bare unrolled torch loop of the same cell and against torch's fused nn.RNN / nn.LSTM.

Three loops train the same network (same initial weights, same recall data, Adam, batch 32,
depth 1) on one CPU thread:
- engine: `engine.Run.step()`, what the app and the command line run: dL/dh_t at every step,
  gradient norms at every step, layer statistics and an evaluation every `eval_every` steps;
- bare: the same cell unrolled step by step in plain torch (the math of
  engine/models/recurrent.py), loss at h_T, backward, Adam, no statistics;
- fused: torch.nn.RNN / nn.LSTM (batch_first), loss at the last output, backward, Adam. It cannot
  give dL/dh_t (engine/models/recurrent.py says why): the price of seeing through time.

Bare and fused evaluate loss and error on the training and validation sets on the engine's
schedule (every `eval_every` steps): any training loop watches its validation loss, and at T = 200
one evaluation (1,300 sequences) costs more than the ten training steps before it. --no-eval times all
three without it (the engine then takes its statistics only at step 1, but still dL/dh_t and the
gradient norms at every step).

The three are timed in turns (engine, bare, fused, engine, ...), each for a block of about
`--seconds` of steps, a multiple of `eval_every` steps. Steps/s are medians over `--rounds`
rounds; each ratio is the median over the rounds of that round's own ratio, so that a machine
whose speed drifts (a shared virtual machine's does, by tens of percent over a minute) slows both
sides of a ratio alike. overhead % = (bare / engine - 1) x 100, with the range of the rounds' own
figures beside it; the issue's target is <= 15 %.

    python benchmarks/recurrent.py            # about 3 minutes, longer on a busy machine
    python benchmarks/recurrent.py --quick    # about 1 minute
    python benchmarks/recurrent.py --busy     # with a second training process beside it
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from engine import Config, Run
from engine.trainer import CPU_THREADS

ROOT = Path(__file__).resolve().parent.parent

# (model, T, H): the four cases, batch 32, depth 1
CASES = [("rnn", 50, 32), ("lstm", 50, 32), ("rnn", 200, 128), ("lstm", 200, 128)]
# a second run for --busy: a recurrent net, as a learner comparing two of them would train
BUSY_SETTINGS = ["model=lstm", "dataset=recall", "depth=1", "width=64", "seq_len=100", "steps=10000000"]


class Loop:
    """A training loop timed in blocks; subclasses give one step (`train`) and the forward pass
    that evaluations use (`predict`)."""

    def __init__(self, run: Run, eval_every: int):
        self.x_train, self.y_train, self.x_val, self.y_val = run.x_train, run.y_train, run.x_val, run.y_val
        self.eval_every = eval_every
        self.t = 0
        self._batches = torch.Generator().manual_seed(run.config.seed + 2)  # the engine's batch order
        self._perm = torch.empty(0, dtype=torch.long)
        self._pos = self.x_train.shape[0]
        self.batch = run.batch_size

    def _next_batch(self) -> torch.Tensor:  # as Run._next_batch: shuffled epochs, short tail dropped
        n = self.x_train.shape[0]
        if self._pos + self.batch > n:
            self._perm, self._pos = torch.randperm(n, generator=self._batches), 0
        self._pos += self.batch
        return self._perm[self._pos - self.batch : self._pos]

    def step(self) -> None:
        self.t += 1
        idx = self._next_batch()
        self.train(self.x_train[idx], self.y_train[idx])
        if self.eval_every and self.t % self.eval_every == 0:
            with torch.no_grad():
                for x, y in ((self.x_train, self.y_train), (self.x_val, self.y_val)):
                    out = self.predict(x)
                    torch.stack([F.cross_entropy(out, y), (out.argmax(1) != y).float().mean()]).tolist()

    def train(self, x: torch.Tensor, y: torch.Tensor) -> None:
        raise NotImplementedError

    def predict(self, x: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError


class BareLoop(Loop):
    """The engine's cell (one weight [W_in | W_rec], one bias; gate order i, f, g, o), unrolled."""

    def __init__(self, run: Run, eval_every: int):
        super().__init__(run, eval_every)
        model = run.model
        self.lstm = model.family.value == "lstm"
        self.H = model.hidden
        self.W = nn.Parameter(model.cells[0].detach().clone())  # (gates·H, n_in + H)
        self.b = nn.Parameter(model.biases[0].detach().clone())  # (gates·H,)
        self.out = nn.Linear(self.H, model.out.out_features)
        self.out.load_state_dict(model.out.state_dict())
        self.optimizer = torch.optim.Adam([self.W, self.b, *self.out.parameters()], lr=run.config.lr)

    def predict(self, x: torch.Tensor) -> torch.Tensor:
        n = self.W.shape[1] - self.H
        u = torch.matmul(x.transpose(0, 1), self.W[:, :n].t()) + self.b  # (T, batch, gates·H)
        w_rec = self.W[:, n:].t()
        h = c = u.new_zeros(x.shape[0], self.H)
        for u_t in u:  # unbinds u once; u[t] would cost a zero tensor of u's size per step in backward
            if self.lstm:
                i, f, g, o = torch.addmm(u_t, h, w_rec).chunk(4, dim=1)
                c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
                h = torch.sigmoid(o) * torch.tanh(c)
            else:
                h = torch.tanh(torch.addmm(u_t, h, w_rec))
        return self.out(h)

    def train(self, x: torch.Tensor, y: torch.Tensor) -> None:
        self.optimizer.zero_grad(set_to_none=True)
        loss = F.cross_entropy(self.predict(x), y)
        loss.backward()
        self.optimizer.step()
        loss.item()  # a training loop reads its loss; the engine syncs once per step too


class FusedLoop(Loop):
    """torch.nn.RNN / nn.LSTM with the same weights (bias_hh = 0: the engine has one bias)."""

    def __init__(self, run: Run, eval_every: int):
        super().__init__(run, eval_every)
        model = run.model
        H, W = model.hidden, model.cells[0].detach()
        n = W.shape[1] - H
        kind = nn.LSTM if model.family.value == "lstm" else nn.RNN
        self.rnn = kind(n, H, batch_first=True)
        with torch.no_grad():
            self.rnn.weight_ih_l0.copy_(W[:, :n])
            self.rnn.weight_hh_l0.copy_(W[:, n:])
            self.rnn.bias_ih_l0.copy_(model.biases[0].detach())
            self.rnn.bias_hh_l0.zero_()
        self.out = nn.Linear(H, model.out.out_features)
        self.out.load_state_dict(model.out.state_dict())
        self.optimizer = torch.optim.Adam([*self.rnn.parameters(), *self.out.parameters()], lr=run.config.lr)

    def predict(self, x: torch.Tensor) -> torch.Tensor:
        states, _ = self.rnn(x)  # (batch, T, H)
        return self.out(states[:, -1])

    def train(self, x: torch.Tensor, y: torch.Tensor) -> None:
        self.optimizer.zero_grad(set_to_none=True)
        loss = F.cross_entropy(self.predict(x), y)
        loss.backward()
        self.optimizer.step()
        loss.item()


class EngineLoop:
    def __init__(self, run: Run):
        self.run = run

    def step(self) -> None:
        self.run.step()


def timed(step: Callable[[], None], steps: int) -> float:
    start = time.perf_counter()
    for _ in range(steps):
        step()
    return time.perf_counter() - start


def check_same_net(run: Run, bare: BareLoop, fused: FusedLoop) -> None:
    """The three start from the same function: their outputs on a few sequences agree."""
    with torch.no_grad():
        x = run.x_train[:8]
        ref = run.model(x)
        for name, out in (("bare", bare.predict(x)), ("fused", fused.predict(x))):
            if not torch.allclose(ref, out, atol=1e-4, rtol=1e-4):
                raise SystemExit(
                    f"the {name} loop does not compute the engine's network: max difference {(ref - out).abs().max():.3g}"
                )


def measure(model: str, T: int, H: int, seconds: float, rounds: int, evaluate: bool) -> dict[str, list[float]]:
    """Steps/s of each loop in each round."""
    eval_every = 10
    config = Config(
        model=model,
        dataset="recall",
        depth=1,
        width=H,
        seq_len=T,
        batch_size=32,
        optimizer="adam",
        eval_every=eval_every if evaluate else 10_000_000,
        steps=10_000_000,
        device="cpu",
    )
    run = Run(config)  # sets torch's CPU threads (CPU_THREADS)
    bare, fused = BareLoop(run, eval_every if evaluate else 0), FusedLoop(run, eval_every if evaluate else 0)
    check_same_net(run, bare, fused)
    loops = {"engine": EngineLoop(run).step, "bare": bare.step, "fused": fused.step}
    # warm up to step eval_every (the engine's first, instrumented step included), so that every
    # block below starts just after an evaluation; that period, a little slow, sizes the blocks
    per_step = {name: timed(step, eval_every) / eval_every for name, step in loops.items()}
    blocks = {name: max(1, round(seconds / s / eval_every)) * eval_every for name, s in per_step.items()}
    rates: dict[str, list[float]] = {name: [] for name in loops}
    for _ in range(rounds):
        for name, step in loops.items():
            rates[name].append(blocks[name] / timed(step, blocks[name]))
    return rates


def start_busy(folder: str) -> subprocess.Popen:
    """A second training process beside the measurement; returns once it trains."""
    run_dir = Path(folder) / "run"
    command = [sys.executable, "-m", "engine", "run", "--quiet", "--out", str(run_dir)]
    for setting in BUSY_SETTINGS:
        command += ["--set", setting]
    errors = Path(folder) / "stderr.txt"  # a file: an unread pipe could fill and block it
    with errors.open("wb") as f:
        busy = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=f)
    deadline = time.monotonic() + 60
    while not (run_dir / "grad_norms.csv").exists() and busy.poll() is None and time.monotonic() < deadline:
        time.sleep(0.2)  # the file appears once its run is built
    if busy.poll() is not None:
        raise SystemExit(f"the busy process ended: {errors.read_text().strip()}")
    return busy


def parse_case(text: str) -> tuple[str, int, int]:
    model, T, H = text.split(":")
    return model, int(T), int(H)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="shorter blocks and fewer rounds (about 2 minutes)")
    parser.add_argument("--busy", action="store_true", help="train a second network in another process meanwhile")
    parser.add_argument("--no-eval", action="store_true", help="no evaluations in any loop (per-step cost only)")
    parser.add_argument("--seconds", type=float, help="seconds per block (default 0.6, --quick 0.3)")
    parser.add_argument("--rounds", type=int, help="rounds per case (default 11, --quick 5)")
    parser.add_argument(
        "--case", action="append", type=parse_case, metavar="MODEL:T:H", help="only these cases, e.g. lstm:200:128"
    )
    args = parser.parse_args()
    seconds = args.seconds or (0.3 if args.quick else 0.6)
    rounds = args.rounds or (5 if args.quick else 11)
    cases = args.case or CASES

    with tempfile.TemporaryDirectory() as out:
        busy = start_busy(out) if args.busy else None
        try:
            load = (
                f"beside a second training process (vanishing-point run, {' '.join(BUSY_SETTINGS[:-1])})"
                if busy
                else "with no second process of its own (other programs on the machine: see the load average)"
            )
            print(
                f"torch {torch.__version__}, {CPU_THREADS} CPU thread(s) (VANISHING_POINT_THREADS), {os.cpu_count()} CPUs; "
                f"taken {load}; load average {os.getloadavg()[0]:.1f} at the start"
            )
            print(
                f"batch 32, depth 1, recall, Adam; {'no evaluations' if args.no_eval else 'evaluation every 10 steps in all three'}; "
                f"median of {rounds} interleaved rounds of ~{seconds:g} s each"
            )
            print(
                f"{'case':16s} {'engine':>8s} {'bare':>8s} {'overhead':>9s} {'(rounds)':>15s} {'fused':>8s} {'engine/fused':>13s}"
                "   (steps/s)"
            )
            for model, T, H in cases:
                r = measure(model, T, H, seconds, rounds, not args.no_eval)
                overheads = [(b / e - 1) * 100 for b, e in zip(r["bare"], r["engine"])]
                overhead = statistics.median(overheads)
                versus_fused = statistics.median(e / f for e, f in zip(r["engine"], r["fused"]))
                engine, bare, fused = (statistics.median(r[name]) for name in ("engine", "bare", "fused"))
                label = f"{model} T={T} H={H}"
                spread = f"{min(overheads):.0f} to {max(overheads):.0f}%"
                print(
                    f"{label:16s} {engine:8.1f} {bare:8.1f} {overhead:8.1f}% {spread:>15s} {fused:8.1f} {versus_fused:13.2f}",
                    flush=True,
                )
            print(f"load average {os.getloadavg()[0]:.1f} at the end")
        finally:
            if busy is not None:
                busy.terminate()
                busy.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
