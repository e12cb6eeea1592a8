"""The run's configuration: one frozen dataclass, its enums, validation and TOML I/O.

Every key is unique across the sections, so a key can be set by its bare name
(`--set depth=20`) and a TOML file may be flat or grouped in sections.
"""

from __future__ import annotations

import dataclasses
import difflib
import enum
import math
import tomllib
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any


class ConfigError(ValueError):
    """A configuration key, value or file that cannot be used; the message says why and what is allowed."""


class Choice(enum.StrEnum):
    """A configuration choice; str() is its TOML value. StrEnum's own __str__ already returns the
    value, but it is defined here again on purpose: superqt's QEnumComboBox shows str() only for
    an enum whose __str__ comes from outside the enum module, and shows NAME otherwise."""

    def __str__(self) -> str:
        return self.value


class Dataset(Choice):
    SPIRAL = "spiral"
    MOONS = "moons"
    CIRCLES = "circles"
    XOR = "xor"
    GAUSSIANS = "gaussians"
    SINE = "sine"  # 1-D regression


class Activation(Choice):
    LINEAR = "linear"
    SIGMOID = "sigmoid"
    TANH = "tanh"
    SOFTSIGN = "softsign"
    RELU = "relu"
    LEAKY_RELU = "leaky_relu"
    PRELU = "prelu"
    ELU = "elu"
    SELU = "selu"
    GELU = "gelu"
    SILU = "silu"


class Init(Choice):
    TORCH_DEFAULT = "torch_default"  # U[-1/sqrt(fan_in), 1/sqrt(fan_in)], Glorot's "standard"
    NORMAL = "normal"  # N(0, 1/fan_in)
    UNIFORM = "uniform"  # U[-sqrt(3/fan_in), sqrt(3/fan_in)], the same variance as normal
    XAVIER_UNIFORM = "xavier_uniform"
    XAVIER_NORMAL = "xavier_normal"
    HE_UNIFORM = "he_uniform"
    HE_NORMAL = "he_normal"
    LECUN_NORMAL = "lecun_normal"  # truncated normal with variance 1/fan_in
    ORTHOGONAL = "orthogonal"
    ZEROS = "zeros"


class Optimizer(Choice):
    SGD = "sgd"
    MOMENTUM = "momentum"  # SGD with beta 0.9
    NESTEROV = "nesterov"
    RMSPROP = "rmsprop"
    ADAM = "adam"
    ADAMW = "adamw"


class Device(Choice):
    AUTO = "auto"  # a GPU where one is present
    CPU = "cpu"
    CUDA = "cuda"
    MPS = "mps"


@dataclass(frozen=True)
class Config:
    # --- data ---
    dataset: Dataset = Dataset.SPIRAL  # synthetic data set; sine is 1-D regression
    n_train: int = 300  # training points
    n_val: int = 1000  # validation points, drawn from the same distribution
    noise: float = 0.05  # std of the jitter added to each point (to y for sine)
    label_noise: float = 0.0  # fraction of training class labels flipped (classification only)
    # --- network ---
    depth: int = 8  # hidden layers
    width: int = 32  # units per hidden layer
    activation: Activation = Activation.TANH  # nonlinearity of every hidden layer
    init: Init = Init.XAVIER_UNIFORM  # weight initialization scheme
    init_gain: float = 1.0  # multiplies the std of the chosen init
    bias_init: float = 0.0  # the constant every bias starts at
    batch_norm: bool = False  # BatchNorm1d between each hidden linear layer and its activation
    residual: bool = False  # skip connection around each hidden layer of equal width
    # --- regularization (live: dropout, l1, l2, clip_norm, patience) ---
    dropout: float = 0.0  # drop probability after each hidden activation
    l1: float = 0.0  # weight of the L1 penalty sum|W| in the loss
    l2: float = 0.0  # weight of the L2 penalty sum W^2 in the loss
    clip_norm: float = 0.0  # global gradient-norm clipping threshold; 0 = no clipping
    patience: int = 0  # early stopping: evaluations without validation improvement; 0 = off
    # --- training (live: lr) ---
    optimizer: Optimizer = Optimizer.ADAM  # update rule, torch defaults otherwise
    lr: float = 0.003  # learning rate
    batch_size: int = 32  # minibatch size, capped at n_train
    steps: int = 2000  # optimizer steps to run
    eval_every: int = 10  # steps between evaluations of loss, error and layer statistics
    seed: int = 0  # the same seed gives the same data, weights and curves
    device: Device = Device.AUTO  # where the network trains

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            checked = _coerce(f.name, value)
            if checked is not value:
                object.__setattr__(self, f.name, checked)
        for key, (ok, allowed) in _RULES.items():
            if not ok(getattr(self, key)):
                raise ConfigError(_message(key, getattr(self, key), allowed))
        if self.batch_norm and min(self.batch_size, self.n_train) < 2:
            raise ConfigError(
                f"batch_norm = true needs at least 2 samples per batch, but batch_size = {self.batch_size} "
                f"and n_train = {self.n_train}: raise batch_size (and n_train) to 2 or more, or turn batch_norm off"
            )

    # --- convenience ---------------------------------------------------------------------
    @property
    def is_regression(self) -> bool:
        return self.dataset is Dataset.SINE

    def replace(self, **changes: Any) -> Config:
        """A copy with some keys changed, validated; unknown keys raise ConfigError."""
        for key in changes:
            _check_key(key)
        return dataclasses.replace(self, **changes)

    def with_strings(self, assignments: list[str]) -> Config:
        """Apply `KEY=VALUE` strings as typed on a command line."""
        changes: dict[str, Any] = {}
        for item in assignments:
            key, sep, text = item.partition("=")
            key = key.strip()
            if not sep:
                raise ConfigError(f"--set {item!r}: expected KEY=VALUE, for example --set depth=20")
            _check_key(key)
            changes[key] = parse_value(key, text.strip())
        return self.replace(**changes)

    def diff(self, other: Config) -> dict[str, tuple[Any, Any]]:
        """Keys whose values differ, as {key: (self's, other's)}."""
        return {
            f.name: (getattr(self, f.name), getattr(other, f.name))
            for f in fields(self)
            if getattr(self, f.name) != getattr(other, f.name)
        }

    def to_dict(self) -> dict[str, Any]:
        return {f.name: _plain(getattr(self, f.name)) for f in fields(self)}

    @classmethod
    def from_dict(cls, data: dict[str, Any], source: str = "configuration") -> Config:
        return cls(**flatten(data, source))

    # --- TOML ----------------------------------------------------------------------------
    def to_toml(self) -> str:
        lines = ["# Vanishing Point run configuration; every key may also be set by its bare name."]
        for section, keys in SECTIONS.items():
            lines.append("")
            lines.append(f"[{section}]")
            for key in keys:
                lines.append(f"{key} = {_toml_value(getattr(self, key))}")
        return "\n".join(lines) + "\n"

    @classmethod
    def from_toml(cls, text: str, source: str = "configuration") -> Config:
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{source}: not valid TOML ({exc})") from None
        return cls.from_dict(data, source)

    @classmethod
    def load(cls, path: str | Path) -> Config:
        return cls(**read_settings(path))

    def save(self, path: str | Path) -> None:
        """Write atomically: a crash leaves the old file or the new one, never half of one."""
        path = Path(path)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(self.to_toml(), encoding="utf-8")
        tmp.replace(path)


SECTIONS: dict[str, tuple[str, ...]] = {
    "data": ("dataset", "n_train", "n_val", "noise", "label_noise"),
    "network": ("depth", "width", "activation", "init", "init_gain", "bias_init", "batch_norm", "residual"),
    "regularization": ("dropout", "l1", "l2", "clip_norm", "patience"),
    "training": ("optimizer", "lr", "batch_size", "steps", "eval_every", "seed", "device"),
}
KEYS: tuple[str, ...] = tuple(f.name for f in fields(Config))
assert sorted(KEYS) == sorted(k for keys in SECTIONS.values() for k in keys)

#: Keys that can change while a run trains; every other key rebuilds the network or the data.
LIVE_KEYS: frozenset[str] = frozenset({"lr", "l1", "l2", "dropout", "clip_norm", "patience"})

_TYPES: dict[str, type] = {f.name: type(f.default) for f in fields(Config)}

_RULES: dict[str, tuple[Any, str]] = {
    "n_train": (lambda v: v >= 1, "an integer >= 1"),
    "n_val": (lambda v: v >= 1, "an integer >= 1"),
    "noise": (lambda v: math.isfinite(v) and v >= 0, "a number >= 0"),
    "label_noise": (lambda v: 0 <= v <= 0.5, "a number from 0 to 0.5"),
    "depth": (lambda v: 1 <= v <= 100, "an integer from 1 to 100"),
    "width": (lambda v: 1 <= v <= 512, "an integer from 1 to 512"),
    "init_gain": (lambda v: math.isfinite(v) and v > 0, "a number > 0"),
    "bias_init": (math.isfinite, "a finite number"),
    "dropout": (lambda v: 0 <= v < 1, "a number >= 0 and < 1"),
    "lr": (lambda v: math.isfinite(v) and v > 0, "a number > 0"),
    "batch_size": (lambda v: v >= 1, "an integer >= 1"),
    "l1": (lambda v: math.isfinite(v) and v >= 0, "a number >= 0"),
    "l2": (lambda v: math.isfinite(v) and v >= 0, "a number >= 0"),
    "clip_norm": (lambda v: math.isfinite(v) and v >= 0, "a number >= 0 (0 = no clipping)"),
    "patience": (lambda v: v >= 0, "an integer >= 0 (0 = off)"),
    "steps": (lambda v: v >= 1, "an integer >= 1"),
    "eval_every": (lambda v: v >= 1, "an integer >= 1"),
    "seed": (lambda v: 0 <= v < 2**63, "an integer from 0 to 2**63 - 1"),
}


def flatten(data: dict[str, Any], source: str = "configuration") -> dict[str, Any]:
    """{key: value} from a flat or sectioned mapping; unknown sections and keys raise ConfigError."""
    flat: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, dict):
            if key not in SECTIONS:
                raise ConfigError(
                    f"{source}: unknown section [{key}]; sections are {', '.join(SECTIONS)} "
                    "(or write the keys without a section)"
                )
            items = value.items()
        else:
            items = [(key, value)]
        for k, v in items:
            _check_key(k, source)
            if k in flat:
                raise ConfigError(f"{source}: key {k!r} is given twice")
            flat[k] = v
    return flat


def read_settings(path: str | Path) -> dict[str, Any]:
    """The keys a TOML file sets (not yet validated as a whole: Config does that)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
        data = tomllib.loads(text)
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read configuration file {str(path)!r}: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from None
    return flatten(data, str(path))


def allowed_text(key: str) -> str:
    kind = _TYPES[key]
    if issubclass(kind, enum.Enum):
        return "one of " + ", ".join(m.value for m in kind)
    if key in _RULES:
        return _RULES[key][1]
    return {bool: "true or false", int: "an integer", float: "a number"}[kind]


def _message(key: str, value: Any, allowed: str | None = None) -> str:
    return f"{key} = {_plain(value)!r} is not allowed: {key} must be {allowed or allowed_text(key)}"


def _check_key(key: str, source: str | None = None) -> None:
    if key in KEYS:
        return
    near = difflib.get_close_matches(key, KEYS, n=1)
    hint = f"did you mean {near[0]!r}? " if near else ""
    where = f"{source}: " if source else ""
    raise ConfigError(f"{where}unknown key {key!r}; {hint}known keys: {', '.join(KEYS)}")


def _coerce(key: str, value: Any) -> Any:
    """Check the value's type (TOML or Python), turning enum strings into members."""
    kind = _TYPES[key]
    if issubclass(kind, enum.Enum):
        if isinstance(value, kind):
            return value
        try:
            return kind(value)
        except ValueError:
            raise ConfigError(_message(key, value)) from None
    if kind is bool:
        if isinstance(value, bool):
            return value
    elif kind is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    elif kind is float:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
    raise ConfigError(_message(key, value))


def parse_value(key: str, text: str) -> Any:
    """Turn command-line text into the key's type."""
    _check_key(key)
    kind = _TYPES[key]
    try:
        if kind is bool:
            lowered = text.lower()
            if lowered in ("true", "1", "yes", "on"):
                return True
            if lowered in ("false", "0", "no", "off"):
                return False
            raise ValueError
        if kind is int:
            return int(text)
        if kind is float:
            value = float(text)
            return value
    except ValueError:
        raise ConfigError(_message(key, text)) from None
    return text  # enums are checked by Config itself


def _plain(value: Any) -> Any:
    return value.value if isinstance(value, enum.Enum) else value


def _toml_value(value: Any) -> str:
    value = _plain(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return repr(value)
