"""The heatmap's words for each view it shows: the layers' weight gradient or back-propagated
signal, or a recurrent run's gradient through time, on the absolute or the relative scale. Kept
apart from the view's mechanics; they keep the view's translation context, GradientHeatmapView,
in which their translations live."""

from __future__ import annotations

from dataclasses import dataclass

from qtpy.QtCore import QCoreApplication


def _tr(text: str) -> str:
    return QCoreApplication.translate("GradientHeatmapView", text)


@dataclass(frozen=True)
class ViewWords:
    second_button: str  # the toggle's second view: the signal, or through time
    second_tooltip: str
    relative_button: str  # the relative scale: to the output layer, or to t = T
    relative_tooltip: str
    rows: str  # the left axis
    unit: str  # the colour bar
    profile_unit: str  # the profile's bottom axis


def view_words(timed: bool, second: bool, relative: bool) -> ViewWords:
    """`timed`: a recurrent run; `second`: its second view is shown (the signal, or through time);
    `relative`: each row relative to the top row."""
    time_view = timed and second
    if timed:
        button = _tr("Through time ∂L/∂h_t")
        tooltip = _tr("RMS of the per-sample gradient of the loss with respect to the top layer's state h_t at each "
                      "time step t, every path through later steps included")
    else:
        button = _tr("Back-propagated signal ∂L/∂s")
        tooltip = _tr("RMS of the per-sample gradient of the loss with respect to each layer's pre-activation")
    if time_view:
        unit = _tr("log10 (÷ t = T)") if relative else _tr("log10 RMS ∂L/∂h_t")
        return ViewWords(
            button, tooltip, _tr("Relative to t = T"),
            _tr("Each cell divided by the last time step's value at the same training step: how much of the "
                "gradient reaches each step back"),
            _tr("time step t"), unit, _tr("÷ t = T (log10)") if relative else _tr("now (log10)"),
        )
    if relative:
        unit = _tr("log10 (÷ output layer)")
    else:
        unit = _tr("log10 RMS ∂L/∂s") if second else _tr("log10 ‖∇W‖")
    return ViewWords(
        button, tooltip, _tr("Relative to output layer"),
        _tr("Each cell divided by the output layer's value at the same step: small everywhere because the loss "
            "is small reads pale; a vanishing share for the input layers reads blue"),
        _tr("layer (1 = input)"), unit, _tr("now ÷ out") if relative else _tr("now (log10)"),
    )


def theory_note(timed: bool, second: bool, chi_known: bool, time_slope_known: bool) -> str:
    """The line under the heatmap: what the view shows against the theory, or why there is none."""
    if timed:
        if not second:
            return _tr("A recurrent layer's ‖∇W‖ adds up its gradient over every time step: the view through time "
                       "shows which steps it comes from.")
        if not time_slope_known:
            return _tr("t = T (top) is the last step, next to the loss. No theory line here: the prediction covers a linear "
                       "rnn with orthogonal or identity recurrent weights.")
        return _tr("Dashed green: the prediction at initialization. A linear rnn whose recurrent weights are "
                   "init_gain × an orthogonal matrix multiplies ∂L/∂h_t by init_gain at each step back "
                   "(Saxe et al. 2013; Le et al. 2015).")
    if not second:
        return _tr("‖∇W‖ = the signal ∂L/∂s × the layer's input, so the two can differ (Glorot & Bengio 2010): "
                   "the signal view shows the signal, and the theory.")
    if not chi_known:
        return _tr("Mean-field theory does not apply here (batch norm, skip connections, zero weights or one hidden layer).")
    return _tr("Dashed green: the mean-field prediction at initialization, each layer multiplying the signal's mean square by "
               "χ = σ_w²·E[φ′(h)²] (Poole et al. 2016; Schoenholz et al. 2017).")


def zero_value() -> str:
    """The hover's value for a cell of exactly 0, in place of '0' or '10⁻⁷'."""
    return _tr("0 exactly (no gradient)")


def legend(zero_rgb: tuple[int, int, int], not_finite_rgb: tuple[int, int, int], zero_rows: str, time_view: bool) -> str:
    """The line under the heatmap: the two colours off the scale (a swatch of each), and the rows
    the profile shows at exactly 0 ('1–6', or '' for none)."""
    zero, not_finite = ("#{:02x}{:02x}{:02x}".format(*rgb) for rgb in (zero_rgb, not_finite_rgb))
    text = f'<span style="color:{zero}">■</span> {_tr("exactly 0 (no gradient)")}'
    if zero_rows:  # the profile's grey marks: which rows, in the fewest words (one line at 1280 px)
        if time_view:
            note = _tr(": t = {0} now")
        elif "–" in zero_rows or "," in zero_rows:
            note = _tr(": layers {0} now")
        else:
            note = _tr(": layer {0} now")
        text += note.format(zero_rows)
    return text + f' &nbsp;&nbsp; <span style="color:{not_finite}">■</span> {_tr("not finite")}'
