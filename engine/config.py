"""The run's configuration: one frozen dataclass, its enums, validation and TOML I/O.

Every key is unique across the sections, so a key can be set by its bare name
(`--set depth=20`) and a TOML file may be flat or grouped in sections.
"""

from __future__ import annotations

import dataclasses
import difflib
import enum
import math
import os
import reprlib
import stat
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
    RECALL = "recall"  # sequences: remember the sign of the first step (rnn, lstm, gru)
    ADDING = "adding"  # sequences: sum of the two marked values, regression (rnn, lstm, gru)


#: the sequence data sets: they go with the recurrent model families, and only with them
SEQUENCE_DATASETS = frozenset({Dataset.RECALL, Dataset.ADDING})
REGRESSION_DATASETS = frozenset({Dataset.SINE, Dataset.ADDING})


class ModelFamily(Choice):
    MLP = "mlp"  # multilayer perceptron: the probes are its layers
    RNN = "rnn"  # Elman network, h_t = φ(W x_t + U h_{t-1} + b)
    LSTM = "lstm"
    GRU = "gru"


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
    IDENTITY = "identity"  # rnn only: recurrent matrices gain x I (Le, Jaitly & Hinton 2015)


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
    dataset: Dataset = Dataset.SPIRAL  # synthetic data set; sine and adding are regression
    seq_len: int = 50  # sequence length T of the sequence data sets (recall, adding)
    n_train: int = 300  # training points
    n_val: int = 1000  # validation points, drawn from the same distribution
    noise: float = 0.05  # std of the jitter added to each point (to y for sine)
    label_noise: float = 0.0  # fraction of training class labels flipped (classification only)
    # --- network ---
    model: ModelFamily = ModelFamily.MLP  # the model family; rnn, lstm and gru take sequence data
    depth: int = 8  # hidden layers (stacked recurrent layers for rnn, lstm, gru)
    width: int = 32  # units per hidden layer (the hidden size H of a recurrent layer)
    activation: Activation = Activation.TANH  # nonlinearity of every hidden layer (the Elman cell's)
    init: Init = Init.XAVIER_UNIFORM  # weight initialization scheme
    init_gain: float = 1.0  # multiplies the std of the chosen init
    bias_init: float = 0.0  # the constant every bias starts at
    batch_norm: bool = False  # BatchNorm1d between each hidden linear layer and its activation
    residual: bool = False  # skip connection around each hidden layer of equal width
    forget_bias: float = 1.0  # LSTM: the forget gate's bias at initialization
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
        self._check_family()
        units = min(self.batch_size, self.n_train) * self.width * self.depth
        if self.is_recurrent:
            units *= self.seq_len * 4  # every step's states, up to four gates each
            if units > MAX_BATCH_UNITS:
                raise ConfigError(
                    f"batch_size x width x depth x seq_len x 4 (gates) = {units} (with batch_size capped at n_train) is too "
                    f"large: it must be at most {MAX_BATCH_UNITS} (about 2 GiB of states per step); lower batch_size, "
                    "width, depth or seq_len"
                )
        if units > MAX_BATCH_UNITS:
            raise ConfigError(
                f"batch_size x width x depth = {units} (with batch_size capped at n_train) is too large: it must be "
                f"at most {MAX_BATCH_UNITS} (about 2 GiB of activations per step); lower batch_size, width or depth"
            )
        if self.batch_norm and min(self.batch_size, self.n_train) < 2:
            raise ConfigError(
                f"batch_norm = true needs at least 2 samples per batch, but batch_size = {self.batch_size} "
                f"and n_train = {self.n_train}: raise batch_size (and n_train) to 2 or more, or turn batch_norm off"
            )

    def _check_family(self) -> None:
        """The pairings a model family allows: sequence data only with the recurrent families,
        and only the options that mean something for each."""
        recurrent = self.is_recurrent
        if recurrent != (self.dataset in SEQUENCE_DATASETS):
            valid = "model = \"lstm\" with dataset = \"recall\"" if recurrent else "model = \"mlp\" with dataset = \"spiral\""
            kind = "a recurrent model" if recurrent else "a sequence data set"
            raise ConfigError(
                f"model = {self.model.value!r} does not go with dataset = {self.dataset.value!r}: {kind} needs "
                f"{'a sequence data set (recall, adding)' if recurrent else 'a recurrent model (rnn, lstm, gru)'}; "
                f"for example {valid}"
            )
        if not recurrent:
            if self.init is Init.IDENTITY:
                raise ConfigError(
                    'init = "identity" is for recurrent weights: it needs model = "rnn"; choose another init for an mlp'
                )
            return
        if self.depth > MAX_RECURRENT_DEPTH:
            raise ConfigError(
                f"depth = {self.depth} is not allowed for model = {self.model.value!r}: a recurrent net stacks 1 to "
                f"{MAX_RECURRENT_DEPTH} layers; lower depth"
            )
        for key in ("batch_norm", "residual"):
            if getattr(self, key):
                raise ConfigError(
                    f"{key} = true does not apply to model = {self.model.value!r} (only to an mlp): set {key} = false"
                )
        if self.init is Init.IDENTITY and self.model is not ModelFamily.RNN:
            raise ConfigError(
                f'init = "identity" is for the Elman network only, not model = {self.model.value!r}: '
                'use model = "rnn", or another init such as orthogonal'
            )

    # --- convenience ---------------------------------------------------------------------
    @property
    def is_regression(self) -> bool:
        return self.dataset in REGRESSION_DATASETS

    @property
    def is_recurrent(self) -> bool:
        return self.model is not ModelFamily.MLP

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
        """Every key, except that an mlp's leaves out RECURRENT_KEYS (they do not apply to it, and
        a file written before they existed reads back the same)."""
        skip = () if self.is_recurrent else RECURRENT_KEYS
        return {f.name: _plain(getattr(self, f.name)) for f in fields(self) if f.name not in skip}

    @classmethod
    def from_dict(cls, data: dict[str, Any], source: str = "configuration") -> Config:
        if not isinstance(data, dict):
            raise ConfigError(f"{source}: expected a table of KEY = VALUE, not a {type(data).__name__}")
        return cls(**flatten(data, source))

    # --- TOML ----------------------------------------------------------------------------
    def to_toml(self) -> str:
        lines = ["# Vanishing Point run configuration; every key may also be set by its bare name."]
        skip = () if self.is_recurrent else RECURRENT_KEYS
        for section, keys in SECTIONS.items():
            lines.append("")
            lines.append(f"[{section}]")
            for key in keys:
                if key not in skip:
                    lines.append(f"{key} = {_toml_value(getattr(self, key))}")
        return "\n".join(lines) + "\n"

    @classmethod
    def from_toml(cls, text: str, source: str = "configuration") -> Config:
        return cls.from_dict(_parse_toml(text, source), source)

    @classmethod
    def load(cls, path: str | Path) -> Config:
        return cls(**read_settings(path))

    def save(self, path: str | Path) -> None:
        """Write atomically: a crash leaves the old file or the new one, never half of one."""
        write_atomic(Path(path), self.to_toml())


SECTIONS: dict[str, tuple[str, ...]] = {
    "data": ("dataset", "seq_len", "n_train", "n_val", "noise", "label_noise"),
    "network": (
        "model", "depth", "width", "activation", "init", "init_gain", "bias_init", "batch_norm", "residual", "forget_bias"
    ),
    "regularization": ("dropout", "l1", "l2", "clip_norm", "patience"),
    "training": ("optimizer", "lr", "batch_size", "steps", "eval_every", "seed", "device"),
}
KEYS: tuple[str, ...] = tuple(f.name for f in fields(Config))
assert sorted(KEYS) == sorted(k for keys in SECTIONS.values() for k in keys)

#: Keys only a recurrent model reads: an mlp's configuration files and sessions leave them out.
RECURRENT_KEYS: tuple[str, ...] = ("model", "seq_len", "forget_bias")

#: Keys that can change while a run trains; every other key rebuilds the network or the data.
LIVE_KEYS: frozenset[str] = frozenset({"lr", "l1", "l2", "dropout", "clip_norm", "patience"})

_TYPES: dict[str, type] = {f.name: type(f.default) for f in fields(Config)}

#: Upper bounds. The network trains in float32 (largest finite value about 3.4e38, and its
#: squares overflow near 1.8e19), and a run should fit in the memory of an ordinary machine
#: (24 GiB), so a value that would overflow before the first step or allocate more than that is
#: refused up front, with room to spare for every value a lesson or an experiment uses.
MAX_POINTS = 1_000_000  # n_train, n_val: the data and a whole-set evaluation of width 512 take ~4 GiB
MAX_STEPS = 10_000_000  # steps: about a day of training at the default size; the app keeps 100,000
MAX_SCALE = 1e3  # noise, init_gain, |bias_init|, lr, l1, l2: 1e3 already explodes any net; a
# larger factor turns float32 weights, data or updates into inf before the run can show anything
MAX_CLIP = 1e6  # clip_norm: a threshold above every finite float32 gradient a run reports
#: batch_size x width x depth: the activations, pre-activations and their gradients one training
#: step keeps (four float32 copies: 2 GiB at this bound); 512 units x 100 layers still allows 2,621
MAX_BATCH_UNITS = 2**27
MAX_SEQ_LEN = 1000  # seq_len: the unrolled loop runs in Python, one step of the cell at a time
MAX_RECURRENT_DEPTH = 10  # stacked recurrent layers


def _number(low: float, high: float, low_open: bool = False) -> Any:
    return lambda v: math.isfinite(v) and (v > low if low_open else v >= low) and v <= high


_RULES: dict[str, tuple[Any, str]] = {
    "n_train": (lambda v: 1 <= v <= MAX_POINTS, f"an integer from 1 to {MAX_POINTS}"),
    "n_val": (lambda v: 1 <= v <= MAX_POINTS, f"an integer from 1 to {MAX_POINTS}"),
    "noise": (_number(0, MAX_SCALE), f"a number >= 0 and <= {MAX_SCALE:g}"),
    "label_noise": (lambda v: 0 <= v <= 0.5, "a number from 0 to 0.5"),
    "seq_len": (lambda v: 2 <= v <= MAX_SEQ_LEN, f"an integer from 2 to {MAX_SEQ_LEN}"),
    "depth": (lambda v: 1 <= v <= 100, "an integer from 1 to 100"),
    "width": (lambda v: 1 <= v <= 512, "an integer from 1 to 512"),
    "init_gain": (_number(0, MAX_SCALE, low_open=True), f"a number > 0 and <= {MAX_SCALE:g}"),
    "bias_init": (_number(-MAX_SCALE, MAX_SCALE), f"a finite number from -{MAX_SCALE:g} to {MAX_SCALE:g}"),
    "forget_bias": (_number(-MAX_SCALE, MAX_SCALE), f"a finite number from -{MAX_SCALE:g} to {MAX_SCALE:g}"),
    "dropout": (lambda v: 0 <= v < 1, "a number >= 0 and < 1"),
    "lr": (_number(0, MAX_SCALE, low_open=True), f"a number > 0 and <= {MAX_SCALE:g}"),
    "batch_size": (lambda v: 1 <= v <= MAX_POINTS, f"an integer >= 1 and <= {MAX_POINTS}"),
    "l1": (_number(0, MAX_SCALE), f"a number >= 0 and <= {MAX_SCALE:g}"),
    "l2": (_number(0, MAX_SCALE), f"a number >= 0 and <= {MAX_SCALE:g}"),
    "clip_norm": (_number(0, MAX_CLIP), f"a number >= 0 and <= {MAX_CLIP:g} (0 = no clipping)"),
    "patience": (lambda v: 0 <= v <= MAX_STEPS, f"an integer >= 0 and <= {MAX_STEPS} (0 = off)"),
    "steps": (lambda v: 1 <= v <= MAX_STEPS, f"an integer >= 1 and <= {MAX_STEPS}"),
    "eval_every": (lambda v: 1 <= v <= MAX_STEPS, f"an integer >= 1 and <= {MAX_STEPS}"),
    "seed": (lambda v: 0 <= v < 2**63, "an integer from 0 to 2**63 - 1"),
}

#: A configuration file larger than this is not one (a --config /dev/zero would read forever).
MAX_CONFIG_BYTES = 1 << 20


def flatten(data: dict[str, Any], source: str = "configuration") -> dict[str, Any]:
    """{key: value} from a flat or sectioned mapping; unknown sections and keys raise ConfigError."""
    flat: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, dict):
            if key not in SECTIONS:
                raise ConfigError(
                    f"{source}: unknown section [{key if isinstance(key, str) and key.isidentifier() else repr(key)}]; sections are {', '.join(SECTIONS)} "
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
    """The keys a TOML file sets (not yet validated as a whole: Config does that). Only a regular
    file of at most MAX_CONFIG_BYTES is read."""
    if not str(path).strip():
        raise ConfigError("--config '': no file named; give the path of a TOML file, e.g. --config run/config.toml")
    path = Path(path)
    try:
        with open(path, "rb") as f:
            info = os.fstat(f.fileno())
            if not stat.S_ISREG(info.st_mode):
                raise ConfigError(f"cannot read configuration file {str(path)!r}: it is not a regular file; give a TOML file")
            data = f.read(MAX_CONFIG_BYTES + 1)  # a file may grow after fstat
        if len(data) > MAX_CONFIG_BYTES:
            raise ConfigError(
                f"cannot read configuration file {str(path)!r}: it is larger than {MAX_CONFIG_BYTES // 1024} KiB, "
                "which no configuration is; give a TOML file of KEY = VALUE lines"
            )
        text = data.decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read configuration file {str(path)!r}: {_one_line(exc)}") from None
    return flatten(_parse_toml(text, str(path)), str(path))


def _parse_toml(text: str, source: str) -> Any:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source}: not valid TOML ({_one_line(exc)})") from None
    except RecursionError:
        raise ConfigError(f"{source}: not a configuration (its tables or arrays are nested too deeply); write flat KEY = VALUE lines") from None


def write_atomic(path: Path, text: str) -> None:
    """Write `text` to `path` through `path.tmp` and a rename: a crash leaves the old file or the
    new one, never half of one; a failed write removes its temporary file (one killed outright
    leaves `NAME.tmp`, which the next write to `path` replaces)."""
    tmp = path.with_name(path.name + ".tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())


def positive_int(text: str | None, flag: str, default: int, example: str) -> int:
    """A command-line option's integer >= 1, or `default` when it is not given; ConfigError
    (one line, with `example`) for anything else."""
    if text is None:
        return default
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise ConfigError(f"{flag} {text!r} is not allowed: it must be an integer >= 1, for example {example}")
    return value


def allowed_text(key: str) -> str:
    kind = _TYPES[key]
    if issubclass(kind, enum.Enum):
        return "one of " + ", ".join(m.value for m in kind)
    if key in _RULES:
        return _RULES[key][1]
    return {bool: "true or false", int: "an integer", float: "a number"}[kind]


_SHORT = reprlib.Repr()
_SHORT.maxlevel, _SHORT.maxstring, _SHORT.maxother, _SHORT.maxlong, _SHORT.maxlist, _SHORT.maxdict = 2, 60, 60, 40, 6, 4


def _message(key: str, value: Any, allowed: str | None = None) -> str:
    """One line; a long or nested value is shortened (reprlib) so that the line stays readable."""
    return f"{key} = {_SHORT.repr(_plain(value))} is not allowed: {key} must be {allowed or allowed_text(key)}"


def _check_key(key: Any, source: str | None = None) -> None:
    if isinstance(key, str) and key in KEYS:
        return
    near = difflib.get_close_matches(key, KEYS, n=1) if isinstance(key, str) else []
    hint = f"did you mean {near[0]!r}? " if near else ""
    where = f"{source}: " if source else ""
    raise ConfigError(f"{where}unknown key {_SHORT.repr(key)}; {hint}known keys: {', '.join(KEYS)}")


def _coerce(key: str, value: Any) -> Any:
    """Check the value's type (TOML or Python), turning enum strings into members."""
    kind = _TYPES[key]
    if issubclass(kind, enum.Enum):
        if isinstance(value, kind):
            return value
        try:
            return kind(value)
        except (ValueError, TypeError):
            raise ConfigError(_message(key, value)) from None
    if kind is bool:
        if isinstance(value, bool):
            return value
    elif kind is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    elif kind is float:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            try:
                return float(value)
            except OverflowError:  # an integer beyond any float
                raise ConfigError(_message(key, value)) from None
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
