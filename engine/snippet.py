"""The current model as a short, runnable PyTorch script: the same layers, initialization,
optimizer and loss, training on the same kind of data, for a learner to take away.

Given the engine's weights, the script's model computes the engine's outputs (an mlp's layers are
its nn.Linear modules; a recurrent net's parameters are laid out as engine.models.recurrent's), and
a recurrent net's script draws the engine's initial weights from the same seed. Importing this
module loads no torch: the window imports it at start.
"""

from __future__ import annotations

from engine.choices import ACTIVATIONS, GATES, INITS, OPTIMIZERS
from engine.config import Config, Dataset, ModelFamily
from engine.data import data_shape

# the app's data sets (engine.data), written in torch
_DATA = {
    Dataset.SPIRAL: (
        "y = torch.randint(0, 2, (n,))\nt = torch.rand(n) * 0.95 + 0.05\nangle = 3.5 * math.pi * t + math.pi * y\n"
        "x = torch.stack([t * torch.cos(angle), t * torch.sin(angle)], 1)"
    ),
    Dataset.MOONS: (
        "y = torch.randint(0, 2, (n,))\na = torch.rand(n) * math.pi\n"
        "x = torch.where((y == 0)[:, None], torch.stack([a.cos(), a.sin()], 1), torch.stack([1 - a.cos(), 0.5 - a.sin()], 1))"
    ),
    Dataset.CIRCLES: (
        "y = torch.randint(0, 2, (n,))\na = torch.rand(n) * 2 * math.pi\n"
        "x = torch.where(y == 0, 1.0, 0.5)[:, None] * torch.stack([a.cos(), a.sin()], 1)"
    ),
    Dataset.XOR: "x = torch.rand(n, 2) * 2 - 1\ny = ((x[:, 0] > 0) ^ (x[:, 1] > 0)).long()",
    Dataset.GAUSSIANS: (
        "y = torch.randint(0, 3, (n,))\ncenters = torch.tensor([[0.0, 1.0], [-0.87, -0.5], [0.87, -0.5]])\n"
        "x = centers[y] + 0.35 * torch.randn(n, 2)"
    ),
    # the sequence sets (engine.data._draw_sequences): x (n, T, channels), not standardized
    Dataset.RECALL: (
        "y = torch.randint(0, 2, (n,))\nx = torch.empty(n, T, 1)\n"
        "x[:, 0, 0] = 2.0 * y - 1.0  # the class to remember: +1 is class 1\n"
        "x[:, 1:, 0] = noise * torch.randn(n, T - 1)  # distractors"
    ),
    Dataset.ADDING: (
        "values = torch.rand(n, T)\nrows = torch.arange(n)\n"
        "first = torch.randint(0, T // 2, (n,))  # one marked step in the first half\n"
        "second = torch.randint(T // 2, T, (n,))  # and one in the second\n"
        "marks = torch.zeros(n, T)\nmarks[rows, first] = 1.0\nmarks[rows, second] = 1.0\n"
        "x = torch.stack([values, marks], 2)\ny = (values[rows, first] + values[rows, second])[:, None]"
    ),
}


def pytorch_snippet(config: Config) -> str:
    return _recurrent(config) if config.is_recurrent else _mlp(config)


def _mlp(config: Config) -> str:
    c = config
    n_in, n_out = data_shape(c.dataset)
    block_parts = [f"nn.Linear(w_in, {c.width})"]
    if c.batch_norm:
        block_parts.append(f"nn.BatchNorm1d({c.width})")
    block_parts.append(ACTIVATIONS[c.activation].code)
    if c.dropout > 0:
        block_parts.append(f"nn.Dropout({c.dropout!r})")
    if c.is_regression:
        data = (
            f"x = torch.rand({c.n_train}, 1) * 2 * math.pi - math.pi\n"
            f"y = torch.sin(x) + {c.noise!r} * torch.randn_like(x)\n"
            "x = (x - x.mean(0)) / x.std(0)  # standardized, as the app does\n"
            "loss_fn = nn.MSELoss()"
        )
    else:
        data = (
            f"n = {c.n_train}\n"
            + _DATA[c.dataset]
            + f"\nx = x + {c.noise!r} * torch.randn_like(x)\n"
            "x = (x - x.mean(0)) / x.std(0)  # standardized, as the app does\n"
            "loss_fn = nn.CrossEntropyLoss()"
        )
    return f'''"""Vanishing Point model: depth {c.depth}, width {c.width}, {c.activation.value}, {c.init.value} (gain {c.init_gain:g}),
{c.optimizer.value} at lr {c.lr:g}. Exported by Vanishing Point; runs with any torch >= 2.2."""
import math

import torch
from torch import nn

torch.manual_seed({c.seed})


class Block(nn.Module):
    """One hidden layer: linear -> {"batch norm -> " if c.batch_norm else ""}activation{" -> dropout" if c.dropout else ""}{", with a skip connection" if c.residual else ""}."""

    def __init__(self, w_in):
        super().__init__()
        self.skip = {c.residual!r} and w_in == {c.width}
        self.body = nn.Sequential({", ".join(block_parts)})

    def forward(self, h):
        return h + self.body(h) if self.skip else self.body(h)


model = nn.Sequential(*[Block({n_in} if i == 0 else {c.width}) for i in range({c.depth})], nn.Linear({c.width}, {n_out}))
linears = [m for m in model.modules() if isinstance(m, nn.Linear)]
with torch.no_grad():
    for layer in linears:
        w, fan_in = layer.weight, layer.weight.shape[1]
        {INITS[c.init].code.format(g=repr(c.init_gain))}
        nn.init.constant_(layer.bias, {c.bias_init!r})

{data}
{_training(c, "m.weight for m in linears")}'''


def _training(c: Config, weights: str) -> str:
    """The optimizer and the training loop. `weights` ("W for ... in ...") names the weight
    matrices W the L1 and L2 penalties apply to (as in the engine: not the biases)."""
    w, loop = weights.split(" ", 1)
    penalty = ""
    if c.l1 > 0:
        penalty += f" + {c.l1!r} * sum({w}.abs().sum() {loop})"
    if c.l2 > 0:
        penalty += f" + {c.l2!r} * sum({w}.square().sum() {loop})"
    clip = f"    nn.utils.clip_grad_norm_(model.parameters(), {c.clip_norm!r})\n" if c.clip_norm > 0 else ""
    return f'''optimizer = {OPTIMIZERS[c.optimizer].code(c.lr)}
for step in range({min(c.steps, 200)}):
    batch = torch.randint(0, len(x), ({min(c.batch_size, c.n_train)},))
    loss = loss_fn(model(x[batch]), y[batch]){penalty}
    optimizer.zero_grad()
    loss.backward()
{clip}    optimizer.step()
print("loss after training:", loss.item())
'''


# one time step of one layer, as engine.models.recurrent computes it; W = [W_in | W_rec], n = n_in
_CELLS = {
    ModelFamily.RNN: """\
        s = x_t @ W[:, :n].T + b + h @ W[:, n:].T  # (batch, hidden)
        return self.act[layer](s), c""",
    ModelFamily.LSTM: """\
        i, f, g, o = (x_t @ W[:, :n].T + b + h @ W[:, n:].T).chunk(4, dim=1)  # each (batch, hidden)
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        return torch.sigmoid(o) * torch.tanh(c), c""",
    ModelFamily.GRU: """\
        xr, xz, xn = (x_t @ W[:, :n].T + b).chunk(3, dim=1)  # each (batch, hidden)
        hr, hz, hn = (h @ W[:, n:].T).chunk(3, dim=1)
        r, z = torch.sigmoid(xr + hr), torch.sigmoid(xz + hz)
        new = torch.tanh(xn + r * hn)  # one bias per gate: b_n stays outside r * (U_n h)
        return (1 - z) * new + z * h, c""",
}


def _recurrent(config: Config) -> str:
    # here, not at the top: engine.models loads torch, which the window does not load to start

    c = config
    family, gates = c.model, GATES[c.model]
    n_in, n_out = data_shape(c.dataset)
    init = INITS[c.init]
    gain = repr(c.init_gain)
    cell_in = (init.cell_input_code or init.code).format(g=gain)
    cell_rec = (init.cell_recurrent_code or init.code).format(g=gain)
    out_init, out_gain = (init.output, repr(1.0)) if init.output else (c.init, gain)
    act = f", {c.activation.value}" if family is ModelFamily.RNN else ""
    forget = f", forget bias {c.forget_bias:g}" if family is ModelFamily.LSTM else ""
    layers = f"{c.depth} stacked layers" if c.depth > 1 else "1 layer"
    order = (
        "the Elman cell has one: h_t = act(W_in x_t + W_rec h_t-1 + b)"
        if family is ModelFamily.RNN
        else f"in torch's order: {', '.join(gates)}"
    )
    act_module = (
        f"\n        self.act = nn.ModuleList({ACTIVATIONS[c.activation].code} for _ in fans)  # one per layer (PReLU: a slope each)"
        if family is ModelFamily.RNN
        else ""
    )
    forget_line = f"\n        b[hidden : 2 * hidden] = {c.forget_bias!r}  # the forget gate's bias" if family is ModelFamily.LSTM else ""
    noise = f", {c.noise!r}" if c.dataset is Dataset.RECALL else ""
    loss = "nn.MSELoss()" if c.is_regression else "nn.CrossEntropyLoss()"
    return f'''"""Vanishing Point model: {family.value}{act}, {layers} of {c.width} units over T = {c.seq_len} steps,
{c.init.value} (gain {c.init_gain:g}){forget}, {c.optimizer.value} at lr {c.lr:g}. Exported by Vanishing Point; runs with any torch >= 2.2.

The cell is unrolled step by step, as the app runs it. Layer l holds one weight matrix
[W_in | W_rec] of shape (gates * hidden, n_in + hidden) and one bias vector per gate; gate k's rows
are k * hidden .. (k + 1) * hidden ({order}). h_0 = 0. The output layer
reads the top layer's last state h_T: the loss is taken at the last step only."""
import torch
from torch import nn

GATES = {len(gates)}


class RecurrentNet(nn.Module):
    def __init__(self, n_in, hidden, n_out, depth):
        super().__init__()
        self.hidden = hidden
        fans = [n_in] + [hidden] * (depth - 1)
        self.cells = nn.ParameterList(nn.Parameter(torch.empty(GATES * hidden, n + hidden)) for n in fans)
        self.biases = nn.ParameterList(nn.Parameter(torch.empty(GATES * hidden)) for n in fans){act_module}
        self.drop = {f"nn.Dropout({c.dropout!r})" if c.dropout > 0 else "nn.Identity()"}  # between stacked layers and before the output layer
        self.out = nn.Linear(hidden, n_out)

    def step(self, layer, x_t, h, c):
        """One time step of one layer: x_t (batch, n_in), h{" and c" if family is ModelFamily.LSTM else ""} (batch, hidden)."""
        W, b = self.cells[layer], self.biases[layer]
        n = W.shape[1] - self.hidden
{_CELLS[family]}

    def forward(self, x):
        """x (batch, T, channels) -> (batch, n_out), read from the top layer's h_T."""
        seq = x.unbind(1)  # T tensors (batch, channels)
        for layer in range(len(self.cells)):
            h = c = x.new_zeros(x.shape[0], self.hidden)
            states = []
            for x_t in seq:
                h, c = self.step(layer, x_t, h, c)
                states.append(h)
            seq = [self.drop(s) for s in states] if layer < len(self.cells) - 1 else states
        return self.out(self.drop(h))


model = RecurrentNet({n_in}, {c.width}, {n_out}, {c.depth})
weights = [*model.cells, model.out.weight]
# each gate's input matrix (hidden, n_in) and recurrent matrix (hidden, hidden) on its own, drawn in
# the app's order from the same seed (nn.Linear above drew defaults that are overwritten here)
torch.manual_seed({c.seed})
hidden = {c.width}
with torch.no_grad():
    for W, b in zip(model.cells, model.biases):
        n = W.shape[1] - hidden
        for k in range(GATES):
            rows = slice(k * hidden, (k + 1) * hidden)
            w, fan_in = torch.empty(hidden, n), n
            {cell_in}
            W[rows, :n] = w
            w, fan_in = torch.empty(hidden, hidden), hidden
            {cell_rec}
            W[rows, n:] = w
        nn.init.constant_(b, {c.bias_init!r}){forget_line}
    w, fan_in = model.out.weight, hidden
    {INITS[out_init].code.format(g=out_gain)}
    nn.init.constant_(model.out.bias, {c.bias_init!r})

# the data: sequences, not standardized (they are unit-scale by construction)
n, T{", noise" if noise else ""} = {c.n_train}, {c.seq_len}{noise}
{_DATA[c.dataset]}
loss_fn = {loss}
{_training(c, "w for w in weights")}'''
