"""The claims of the three recurrent-network lessons (11-13), at seeds 0-4, as tests/engine/test_lessons.py
checks the others: each margin has the range measured over the seeds beside it (on a 2-core AMD EPYC;
results after hundreds of steps differ in detail between CPUs, so the margins are wide)."""

from __future__ import annotations

import functools
import math

import numpy as np
import pytest

from engine import Run, RunStatus
from engine.results import count_clipped

from .test_lessons import SEEDS, assert_presets, config, final, first_step, trained

LEARNED = 0.05  # validation error at or below this: the network remembers x_1


def learned_at(run: Run) -> int | None:
    """The first evaluation step at which the validation error is at most LEARNED."""
    return next((e.step for e in run.evaluations if e.val_error <= LEARNED), None)


def time_ratio(name: str, seed: int) -> float:
    """∂L/∂h_1 over ∂L/∂h_T at step 1 (per-sample RMS)."""
    r = first_step(name, seed).time_rms
    return float(r[0] / r[-1])


def shown(ratio: float) -> int:
    """The power of ten the diagnosis line writes for a ratio ("10⁻¹²")."""
    return math.floor(math.log10(ratio))


def spectral_radius(run: Run) -> float:
    """The largest |eigenvalue| of the (single) layer's recurrent matrix, as What it learned shows it."""
    return run.model.spectral_radius()[0]


@pytest.mark.parametrize("seed", SEEDS)
def test_lesson_vanishing_time(seed):
    assert_presets(
        "vanishing_time",
        "vanishing_time_problem",
        "vanishing_time_fix_short",
        "vanishing_time_fix_orthogonal",
        "vanishing_time_fix_lstm",
        "vanishing_time_fix_adam",
    )
    # about 10^-10 of t = 50's reaches t = 1: 10^-9.3 to 10^-12.6
    assert -13 <= shown(time_ratio("vanishing_time_problem", seed)) <= -10  # "10⁻¹⁰ to 10⁻¹³" on screen
    problem = trained("vanishing_time_problem", seed, eval_every=100)
    assert all(e.val_error > 0.35 for e in problem.evaluations[1:])  # a coin toss throughout: 0.48 to 0.52 at the end
    short = trained("vanishing_time_fix_short", seed, eval_every=100)
    assert 0.03 < time_ratio("vanishing_time_fix_short", seed) < 0.5  # a tenth to a fifth: 10^-1.1 to 10^-0.7
    assert final(short)[1] < LEARNED  # 0.00

    # orthogonal: about half reaches t = 1 (10^-0.3 at every seed)
    assert 0.3 < time_ratio("vanishing_time_fix_orthogonal", seed) < 0.8

    lstm = time_ratio("vanishing_time_fix_lstm", seed)
    # 10^-3.7 to 10^-4.5: "some 10⁵ to 10⁹ times more than the RNN's" (10^4.9 to 10^8.9)
    assert -5 <= shown(lstm) <= -4 and lstm > 10**4.5 * time_ratio("vanishing_time_problem", seed)
    fitted = trained("vanishing_time_fix_lstm", seed, steps=300, eval_every=25)
    assert learned_at(fitted) is not None and learned_at(fitted) <= 100  # 25 to 75

    adam = trained("vanishing_time_fix_adam", seed, steps=600, eval_every=25)
    assert time_ratio("vanishing_time_fix_adam", seed) == time_ratio("vanishing_time_problem", seed)  # the same start
    assert learned_at(adam) is not None and learned_at(adam) <= 500  # "a few hundred steps": 50 to 250
    # the recurrent matrix grew: spectral radius 0.56-0.67 at the start, 1.54-1.71 after 600 steps
    assert spectral_radius(adam) > 1.2 and adam.initial_spectral_radius[0] < 0.8


def test_lesson_vanishing_time_orthogonal_learns_at_every_seed():
    """'at every seed 0 to 4 the error is 0% within a few dozen steps and stays there ... at the
    lesson's seed 1 it starts at 100%': learned at step 1 to 25, 0.000 to 0.001 from then on."""
    runs = [trained("vanishing_time_fix_orthogonal", seed, eval_every=25) for seed in SEEDS]
    for run in runs:
        learned = learned_at(run)
        assert learned is not None and learned <= 100
        assert all(e.val_error < LEARNED for e in run.evaluations if e.step >= learned)
    assert runs[1].evaluations[0].val_error > 0.95  # step 1 at seed 1: 1.000


def test_lesson_vanishing_time_lstm_with_sgd_does_not_learn_either():
    """The LSTM fix's text: with plain SGD at lr 0.1 the LSTM does not learn within 1,500 steps."""
    run = Run(config("vanishing_time_fix_lstm", 1, optimizer="sgd", lr=0.1, steps=1500, eval_every=500))
    for _ in run:
        pass
    assert final(run)[1] > 0.35  # 0.48 to 0.52 at seeds 0-4


@functools.cache
def exploding_time_runs(name: str, seed: int) -> tuple[Run, float, int]:
    """(the run evaluated every 100 steps, its largest global gradient norm, how many steps clipping shortened)."""
    run = Run(config(name, seed, eval_every=100))
    records = list(run)
    norms = np.array([r.total_norm for r in records])
    return run, float(np.nanmax(np.where(np.isfinite(norms), norms, np.nan))), count_clipped(norms, [r.clipped_norm for r in records])


def test_lesson_exploding_time():
    assert_presets("exploding_time", "exploding_time_problem", "exploding_time_fix_clip", "exploding_time_fix_gain")
    at_chance = 0
    for seed in SEEDS:
        # 600 to 6,000 times t = 50's reaches t = 1: 10^2.8 to 10^3.8
        assert 1e2 < time_ratio("exploding_time_problem", seed) < 1e5
        problem, peak, _ = exploding_time_runs("exploding_time_problem", seed)
        assert peak > 1e3  # "into the thousands and beyond": 2.4e3 to 1.3e9
        # "never learns the task: its error stays between some 20% and 50% (jumping about at some seeds)
        # and ends between 35% and 50%" at seeds 1-4 (ends 0.36 to 0.49; lowest after step 100 0.21 to
        # 0.44); seed 0 learns
        later = [e.val_error for e in problem.evaluations if e.step > 100]
        at_chance += final(problem)[1] > 0.3 and min(later) > 0.15
        clipped, _, n_clipped = exploding_time_runs("exploding_time_fix_clip", seed)
        assert time_ratio("exploding_time_fix_clip", seed) == time_ratio("exploding_time_problem", seed)  # as red
        assert clipped.status is RunStatus.COMPLETED and n_clipped > 0  # 16 to 84 steps clipped
        assert final(clipped)[1] < LEARNED  # 0.00 at every seed
        assert 0.3 < time_ratio("exploding_time_fix_gain", seed) < 0.8  # about half
        gain = trained("exploding_time_fix_gain", seed, eval_every=25)
        assert (learned_at(gain) or math.inf) <= 100 and final(gain)[1] < LEARNED  # learned at step 1 to 25
    assert at_chance >= 3  # "at 4 of the 5 seeds"
    # "at the lesson's seed 1, from step 2 on the rows from t = 1 to about t = 30 are grey": step 1 has
    # no exact zero; steps 2 to 4 have 28 to 31 leading ones
    first = Run(config("exploding_time_problem", 1, steps=4, n_val=100))
    records = list(first)
    assert (records[0].time_rms > 0).all()
    for record in records[1:]:
        assert 20 <= int(np.argmax(record.time_rms != 0)) <= 40 and not record.time_rms[:20].any()
    # at the lesson's seed, after the jump nearly every unit is saturated and nothing reaches back
    problem, _, _ = exploding_time_runs("exploding_time_problem", 1)
    assert problem.evaluations[-1].layers.saturated_frac[0] > 0.9  # 0.997


@pytest.mark.parametrize("seed", SEEDS)
def test_lesson_lstm_forget(seed):
    assert_presets("lstm_forget", "lstm_forget_problem", "lstm_forget_fix_one", "lstm_forget_fix_three")
    zero = time_ratio("lstm_forget_problem", seed)
    assert -12 <= shown(zero) <= -10  # "10⁻¹⁰ to 10⁻¹²" on screen: 10^-10.0 to 10^-11.1
    one = time_ratio("lstm_forget_fix_one", seed)
    assert -5 <= shown(one) <= -4 and one > 1e5 * zero  # "10⁻⁴ to 10⁻⁵" (10^-3.7 to 10^-4.5): a million times more
    assert 0.3 < time_ratio("lstm_forget_fix_three", seed) < 3  # as large as at t = 50: 10^-0.0 to 10^0.3
    fixed = trained("lstm_forget_fix_one", seed, steps=300, eval_every=25)
    assert (learned_at(fixed) or math.inf) <= 100  # 25 to 75
    three = trained("lstm_forget_fix_three", seed, steps=100, eval_every=25)
    assert (learned_at(three) or math.inf) <= 50  # 1 to 25
    # "Once it has learned, the rows toward t = 1 fade: by step 50 the gradient at t = 1 is a hundredth
    # of t = 50's or less": 10^-1.9 to 10^-2.6 (10^-0.0 to 10^0.3 at step 1)
    faded = list(Run(config("lstm_forget_fix_three", seed, steps=50, n_val=100, eval_every=50)))[-1].time_rms
    assert -3 <= shown(faded[0] / faded[-1]) <= -2


def test_lesson_lstm_forget_is_slow_or_stuck_with_bias_zero():
    """'at 2 of the 5 seeds the error is still about 50% after 1,000 steps, at the others it takes
    150 to 500 steps': the seed-by-seed outcome is chaotic, so this checks the pattern: none
    learns as fast as bias 1 does, and at least one is stuck at the end."""
    for seed in SEEDS:
        early = trained("lstm_forget_problem", seed, steps=125, eval_every=25)
        assert learned_at(early) is None  # not within 100 steps: it takes 150 to 475 where it learns
    # stuck at chance after 1,000 steps at seeds 2 and 3 (0.52, 0.49): at least one of them
    stuck = [final(trained("lstm_forget_problem", seed, eval_every=100))[1] > 0.35 for seed in (2, 3)]
    assert any(stuck)
