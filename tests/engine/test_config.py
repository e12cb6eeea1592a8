"""The configuration: every key survives TOML, and every bad key, value or file gets a clear error."""

from __future__ import annotations

import dataclasses
import enum

import pytest

from engine import Activation, Config, ConfigError, Dataset, Device, Init, ModelFamily, Optimizer
from engine.config import KEYS, LIVE_KEYS, RECURRENT_KEYS, SECTIONS, SEQUENCE_DATASETS, read_settings

#: A value different from the default for every key, chosen to be awkward for a TOML writer:
#: exponents, negative numbers, a large integer, every type.
NON_DEFAULT = {
    "dataset": Dataset.MOONS,
    "n_train": 123,
    "n_val": 45,
    "noise": 0.25,
    "label_noise": 0.3,
    "depth": 17,
    "width": 9,
    "activation": Activation.SELU,
    "init": Init.ORTHOGONAL,
    "init_gain": 1.7,
    "bias_init": -0.125,
    "batch_norm": True,
    "residual": True,
    "dropout": 0.35,
    "l1": 1e-05,
    "l2": 0.002,
    "clip_norm": 2.5,
    "patience": 7,
    "optimizer": Optimizer.NESTEROV,
    "lr": 3e-4,
    "batch_size": 16,
    "steps": 4321,
    "eval_every": 13,
    "seed": 987654321,
    "device": Device.CPU,
}
#: the keys only a recurrent model reads, at non-default values, on a valid recurrent base
RECURRENT_NON_DEFAULT = {"model": ModelFamily.LSTM, "seq_len": 17, "forget_bias": 2.5}
RECURRENT_BASE = {"dataset": Dataset.ADDING, "batch_norm": False, "residual": False, "depth": 3}
ENUM_KEYS = {
    "dataset": Dataset, "model": ModelFamily, "activation": Activation, "init": Init, "optimizer": Optimizer, "device": Device
}


def valid_with(key: str, value) -> dict:
    """{key: value} plus what makes a valid pairing for it: a sequence data set for a recurrent
    model, an rnn for a sequence data set or the identity init."""
    settings = {key: value}
    if key == "model" and value is not ModelFamily.MLP:
        settings["dataset"] = Dataset.RECALL
    if (key == "dataset" and value in SEQUENCE_DATASETS) or (key == "init" and value is Init.IDENTITY):
        settings["model"] = ModelFamily.RNN
        settings.setdefault("dataset", Dataset.RECALL)
    return settings


def flat_toml(config: Config) -> str:
    """The same configuration written without sections, as a hand-written file might be."""
    body = config.to_toml().splitlines()
    return "\n".join(line for line in body if not line.startswith("[")) + "\n"


def test_non_default_values_cover_every_key():
    defaults = Config()
    assert set(NON_DEFAULT) | set(RECURRENT_NON_DEFAULT) == set(KEYS)
    assert set(RECURRENT_NON_DEFAULT) == set(RECURRENT_KEYS)
    for key, value in {**NON_DEFAULT, **RECURRENT_NON_DEFAULT}.items():
        assert getattr(defaults, key) != value, key


def test_a_recurrent_configuration_round_trips_every_key():
    config = Config(**{**NON_DEFAULT, **RECURRENT_BASE, **RECURRENT_NON_DEFAULT})
    assert Config.from_toml(config.to_toml()) == config
    assert Config.from_toml(flat_toml(config)) == config
    assert Config.from_dict(config.to_dict()) == config
    assert set(config.to_dict()) == set(KEYS)


def test_an_mlp_configuration_leaves_out_the_recurrent_keys():
    """An mlp's files stay as they were before the recurrent family existed."""
    config = Config(**NON_DEFAULT)
    assert not set(config.to_dict()) & set(RECURRENT_KEYS)
    assert not any(line.split(" = ")[0] in RECURRENT_KEYS for line in config.to_toml().splitlines())
    assert Config.from_toml(config.to_toml()) == config


def test_sections_hold_every_key_once():
    listed = [key for keys in SECTIONS.values() for key in keys]
    assert sorted(listed) == sorted(KEYS)
    assert len(listed) == len(set(listed))


def test_every_key_round_trips_through_sectioned_toml():
    config = Config(**NON_DEFAULT)
    text = config.to_toml()
    for section in SECTIONS:
        assert f"[{section}]" in text
    again = Config.from_toml(text)
    assert again == config
    assert again.to_dict() == config.to_dict()
    assert config.diff(again) == {}


def test_every_key_round_trips_through_flat_toml():
    config = Config(**NON_DEFAULT)
    assert Config.from_toml(flat_toml(config)) == config


def test_save_and_load_round_trip(tmp_path):
    config = Config(**NON_DEFAULT)
    path = tmp_path / "run.toml"
    config.save(path)
    assert Config.load(path) == config
    assert not (tmp_path / "run.toml.tmp").exists()  # the atomic write leaves no temporary file
    (tmp_path / "flat.toml").write_text(flat_toml(config), encoding="utf-8")
    assert Config.load(tmp_path / "flat.toml") == config


def test_save_overwrites_an_existing_file(tmp_path):
    path = tmp_path / "run.toml"
    Config(depth=3).save(path)
    Config(depth=4).save(path)
    assert Config.load(path).depth == 4


def test_dict_round_trip_uses_plain_values():
    config = Config(**NON_DEFAULT)
    data = config.to_dict()
    assert all(not isinstance(v, enum.Enum) for v in data.values())
    assert Config.from_dict(data) == config


def test_a_partial_file_keeps_the_defaults_for_the_rest():
    config = Config.from_toml("[network]\ndepth = 3\n")
    assert config == Config(depth=3)


def test_keys_may_mix_flat_and_sectioned():
    config = Config.from_toml('seed = 4\n[network]\nactivation = "relu"\n')
    assert (config.seed, config.activation) == (4, Activation.RELU)


@pytest.mark.parametrize(
    ("key", "member"), [(key, member) for key, kind in ENUM_KEYS.items() for member in kind], ids=str
)
def test_every_enum_member_round_trips(key, member):
    settings = valid_with(key, member)
    config = Config(**settings)
    assert getattr(Config.from_toml(config.to_toml()), key) is member
    others = [f"{k}={v.value}" for k, v in settings.items() if k != key]
    assert getattr(Config().with_strings([*others, f"{key}={member.value}"]), key) is member
    assert getattr(Config(**{**settings, key: member.value}), key) is member  # plain strings become members


@pytest.mark.parametrize("key", KEYS)
def test_every_key_can_be_set_from_the_command_line(key):
    value = {**NON_DEFAULT, **RECURRENT_NON_DEFAULT}[key]
    text = (
        value.value if isinstance(value, enum.Enum) else str(value).lower() if isinstance(value, bool) else str(value)
    )
    base = Config(dataset=Dataset.RECALL, model=ModelFamily.GRU) if key in RECURRENT_KEYS else Config()
    assert getattr(base.with_strings([f"{key}={text}"]), key) == value


def test_numbers_keep_their_types():
    config = Config.from_toml("lr = 1\ninit_gain = 2\n")  # TOML integers for float keys
    assert isinstance(config.lr, float) and config.lr == 1.0
    assert isinstance(config.init_gain, float)
    assert isinstance(Config().with_strings(["depth=5"]).depth, int)


@pytest.mark.parametrize(
    ("text", "expected"), [("true", True), ("on", True), ("1", True), ("no", False), ("False", False)]
)
def test_command_line_booleans(text, expected):
    assert Config().with_strings([f"batch_norm={text}"]).batch_norm is expected


def test_later_assignments_win():
    assert Config().with_strings(["depth=3", "depth=5"]).depth == 5


def test_config_is_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        Config().depth = 3  # type: ignore[misc]


def test_replace_returns_a_validated_copy():
    base = Config()
    changed = base.replace(depth=3, activation="relu")
    assert (changed.depth, changed.activation) == (3, Activation.RELU)
    assert base.depth == 8
    assert base.diff(changed) == {"depth": (8, 3), "activation": (Activation.TANH, Activation.RELU)}


def test_live_keys_are_config_keys():
    assert LIVE_KEYS <= set(KEYS)
    assert LIVE_KEYS == {"lr", "l1", "l2", "dropout", "clip_norm", "patience"}


# --- errors ------------------------------------------------------------------------------


def test_unknown_key_names_it_and_suggests_the_close_match():
    for attempt in (
        lambda: Config().replace(deptth=3),
        lambda: Config().with_strings(["deptth=3"]),
        lambda: Config.from_toml("deptth = 3"),
        lambda: Config.from_toml("[network]\ndeptth = 3"),
    ):
        with pytest.raises(ConfigError) as err:
            attempt()
        message = str(err.value)
        assert "'deptth'" in message
        assert "did you mean 'depth'?" in message
        assert "known keys:" in message


def test_unknown_key_without_a_close_match_lists_the_keys():
    with pytest.raises(ConfigError, match="unknown key 'zzzzzz'") as err:
        Config().replace(zzzzzz=1)
    assert "did you mean" not in str(err.value)
    for key in KEYS:
        assert key in str(err.value)


#: (key, a value out of range, a phrase of what is allowed); every ranged key at least once.
OUT_OF_RANGE = [
    ("n_train", 0, "from 1 to 1000000"),
    ("n_train", 10**9, "from 1 to 1000000"),  # would need gigabytes
    ("n_val", 0, "from 1 to 1000000"),
    ("n_val", 10**9, "from 1 to 1000000"),
    ("noise", -0.1, ">= 0"),
    ("noise", float("inf"), ">= 0"),
    ("noise", 1e300, "<= 1000"),  # float32 data would overflow
    ("label_noise", 0.6, "from 0 to 0.5"),
    ("label_noise", -0.1, "from 0 to 0.5"),
    ("depth", 0, "from 1 to 100"),
    ("depth", 101, "from 1 to 100"),
    ("seq_len", 1, "from 2 to 1000"),
    ("seq_len", 1001, "from 2 to 1000"),
    ("forget_bias", float("inf"), "a finite number from -1000 to 1000"),
    ("forget_bias", -1e300, "from -1000 to 1000"),
    ("width", 0, "from 1 to 512"),
    ("width", 513, "from 1 to 512"),
    ("init_gain", 0.0, "> 0"),
    ("init_gain", float("nan"), "> 0"),
    ("init_gain", 1e300, "<= 1000"),
    ("bias_init", float("inf"), "a finite number from -1000 to 1000"),
    ("bias_init", 1e300, "from -1000 to 1000"),
    ("bias_init", -1e300, "from -1000 to 1000"),
    ("dropout", 1.0, ">= 0 and < 1"),
    ("dropout", -0.1, ">= 0 and < 1"),
    ("lr", 0.0, "> 0"),
    ("lr", -0.01, "> 0"),
    ("lr", 1e308, "<= 1000"),  # sgd's update would overflow float32
    ("batch_size", 0, ">= 1"),
    ("batch_size", 10**7, "<= 1000000"),
    ("l1", -1e-3, ">= 0"),
    ("l1", 1e4, "<= 1000"),
    ("l2", -1e-3, ">= 0"),
    ("l2", 1e4, "<= 1000"),
    ("clip_norm", -1.0, ">= 0"),
    ("clip_norm", 1e300, "<= 1e+06"),
    ("patience", -1, ">= 0"),
    ("steps", 0, ">= 1"),
    ("steps", 10**7 + 1, "<= 10000000"),
    ("eval_every", 0, ">= 1"),
    ("seed", -1, "from 0 to 2**63 - 1"),
    ("seed", 2**63, "from 0 to 2**63 - 1"),
]


@pytest.mark.parametrize(("key", "value", "allowed"), OUT_OF_RANGE, ids=lambda v: str(v))
def test_out_of_range_value_names_key_value_and_range(key, value, allowed):
    with pytest.raises(ConfigError) as err:
        Config(**{key: value})
    message = str(err.value)
    assert message.startswith(f"{key} = {value!r} is not allowed")
    assert f"{key} must be" in message
    assert allowed in message
    # the same from the command line and from a file
    with pytest.raises(ConfigError, match=f"{key} must be"):
        Config().with_strings([f"{key}={value}"])
    toml_value = {float("inf"): "inf", -float("inf"): "-inf"}.get(value, repr(value))
    if value != value:  # nan
        toml_value = "nan"
    with pytest.raises(ConfigError, match=f"{key} must be"):
        Config.from_toml(f"{key} = {toml_value}")


@pytest.mark.parametrize(
    ("settings", "named"),
    [
        ({"model": "lstm"}, ("model", "dataset", 'model = "lstm" with dataset = "recall"')),
        ({"dataset": "recall"}, ("model", "dataset", 'model = "mlp" with dataset = "spiral"')),
        ({"model": "rnn", "dataset": "sine"}, ("model", "dataset", "recall")),
        ({"model": "gru", "dataset": "recall", "batch_norm": True}, ("batch_norm", "gru")),
        ({"model": "rnn", "dataset": "adding", "residual": True}, ("residual", "rnn")),
        ({"model": "lstm", "dataset": "recall", "init": "identity"}, ("identity", "rnn")),
        ({"init": "identity"}, ("identity", "rnn")),
        ({"model": "rnn", "dataset": "recall", "depth": 11}, ("depth", "1 to 10")),
        ({"model": "lstm", "dataset": "recall", "seq_len": 1000, "width": 512, "batch_size": 64}, ("seq_len",)),
    ],
    ids=str,
)
def test_an_invalid_pairing_names_the_keys_and_a_way_out(settings, named):
    with pytest.raises(ConfigError) as err:
        Config(**settings)
    message = str(err.value)
    assert "\n" not in message
    for part in named:
        assert part in message


def test_every_ranged_key_has_an_out_of_range_case():
    from engine.config import _RULES

    assert {key for key, _, _ in OUT_OF_RANGE} == set(_RULES)


def test_boundary_values_are_allowed():
    Config(n_train=1, n_val=1, noise=0.0, label_noise=0.5, depth=1, width=1, dropout=0.0, l1=0.0, l2=0.0)
    Config(n_train=10**6, n_val=10**6, noise=1e3, init_gain=1e3, bias_init=-1e3, lr=1e3, l1=1e3, l2=1e3, clip_norm=1e6, steps=10**7)
    Config(depth=100, width=512, label_noise=0.0, dropout=0.99, clip_norm=0.0, patience=0, steps=1, eval_every=1)


@pytest.mark.parametrize(
    ("key", "value", "allowed"),
    [
        ("depth", "20", "an integer from 1 to 100"),  # a string
        ("depth", 2.0, "an integer from 1 to 100"),  # a float for an integer
        ("depth", True, "an integer from 1 to 100"),  # bool is an int in Python, not here
        ("seed", 1.5, "an integer"),
        ("lr", "0.1", "a number > 0"),
        ("lr", True, "a number > 0"),
        ("noise", None, "a number >= 0"),
        ("batch_norm", 1, "true or false"),
        ("residual", "yes", "true or false"),
        ("activation", 3, "one of linear, sigmoid, tanh"),
        ("activation", ["relu"], "one of linear, sigmoid, tanh"),
    ],
    ids=repr,
)
def test_wrong_type_names_key_value_and_type(key, value, allowed):
    with pytest.raises(ConfigError) as err:
        Config(**{key: value})
    message = str(err.value)
    assert message.startswith(f"{key} = {value!r} is not allowed")
    assert allowed in message


@pytest.mark.parametrize(
    ("toml", "key", "allowed"),
    [
        ('depth = "20"', "depth", "an integer from 1 to 100"),
        ("depth = 2.5", "depth", "an integer from 1 to 100"),
        ("batch_norm = 1", "batch_norm", "true or false"),
        ("lr = true", "lr", "a number > 0"),
        ("[network]\nwidth = [8, 8]", "width", "an integer from 1 to 512"),
    ],
)
def test_wrong_type_in_toml(toml, key, allowed):
    with pytest.raises(ConfigError, match=f"{key} = .* is not allowed: {key} must be {allowed}"):
        Config.from_toml(toml)


@pytest.mark.parametrize(
    ("text", "key", "shown"),
    [("depth=abc", "depth", "'abc'"), ("lr=fast", "lr", "'fast'"), ("batch_norm=maybe", "batch_norm", "'maybe'")],
)
def test_unparsable_command_line_value(text, key, shown):
    with pytest.raises(ConfigError) as err:
        Config().with_strings([text])
    assert str(err.value).startswith(f"{key} = {shown} is not allowed: {key} must be")


@pytest.mark.parametrize("key", list(ENUM_KEYS))
def test_bad_enum_value_lists_the_choices(key):
    with pytest.raises(ConfigError) as err:
        Config().with_strings([f"{key}=bogus"])
    message = str(err.value)
    assert message.startswith(f"{key} = 'bogus' is not allowed: {key} must be one of ")
    for member in ENUM_KEYS[key]:
        assert member.value in message


def test_enum_values_are_case_sensitive():
    with pytest.raises(ConfigError, match="activation = 'ReLU'"):
        Config(activation="ReLU")


def test_set_without_equals_shows_the_form():
    with pytest.raises(ConfigError, match="expected KEY=VALUE"):
        Config().with_strings(["depth"])


def test_unknown_section_names_it_and_lists_the_sections():
    with pytest.raises(ConfigError) as err:
        Config.from_toml("[model]\ndepth = 3\n", source="my.toml")
    message = str(err.value)
    assert message.startswith("my.toml: unknown section [model]")
    for section in SECTIONS:
        assert section in message


def test_a_key_given_twice_is_an_error():
    with pytest.raises(ConfigError, match="'depth' is given twice"):
        Config.from_toml("depth = 3\n[network]\ndepth = 4\n")


def test_invalid_toml_text():
    with pytest.raises(ConfigError, match="^configuration: not valid TOML"):
        Config.from_toml("depth = \n")


def test_missing_file_names_the_path(tmp_path):
    path = tmp_path / "missing.toml"
    with pytest.raises(ConfigError) as err:
        Config.load(path)
    assert str(err.value).startswith(f"cannot read configuration file {str(path)!r}")


def test_a_folder_is_not_a_configuration_file(tmp_path):
    with pytest.raises(ConfigError, match="cannot read configuration file"):
        read_settings(tmp_path)


def test_invalid_toml_file_names_the_path(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text("[network\ndepth = 3\n", encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        Config.load(path)
    assert str(err.value).startswith(f"{path}: not valid TOML")


def test_a_file_that_is_not_utf8(tmp_path):
    path = tmp_path / "latin1.toml"
    path.write_bytes('dataset = "spiral" # caf\xe9\n'.encode("latin-1"))
    with pytest.raises(ConfigError, match="cannot read configuration file"):
        Config.load(path)


def test_an_error_in_a_file_names_the_file(tmp_path):
    path = tmp_path / "typo.toml"
    path.write_text("[network]\nwidht = 3\n", encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        Config.load(path)
    assert str(err.value).startswith(f"{path}: unknown key 'widht'; did you mean 'width'?")


def test_a_bad_value_in_a_file_names_key_value_and_range(tmp_path):
    path = tmp_path / "deep.toml"
    path.write_text("[network]\ndepth = 1000\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"^depth = 1000 is not allowed: depth must be an integer from 1 to 100$"):
        Config.load(path)


def test_config_error_is_a_value_error():
    assert issubclass(ConfigError, ValueError)


def test_a_step_that_would_need_gigabytes_of_activations_is_refused():
    """batch_size x width x depth bounds one step's activations; the batch is capped at n_train."""
    Config(depth=100, width=512, batch_size=2621, n_train=3000)  # just under 2**27
    with pytest.raises(ConfigError, match=r"^batch_size x width x depth = 134246400 .* lower batch_size, width or depth$"):
        Config(depth=100, width=512, batch_size=2622, n_train=3000)
    Config(depth=100, width=512, batch_size=10**6, n_train=2000)  # capped at n_train: 102,400,000


@pytest.mark.parametrize(
    "data",
    [
        {"depth": 10**400},  # beyond any float
        {"lr": 10**400},
        {"activation": {"a": [[[1]]]}},  # unhashable
        {1: 2},  # not a key
        {"network": {"depth": {"x": 1}}},
        [1, 2],  # not a table
    ],
    ids=repr,
)
def test_strange_values_raise_config_error_in_one_line(data):
    with pytest.raises(ConfigError) as err:
        Config.from_dict(data)
    assert "\n" not in str(err.value) and len(str(err.value)) < 400


def test_deeply_nested_toml_is_refused_in_one_line():
    with pytest.raises(ConfigError, match="nested too deeply"):
        Config.from_toml("a = " + "[" * 10_000 + "]" * 10_000)
    with pytest.raises(ConfigError, match="nested too deeply"):
        Config.from_toml("depth = " + "{a = " * 5_000 + "1" + "}" * 5_000)


def test_only_a_small_regular_file_is_read_as_configuration(tmp_path):
    from engine.config import MAX_CONFIG_BYTES, read_settings

    with pytest.raises(ConfigError, match="not a regular file"):
        read_settings("/dev/zero")
    big = tmp_path / "big.toml"
    big.write_text("# " + "x" * MAX_CONFIG_BYTES + "\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="larger than 1024 KiB"):
        read_settings(big)
    with pytest.raises(ConfigError, match="no file named"):
        read_settings("")


def test_a_failed_save_leaves_no_temporary_file(tmp_path):
    target = tmp_path / "config.toml"
    target.mkdir()  # the rename onto a folder fails
    with pytest.raises(OSError):
        Config().save(target)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.toml"]
