"""The guided lessons: their content loads in both languages, and every claim they make holds.

Each lesson (resources/lessons/) names a problem preset and fix presets and tells the learner
what to look at. The claim tests below train those presets for real, at the preset's own seed,
and assert the lesson's claim with a stated margin; the measured value at the time of writing is
in the comment beside each margin. Runs are pinned to the CPU so that the numbers are
reproducible (the app may train on a GPU, where the curves differ in detail), and some are
shortened with Config.replace(steps=...) where the claim shows early.
"""

from __future__ import annotations

import functools
import math
import re
from pathlib import Path

import numpy as np
import pytest
import torch

from engine import Config, Evaluation, Run, RunStatus, StepRecord
from engine.config import ConfigError
from engine.crossval import compare
from engine.lessons import LANGUAGES, Lesson, load_lesson, load_lessons
from engine.presets import load_preset, preset_names

CJK = re.compile(r"[\u4e00-\u9fff]")


# --- helpers ----------------------------------------------------------------------------------
def config(name: str, **changes) -> Config:
    """The preset's full configuration, on the CPU, with optional shortening."""
    return load_preset(name).apply().replace(device="cpu", **changes)


@functools.cache
def trained(name: str, steps: int | None = None) -> Run:
    """The preset trained to its end (or to `steps`); cached because lessons share presets."""
    run = Run(config(name) if steps is None else config(name, steps=steps))
    for _ in run:
        pass
    return run


@functools.cache
def first_step(name: str) -> StepRecord:
    """Step 1 of the preset: gradient norms and the back-propagated signal at initialization."""
    return Run(config(name, steps=1, n_val=100)).step()


def ratio(values: np.ndarray) -> float:
    """Layer 1 over the output layer."""
    return float(values[0] / values[-1])


def at_step(run: Run, step: int) -> Evaluation:
    return next(e for e in run.evaluations if e.step == step)


def hidden_dead(evaluation: Evaluation) -> float:
    """Mean dead fraction over the hidden layers."""
    return float(np.mean(evaluation.layers.dead_frac[:-1]))


def final(run: Run) -> tuple[float, float]:
    """(train error, validation error) at the last evaluation."""
    last = run.evaluations[-1]
    return last.train_error, last.val_error


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
def test_lesson_vanishing():
    assert_presets("vanishing", "vanishing_problem", "vanishing_fix_relu_he")
    problem, fix = first_step("vanishing_problem"), first_step("vanishing_fix_relu_he")
    # layer 1 gets ~10 orders of magnitude less gradient than the output layer (measured 7.9e-11)
    assert ratio(problem.grad_norms) < 1e-6
    assert ratio(problem.signal_rms) < 1e-6  # the back-propagated signal itself (3.0e-11)
    # with ReLU + He the gradient reaching layer 1 is of the output layer's order (0.37; signal 0.20)
    assert ratio(fix.grad_norms) > 1e-1
    assert ratio(fix.signal_rms) > 1e-1
    # the problem never gets off chance; the fix separates the circles within 200 steps
    stuck = trained("vanishing_problem")
    assert min(e.train_error for e in stuck.evaluations) > 0.45  # 0.48
    assert min(e.val_error for e in stuck.evaluations) > 0.45  # 0.49
    works = trained("vanishing_fix_relu_he", steps=200)
    assert final(works)[1] < 0.1  # 0.02


def test_lesson_dying_relu():
    assert_presets(
        "dying_relu", "dying_relu_problem", "dying_relu_fix_leaky", "dying_relu_fix_prelu", "dying_relu_fix_small_lr"
    )
    problem = trained("dying_relu_problem")
    # the dead-unit count climbs from ~10% to about half within 150 steps (0.10 -> 0.49)
    assert hidden_dead(problem.evaluations[0]) < 0.2
    assert hidden_dead(at_step(problem, 150)) > 0.4 and hidden_dead(problem.evaluations[-1]) > 0.4
    # in this run the last hidden layer dies completely, and the error stays at chance (0.48)
    assert problem.evaluations[-1].layers.dead_frac[-2] == 1.0
    assert final(problem)[0] > 0.4
    for name in ("dying_relu_fix_leaky", "dying_relu_fix_prelu"):
        fix = trained(name)
        # a leaky or parametric unit always keeps a slope, so none ever counts as dead
        assert max(np.max(e.layers.dead_frac[:-1]) for e in fix.evaluations) == 0.0, name
        assert final(fix)[0] < 0.1 and final(fix)[1] < 0.15, name  # leaky 0.00/0.04, prelu 0.00/0.04
    small = trained("dying_relu_fix_small_lr")
    assert max(hidden_dead(e) for e in small.evaluations) < 0.25  # peak 0.18
    assert final(small)[0] < 0.05  # 0.00 (validation 0.08)


def test_lesson_exploding():
    assert_presets("exploding", "exploding_problem", "exploding_fix_clip", "exploding_fix_he")
    problem = trained("exploding_problem")
    assert problem.status is RunStatus.DIVERGED and problem.diverged_at <= 10  # step 3
    start = first_step("exploding_problem")
    assert start.loss > 100  # 603
    assert start.grad_norms.min() > 100  # every row is bright: 530 to 7200
    assert ratio(start.signal_rms) > 100  # the signal grows toward the input (400x)

    clipped = trained("exploding_fix_clip", steps=500)
    assert clipped.status is RunStatus.COMPLETED
    losses = [e.train_loss for e in clipped.evaluations]
    assert all(math.isfinite(v) for v in losses)
    assert losses[-1] < losses[0] / 5  # falls (313 -> 31 by step 500) ...
    assert losses[-1] > 5  # ... from a huge start: still far from trained

    he = first_step("exploding_fix_he")
    assert abs(he.loss - math.log(2)) < 0.2  # 0.72
    assert he.grad_norms.max() < 1  # 0.79
    cured = trained("exploding_fix_he")
    assert cured.status is RunStatus.COMPLETED
    assert final(cured)[0] < 0.15  # 0.05


def test_lesson_initialization():
    assert_presets(
        "initialization", "init_zeros", "init_too_small", "init_too_large", "init_xavier_tanh", "init_he_relu"
    )
    # zeros: every unit of a layer stays identical; with tanh every gradient is exactly zero
    zeros = trained("init_zeros", steps=300)
    for linear in zeros.model.linears[:-1]:
        weight = linear.weight.detach()
        assert torch.equal(weight, weight[:1].expand_as(weight))  # all rows the same
        assert not weight.any()  # and still zero: nothing moved
    assert not first_step("init_zeros").grad_norms.any()
    assert final(zeros)[0] > 0.45  # 0.48

    # too small: the signal shrinks ~10x per layer and every gradient is tiny
    small = first_step("init_too_small")
    assert ratio(small.signal_rms) < 1e-6  # 2.9e-9
    assert small.grad_norms.max() < 1e-6  # 8.2e-9
    assert final(trained("init_too_small", steps=1000))[0] > 0.3  # 0.36: no better than a line

    # too large: saturated tanh units, gradients growing toward the input
    large = Run(config("init_too_large", steps=1, n_val=100))
    record = large.step()
    assert ratio(record.signal_rms) > 10  # 26
    assert ratio(record.grad_norms) > 10  # 22
    assert np.mean(record.evaluation.layers.saturated_frac[:-1]) > 0.4  # 0.55

    # the right scale for each activation: level signal, and the spiral is learned
    for name in ("init_xavier_tanh", "init_he_relu"):
        record = first_step(name)
        assert 0.1 < ratio(record.signal_rms) < 10, name  # xavier 0.19, he 0.29
        assert final(trained(name, steps=1000))[0] < 0.1, name  # xavier 0.02, he 0.00

    # too large fits the training points but generalizes worse than Xavier (0.22 vs 0.06)
    assert final(trained("init_too_large"))[1] > final(trained("init_xavier_tanh"))[1] + 0.1


def test_lesson_batch_norm():
    assert_presets("batch_norm", "vanishing_problem", "batch_norm_sigmoid")
    stuck = trained("vanishing_problem")
    normalized = trained("batch_norm_sigmoid")
    record = first_step("batch_norm_sigmoid")
    assert 0.1 < ratio(record.grad_norms) < 10  # 1.9, against 7.9e-11 without
    assert ratio(record.signal_rms) > 0.1  # 4.7
    # the same sigmoid network now learns the circles: 0.03 against 0.51 without
    assert final(normalized)[1] < 0.1
    assert final(stuck)[1] > 0.45
    assert at_step(normalized, 250).val_error < 0.15  # a few hundred steps suffice (0.05 at step 250)


def test_lesson_residual():
    assert_presets("residual", "residual_problem", "residual_fix_skip")
    plain = first_step("residual_problem")
    # activations and signal both shrink ~0.4x per layer: every gradient ~1e-21
    assert plain.grad_norms.max() < 1e-12  # 5.3e-21
    assert ratio(plain.signal_rms) < 1e-12  # 1.4e-21
    stuck = trained("residual_problem", steps=400)
    assert min(e.train_error for e in stuck.evaluations) > 0.45  # 0.48

    skip = first_step("residual_fix_skip")
    assert ratio(skip.signal_rms) > 1  # the identity path carries the signal back (620)
    learns = trained("residual_fix_skip", steps=400)
    assert final(learns)[0] < 0.15  # 0.06 at step 400 (0.01 at step 800)


def test_lesson_underfitting():
    assert_presets("underfitting", "underfitting_problem", "underfitting_fix_deeper", "underfitting_fix_wider")
    train_error, val_error = final(trained("underfitting_problem"))
    assert train_error > 0.3 and val_error > 0.3  # 0.43 / 0.46: both high ...
    assert abs(val_error - train_error) < 0.1  # ... and close together
    deeper = final(trained("underfitting_fix_deeper", steps=750))
    assert deeper[0] < 0.05 and deeper[1] < 0.1  # 0.025 / 0.037
    wider = final(trained("underfitting_fix_wider"))
    assert wider[0] < 0.1 and wider[1] < 0.15  # 0.025 / 0.066


def test_lesson_overfitting():
    assert_presets(
        "overfitting",
        "overfitting_problem",
        "overfitting_fix_l2",
        "overfitting_fix_l1",
        "overfitting_fix_dropout",
        "overfitting_fix_early_stopping",
        "overfitting_fix_more_data",
    )
    problem = trained("overfitting_problem")
    train_error, val_error = final(problem)
    best_val = min(e.val_error for e in problem.evaluations)
    assert train_error < 0.1  # 0.04: the noise is memorized
    assert val_error - train_error > 0.15  # gap 0.24
    assert val_error - best_val > 0.1  # validation error turned up: 0.12 at step 90 -> 0.28

    for name in ("overfitting_fix_l2", "overfitting_fix_l1", "overfitting_fix_dropout", "overfitting_fix_more_data"):
        fix_train, fix_val = final(trained(name))
        assert fix_val - fix_train < 0.05, name  # gaps: l2 -0.12, l1 -0.10, dropout 0.00, more data -0.16
        assert fix_val < val_error - 0.08, name  # val: l2 0.14, l1 0.14, dropout 0.18, more data 0.08
    assert final(trained("overfitting_fix_more_data"))[1] < 0.1  # 0.08
    assert hidden_dead(trained("overfitting_fix_l1").evaluations[-1]) > 0.4  # L1 switches whole units off: 0.69

    stopped = trained("overfitting_fix_early_stopping")
    assert stopped.status is RunStatus.EARLY_STOPPED  # at step 290
    assert stopped.summary()["best_val_error"] < val_error - 0.1  # 0.12 at step 90, against 0.28


def test_lesson_optimizers():
    assert_presets("optimizers", "optimizer_sgd", "optimizer_momentum", "optimizer_rmsprop", "optimizer_adam")
    loss = {}
    for name in ("optimizer_sgd", "optimizer_momentum", "optimizer_rmsprop", "optimizer_adam"):
        run = trained(name)
        assert run.status is RunStatus.COMPLETED
        loss[name] = run.evaluations[-1].train_loss
        assert loss[name] < run.evaluations[0].train_loss, name  # every one of them trains
    # same network, same start, same lr: after 1000 steps sgd 0.60, momentum 0.22, rmsprop 0.010, adam 0.013
    assert loss["optimizer_sgd"] > 0.5
    assert loss["optimizer_momentum"] < loss["optimizer_sgd"] - 0.2
    assert loss["optimizer_rmsprop"] < 0.1 and loss["optimizer_adam"] < 0.1
    # Adam is the fastest here: 0.0099 at step 500 against RMSProp's 0.058
    assert at_step(trained("optimizer_adam"), 500).train_loss < at_step(trained("optimizer_rmsprop"), 500).train_loss


def test_lesson_model_selection():
    assert_presets("model_selection", "overfitting_problem", "selection_small")
    large_train, large_val = final(trained("overfitting_problem"))
    small_train, small_val = final(trained("selection_small"))
    # training error picks the large network (0.04 vs 0.27) ...
    assert large_train < small_train - 0.15
    # ... the validation set picks the small one, with less than half the error (0.12 vs 0.28)
    assert small_val < large_val / 2
    # 5-fold cross-validation on the 100 training points agrees, by less and noisily: mean
    # validation error 0.22 against 0.30; per fold (small - large) 0, -0.15, -0.05, -0.05, -0.15
    folds = compare(config("overfitting_problem", n_val=100), config("selection_small", n_val=100), 5)
    assert folds.paired
    assert folds.mean_difference < -0.03
    assert sum(d < 0 for d in folds.differences) >= 3
