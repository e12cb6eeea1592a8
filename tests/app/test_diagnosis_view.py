"""The diagnosis line words every ratio in English and shows every finding it lists in full."""

from __future__ import annotations

import re

import pytest

from desktop_app.diagnosis_view import MAX_SHOWN, DiagnosisView
from engine.diagnosis import Finding


def ratio_finding(code: str, ratio: float) -> Finding:
    return Finding(code, "info" if code == "healthy" else "warning", {"ratio": ratio, "last": 9})


@pytest.mark.parametrize(
    ("ratio", "words"),
    [
        (2.36, "2.4 times that at layer 9"),
        (24.4, "24 times that at layer 9"),
        (5300.0, "10³ times that at layer 9"),
        (1.0, "100% of that at layer 9"),
        (0.4, "40% of that at layer 9"),
        (0.013, "1% of that at layer 9"),
        (3e-8, "10⁻⁸ of that at layer 9"),
        (0.0, "0 of that at layer 9"),
    ],
)
def test_every_ratio_reads_as_english(qtbot, ratio, words):
    view = DiagnosisView()
    qtbot.addWidget(view)
    for code in ("healthy", "vanishing", "exploding"):
        text = view.sentence(ratio_finding(code, ratio))
        assert words in text, text
        # never a bare number before "of" or "that" ("receives 2.36 of the gradient")
        assert not re.search(r"\d\.\d+ (of|that)", text), text


def test_no_gradient_names_the_silent_layers_and_the_dead_layer_that_cuts_them_off(qtbot):
    view = DiagnosisView()
    qtbot.addWidget(view)

    def words(**params):
        return view.sentence(Finding("no_gradient", "warning", {"layer": 1, "last": 7, **params}))

    assert words(upto=7, dead_layer=6).startswith("Layers 1–7 receive no gradient at all: every unit of layer 6 is dead")
    assert words(upto=1, dead_layer=3).startswith("Layer 1 receives no gradient at all: every unit of layer 3 is dead")
    assert words(upto=9, dead_layer=None).startswith("Layers 1–9 receive no gradient at all: their units cannot learn")
    assert words(upto=1, dead_layer=None).startswith("Layer 1 receives no gradient at all: its units cannot learn")


def test_underfitting_names_the_flipped_labels(qtbot):
    view = DiagnosisView()
    qtbot.addWidget(view)
    params = {"train_error": 0.45, "val_error": 0.4, "label_noise": 0.2}
    assert "20% of flipped labels" in view.sentence(Finding("underfitting", "warning", params))
    assert "flipped" not in view.sentence(Finding("underfitting", "warning", {**params, "label_noise": 0.0}))


def long_findings() -> list[Finding]:
    return [
        Finding("diverged", "error", {"step": 3, "layer": 1}),
        Finding("dead", "warning", {"share": 0.5, "layer": 5, "layer_share": 1.0}),
        ratio_finding("vanishing", 1e-11),
        Finding("underfitting", "warning", {"train_error": 0.48, "val_error": 0.5, "label_noise": 0.2}),
    ]


@pytest.mark.parametrize("width", [420, 700])
def test_every_finding_shown_fits_the_label(qtbot, width):
    view = DiagnosisView()
    qtbot.addWidget(view)
    view.resize(width, 200)
    view.show()
    qtbot.waitExposed(view)
    findings = long_findings()
    view.show_findings(findings)
    text = view.label.text()
    assert text.count("<br>") == MAX_SHOWN - 1  # the most important ones, in the engine's order
    assert "exploded" in text and "dead" in text and "Underfitting" not in text
    assert view.label.height() >= view.label.heightForWidth(view.label.width())


def test_new_numbers_do_not_change_the_height(qtbot):
    """Only a text that needs more lines changes the label's height, so the window is not laid
    out again every time the numbers move."""
    view = DiagnosisView()
    qtbot.addWidget(view)
    view.resize(600, 200)
    view.show()
    qtbot.waitExposed(view)
    view.show_findings(
        [ratio_finding("vanishing", 1e-11), Finding("dead", "warning", {"share": 0.5, "layer": 5, "layer_share": 1.0})]
    )
    height = view.label.height()
    for ratio, share in [(3e-12, 0.45), (2e-11, 0.52), (1e-10, 0.48)]:
        view.show_findings(
            [
                ratio_finding("vanishing", ratio),
                Finding("dead", "warning", {"share": share, "layer": 5, "layer_share": 1.0}),
            ]
        )
        assert view.label.height() == height
    view.show_findings([])  # a new run: the resting height again
    assert view.label.height() <= height


def test_error_rates_read_as_percentages_as_in_the_lessons(qtbot):
    """The lessons write errors as 36%; a classification error does too, a regression's MSE not."""
    view = DiagnosisView()
    qtbot.addWidget(view)
    under = view.sentence(Finding("underfitting", "warning", {"train_error": 0.363, "val_error": 0.4, "label_noise": 0.0}))
    assert "36.3%" in under
    over = view.sentence(Finding("overfitting", "warning", {"train_error": 0.03, "val_error": 0.244, "regression": False}))
    assert "24.4%" in over and "3%" in over
    mse = view.sentence(Finding("overfitting", "warning", {"train_error": 0.01, "val_error": 0.08, "regression": True}))
    assert "%" not in mse and "0.08" in mse
