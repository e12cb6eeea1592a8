"""Many networks at once: runs that share a shape train as one stacked network.

On a learner's small net a training step is almost all per-operation overhead, paid once per op
whatever the op's size. `RunStack` steps several ordinary `Run`s together; those that share a
shape (and the settings a pass or an update reads once for all of them) form a group whose
weights are one (K, layers + 1, width) buffer, so that each layer's product for all K networks is
one batched product (engine.models.mlp.StackedMLP) and the update one optimizer call over K
buffers. Everything that is a network's own stays its own and runs its own code: its data and
batch order, its dropout masks, its norms, clipping, divergence, statistics, evaluations and early
stopping (Run._begin_step, _check_gradients and _finish_step). Each network therefore gives, step
for step and to the bit, what it gives trained alone (tests/engine/test_stack.py).

A network that ends (diverged, early-stopped, completed) leaves its group with its weights and
optimizer state, as the run it is; the others carry on. Runs that cannot be stacked (a recurrent
net, batch norm, PReLU, a run already under way or with a live change waiting, a GPU run, any run
where stacking would not be exact: stacking_is_exact, products_stack_exactly) step on their own
inside the RunStack.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterator, Sequence
from typing import Any

import torch

from engine.config import Config
from engine.models import Traced
from engine.models.mlp import VECTOR_BLOCK
from engine.optim import FlatOptimizer
from engine.results import StepRecord
from engine.trainer import Run

#: the configuration keys in which the networks of one group may differ: what a network draws or
#: decides on its own. Every other key is read once for the whole group (its shape, the activation,
#: dropout, the optimizer and its learning rate, the penalties, the batch size).
OWN_KEYS = frozenset(
    {"seed", "init", "init_gain", "bias_init", "noise", "label_noise", "n_train", "n_val", "clip_norm", "patience", "steps", "eval_every"}
)


def stacking_is_exact() -> bool:
    """Whether a stack would give each network, to the bit, what it gives alone: on one CPU
    thread (several threads split a stacked tensor into chunks whose edges can fall inside a
    network, whose values there take an elementwise kernel's scalar path) and where batched
    products agree. Otherwise nothing is stacked: each run trains on its own, as correct and
    only slower."""
    return torch.get_num_threads() == 1 and batched_products_agree()


@functools.cache
def batched_products_agree() -> bool:
    """Whether this machine's batched matrix products give each network what its own product
    gives, to the bit: MKL does only with strict reproducibility (engine/__init__.py sets it, but
    a process that used MKL before importing the engine, or another BLAS, may not)."""
    return _products_agree(((5, 9, 9), (7, 13, 11), (3, 2, 4)))  # MKL's sizes and aten's own loop's


def _products_agree(shapes: tuple[tuple[int, int, int], ...]) -> bool:
    """Whether a batched product of three random rows x inner by inner x cols pairs, for each
    shape, gives each pair what the pair's own product gives, to the bit."""
    generator = torch.Generator().manual_seed(0)
    for rows, inner, cols in shapes:
        a = torch.randn(3, rows, inner, generator=generator)
        b = torch.randn(3, inner, cols, generator=generator)
        together = torch.bmm(a, b)
        for k in range(3):
            if not torch.equal(together[k], torch.bmm(a[k].clone().unsqueeze(0), b[k].clone().unsqueeze(0))[0]):
                return False
    return True


#: a batched product of rows x inner by inner x cols whose rows x inner x cols is below this runs
#: aten's own loop, each network's product by itself whatever K; from it up, a BLAS's
SMALL_PRODUCT = 400


@functools.cache
def column_products_agree() -> bool:
    """Whether batched products with one column (a matrix times a vector) give each network what
    its own product gives, to the bit. MKL's do not even when strict (seen: 37 x 11 by 11 x 1),
    while its products with more columns, or one row, do (batched_products_agree)."""
    return _products_agree(((37, 11, 1), (10, 40, 1), (64, 8, 1)))


def products_stack_exactly(run: Run) -> bool:
    """Whether every product of `run`'s step is one that a stack computes exactly: a layer with one
    output (a regression net's last) or one input (its first) makes products with one column, of
    its batch by its other side (forward, and the gradient of its weights or of its input); those
    must be small enough for aten's own loop, or column products must agree here."""
    if column_products_agree():
        return True
    batch = run.batch_size
    return all(
        not (fan_out == 1 and batch * fan_in >= SMALL_PRODUCT) and not (fan_in == 1 and batch * fan_out >= SMALL_PRODUCT)
        for fan_in, fan_out in run.layer_sizes
    )


def stack_key(run: Run) -> tuple[Any, ...]:
    """Runs with equal keys can share a group."""
    shared = {k: v for k, v in run.config.to_dict().items() if k not in OWN_KEYS}
    return (
        tuple(sorted((k, repr(v)) for k, v in shared.items())),
        run.batch_size,
        run.data.n_inputs,
        run.data.n_outputs,
        str(run.device),
    )


class _Group:
    """K >= 2 runs of one key trained as one stacked network."""

    def __init__(self, runs: list[Run], model: Any, rows: torch.Tensor, grad_rows: torch.Tensor, optimizer: FlatOptimizer):
        self.runs, self.model, self.rows, self.grad_rows, self.optimizer = runs, model, rows, grad_rows, optimizer

    @classmethod
    def build(cls, runs: list[Run], optimizer: FlatOptimizer | None = None) -> _Group | None:
        """Move `runs` into one buffer (their current weights and gradients copied in), or None
        where their family cannot be stacked. `optimizer`: the update they had in a group before,
        over these runs in this order; a new one otherwise (the runs have not stepped yet)."""
        rows = torch.stack([r._param_rows for r in runs])
        grad_rows = torch.stack([r._grad_rows for r in runs])
        model = runs[0].model.stacked([r.model for r in runs], rows, grad_rows)
        if model is None:
            return None
        # one update call over all K buffers where each network's is whole blocks (FlatOptimizer's `stacked`)
        stacked = rows[0].numel() % VECTOR_BLOCK == 0
        params, grads = (rows, grad_rows) if stacked else (list(rows.unbind(0)), list(grad_rows.unbind(0)))
        if optimizer is None:
            first = runs[0]
            optimizer = FlatOptimizer(first.optimizer.entry, params, grads, first.config.lr, stacked)
        else:
            optimizer = optimizer.take(list(range(len(runs))), params, grads, stacked)
        group = cls(runs, model, rows, grad_rows, optimizer)
        for k, run in enumerate(runs):
            # while grouped a run's optimizer is the group's: only the group steps it, and the
            # live lr that each run's _apply_pending sets on it is every run's
            run._move_parameters(rows[k], grad_rows[k], optimizer)
            run._stack = group
        return group

    def release(self, leaving: list[int]) -> _Group | Run | None:
        """Give the runs at `leaving` their own buffers and optimizer state; return what is left:
        a smaller group, a lone run, or None."""
        for k in leaving:
            self._alone(k)
        staying = [k for k in range(len(self.runs)) if k not in leaving]
        if not staying:
            return None
        if len(staying) == 1:
            return self._alone(staying[0])
        kept = self.optimizer.take(staying, [self.rows[k] for k in staying], [self.grad_rows[k] for k in staying])
        group = _Group.build([self.runs[k] for k in staying], kept)
        assert group is not None  # the family stacked before
        return group

    def _alone(self, k: int) -> Run:
        """Run k with its own copy of its buffers and its optimizer state, out of the group."""
        run = self.runs[k]
        rows, grads = self.rows[k].clone(), self.grad_rows[k].clone()
        run._move_parameters(rows, grads, self.optimizer.take([k], [rows], [grads]))
        run._stack = None
        return run

    def step(self) -> tuple[list[tuple[Run, StepRecord]], _Group | Run | None]:
        """One step of every run; returns each run's record and what trains on afterwards."""
        runs = self.runs
        plans = [run._begin_step() for run in runs]
        xs, ys = zip(*(run._next_xy() for run in runs))
        first = runs[0]
        self.optimizer.lr = first.config.lr  # live: every run has the same
        trace = any(p.trace for p in plans)
        activations = any(p.instrument for p in plans)
        traced = self.model.loss_and_gradients(
            torch.stack(xs), torch.stack(ys), first.data.is_regression, plans[0].penalties, trace, activations
        )
        # every network's loss and gradient norms read at once: the norm of each row of the
        # (K, layers + 1, width) buffer, which the norm kernel takes row by row along its
        # contiguous last dimension, as Run._check_gradients takes a lone network's rows
        losses = traced.loss.tolist()
        norms = torch.linalg.vector_norm(self.grad_rows, dim=2).tolist()
        records: list[tuple[Run, StepRecord]] = []
        checked: list[Any] = []
        diverged: list[int] = []
        share = self.model.ops.own  # network k's share of a (K, ...) tensor, made once for the stack's buffers
        plain = Traced(traced.loss, traced.out, [], None, None)  # what a step without statistics reads: nothing of it
        for k, (run, plan) in enumerate(zip(runs, plans)):
            own = plain
            if plan.trace or plan.instrument:
                own = Traced(
                    traced.loss[k],
                    share(traced.out, k),
                    [share(g, k) for g in traced.pre_grads] if plan.trace else [],
                    None if traced.post is None else [share(a, k) for a in traced.post],
                    None,
                )
            result = run._check_gradients(plan, own, (losses[k], norms[k]))
            checked.append((own, result))
            if isinstance(result, StepRecord):  # diverged: no update for it
                diverged.append(k)
                records.append((run, result))
        group: _Group | Run | None = self
        if diverged:
            group = self.release(diverged)
            keep = [k for k in range(len(runs)) if k not in diverged]
            runs, plans, checked = [runs[k] for k in keep], [plans[k] for k in keep], [checked[k] for k in keep]
        if group is None:
            return records, None
        group.optimizer.step()  # the group's, or the one run's left of it
        ended = []
        for k, (run, plan, (own, result)) in enumerate(zip(runs, plans, checked)):
            record = run._finish_step(plan, own, result)
            records.append((run, record))
            if run.finished:
                ended.append(k)
        if ended and isinstance(group, _Group):
            group = group.release(ended)
        elif ended:  # the lone run that is left ended
            group = None
        return records, group


class RunStack:
    """Several runs stepped together, the ones that can share a stacked network grouped.

    `step()` steps every run that has not ended and returns its record, in the order of `runs`
    (None for a run that had already ended). The runs are ordinary `Run`s: read their
    evaluations, summaries and status as usual; while grouped, only the stack may step them."""

    def __init__(self, runs: Sequence[Run]):
        self.runs = list(runs)
        if len({id(r) for r in self.runs}) != len(self.runs):
            raise ValueError("a run can be in a stack only once")
        self._units: list[_Group | Run] = []
        self._lock = threading.Lock()  # a step against live changes from another thread
        self._broken = False
        by_key: dict[tuple[Any, ...], list[Run]] = {}
        for run in self.runs:
            if run.finished or run._stack is not None:
                raise ValueError("only runs that have not ended and are in no other stack can be stacked")
            # stacked: runs that have not stepped, with no live change waiting (a group reads the
            # shared settings from its runs' configurations), on the CPU (the exactness is
            # checked on the CPU's kernels only)
            if run.step_count == 0 and not run._pending and run.device.type == "cpu":
                by_key.setdefault(stack_key(run), []).append(run)
            else:
                self._units.append(run)
        stackable = stacking_is_exact()
        for members in by_key.values():
            exact = stackable and products_stack_exactly(members[0])  # one key: one shape and batch
            group = _Group.build(members) if len(members) > 1 and exact else None
            self._units.extend([group] if group is not None else members)

    @classmethod
    def of(cls, configs: Sequence[Config], **run_options: Any) -> RunStack:
        return cls([Run(c, **run_options) for c in configs])

    @property
    def finished(self) -> bool:
        return all(r.finished for r in self.runs)

    @property
    def groups(self) -> list[list[Run]]:
        """The runs trained as one network now, group by group (lone runs not listed)."""
        return [list(u.runs) for u in self._units if isinstance(u, _Group)]

    def set_live(self, **changes: Any) -> None:
        """Run.set_live for every run that has not ended, all before the same step (all or none:
        a bad value changes none). Any thread may call it. The learning rate, the penalties and
        dropout of a run in a stack change only this way (the stack shares them)."""
        with self._lock:
            live = [r for r in self.runs if not r.finished]
            for run in live:  # the first refuses a bad change (ConfigError) before any run takes it
                run._set_live(changes, from_stack=True)

    def step(self) -> list[StepRecord | None]:
        if self._broken:
            raise RuntimeError("a step of this stack was interrupted: its runs' state is not known; start new runs")
        got: dict[int, StepRecord] = {}
        units: list[_Group | Run] = []
        with self._lock:
            self._broken = True  # until the step completes: a group may have been rebuilt halfway
            for unit in self._units:
                if isinstance(unit, _Group):
                    records, rest = unit.step()
                    for run, record in records:
                        got[id(run)] = record
                    if rest is not None:
                        units.append(rest)
                elif not unit.finished:
                    got[id(unit)] = unit.step()
                    if not unit.finished:
                        units.append(unit)
            self._units = units
            self._broken = False
        return [got.get(id(run)) for run in self.runs]

    def __iter__(self) -> Iterator[list[StepRecord | None]]:
        while not self.finished:
            yield self.step()

    def release(self) -> None:
        """Give every grouped run its own buffers back: each can then step on its own."""
        for unit in self._units:
            if isinstance(unit, _Group):
                unit.release(list(range(len(unit.runs))))
        self._units = [r for r in self.runs if not r.finished]
