"""The diagnosis agrees with the lessons: each lesson's problem preset is diagnosed with its
pathology, and no fix preset with the pathology it cured. Then the edge cases, on hand-made
records: the training-error floor of flipped labels, a converged network, dead units that do and
do not block learning, divergence, early stopping.

The lesson tests train the presets the lessons name (read through load_lessons(), so that they
follow the lessons) at the preset's own seed, on the CPU, and diagnose the run's end as the window
does. A few problems are shortened where the pathology shows from the first steps, and those are
checked at seeds 0..4 as well.
"""

from __future__ import annotations

import collections
import dataclasses
import functools

import numpy as np
import pytest

from engine import Config, Run, RunStatus
from engine.diagnosis import (
    EXPLODING_NORM,
    OVERFIT_GAP,
    PRIORITY,
    UNDERFIT_AFTER,
    UNDERFIT_ERROR,
    VANISHING_RATIO,
    Finding,
    clean_error,
    diagnose,
)
from engine.lessons import load_lessons
from engine.presets import load_preset
from engine.results import Evaluation, LayerStats, StepRecord

#: findings about the flow of gradients (and training breaking down)
GRADIENT_PATHOLOGIES = frozenset(
    {"diverged", "no_gradient", "huge_gradient", "vanishing", "exploding", "vanishing_time", "exploding_time", "dead"}
)

#: lesson id -> (the problem preset reports at least one of these, no fix reports any of these).
#: An empty first set: the lesson is not about a pathology, and its problem reports none of
#: GRADIENT_PATHOLOGIES.
LESSONS = {
    "vanishing": ({"vanishing"}, {"vanishing"}),
    "dying_relu": ({"dead"}, {"dead", "no_gradient"}),
    "exploding": ({"diverged"}, {"diverged"}),  # clipping treats the symptom: huge gradients stay
    "initialization": ({"no_gradient"}, GRADIENT_PATHOLOGIES),
    "batch_norm": ({"vanishing"}, {"vanishing"}),
    "residual": ({"vanishing", "no_gradient"}, {"vanishing", "no_gradient"}),
    "underfitting": ({"underfitting"}, {"underfitting"}),
    # the fixes' training error sits near the 20% of flipped labels: that is not underfitting
    "overfitting": ({"overfitting"}, {"overfitting", "underfitting"}),
    "optimizers": (set(), GRADIENT_PATHOLOGIES | {"underfitting"}),
    "model_selection": ({"overfitting"}, {"overfitting", "underfitting"}),
    "vanishing_time": ({"vanishing_time"}, {"vanishing_time"}),
    "exploding_time": ({"exploding_time"}, {"exploding_time"}),
    "lstm_forget": ({"vanishing_time"}, {"vanishing_time"}),
}
#: "Try:" presets that show a problem on purpose, and the finding each must report
TRY = {"init_too_small": {"vanishing"}, "init_too_large": {"saturated"}}
#: presets that must report nothing pathological at all (no warning, no error)
HEALTHY = {"init_xavier_tanh", "init_he_relu", "selection_small", "vanishing_fix_relu_he"}
#: presets diagnosed after this many steps, where the lesson's claim is about the first steps
#: (init_too_large then fits its training points: saturation no longer blocks anything)
SHORT = {
    "vanishing_problem": 200,
    "residual_problem": 100,
    "init_zeros": 50,
    "init_too_small": 50,
    "init_too_large": 50,
    # the claims are about the first steps; at the preset's seed 0 both learn later on
    "lstm_forget_problem": 50,
    "exploding_time_problem": 1,  # within 20 steps the explosion has thrown every unit into saturation
}
#: and checked at seeds 0..4 after these many steps
SEEDED = {
    "vanishing_problem": 30,
    "residual_problem": 20,
    "init_zeros": 10,
    "init_too_small": 10,
    "init_too_large": 20,
    "exploding_problem": 10,
}


@functools.cache
def findings(name: str, steps: int | None = None, seed: int | None = None) -> tuple[Finding, ...]:
    """The diagnosis at the end of the preset's run, as the window makes it."""
    config = load_preset(name).apply().replace(device="cpu")
    changes = {key: value for key, value in (("steps", steps), ("seed", seed)) if value is not None}
    run = Run(config.replace(**changes))
    record = collections.deque(run, maxlen=1)[0]  # the last step
    best = run.best if run.status is RunStatus.EARLY_STOPPED else None
    last = run.evaluations[-1] if run.evaluations else None
    return tuple(diagnose(record, last, best, config=run.initial_config))


def codes(found: tuple[Finding, ...]) -> set[str]:
    return {f.code for f in found}


def describe(found: tuple[Finding, ...]) -> str:
    return "; ".join(f"{f.code} {f.params}" for f in found) or "(nothing)"


def lesson_fixes() -> list[tuple[str, str]]:
    return [(lesson.id, fix.preset) for lesson in load_lessons() for fix in lesson.fixes]


def test_every_lesson_has_an_expected_diagnosis():
    lessons = load_lessons()
    assert set(LESSONS) == {lesson.id for lesson in lessons}
    fixes = {fix.preset for lesson in lessons for fix in lesson.fixes}
    assert set(TRY) <= fixes and HEALTHY <= fixes
    assert {code for expected in LESSONS.values() for code in expected[0] | expected[1]} <= set(PRIORITY)


@pytest.mark.parametrize("lesson", load_lessons(), ids=lambda lesson: lesson.id)
def test_the_problem_is_diagnosed_with_the_lessons_pathology(lesson):
    expected, _ = LESSONS[lesson.id]
    found = findings(lesson.problem, SHORT.get(lesson.problem))
    if expected:
        assert codes(found) & expected, f"{lesson.problem}: expected {sorted(expected)}, got {describe(found)}"
    else:
        assert not codes(found) & GRADIENT_PATHOLOGIES, f"{lesson.problem}: {describe(found)}"


@pytest.mark.parametrize(("lesson_id", "preset"), lesson_fixes(), ids=lambda value: value)
def test_a_fix_is_not_diagnosed_with_what_it_cured(lesson_id, preset):
    found = findings(preset, SHORT.get(preset))
    if preset in TRY:
        assert codes(found) & TRY[preset], f"{preset}: expected {sorted(TRY[preset])}, got {describe(found)}"
        return
    cured = LESSONS[lesson_id][1]
    assert not codes(found) & cured, f"{preset} (a fix of {lesson_id}): {describe(found)}"
    if preset in HEALTHY:
        assert all(f.severity == "info" for f in found), f"{preset} is healthy: {describe(found)}"


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("name", sorted(SEEDED))
def test_early_pathologies_at_every_seed(name, seed):
    expected = next(
        (TRY[name] if name in TRY else LESSONS[lesson.id][0]) for lesson in load_lessons() if name in lesson.presets
    )
    found = findings(name, SEEDED[name], seed)
    assert codes(found) & expected, f"{name} at seed {seed}: expected {sorted(expected)}, got {describe(found)}"


# --- hand-made records -----------------------------------------------------------------------
MOONS_NOISY = Config(dataset="moons", label_noise=0.2, n_train=100)


def make(
    *,
    train_error: float,
    val_error: float,
    grads=(0.3, 0.3, 0.3, 0.3),
    signal=None,
    dead=None,
    saturated=None,
    step: int = 1500,
    loss: float = 0.5,
    status: RunStatus = RunStatus.RUNNING,
) -> tuple[StepRecord, Evaluation]:
    n = len(grads)
    grads = np.asarray(grads, dtype=float)
    signal = grads if signal is None else np.asarray(signal, dtype=float)
    nan = np.full(n, np.nan)
    layers = LayerStats(
        grad_rms=grads,
        signal_rms=signal,
        act_mean_abs=np.ones(n),
        dead_frac=nan if dead is None else np.asarray(dead, dtype=float),
        saturated_frac=nan if saturated is None else np.asarray(saturated, dtype=float),
        update_ratio=np.full(n, 1e-3),
    )
    evaluation = Evaluation(step, loss, train_error, loss, val_error, layers)
    total = float(np.linalg.norm(grads))
    return StepRecord(step, loss, grads, signal, total, total, status, evaluation), evaluation


def found_codes(record, evaluation, best=None, config=None) -> list[str]:
    return [f.code for f in diagnose(record, evaluation, best, config=config)]


def test_the_callers_signature_still_works():
    record, evaluation = make(train_error=0.0, val_error=0.02)
    assert diagnose(None, None) == []
    # the window's old call, diagnose(record, evaluation, best), without the config keyword
    assert [f.code for f in diagnose(record, evaluation)] == ["healthy"]
    assert [f.code for f in diagnose(record, evaluation, None)] == ["healthy"]


def test_clean_error_undoes_the_flipped_labels():
    assert clean_error(0.27, 0.0) == 0.27
    assert clean_error(0.27, 0.2) == pytest.approx(0.07 / 0.6)  # two classes: 0.2 + e·(1 − 0.4)
    assert clean_error(0.1, 0.2) == 0.0  # memorized flips: below the floor
    assert clean_error(0.5, 0.2, n_classes=3) == pytest.approx(0.3 / 0.7)


def test_training_error_at_the_label_noise_floor_is_not_underfitting():
    # lesson 8's fixes and lesson 10's small model: training error about the flip rate, clean
    # validation error well below it
    for train, val in [(0.27, 0.133), (0.242, 0.07), (0.27, 0.116), (0.22, 0.15)]:
        record, evaluation = make(train_error=train, val_error=val)
        assert found_codes(record, evaluation, config=MOONS_NOISY) == ["healthy"], (train, val)


def test_underfitting_above_the_floor_is_still_caught():
    record, evaluation = make(train_error=0.45, val_error=0.4)
    found = diagnose(record, evaluation, config=MOONS_NOISY)
    assert [f.code for f in found] == ["underfitting", "healthy"]
    assert found[0].params["label_noise"] == 0.2
    record, evaluation = make(train_error=0.43, val_error=0.45)  # lesson 7, clean labels
    assert "underfitting" in found_codes(record, evaluation)


def test_underfitting_needs_a_high_validation_error_and_time():
    record, evaluation = make(train_error=UNDERFIT_ERROR + 0.05, val_error=UNDERFIT_ERROR - 0.1)
    assert "underfitting" not in found_codes(record, evaluation)
    record, evaluation = make(train_error=0.45, val_error=0.45, step=UNDERFIT_AFTER - 10)
    assert "underfitting" not in found_codes(record, evaluation)


def test_memorizing_the_flipped_labels_is_overfitting():
    record, evaluation = make(train_error=0.03, val_error=0.244)
    assert found_codes(record, evaluation, config=MOONS_NOISY) == ["overfitting", "healthy"]
    record, evaluation = make(train_error=0.0, val_error=OVERFIT_GAP - 0.02)  # a small gap is not
    assert found_codes(record, evaluation) == ["healthy"]


def test_a_poorly_trained_network_is_underfitting_not_overfitting():
    record, evaluation = make(train_error=0.365, val_error=0.479)  # lesson 3's clipped run
    assert found_codes(record, evaluation) == ["underfitting", "healthy"]


CONVERGED = dict(
    grads=(4.7e-7, 3e-7, 2e-7, 1.2e-7, 2e-4),  # all tiny; layer 1 gets 10⁻³ of the output layer's
    signal=(2.5e-8, 2e-8, 1e-8, 5e-9, 2.5e-5),
    dead=(0.41, 0.4, 0.62, 0.2, np.nan),
    loss=1.6e-6,
)


def test_a_converged_network_is_not_flagged():
    record, evaluation = make(train_error=0.0, val_error=0.015, **CONVERGED)
    assert found_codes(record, evaluation) == ["fitted"]  # said as such: not a pathology
    # tiny gradients in a healthy proportion: healthy
    record, evaluation = make(
        train_error=0.0, val_error=0.015, **{**CONVERGED, "signal": (1e-7, 1e-7, 1e-7, 1e-7, 5e-8)}
    )
    assert found_codes(record, evaluation) == ["healthy"]


def test_the_same_gradients_in_a_network_that_cannot_learn_are_vanishing_and_dead():
    record, evaluation = make(train_error=0.48, val_error=0.5, **CONVERGED)
    found = diagnose(record, evaluation)
    assert [f.code for f in found] == ["vanishing", "dead"]  # the blocked gradient explains the error
    assert found[0].params["exponent"] == -3


def test_vanishing_is_judged_on_the_back_propagated_signal():
    # lesson 6 at step 1: every weight gradient near 10⁻²¹, layer 1's no smaller than the output's
    record, evaluation = make(
        train_error=0.5, val_error=0.5, grads=(5e-21, 1e-21, 4e-22), signal=(1e-21, 1e-10, 0.5), step=1
    )
    assert found_codes(record, evaluation)[0] == "vanishing"
    # lesson 3's clipped run: small layer-1 weight gradient, but the signal grows toward the input
    record, evaluation = make(train_error=0.4, val_error=0.45, grads=(20, 500, 800), signal=(46, 5, 0.65), step=1)
    assert found_codes(record, evaluation) == ["healthy"]
    record, evaluation = make(train_error=0.5, val_error=0.5, signal=(VANISHING_RATIO * 0.9, 1, 1, 1), step=1)
    assert found_codes(record, evaluation) == ["vanishing"]
    record, evaluation = make(train_error=0.5, val_error=0.5, signal=(VANISHING_RATIO * 1.1, 1, 1, 1), step=1)
    assert found_codes(record, evaluation) == ["healthy"]


def test_the_weight_gradients_stand_in_without_a_signal():
    record, evaluation = make(train_error=0.5, val_error=0.5, grads=(1e-9, 1e-5, 0.3), step=1)
    record = StepRecord(1, 0.69, record.grad_norms, None, 0.3, 0.3, RunStatus.RUNNING)
    assert found_codes(record, None) == ["vanishing"]


def test_dead_units_count_only_when_they_block_learning():
    partly = dict(dead=(0.45, 0.5, 0.4, np.nan), signal=(0.2, 0.3, 0.4, 0.5))
    record, evaluation = make(train_error=0.4, val_error=0.42, **partly)
    assert "dead" not in found_codes(record, evaluation)
    whole_layer = dict(dead=(0.1, 0.4, 1.0, np.nan), signal=(0.2, 0.3, 0.4, 0.5))
    record, evaluation = make(train_error=0.48, val_error=0.5, **whole_layer)
    found = diagnose(record, evaluation)
    assert found[0].code == "dead" and found[0].params["layer"] == 3
    # in a residual network a dead block passes its input on
    assert "dead" not in found_codes(record, evaluation, config=Config(residual=True, activation="relu"))
    # a fitted network's dead units block nothing (lesson 8's L1 fix switches units off)
    record, evaluation = make(train_error=0.24, val_error=0.14, **whole_layer)
    assert "dead" not in found_codes(record, evaluation, config=MOONS_NOISY)


def test_saturation_counts_until_the_network_fits():
    record, evaluation = make(train_error=0.3, val_error=0.36, saturated=(0.6, 0.6, 0.6, np.nan), step=10)
    assert found_codes(record, evaluation) == ["saturated", "healthy"]
    record, evaluation = make(train_error=0.005, val_error=0.06, saturated=(0.3, 0.3, 0.3, np.nan))
    assert found_codes(record, evaluation) == ["healthy"]


def test_all_zero_weight_gradients_are_no_gradient():
    # zero init with tanh: no weight gets a gradient, only the output layer's signal is non-zero
    record, evaluation = make(train_error=0.48, val_error=0.5, grads=(0, 0, 0, 0), signal=(0, 0, 0, 0.5))
    assert found_codes(record, evaluation) == ["no_gradient"]


def test_no_gradient_says_how_far_up_and_which_dead_layer_cuts_it_off():
    # a dead last hidden layer (dying ReLU): every weight gradient is 0, the output layer's too
    # (its input is all zeros), and the signal still reaches the output layer
    dead = (0.2, 0.5, 1.0, np.nan)
    record, evaluation = make(train_error=0.48, val_error=0.5, grads=(0, 0, 0, 0), signal=(0, 0, 0, 0.5), dead=dead)
    found = diagnose(record, evaluation)
    assert [f.code for f in found] == ["no_gradient", "dead"]
    assert found[0].params["upto"] == 4 and found[0].params["dead_layer"] == 3
    # a skip connection carries the gradient past a dead layer: it is not named as the cause
    found = diagnose(record, evaluation, config=Config(residual=True))
    assert found[0].params["dead_layer"] is None
    # zero weights: layers 1-3 silent, the output layer's gradient not, and no layer dead
    record, evaluation = make(train_error=0.48, val_error=0.5, grads=(0, 0, 0, 0.2), signal=(0, 0, 0, 0.5))
    found = diagnose(record, evaluation)
    assert found[0].params["upto"] == 3 and found[0].params["dead_layer"] is None


@pytest.mark.parametrize(("preset", "steps", "upto", "dead_layer"), [("dying_relu_problem", 600, 7, 6), ("residual_problem", 100, 51, 50)])
def test_the_lessons_dead_layer_is_named_as_what_cuts_the_gradient_off(preset, steps, upto, dead_layer):
    # lesson 2 at its seed 1: "every unit of layer 6 ... dies", and the heatmap's every row is 0;
    # lesson 6 at its seed 0: "the diagnosis says instead which dead layer cuts the gradient off"
    config = load_preset(preset).apply().replace(device="cpu", steps=steps)
    run = Run(config)
    *_, last = run
    found = diagnose(last, run.evaluations[-1], config=config)
    assert found[0].code == "no_gradient"
    assert (found[0].params["upto"], found[0].params["dead_layer"]) == (upto, dead_layer)


def test_divergence_is_the_only_finding():
    _, evaluation = make(train_error=0.52, val_error=0.49, dead=(0.5, 0.5, 0.5, np.nan), step=1)
    grads = np.array([7e3, np.nan, np.nan, np.nan])
    record = StepRecord(3, float("nan"), grads, None, float("nan"), float("nan"), RunStatus.DIVERGED)
    found = diagnose(record, evaluation)
    assert [f.code for f in found] == ["diverged"] and found[0].severity == "error"
    assert found[0].params == {"step": 3, "layer": 2}


def test_huge_gradients_are_one_finding():
    record, evaluation = make(train_error=0.52, val_error=0.49, grads=(7.2e3, 5e3, 5.1e3), signal=(400, 20, 1), step=1)
    found = diagnose(record, evaluation)
    assert [f.code for f in found] == ["huge_gradient"]
    assert found[0].params == {"exponent": 3, "layer": 1}
    assert 7.2e3 > EXPLODING_NORM


def test_early_stopping_is_judged_on_the_model_it_keeps():
    record, last = make(train_error=0.11, val_error=0.25, status=RunStatus.EARLY_STOPPED, step=290)
    _, best = make(train_error=0.23, val_error=0.13, step=90)
    found = diagnose(record, last, best, config=MOONS_NOISY)
    assert [f.code for f in found] == ["early_stopped", "healthy"]
    assert found[0].params == {"step": 290, "best_step": 90, "best_val_error": 0.13}


def test_regression_uses_the_mse_scale():
    sine = Config(dataset="sine", noise=0.05)
    record, evaluation = make(train_error=0.3, val_error=0.32)
    assert "underfitting" in found_codes(record, evaluation, config=sine)
    record, evaluation = make(train_error=0.005, val_error=0.2)
    assert "overfitting" in found_codes(record, evaluation, config=sine)
    record, evaluation = make(train_error=0.004, val_error=0.006)
    assert found_codes(record, evaluation, config=sine) == ["healthy"]


def test_findings_come_most_important_first():
    record, evaluation = make(
        train_error=0.48, val_error=0.5, signal=(1e-9, 1e-5, 1e-2, 0.5), dead=(0.2, 0.5, 1.0, np.nan), saturated=None
    )
    found = found_codes(record, evaluation)
    assert found == sorted(found, key=PRIORITY.index) == ["vanishing", "dead"]


def test_clipping_at_work_is_said():
    """Lesson 3's clipping fix keeps training finite while the gradients stay huge: the diagnosis
    says clipping is at work (the curves alone hide it), and says nothing of it without clipping."""
    assert "clipped" in codes(findings("exploding_fix_clip"))
    record, evaluation = make(train_error=0.02, val_error=0.05, grads=(5.0, 1.0))
    assert "clipped" not in found_codes(record, evaluation)
    clipped = dataclasses.replace(record, total_norm=50.0, clipped_norm=1.0)
    found = diagnose(clipped, evaluation)
    assert [f.params for f in found if f.code == "clipped"] == [{"norm": 50.0, "clipped": 1.0}]


# --- through time (recurrent networks) -----------------------------------------------------------


def time_record(time_rms, grad_norms=(0.1, 0.1), loss=0.7) -> StepRecord:
    g = np.array(grad_norms, dtype=float)
    return StepRecord(1, loss, g, None, float(np.linalg.norm(g)), float(np.linalg.norm(g)), RunStatus.RUNNING, time_rms=np.array(time_rms, dtype=float))


RNN = Config(model="rnn", dataset="recall", seq_len=5)


def test_a_recurrent_net_is_judged_through_time_not_by_layers():
    (finding,) = [f for f in diagnose(time_record([1e-12, 1e-9, 1e-6, 1e-3, 1.0]), None, config=RNN) if f.code != "clipped"]
    assert finding.code == "vanishing_time"
    assert finding.params["exponent"] == -12 and finding.params["distance"] == 4
    assert diagnose(time_record([1e4, 1e3, 1e2, 10, 1.0]), None, config=RNN)[0].code == "exploding_time"
    healthy = diagnose(time_record([0.5, 0.6, 0.7, 0.8, 1.0]), None, config=RNN)
    assert [f.code for f in healthy] == ["healthy"] and healthy[0].params["axis"] == "time"
    # nothing reaches h_1 at all
    assert diagnose(time_record([0.0, 1e-3, 1e-2, 0.1, 1.0]), None, config=RNN)[0].code == "vanishing_time"


def test_huge_weight_gradients_and_exploding_through_time_are_both_named():
    codes = {f.code for f in diagnose(time_record([1e6, 1e4, 1e2, 10, 1.0], grad_norms=(5e4, 1.0)), None, config=RNN)}
    assert codes == {"huge_gradient", "exploding_time"}


def test_a_fitted_recurrent_net_is_not_vanishing():
    ev = Evaluation(600, 0.01, 0.0, 0.01, 0.0, LayerStats(*(np.full(2, np.nan) for _ in range(6))))
    codes = {f.code for f in diagnose(time_record([1e-12, 1e-9, 1e-6, 1e-3, 1.0]), ev, config=RNN)}
    assert "vanishing_time" not in codes
