"""Look and small text helpers shared by the views."""

from __future__ import annotations

import pyqtgraph as pg

_SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")

TRAIN_COLOR = "#1f77b4"
VAL_COLOR = "#ff7f0e"
BEST_COLOR = "#2ca02c"
DIVERGED_COLOR = "#d62728"
CHANGE_COLOR = "#7f7f7f"


def superscript(n: int) -> str:
    return str(n).translate(_SUPERSCRIPT)


def configure_pyqtgraph() -> None:
    pg.setConfigOptions(background="w", foreground="#222222", antialias=True, )
