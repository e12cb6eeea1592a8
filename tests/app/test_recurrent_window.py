"""The window's time view for recurrent networks: the Model control switches the data set and
depth in one rebuild, the heatmap's rows become time steps (∂L/∂h_t from the engine's records),
the profile shows them with the theory's line, what the net learned reads for sequences, and the
window still fits a projector's 1280 x 720."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
from qtpy.QtWidgets import QApplication

from desktop_app.family_switch import FamilySwitch
from desktop_app.history import RunHistory
from desktop_app.views.heatmap import RELATIVE_LEVELS, GradientHeatmapView, relative_to_output, time_ticks, to_indices
from desktop_app.views.insight import InsightView
from engine import RunStatus, StepRecord
from engine.config import Config, Dataset, Init, ModelFamily

from .conftest import SMALL
from .test_layout import cut_off

T = 12
RECURRENT = Config(model="lstm", dataset="recall", seq_len=T, depth=1, width=8, n_train=64, n_val=64, batch_size=16, steps=400)


def recurrent_history(config: Config, steps: int) -> tuple[RunHistory, object]:
    """A real run in this process, traced as the window's: (its history, the Run)."""
    from engine.insight import prediction_map
    from engine.service import RunInfo
    from engine.trainer import Run

    run = Run(config)
    run.signal_every_step = True
    history = RunHistory(RunInfo.of_run(0, run))
    history.append([run.step() for _ in range(steps)])
    history.prediction, history.predictions = prediction_map(run), 1
    return history, run


def shown_heatmap(qtbot, history: RunHistory, slope: float | None = None) -> GradientHeatmapView:
    view = GradientHeatmapView()
    qtbot.addWidget(view)
    view.resize(800, 380)
    view.show()
    view.set_theory(None, slope)
    view.set_history(history)
    return view


def test_choosing_lstm_moves_data_and_depth_in_one_rebuild_and_mlp_brings_them_back(make_window, qtbot):
    w = make_window()  # SMALL: an mlp on the spiral, depth 4
    controls = w.controls
    assert controls.bindings["seq_len"].widget.isHidden() and controls.bindings["forget_bias"].widget.isHidden()
    before = w.restarts
    controls.bindings["model"].widget.setCurrentEnum(ModelFamily.LSTM)
    assert (w.config.model, w.config.dataset, w.config.depth) == (ModelFamily.LSTM, Dataset.RECALL, 1)
    qtbot.waitUntil(lambda: w.history is not None and w.history.info.config == w.config, timeout=20000)
    qtbot.wait(2 * w.state.restart_timer.interval())
    assert w.restarts == before + 1, "one rebuild for the model, the data set and the depth together"
    # the controls show the new configuration, and what applies to an lstm
    assert controls.value("dataset") is Dataset.RECALL and controls.value("depth") == 1
    assert not controls.bindings["seq_len"].widget.isHidden() and controls.value("seq_len") == SMALL.seq_len
    assert not controls.bindings["forget_bias"].widget.isHidden()
    assert not controls.bindings["activation"].widget.isEnabled()
    assert "gates" in controls.bindings["activation"].widget.toolTip()
    assert not controls.bindings["batch_norm"].widget.isEnabled() and not controls.bindings["residual"].widget.isEnabled()
    assert controls.bindings["depth"].widget.maximum() == 10
    init = controls.bindings["init"].widget
    assert not init.model().item(list(Init).index(Init.IDENTITY)).isEnabled(), "identity is the rnn's only"
    assert w.history.info.time_steps == SMALL.seq_len and w.history.info.probe_axis == "time step"

    controls.bindings["model"].widget.setCurrentEnum(ModelFamily.MLP)
    assert (w.config.model, w.config.dataset, w.config.depth) == (ModelFamily.MLP, SMALL.dataset, SMALL.depth)
    assert w.config == SMALL, "the mlp comes back as it was"
    assert controls.bindings["seq_len"].widget.isHidden() and controls.bindings["activation"].widget.isEnabled()
    assert controls.bindings["depth"].widget.maximum() == 100

    # a sequence data set picked for an mlp brings the recurrent model back, and a 2-D one the mlp
    controls.bindings["dataset"].widget.setCurrentEnum(Dataset.ADDING)
    assert (w.config.model, w.config.dataset, w.config.depth) == (ModelFamily.LSTM, Dataset.ADDING, 1)
    controls.bindings["dataset"].widget.setCurrentEnum(Dataset.MOONS)
    assert (w.config.model, w.config.dataset, w.config.depth) == (ModelFamily.MLP, Dataset.MOONS, SMALL.depth)
    w.state.restart_timer.stop()


def test_family_switch_keeps_every_configuration_valid():
    switch = FamilySwitch()
    rnn = Config(model="rnn", dataset="adding", depth=3, init="identity", seq_len=20)
    assert switch.changes(rnn, "model", ModelFamily.GRU) == {"model": ModelFamily.GRU, "init": Init.ORTHOGONAL}
    back = switch.changes(rnn, "model", ModelFamily.MLP)
    assert back["init"] is not Init.IDENTITY and back["dataset"] is Dataset.SPIRAL
    mlp = rnn.replace(**back)
    switch.left(rnn, mlp)
    again = mlp.replace(**switch.changes(mlp, "model", ModelFamily.RNN))
    assert (again.dataset, again.depth) == (Dataset.ADDING, 3), "the recurrent net's own data set and depth come back"
    for model in ModelFamily:  # from a batch-normalized residual mlp, every family is one valid change
        deep = Config(depth=30, batch_norm=True, residual=True)
        assert deep.replace(**switch.changes(deep, "model", model)).model is model


def test_the_heatmap_rows_are_time_steps_with_the_records_gradients(qtbot):
    h, _ = recurrent_history(RECURRENT, steps=5)
    view = shown_heatmap(qtbot, h)
    assert view.time_view and view.signal_button.isChecked(), "a recurrent run opens on the view through time"
    assert view.plot.getAxis("left").labelText == "time step t"
    assert view.image.image.shape == (T, 5)
    measured = np.log10(np.array([r.time_rms for r in h.records])).T  # (T, steps), t = 1 first: the bottom row
    assert np.allclose(h.time_log10[:, :5], measured, atol=1e-5)
    assert np.array_equal(view.image.image, to_indices(h.time_log10[:, :5]))
    x, y = view.profile_line.getData()
    assert len(x) == T and list(y) == list(range(1, T + 1))
    assert np.allclose(x, np.clip(measured[:, -1], *view.levels), atol=1e-5)
    assert [v for v, _ in view.plot.getAxis("left")._tickLevels[0]] == [v for v, _ in time_ticks(T)]

    view.relative_button.setChecked(True)  # relative to the last step t = T
    assert view.relative_button.text() == "Relative to t = T"
    assert np.array_equal(view.image.image, to_indices(relative_to_output(h.time_log10[:, :5]), RELATIVE_LEVELS))
    view.relative_button.setChecked(False)
    view.absolute_button.setChecked(True)

    view.grad_button.setChecked(True)  # the toggle still offers each layer's weight gradient
    assert view.image.image.shape == (RECURRENT.depth + 1, 5)
    assert view.plot.getAxis("left").labelText == "layer (1 = input)"

    mlp = GradientHeatmapView()  # an mlp's view is as it always was
    qtbot.addWidget(mlp)
    assert mlp.grad_button.isChecked() and mlp.signal_button.text() == "Back-propagated signal ∂L/∂s"


def test_the_profile_draws_the_theorys_line_through_time(qtbot):
    from engine.theory import predicted_log10_time_slope

    config = RECURRENT.replace(model="rnn", activation="linear", init="orthogonal", init_gain=0.8)
    slope = predicted_log10_time_slope(config)
    assert slope == pytest.approx(np.log10(0.8))
    h, _ = recurrent_history(config, steps=1)
    view = shown_heatmap(qtbot, h, slope)
    x, y = view.theory_line.getData()
    top = h.time_log10[-1, 0]
    assert list(y) == list(range(1, T + 1))
    assert np.allclose(x, top + slope * (T - np.arange(1, T + 1)), atol=1e-5)
    # at initialization the measured profile follows it: exact for a linear net with orthogonal weights
    assert np.allclose(h.time_log10[:, 0], x, atol=0.05)
    assert "init_gain" in view.theory_note.text()


def test_what_it_learned_shows_sequences(qtbot):
    for config, kind in ((RECURRENT, "recall"), (RECURRENT.replace(model="gru", dataset="adding"), "adding")):
        h, _ = recurrent_history(config, steps=10)
        view = InsightView()
        page = view.pages["learned"][1]
        qtbot.addWidget(page)
        page.resize(300, 300)
        page.show()
        view.set_history(h)
        seq = view.sequences
        assert seq.isVisible() and not view.map_widget.isVisible()
        p = h.prediction
        assert p["kind"] == kind
        if kind == "recall":
            drawn = [t for t in seq.traces if t.getData()[0] is not None and len(t.getData()[0])]
            assert len(drawn) == len(p["label"]) == 6 and all(len(t.getData()[0]) == T for t in drawn)
            assert all(("✓" if ok else "✗") in a.toPlainText() for a, ok in zip(seq.answers, p["correct"]))
            assert "Validation error now" in seq.note.text()
        else:
            x, y = seq.points.getData()
            assert np.array_equal(x, p["target"]) and np.array_equal(y, p["prediction"])
            assert "MSE" in seq.note.text()


def test_what_it_learned_gives_the_elman_networks_spectral_radius(qtbot):
    """Lesson 11's fix with Adam says the recurrent matrix's spectral radius grows: the view shows
    the engine's value at the start and now, and none for an LSTM."""
    h, run = recurrent_history(RECURRENT.replace(model="rnn", init="orthogonal", init_gain=0.5), steps=10)
    view = InsightView()
    page = view.pages["learned"][1]
    qtbot.addWidget(page)
    page.show()
    view.set_history(h)
    start, now = run.initial_spectral_radius[0], run.model.spectral_radius()[0]
    assert abs(start - 0.5) < 1e-4 and now != start
    assert f"{start:.2f} → {now:.2f}" in view.sequences.note.text()
    h, _ = recurrent_history(RECURRENT, steps=2)  # an lstm
    view.set_history(h)
    assert "spectral radius" not in view.sequences.note.text()


def test_time_gradients_keep_bounded_memory_in_a_long_run(monkeypatch):
    from desktop_app import history as history_module

    monkeypatch.setattr(history_module, "COLUMNS", 200)
    monkeypatch.setattr(history_module, "RECENT_STEPS", 100)
    config = RECURRENT.replace(steps=10_000)
    info = SimpleNamespace(config=config, n_layers=2, layer_names=["layer_1", "layer_2"], initial=None, data=None, time_steps=T)
    h = RunHistory(info)

    def record(step: int) -> StepRecord:
        time_rms = np.full(T, 1e-3) if step != 7 else np.full(T, 1e4)  # a spike, long gone from the recent window
        return StepRecord(step, 1.0, np.ones(2), None, 1.0, 1.0, RunStatus.RUNNING, None, time_rms=time_rms)

    for start in range(1, 1001, 50):
        h.append([record(s) for s in range(start, start + 50)])
    assert h.time_log10.shape == (T, 200) and h.n_cols <= 200
    assert h.value_at(True, T, 1000) == pytest.approx(1e-3, rel=1e-5)
    assert np.nanmax(h.time_log10[:, : h.n_cols]) == pytest.approx(4.0), "the spike survives decimation"


def test_the_window_fits_1280x720_with_a_recurrent_run(make_window, qtbot):
    w = make_window(RECURRENT)
    w.resize(1280, 720)
    w.step_once()
    qtbot.waitUntil(lambda: w.history.n >= 1 and w.history.prediction is not None, timeout=20000)
    QApplication.processEvents()
    w._on_paint_timer_timeout()
    w._on_diagnosis_timer_timeout()
    QApplication.processEvents()
    assert w.heatmap.time_view and w.heatmap.image.image.shape == (T, 1)
    assert w.insight.sequences.isVisible()
    assert w.width() <= 1280 and w.height() <= 720, f"the window needs {w.minimumSizeHint()}"
    assert cut_off(w) == []


@pytest.mark.parametrize(
    ("code", "ratio", "words"),
    [
        ("vanishing_time", 3e-12, "the gradient from 49 steps back is 10⁻¹² of the last step's"),
        ("exploding_time", 5300.0, "the gradient from 49 steps back is 10³ times the last step's"),
        ("healthy", 0.35, "from 49 steps back it is 35% of the last step's"),
        ("vanishing_time", 0.0, "no gradient at all reaches back 49 steps"),
    ],
)
def test_the_diagnosis_words_the_gradient_through_time(qtbot, code, ratio, words):
    from desktop_app.diagnosis_view import DiagnosisView
    from engine.diagnosis import Finding

    view = DiagnosisView()
    qtbot.addWidget(view)
    assert words in view.sentence(Finding(code, "warning", {"ratio": ratio, "distance": 49, "axis": "time"}))


def test_a_saved_recurrent_run_replays_its_time_view(make_window, qtbot, tmp_path):
    w = make_window(RECURRENT.replace(steps=20))
    with qtbot.waitSignal(w.state.runFinished, timeout=60000):
        w.play()
    original = w.history
    path = tmp_path / "lstm.vpsession"
    assert w.files.save_session(str(path))
    assert w.files.open_session(str(path))
    h = w.history
    assert h is not original and h.info.time_names == original.info.time_names and h.info.probe_axis == "time step"
    assert np.array_equal(h.time_log10, original.time_log10, equal_nan=True)
    w.timeline.slider.setValue(7)
    qtbot.waitUntil(lambda: w.history.n == 7, timeout=5000)
    w._on_paint_timer_timeout()
    assert w.heatmap.time_view and w.heatmap.image.image.shape == (T, 7)
