"""The `vanishing-point` command line: one-line errors with status 2, shorthands, presets,
--version and the order in which configuration sources win."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import torch

import engine
from engine import Config
from engine.cli import build_parser, main, resolve_config
from engine.presets import load_preset, preset_names

from .helpers import cli, read_csv, set_args, strict_json, tiny


def error_lines(capsys) -> list[str]:
    captured = capsys.readouterr()
    assert captured.out == ""
    return captured.err.splitlines()


@pytest.fixture
def bad_files(tmp_path) -> dict[str, Path]:
    invalid = tmp_path / "invalid.toml"
    invalid.write_text("[network\ndepth = 3\n", encoding="utf-8")
    section = tmp_path / "section.toml"
    section.write_text("[model]\ndepth = 3\n", encoding="utf-8")
    value = tmp_path / "value.toml"
    value.write_text("[network]\nwidth = 0\n", encoding="utf-8")
    return {"missing": tmp_path / "missing.toml", "invalid": invalid, "section": section, "value": value}


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--set", "deptth=3"], "unknown key 'deptth'; did you mean 'depth'?"),
        (["--set", "depth=0"], "depth = 0 is not allowed: depth must be an integer from 1 to 100"),
        (["--set", "depth=deep"], "depth = 'deep' is not allowed: depth must be an integer from 1 to 100"),
        (["--set", "lr=-1"], "lr = -1.0 is not allowed: lr must be a number > 0"),
        (["--set", "label_noise=0.7"], "label_noise = 0.7 is not allowed: label_noise must be a number from 0 to 0.5"),
        (["--set", "activation=relux"], "activation = 'relux' is not allowed: activation must be one of linear, "),
        (["--set", "depth"], "--set 'depth': expected KEY=VALUE"),
        (["--steps", "0"], "steps = 0 is not allowed: steps must be an integer >= 1"),
        (["--preset", "nope"], "unknown preset 'nope'; presets are: "),
        (["--config", "{missing}"], "cannot read configuration file '{missing}'"),
        (["--config", "{invalid}"], "{invalid}: not valid TOML"),
        (["--config", "{section}"], "{section}: unknown section [model]"),
        (["--config", "{value}"], "width = 0 is not allowed: width must be an integer from 1 to 512"),
    ],
    ids=lambda v: " ".join(v) if isinstance(v, list) else None,
)
def test_bad_input_exits_2_with_one_line(args, expected, bad_files, tmp_path, capsys):
    args = [a.format(**bad_files) for a in args]
    expected = expected.format(**bad_files)
    out = tmp_path / "out"
    assert cli("run", *args, "--out", str(out)) == 2
    lines = error_lines(capsys)
    assert len(lines) == 1, lines
    assert lines[0].startswith("vanishing-point: error: ")
    assert expected in lines[0]
    assert not out.exists()  # nothing is written for a configuration that was refused


def test_bad_input_for_the_app_exits_2_too(capsys):
    assert main(["--set", "width=0"], open_app=lambda config, args: 0) == 2
    assert len(error_lines(capsys)) == 1


def test_an_unwritable_out_folder_exits_2_with_one_line(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder", encoding="utf-8")
    assert cli("run", *set_args(steps=2), "--out", str(blocker / "out")) == 2
    lines = error_lines(capsys)
    assert len(lines) == 1 and "cannot write to --out" in lines[0]


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_an_unavailable_device_exits_2_with_one_line(tmp_path, capsys):
    assert cli("run", *set_args(steps=2, device="cuda"), "--out", str(tmp_path / "out")) == 2
    lines = error_lines(capsys)
    assert len(lines) == 1 and "device = 'cuda' is not available" in lines[0]


def test_steps_and_seed_shorthands(tmp_path, capsys):
    assert cli("run", *set_args(), "--steps", "3", "--seed", "5", "--quiet", "--out", str(tmp_path)) == 0
    config = Config.load(tmp_path / "config.toml")
    assert (config.steps, config.seed) == (3, 5)
    assert strict_json(tmp_path / "summary.json")["steps_run"] == 3
    _, rows = read_csv(tmp_path / "grad_norms.csv")
    assert len(rows) == 3
    assert capsys.readouterr().err == ""  # --quiet


def test_progress_goes_to_stderr_and_ends_with_the_status(tmp_path, capsys):
    assert cli("run", *set_args(steps=20), "--out", str(tmp_path)) == 0
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert lines[-1] == "completed: completed 20 steps"
    assert any(line.startswith("step 20/20") for line in lines)


def test_presets_lists_one_name_per_line(capsys):
    assert cli("presets") == 0
    out = capsys.readouterr().out
    names = out.splitlines()
    assert names == preset_names() == sorted(names)
    assert {"default", "exploding", "vanishing_sigmoid"} <= set(names)
    assert all(name and name.strip() == name and " " not in name for name in names)
    for name in names:
        load_preset(name)  # every listed preset loads and validates


def test_version(capsys):
    assert cli("--version") == 0
    assert capsys.readouterr().out.strip() == f"vanishing-point {engine.__version__}"


def test_no_command_without_the_app_says_so(capsys):
    assert main([]) == 1
    assert "vanishing-point run" in capsys.readouterr().err


def test_the_app_gets_the_resolved_configuration_only_when_one_was_given():
    seen = []

    def open_app(config, args):
        seen.append(config)
        return 0

    assert main([], open_app=open_app) == 0
    assert main(["--preset", "exploding", "--set", "depth=5"], open_app=open_app) == 0
    assert seen[0] is None
    assert seen[1] == load_preset("exploding").apply().replace(depth=5)


# --- precedence: defaults < --preset < --config < --set < --steps/--seed -------------------


@pytest.fixture
def layered_file(tmp_path) -> Path:
    """A file overriding some of the vanishing_sigmoid preset (depth 12, width 32, sgd, lr 0.1)."""
    path = tmp_path / "layer.toml"
    path.write_text(
        "[network]\ndepth = 5\nwidth = 6\n[training]\nlr = 0.05\nsteps = 99\nseed = 9\n[data]\nn_val = 50\n",
        encoding="utf-8",
    )
    return path


def expected_layered() -> Config:
    return Config(
        activation="sigmoid",
        init="torch_default",
        optimizer="sgd",  # from the preset
        noise=0.1,
        depth=5,
        lr=0.05,
        n_val=50,  # the file beats the preset
        width=7,
        n_train=40,  # --set beats the file
        steps=4,
        seed=2,  # the shorthands beat --set
    )


@pytest.mark.parametrize(
    "order",
    ["preset config set shorthand", "shorthand set config preset", "set preset shorthand config"],
)
def test_configuration_precedence(order, layered_file):
    parts = {
        "preset": ["--preset", "vanishing_sigmoid"],
        "config": ["--config", str(layered_file)],
        "set": ["--set", "width=7", "--set", "steps=50", "--set", "seed=1", "--set", "n_train=40"],
        "shorthand": ["--steps", "4", "--seed", "2"],
    }
    args = [a for name in order.split() for a in parts[name]]  # the order on the line does not matter
    config = resolve_config(build_parser().parse_args(["run", *args, "--out", "x"]))
    assert config == expected_layered()
    assert config.dataset == Config().dataset and config.batch_size == Config().batch_size  # defaults


def test_precedence_reaches_the_written_config(layered_file, tmp_path):
    args = ["--preset", "vanishing_sigmoid", "--config", str(layered_file)]
    args += [
        "--set",
        "width=7",
        "--set",
        "steps=50",
        "--set",
        "seed=1",
        "--set",
        "n_train=40",
        "--steps",
        "4",
        "--seed",
        "2",
    ]
    assert cli("run", *args, "--quiet", "--out", str(tmp_path)) == 0
    assert Config.load(tmp_path / "config.toml") == expected_layered()
    assert strict_json(tmp_path / "summary.json")["steps_run"] == 4


def test_a_later_set_beats_an_earlier_one():
    config = resolve_config(build_parser().parse_args(["run", "--set", "depth=3", "--set", "depth=4", "--out", "x"]))
    assert config.depth == 4


# --- the real executables ------------------------------------------------------------------


def test_python_m_engine_runs_headless(tmp_path):
    args = [sys.executable, "-m", "engine", "run", *set_args(steps=3), "--quiet", "--out", str(tmp_path)]
    done = subprocess.run(args, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert strict_json(tmp_path / "summary.json")["status"] == "completed"


def test_the_installed_command_exits_2_with_one_line(tmp_path):
    exe = Path(sys.executable).parent / "vanishing-point"
    if not exe.exists():
        pytest.skip("the vanishing-point script is not installed next to this interpreter")
    done = subprocess.run(
        [str(exe), "run", "--set", "widht=3", "--out", str(tmp_path / "o")], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.splitlines() == [done.stderr.strip()]
    assert "did you mean 'width'?" in done.stderr



# --- model families and data sets that do not go together ---------------------------------------
RNN_RECALL = ["--set", "model=rnn", "--set", "dataset=recall"]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--set", "model=lstm"], ["model = 'lstm' does not go with dataset = 'spiral'", 'for example model = "lstm" with dataset = "recall"']),
        (["--set", "dataset=recall"], ["model = 'mlp' does not go with dataset = 'recall'", 'for example model = "mlp" with dataset = "spiral"']),
        (["--set", "model=rnn"], ["model = 'rnn' does not go with dataset = 'spiral'"]),
        (["--set", "model=lstm", "--set", "dataset=recall", "--set", "batch_norm=true"], ["batch_norm = true does not apply to model = 'lstm'"]),
        (["--set", "model=gru", "--set", "dataset=adding", "--set", "residual=true"], ["residual = true does not apply to model = 'gru'"]),
        (["--set", "model=lstm", "--set", "dataset=recall", "--set", "init=identity"], ['init = "identity" is for the Elman network only']),
        (["--set", "init=identity"], ['init = "identity" is for recurrent weights: it needs model = "rnn"']),
        ([*RNN_RECALL, "--set", "depth=11"], ["depth = 11 is not allowed for model = 'rnn'"]),
        ([*RNN_RECALL, "--set", "seq_len=1"], ["seq_len = 1 is not allowed: seq_len must be an integer from 2 to 1000"]),
        ([*RNN_RECALL, "--set", "seq_len=1001"], ["seq_len = 1001 is not allowed: seq_len must be an integer from 2 to 1000"]),
    ],
    ids=lambda v: " ".join(a for a in v if a != "--set") if isinstance(v, list) and v[0] == "--set" else None,
)
def test_an_invalid_pairing_exits_2_with_one_line(args, expected, tmp_path, capsys):
    out = tmp_path / "out"
    assert cli("run", *args, "--out", str(out)) == 2
    lines = error_lines(capsys)
    assert len(lines) == 1, lines
    assert lines[0].startswith("vanishing-point: error: ")
    for text in expected:
        assert text in lines[0]
    assert not out.exists()


@pytest.mark.parametrize("command", [["cv", "--folds", "2"], ["sweep", "--grid", "depth=1,2"]], ids=lambda c: c[0])
def test_cv_and_sweep_refuse_an_invalid_pairing_in_one_line(command, tmp_path, capsys):
    assert cli(*command, "--set", "model=lstm", "--out", str(tmp_path / "out")) == 2
    lines = error_lines(capsys)
    assert len(lines) == 1 and "model = 'lstm' does not go with dataset = 'spiral'" in lines[0], lines
    assert not (tmp_path / "out").exists()


def test_an_invalid_pairing_prints_no_traceback(tmp_path):
    args = [sys.executable, "-m", "engine", "run", "--set", "model=lstm", "--out", str(tmp_path / "out")]
    done = subprocess.run(args, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.splitlines() == [done.stderr.strip()] and "Traceback" not in done.stderr
    assert "dataset" in done.stderr and "model" in done.stderr


# --- inputs that once crashed the engine or were silently ignored -----------------------------


@pytest.mark.parametrize("args", [["--steps", "abc"], ["--seed", "1.5"]], ids=" ".join)
def test_a_non_integer_shorthand_gives_one_line(args, tmp_path, capsys):
    assert cli("run", *args, "--out", str(tmp_path / "out")) == 2
    assert len(capsys.readouterr().err.splitlines()) == 1


def test_an_option_before_run_is_not_silently_dropped(tmp_path, capsys):
    status = cli("--seed", "3", "run", *set_args(steps=2), "--quiet", "--out", str(tmp_path))
    assert status == 0
    assert Config.load(tmp_path / "config.toml").seed == 3


def test_a_negative_seed_runs_or_is_refused_in_one_line(tmp_path, capsys):
    status = cli("run", *set_args(steps=2), "--seed", "-1", "--quiet", "--out", str(tmp_path / "out"))
    assert status == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and "seed" in err[0] and "0 to 2**63 - 1" in err[0]


def test_tiny_helper_matches_the_set_arguments():
    """Guard for the helpers: --set of TINY's values resolves to tiny()."""
    config = resolve_config(build_parser().parse_args(["run", *set_args(), "--out", "x"]))
    assert config == tiny()


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--config", ""], "--config '': no file named"),
        (["--preset", ""], "unknown preset ''"),
        (["--config", "/dev/zero"], "it is not a regular file"),
        (["--set", "lr=1e308", "--set", "optimizer=sgd"], "lr must be a number > 0 and <= 1000"),
        (["--set", "init_gain=1e300"], "init_gain must be a number > 0 and <= 1000"),
        (["--set", "bias_init=-1e300"], "bias_init must be a finite number from -1000 to 1000"),
        (["--set", "noise=1e300"], "noise must be a number >= 0 and <= 1000"),
        (["--set", "n_train=1000000000"], "n_train must be an integer from 1 to 1000000"),
        (["--set", "n_val=1000000000"], "n_val must be an integer from 1 to 1000000"),
        (["--every", "0"], "--every '0' is not allowed"),
    ],
    ids=lambda v: " ".join(v) if isinstance(v, list) else None,
)
def test_what_used_to_escape_exits_2_with_one_line(args, expected, tmp_path, capsys):
    assert cli("run", *args, "--out", str(tmp_path / "out")) == 2
    lines = error_lines(capsys)
    assert len(lines) == 1 and expected in lines[0], lines


def test_deeply_nested_toml_exits_2_with_one_line(tmp_path, capsys):
    deep = tmp_path / "deep.toml"
    deep.write_text("a = " + "[" * 10_000 + "]" * 10_000 + "\n", encoding="utf-8")
    assert cli("run", "--config", str(deep), "--out", str(tmp_path / "out")) == 2
    lines = error_lines(capsys)
    assert len(lines) == 1 and "nested too deeply" in lines[0]


def test_a_full_disk_exits_2_with_one_line(tmp_path, capsys, monkeypatch):
    import errno

    from engine.record import RunRecorder

    def full(self, record):
        if record.step == 5:
            raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(RunRecorder, "add", full)
    out = tmp_path / "out"
    assert cli("run", *set_args(), "--quiet", "--out", str(out)) == 2
    lines = error_lines(capsys)
    assert len(lines) == 1 and "No space left on device; free some space or choose another --out" in lines[0], lines


def test_every_thins_grad_norms_only(tmp_path, capsys):
    out = tmp_path / "out"
    assert cli("run", *set_args(steps=20, eval_every=5), "--every", "7", "--quiet", "--out", str(out)) == 0
    _, rows = read_csv(out / "grad_norms.csv")
    assert [int(r[0]) for r in rows] == [1, 7, 14, 20]  # step 1, every 7th, the last
    _, rows = read_csv(out / "metrics.csv")
    assert [int(r[0]) for r in rows] == [0, 1, 5, 10, 15, 20]


@pytest.mark.parametrize(("sig", "code"), [("SIGINT", 130), ("SIGTERM", 143)])
def test_a_signal_ends_the_run_as_interrupted_with_whole_files(sig, code, tmp_path):
    import signal
    import time

    out = tmp_path / "out"
    args = [sys.executable, "-m", "engine", "run", *set_args(steps=10_000_000, eval_every=7), "--out", str(out)]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # until some steps are on disk
            grads = out / "grad_norms.csv"
            if grads.exists() and grads.stat().st_size > 2000:
                break
            time.sleep(0.05)
        proc.send_signal(getattr(signal, sig))
        _, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == code, err
    assert "Traceback" not in err
    summary = strict_json(out / "summary.json")
    assert summary["status"] == "interrupted" and f"interrupted by {sig} after step" in summary["message"]
    _, rows = read_csv(out / "grad_norms.csv")
    steps = [int(r[0]) for r in rows]
    assert steps == list(range(1, summary["steps_run"] + 1))  # every step, none half-written
    _, rows = read_csv(out / "metrics.csv")
    assert int(rows[-1][0]) <= summary["steps_run"]
