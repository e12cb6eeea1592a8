"""Nothing a user can type or open breaks the engine: random configurations give a Config or one
ConfigError, damaged or crafted session files give a Session or one SessionError, and random
command lines exit 0 or 2 with one line and no traceback."""

from __future__ import annotations

import io
import json
import warnings
import zipfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine import Config, Run
from engine.config import KEYS, SECTIONS, ConfigError
from engine.session import HEADER, Session, SessionError, load_session, save_run

from .helpers import assert_same, cli, tiny

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

# --- configurations ---------------------------------------------------------------------------
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.integers(min_value=-(10**400), max_value=10**400),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.sampled_from(["relu", "adam", "spiral", "cpu", "cuda", "he_normal", "true", "1e308"]),
)
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3), max_leaves=8)
keys = st.sampled_from(KEYS) | st.sampled_from(list(SECTIONS)) | st.text(max_size=8)


@FUZZ
@given(st.dictionaries(keys, values, max_size=6))
def test_any_mapping_gives_a_config_or_one_config_error(data):
    try:
        config = Config.from_dict(data)
    except ConfigError as exc:
        assert "\n" not in str(exc) and 0 < len(str(exc)) < 1000
    else:
        assert Config.from_toml(config.to_toml()) == config


@FUZZ
@given(st.sampled_from(KEYS), st.text(max_size=30) | st.sampled_from(["1e308", "-1e300", "1" * 5000, "nan", "inf", "10**9"]))
def test_any_key_value_string_gives_a_config_or_one_config_error(key, text):
    try:
        Config().with_strings([f"{key}={text}"])
    except ConfigError as exc:
        assert "\n" not in str(exc)


# --- session files ----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def good(tmp_path_factory) -> Path:
    run = Run(tiny(steps=12, eval_every=5))
    records = list(run)
    return save_run(tmp_path_factory.mktemp("good") / "good.vpsession", run, records)


@pytest.fixture(scope="module")
def stored(good, tmp_path_factory) -> Path:
    """The same session with uncompressed members, so that mutations reach the header and the
    .npy headers rather than only failing the CRC of compressed data."""
    target = tmp_path_factory.mktemp("stored") / "stored.vpsession"
    rebuild(good, target, compression=zipfile.ZIP_STORED)
    return target


@pytest.fixture(scope="module")
def recurrent(tmp_path_factory) -> Path:
    """A GRU's session, uncompressed: its time_labels and time_rms (N, T) are mutated too."""
    config = Config(model="gru", dataset="recall", depth=2, width=8, seq_len=8, n_train=32, n_val=32, batch_size=16, steps=6, eval_every=4)
    run = Run(config)
    saved = save_run(tmp_path_factory.mktemp("gru") / "gru.vpsession", run, list(run))
    return rebuild(saved, saved.with_name("stored.vpsession"), compression=zipfile.ZIP_STORED)


def rebuild(source: Path, target: Path, header=None, members=None, drop=(), compression=zipfile.ZIP_DEFLATED, extra=None) -> Path:
    """A copy of `source` with header.json changed (a dict merged in, or raw bytes), members
    replaced ({name: bytes or array}) or dropped, and `extra` members appended."""
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(target, "w", compression=compression) as dst:
        for name in src.namelist():
            if name in drop:
                continue
            data = src.read(name)
            if name == HEADER and isinstance(header, dict):
                data = json.dumps({**json.loads(data), **header}).encode()
            elif name == HEADER and header is not None:
                data = header
            elif members and name in members:
                data = members[name]
                if isinstance(data, np.ndarray):
                    buffer = io.BytesIO()
                    np.lib.format.write_array(buffer, data, allow_pickle=data.dtype.hasobject)
                    data = buffer.getvalue()
            dst.writestr(name, data)
        with warnings.catch_warnings():  # a duplicate name is one of the crafted cases
            warnings.simplefilter("ignore", UserWarning)
            for name, data in (extra or {}).items():
                dst.writestr(name, data)
    return target


def npy_header_only(shape: tuple[int, ...], descr: str = "<f8") -> bytes:
    buffer = io.BytesIO()
    np.lib.format.write_array_header_1_0(buffer, {"descr": descr, "fortran_order": False, "shape": shape})
    return buffer.getvalue()


def patch_compression(path: Path, member: str, method: int) -> None:
    """Set `member`'s compression method in its local and central headers to `method`."""
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo(member)
    data[info.header_offset + 8 : info.header_offset + 10] = method.to_bytes(2, "little")
    start = 0
    while (start := data.find(b"PK\x01\x02", start)) != -1:
        name_len = int.from_bytes(data[start + 28 : start + 30], "little")
        if data[start + 46 : start + 46 + name_len] == member.encode():
            data[start + 10 : start + 12] = method.to_bytes(2, "little")
        start += 4
    path.write_bytes(bytes(data))


def set_encrypted(path: Path, member: str) -> None:
    data = bytearray(path.read_bytes())
    start = 0
    while (start := data.find(b"PK\x01\x02", start)) != -1:
        name_len = int.from_bytes(data[start + 28 : start + 30], "little")
        if data[start + 46 : start + 46 + name_len] == member.encode():
            data[start + 8] |= 0x1
        start += 4
    path.write_bytes(bytes(data))


def header_of(path: Path) -> dict:
    with zipfile.ZipFile(path) as zf:
        return json.loads(zf.read(HEADER))


def nested_header(good: Path) -> bytes:
    text = json.dumps(header_of(good))
    return text.replace('"summary": {', '"summary": {"deep": ' + "[" * 10_000 + "]" * 10_000 + ", ", 1).encode()


CRAFTED = {
    "nested JSON 10,000 deep": (lambda g, t: rebuild(g, t, header=nested_header(g)), "nested"),
    "a string for a number": (lambda g, t: rebuild(g, t, header={"steps": "12"}), "steps = '12' is not an integer"),
    "negative steps": (lambda g, t: rebuild(g, t, header={"steps": -1}), "steps = '-1' is not an integer"),
    "a float for a count": (lambda g, t: rebuild(g, t, header={"evaluations": 4.0}), "evaluations = '4.0'"),
    "more steps than the configuration": (lambda g, t: rebuild(g, t, header={"steps": 10**6}), "steps of a 12-step run"),
    "reversed steps": (lambda g, t: rebuild(g, t, members={"step.npy": np.arange(12, 0, -1)}), "steps are not increasing"),
    "repeated steps": (lambda g, t: rebuild(g, t, members={"step.npy": np.ones(12, dtype=np.int64)}), "steps are not increasing"),
    "an extra dimension": (lambda g, t: rebuild(g, t, members={"loss.npy": np.zeros((12, 1))}), "loss has shape (12, 1)"),
    "a wrong dtype": (lambda g, t: rebuild(g, t, members={"loss.npy": np.zeros(12, dtype=np.int64)}), "loss has shape (12,) and dtype int64"),
    "strings in an array": (lambda g, t: rebuild(g, t, members={"loss.npy": np.array(["1"] * 12)}), "dtype <U1"),
    "objects in an array": (lambda g, t: rebuild(g, t, members={"loss.npy": np.array([None] * 12, dtype=object)}), "dtype object"),
    "a huge declared shape": (lambda g, t: rebuild(g, t, members={"loss.npy": npy_header_only((10**12,))}), "loss has shape (1000000000000,)"),
    "a declared shape its bytes lack": (lambda g, t: rebuild(g, t, members={"loss.npy": npy_header_only((12,))}), "where its shape (12,) needs"),
    "padding after the data": (
        lambda g, t: rebuild(g, t, members={"loss.npy": npy_header_only((12,)) + bytes(96 + 10**6)}),
        "where its shape (12,) needs",
    ),
    "an unexpected member": (lambda g, t: rebuild(g, t, extra={"junk.bin": b"x" * 1000}), "unexpected member 'junk.bin'"),
    "a member twice": (lambda g, t: rebuild(g, t, extra={"loss.npy": b"x"}), "a member appears twice"),
    "an encrypted member": (lambda g, t: (rebuild(g, t), set_encrypted(t, "loss.npy")), "loss.npy is encrypted"),
    "an unknown compression method": (lambda g, t: (rebuild(g, t), patch_compression(t, "loss.npy", 99)), "compression method 99"),
    "lzma compression": (lambda g, t: rebuild(g, t, compression=zipfile.ZIP_LZMA), "compression method 14"),
    "a gigabyte configuration": (
        lambda g, t: rebuild(g, t, header={"config": "n_train = 1000000000\n"}),
        "n_train = 1000000000 is not allowed",
    ),
    "a step that needs gigabytes": (
        lambda g, t: rebuild(g, t, header={"config": "depth = 100\nwidth = 512\nbatch_size = 100000\nn_train = 100000\n"}),
        "batch_size x width x depth",
    ),
    "an unknown status": (lambda g, t: rebuild(g, t, header={"statuses": ["exploded"]}), "statuses is not a list of run statuses"),
    "a status code out of range": (lambda g, t: rebuild(g, t, members={"status.npy": np.full(12, 7, dtype=np.int32)}), "status codes out of range"),
    "a live change of a structural key": (lambda g, t: rebuild(g, t, header={"changes": [[3, {"depth": 4}]]}), "cannot change live"),
    "a live change out of range": (lambda g, t: rebuild(g, t, header={"changes": [[3, {"lr": -1}]]}), "lr = -1.0 is not allowed"),
    "a live change past the end": (lambda g, t: rebuild(g, t, header={"changes": [[99, {"lr": 0.1}]]}), "with a row of the file"),
    "an evaluation at another step": (
        lambda g, t: rebuild(g, t, members={"eval_step.npy": np.array([1, 5, 10, 11], dtype=np.int64)}),
        "an evaluation's step is not the step of its row",
    ),
    "a best step from the future": (lambda g, t: rebuild(g, t, members={"best_step.npy": np.full(12, 50, dtype=np.int64)}), "best step"),
    "a stat field with a wrong width": (
        lambda g, t: rebuild(g, t, members={"stats.grad_rms.npy": np.zeros((4, 4, 3))}),
        "stats.grad_rms has shape (4, 4, 3)",
    ),
    "a summary that is a list": (lambda g, t: rebuild(g, t, header={"summary": [1]}), "summary is a list"),
    "layer sizes that are strings": (lambda g, t: rebuild(g, t, header={"layer_sizes": [["a", "b"]] * 4}), "layer_sizes must be"),
    "a header that is a list": (lambda g, t: rebuild(g, t, header=b"[1, 2]"), "not a Vanishing Point session file"),
    "time steps in an mlp's file": (lambda g, t: rebuild(g, t, header={"time_labels": ["t_1", "t_2"]}), "time_labels must name the 0 time steps"),
    "a time_rms member in an mlp's file": (
        lambda g, t: rebuild(g, t, extra={"time_rms.npy": npy_header_only((12, 2)) + bytes(192)}),
        "unexpected member 'time_rms.npy'",
    ),
}


@pytest.mark.parametrize("kind", list(CRAFTED))
def test_a_crafted_file_is_refused_in_one_line_and_touches_nothing(kind, good, tmp_path):
    make, message = CRAFTED[kind]
    bad = tmp_path / "bad.vpsession"
    make(good, bad)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    with pytest.raises(SessionError) as caught:
        load_session(bad)
    text = str(caught.value)
    assert message in text, text
    assert str(bad) in text and "\n" not in text and len(text) < 600
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


def test_the_crafted_copies_of_a_good_file_open(good, stored, tmp_path):
    """The helpers themselves change nothing: an unchanged rebuild opens as the original."""
    reference = load_session(good)
    for copy in (rebuild(good, tmp_path / "same.vpsession"), stored):
        again = load_session(copy)
        assert again.config == reference.config and again.summary == reference.summary
        for a, b in zip(reference.records, again.records, strict=True):
            assert_same(a, b)


def check_opens_or_refuses(path: Path, reference: Session) -> None:
    try:
        session = load_session(path)
    except SessionError as exc:
        assert "\n" not in str(exc) and str(path) in str(exc)
    else:  # a change the format cannot notice (a text, a float): still a whole, valid session
        assert len(session.records) == len(reference.records)
        assert [r.step for r in session.records] == [r.step for r in reference.records]
        assert Config.from_toml(session.config.to_toml()) == session.config  # a whole, valid configuration
        times = session.config.seq_len if session.config.is_recurrent else 0
        assert len(session.time_names) == times
        assert all((r.time_rms is None) if not times else r.time_rms.shape == (times,) for r in session.records)


@FUZZ
@given(st.data())
def test_random_byte_changes_open_or_give_one_session_error(good, stored, recurrent, tmp_path, data):
    source = data.draw(st.sampled_from([good, stored, recurrent]))
    original = source.read_bytes()
    raw = bytearray(original)
    for _ in range(data.draw(st.integers(1, 8))):
        i = data.draw(st.integers(0, len(raw) - 1))
        raw[i] = data.draw(st.integers(0, 255))
    if data.draw(st.booleans()):
        raw = raw[: data.draw(st.integers(0, len(raw)))]
    path = tmp_path / "mutated.vpsession"
    path.write_bytes(bytes(raw))
    check_opens_or_refuses(path, load_session(source))


@FUZZ
@given(st.data())
def test_random_header_values_open_or_give_one_session_error(good, recurrent, tmp_path, data):
    source = data.draw(st.sampled_from([good, recurrent]))
    header = header_of(source)
    key = data.draw(st.sampled_from(sorted(header)))
    value = data.draw(values)
    path = rebuild(source, tmp_path / "header.vpsession", header={key: value})
    check_opens_or_refuses(path, load_session(source))


# --- the command line -------------------------------------------------------------------------
#: keys whose random values stay cheap to train: sizes are fixed by the options after them
CHEAP = [k for k in KEYS if k not in ("n_train", "n_val", "depth", "width", "batch_size", "steps", "eval_every", "patience")]
SAFE = ["--set", "n_train=32", "--set", "n_val=32", "--set", "depth=2", "--set", "width=4", "--set", "batch_size=8", "--steps", "3"]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(
        st.tuples(st.sampled_from(CHEAP), st.text(max_size=12) | st.sampled_from(["1e308", "-1e300", "nan", "0", "1e3", "cuda", "sgd"])),
        max_size=3,
    ),
    st.sampled_from([None, "0", "2", "x", "-5"]),
)
def test_random_settings_exit_0_or_2_with_one_line(tmp_path, capsys, pairs, every):
    args = ["run", "--quiet", "--out", str(tmp_path / "out")]
    for key, text in pairs:
        args += ["--set", f"{key}={text}"]
    args += SAFE + (["--every", every] if every is not None else [])
    code = cli(*args)
    err = capsys.readouterr().err
    assert "Traceback" not in err
    if code == 0:
        assert (tmp_path / "out" / "summary.json").exists()
    else:
        assert code == 2 and len(err.splitlines()) == 1, err
