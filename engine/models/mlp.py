"""The multilayer perceptron.

Layers are numbered from the input: layer 1 is the first weight matrix, layer depth+1 the output
layer. A hidden layer is linear -> [batch norm] -> activation -> [dropout], with an optional skip
connection around it when its input and output widths are equal. Its probes are its layers.

A training step does not use autograd (`loss_and_gradients`). On a learner's small net the
arithmetic of a step is tiny and its cost is per-op overhead, of which building autograd's graph
and walking it was a large share. The backward pass here is written out layer by layer with the
very ops autograd would run (aten's backward kernels, engine.choices for each activation's), in
torch, so the GPU runs the same code; it yields dL/ds of every layer, the signal view's input,
for free. tests/engine/test_mlp_step.py holds it to autograd's numbers across random networks.
"""

from __future__ import annotations

from typing import NamedTuple

import torch
import torch.nn.functional as F
from torch import nn

from engine.choices import ACTIVATIONS, INITS
from engine.config import Config
from engine.models.base import Model, Penalties, Traced

aten = torch.ops.aten


class _Layers(NamedTuple):
    """The network's tensors as plain lists, for the hot path: indexing an nn.ModuleList and
    reading a parameter through nn.Module.__getattr__ each cost about a microsecond, more than a
    small layer's arithmetic. The same objects as the modules hold (`.to()` and the flat buffer
    replace their data, never the objects)."""

    weights: list[nn.Parameter]  # one per layer, the output layer last
    biases: list[nn.Parameter]
    norms: list[nn.BatchNorm1d] | None
    slopes: list[nn.Parameter] | None  # PReLU's learnable negative slope per hidden layer
    depth: int


class MLP(Model):
    probe_axis = "layer"

    def __init__(
        self, n_inputs: int, n_outputs: int, config: Config, init_generator: torch.Generator, dropout_generator: torch.Generator
    ):
        super().__init__()
        widths = [n_inputs] + [config.width] * config.depth + [n_outputs]
        self.linears = nn.ModuleList(nn.Linear(a, b) for a, b in zip(widths[:-1], widths[1:]))
        self.norms = nn.ModuleList(nn.BatchNorm1d(config.width) for _ in range(config.depth)) if config.batch_norm else None
        self.activation = config.activation
        entry = ACTIVATIONS[config.activation]
        self.phi = entry.torch_function()  # PReLU's takes its layer's slope too
        self.phi_backward = entry.torch_backward()  # (g, s, a[, slope]) -> dL/ds
        # one learnable negative slope per hidden layer (PReLU)
        self.prelu = (
            nn.ParameterList(nn.Parameter(torch.full((1,), entry.negative_slope)) for _ in range(config.depth))
            if entry.learned_slope
            else None
        )
        self.skip = [config.residual and a == b for a, b in zip(widths[:-2], widths[1:-1])]
        self.dropout = config.dropout  # live: the trainer may change it between steps
        self.generator = dropout_generator  # dropout masks come from the run's own generator
        self._layers = _Layers(
            [lin.weight for lin in self.linears],
            [lin.bias for lin in self.linears],
            None if self.norms is None else list(self.norms),
            None if self.prelu is None else list(self.prelu),
            config.depth,
        )
        self._grad_targets: list[torch.Tensor] | None = None  # see loss_and_gradients
        self._one: torch.Tensor | None = None  # see _seed
        draw = INITS[config.init].draw
        with torch.no_grad():
            for lin in self.linears:
                draw(lin.weight, config.init_gain, init_generator)
                lin.bias.fill_(config.bias_init)

    @property
    def depth(self) -> int:
        return self._layers.depth

    def forward_traced(
        self,
        x: torch.Tensor,
        pre: list[torch.Tensor] | None,
        post: list[torch.Tensor] | None,
        time: list[torch.Tensor] | None = None,
    ) -> torch.Tensor:
        weights, biases, norms, slopes, depth = self._layers
        h = x  # (batch, n_inputs)
        for i in range(depth):
            s = F.linear(h, weights[i], biases[i])  # (batch, width)
            if pre is not None:
                pre.append(s)
            z = norms[i](s) if norms is not None else s
            a = self.phi(z) if slopes is None else self.phi(z, slopes[i])
            if post is not None:
                post.append(a)
            if self.dropout > 0 and self.training:
                keep = 1.0 - self.dropout
                a = a * torch.empty_like(a).bernoulli_(keep, generator=self.generator) / keep
            h = h + a if self.skip[i] else a
        out = F.linear(h, weights[-1], biases[-1])  # (batch, n_outputs)
        if pre is not None:
            pre.append(out)
        return out

    def train(self, mode: bool = True) -> MLP:
        """As nn.Module.train, touching only the modules whose behaviour depends on it (this
        model's dropout and its batch norms): the trainer switches modes on every evaluation, and
        the full walk over every submodule cost more than a small net's forward pass."""
        self.__dict__["training"] = mode  # a plain attribute: not through nn.Module.__setattr__'s checks
        for bn in self._layers.norms or ():
            bn.__dict__["training"] = mode
        return self

    def _seed(self, out: torch.Tensor) -> torch.Tensor:
        """A 0-dim one on out's device and dtype, made once."""
        one = self._one
        if one is None or one.device != out.device or one.dtype != out.dtype:
            one = self._one = out.new_ones(())
        return one

    def weights(self) -> list[nn.Parameter]:
        return list(self._layers.weights)

    def probe_labels(self) -> list[str]:
        return [f"layer_{i}" for i in range(1, len(self.linears) + 1)]

    def probe_units(self) -> list[int]:
        return [lin.out_features for lin in self.linears]

    def learned_slopes(self) -> torch.Tensor | None:
        return None if self.prelu is None else torch.cat([p.detach() for p in self.prelu])

    def loss_and_gradients(
        self, x: torch.Tensor, y: torch.Tensor, regression: bool, penalties: Penalties, probes: bool, activations: bool
    ) -> Traced:
        """Model.loss_and_gradients without autograd: the forward pass keeps what the backward
        pass needs, and the backward pass runs autograd's own kernels in autograd's order."""
        enabled = torch.is_grad_enabled()
        torch._C._set_grad_enabled(False)  # as torch.no_grad(), without its context manager's cost
        try:
            return self._step(x, y, regression, penalties, activations)
        finally:
            torch._C._set_grad_enabled(enabled)

    def _step(self, x: torch.Tensor, y: torch.Tensor, regression: bool, penalties: Penalties, activations: bool) -> Traced:
        weights, biases, norms, slopes, depth = self._layers
        phi, phi_backward, skip = self.phi, self.phi_backward, self.skip
        inputs, pre, mid, post, masks, saved = [], [], [], [], [], []
        keep = 1.0 - self.dropout
        drop = self.dropout > 0 and self.training
        h = x
        for i in range(depth):
            inputs.append(h)
            s = F.linear(h, weights[i], biases[i])  # (batch, width)
            pre.append(s)
            z = s
            if norms is not None:  # as nn.BatchNorm1d.forward in training, with the saved statistics
                bn = norms[i]
                bn.num_batches_tracked.add_(1)
                z, mean, invstd = torch.native_batch_norm(
                    s, bn.weight, bn.bias, bn.running_mean, bn.running_var, True, bn.momentum, bn.eps
                )
                saved.append((mean, invstd))
            mid.append(z)
            a = phi(z) if slopes is None else phi(z, slopes[i])
            post.append(a)
            if drop:
                mask = torch.empty_like(a).bernoulli_(keep, generator=self.generator)
                masks.append(mask)
                a = a * mask / keep
            h = h + a if skip[i] else a
        inputs.append(h)
        out = F.linear(h, weights[-1], biases[-1])
        pre.append(out)

        one = self._seed(out)  # dL/dL: autograd's seed
        if regression:
            loss = F.mse_loss(out, y)
            g = aten.mse_loss_backward(one, out, y, 1)  # 1: the mean
        else:  # F.cross_entropy is these two
            logp = aten._log_softmax(out, 1, False)
            loss, total_weight = aten.nll_loss_forward(logp, y, None, 1, -100)
            g = aten._log_softmax_backward_data(aten.nll_loss_backward(one, logp, y, None, 1, -100, total_weight), logp, 1, out.dtype)

        # dL/ds, and each parameter's gradient, from the output layer down. (torch.mm(..., out=)
        # into the flat buffer would save a copy but rounds differently from autograd's mm.)
        pre_grads = [g]
        w_grads = [g.t().mm(inputs[-1])]  # as autograd's linear: dL/dW = g^T h, dL/db = Σ_batch g
        b_grads = [g.sum(0)]
        others = []  # gradients of the other parameters (batch norm's, PReLU's slopes), in order
        g_h = g.mm(weights[-1])  # dL/dh of the last hidden layer's output
        for j in range(depth - 1, -1, -1):
            g = (g_h / keep) * masks[j] if drop else g_h
            if slopes is not None:
                g, g_slope = phi_backward(g, mid[j], post[j], slopes[j])
                others.append(g_slope.sum_to_size(1))
            else:
                g = phi_backward(g, mid[j], post[j])
            if norms is not None:
                bn = norms[j]
                mean, invstd = saved[j]
                g, g_weight, g_bias = aten.native_batch_norm_backward(
                    g, pre[j], bn.weight, bn.running_mean, bn.running_var, mean, invstd, True, bn.eps, [True, True, True]
                )
                others += [g_bias, g_weight]  # reversed below with the rest
            pre_grads.append(g)
            w_grads.append(g.t().mm(inputs[j]))
            b_grads.append(g.sum(0))
            if j > 0:  # dL/dh of layer j's input: through its weights, and along its skip connection
                g_h = g.mm(weights[j]) + g_h if skip[j] else g.mm(weights[j])
        pre_grads.reverse()
        w_grads.reverse()
        b_grads.reverse()
        others.reverse()

        if penalties.l1 > 0 or penalties.l2 > 0:
            # d|w|/dw = sgn(w), 0 at 0, as autograd's abs; d(w²)/dw = 2w. Each term is rounded on
            # its own and the two are summed before the loss's gradient is added, as autograd does
            terms = None
            if penalties.l2 > 0:
                terms = torch._foreach_mul(weights, 2 * penalties.l2)
            if penalties.l1 > 0:
                signs = torch._foreach_mul(torch._foreach_sign(weights), penalties.l1)
                terms = signs if terms is None else torch._foreach_add(terms, signs)
            w_grads = torch._foreach_add(w_grads, terms)
        torch._foreach_copy_(self._targets(), [*w_grads, *b_grads, *others])
        return Traced(loss, out, pre_grads, post if activations else None, None)

    def _targets(self) -> list[torch.Tensor]:
        """Every parameter's .grad, in the order _step lists the gradients: the weights, the
        biases, then per hidden layer its batch norm's weight and bias and its PReLU slope.
        Found once: they are views into the flat buffer and must stay so (the trainer checks)."""
        if self._grad_targets is None:
            weights, biases, norms, slopes, depth = self._layers
            others = []
            for j in range(depth):
                if norms is not None:
                    others += [norms[j].weight, norms[j].bias]
                if slopes is not None:
                    others.append(slopes[j])
            targets = [p.grad for p in (*weights, *biases, *others)]
            if any(g is None for g in targets):
                raise RuntimeError("every parameter needs its .grad view into the flat buffer before a step")
            self._grad_targets = targets
        return self._grad_targets
