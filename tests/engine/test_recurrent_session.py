"""Session files of recurrent runs (format version 2 and later): every step's ∂L/∂h_t comes back as it was
saved, the time labels with it; version 1 files (before the recurrent models) still open; a file
whose time arrays do not fit its configuration is refused with one SessionError."""

from __future__ import annotations

import dataclasses
import io
import json
import zipfile
from pathlib import Path

import numpy as np
import pytest

from engine import Config, Run
from engine.results import StepRecord
from engine.session import HEADER, VERSION, SessionError, load_session, save_run, save_session

from .helpers import assert_same, tiny

#: T x batch x H >= 1024 keeps every probe's distribution sample one length (engine.stats)
SMALL = dict(dataset="recall", depth=2, width=8, seq_len=8, n_train=32, n_val=32, batch_size=16, steps=9, eval_every=4)


def recurrent(model: str, **changes) -> Config:
    return Config(**{**SMALL, "model": model, **changes})


def train(config: Config, live_at: int | None = None) -> tuple[Run, list[StepRecord]]:
    run = Run(config)
    records = []
    for record in run:
        records.append(record)
        if record.step == live_at:
            run.set_live(lr=0.002, clip_norm=1.0)
    return run, records


@pytest.mark.parametrize(
    "config",
    [
        recurrent("rnn", activation="tanh"),
        recurrent("rnn", activation="prelu", init="identity", dropout=0.2),
        recurrent("lstm", forget_bias=2.0),
        recurrent("gru", dataset="adding", seq_len=9),
    ],
    ids=["rnn-tanh", "rnn-prelu-identity", "lstm", "gru-adding"],
)
def test_a_recurrent_run_round_trips(config, tmp_path):
    run, records = train(config, live_at=3)
    assert all(r.time_rms is not None and r.time_rms.shape == (config.seq_len,) for r in records)
    session = load_session(save_run(tmp_path / "r.vpsession", run, records))
    assert session.version == VERSION == 3
    assert session.config == run.initial_config and session.config.model is config.model
    assert session.time_names == run.time_names == [f"t_{t}" for t in range(1, config.seq_len + 1)]
    assert session.layer_names == run.layer_names and session.layer_sizes == run.layer_sizes
    assert session.summary == json.loads(json.dumps(run.summary()))
    assert session.summary["measured_log10_time_slope"] == run.summary()["measured_log10_time_slope"]
    for original, opened in zip(records, session.records, strict=True):
        assert_same(original, opened, f"step {original.step}")  # time_rms included, exactly
    assert [r.changes for r in session.records if r.changes] == [{"lr": 0.002, "clip_norm": 1.0}]


def test_a_diverged_recurrent_run_keeps_its_non_finite_step(tmp_path):
    config = recurrent("rnn", dataset="adding", activation="linear", init="orthogonal", init_gain=60.0, optimizer="sgd", lr=50.0, steps=40)
    run, records = train(config)
    assert run.summary()["status"] == "diverged"
    session = load_session(save_run(tmp_path / "d.vpsession", run, records))
    for original, opened in zip(records, session.records, strict=True):
        assert_same(original, opened, f"step {original.step}")
    # ∂L/∂h_t grew 60x per step on the way back (8 steps), to about 1e31 at t = 1: its norm, taken in float64,
    # reads that size where float32's squares would overflow to inf
    time_rms = session.records[-1].time_rms
    assert np.isfinite(time_rms).all() and time_rms[0] > 1e30 and time_rms[0] > 1e12 * time_rms[-1]


def test_an_mlp_session_is_what_version_1_wrote(tmp_path):
    """An mlp's file of version 2 or 3 has version 1's members, and version 1's header less
    time_labels: relabelled as version 1 (as the sessions saved before the recurrent models
    are), it opens as the same session, with no time names and no time_rms."""
    run, records = train(tiny(steps=10, eval_every=4))
    saved = save_run(tmp_path / "mlp.vpsession", run, records)
    old = tmp_path / "v1.vpsession"
    with zipfile.ZipFile(saved) as src, zipfile.ZipFile(old, "w") as dst:
        for name in src.namelist():
            data = src.read(name)
            if name == HEADER:
                header = json.loads(data)
                assert header.pop("time_labels") == []
                data = json.dumps({**header, "version": 1}).encode()
            dst.writestr(name, data)
        assert not any("time" in name for name in src.namelist())
    session = load_session(old)
    assert session.version == 1 and session.time_names == [] and session.config == run.initial_config
    for original, opened in zip(records, session.records, strict=True):
        assert opened.time_rms is None
        assert_same(original, opened, f"step {original.step}")


@pytest.fixture(scope="module")
def good(tmp_path_factory) -> tuple[Path, list[StepRecord]]:
    run, records = train(recurrent("lstm", steps=5))
    return save_run(tmp_path_factory.mktemp("lstm") / "good.vpsession", run, records), records


def rebuild(source: Path, target: Path, header: dict | None = None, members: dict | None = None, drop=()) -> Path:
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(target, "w") as dst:
        for name in src.namelist():
            if name in drop:
                continue
            data = src.read(name)
            if name == HEADER and header is not None:
                data = json.dumps({k: v for k, v in {**json.loads(data), **header}.items() if v is not ...}).encode()
            elif members and name in members:
                buffer = io.BytesIO()
                np.lib.format.write_array(buffer, members[name], allow_pickle=False)
                data = buffer.getvalue()
            dst.writestr(name, data)
    return target


MLP_CONFIG = tiny(steps=5).to_toml()
CRAFTED = {
    "time_rms of another length": (dict(members={"time_rms.npy": np.zeros((5, 7))}), "time_rms has shape (5, 7)"),
    "time_rms with a row too many": (dict(members={"time_rms.npy": np.zeros((6, 8))}), "time_rms has shape (6, 8)"),
    "time_rms as integers": (dict(members={"time_rms.npy": np.zeros((5, 8), dtype=np.int64)}), "time_rms has shape (5, 8) and dtype int64"),
    "no time_rms": (dict(drop=("time_rms.npy",)), "no time_rms.npy"),
    "time labels of another length": (dict(header={"time_labels": ["t_1"]}), "time_labels must name the 8 time steps"),
    "time labels that are numbers": (dict(header={"time_labels": list(range(8))}), "time_labels must name the 8 time steps"),
    "no time labels in version 2": (dict(header={"time_labels": ...}), "time_labels must name the 8 time steps"),
    "a recurrent run in version 1": (dict(header={"version": 1, "time_labels": ...}), "time_labels must name the 8 time steps"),
    "a longer sequence than the arrays": (
        dict(header={"config": recurrent("lstm", steps=5, seq_len=9).to_toml()}), "time_labels must name the 9 time steps"
    ),
    "an mlp configuration over a recurrent file": (dict(header={"config": MLP_CONFIG, "time_labels": []}), "unexpected member 'time_rms.npy'"),
}


@pytest.mark.parametrize("kind", list(CRAFTED))
def test_time_arrays_that_do_not_fit_are_refused(kind, good, tmp_path):
    changes, message = CRAFTED[kind]
    bad = rebuild(good[0], tmp_path / "bad.vpsession", **changes)
    with pytest.raises(SessionError) as caught:
        load_session(bad)
    text = str(caught.value)
    assert message in text and str(bad) in text and "\n" not in text, text


def test_the_crafting_helper_changes_nothing_by_itself(good, tmp_path):
    path, records = good
    for original, opened in zip(records, load_session(rebuild(path, tmp_path / "same.vpsession")).records, strict=True):
        assert_same(original, opened)


def test_saving_refuses_records_that_do_not_fit_the_configuration(good, tmp_path):
    _, records = good
    config = recurrent("lstm", steps=5)
    path = tmp_path / "s.vpsession"
    with pytest.raises(SessionError, match="time_rms has none"):
        save_session(path, [*records[:2], dataclasses.replace(records[2], time_rms=None)], config)
    with pytest.raises(SessionError, match=r"time_rms has shape \(7,\), expected shape \(8,\)"):
        save_session(path, [dataclasses.replace(records[0], time_rms=np.ones(7))], config)
    with pytest.raises(SessionError, match="the configuration is an mlp's"):
        save_session(path, records, tiny(steps=5))
    with pytest.raises(SessionError, match="has 8 time steps, not 2 time names"):
        save_session(path, records, config, time_names=["a", "b"])
    assert not path.exists()
    empty = load_session(save_session(path, [], config, layer_names=["layer_1", "layer_2", "layer_3"]))
    assert empty.records == [] and empty.time_names == [f"t_{t}" for t in range(1, 9)]
