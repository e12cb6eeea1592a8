"""The heatmap view on real runs: the axis follows the steps run, a diverged run keeps its last
finite profile, the relative-to-output colour mode, a gradient of exactly 0 told from a tiny one,
and numbers that read naturally."""

from __future__ import annotations

import numpy as np
import pytest
from qtpy.QtCore import QPointF

from desktop_app.history import RunHistory
from desktop_app.views import heatmap as heatmap_module
from desktop_app.views.heatmap import RELATIVE_LEVELS, GradientHeatmapView, format_value, relative_to_output, to_indices
from desktop_app.views.scale import LUT, NOT_FINITE_INDEX, SCALE_TOP, ZERO_INDEX, zero_runs
from engine.config import Config
from engine.presets import load_preset

from .conftest import SMALL

DIVERGES = SMALL.replace(depth=20, activation="relu", init="he_normal", init_gain=1.5, lr=10.0, optimizer="sgd", steps=1500)
VANISHING = SMALL.replace(depth=12, activation="sigmoid", init="torch_default", dataset="circles", lr=0.01, steps=40)
CONVERGED = SMALL.replace(depth=4, activation="relu", init="he_normal", dataset="gaussians", lr=0.05, steps=400)


def records_of(config: Config, steps: int | None = None):
    """A real run in this process, traced on every step as the window's is: (RunInfo, records)."""
    from engine.service import RunInfo
    from engine.trainer import Run

    run = Run(config)
    run.signal_every_step = True
    info = RunInfo(0, config, run.layer_names, run.layer_sizes, "cpu", run.data)
    records = []
    while not run.finished and (steps is None or len(records) < steps):
        records.append(run.step())
    return info, records


def history_of(config: Config, steps: int | None = None) -> RunHistory:
    info, records = records_of(config, steps)
    history = RunHistory(info)
    history.append(records)
    return history


def shown_view(qtbot, history: RunHistory) -> GradientHeatmapView:
    view = GradientHeatmapView()
    qtbot.addWidget(view)
    view.resize(800, 380)
    view.show()
    view.set_history(history)
    view.refresh()
    return view


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0.01, "0.01"),
        (0.009999999, "0.01"),
        (0.5, "0.5"),
        (2.4, "2.4"),
        (1234, "1,234"),
        (123456.0, "123,456"),
        (0.0123456, "0.0123"),
        (0.001, "0.001"),
        (0.000999999, "0.001"),
        (3.2e-8, "3.2×10⁻⁸"),
        (2.345e-5, "2.35×10⁻⁵"),
        (1e-30, "1×10⁻³⁰"),
        (4.0e7, "4×10⁷"),
        (1.0, "1"),
        (100.0, "100"),
        (-0.25, "−0.25"),
        (0.0, "0"),
        (float("inf"), "∞"),
        (float("-inf"), "−∞"),
        (float("nan"), "NaN"),
        (np.float32(0.125), "0.125"),
    ],
)
def test_numbers_read_naturally(value, text):
    assert format_value(value) == text


def test_a_run_diverging_at_step_3_is_visible(qtbot):
    h = history_of(DIVERGES)
    record = h.last_record
    assert record.status.value == "diverged" and h.n <= 5, "the setting meant to diverge at once"
    view = shown_view(qtbot, h)
    lo, hi = view.plot.vb.viewRange()[0]
    # the axis spans the steps run (to the next 1-2-5 step, so that it moves a few times a decade),
    # not the configured 1500: the run's columns fill at least 40% of it
    assert lo == pytest.approx(0.5) and h.n + 0.5 <= hi <= 2.5 * h.n + 0.5, "the axis spans the steps run, not the configured 1500"
    assert view.image.image.shape == (21, h.n)
    assert view.diverged_line.isVisible() and view.diverged_line.value() == record.step
    # the profile shows the last finite step, in colour, not a black profile of the diverged one
    assert view.shown_step == record.step - 1
    assert not view.profile_note.isHidden()
    assert str(record.step) in view.profile_note.text() and str(view.shown_step) in view.profile_note.text()
    widths = view.bars.opts["width"]
    assert len(widths) == 21 and np.all(np.asarray(widths) > 0)
    expected = to_indices(h.grad_log10[:, view.shown_step - 1])
    assert (expected < 255).all()
    assert [b.color().name() for b in view.bars.opts["brushes"]] == [heatmap_module._BRUSHES[i].color().name() for i in expected]


def test_the_axis_grows_with_the_run_then_scrolls(qtbot, monkeypatch):
    monkeypatch.setattr(heatmap_module, "WINDOW_STEPS", 30)
    info, records = records_of(SMALL.replace(steps=60))
    h = RunHistory(info)
    view = shown_view(qtbot, h)
    # it fills like an oscilloscope (to the next 1, 2, 5, 10, ... step), then scrolls by the window
    for end, expected in ((1, (0.5, 1.5)), (7, (0.5, 10.5)), (30, (0.5, 50.5)), (45, (15.5, 45.5)), (60, (30.5, 60.5))):
        h.append(records[len(h.records) : end])
        view.refresh()
        assert view.plot.vb.viewRange()[0] == pytest.approx(expected)
        assert view.image.image.shape[1] == min(end, 30) and view.shown_step == end
    assert view.profile_note.isHidden() and not view.diverged_line.isVisible()
    ticks = view.plot.getAxis("bottom").tickValues(0.5, 3.5, 600)
    assert all(float(v).is_integer() for _, values in ticks for v in values), "no step 1.5"


def test_relative_mode_tells_small_everywhere_from_a_vanishing_share(qtbot):
    converged, vanishing = history_of(CONVERGED), history_of(VANISHING)
    mirror = GradientHeatmapView()
    qtbot.addWidget(mirror)
    views = {}
    for name, h in (("converged", converged), ("vanishing", vanishing)):
        view = views[name] = shown_view(qtbot, h)
        view.relativeChanged.connect(mirror.set_relative)
        with qtbot.waitSignal(view.relativeChanged):
            view.relative_button.setChecked(True)
        assert mirror.relative and mirror.relative_button.isChecked()
        assert view.colorbar.levels() == RELATIVE_LEVELS
        assert view.colorbar.getAxis("left").labelText == "log10 (÷ output layer)"
        n = h.n
        rel = relative_to_output(h.grad_log10[:, :n])
        assert np.array_equal(view.image.image, to_indices(rel, RELATIVE_LEVELS))
        assert np.allclose(rel[-1], 0)  # the output layer against itself
        # the profile bars in the same units: from 0 to the layer's log10 ratio
        bars = view.bars.opts
        ends = np.where(np.asarray(bars["x0"]) < 0, bars["x0"], np.asarray(bars["x0"]) + bars["width"])
        assert np.allclose(ends, np.clip(rel[:, n - 1], *RELATIVE_LEVELS), atol=1e-5)
    # on the absolute scale both end small; relative to the output layer they differ
    assert np.all(converged.grad_log10[:, converged.n - 1] < -1)
    assert np.all(np.abs(relative_to_output(converged.grad_log10[:, converged.n - 1 :])) < 1), "small because the loss is small: level"
    assert relative_to_output(vanishing.grad_log10[:, vanishing.n - 1 :])[0, 0] < -5, "the input layer gets a vanishing share"

    view = views["vanishing"]
    view.signal_button.setChecked(True)  # applies to the signal view as well
    rel = relative_to_output(vanishing.signal_log10[:, : vanishing.n])
    assert np.array_equal(view.image.image, to_indices(rel, RELATIVE_LEVELS))
    view.grad_button.setChecked(True)
    step = vanishing.n // 2
    pos = view.plot.vb.mapViewToScene(QPointF(step, 1))
    view._on_scene_mouseMoved(pos)
    ratio = 10.0 ** float(vanishing.grad_log10[0, step - 1] - vanishing.grad_log10[-1, step - 1])
    assert f"layer 1, step {step}" in view.hover_label.text()
    assert view.hover_label.text().endswith(f"; ÷ output layer = {format_value(ratio)}")

    view.set_relative(False)  # back: the absolute scale and label
    assert view.colorbar.levels() == heatmap_module.LEVELS and view.colorbar.getAxis("left").labelText == "log10 ‖∇W‖"
    assert np.array_equal(view.image.image, to_indices(vanishing.grad_log10[:, : vanishing.n]))


def test_a_run_whose_loss_diverges_first_shows_that_steps_gradients(qtbot):
    # wider: the gradients of step 1 are finite, the loss after its update is not
    h = history_of(Config(depth=20, width=32, activation="relu", init="he_normal", init_gain=1.5, lr=10.0, optimizer="sgd", n_train=200, steps=1500))
    record = h.last_record
    assert record.status.value == "diverged" and not np.isposinf(h.grad_log10[:, h.n - 1]).any()
    assert not np.isnan(h.grad_log10[:, h.n - 1]).any(), "the loss, not a gradient, went first"
    view = shown_view(qtbot, h)
    assert view.shown_step == record.step and view.diverged_line.isVisible()
    assert "loss" in view.profile_note.text() and not view.profile_note.isHidden()


def test_the_step_axis_moves_a_few_times_a_decade():
    """Moving the axis repaints the whole plot: it grows to the next 1, 2, 5, 10, ... and never
    past the run's steps, so a fast run does not repaint every frame."""
    from desktop_app.style import axis_end

    ends = {axis_end(n, 2000) for n in range(1, 2001)}
    assert ends == {1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000}
    assert all(axis_end(n, 1500) <= 1500 and axis_end(n, 1500) >= n for n in range(1, 1501))
    assert axis_end(2500, 2000) == 2500  # past the configured steps (a live run): the steps run


def test_an_exact_zero_has_a_colour_of_its_own():
    """A gradient of exactly 0 (log10 = -inf) is no gradient at all: it must not take the colour
    of 10⁻⁷, the scale's bottom, nor that of a non-finite cell, on either scale."""
    idx = to_indices(np.array([-np.inf, -7.0, -30.0, -1.0, 5.0, np.nan, np.inf]))
    assert idx[0] == ZERO_INDEX
    assert idx[1] == idx[2] == 0, "10⁻⁷ and anything smaller but not zero: the bottom of the scale"
    assert list(idx[4:]) == [SCALE_TOP, NOT_FINITE_INDEX, NOT_FINITE_INDEX]
    zero = LUT[ZERO_INDEX].astype(int)
    for other in (0, SCALE_TOP // 2, SCALE_TOP, NOT_FINITE_INDEX):  # deep blue, pale, red, black
        assert np.abs(zero - LUT[other]).sum() > 150, f"exactly 0 looks like index {other}"
    # relative to the output layer: a layer with no gradient stays exactly 0, even at a step where
    # the output layer has none either (no ratio to take, but still no gradient)
    block = np.array([[-np.inf, -np.inf, -3.0], [-2.0, -np.inf, -1.0]])  # (layers, steps); top row = output
    rel = to_indices(relative_to_output(block), RELATIVE_LEVELS)
    assert rel[0, 0] == rel[0, 1] == rel[1, 1] == ZERO_INDEX
    assert rel[0, 2] < ZERO_INDEX and rel[1, 2] < ZERO_INDEX
    assert zero_runs(np.array([-np.inf, -np.inf, 0.0, -np.inf, np.nan, -np.inf, -np.inf, -np.inf])) == "1–2, 4, 6–8"
    assert zero_runs(np.array([-3.0, np.nan, np.inf])) == ""


def test_a_network_with_no_gradient_shows_exact_zeros(qtbot):
    """All-zero weights (lesson 4's first start): every weight gradient is exactly 0. The heatmap
    shows its grey, not deep blue; hovering says exactly 0; the profile, which has no bar to draw,
    marks each layer at its bottom edge and the line under the heatmap names them."""
    h = history_of(load_preset("init_zeros").apply().replace(steps=3))
    rows = h.grad_log10.shape[0]
    assert np.isneginf(h.grad_log10[:, : h.n]).all(), "lesson 4: every weight gradient is exactly zero"
    view = shown_view(qtbot, h)
    assert (view.image.image == ZERO_INDEX).all()
    assert np.all(np.asarray(view.bars.opts["width"]) == 0)
    x, y = view.zero_marks.getData()
    assert list(y) == list(range(1, rows + 1)) and np.allclose(x, heatmap_module.LEVELS[0])
    line_x, _ = view.profile_line.getData()
    assert line_x is None or len(line_x) == 0, "no point of the line stands for a layer of exactly 0"
    assert f"exactly 0 (no gradient): layers 1–{rows} now" in view.legend.text()
    assert "not finite" in view.legend.text()
    pos = view.plot.vb.mapViewToScene(QPointF(2, 1))
    view._on_scene_mouseMoved(pos)
    assert view.hover_label.text() == "layer 1, step 2: ‖∇W‖ = 0 exactly (no gradient)"

    view.set_relative(True)  # no ratio to the output layer (none of its own), yet still exactly 0
    assert (view.image.image == ZERO_INDEX).all()
    view._on_scene_mouseMoved(pos)
    assert view.hover_label.text() == "layer 1, step 2: ‖∇W‖ = 0 exactly (no gradient)"

    # the back-propagated signal reaches the output layer and no further: one bar, the rest marked
    view.signal_button.setChecked(True)
    assert (view.image.image[:-1] == ZERO_INDEX).all() and (view.image.image[-1] < ZERO_INDEX).all()
    x, y = view.zero_marks.getData()
    assert list(y) == list(range(1, rows)) and np.allclose(x, RELATIVE_LEVELS[0])
    assert list(view.profile_line.getData()[1]) == [rows]
    assert f"layers 1–{rows - 1} now" in view.legend.text()
    view.set_relative(False)
    assert (view.image.image[:-1] == ZERO_INDEX).all() and (view.image.image[-1] < ZERO_INDEX).all()
    assert np.asarray(view.bars.opts["width"])[-1] > 0
