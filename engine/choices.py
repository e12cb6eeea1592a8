"""Everything about each activation, initialization and optimizer, once.

One frozen entry per member of the Config enums, keyed by the member: its torch function, its numpy
form for the mean-field theory (engine.theory), its text in the exported script (engine.snippet),
its dead and saturation rules (engine.stats). Every other module reads these tables; a new choice is
one enum line in engine.config and one entry here (tests/engine/test_choices.py checks both).

The table itself needs only numpy: the theory and the window read it before torch has loaded (a
window's first paint does not wait for torch). Its torch forms are named, and resolved by
`torch_function()` and `make()` when a network is built.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import numpy as np

from engine.config import Activation, Init, ModelFamily, Optimizer

if TYPE_CHECKING:
    import torch

#: keyword arguments as (name, value) pairs: hashable, like the rest of a frozen entry
Options = tuple[tuple[str, Any], ...]


def _torch_attr(path: str) -> Any:
    """The torch object at a dotted path such as "torch.nn.functional.relu"."""
    import torch  # here, not at the top: see the module's docstring

    return functools.reduce(getattr, path.split(".")[1:], torch)

# --- activations -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ActivationEntry:
    #: the torch function φ(s); None: the identity. PReLU's takes the slope as a second argument.
    torch_name: str | None
    numpy: Callable[[np.ndarray], np.ndarray]  # φ on float64 arrays, for the theory; φ' is its central difference
    code: str  # the torch.nn module in the exported script
    #: relu family: the slope for s <= 0 (PReLU: its initial value). A unit is dead when its output
    #: is <= 0 on every sample and this slope is 0; None: the dead statistic does not apply.
    negative_slope: float | None = None
    learned_slope: bool = False  # PReLU: one learnable negative slope per hidden layer, from negative_slope
    #: saturating activations: |s| above this is the part of the domain where φ'(s) is under 10%
    #: of its peak; None: the saturation statistic does not apply.
    saturation: float | None = None
    torch_options: Options = ()  # keyword arguments of the torch function
    #: φ's backward for the MLP's hand-written step (engine.models.mlp): given torch.ops.aten, a
    #: function (g, s, a) -> dL/ds from g = dL/da, the pre-activation s and a = φ(s), each one the
    #: op autograd itself would run; None: the identity. PReLU's takes the slope as a fourth
    #: argument and returns (dL/ds, dL/dslope).
    backward: Callable[[Any], Callable[..., Any]] | None = None
    #: φ written into a given tensor, for a step that keeps its tensors from step to step
    #: (engine.models.mlp._Stack): given torch, a function (s, out) running the very kernel of the
    #: torch function (its out= form); None where it has none
    forward_into: Callable[[Any], Callable[..., Any]] | None = None
    #: `backward`'s out= form: given torch.ops.aten, (g, s, a, out) -> out = dL/ds; None where it has none
    backward_into: Callable[[Any], Callable[..., Any]] | None = None

    def torch_function(self) -> Callable[..., torch.Tensor]:
        if self.torch_name is None:
            return _identity
        fn = _torch_attr(self.torch_name)
        return functools.partial(fn, **dict(self.torch_options)) if self.torch_options else fn

    def torch_backward(self) -> Callable[..., Any]:
        if self.backward is None:
            return _pass_gradient
        return self.backward(_torch_attr("torch.ops.aten"))

    def torch_function_into(self) -> Callable[..., Any] | None:
        return None if self.forward_into is None else self.forward_into(_torch_attr("torch"))

    def torch_backward_into(self) -> Callable[..., Any] | None:
        return None if self.backward_into is None else self.backward_into(_torch_attr("torch.ops.aten"))

    @property
    def dead_applies(self) -> bool:
        return self.negative_slope is not None

    @property
    def saturation_bounds(self) -> tuple[float, float] | None:
        """(centre, half-width) on φ's output beyond which a unit counts as saturated:
        centre φ(0), half-width φ(threshold) − φ(0) (the saturating activations are odd about 0)."""
        if self.saturation is None:
            return None
        centre = float(self.numpy(np.float64(0.0)))
        return centre, float(self.numpy(np.float64(self.saturation))) - centre


LEAKY_SLOPE = 0.01  # torch's default negative slope of leaky_relu
PRELU_START = 0.25  # torch's default initial slope of PReLU
SELU_ALPHA, SELU_SCALE = 1.6732632423543772, 1.0507009873554805
_erf = np.frompyfunc(math.erf, 1, 1)


def _identity(s: torch.Tensor) -> torch.Tensor:
    return s


def _pass_gradient(g: torch.Tensor, s: torch.Tensor, a: torch.Tensor) -> torch.Tensor:
    return g


def _softsign_backward(aten: Any) -> Callable[..., Any]:
    def backward(g: torch.Tensor, s: torch.Tensor, a: torch.Tensor) -> torch.Tensor:
        # φ(s) = s / d with d = |s| + 1, so φ'(s) = 1 / d², here computed as autograd would: the
        # numerator's path g / d plus the denominator's -g·s/d² through |s|
        d = s.abs() + 1
        return g / d + (-g * (s / d / d)) * s.sgn()

    return backward


ACTIVATIONS: Mapping[Activation, ActivationEntry] = MappingProxyType({
    Activation.LINEAR: ActivationEntry(None, lambda x: x, "nn.Identity()"),
    Activation.SIGMOID: ActivationEntry(
        "torch.sigmoid", lambda x: 1 / (1 + np.exp(-x)), "nn.Sigmoid()", saturation=3.64,  # sigmoid'(s) < 0.025
        backward=lambda aten: lambda g, s, a: aten.sigmoid_backward(g, a),
        forward_into=lambda torch: lambda s, out: torch.sigmoid(s, out=out),
        backward_into=lambda aten: lambda g, s, a, out: aten.sigmoid_backward.grad_input(g, a, grad_input=out),
    ),
    Activation.TANH: ActivationEntry(
        "torch.tanh", np.tanh, "nn.Tanh()", saturation=1.83,  # tanh'(s) < 0.1
        backward=lambda aten: lambda g, s, a: aten.tanh_backward(g, a),
        forward_into=lambda torch: lambda s, out: torch.tanh(s, out=out),
        backward_into=lambda aten: lambda g, s, a, out: aten.tanh_backward.grad_input(g, a, grad_input=out),
    ),
    Activation.SOFTSIGN: ActivationEntry(
        "torch.nn.functional.softsign", lambda x: x / (1 + np.abs(x)), "nn.Softsign()", saturation=2.17,  # 1/(1+|s|)^2 < 0.1
        backward=_softsign_backward,
    ),
    Activation.RELU: ActivationEntry(
        "torch.nn.functional.relu", lambda x: np.maximum(x, 0), "nn.ReLU()", negative_slope=0.0,
        backward=lambda aten: lambda g, s, a: aten.threshold_backward(g, a, 0),
        forward_into=lambda torch: lambda s, out: torch.clamp_min(s, 0, out=out),  # what aten's relu runs
        backward_into=lambda aten: lambda g, s, a, out: aten.threshold_backward.grad_input(g, a, 0, grad_input=out),
    ),
    Activation.LEAKY_RELU: ActivationEntry(
        "torch.nn.functional.leaky_relu",
        lambda x: np.where(x > 0, x, LEAKY_SLOPE * x),
        f"nn.LeakyReLU({LEAKY_SLOPE})",
        negative_slope=LEAKY_SLOPE,
        torch_options=(("negative_slope", LEAKY_SLOPE),),
        backward=lambda aten: lambda g, s, a: aten.leaky_relu_backward(g, s, LEAKY_SLOPE, False),
        forward_into=lambda torch: lambda s, out: torch._C._nn.leaky_relu(s, LEAKY_SLOPE, out=out),
        backward_into=lambda aten: lambda g, s, a, out: aten.leaky_relu_backward.grad_input(g, s, LEAKY_SLOPE, False, grad_input=out),
    ),
    Activation.PRELU: ActivationEntry(
        "torch.nn.functional.prelu",  # F.prelu(s, slope)
        lambda x: np.where(x > 0, x, PRELU_START * x),  # the theory is at initialization
        f"nn.PReLU(init={PRELU_START})",
        negative_slope=PRELU_START,
        learned_slope=True,
        backward=lambda aten: lambda g, s, a, slope: aten._prelu_kernel_backward(g, s, slope),
    ),
    Activation.ELU: ActivationEntry(
        "torch.nn.functional.elu", lambda x: np.where(x > 0, x, np.expm1(np.minimum(x, 0))), "nn.ELU()",
        backward=lambda aten: lambda g, s, a: aten.elu_backward(g, 1.0, 1, 1, False, s),
        forward_into=lambda torch: lambda s, out: torch._C._nn.elu(s, 1.0, 1, 1, out=out),
        backward_into=lambda aten: lambda g, s, a, out: aten.elu_backward.grad_input(g, 1.0, 1, 1, False, s, grad_input=out),
    ),
    Activation.SELU: ActivationEntry(
        "torch.nn.functional.selu",
        lambda x: SELU_SCALE * np.where(x > 0, x, SELU_ALPHA * np.expm1(np.minimum(x, 0))),
        "nn.SELU()",
        backward=lambda aten: lambda g, s, a: aten.elu_backward(g, SELU_ALPHA, SELU_SCALE, 1, False, s),
        forward_into=lambda torch: lambda s, out: torch._C._nn.elu(s, SELU_ALPHA, SELU_SCALE, 1, out=out),  # aten's selu
        backward_into=lambda aten: lambda g, s, a, out: aten.elu_backward.grad_input(
            g, SELU_ALPHA, SELU_SCALE, 1, False, s, grad_input=out
        ),
    ),
    Activation.GELU: ActivationEntry(
        "torch.nn.functional.gelu", lambda x: 0.5 * x * (1 + _erf(x / math.sqrt(2)).astype(float)), "nn.GELU()",  # exact, not tanh
        backward=lambda aten: lambda g, s, a: aten.gelu_backward(g, s),
        forward_into=lambda torch: lambda s, out: torch._C._nn.gelu(s, out=out),
        backward_into=lambda aten: lambda g, s, a, out: aten.gelu_backward.grad_input(g, s, grad_input=out),
    ),
    Activation.SILU: ActivationEntry(
        "torch.nn.functional.silu", lambda x: x / (1 + np.exp(-x)), "nn.SiLU()",
        backward=lambda aten: lambda g, s, a: aten.silu_backward(g, s),
        forward_into=lambda torch: lambda s, out: torch._C._nn.silu(s, out=out),
        backward_into=lambda aten: lambda g, s, a, out: aten.silu_backward.grad_input(g, s, grad_input=out),
    ),
})


# --- recurrent cells ----------------------------------------------------------------------------

#: the gates of each recurrent family's cell, in torch's order: a layer's weight matrix and bias
#: hold one block of H rows per gate (engine.models.recurrent, and the exported script)
GATES: Mapping[ModelFamily, tuple[str, ...]] = MappingProxyType({
    ModelFamily.RNN: ("hidden",),
    ModelFamily.LSTM: ("input", "forget", "cell", "output"),
    ModelFamily.GRU: ("reset", "update", "new"),
})
FORGET = GATES[ModelFamily.LSTM].index("forget")  # the gate whose bias starts at forget_bias


# --- initializations ----------------------------------------------------------------------------


Draw = Callable[["torch.Tensor", float, "torch.Generator"], None]


@dataclass(frozen=True)
class InitEntry:
    #: fill w (fan_out, fan_in) in place; `gain` multiplies the scheme's standard deviation
    draw: Callable[[torch.Tensor, float, torch.Generator], None]
    #: Var(W) at gain 1 as a function of (fan_in, fan_out), for the theory; None: it does not apply
    variance: Callable[[int, int], float] | None
    #: a statement that does the same to `w` given `fan_in`, with the gain's repr for {g}
    code: str
    #: the recurrent families (engine.models.recurrent) draw each gate's input matrix (H, n_in) and
    #: recurrent matrix (H, H) with these where they differ from `draw`, with their code texts
    cell_input: Draw | None = None
    cell_recurrent: Draw | None = None
    cell_input_code: str | None = None
    cell_recurrent_code: str | None = None
    #: the output layer's init where it is not this one (identity: xavier_uniform, gain 1)
    output: Init | None = None
    rnn_only: bool = False  # only for the Elman network's recurrent matrices (config refuses the rest)


def _uniform(bound: Callable[[int, int], float]) -> Callable[[torch.Tensor, float, torch.Generator], None]:
    """U[-gain·bound, gain·bound]: the std is gain·bound/sqrt(3)."""

    def draw(w: torch.Tensor, gain: float, generator: torch.Generator) -> None:
        fan_out, fan_in = w.shape
        scale = bound(fan_in, fan_out)
        w.uniform_(-gain * scale, gain * scale, generator=generator)

    return draw


def _normal(std: Callable[[int, int], float]) -> Callable[[torch.Tensor, float, torch.Generator], None]:
    """N(0, (gain·std)²)."""

    def draw(w: torch.Tensor, gain: float, generator: torch.Generator) -> None:
        fan_out, fan_in = w.shape
        w.normal_(0.0, gain * std(fan_in, fan_out), generator=generator)

    return draw


TRUNCATED_STD = 0.87962566103423978  # std of N(0, 1) truncated at ±2


def _lecun_normal(w: torch.Tensor, gain: float, generator: torch.Generator) -> None:
    """N(0, σ²) truncated at ±2σ, σ chosen so that the variance is gain²/fan_in."""
    std = gain / math.sqrt(w.shape[1]) / TRUNCATED_STD
    _torch_attr("torch.nn.init.trunc_normal_")(w, 0.0, std, -2 * std, 2 * std, generator=generator)


def _orthogonal(w: torch.Tensor, gain: float, generator: torch.Generator) -> None:
    _torch_attr("torch.nn.init.orthogonal_")(w, gain=gain, generator=generator)


def _zeros(w: torch.Tensor, gain: float, generator: torch.Generator) -> None:
    w.zero_()


def _eye(w: torch.Tensor, gain: float, generator: torch.Generator) -> None:
    """gain x I (a square recurrent matrix)."""
    _torch_attr("torch.nn.init.eye_")(w)
    w.mul_(gain)


IDENTITY_INPUT_STD = 0.001  # Le, Jaitly & Hinton (2015): input weights N(0, 0.001²), whatever the gain


def _tiny_normal(w: torch.Tensor, gain: float, generator: torch.Generator) -> None:
    w.normal_(0.0, IDENTITY_INPUT_STD, generator=generator)


INITS: Mapping[Init, InitEntry] = MappingProxyType({
    Init.TORCH_DEFAULT: InitEntry(
        _uniform(lambda fan_in, fan_out: 1 / math.sqrt(fan_in)),
        lambda fan_in, fan_out: 1 / (3 * fan_in),
        "nn.init.uniform_(w, -{g} / fan_in**0.5, {g} / fan_in**0.5)",
        # torch.nn.RNN/LSTM/GRU: U(-1/sqrt(H), 1/sqrt(H)) for every matrix, whatever its fan_in
        cell_input=_uniform(lambda fan_in, fan_out: 1 / math.sqrt(fan_out)),
        cell_recurrent=_uniform(lambda fan_in, fan_out: 1 / math.sqrt(fan_out)),
        cell_input_code="nn.init.uniform_(w, -{g} / hidden**0.5, {g} / hidden**0.5)",
        cell_recurrent_code="nn.init.uniform_(w, -{g} / hidden**0.5, {g} / hidden**0.5)",
    ),
    Init.NORMAL: InitEntry(
        _normal(lambda fan_in, fan_out: math.sqrt(1 / fan_in)),
        lambda fan_in, fan_out: 1 / fan_in,
        "nn.init.normal_(w, 0.0, {g} / fan_in**0.5)",
    ),
    Init.UNIFORM: InitEntry(
        _uniform(lambda fan_in, fan_out: math.sqrt(3 / fan_in)),
        lambda fan_in, fan_out: 1 / fan_in,
        "nn.init.uniform_(w, -{g} * (3 / fan_in) ** 0.5, {g} * (3 / fan_in) ** 0.5)",
    ),
    Init.XAVIER_UNIFORM: InitEntry(
        _uniform(lambda fan_in, fan_out: math.sqrt(6 / (fan_in + fan_out))),
        lambda fan_in, fan_out: 2 / (fan_in + fan_out),
        "nn.init.xavier_uniform_(w, gain={g})",
    ),
    Init.XAVIER_NORMAL: InitEntry(
        _normal(lambda fan_in, fan_out: math.sqrt(2 / (fan_in + fan_out))),
        lambda fan_in, fan_out: 2 / (fan_in + fan_out),
        "nn.init.xavier_normal_(w, gain={g})",
    ),
    Init.HE_UNIFORM: InitEntry(
        _uniform(lambda fan_in, fan_out: math.sqrt(6 / fan_in)),
        lambda fan_in, fan_out: 2 / fan_in,
        "nn.init.uniform_(w, -{g} * (6 / fan_in) ** 0.5, {g} * (6 / fan_in) ** 0.5)",
    ),
    Init.HE_NORMAL: InitEntry(
        _normal(lambda fan_in, fan_out: math.sqrt(2 / fan_in)),
        lambda fan_in, fan_out: 2 / fan_in,
        "nn.init.normal_(w, 0.0, {g} * (2 / fan_in) ** 0.5)",
    ),
    Init.LECUN_NORMAL: InitEntry(
        _lecun_normal,
        lambda fan_in, fan_out: 1 / fan_in,
        "std = {g} / fan_in**0.5 / " + repr(TRUNCATED_STD) + "; nn.init.trunc_normal_(w, 0.0, std, -2 * std, 2 * std)",
    ),
    Init.ORTHOGONAL: InitEntry(
        _orthogonal,
        lambda fan_in, fan_out: 1 / max(fan_in, fan_out),  # orthonormal rows, or columns when taller
        "nn.init.orthogonal_(w, gain={g})",
    ),
    Init.ZEROS: InitEntry(_zeros, None, "nn.init.zeros_(w)"),  # no variance: the theory has no signal
    Init.IDENTITY: InitEntry(
        _eye,
        None,
        "nn.init.eye_(w); w.mul_({g})",
        cell_input=_tiny_normal,
        cell_recurrent=_eye,
        cell_input_code=f"nn.init.normal_(w, 0.0, {IDENTITY_INPUT_STD!r})",
        cell_recurrent_code="nn.init.eye_(w); w.mul_({g})",
        output=Init.XAVIER_UNIFORM,
        rnn_only=True,
    ),
})


# --- optimizers ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class OptimizerEntry:
    name: str  # the class in torch.optim
    options: Options = ()  # besides lr; torch's defaults otherwise

    def make(self, params: list[torch.Tensor], lr: float) -> torch.optim.Optimizer:
        return _torch_attr(f"torch.optim.{self.name}")(params, lr=lr, **dict(self.options))

    def code(self, lr: float, params: str = "model.parameters()") -> str:
        """The constructor call in the exported script."""
        options = "".join(f", {k}={v!r}" for k, v in self.options)
        return f"torch.optim.{self.name}({params}, lr={lr!r}{options})"


OPTIMIZERS: Mapping[Optimizer, OptimizerEntry] = MappingProxyType({
    Optimizer.SGD: OptimizerEntry("SGD"),
    Optimizer.MOMENTUM: OptimizerEntry("SGD", (("momentum", 0.9),)),
    Optimizer.NESTEROV: OptimizerEntry("SGD", (("momentum", 0.9), ("nesterov", True))),
    Optimizer.RMSPROP: OptimizerEntry("RMSprop"),
    Optimizer.ADAM: OptimizerEntry("Adam"),
    Optimizer.ADAMW: OptimizerEntry("AdamW"),
})
