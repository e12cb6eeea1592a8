"""The interface in Simplified Chinese: every visible string is translated, and the menu switches."""

from __future__ import annotations

import re

from qtpy.QtWidgets import QAbstractButton, QComboBox, QDockWidget, QGroupBox, QLabel, QTabWidget, QToolBar, QWidget

from desktop_app import i18n
from engine.config import KEYS, Activation, Dataset, Device, Init, Optimizer

# words that stay as they are in Chinese text: names, notation, configuration values
TECHNICAL = {
    "Vanishing", "Point", "ReLU", "Leaky", "PReLU", "ELU", "SELU", "GELU", "SiLU", "He", "Xavier", "Glorot",
    "LeCun", "Adam", "AdamW", "RMSProp", "SGD", "Nesterov", "Momentum", "Dropout", "TOML", "PNG", "CSV", "RMS",
    "log", "tanh", "sigmoid", "softsign", "MSE", "max", "PyTorch", "Bengio", "Ioffe", "Szegedy", "Pascanu",
    "BatchNorm", "Softmax", "English",  # a language is named in its own language
} | {m.value for enum in (Activation, Dataset, Device, Init, Optimizer) for m in enum} | set(KEYS)
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
    w.lessons.list.setCurrentRow(0)  # a lesson's text and fix buttons are shown too
    w.restart_timer.stop()
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


def test_messages_from_the_window_mixins_are_translated(qtbot, settings):
    """The file and teaching mixins translate under MainWindow, the class Qt looks texts up by."""
    from desktop_app.window import MainWindow

    w = MainWindow(settings=settings, language="zh_CN")
    w.setProperty("quiet", True)
    qtbot.addWidget(w)
    w.save_session()  # nothing to save yet: a warning from FilesMixin
    assert "还没有可保存的训练" in w.statusBar().currentMessage()
    w.pin_reference()  # nothing to pin yet: a warning from TeachingMixin
    assert "还没有可固定的训练" in w.statusBar().currentMessage()
    w.restart_timer.stop()
