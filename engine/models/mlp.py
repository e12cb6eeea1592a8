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

from typing import Any, NamedTuple

import torch
import torch.nn.functional as F
from torch import nn

from engine.choices import ACTIVATIONS, INITS
from engine.config import Config
from engine.models.base import Model, Penalties, Traced, flat_views

aten = torch.ops.aten

#: a stack's elementwise work (the activation, its backward, the update: engine.stack) runs on
#: buffers of whole blocks of this many values, so that no value falls in a kernel's scalar
#: remainder: more than any CPU's vectorized loop takes at once (2 x 16 floats for AVX-512)
VECTOR_BLOCK = 64


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


class _One:
    """The linear algebra of a step of one network that no stack can take (batch norm, PReLU), on
    its (batch, features) tensors: F.linear's and autograd's own products."""

    #: whether weight_grad and bias_grad write into the parameters' gradients (`into`), or hand out
    #: new tensors that the step then copies there. _One's do not: torch.mm(..., out=) into the
    #: flat buffer rounds differently from autograd's mm.
    weights_into = biases_into = False

    def __init__(self, generator: torch.Generator):
        self.generator = generator  # the run's dropout generator

    @staticmethod
    def linear(h: torch.Tensor, w: torch.Tensor, b: torch.Tensor, out: torch.Tensor | None = None) -> torch.Tensor:
        return F.linear(h, w, b)  # `out` is always None here: _One's target() gives none

    @staticmethod
    def weight_grad(g: torch.Tensor, h: torch.Tensor, into: torch.Tensor) -> torch.Tensor:  # dL/dW = g^T h
        return g.t().mm(h)

    @staticmethod
    def bias_grad(g: torch.Tensor, into: torch.Tensor) -> torch.Tensor:  # dL/db = Σ_batch g
        return g.sum(0)

    @staticmethod
    def input_grad(g: torch.Tensor, w: torch.Tensor, out: torch.Tensor | None = None) -> torch.Tensor:  # dL/dh = g W
        return g.mm(w)

    def mask(self, a: torch.Tensor, keep: float) -> torch.Tensor:
        return torch.empty_like(a).bernoulli_(keep, generator=self.generator)

    def pre_activation(self, i: int, h: torch.Tensor, w: torch.Tensor, b: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Layer i's s = h W^T + b, and s as the activation reads it."""
        s = self.linear(h, w, b)
        return s, s

    @staticmethod
    def activation(phi: Any, i: int, z: torch.Tensor, s: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Layer i's a = φ(z): (a, a as the activation's backward reads it)."""
        a = phi(z)
        return a, a

    @staticmethod
    def activation_backward(backward: Any, g: torch.Tensor, slot: int, z: torch.Tensor, a: torch.Tensor) -> torch.Tensor:
        """The activation's backward: dL/dz from g = dL/da, its input z and output a."""
        return backward(g, z, a)

    @staticmethod
    def target(slot: Any, like: torch.Tensor, cols: int) -> torch.Tensor | None:
        return None

    @staticmethod
    def loss(
        out: torch.Tensor, y: torch.Tensor, regression: bool, one: torch.Tensor, into: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """The batch-mean loss and its gradient dL/d(out), with autograd's kernels; the gradient
        written into `into` where given."""
        if regression:
            if into is None:
                return F.mse_loss(out, y), aten.mse_loss_backward(one, out, y, 1)  # 1: the mean
            return F.mse_loss(out, y), aten.mse_loss_backward.grad_input(one, out, y, 1, grad_input=into)
        # F.cross_entropy is these two
        logp = aten._log_softmax(out, 1, False)
        loss, total_weight = aten.nll_loss_forward(logp, y, None, 1, -100)
        g = aten.nll_loss_backward(one, logp, y, None, 1, -100, total_weight)
        if into is None:
            return loss, aten._log_softmax_backward_data(g, logp, 1, out.dtype)
        return loss, aten._log_softmax_backward_data.out(g, logp, 1, out.dtype, out=into)


class _Stack(_One):
    """The same for K networks of one shape at once (engine.stack), on (K, batch, features)
    tensors and (K, fan_out, fan_in) weights; a network alone is a stack of one, so that its
    numbers do not depend on the company it trains in. Two things would make them depend on it:

    - the kernels: a batched product computes each network's product by itself, with aten's own
      loop for small products and MKL's for larger ones; a lone network's F.linear would use MKL
      for all. Alone and stacked, every product is a batched one here. (MKL itself rounds by
      where an operand starts in memory unless its reproducibility is strict: engine/__init__.py.)
    - an elementwise kernel runs a vectorized body and a scalar remainder, which round a
      transcendental function (tanh, exp, erf) differently, and some kernels take yet another
      path on a tensor that is not contiguous: over one (K, ...) tensor a network's last values
      would fall in the body or the remainder depending on K. The activation and its backward
      run on one contiguous buffer holding all K networks' values, then zeros to a whole number
      of 64-value blocks (`pre_activation`, `activation_backward`): every value is in the
      vectorized body, whose lanes compute each value by itself wherever it lies, alone as in a
      stack.

    The dropout masks (each network's own generator) are drawn network by network.

    On a small net a step's cost is per op, so a stack keeps its tensors from step to step: each
    product, activation and gradient is computed into a buffer of its own (the out= form of the
    very kernel: the same numbers), whose views a step reads (the K networks' values without the
    padding, a contiguous (K, rows, cols) view that a product writes into directly, a gradient
    transposed for its weights' product, each network's share) are made once, not on every
    step; and the gradients are computed straight into the parameters' gradients, the flat
    buffer's rows (a stack's weight gradients through contiguous tensors: see __init__)."""

    biases_into = True

    def __init__(self, generators: list[torch.Generator], phi_into: Any = None, backward_into: Any = None):
        self.generators = generators  # each network's dropout generator
        self.alone = len(generators) == 1  # a lone network: its loss and targets are its own
        # A product into a tensor that is not contiguous (a stack's (K, fan_out, fan_in) weights
        # in the rows of its flat buffer) runs through a temporary and costs 3-4x a product into a
        # contiguous one: a stack computes its weight gradients into contiguous tensors and copies
        # them there. Alone, the same views are contiguous (K = 1) and take the products directly.
        self.weights_into = self.alone
        # the activation and its backward into a given tensor (engine.choices); None: it has no such form
        self.phi_into, self.backward_into = phi_into, backward_into
        # buffers, one per use (a slot: layer i's pre-activation i, the gradient its backward reads
        # -1 - i, its activation ("a", i), its dL/ds ("d", -1 - i), the output's gradient "top"),
        # reused from step to step: (the buffer, its (K, rows, cols) view to compute or copy into,
        # rows); a padded buffer is flat, the K networks' values then zeros to a multiple of 64
        self._buffers: dict[Any, tuple[torch.Tensor, torch.Tensor, int]] = {}
        self.transposed: dict[int, torch.Tensor] = {}  # id(t) -> t's (K, cols, rows) view: the weights, the buffers' views
        self._own: dict[int, tuple[torch.Tensor, ...]] = {}  # id(a buffer's view) -> each network's (rows, cols) view

    def linear(self, h: torch.Tensor, w: torch.Tensor, b: torch.Tensor, out: torch.Tensor | None = None) -> torch.Tensor:
        """h W^T + b, b (K, 1, fan_out); into `out` if given."""
        wt = self.transposed.get(id(w))
        return torch.baddbmm(b, h, w.transpose(1, 2) if wt is None else wt, out=out)

    def weight_grad(self, g: torch.Tensor, h: torch.Tensor, into: torch.Tensor) -> torch.Tensor:
        gt = self.transposed.get(id(g))
        return torch.bmm(g.transpose(1, 2) if gt is None else gt, h, out=into if self.weights_into else None)

    @staticmethod
    def bias_grad(g: torch.Tensor, into: torch.Tensor) -> torch.Tensor:
        return torch.sum(g, 1, out=into)

    @staticmethod
    def input_grad(g: torch.Tensor, w: torch.Tensor, out: torch.Tensor | None = None) -> torch.Tensor:
        return torch.bmm(g, w, out=out)

    def mask(self, a: torch.Tensor, keep: float) -> torch.Tensor:
        mask = torch.empty_like(a)
        for k, generator in enumerate(self.generators):
            mask[k].bernoulli_(keep, generator=generator)
        return mask

    def own(self, t: torch.Tensor, k: int = 0) -> torch.Tensor:
        """Network k's (rows, cols) share of a (K, rows, cols) tensor: made once for a buffer's view."""
        views = self._own.get(id(t))
        return t[k] if views is None else views[k]

    def target(self, slot: Any, like: torch.Tensor, cols: int) -> torch.Tensor:
        """`slot`'s padded buffer's contiguous (K, rows, cols) view, rows and K as `like`'s, to
        compute a product into (a tensor computed there is padded without a copy)."""
        return self._held(slot, (like.shape[0], like.shape[1], cols), like)[1]

    def pre_activation(self, i: int, h: torch.Tensor, w: torch.Tensor, b: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Layer i's s = h W^T + b computed into its padded buffer: (s, the flat buffer, the K
        networks' values then zeros to a multiple of 64 values), reused from step to step."""
        buffer, view, _ = self._held(i, (h.shape[0], h.shape[1], w.shape[1]), h)
        return self.linear(h, w, b, view), buffer

    def activation(self, phi: Any, i: int, z: torch.Tensor, s: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Layer i's a = φ(z) on the padded buffer z: (a's (K, rows, cols) values, the padded a)."""
        if self.phi_into is None:
            padded = phi(z)
            return padded[: s.numel()].view(s.shape), padded
        buffer, view, _ = self._held(("a", i), s.shape, s)
        self.phi_into(z, buffer)
        return view, buffer

    def activation_backward(self, backward: Any, g: torch.Tensor, slot: int, z: torch.Tensor, a: torch.Tensor) -> torch.Tensor:
        """The activation's backward on the padded buffers: g is copied into `slot`'s, unless it
        was computed there (`target`); the result's (K, rows, cols) values."""
        held = self._buffers.get(slot)
        if held is None or g is not held[1]:
            held = self._held(slot, g.shape, g)
            held[1].copy_(g)
        if self.backward_into is None:
            result = backward(held[0], z, a)
            return result[: g.numel()].view(g.shape)
        buffer, view, _ = self._held(("d", slot), g.shape, g)
        self.backward_into(held[0], z, a, buffer)
        return view

    def _held(self, slot: Any, shape: tuple[int, ...], like: torch.Tensor, padded: bool = True) -> tuple[torch.Tensor, torch.Tensor, int]:
        """`slot`'s buffer for a (K, rows, cols) tensor, made (or remade, for a new shape) with
        zeros: padded (flat), or a plain (K·rows, cols) one."""
        held = self._buffers.get(slot)
        if held is not None and held[1].shape == shape:
            return held
        if held is not None:  # forget the old views: their ids may be reused
            self.transposed.pop(id(held[1]), None)
            self._own.pop(id(held[1]), None)
        k, rows, cols = shape
        if padded:
            n = k * rows * cols
            buffer = like.new_zeros(-(-n // VECTOR_BLOCK) * VECTOR_BLOCK)
            view = buffer[:n].view(shape)
        else:
            buffer = like.new_zeros(k * rows, cols)
            view = buffer.view(shape)
        self.transposed[id(view)] = view.transpose(1, 2)
        self._own[id(view)] = view.unbind(0)
        held = self._buffers[slot] = (buffer, view, rows)
        return held

    def loss(self, out: torch.Tensor, y: torch.Tensor, regression: bool, one: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(the loss, (K,); alone: the network's own, 0-dim, y being its own targets), and dL/d(out).

        The cross-entropy is taken for all K networks at once, alone as in a stack: the
        log-softmax, each point's loss and both gradients work row by row, and each network's mean
        is a reduction along its own contiguous row of point losses, which the sum kernel takes
        row by row (the same numbers whatever K; tests/engine/test_stack.py). Its mean is summed
        in another order than F.cross_entropy's (to within float rounding: test_mlp_step.py)."""
        k, batch = out.shape[0], out.shape[1]
        if regression:  # MSE's gradient is 2/n·(out - y), n being a network's own count
            if self.alone:  # its own kernels on its (batch, 1) rows
                into = self._held("top", out.shape, out)[1]
                loss, _ = _One.loss(self.own(out), y, regression, one, self.own(into))
                return loss, into
            _, into, _ = self._held("top", out.shape, out, padded=False)
            losses = [_One.loss(o, t, regression, one, g)[0] for o, t, g in zip(out, y, self._own[id(into)])]
            return torch.stack(losses), into
        flat, into, _ = self._held("top", out.shape, out, padded=False)
        rows, logp, _ = self._held("logp", out.shape, out, padded=False)
        aten._log_softmax.out(out, 2, False, out=logp)
        targets = y.view(-1)
        point, _ = aten.nll_loss_forward(rows, targets, None, 0, -100)  # 0: each point's own loss, (K·batch,)
        loss = torch.mean(point.view(k, batch), 1)
        g = aten.nll_loss_backward(one, rows, targets, None, 1, -100, self._count(batch, out))  # 1: the mean
        aten._log_softmax_backward_data.out(g, rows, 1, out.dtype, out=flat)
        return (loss[0] if self.alone else loss), into

    def _count(self, batch: int, like: torch.Tensor) -> torch.Tensor:
        """A network's batch size as a 0-dim tensor, the mean's total weight, made once."""
        held = self._buffers.get("count")
        if held is None or held[2] != batch or held[0].dtype != like.dtype or held[0].device != like.device:
            count = like.new_full((), float(batch))
            held = self._buffers["count"] = (count, count, batch)
        return held[0]


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
        self.phi_into, self.phi_backward_into = entry.torch_function_into(), entry.torch_backward_into()  # see _Stack
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
        self._grad_targets: list[torch.Tensor] | None = None  # see _targets
        self._ops = _One(dropout_generator)
        self._alone: StackedMLP | None = None  # this network as a stack of one: see loss_and_gradients
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
        pass needs, and the backward pass runs autograd's own kernels in autograd's order. A
        network that a stack can take (engine.stack) runs as a stack of one, so that it computes
        alone exactly what it computes in a stack."""
        if self.norms is not None or self.prelu is not None:
            enabled = torch.is_grad_enabled()
            torch._C._set_grad_enabled(False)  # as torch.no_grad(), without its context manager's cost
            try:
                return self._step(x, y, regression, penalties, activations, self._layers, self._ops, self._targets())
            finally:
                torch._C._set_grad_enabled(enabled)
        alone = self._alone
        if alone is None:
            alone = self._alone = StackedMLP(self, [self], None, None)
        traced = alone.loss_and_gradients(x.unsqueeze(0), y, regression, penalties, probes, activations)
        own = alone.ops.own  # the network's (batch, ...) share of a (1, batch, ...) tensor
        return Traced(
            traced.loss,
            own(traced.out),
            [own(g) for g in traced.pre_grads] if probes else [],
            None if traced.post is None else [own(a) for a in traced.post],
            None,
        )

    def _step(
        self,
        x: torch.Tensor,
        y: torch.Tensor,
        regression: bool,
        penalties: Penalties,
        activations: bool,
        layers: _Layers,
        ops: _One,
        targets: list[torch.Tensor],
    ) -> Traced:
        """The passes on `layers` with `ops`: this network's own (batch, ...) tensors (_One, batch
        norm and PReLU), or a stack's (_Stack: (K, batch, ...), with this network's activation,
        skips and dropout); the gradients are copied into `targets`."""
        weights, biases, norms, slopes, depth = layers
        phi, phi_backward, skip = self.phi, self.phi_backward, self.skip
        inputs, pre, mid, post, masks, saved = [], [], [], [], [], []
        post_padded = []  # the activations as the activation's backward reads them (_Stack: padded)
        keep = 1.0 - self.dropout
        drop = self.dropout > 0 and self.training
        h = x
        for i in range(depth):
            inputs.append(h)
            s, z = ops.pre_activation(i, h, weights[i], biases[i])  # z: s as the activation reads it
            pre.append(s)
            if norms is not None:  # as nn.BatchNorm1d.forward in training, with the saved statistics
                bn = norms[i]
                bn.num_batches_tracked.add_(1)
                z, mean, invstd = torch.native_batch_norm(
                    s, bn.weight, bn.bias, bn.running_mean, bn.running_var, True, bn.momentum, bn.eps
                )
                saved.append((mean, invstd))
            mid.append(z)
            if slopes is None:
                a, a_padded = ops.activation(phi, i, z, s)
            else:
                a = a_padded = phi(z, slopes[i])
            post_padded.append(a_padded)
            post.append(a)
            if drop:
                mask = ops.mask(a, keep)
                masks.append(mask)
                a = a * mask / keep
            h = h + a if skip[i] else a
        inputs.append(h)
        out = ops.linear(h, weights[-1], biases[-1], ops.target(depth, h, weights[-1].shape[-2]))
        pre.append(out)

        loss, g = ops.loss(out, y, regression, self._seed(out))  # seeded with dL/dL = 1, as autograd

        # dL/ds, and each parameter's gradient, from the output layer down, into `targets` where
        # the ops write there (_Stack's)
        pre_grads = [g]
        w_grads = [ops.weight_grad(g, inputs[-1], targets[depth])]  # as autograd's linear
        b_grads = [ops.bias_grad(g, targets[2 * depth + 1])]
        others = []  # gradients of the other parameters (batch norm's, PReLU's slopes), in order
        # dL/dh of the last hidden layer's output, into the padded buffer its activation's
        # backward reads (as below)
        g_h = ops.input_grad(g, weights[-1], None if drop else ops.target(-depth, g, weights[-1].shape[-1]))
        for j in range(depth - 1, -1, -1):
            g = (g_h / keep) * masks[j] if drop else g_h
            if slopes is not None:
                g, g_slope = phi_backward(g, mid[j], post[j], slopes[j])
                others.append(g_slope.sum_to_size(1))
            else:
                g = ops.activation_backward(phi_backward, g, -1 - j, mid[j], post_padded[j])
            if norms is not None:
                bn = norms[j]
                mean, invstd = saved[j]
                g, g_weight, g_bias = aten.native_batch_norm_backward(
                    g, pre[j], bn.weight, bn.running_mean, bn.running_var, mean, invstd, True, bn.eps, [True, True, True]
                )
                others += [g_bias, g_weight]  # reversed below with the rest
            pre_grads.append(g)
            w_grads.append(ops.weight_grad(g, inputs[j], targets[j]))
            b_grads.append(ops.bias_grad(g, targets[depth + 1 + j]))
            if j > 0:  # dL/dh of layer j's input: through its weights, and along its skip connection
                # (computed into the padded buffer the activation's backward reads, unless dropout comes first)
                into = None if drop else ops.target(-j, g, weights[j].shape[-1])  # layer j - 1's backward slot
                if skip[j]:
                    g_h = torch.add(ops.input_grad(g, weights[j]), g_h, out=into)
                else:
                    g_h = ops.input_grad(g, weights[j], into)
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
            if ops.weights_into:  # the same sum, rounded once, in place
                torch._foreach_add_(w_grads, terms)
            else:
                w_grads = torch._foreach_add(w_grads, terms)
        if not ops.biases_into:
            torch._foreach_copy_(targets, [*w_grads, *b_grads, *others])
        elif not ops.weights_into:
            torch._foreach_copy_(targets[: depth + 1], w_grads)
        return Traced(loss, out, pre_grads, post if activations else None, None)

    def storage_moved(self) -> None:
        self._grad_targets = self._alone = None

    def stacked(self, models: list[Model], rows: torch.Tensor, grad_rows: torch.Tensor) -> StackedMLP | None:
        if self.norms is not None or self.prelu is not None:  # per-network statistics or slopes: alone
            return None
        return StackedMLP(self, models, rows, grad_rows)

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


class StackedMLP:
    """K MLPs of one shape (no batch norm, no PReLU) trained as one: layer i's weights are a
    (K, fan_out, fan_in) view, and one pass of MLP._step with _Stack's batched products serves
    all K (tests/engine/test_stack.py). The first network lends its activation, skips and dropout
    rate, which a stack's networks share.

    Built on a stack's buffers `rows` and `grad_rows` (K, layers + 1, width), or, with None for
    both, on a lone network's own parameters (K = 1)."""

    def __init__(self, first: MLP, models: list[Model], rows: torch.Tensor | None, grad_rows: torch.Tensor | None):
        self.first = first
        self.ops = _Stack([m._ops.generator for m in models], first.phi_into, first.phi_backward_into)
        weights, biases, _, _, depth = first._layers
        if rows is None or grad_rows is None:  # alone: views of its own parameters and gradients
            # views of the detached parameters (the same storage: they follow every update), so
            # that the step's ops skip autograd's view bookkeeping; the biases as (K, 1, fan_out),
            # which _Stack.linear adds to every row
            self.layers = _Layers(
                [w.detach().unsqueeze(0) for w in weights], [b.detach().view(1, 1, -1) for b in biases], None, None, depth
            )
            grads = [p.grad for p in (*weights, *biases)]
            if any(g is None for g in grads):
                raise RuntimeError("every parameter needs its .grad view into the flat buffer before a step")
            self.targets = [g.unsqueeze(0) for g in grads]
        else:
            # the flat buffer's places, for all K at once; a stackable net's other parameters
            # are its biases, in order
            _, others = first.parameter_groups()
            n = len(weights)
            tensors = flat_views(weights, others, rows)
            self.layers = _Layers(tensors[:n], [b.unsqueeze(1) for b in tensors[n:]], None, None, depth)
            self.targets = flat_views(weights, others, grad_rows)
        # each layer's weights transposed once, for its forward product
        self.ops.transposed.update({id(w): w.transpose(1, 2) for w in self.layers.weights})

    def loss_and_gradients(
        self, x: torch.Tensor, y: torch.Tensor, regression: bool, penalties: Penalties, probes: bool, activations: bool
    ) -> Traced:
        """MLP.loss_and_gradients for the stack: x (K, batch, inputs), y (K, batch[, outputs]);
        the loss is (K,), every other tensor (K, batch, ...). Alone (K = 1): y is the network's
        own (batch[, outputs]), and the loss its own, 0-dim. The tensors are the stack's buffers,
        overwritten by the next step."""
        enabled = torch.is_grad_enabled()
        torch._C._set_grad_enabled(False)  # as torch.no_grad(), without its context manager's cost
        try:
            return self.first._step(x, y, regression, penalties, activations, self.layers, self.ops, self.targets)
        finally:
            torch._C._set_grad_enabled(enabled)
