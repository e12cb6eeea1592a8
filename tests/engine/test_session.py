"""Session files: a run saved and opened again gives the same numbers at every step, without
torch; damaged or foreign files are refused with SessionError and touch nothing else; writes are
atomic."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import zipfile
from dataclasses import fields
from pathlib import Path

import numpy as np
import pytest

from engine import Config, Run
from engine.results import Evaluation, StepRecord
from engine.session import FORMAT, HEADER, VERSION, SessionError, load_session, save_run, save_session

from .helpers import assert_same, tiny


def record_run(config: Config, live_at: int | None = None) -> tuple[Run, list[StepRecord]]:
    run = Run(config)
    records = []
    for record in run:
        records.append(record)
        if record.step == live_at:
            run.set_live(lr=0.003, clip_norm=0.5, patience=50)
    return run, records


@pytest.fixture(scope="module")
def recorded() -> tuple[Run, list[StepRecord]]:
    """Live changes, an eval_every that does not divide the steps, and leaky relu statistics."""
    return record_run(tiny(steps=40, eval_every=7, activation="leaky_relu"), live_at=12)


@pytest.fixture
def saved(recorded, tmp_path) -> Path:
    run, records = recorded
    return save_run(tmp_path / "run.vpsession", run, records)


def test_round_trip_gives_the_same_numbers_at_every_step(recorded, saved):
    run, records = recorded
    session = load_session(saved)
    assert len(session.records) == len(records) == 40
    for original, opened in zip(records, session.records):
        assert_same(original, opened, f"step {original.step}")
    assert session.config == run.initial_config
    assert session.summary == json.loads(json.dumps(run.summary()))
    assert session.layer_names == run.layer_names
    assert session.layer_sizes == run.layer_sizes
    assert session.version == VERSION
    assert [r.changes for r in session.records if r.changes] == [{"lr": 0.003, "clip_norm": 0.5, "patience": 50}]
    assert [e.step for e in session.evaluations] == [1, 7, 14, 21, 28, 35, 40]


def test_a_diverged_run_keeps_its_non_finite_step(tmp_path):
    config = tiny(dataset="sine", optimizer="sgd", lr=1e3, init_gain=1e3, steps=30)
    run, records = record_run(config)
    assert run.summary()["status"] == "diverged" and not records[-1].finite
    session = load_session(save_run(tmp_path / "d.vpsession", run, records))
    for original, opened in zip(records, session.records, strict=True):
        assert_same(original, opened, f"step {original.step}")
    assert session.summary["diverged_at"] == run.diverged_at


def test_signal_on_every_step_and_an_empty_history_round_trip(tmp_path):
    run = Run(tiny(steps=6, eval_every=4))
    run.signal_every_step = True
    records = list(run)
    assert all(r.signal_rms is not None for r in records)
    opened = load_session(save_session(tmp_path / "s.vpsession", records, run.initial_config)).records
    for original, again in zip(records, opened, strict=True):
        assert_same(original, again)
    empty = load_session(save_session(tmp_path / "e.vpsession", [], tiny(), layer_names=["layer_1", "layer_2"]))
    assert empty.records == [] and empty.layer_names == ["layer_1", "layer_2"]


def test_the_format_covers_every_field_of_a_record():
    # a field added to these records needs a place in the session format (LayerStats fields are
    # stored generically, by name)
    assert [f.name for f in fields(StepRecord)] == [
        "step", "loss", "grad_norms", "signal_rms", "total_norm", "clipped_norm", "status", "evaluation",
        "changes", "message", "best_step", "time_rms",
    ]
    assert [f.name for f in fields(Evaluation)] == ["step", "train_loss", "train_error", "val_loss", "val_error", "layers", "band"]


def test_the_file_is_a_documented_zip(saved):
    with zipfile.ZipFile(saved) as zf:
        assert zf.namelist()[0] == HEADER
        assert "time_rms.npy" not in zf.namelist()  # an mlp's members are those of version 1
        header = json.loads(zf.read(HEADER))
    assert header["format"] == FORMAT == "vanishing-point-session" and header["version"] == VERSION == 3
    assert Config.from_toml(header["config"]) == tiny(steps=40, eval_every=7, activation="leaky_relu")
    assert header["steps"] == 40 and header["evaluations"] == 7
    assert header["time_labels"] == []


def test_opening_needs_no_torch(saved):
    code = (
        "import sys\n"
        "from engine.session import load_session\n"
        f"s = load_session({str(saved)!r})\n"
        "print(len(s.records), 'torch' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert done.stdout.split() == ["40", "False"]


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    return {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted(folder.iterdir())}


def rewrite_header(source: Path, target: Path, **changes) -> None:
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(target, "w") as dst:
        for name in src.namelist():
            data = src.read(name)
            if name == HEADER:
                data = json.dumps({**json.loads(data), **changes}).encode()
            dst.writestr(name, data)


def damage(kind: str, good: Path, bad: Path) -> None:
    data = good.read_bytes()
    if kind == "truncated":
        bad.write_bytes(data[: len(data) // 2])
    elif kind == "random bytes":
        bad.write_bytes(np.random.default_rng(0).integers(0, 256, size=4096, dtype=np.uint8).tobytes())
    elif kind == "empty":
        bad.write_bytes(b"")
    elif kind == "flipped bytes":  # inside a compressed member: its CRC no longer matches
        with zipfile.ZipFile(good) as zf:
            info = zf.getinfo("grad_norms.npy")
        middle = info.header_offset + 30 + len(info.filename) + info.compress_size // 2
        bad.write_bytes(data[:middle] + bytes(b ^ 0xFF for b in data[middle : middle + 8]) + data[middle + 8 :])
    elif kind == "numpy npz":
        buffer = io.BytesIO()
        np.savez(buffer, grad_norms=np.ones((3, 2)))
        bad.write_bytes(buffer.getvalue())
    elif kind == "another format":
        rewrite_header(good, bad, format="someone-elses-session")
    elif kind == "newer version":
        rewrite_header(good, bad, version=VERSION + 1)
    elif kind == "bad version":
        rewrite_header(good, bad, version="one")
    elif kind == "missing array":
        with zipfile.ZipFile(good) as src, zipfile.ZipFile(bad, "w") as dst:
            for name in src.namelist():
                if name != "loss.npy":
                    dst.writestr(name, src.read(name))
    elif kind == "wrong shape":
        rewrite_header(good, bad, steps=39)
    elif kind == "bad config":
        rewrite_header(good, bad, config="[network]\ndepth = 0\n")
    else:  # pragma: no cover
        raise AssertionError(kind)


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("truncated", "not a readable zip archive"),
        ("random bytes", "not a readable zip archive"),
        ("empty", "not a readable zip archive"),
        ("flipped bytes", "damaged session file"),
        ("numpy npz", "a zip archive without header.json"),
        ("another format", "format 'someone-elses-session', expected 'vanishing-point-session'"),
        ("newer version", f"session version {VERSION + 1} was written by a newer Vanishing Point"),
        ("bad version", "damaged session file (version 'one')"),
        ("missing array", "damaged session file (no loss.npy)"),
        ("wrong shape", "damaged session file (step has shape (40,)"),
        ("bad config", "depth = 0 is not allowed"),
    ],
)
def test_a_damaged_or_foreign_file_is_refused_and_touches_nothing(kind, message, saved, tmp_path):
    bad = tmp_path / "bad.vpsession"
    damage(kind, saved, bad)
    (tmp_path / "notes.txt").write_text("keep me", encoding="utf-8")
    before = snapshot(tmp_path)
    with pytest.raises(SessionError) as caught:
        load_session(bad)
    assert message in str(caught.value)
    assert str(bad) in str(caught.value) and "\n" not in str(caught.value)
    assert snapshot(tmp_path) == before


def test_a_missing_file_is_refused(tmp_path):
    with pytest.raises(SessionError, match="no such file"):
        load_session(tmp_path / "nothing.vpsession")
    with pytest.raises(SessionError, match="it is a folder"):
        load_session(tmp_path)
    assert isinstance(SessionError("x"), ValueError)


def test_atomic_write_leaves_no_temporary_file(recorded, tmp_path):
    run, records = recorded
    path = tmp_path / "run.vpsession"
    save_run(path, run, records)
    save_run(path, run, records[:10])  # replaces the whole file
    assert [p.name for p in tmp_path.iterdir()] == ["run.vpsession"]
    assert len(load_session(path).records) == 10
    assert os.stat(path).st_mode & 0o777 == 0o644


def test_a_refused_save_keeps_the_old_file(recorded, tmp_path):
    run, records = recorded
    path = tmp_path / "run.vpsession"
    save_run(path, run, records)
    before = snapshot(tmp_path)
    with pytest.raises(SessionError, match="4 layers but 2 names"):
        save_session(path, records, run.initial_config, layer_names=["a", "b"])
    assert snapshot(tmp_path) == before


def test_a_save_removes_what_a_killed_save_left(recorded, tmp_path):
    run, records = recorded
    path = tmp_path / "run.vpsession"
    stale, fresh = tmp_path / ".run.vpsession.abcd1234.tmp", tmp_path / ".run.vpsession.wxyz_987.tmp"
    other = tmp_path / ".other.vpsession.abcd1234.tmp"  # another file's: not ours to remove
    for p in (stale, fresh, other):
        p.write_bytes(b"half a zip")
    old = os.stat(stale).st_mtime - 3600
    os.utime(stale, (old, old))
    os.utime(other, (old, old))
    save_run(path, run, records)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([path.name, fresh.name, other.name])


def test_opening_reads_only_what_it_checked(saved):
    """A session of every kind of record opens with arrays that are plain, writable numpy."""
    session = load_session(saved)
    assert session.records[0].grad_norms.flags.writeable
