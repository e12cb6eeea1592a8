"""Sweeps: every cell equals a single `vanishing-point run` with the same settings, the table
has the promised columns, the picture is a valid PNG, and a bad grid exits 2 with one line."""

from __future__ import annotations

import json
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest

from engine.results import ZERO_RGB
from engine.sweep import (
    BACKGROUND,
    GRAD_COLUMNS,
    Grid,
    colors,
    heatmap,
    parse_grid,
    plan,
    png_bytes,
    run_cell,
    run_cells,
    task_groups,
)

from .helpers import cli, read_csv, set_args, strict_json, tiny

GRID = [("depth", ["2", "3"]), ("activation", ["tanh", "relu"])]
CELLS = [{"depth": d, "activation": a} for d in ["2", "3"] for a in ["tanh", "relu"]]  # row-major
RUN_FILES = ("config.toml", "metrics.csv", "grad_norms.csv", "layer_stats.csv", "summary.json")


def grid_args(grid=GRID) -> list[str]:
    return [a for key, values in grid for a in ("--grid", f"{key}={','.join(values)}")]


@pytest.fixture(scope="module")
def sweep(tmp_path_factory) -> Path:
    """A 2 x 2 sweep in two spawned processes."""
    out = tmp_path_factory.mktemp("sweep") / "out"
    assert cli("sweep", *grid_args(), *set_args(), "--jobs", "2", "--quiet", "--out", str(out)) == 0
    return out


@pytest.fixture(scope="module")
def single_runs(tmp_path_factory) -> list[Path]:
    """`vanishing-point run` with each cell's settings."""
    base = tmp_path_factory.mktemp("single")
    outs = []
    for i, cell in enumerate(CELLS, start=1):
        out = base / str(i)
        assert cli("run", *set_args(**cell), "--quiet", "--out", str(out)) == 0
        outs.append(out)
    return outs


def test_each_cell_equals_a_single_run(sweep, single_runs):
    header, rows = read_csv(sweep / "sweep.csv")
    assert len(rows) == len(CELLS)
    for i, (row, cell, single) in enumerate(zip(rows, CELLS, single_runs), start=1):
        table = dict(zip(header, row))
        assert {k: table[k] for k in cell} == cell
        summary = strict_json(single / "summary.json")
        for key, value in summary.items():
            text = "" if value is None else json.dumps(value) if isinstance(value, list) else str(value)
            assert table[key] == text, (cell, key)
        _, grads = read_csv(single / "grad_norms.csv")
        assert float(table["grad_first_step1"]) == float(grads[0][1])
        assert float(table["grad_last_step1"]) == float(grads[0][-1])
        # the cell's own files are those of the single run, byte for byte
        for name in RUN_FILES:
            assert (sweep / "cells" / str(i) / name).read_bytes() == (single / name).read_bytes(), (cell, name)


def test_one_process_gives_the_same_table(sweep, tmp_path):
    out = tmp_path / "serial"
    assert cli("sweep", *grid_args(), *set_args(), "--jobs", "1", "--quiet", "--out", str(out)) == 0
    assert (out / "sweep.csv").read_bytes() == (sweep / "sweep.csv").read_bytes()


def test_sweep_csv_columns(sweep, single_runs):
    header, _ = read_csv(sweep / "sweep.csv")
    summary_keys = list(strict_json(single_runs[0] / "summary.json"))
    assert header == ["depth", "activation", *summary_keys, *GRAD_COLUMNS]
    assert GRAD_COLUMNS == ("grad_first_step1", "grad_last_step1")


def png_chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    chunks, pos = [], 8
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        tag, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])
        assert crc == zlib.crc32(tag + body), tag
        chunks.append((tag, body))
        pos += 12 + length
    return chunks


def test_sweep_png_is_a_valid_png(sweep):
    chunks = png_chunks((sweep / "sweep.png").read_bytes())
    tag, ihdr = chunks[0]
    assert tag == b"IHDR" and len(ihdr) == 13
    width, height, depth, color, compression, filtering, interlace = struct.unpack(">IIBBBBB", ihdr)
    assert width > 0 and height > 0 and (depth, color, compression, filtering, interlace) == (8, 2, 0, 0, 0)
    assert chunks[-1] == (b"IEND", b"")
    pixels = zlib.decompress(b"".join(body for tag, body in chunks if tag == b"IDAT"))
    assert len(pixels) == height * (1 + 3 * width)


def test_png_bytes_round_trip():
    rgb = np.random.default_rng(0).integers(0, 256, size=(5, 7, 3), dtype=np.uint8)
    chunks = png_chunks(png_bytes(rgb, {"Title": "x"}))
    raw = np.frombuffer(zlib.decompress(b"".join(b for t, b in chunks if t == b"IDAT")), dtype=np.uint8)
    rows = raw.reshape(5, 1 + 7 * 3)
    assert (rows[:, 0] == 0).all()
    assert np.array_equal(rows[:, 1:].reshape(5, 7, 3), rgb)


def test_heatmap_colours_follow_the_apps_scale():
    pale, blue, red = colors(np.array([-1.0, -7.0, 5.0]))
    assert tuple(pale) == (238, 227, 232) and tuple(blue) == (23, 41, 114) and tuple(red) == (102, 7, 2)
    assert tuple(colors(np.array(np.nan))) == (0, 0, 0) and tuple(colors(np.array(np.inf))) == (0, 0, 0)
    # an exact zero is no gradient, not a tiny one: the app's grey, apart from the scale's deep blue
    assert tuple(colors(np.array(-np.inf))) == ZERO_RGB == (128, 128, 128)
    grid = Grid(("depth", "activation", "init"), ((2, 8), ("tanh", "relu", "sigmoid"), ("normal", "zeros")))
    img = heatmap(grid, {i: 10.0 ** -(i % 7) for i in range(1, 13)})
    assert img.dtype == np.uint8 and img.ndim == 3 and img.shape[2] == 3
    one_key = heatmap(Grid(("depth",), ((2, 8, 16),)), {1: 0.1, 2: float("nan")})  # cell 3 did not run
    assert tuple(one_key[6, 6]) == (238, 227, 232) and tuple(one_key[30, 6]) == (0, 0, 0)
    assert tuple(one_key[54, 6]) == BACKGROUND != ZERO_RGB
    zero = heatmap(Grid(("depth",), ((2, 8),)), {1: 0.0, 2: 1e-30})
    assert tuple(zero[6, 6]) == ZERO_RGB and tuple(zero[30, 6]) == (23, 41, 114)  # 0 grey, 1e-30 the deepest blue
    # the scale's two swatches at its right: not finite (black), then an exact zero (grey)
    bar_top = 6 + 2 * 24 + 8
    swatches = [tuple(x) for x in zero[bar_top + 2, 6 + 16 * 12 + 1 :] if tuple(x) != BACKGROUND]
    assert swatches[0] == (0, 0, 0) and swatches[-1] == ZERO_RGB


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--grid", "deptth=2,3"], "unknown key 'deptth'; did you mean 'depth'?"),
        (["--grid", "depth=0,2"], "depth = 0 is not allowed: depth must be an integer from 1 to 100"),
        (["--grid", "activation=relu,relux"], "activation = 'relux' is not allowed"),
        (["--grid", "depth"], "--grid 'depth': expected KEY=V1,V2,..."),
        (["--grid", "depth=2,,3"], "--grid 'depth=2,,3': expected KEY=V1,V2,..."),
        (["--grid", "depth=2,2"], "a value of depth is listed twice"),
        (["--grid", "depth=2", "--grid", "depth=3"], "--grid depth is given twice"),
        ([], "a sweep needs at least one --grid"),
        (["--grid", "batch_norm=false,true", "--grid", "batch_size=1,2"], "grid cell batch_norm=true batch_size=1: batch_norm"),
        (["--grid", "depth=2", "--jobs", "0"], "--jobs '0' is not allowed: it must be an integer >= 1, for example --jobs 2"),
        (["--grid", "model=rnn,lstm"], "model = 'rnn' does not go with dataset = 'spiral'"),
        (["--grid", "dataset=spiral,recall"], "model = 'mlp' does not go with dataset = 'recall'"),
    ],
    ids=lambda v: " ".join(v) if isinstance(v, list) else None,
)
def test_a_bad_grid_exits_2_with_one_line(args, expected, tmp_path, capsys):
    out = tmp_path / "out"
    assert cli("sweep", *set_args(), *args, "--out", str(out)) == 2
    captured = capsys.readouterr()
    lines = captured.err.splitlines()
    assert captured.out == "" and len(lines) == 1, lines
    assert lines[0].startswith("vanishing-point: error: ")
    assert expected in lines[0]
    assert not out.exists()


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            ["--grid", "init=identity,orthogonal", "--grid", "model=rnn,lstm"],
            'grid cell init=identity model=lstm: init = "identity" is for the Elman network only',
        ),
        (["--grid", "model=rnn,mlp"], "model = 'mlp' does not go with dataset = 'recall'"),
        (["--grid", "depth=10,11"], "depth = 11 is not allowed for model = 'rnn'"),
    ],
    ids=lambda v: " ".join(v) if isinstance(v, list) else None,
)
def test_a_recurrent_grid_with_an_invalid_cell_exits_2_with_one_line(args, expected, tmp_path, capsys):
    out = tmp_path / "out"
    assert cli("sweep", *set_args(model="rnn", dataset="recall", seq_len=8), *args, "--out", str(out)) == 2
    captured = capsys.readouterr()
    lines = captured.err.splitlines()
    assert captured.out == "" and len(lines) == 1, lines
    assert lines[0].startswith("vanishing-point: error: ") and expected in lines[0]
    assert not out.exists()


def test_parse_grid_orders_cells_row_major():
    grid = parse_grid(["depth=2,8", "activation=sigmoid,relu"], tiny())
    assert grid.keys == ("depth", "activation")
    assert [(c.depth, str(c.activation)) for c in grid.cells(tiny())] == [
        (2, "sigmoid"), (2, "relu"), (8, "sigmoid"), (8, "relu"),
    ]


def test_a_sweeps_runs_that_share_a_shape_train_as_one_stack_and_write_what_each_writes_alone(tmp_path):
    """A cell's seeds, and cells that differ only in init_gain, go to one task (task_groups),
    which trains them as one stacked network: every run's files are byte for byte those of the
    same run trained alone."""
    base = tiny(steps=12, eval_every=4)
    jobs = plan([base.replace(init_gain=1.0), base.replace(init_gain=2.0), base.replace(width=5)], seeds=3)
    groups = task_groups(jobs, processes=1)
    assert sorted(len(g) for g in groups) == [3, 6]  # width 5 is another shape
    assert [len(g) for g in task_groups(jobs, processes=3)] == [3, 3, 3]  # one task per worker
    shared = groups[0] if len(groups[0]) == 6 else groups[1]
    results = run_cells([(j.index, j.config, str(tmp_path / "together" / str(j.index))) for j in shared])
    for job, result in zip(shared, results, strict=True):
        alone = run_cell(job.index, job.config, str(tmp_path / "alone" / str(job.index)))
        assert result.summary == alone.summary and result.grad_first_step1 == alone.grad_first_step1
        for name in ("metrics.csv", "grad_norms.csv", "layer_stats.csv", "summary.json"):
            together = (tmp_path / "together" / str(job.index) / name).read_bytes()
            assert together == (tmp_path / "alone" / str(job.index) / name).read_bytes(), name
