"""The guided lessons: their content loads in both languages, and every claim they make holds.

Each lesson (resources/lessons/) names a problem preset and fix presets and tells the learner
what to look at. The claim tests below train those presets for real at seeds 0-4 (a lesson whose
effect depends on the seed fixes it in its presets and says so in its text; its seed-dependent
claims are checked at that seed, the rest at seeds 0-4), and assert the lesson's claim with a
stated margin; the range measured over the seeds is in the comment beside each margin. Runs are
pinned to the CPU so that the numbers are reproducible (the app may train on a GPU, where the
curves differ in detail), and some are shortened with Config.replace(steps=...) where the claim
shows early. A larger eval_every only measures less often (evaluation draws no random numbers), so
runs whose claims are about their end are evaluated every 100 steps to save time.

Another CPU gives the same data and initial weights but sums in another order, and training is
chaotic: after a few hundred steps its curves differ from these. The ranges in the comments are
therefore measured over several roundings of seeds 0-4: as run here, with MKL_CBWR=COMPATIBLE,
and with every initial weight nudged by a relative 1e-7 (in 12 to 20 ways for lessons 2, 4 and 5,
in 7 for the others, 16 for lesson 3's He fix). A claim about where a run ends reads where its
curve settles (the median over the second half of the run), not its last, jumpy evaluation.
"""

from __future__ import annotations

import functools
import math
import re
from pathlib import Path

import numpy as np
import pytest
import torch

from engine import Config, Evaluation, Run, RunStack, RunStatus, StepRecord
from engine.config import ConfigError
from engine.crossval import Comparison, compare
from engine.diagnosis import OVERFIT_GAP
from engine.lessons import LANGUAGES, Lesson, load_lesson, load_lessons
from engine.presets import load_preset, preset_names

CJK = re.compile(r"[\u4e00-\u9fff]")


# --- helpers ----------------------------------------------------------------------------------
SEEDS = range(5)


def config(name: str, seed: int | None = None, **changes) -> Config:
    """The preset's full configuration (at `seed`, or the preset's own), on the CPU."""
    base = load_preset(name).apply()
    return base.replace(device="cpu", **({} if seed is None else {"seed": seed}), **changes)


def trained(name: str, seed: int | None = None, steps: int | None = None, eval_every: int | None = None) -> Run:
    """The preset trained to its end (or to `steps`); cached because lessons share presets. At a
    seed of 0-4, seeds 0-4 train together as one stack of networks (engine.stack), each exactly
    the run it would be alone: a claim is tested at every seed, for little more than one's price."""
    if seed in SEEDS:
        return trained_at_every_seed(name, steps, eval_every)[seed]
    return trained_alone(name, seed, steps, eval_every)


def _changes(steps: int | None, eval_every: int | None) -> dict:
    return {k: v for k, v in (("steps", steps), ("eval_every", eval_every)) if v is not None}


@functools.cache
def trained_alone(name: str, seed: int | None, steps: int | None, eval_every: int | None) -> Run:
    run = Run(config(name, seed, **_changes(steps, eval_every)))
    for _ in run:
        pass
    return run


@functools.cache
def trained_at_every_seed(name: str, steps: int | None, eval_every: int | None) -> list[Run]:
    stack = RunStack.of([config(name, seed, **_changes(steps, eval_every)) for seed in SEEDS])
    for _ in stack:
        pass
    return stack.runs


def coarse(name: str, seed: int | None = None, steps: int | None = None) -> Run:
    """Trained, evaluated every 100 steps: for claims about the end of a run."""
    return trained(name, seed, steps, 100)


@functools.cache
def first_step(name: str, seed: int | None = None) -> StepRecord:
    """Step 1 of the preset: gradient norms and the back-propagated signal at initialization."""
    return Run(config(name, seed, steps=1, n_val=100)).step()


def ratio(values: np.ndarray) -> float:
    """Layer 1 over the output layer."""
    return float(values[0] / values[-1])


def at_step(run: Run, step: int) -> Evaluation:
    return next(e for e in run.evaluations if e.step == step)


def hidden_dead(evaluation: Evaluation) -> float:
    """Mean dead fraction over the hidden layers (what the Unit health view plots over time)."""
    return float(np.mean(evaluation.layers.dead_frac[:-1]))


def final(run: Run) -> tuple[float, float]:
    """(train error, validation error) at the last evaluation."""
    last = run.evaluations[-1]
    return last.train_error, last.val_error


def settled(run: Run, key: str = "val_error") -> float:
    """Where a curve settles: its median over the second half of the run. The last evaluation
    alone is one sample of a jumpy curve, and which jumps a run makes depends on the rounding."""
    half = run.evaluations[-1].step / 2
    return float(np.median([getattr(e, key) for e in run.evaluations if e.step > half]))


def lowest(run: Run, key: str = "val_error") -> float:
    """The lowest point of a curve: how far the run gets, whatever it does afterwards."""
    return min(getattr(e, key) for e in run.evaluations)


def weight_log10(run: Run, evaluation: Evaluation) -> np.ndarray:
    """log10 of each layer's weight-gradient norm at an evaluation: what the heatmap draws."""
    sizes = np.array([linear.weight.numel() for linear in run.model.linears])
    return np.log10(evaluation.layers.grad_rms * np.sqrt(sizes))


def lesson(lesson_id: str) -> Lesson:
    return next(item for item in load_lessons() if item.id == lesson_id)


def assert_presets(lesson_id: str, *names: str) -> None:
    """The claim test checks the presets the lesson actually shows."""
    assert lesson(lesson_id).presets == names


# --- content -----------------------------------------------------------------------------------
@pytest.mark.parametrize("name", preset_names())
def test_every_preset_loads(name):
    preset = load_preset(name)
    config = preset.apply()
    assert preset.title.strip() and preset.title_zh.strip()
    if name != "default":
        assert preset.title != name, "a preset in the Presets menu needs an [about] title"
        assert CJK.search(preset.title_zh), "title_zh should be Chinese"
    assert config.steps <= 2000, "a preset should show its effect within ~2000 steps"


@pytest.mark.parametrize("name", sorted({name for item in load_lessons() for name in item.presets}))
def test_lesson_presets_list_only_what_differs_from_the_defaults(name):
    for key, value in load_preset(name).settings.items():
        assert getattr(Config(), key) != value, f"{key} repeats the default"


def test_presets_include_default():
    assert "default" in preset_names()
    assert load_preset("default").apply() == Config()


def test_lessons_are_ordered_and_cover_the_course():
    lessons = load_lessons()
    assert [item.order for item in lessons] == list(range(1, len(lessons) + 1))
    assert [item.id for item in lessons] == [
        "vanishing",
        "dying_relu",
        "exploding",
        "initialization",
        "batch_norm",
        "residual",
        "underfitting",
        "overfitting",
        "optimizers",
        "model_selection",
        "vanishing_time",
        "exploding_time",
        "lstm_forget",
    ]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_lesson_has_its_text_in_both_languages(lang):
    names = set(preset_names())
    for item in load_lessons():
        texts = [item.t(field, lang) for field in ("title", "look", "text")]
        for fix in item.fixes:
            texts += [fix.t("label", lang), fix.t("text", lang)]
        for text in texts:
            assert text.strip(), f"{item.id}: empty {lang} text"
            if lang == "zh":
                assert CJK.search(text), f"{item.id}: the zh text is not Chinese: {text[:40]!r}"
        # the zh entries are real translations, not a fallback to English
        assert item.title.get(lang) and item.look.get(lang) and item.text.get(lang)
        assert all(fix.label.get(lang) and fix.text.get(lang) for fix in item.fixes)
        assert "\n" not in item.t("look", lang), f"{item.id}: look is one line"
        assert len(item.paragraphs(lang)) >= 2, f"{item.id}: text should have a few short paragraphs"
        assert set(item.presets) <= names
        for name in item.presets:
            load_preset(name)


# The Chinese text uses the seed's technical terms.
TERMS_ZH = {
    "vanishing": ["梯度消失", "反向传播"],
    "dying_relu": ["死亡ReLU", "Leaky ReLU", "PReLU"],
    "exploding": ["梯度爆炸", "梯度裁剪"],
    "initialization": ["Xavier", "He 初始化"],
    "batch_norm": ["批标准化"],
    "residual": ["残差", "跳跃连接"],
    "underfitting": ["欠拟合"],
    "overfitting": ["过拟合", "正则化", "早停", "Dropout"],
    "optimizers": ["动量法", "RMSProp", "Adam"],
    "model_selection": ["验证集", "交叉验证"],
}


@pytest.mark.parametrize("lesson_id", TERMS_ZH)
def test_chinese_text_uses_the_standard_terms(lesson_id):
    item = lesson(lesson_id)
    text = " ".join([item.title["zh"], item.look["zh"], item.text["zh"], *(f.text["zh"] for f in item.fixes)])
    for term in TERMS_ZH[lesson_id]:
        assert term in text, f"{lesson_id}: zh text lacks {term!r}"


def test_text_falls_back_to_english():
    item = lesson("vanishing")
    assert item.t("title", "zh") == "梯度消失"
    assert item.t("title", "zh_CN") == item.t("title", "zh-Hans") == "梯度消失"
    assert item.t("title", "fr") == item.t("title", "en") == "Vanishing gradients"
    assert item.fixes[0].t("label", "de") == item.fixes[0].t("label")


def test_paragraphs_join_wrapped_lines(tmp_path):
    write_lesson(tmp_path, text='en = """First line\nwrapped.\n\nSecond."""\nzh = """第一段\n接着写。\n\n第二段。"""')
    item = load_lessons(tmp_path)[0]
    assert item.paragraphs("en") == ["First line wrapped.", "Second."]
    assert item.paragraphs("zh") == ["第一段接着写。", "第二段。"]


# --- malformed lesson files -------------------------------------------------------------------
GOOD = """
id = "{lesson_id}"
problem = "{problem}"
[title]
en = "Title"
zh = "标题"
[look]
en = "Look here."
[text]
{text}
[[fixes]]
preset = "{fix}"
[fixes.label]
en = "Apply"
[fixes.text]
en = "It changes this."
"""


def write_lesson(
    folder: Path,
    name="01_sample.toml",
    lesson_id="sample",
    problem="vanishing_problem",
    fix="vanishing_fix_relu_he",
    text='en = "Para one.\\n\\nPara two."',
    body=None,
) -> Path:
    path = folder / name
    content = body if body is not None else GOOD.format(lesson_id=lesson_id, problem=problem, fix=fix, text=text)
    path.write_text(content, encoding="utf-8")
    return path


def test_a_minimal_lesson_loads(tmp_path):
    write_lesson(tmp_path)
    (item,) = load_lessons(tmp_path)
    assert (item.id, item.order, item.problem) == ("sample", 1, "vanishing_problem")
    assert item.t("look", "zh") == "Look here."  # no zh: English
    assert item.fixes[0].preset == "vanishing_fix_relu_he"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"problem": "no_such_preset"}, "'no_such_preset' is not a preset"),
        ({"fix": "no_such_fix"}, "'no_such_fix' is not a preset"),
        ({"name": "1_sample.toml"}, "NN_id.toml"),
        ({"lesson_id": "other"}, "does not match the file name"),
        ({"text": 'zh = "只有中文"'}, "no English text"),
        ({"text": 'en = ""'}, "text.en must be a non-empty string"),
        ({"body": 'id = "sample"\nproblem = "vanishing_problem"\n[title\n'}, "not valid TOML"),
        ({"body": 'id = "sample"\nproblem = "vanishing_problem"\ntitel = "x"\n'}, "unknown key 'titel'"),
        (
            {"body": GOOD.split("[[fixes]]")[0].format(lesson_id="sample", problem="default", text='en = "x"')},
            "at least one [[fixes]]",
        ),
    ],
)
def test_a_malformed_lesson_raises_a_clear_error(tmp_path, kwargs, message):
    write_lesson(tmp_path, **kwargs)
    with pytest.raises(ConfigError) as info:
        load_lessons(tmp_path)
    assert message in str(info.value)
    assert "sample" in str(info.value)  # names the file


def test_two_lessons_with_one_order_raise(tmp_path):
    write_lesson(tmp_path, name="01_sample.toml")
    write_lesson(tmp_path, name="01_other.toml", lesson_id="other")
    with pytest.raises(ConfigError, match="same order"):
        load_lessons(tmp_path)


def test_load_lesson_checks_presets_itself(tmp_path):
    path = write_lesson(tmp_path, problem="nope")
    with pytest.raises(ConfigError, match="is not a preset"):
        load_lesson(path)


# --- the claims ---------------------------------------------------------------------------------
@pytest.mark.parametrize("seed", SEEDS)
def test_lesson_vanishing(seed):
    assert_presets("vanishing", "vanishing_problem", "vanishing_fix_relu_he")
    problem, fix = first_step("vanishing_problem", seed), first_step("vanishing_fix_relu_he", seed)
    # layer 1 gets ~10 orders of magnitude less gradient than the output layer (2.4e-11 to 7.9e-11)
    assert ratio(problem.grad_norms) < 1e-8
    assert ratio(problem.signal_rms) < 1e-8  # the back-propagated signal itself (5.8e-12 to 3.0e-11)
    assert 0.03 < problem.grad_norms[-1] < 1  # the output layer's is healthy, around 1e-1 (0.11 to 0.41)
    # with ReLU + He layer 1 gets a gradient within about one order of the output layer's (0.065 to 0.37;
    # signal 0.17 to 0.31)
    assert ratio(fix.grad_norms) > 0.03
    assert ratio(fix.signal_rms) > 0.1
    # the problem never gets off chance; the fix separates the circles within a hundred steps
    stuck = trained("vanishing_problem", seed)
    assert min(e.train_error for e in stuck.evaluations) > 0.4  # 0.43 to 0.48
    # the diagnosis quotes dL/ds, which keeps falling: "10^-12 to 10^-13" by the end (1.2e-13 to 1.1e-12)
    assert ratio(stuck.evaluations[-1].layers.signal_rms) < 1e-11
    assert min(e.val_error for e in stuck.evaluations) > 0.45  # 0.488 to 0.516
    works = trained("vanishing_fix_relu_he", seed, steps=200)
    # "a few percent within a hundred steps": the lowest by step 100 is 0.007 to 0.012 (at step 100
    # itself 0.015 to 0.074), and the curve settles at 0.011 to 0.035
    assert min(e.val_error for e in works.evaluations if e.step <= 100) < 0.05
    assert settled(works) < 0.1


DYING_FIXES = ("dying_relu_fix_leaky", "dying_relu_fix_prelu")


@pytest.mark.parametrize("seed", SEEDS)
def test_lesson_dying_relu(seed):
    assert_presets(
        "dying_relu", "dying_relu_problem", "dying_relu_fix_leaky", "dying_relu_fix_prelu", "dying_relu_fix_small_lr"
    )
    # every preset of the lesson fixes seed 1: how much the dead units cost depends on the seed
    assert {load_preset(name).settings.get("seed") for name in lesson("dying_relu").presets} == {1}
    problem = trained("dying_relu_problem", seed, eval_every=50)
    dead = [hidden_dead(e) for e in problem.evaluations]
    # at every seed the mean dead share climbs from 10-25% "to between a third and two thirds"
    assert dead[0] < 0.3  # 0.10 to 0.24
    assert max(dead) > 0.3 and max(dead) > dead[0] + 0.15  # peak 0.35 to 0.67 (seed 0 0.35 to 0.51), rise 0.21 or more
    assert dead[-1] > 0.25  # 0.31 to 0.65
    for name in DYING_FIXES:
        # a leaky or parametric unit always keeps a slope, so none ever counts as dead
        fix = trained(name, seed, eval_every=50)
        assert max(np.max(e.layers.dead_frac[:-1]) for e in fix.evaluations) == 0.0, name
    small = trained("dying_relu_fix_small_lr", seed, eval_every=50)
    assert max(hidden_dead(e) for e in small.evaluations) < 0.3  # peak 0.17 to 0.24
    # "the training error falls to about 1% or less" (0.00 to 0.01) and stays low (settles at 0.00 to 0.04)
    assert lowest(small, "train_error") <= 0.02 and settled(small, "train_error") < 0.06
    # only at some seeds does a whole layer die and leave the network at chance. Over 22 roundings: at
    # seeds 1 and 3 always (the deadest hidden layer is 1.0 dead at the end), at seeds 0 and 4 never
    # (0.42 to 0.92), and at seed 2 in 2 of 22 ("it depends on the rounding": validation 0.17 to 0.49)
    layer_died = np.max(problem.evaluations[-1].layers.dead_frac[:-1]) == 1.0
    if seed in (1, 3):
        assert layer_died
        assert final(problem)[0] > 0.35 and settled(problem) > 0.45  # 0.43-0.48 / 0.496-0.516
    if seed in (0, 4):  # the surviving units learn part of the spiral: "validation error from about 4% to 30%"
        assert not layer_died
        assert settled(problem) < 0.35  # 0.030 to 0.265
    if seed == 1:  # the preset's seed: the last hidden layer dies and the network stays at chance
        assert dead[0] < 0.15 and hidden_dead(at_step(problem, 150)) > 0.4  # 0.10 -> 0.49 by step 150
        assert problem.evaluations[-1].layers.dead_frac[-2] == 1.0  # layer 6, the last hidden one
        assert min(final(problem)) > 0.4  # 0.48 / 0.50
        prelu = trained("dying_relu_fix_prelu", seed, eval_every=50)
        assert settled(prelu, "train_error") < 0.05 and settled(prelu) < 0.1  # 0.00 / 0.022 to 0.068


def test_lesson_dying_relu_seed_band():
    """The lesson's seed band (seeds 1-5, the problem's seed and the next four): at the end its
    validation error spans from chance to a fit; with PReLU or the smaller step it ends low."""
    from engine.band import SeedBand

    def last_band(name: str) -> tuple[float, float]:
        band = SeedBand(config(name, eval_every=100))
        assert band.seeds == (1, 2, 3, 4, 5)
        evaluation = None
        while not band.finished:
            record = band.step()
            evaluation = record.evaluation or evaluation
        return evaluation.band.of("val_error")

    lo, hi = last_band("dying_relu_problem")
    assert hi >= 0.45 and lo <= 0.1, (lo, hi)
    for fix in ("dying_relu_fix_prelu", "dying_relu_fix_small_lr"):
        lo, hi = last_band(fix)
        assert hi <= 0.15, (fix, lo, hi)


def test_lesson_dying_relu_slopes_do_not_make_the_step_safe():
    """Leaky ReLU and PReLU keep every unit alive, but lr 0.03 stays too large. "At most seeds the
    network fits the spiral", yet "the error curves jump, and a run can stall for hundreds of steps":
    over 22 roundings of seeds 0-4, the validation error settled above 0.1 in 25 of 110 leaky runs
    (0.10 to 0.33, mostly at seeds 1 and 2) and 13 of 110 PReLU runs (up to 0.45, at seeds 2 and 3),
    none of them at seed 1 with PReLU (0.022 to 0.068), the lesson's seed, checked above."""
    for name in DYING_FIXES:
        runs = [trained(name, seed, eval_every=50) for seed in SEEDS]
        # the median over seeds 0-4 of the lowest validation error: 0.034 to 0.059 (leaky), 0.028 to
        # 0.039 (prelu); "down to about 3-6%"
        assert np.median([lowest(run) for run in runs]) < 0.08, name
    # after step 300 the validation error jumps above its lowest so far: by 0.11 to 0.41 in the
    # largest jump over the ten runs
    jumps = []
    for name in DYING_FIXES:
        for seed in SEEDS:
            evaluations = trained(name, seed, eval_every=50).evaluations
            best = np.minimum.accumulate([e.val_error for e in evaluations])
            jumps += [e.val_error - low for e, low in zip(evaluations[1:], best) if e.step >= 300]
    assert max(jumps) > 0.05


@pytest.mark.parametrize("seed", SEEDS)
def test_lesson_exploding(seed):
    assert_presets("exploding", "exploding_problem", "exploding_fix_clip", "exploding_fix_he")
    problem = trained("exploding_problem", seed)
    assert problem.status is RunStatus.DIVERGED and problem.diverged_at <= 3  # step 2 at every seed
    start = first_step("exploding_problem", seed)
    assert start.loss > 100  # the untrained network's loss: 307 to 2400
    assert start.grad_norms.min() > 100  # every row is red: the smallest 370
    assert ratio(start.signal_rms) > 100  # the signal grows toward the input (290x to 670x)

    clipped = coarse("exploding_fix_clip", seed)
    assert clipped.status is RunStatus.COMPLETED
    losses = [e.train_loss for e in clipped.evaluations]
    assert all(math.isfinite(v) for v in losses)
    # "thirtyfold or more": from 155-2190 at step 1 to where it settles, 1.5-8.5 (x53 to x600)
    assert settled(clipped, "train_loss") < losses[0] / 30
    # ... "still above 1", "the training error near 40%" (settles at 0.31 to 0.48) "and the validation
    # error at chance, about 50%" (settles at 0.47 to 0.52): far from trained
    assert settled(clipped, "train_loss") > 1 and settled(clipped, "train_error") > 0.25
    assert settled(clipped) > 0.4

    he = first_step("exploding_fix_he", seed)
    assert abs(he.loss - math.log(2)) < 0.3  # 0.69 to 0.91
    assert he.grad_norms.max() < 5  # 0.31 to 3.0: of order 1, not hundreds
    cured = coarse("exploding_fix_he", seed)
    assert cured.status is RunStatus.COMPLETED
    # plain SGD trains it, "slowly and noisily": the lowest training error is 0.00 to 0.24 (seed 4
    # the slowest, 0.03 to 0.24), while where it settles ranges from 0.00 to 0.365
    assert lowest(cured, "train_error") < 0.3


def test_lesson_exploding_he_reaches_a_few_percent_at_most_seeds():
    # "the training error has dipped to a few percent at most seeds": the median over seeds 0-4 of
    # the lowest training error is 0.005 to 0.055 over 18 roundings
    assert np.median([lowest(coarse("exploding_fix_he", seed), "train_error") for seed in SEEDS]) < 0.08


@pytest.mark.parametrize("seed", SEEDS)
def test_lesson_initialization(seed):
    assert_presets(
        "initialization", "init_zeros", "init_too_small", "init_too_large", "init_xavier_tanh", "init_he_relu"
    )
    # the healthy tanh network is the default network, which the text says
    assert load_preset("init_xavier_tanh").apply() == Config()
    # zeros: every unit of a layer stays identical; with tanh every gradient is exactly zero
    zeros = coarse("init_zeros", seed, steps=300)
    for linear in zeros.model.linears[:-1]:
        weight = linear.weight.detach()
        assert torch.equal(weight, weight[:1].expand_as(weight))  # all rows the same
        assert not weight.any()  # and still zero: nothing moved
    assert not first_step("init_zeros", seed).grad_norms.any()
    assert final(zeros)[0] > 0.4  # 0.44 to 0.50

    # too small: the signal shrinks ~10x per layer and every gradient is tiny
    small = first_step("init_too_small", seed)
    assert ratio(small.signal_rms) < 1e-6  # 2.4e-9 to 4.4e-9
    assert small.grad_norms.max() < 1e-7  # 3.3e-9 to 8.2e-9
    # "the training error stays at about 30-45%, hardly better than a straight boundary" (logistic
    # regression: 0.36 to 0.41); the lowest 0.30 to 0.40, settling at 0.32 to 0.44
    too_small = coarse("init_too_small", seed)
    assert lowest(too_small, "train_error") > 0.25 and settled(too_small, "train_error") < 0.5
    # Adam grows the weights anyway: layer 1's gradient recovers after "10 to 500 steps"
    growing = Run(config("init_too_small", seed, steps=600, n_val=50, eval_every=600))
    recovery = next((r.step for r in growing if r.grad_norms[0] > 1e-4), None)
    assert recovery is not None and 5 <= recovery <= 500  # steps 177, 386-418, 89, 10, 35 at seeds 0-4

    # too large: saturated tanh units, the signal growing toward the input
    large = Run(config("init_too_large", seed, steps=1, n_val=100))
    record = large.step()
    assert ratio(record.signal_rms) > 10  # 16 to 56
    assert np.mean(record.evaluation.layers.saturated_frac[:-1]) > 0.4  # 0.50 to 0.55

    # the right scale for each activation: level signal, and the spiral is learned
    for name in ("init_xavier_tanh", "init_he_relu"):
        record = first_step(name, seed)
        assert 0.1 < ratio(record.signal_rms) < 10, name  # xavier 0.19 to 0.32, he 0.29 to 0.41
    # Xavier: "validation error down to a few percent" (lowest 0.012 to 0.054; where it settles, 0.022
    # to 0.14: the default network's curves jump, and at some roundings it learns late)
    assert lowest(coarse("init_xavier_tanh", seed)) < 0.08
    assert settled(coarse("init_he_relu", seed)) < 0.1  # 0.015 to 0.039

    # too large fits the training points ("to zero or nearly": lowest 0.000 to 0.017) ...
    too_large = coarse("init_too_large", seed)
    assert lowest(too_large, "train_error") < 0.03
    # ... but its validation error "stays at about 8-20%" (settles at 0.079 to 0.19)
    assert 0.06 < settled(too_large) < 0.25
    # "The diagnosis calls it overfitting only while validation error is more than 12 points above
    # training error, so its warning comes and goes" (4 to 7 of 20 evaluations over the line)
    gaps = [e.val_error - e.train_error for e in too_large.evaluations if e.step >= 500]
    assert any(gap > OVERFIT_GAP for gap in gaps) and any(gap <= OVERFIT_GAP for gap in gaps)
    assert 0.05 < too_large.evaluations[-1].val_error - too_large.evaluations[-1].train_error < 0.16  # 0.083 to 0.116

    # He for ReLU: pale at step 1; once it has learned the spiral "every row fades to blue together
    # in the Absolute colour mode" ("between steps 500 and 1,300 or so": the layers' median norm
    # first below 10^-2 at steps 500 to 1,300 on this grid) while "the Relative mode stays pale"
    he = coarse("init_he_relu", seed)
    medians = [(e.step, float(np.median(weight_log10(he, e)))) for e in he.evaluations]
    assert medians[0][1] > -1  # -0.07 to 0.69
    faded = next((step for step, median in medians if median < -2), None)
    assert faded is not None and 300 <= faded <= 1600
    relative = min(float(np.min(weight_log10(he, e)[:-1] - weight_log10(he, e)[-1])) for e in he.evaluations)
    assert relative > -1.5  # -0.61 to -1.05: within about a decade of the output layer, on a scale of ±8


def test_lesson_initialization_too_large_generalizes_worse():
    """The text: "averaged over seeds 0 to 4 about 12%, twice Xavier's 5% or so". At a single seed the
    two can come close (where Xavier's run jumps or learns late), so the claim is about the average."""
    too_large = np.mean([settled(coarse("init_too_large", seed)) for seed in SEEDS])  # 0.10 to 0.13
    xavier = np.mean([settled(coarse("init_xavier_tanh", seed)) for seed in SEEDS])  # 0.040 to 0.075
    assert too_large > 1.5 * xavier  # x1.7 to x3.3


@pytest.mark.parametrize("seed", SEEDS)
def test_lesson_batch_norm(seed):
    assert_presets("batch_norm", "vanishing_problem", "batch_norm_sigmoid")
    stuck = trained("vanishing_problem", seed)
    normalized = trained("batch_norm_sigmoid", seed, eval_every=50)
    record = first_step("batch_norm_sigmoid", seed)
    assert 0.1 < ratio(record.grad_norms) < 10  # 0.46 to 2.6, against 2.4e-11 to 7.9e-11 without
    assert ratio(record.signal_rms) > 0.1  # 2.6 to 4.7
    # the same sigmoid network now learns the circles: within a few hundred steps the validation error
    # dips to a few percent (first below 0.1 at step 100 to 550; the lowest by step 700 0.003 to 0.047),
    # jumpily ...
    assert min(e.val_error for e in normalized.evaluations if e.step <= 700) < 0.1
    # ... and "over the second half of the run it stays mostly below 10%" (settles at 0.026 to 0.078;
    # its last evaluation alone is 0.006 to 0.131)
    assert settled(normalized) < 0.1
    # "no row falls below a thousandth of the output layer's gradient" (every 10 steps: 10^-1.8 to
    # 10^-2.4 at worst), "most often in row 12" (the lowest row at most evaluations)
    relative = np.array(
        [weight_log10(normalized, e)[:-1] - weight_log10(normalized, e)[-1] for e in normalized.evaluations]
    )
    assert relative.min() > -3
    lowest_rows = np.bincount(relative.argmin(axis=1), minlength=relative.shape[1])
    assert lowest_rows.argmax() == relative.shape[1] - 1
    assert final(stuck)[1] > 0.45  # 0.488 to 0.516


@pytest.mark.parametrize("seed", SEEDS)
def test_lesson_residual(seed):
    assert_presets("residual", "residual_problem", "residual_fix_skip")
    plain = first_step("residual_problem", seed)
    # activations and signal both shrink ~0.4x per layer: every gradient ~1e-21
    assert plain.grad_norms.max() < 1e-12  # 2.5e-21 to 5e-20
    assert ratio(plain.signal_rms) < 1e-12  # 3.9e-22 to 3.7e-21
    stuck = trained("residual_problem", seed, steps=400, eval_every=20)
    assert min(e.train_error for e in stuck.evaluations) > 0.4  # 0.43 to 0.48
    # "about half of all units end up dead": 0.49 to 0.59 at step 400 (0.49 to 0.60 at the end)
    assert 0.4 < hidden_dead(stuck.evaluations[-1]) < 0.7
    # "at the default seed 0 [a whole layer dies] within the first 20 steps, and from then on every row is grey"
    # (a gradient of exactly 0); at seeds 1-4 no row is ever exactly 0 in these steps
    assert config("residual_problem").seed == 0
    silent = [e.step for e in stuck.evaluations if (e.layers.grad_rms == 0).all()]
    if seed == 0:
        assert silent == [e.step for e in stuck.evaluations if e.step >= 20]  # step 12, step by step
    else:
        assert silent == [] and all((e.layers.grad_rms > 0).all() for e in stuck.evaluations)

    skip = first_step("residual_fix_skip", seed)
    assert skip.loss > 100  # the sum grows block after block: 1170 to 4410
    assert ratio(skip.signal_rms) > 1  # the identity path carries the signal back (210x to 1100x)
    learns = coarse("residual_fix_skip", seed)
    assert at_step(learns, 500).train_error < 0.3  # 0.00 to 0.20 (at step 400 still 0.075 to 0.285)
    # "learns the spiral within 800 steps": its lowest training error 0.00 to 0.06; "its curves can
    # still jump": it settles at 0.00 to 0.17 (validation 0.056 to 0.22)
    assert lowest(learns, "train_error") < 0.1 and settled(learns, "train_error") < 0.25
    last = learns.evaluations[-1].layers
    assert 0.3 < hidden_dead(learns.evaluations[-1]) < 0.8  # about half the units are off: 0.55 to 0.60
    assert (last.grad_rms > 1e-9).all()  # yet every layer still gets a gradient


@pytest.mark.parametrize("seed", SEEDS)
def test_lesson_underfitting(seed):
    assert_presets("underfitting", "underfitting_problem", "underfitting_fix_deeper", "underfitting_fix_wider")
    problem = coarse("underfitting_problem", seed)
    train_error, val_error = settled(problem, "train_error"), settled(problem)
    assert train_error > 0.28 and val_error > 0.28  # "around 35-45%": 0.325 to 0.43 / 0.34 to 0.45: both high ...
    assert abs(val_error - train_error) < 0.1  # ... and close together (gap 0.015 to 0.068)
    # deeper: both errors at a few percent within a few hundred steps (and there to the end: at step
    # 1500 0.000 / 0.020 to 0.054)
    deeper = final(coarse("underfitting_fix_deeper", seed, steps=500))
    assert deeper[0] < 0.05 and deeper[1] < 0.1  # at step 500: 0.000-0.015 / 0.016-0.061
    # wider: gets there too, more slowly
    wider = coarse("underfitting_fix_wider", seed)
    slow = at_step(wider, 500)
    assert slow.train_error > 0.15 and slow.val_error > 0.15  # at step 500 still 0.19-0.26 / 0.227-0.31
    assert final(wider)[0] < 0.1 and final(wider)[1] < 0.18  # at step 1500: 0.010-0.070 / 0.056-0.143


@pytest.mark.parametrize("seed", SEEDS)
def test_lesson_overfitting(seed):
    assert_presets(
        "overfitting",
        "overfitting_problem",
        "overfitting_fix_l2",
        "overfitting_fix_l1",
        "overfitting_fix_dropout",
        "overfitting_fix_early_stopping",
        "overfitting_fix_more_data",
    )
    problem = trained("overfitting_problem", seed)
    train_error, val_error = settled(problem, "train_error"), settled(problem)
    best = min(problem.evaluations, key=lambda e: e.val_error)
    assert train_error < 0.1  # 0.01 to 0.06: the noise is memorized
    assert val_error - train_error > 0.15  # gap 0.22 to 0.30
    assert best.val_error < 0.2 and best.step <= 200  # lowest 0.12 to 0.18, at step 10 to 160
    assert val_error - best.val_error > 0.06  # then it climbs: by 0.095 to 0.16, to 0.25 to 0.33

    for name in ("overfitting_fix_l2", "overfitting_fix_l1", "overfitting_fix_dropout", "overfitting_fix_more_data"):
        fix = coarse(name, seed)
        fix_train, fix_val = settled(fix, "train_error"), settled(fix)
        # none memorizes the flipped labels: training error 0.155 to 0.28
        assert fix_train > 0.1, name
        # the gap closes: -0.16 to +0.040 (l2 -0.13 to +0.031, l1 -0.15 to +0.010, dropout -0.099 to
        # +0.040, more data -0.16 to -0.12)
        assert fix_val - fix_train < 0.08, name
        # below the problem's validation error by 0.069 to 0.23 (l2 0.069 to 0.17, l1 0.085 to 0.19,
        # dropout 0.086 to 0.16, more data 0.15 to 0.23)
        assert fix_val < val_error - 0.04, name
    l2 = coarse("overfitting_fix_l2", seed)
    assert 0.1 < settled(l2, "train_error") < 0.35 and settled(l2) < 0.26  # 0.155 to 0.28 / 0.118 to 0.213
    more = coarse("overfitting_fix_more_data", seed)
    assert 0.2 < settled(more, "train_error") < 0.3 and settled(more) < 0.14  # 0.239 to 0.262 / 0.075 to 0.119
    l1 = coarse("overfitting_fix_l1", seed).evaluations
    # L1 switches units off: the dead share rises from 0.086-0.15 at step 1 to 0.53-0.70 at the end
    assert hidden_dead(l1[-1]) > 0.4 and hidden_dead(l1[-1]) > hidden_dead(l1[0]) + 0.3

    stopped = trained("overfitting_fix_early_stopping", seed)
    assert stopped.status is RunStatus.EARLY_STOPPED  # at every seed, at step 220 to 360
    # 20 evaluations of 10 steps without a lower validation loss
    assert stopped.evaluations[-1].step - stopped.best.step == 200
    # its best validation error, 0.12 to 0.18, is below where the problem's settles by 0.093 to 0.16
    assert stopped.summary()["best_val_error"] < val_error - 0.05


@pytest.mark.parametrize("seed", SEEDS)
def test_lesson_optimizers(seed):
    assert_presets("optimizers", "optimizer_sgd", "optimizer_momentum", "optimizer_rmsprop", "optimizer_adam")
    names = ("optimizer_sgd", "optimizer_momentum", "optimizer_rmsprop", "optimizer_adam")
    runs = {name: trained(name, seed, eval_every=50) for name in names}
    loss = {}
    for name, run in runs.items():
        assert run.status is RunStatus.COMPLETED
        loss[name] = run.evaluations[-1].train_loss
        assert loss[name] < run.evaluations[0].train_loss, name  # every one of them trains
    # same network, same start, same lr: after 1000 steps
    assert 0.5 < loss["optimizer_sgd"] < 0.8  # 0.60 to 0.645
    assert 0.2 < final(runs["optimizer_sgd"])[0] < 0.45  # 0.285 to 0.375
    assert loss["optimizer_momentum"] < loss["optimizer_sgd"] - 0.2  # momentum 0.023 to 0.25: below SGD by 0.35 or more
    # rmsprop 0.00002 to 0.077 at the end; adam settles at 0.00014 to 0.021 (its last evaluation: up to 0.11)
    assert loss["optimizer_rmsprop"] < 0.15 and settled(runs["optimizer_adam"], "train_loss") < 0.05
    # torch's RMSProp starts its average of squared gradients at zero, uncorrected: its first
    # steps are up to 10x the learning rate, and the loss jumps before it falls
    # (training loss after step 1: rmsprop 2.6 to 12.1, adam 0.66 to 1.12; x2.9 to x11)
    assert runs["optimizer_rmsprop"].evaluations[0].train_loss > 2 * runs["optimizer_adam"].evaluations[0].train_loss


def test_lesson_optimizers_adam_is_the_fastest():
    """Adam's bias correction avoids RMSProp's jump, and it is ahead at step 500: over seeds 0-4 the
    median loss there is 0.0018 to 0.0049 against RMSProp's 0.022 to 0.068 (x5.5 to x31). At a single
    seed the two can swap (x0.84 to x600), so the claim is about the median."""
    at_500 = {
        name: np.median([at_step(trained(name, seed, eval_every=50), 500).train_loss for seed in SEEDS])
        for name in ("optimizer_rmsprop", "optimizer_adam")
    }
    assert at_500["optimizer_adam"] < at_500["optimizer_rmsprop"] / 2


@pytest.mark.parametrize("seed", SEEDS)
def test_lesson_model_selection(seed):
    assert_presets("model_selection", "overfitting_problem", "selection_small")
    large, small = trained("overfitting_problem", seed), coarse("selection_small", seed)
    # training error picks the large network (0.01 to 0.06 against 0.22 to 0.285) ...
    assert settled(large, "train_error") < settled(small, "train_error") - 0.1
    # ... the validation set picks the small one (0.116 to 0.182 against 0.25 to 0.33, lower by
    # 0.08 to 0.17; "11-18%" in the text)
    assert settled(small) < settled(large) - 0.05
    # 5-fold cross-validation on the 100 training points agrees, noisily: mean difference (small -
    # large) -0.13, -0.17, -0.18, -0.01 and -0.14 at seeds 0-4; per fold from -0.40 to +0.05
    folds = cross_validated(seed)
    assert folds.paired
    assert folds.mean_difference < 0.02  # the small one never loses on average
    assert max(folds.differences) - min(folds.differences) > 0.07  # the spread: 0.10 to 0.35


@functools.cache
def cross_validated(seed: int) -> Comparison:
    """5-fold cross-validation of the large network against the small one (folds of 20 points), as
    the lesson's command and the window run it: the presets' own n_val, because n_val changes which
    training labels the label noise flips (a smaller validation set gives other data)."""
    return compare(
        config("overfitting_problem", seed, eval_every=1500),
        config("selection_small", seed, eval_every=1500),
        5,
    )


def test_lesson_model_selection_cross_validation_over_seeds():
    comparisons = [cross_validated(seed) for seed in SEEDS]
    # "by 13 to 18 points on average at seeds 0, 1, 2 and 4, but by a single point at seed 3"
    differences = [c.mean_difference for c in comparisons]
    assert np.mean(differences) < -0.08  # -0.126
    assert sorted(differences)[-1] > -0.05 > sorted(differences)[-2]  # one seed (3) near a tie, the others clear
    # "the margin swings from fold to fold, from 40 points to none": the largest -0.40, the smallest 0
    folds = np.concatenate([c.differences for c in comparisons])
    assert folds.min() < -0.3 and (folds >= 0).any()
    # "at seed 3 the large network even wins a fold"
    assert max(comparisons[3].differences) > 0
