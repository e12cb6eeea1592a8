"""The recurrent families: Elman network (rnn), LSTM and GRU, stacked `depth` layers deep.

A layer l holds one weight matrix W_l = [W_in | W_rec], (gates·H, n_in + H), and one bias vector
b_l (gates·H): gate k's rows are k·H .. (k+1)·H, in torch's gate order (LSTM: input, forget, cell,
output; GRU: reset, update, new). One matrix per layer keeps "probe i has weight matrix i" true,
so the trainer's per-layer gradient norms are the norm of all of that layer's weight gradients
together. Each gate's H×n_in input block and H×H recurrent block is initialized on its own.

The output layer reads the top layer's final state h_T; the loss is taken there only. h_0 = 0.

The cell is unrolled here step by step, in Python, rather than run as a fused torch.nn.RNN/LSTM:
the gradient the lab shows is the *total* derivative ∂L/∂h_t of the top layer's state at every
step, including every path through later steps. autograd gives it only for a tensor that the
later steps actually read; a fused module's output sequence is a copy made after the recursion
(its gradient at t < T is only the direct path to the loss, which is zero here), so it cannot
hand these out. Each h_t below is the tensor step t+1 reads, so ∂L/∂h_t is the total derivative.
"""

from __future__ import annotations

import torch
from torch import nn

from engine.choices import ACTIVATIONS, FORGET, GATES, INITS
from engine.config import Config, ModelFamily
from engine.models.base import Model

#: the values an evaluation's input projection may hold at once (Model.eval_batch)
EVAL_VALUES = 4_000_000


class Recurrent(Model):
    probe_axis = "time step"

    def __init__(
        self, n_inputs: int, n_outputs: int, config: Config, init_generator: torch.Generator, dropout_generator: torch.Generator
    ):
        super().__init__()
        self.family = config.model
        self.n_gates = len(GATES[self.family])
        self.hidden = H = config.width
        self.time_steps = config.seq_len
        gh = self.n_gates * H
        fans = [n_inputs] + [H] * (config.depth - 1)
        self.cells = nn.ParameterList(nn.Parameter(torch.empty(gh, n + H)) for n in fans)
        self.biases = nn.ParameterList(nn.Parameter(torch.full((gh,), config.bias_init)) for _ in fans)
        self.out = nn.Linear(H, n_outputs)
        # the Elman cell's nonlinearity; LSTM and GRU keep their own gates (no dead or saturation rule)
        self.activation = config.activation if self.family is ModelFamily.RNN else None
        entry = ACTIVATIONS[config.activation]
        self.phi = entry.torch_function()
        self.prelu = (
            nn.ParameterList(nn.Parameter(torch.full((1,), entry.negative_slope)) for _ in fans)
            if self.family is ModelFamily.RNN and entry.learned_slope
            else None
        )
        self.dropout = config.dropout
        self.generator = dropout_generator
        # an evaluation's input projection holds T x samples x gates·H values at once: over 1,300
        # sequences at T = 200 an LSTM's is 530 MB, whose allocation and page faults cost more
        # than the arithmetic (3.7 s against 0.9-1.1 s in chunks of 50-100 here). Chunks of about
        # 16 MB, of 64 to 512 sequences: smaller ones pay the Python loop over T once more each,
        # and even at T = 50 one pass over all 1,300 took 40 % longer than chunks of 400
        self.eval_batch = min(512, max(64, EVAL_VALUES // (self.time_steps * gh)))
        init = INITS[config.init]
        draw_in, draw_rec = init.cell_input or init.draw, init.cell_recurrent or init.draw
        with torch.no_grad():
            for W, b, n in zip(self.cells, self.biases, fans):
                for k in range(self.n_gates):
                    rows = slice(k * H, (k + 1) * H)
                    block = torch.empty(H, n)
                    draw_in(block, config.init_gain, init_generator)
                    W[rows, :n] = block
                    block = torch.empty(H, H)
                    draw_rec(block, config.init_gain, init_generator)
                    W[rows, n:] = block
                if self.family is ModelFamily.LSTM:
                    b[FORGET * H : (FORGET + 1) * H] = config.forget_bias
            out_init = init.output or config.init
            INITS[out_init].draw(self.out.weight, 1.0 if init.output else config.init_gain, init_generator)
            self.out.bias.fill_(config.bias_init)

    @property
    def depth(self) -> int:
        return len(self.cells)

    def _drop(self, a: torch.Tensor) -> torch.Tensor:
        if self.dropout > 0 and self.training:
            keep = 1.0 - self.dropout
            return a * torch.empty_like(a).bernoulli_(keep, generator=self.generator) / keep
        return a

    def forward_traced(
        self,
        x: torch.Tensor,
        pre: list[torch.Tensor] | None,
        post: list[torch.Tensor] | None,
        time: list[torch.Tensor] | None = None,
    ) -> torch.Tensor:
        """x: (batch, T, channels). `pre` gets each layer's input projection W_in·x_t + b for all
        steps at once, (T, batch, gates·H): the recurrent term adds to it inside the loop, so its
        gradient is ∂L/∂(gate pre-activations) at every step. `post` gets each layer's states
        (batch, T·H); `time` the top layer's states h_1..h_T, each (batch, H)."""
        seq = x.transpose(0, 1)  # (T, batch, channels)
        batch, H = x.shape[0], self.hidden
        family = self.family
        h = None
        for layer, (W, b) in enumerate(zip(self.cells, self.biases)):
            n = W.shape[1] - H
            u = torch.matmul(seq, W[:, :n].t()) + b  # (T, batch, gates·H): every step's input part at once
            if pre is not None:
                pre.append(u)
            w_rec = W[:, n:].t()
            h = u.new_zeros(batch, H)
            c = u.new_zeros(batch, H) if family is ModelFamily.LSTM else None
            states = []
            # unbind, not u[t]: each u[t] costs backward a zero tensor of u's whole size (O(T²))
            for u_t in u.unbind(0):
                if family is ModelFamily.RNN:
                    s = torch.addmm(u_t, h, w_rec)
                    h = self.phi(s, self.prelu[layer]) if self.prelu is not None else self.phi(s)
                elif family is ModelFamily.LSTM:
                    i, f, g, o = torch.addmm(u_t, h, w_rec).chunk(4, dim=1)
                    c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
                    h = torch.sigmoid(o) * torch.tanh(c)
                else:  # GRU, torch's form with one bias per gate: n = tanh(W_n x + b_n + r * (U_n h))
                    ur, uz, un = u_t.chunk(3, dim=1)
                    rr, rz, rn = torch.mm(h, w_rec).chunk(3, dim=1)
                    r = torch.sigmoid(ur + rr)
                    z = torch.sigmoid(uz + rz)
                    h = torch.lerp(torch.tanh(un + r * rn), h, z)  # (1 - z)·n + z·h
                states.append(h)
            if time is not None and layer == self.depth - 1:
                time.extend(states)
            if post is not None or layer < self.depth - 1:  # the top layer's sequence only for the statistics
                stacked = torch.stack(states)  # (T, batch, H)
                if post is not None:
                    post.append(stacked.detach().transpose(0, 1).reshape(batch, -1))
                seq = self._drop(stacked) if layer < self.depth - 1 else stacked  # no mask drawn for the top
        out = self.out(self._drop(h))
        if pre is not None:
            pre.append(out)
        return out

    def weights(self) -> list[nn.Parameter]:
        return [*self.cells, self.out.weight]

    def probe_labels(self) -> list[str]:
        return [f"layer_{i}" for i in range(1, self.depth + 2)]

    def probe_units(self) -> list[int]:
        return [u.shape[0] * self.time_steps for u in self.cells] + [self.out.weight.shape[0]]

    def time_labels(self) -> list[str]:
        return [f"t_{t}" for t in range(1, self.time_steps + 1)]

    def learned_slopes(self) -> torch.Tensor | None:
        return None if self.prelu is None else torch.cat([p.detach() for p in self.prelu])

    def spectral_radius(self) -> list[float] | None:
        """The Elman network's recurrent spectral radius per layer, max |eigenvalue| of its H×H
        recurrent matrix: below 1 a linear network forgets geometrically, above 1 it blows up.
        None for LSTM and GRU, whose gates make one matrix's radius no such guide."""
        if self.family is not ModelFamily.RNN:
            return None
        with torch.no_grad():
            return [float(torch.linalg.eigvals(W[:, W.shape[1] - self.hidden :].cpu()).abs().max()) for W in self.cells]

