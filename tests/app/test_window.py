"""The window as a learner uses it: real training in the worker, real widgets."""

from __future__ import annotations

import numpy as np
import pytest
from qtpy.QtCore import Qt
from qtpy.QtWidgets import QCheckBox, QSpinBox
from superqt import QEnumComboBox, QLabeledDoubleSlider, QLabeledSlider

from desktop_app.controls import LogSliderWidget
from engine.config import KEYS, Config

from .conftest import SMALL


def _new_value(widget, current):
    """A different valid value for the control, set through the widget itself."""
    if isinstance(widget, QEnumComboBox):
        members = list(widget.enumClass())
        new = members[(members.index(current) + 1) % len(members)]
        widget.setCurrentEnum(new)
    elif isinstance(widget, QCheckBox):
        widget.setChecked(not current)
    elif isinstance(widget, QSpinBox):
        widget.setValue(current + 1)
    elif isinstance(widget, LogSliderWidget):
        widget.slider.setValue(widget.slider.value() + 0.5)
    elif isinstance(widget, (QLabeledSlider, QLabeledDoubleSlider)):
        widget.setValue(current + (1 if isinstance(widget, QLabeledSlider) else 0.1))
    else:  # pragma: no cover
        raise AssertionError(type(widget))
    return widget


def test_every_engine_key_has_a_control(qtbot, settings):
    from desktop_app.window import MainWindow

    w = MainWindow(SMALL, settings=settings)
    qtbot.addWidget(w)
    assert set(w.controls.bindings) == set(KEYS)
    # a choice reads as the value a configuration file uses ("torch_default", not "TORCH DEFAULT")
    for key, binding in w.controls.bindings.items():
        if isinstance(binding.widget, QEnumComboBox):
            kind = type(getattr(SMALL, key))
            assert [binding.widget.itemText(i) for i in range(binding.widget.count())] == [c.value for c in kind]


def test_moving_each_control_changes_the_key_it_names(qtbot, settings):
    from desktop_app.window import MainWindow

    w = MainWindow(SMALL, settings=settings)  # never shown: no training process is needed here
    qtbot.addWidget(w)
    for key in KEYS:
        if key == "device":  # its choices depend on the machine; covered by the engine tests
            continue
        if key == "model":  # moves its data set and depth with it: test_recurrent_window covers it
            continue
        before = w.config
        _new_value(w.controls.bindings[key].widget, getattr(before, key))
        assert w.config.diff(before).keys() == {key}, key
    w.state.restart_timer.stop()


def test_play_fills_heatmap_with_one_row_per_layer(make_window, qtbot):
    w = make_window()
    w.play()
    qtbot.waitUntil(lambda: w.history.n >= 60, timeout=20000)
    w.pause()
    w._on_paint_timer_timeout()
    image = w.heatmap.image.image
    assert image.shape[0] == SMALL.depth + 1
    assert image.shape[1] >= 60
    assert (image < 255).all(), "a healthy run has no non-finite cell"
    assert len(np.unique(image)) > 5, "the colours follow real gradient magnitudes"
    x, y = w.curves.curves[("error", "val")].getData()
    assert len(x) >= 6 and np.isfinite(y).all()


def test_step_trains_exactly_one_step(make_window, qtbot):
    w = make_window()
    w.step_once()
    qtbot.waitUntil(lambda: w.history.n == 1, timeout=10000)
    w.step_once()
    qtbot.waitUntil(lambda: w.history.n == 2, timeout=10000)
    qtbot.wait(100)
    assert w.history.n == 2


def test_live_change_applies_without_restart(make_window, qtbot):
    w = make_window(SMALL.replace(steps=1_000_000))  # still training when the change arrives (400 steps: a blink)
    w.play()
    qtbot.waitUntil(lambda: w.history.n >= 20, timeout=20000)
    restarts = w.restarts
    lr = w.controls.bindings["lr"].widget
    lr.setValue(0.001)
    qtbot.waitUntil(lambda: any(c.key == "lr" for c in w.history.changes), timeout=10000)
    w.pause()
    assert w.restarts == restarts
    change = next(c for c in w.history.changes if c.key == "lr")
    assert change.new == pytest.approx(0.001) and change.step > 1
    assert w.history.live["lr"] == pytest.approx(0.001)  # as the engine applied it


def test_structural_drag_restarts_once(make_window, qtbot):
    w = make_window()
    restarts = w.restarts
    depth = w.controls.bindings["depth"].widget
    for value in range(5, 15):  # a drag: ten values in quick succession
        depth.setValue(value)
        qtbot.wait(10)
    qtbot.waitUntil(lambda: w.restarts == restarts + 1 and w.history.n_layers == 15, timeout=10000)
    qtbot.wait(500)
    assert w.restarts == restarts + 1
    assert w.history.info.config.depth == 14


def test_exploding_run_shows_divergence_and_app_still_responds(make_window, qtbot):
    exploding = SMALL.replace(depth=20, width=32, activation="relu", init="he_normal", init_gain=2.5, optimizer="sgd", lr=0.05)
    w = make_window(exploding)
    with qtbot.waitSignal(w.state.runFinished, timeout=30000) as finished:
        w.play()
    assert finished.args == ["diverged"]
    w._on_diagnosis_timer_timeout()
    text = w.diagnosis.label.text()
    assert "exploded" in text and "learning rate" in text and "clipping" in text
    assert not w.controller.playing
    # the app keeps working: a fix and a new run train normally
    w.controls.bindings["init_gain"].widget.setValue(1.0)
    qtbot.waitUntil(lambda: w.history is not None and w.history.info.config.init_gain == 1.0, timeout=10000)
    w.play()
    qtbot.waitUntil(lambda: w.history.n >= 30, timeout=20000)
    w.pause()
    assert w.history.last_record.status.value == "running"


def test_close_during_training_stops_the_worker(make_window, qtbot):
    w = make_window(SMALL.replace(steps=100_000))
    w.play()
    qtbot.waitUntil(lambda: w.history.n >= 10, timeout=20000)
    w.close()  # the autouse fixture fails the test if a thread is left running


def test_configuration_and_geometry_persist(qtbot, settings):
    from desktop_app.window import MainWindow

    first = MainWindow(SMALL.replace(depth=7), settings=settings)
    qtbot.addWidget(first)
    first.show()
    first.resize(701, 503)
    size = first.size()
    first.close()
    second = MainWindow(None, settings=settings)
    qtbot.addWidget(second)
    second.show()
    assert second.config.depth == 7
    assert abs(second.width() - size.width()) <= 30 and abs(second.height() - size.height()) <= 30
    qtbot.waitUntil(lambda: second.history is not None, timeout=20000)
    second.close()


def test_export_and_reopen(make_window, qtbot, tmp_path):
    w = make_window()
    w.play()
    qtbot.waitUntil(lambda: w.history.n >= 30, timeout=20000)
    w.pause()
    qtbot.waitUntil(lambda: not w.controller.playing, timeout=5000)
    assert w.files.export_csv(str(tmp_path / "data"))
    header = (tmp_path / "data" / "grad_norms.csv").read_text().splitlines()[0]
    assert header == "step," + ",".join(f"layer_{i}" for i in range(1, SMALL.depth + 2))
    assert w.files.export_png(w.heatmap, "heatmap.png", str(tmp_path / "heatmap.png"))
    assert (tmp_path / "heatmap.png").stat().st_size > 5000
    w.files.save_config(str(tmp_path / "saved.toml"))
    assert Config.load(tmp_path / "saved.toml") == w.config
    (tmp_path / "bad.toml").write_text("depth = 1000\n")
    w.files.open_config(str(tmp_path / "bad.toml"))
    assert "depth" in w.statusBar().currentMessage() and w.config == Config.load(tmp_path / "saved.toml")


def test_keyboard_shortcuts(make_window, qtbot):
    w = make_window()
    qtbot.keyClick(w, Qt.Key.Key_S)
    qtbot.waitUntil(lambda: w.history.n == 1, timeout=10000)
    qtbot.keyClick(w, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: w.history.n >= 20, timeout=20000)
    qtbot.keyClick(w, Qt.Key.Key_Space)
    assert not w.controller.playing
    restarts = w.restarts
    qtbot.keyClick(w, Qt.Key.Key_R)
    qtbot.waitUntil(lambda: w.restarts == restarts + 1, timeout=10000)
    assert w.history.n == 0


def test_screenshot_mode_writes_the_trained_window(tmp_path):
    import subprocess
    import sys

    from qtpy.QtGui import QImage

    out = tmp_path / "window.png"
    done = subprocess.run(
        [sys.executable, "-m", "desktop_app", "--screenshot", str(out), "--steps", "60", "--set", "depth=5", "--set", "n_val=100"],
        capture_output=True, text=True, timeout=180,
    )
    assert done.returncode == 0, done.stderr
    assert "step 60" in done.stdout
    image = QImage(str(out))
    assert image.width() >= 1000 and image.height() >= 700
    # a real window with a filled heatmap has many colours, not a blank frame
    colours = {image.pixel(x, y) for x in range(0, image.width(), 7) for y in range(0, image.height(), 7)}
    assert len(colours) > 200
