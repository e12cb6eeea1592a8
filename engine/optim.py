"""The optimizers' update rules, applied to the engine's flat parameter buffer in a few ops.

torch.optim's CPU optimizers loop in Python over every parameter tensor: on a learner's small net
(14 tensors for 6 x 8) the update cost about half of a training step. Every parameter of a run is
a view into one tensor (engine.models.flatten_parameters), so the same rule can update all of them
at once. `FlatOptimizer` does that with torch's own formulas, op for op as torch's single-tensor
implementation writes them, so a run follows the trajectory torch.optim would give
(tests/engine/test_optim.py holds each rule to torch's within float tolerance).

The hyperparameters are torch's: each engine.choices.OPTIMIZERS entry names the torch.optim class
and its options, and the rest are that class's defaults, read from torch itself. The zero padding of
the buffer has zero gradients, so every rule leaves it zero.

Adam and AdamW use torch's fused kernel where this torch has one for the device (the CPU since
torch 2.4): one op instead of seven, what torch.optim.Adam(fused=True) runs. It rounds a little
differently from the op-by-op rule, which older torch and other devices get.
"""

from __future__ import annotations

import inspect
from typing import Any

import torch

from engine.choices import OptimizerEntry


def hyperparameters(entry: OptimizerEntry, lr: float) -> dict[str, Any]:
    """Every hyperparameter of the torch.optim class `entry` names: its options over the class's
    defaults, read from its signature. (Building one instead would cost about a second and a
    half in a fresh process, which every training process and sweep worker would pay.)"""
    signature = inspect.signature(getattr(torch.optim, entry.name).__init__)
    defaults = {k: p.default for k, p in signature.parameters.items() if p.default is not inspect.Parameter.empty}
    return {**defaults, **dict(entry.options), "lr": lr}


class FlatOptimizer:
    """One of torch.optim's rules on flat tensors: `params`, one network's whole parameter buffer
    whose gradient is `grads`, or a list of such buffers, one per network of a stack
    (engine.stack), updated together as torch's foreach and fused optimizers update a list. Each
    buffer of a list gets exactly the ops a lone one gets, so a network's trajectory does not
    depend on the company it trains in.

    `stacked`: `params` and `grads` are each one (K, ...) tensor of K networks' buffers, updated
    as one tensor (one kernel call for all K instead of one each). Every rule is elementwise: a
    network's values get the ops they get alone as long as each falls in the kernels' vectorized
    body alone as in the stack, which holds where a network's buffer is a whole number of 64-value
    blocks (engine.stack decides: engine.models.mlp.VECTOR_BLOCK).

    `lr` may change between steps (the live learning rate)."""

    #: the options each rule implements, at these values; any other value is refused at build
    _FIXED = {
        "SGD": {"dampening": 0, "weight_decay": 0, "maximize": False},
        "RMSprop": {"momentum": 0, "centered": False, "weight_decay": 0, "maximize": False},
        "Adam": {"amsgrad": False, "weight_decay": 0, "maximize": False, "decoupled_weight_decay": False},
        "AdamW": {"amsgrad": False, "maximize": False},
    }

    def __init__(
        self,
        entry: OptimizerEntry,
        params: torch.Tensor | list[torch.Tensor],
        grads: torch.Tensor | list[torch.Tensor],
        lr: float,
        stacked: bool = False,
    ):
        if entry.name not in self._FIXED:
            raise ValueError(f"no flat rule for torch.optim.{entry.name}")
        hyper = hyperparameters(entry, lr)
        unsupported = {k: hyper.get(k) for k, v in self._FIXED[entry.name].items() if hyper.get(k, v) != v}
        if unsupported:
            raise ValueError(f"the flat {entry.name} does not implement {unsupported}")
        self.entry = entry
        self.kind = entry.name
        self.hyper = hyper
        self.params = [params] if isinstance(params, torch.Tensor) else list(params)
        self.grads = [grads] if isinstance(grads, torch.Tensor) else list(grads)
        self.stacked = stacked
        self.lr = lr
        self.steps = 0
        self._buf: list[torch.Tensor] | None = None  # momentum buffers, or Adam's first moments
        self._sq: list[torch.Tensor] | None = None  # the running averages of squared gradients
        self._fused = _fused_kernel(entry.name, self.params[0]) if entry.name in ("Adam", "AdamW") else None
        self._step_t: list[torch.Tensor] | None = None  # the fused kernel's step counts, tensors
        self._rule = getattr(self, "_" + entry.name.lower())

    def take(
        self,
        networks: list[int],
        params: torch.Tensor | list[torch.Tensor],
        grads: torch.Tensor | list[torch.Tensor],
        stacked: bool = False,
    ) -> FlatOptimizer:
        """The optimizer of these networks of a list or a stacked tensor (by index), now on the
        buffers `params` (with gradients `grads`; `stacked` as for a new one), carrying on with
        their state: what a stack hands a network that leaves it, and keeps for the ones that stay."""
        kept = FlatOptimizer(self.entry, params, grads, self.lr, stacked)
        kept.steps = self.steps
        for name in ("_buf", "_sq", "_step_t"):
            state = getattr(self, name)
            if state is None:
                continue
            if not self.stacked:
                mine = [state[k] for k in networks]
            elif name == "_step_t":  # one count for the whole stack: every network's own copy
                mine = [state[0].clone() for _ in networks]
            else:
                mine = [state[0][k] for k in networks]
            if stacked:
                mine = [mine[0].clone()] if name == "_step_t" else [torch.stack(mine)]
            setattr(kept, name, mine)
        return kept

    def step(self) -> None:
        # no torch.no_grad() needed: the buffers themselves never require grad (their views, the
        # parameters, do), so these in-place ops record nothing
        self.steps += 1
        self._rule()

    def _sgd(self) -> None:
        p, g, h = self.params, self.grads, self.hyper
        momentum = h["momentum"]
        if momentum:
            if self._buf is None:
                self._buf = [t.clone() for t in g]  # torch: the first step's buffer is the gradient itself
            else:
                torch._foreach_mul_(self._buf, momentum)
                torch._foreach_add_(self._buf, g)
            g = torch._foreach_add(g, self._buf, alpha=momentum) if h["nesterov"] else self._buf
        torch._foreach_add_(p, g, alpha=-self.lr)

    def _rmsprop(self) -> None:
        p, g, h = self.params, self.grads, self.hyper
        if self._sq is None:
            self._sq = [torch.zeros_like(t) for t in p]
        alpha = h["alpha"]
        torch._foreach_mul_(self._sq, alpha)
        torch._foreach_addcmul_(self._sq, g, g, value=1 - alpha)
        avg = torch._foreach_sqrt(self._sq)
        torch._foreach_add_(avg, h["eps"])
        torch._foreach_addcdiv_(p, g, avg, value=-self.lr)

    def _adamw(self) -> None:
        if self._fused is None:
            torch._foreach_mul_(self.params, 1 - self.lr * self.hyper["weight_decay"])  # decoupled weight decay, first
        self._adam()

    def _adam(self) -> None:
        p, g, h = self.params, self.grads, self.hyper
        if self._buf is None:
            self._buf, self._sq = [torch.zeros_like(t) for t in p], [torch.zeros_like(t) for t in p]
        beta1, beta2 = h["betas"]
        if self._fused is not None:
            if self._step_t is None:
                self._step_t = [torch.zeros((), dtype=torch.float32, device=t.device) for t in p]
            torch._foreach_add_(self._step_t, 1)
            weight_decay = h["weight_decay"]  # AdamW's, decoupled in its kernel; Adam's is 0
            self._fused(p, g, self._buf, self._sq, [], self._step_t, lr=self.lr, beta1=beta1, beta2=beta2,
                        weight_decay=weight_decay, eps=h["eps"], amsgrad=False, maximize=False)
            return
        torch._foreach_lerp_(self._buf, g, 1 - beta1)
        torch._foreach_mul_(self._sq, beta2)
        torch._foreach_addcmul_(self._sq, g, g, value=1 - beta2)
        t = self.steps
        step_size = self.lr / (1 - beta1**t)
        denom = torch._foreach_sqrt(self._sq)
        torch._foreach_div_(denom, (1 - beta2**t) ** 0.5)
        torch._foreach_add_(denom, h["eps"])
        torch._foreach_addcdiv_(p, self._buf, denom, value=-step_size)


def _fused_kernel(name: str, like: torch.Tensor) -> Any:
    """torch's fused Adam or AdamW kernel if it runs on `like`'s device and dtype here, else None."""
    kernel = getattr(torch, "_fused_adamw_" if name == "AdamW" else "_fused_adam_", None)
    if kernel is None:
        return None
    probe = [torch.zeros(1, dtype=like.dtype, device=like.device) for _ in range(4)]
    step = torch.ones((), dtype=torch.float32, device=like.device)
    try:
        kernel([probe[0]], [probe[1]], [probe[2]], [probe[3]], [], [step], lr=0.1, beta1=0.9, beta2=0.999, weight_decay=0.0,
               eps=1e-8, amsgrad=False, maximize=False)
    except (RuntimeError, NotImplementedError):  # no kernel for this device in this torch
        return None
    return kernel
