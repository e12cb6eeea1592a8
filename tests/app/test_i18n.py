"""The interface in Simplified Chinese: every visible string is translated, and the menu switches."""

from __future__ import annotations

import re

from qtpy.QtWidgets import QAbstractButton, QComboBox, QDockWidget, QGroupBox, QLabel, QTabWidget, QToolBar, QWidget

from desktop_app import i18n
from engine.config import KEYS, Activation, Dataset, Device, Init, ModelFamily, Optimizer

# words that stay as they are in Chinese text: names, notation, configuration values
TECHNICAL = {
    "Vanishing", "Point", "ReLU", "Leaky", "PReLU", "ELU", "SELU", "GELU", "SiLU", "He", "Xavier", "Glorot",
    "LeCun", "Adam", "AdamW", "RMSProp", "SGD", "Nesterov", "Momentum", "Dropout", "TOML", "PNG", "CSV", "RMS",
    "log", "tanh", "sigmoid", "softsign", "MSE", "max", "PyTorch", "Bengio", "Ioffe", "Szegedy", "Pascanu",
    "BatchNorm", "Softmax", "English", "Chinese",  # a language is named in its own language (and in English)
    "LSTM", "GRU", "Elman", "Saxe", "Gers", "Jozefowicz", "h_t",  # the recurrent families, their sources and ∂L/∂h_t
} | {m.value for enum in (Activation, Dataset, Device, Init, ModelFamily, Optimizer) for m in enum} | set(KEYS)
ENGLISH_WORD = re.compile(r"[A-Za-z][A-Za-z_]{2,}")


def visible_texts(window) -> list[str]:
    texts = [window.menuBar().actions()[i].text() for i in range(len(window.menuBar().actions()))]
    for menu_action in window.menuBar().actions():
        texts += [a.text() for a in menu_action.menu().actions() if a.text()]
    for widget in window.findChildren(QWidget):
        if isinstance(widget, (QLabel, QAbstractButton)):
            texts.append(widget.text())
        elif isinstance(widget, QGroupBox):
            texts.append(widget.title())
        elif isinstance(widget, QDockWidget):
            texts.append(widget.windowTitle())
        elif isinstance(widget, QTabWidget):
            texts += [widget.tabText(i) for i in range(widget.count())]
        elif isinstance(widget, QComboBox) and widget.objectName() == "speed":
            texts += [widget.itemText(i) for i in range(widget.count())]
    for toolbar in window.findChildren(QToolBar):
        texts += [a.text() for a in toolbar.actions()]
    for plot in (window.heatmap.plot, window.heatmap.profile, *window.curves.plots.values()):
        texts += [plot.getAxis(side).labelText for side in ("left", "bottom")]
    return [t for t in texts if t]


def untranslated(texts: list[str]) -> list[str]:
    bad = []
    for text in texts:
        plain = re.sub(r"&\w+;", " ", re.sub(r"<[^>]+>", " ", text))  # no tags, no entities
        words = [w for w in ENGLISH_WORD.findall(plain) if w not in TECHNICAL and w.lower() not in TECHNICAL]
        if words:
            bad.append(text)
    return bad


def test_every_string_of_the_chinese_interface_is_translated(qtbot, settings):
    from desktop_app.window import MainWindow

    assert i18n.compiled_catalog("zh_CN") is not None
    w = MainWindow(settings=settings, language="zh_CN")
    qtbot.addWidget(w)
    w.lessons.picker.setCurrentIndex(0)  # a lesson's text and fix buttons are shown too
    w.state.restart_timer.stop()
    texts = visible_texts(w)
    assert len(texts) > 80
    assert untranslated(texts) == []
    assert "控制面板" in [d.windowTitle() for d in w.findChildren(QDockWidget)]
    w.controller.shutdown()


def test_the_english_interface_walk_finds_english(qtbot, settings):
    """The check above can fail: on the English window it reports the untranslated strings."""
    from desktop_app.window import MainWindow

    w = MainWindow(settings=settings, language="en")
    qtbot.addWidget(w)
    assert len(untranslated(visible_texts(w))) > 50


def test_language_menu_rebuilds_the_window_in_chinese(make_window, qtbot):
    w = make_window()
    w.switch_language("zh_CN")
    new = w.replacement
    qtbot.addWidget(new)
    qtbot.waitUntil(lambda: new.history is not None, timeout=20000)
    assert new.config == w.config
    assert [a.text() for a in new.menuBar().actions()][0] == "文件(&F)"
    assert new.settings.value("language") == "zh_CN"
    new.switch_language("en")
    newer = new.replacement
    qtbot.addWidget(newer)
    assert [a.text() for a in newer.menuBar().actions()][0] == "&File"
    newer.close()


def test_messages_from_the_file_and_teaching_actions_are_translated(qtbot, settings):
    """FileActions and TeachingActions translate their messages under MainWindow's context."""
    from desktop_app.window import MainWindow

    w = MainWindow(settings=settings, language="zh_CN")
    w.setProperty("quiet", True)
    qtbot.addWidget(w)
    w.files.save_session()  # nothing to save yet: a warning from FileActions
    assert "还没有可保存的训练" in w.statusBar().currentMessage()
    w.teaching.pin()  # nothing to pin yet: a warning from TeachingActions
    assert "还没有可固定的训练" in w.statusBar().currentMessage()
    w.state.restart_timer.stop()


def test_a_system_without_a_chinese_font_is_told_what_to_install(make_window, monkeypatch):
    """Without a font that has Chinese characters the whole window would be boxes. The app
    registers its shipped subset then; should that be missing too, the window says so, in
    English, with the package to install and the way back to English."""
    from qtpy.QtGui import QFontDatabase

    i18n.ensure_fonts()
    has_font = bool(QFontDatabase.families(QFontDatabase.WritingSystem.SimplifiedChinese))
    # a system font, or else the shipped subset registered in its place: never boxes
    assert has_font or "zh_CN" in i18n._registered
    assert i18n.missing_font("zh_CN") is False
    assert i18n.missing_font("en") is False
    monkeypatch.setattr(i18n, "missing_font", lambda lang: lang == "zh_CN")
    w = make_window(language="zh_CN")
    message = w.statusBar().currentMessage()
    assert "fonts-noto-cjk" in message and "English" in message
    assert "(Chinese)" in i18n.LANGUAGES["zh_CN"]  # the menu entry stays readable too


def test_the_shipped_chinese_font_covers_every_character_the_app_uses():
    """A system without a Chinese font gets the shipped subset (resources/fonts): every Chinese
    character of the translations, lessons, presets and code must be in it. When this fails,
    rebuild the subset: `python resources/fonts/build.py` (its docstring says how)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("font_build", i18n.FONT_DIR / "build.py")
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    font = i18n.SHIPPED_FONTS["zh_CN"]
    assert font.exists() and (i18n.FONT_DIR / "OFL.txt").exists()
    covered = _cmap(font.read_bytes())
    missing = sorted(ch for ch in build.used_characters() if ord(ch) not in covered)
    assert not missing, f"not in {font.name}: {''.join(missing)} (run python resources/fonts/build.py)"


def _cmap(data: bytes) -> set[int]:
    """Code points of an OpenType font's Unicode cmap (format 4 and 12 subtables), read with
    the standard library so that the test needs no font package."""
    import struct

    n_tables = struct.unpack(">H", data[4:6])[0]
    tables = {data[12 + 16 * i : 16 + 16 * i]: struct.unpack(">II", data[20 + 16 * i : 28 + 16 * i]) for i in range(n_tables)}
    base = tables[b"cmap"][0]
    n_sub = struct.unpack(">H", data[base + 2 : base + 4])[0]
    points: set[int] = set()
    for i in range(n_sub):
        offset = base + struct.unpack(">I", data[base + 8 + 8 * i : base + 12 + 8 * i])[0]
        fmt = struct.unpack(">H", data[offset : offset + 2])[0]
        if fmt == 4:
            seg2 = struct.unpack(">H", data[offset + 6 : offset + 8])[0]
            ends = struct.unpack(f">{seg2 // 2}H", data[offset + 14 : offset + 14 + seg2])
            starts = struct.unpack(f">{seg2 // 2}H", data[offset + 16 + seg2 : offset + 16 + 2 * seg2])
            for start, end in zip(starts, ends):
                points.update(range(start, end + 1))
        elif fmt == 12:
            groups = struct.unpack(">I", data[offset + 12 : offset + 16])[0]
            for g in range(groups):
                start, end, _ = struct.unpack(">III", data[offset + 16 + 12 * g : offset + 28 + 12 * g])
                points.update(range(start, end + 1))
    return points


def test_the_watchdogs_messages_are_translated(qtbot, settings):
    """A training process that stopped answering is reported in the interface's language."""
    from desktop_app.window import MainWindow

    w = MainWindow(settings=settings, language="zh_CN")
    qtbot.addWidget(w)
    for detail, words in (("stopped 5", "训练进程被暂停"), ("blocked 5", "训练进程停止响应")):
        w.state.problem = ("stalled", detail)
        w._show_problem()
        text = w.problem_label.text()
        assert words in text and "5 秒" in text and "重新开始训练" in text, text
    w.state.restart_timer.stop()
    w.controller.shutdown()
