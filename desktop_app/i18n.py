"""Interface languages: Qt translators for the window's text, chosen from settings or the locale.

Translations live as Qt Linguist sources in resources/i18n/*.ts. `make install` compiles them to
.qm with pyside6-lrelease; where no .qm is found (a plain pip install), the .ts is compiled on
first use into the user's cache folder.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from qtpy.QtCore import QCoreApplication, QLibraryInfo, QLocale, QSettings, QStandardPaths, QTranslator

from engine.presets import RESOURCES

I18N_DIR = RESOURCES / "i18n"
CATALOG = "vanishing_point"
#: language code -> its name in that language (menu entries are never translated)
LANGUAGES = {"en": "English", "zh_CN": "简体中文"}

_installed: list[QTranslator] = []


def system_language() -> str:
    return "zh_CN" if QLocale.system().name().lower().startswith("zh") else "en"


def chosen_language(settings: QSettings) -> str:
    lang = settings.value("language")
    return lang if lang in LANGUAGES else system_language()


def lesson_language(lang: str) -> str:
    """The lessons' code for an interface language ('zh_CN' -> 'zh')."""
    return lang.split("_")[0]


def _lrelease() -> str | None:
    found = shutil.which("pyside6-lrelease")
    if found:
        return found
    candidate = Path(sys.executable).with_name("pyside6-lrelease")
    return str(candidate) if candidate.exists() else None


def compiled_catalog(lang: str) -> Path | None:
    """The .qm for `lang`: the one built beside the .ts, or one compiled now into the cache."""
    ts = I18N_DIR / f"{CATALOG}_{lang}.ts"
    qm = ts.with_suffix(".qm")
    if qm.exists() and qm.stat().st_mtime >= ts.stat().st_mtime:
        return qm
    if not ts.exists():
        return None
    cache = Path(QStandardPaths.writableLocation(QStandardPaths.StandardLocation.CacheLocation) or Path.home() / ".cache")
    cached = cache / "vanishing-point" / qm.name
    if cached.exists() and cached.stat().st_mtime >= ts.stat().st_mtime:
        return cached
    tool = _lrelease()
    if tool is None:
        return None
    cached.parent.mkdir(parents=True, exist_ok=True)
    done = subprocess.run([tool, str(ts), "-qm", str(cached)], capture_output=True, text=True)
    return cached if done.returncode == 0 and cached.exists() else None


def install(app: QCoreApplication, lang: str) -> bool:
    """Replace the application's translators with those of `lang`. True when the language's
    catalog loaded (English needs none)."""
    for translator in _installed:
        app.removeTranslator(translator)
    _installed.clear()
    QLocale.setDefault(QLocale(lang if lang != "en" else "en_US"))
    if lang == "en":
        return True
    ok = False
    qm = compiled_catalog(lang)
    if qm is not None:
        ours = QTranslator(app)
        ok = ours.load(str(qm))
        if ok:
            app.installTranslator(ours)
            _installed.append(ours)
    qt_own = QTranslator(app)  # Qt's own dialogs (file dialogs, message boxes)
    if qt_own.load(QLocale(lang), "qtbase", "_", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)):
        app.installTranslator(qt_own)
        _installed.append(qt_own)
    return ok
