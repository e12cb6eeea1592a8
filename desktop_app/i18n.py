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

from engine import RESOURCES

I18N_DIR = RESOURCES / "i18n"
CATALOG = "vanishing_point"
#: language code -> its name in that language (menu entries are never translated); Chinese also
#: says "Chinese", which stays readable on a system whose fonts show the characters as boxes
LANGUAGES = {"en": "English", "zh_CN": "简体中文 (Chinese)"}
#: languages whose script needs fonts that a system may lack: code -> QFontDatabase writing system name
SCRIPTS = {"zh_CN": "SimplifiedChinese"}

_installed: list[QTranslator] = []


def system_language() -> str:
    return "zh_CN" if QLocale.system().name().lower().startswith("zh") else "en"


def chosen_language(settings: QSettings) -> str:
    lang = settings.value("language")
    return lang if lang in LANGUAGES else system_language()


FONT_DIR = RESOURCES / "fonts"
#: a subset of an openly licensed font for each script a system may lack (resources/fonts/build.py)
SHIPPED_FONTS = {"zh_CN": FONT_DIR / "NotoSansSC-subset.otf"}
_registered: dict[str, str] = {}  # language -> family of the shipped font registered for it


def ensure_fonts() -> None:
    """Register the shipped font of each script that no installed font covers, once, and put
    it at the end of the application font's families, where Qt looks for characters the main
    font lacks. A system with its own Chinese font keeps it. Needs a QGuiApplication."""
    from qtpy.QtGui import QFontDatabase, QGuiApplication

    for lang, path in SHIPPED_FONTS.items():
        if lang in _registered or not missing_font(lang) or not path.exists():
            continue
        font_id = QFontDatabase.addApplicationFont(str(path))
        families = QFontDatabase.applicationFontFamilies(font_id) if font_id >= 0 else []
        if families:
            _registered[lang] = families[0]
    if _registered:
        font = QGuiApplication.font()
        wanted = [f for f in _registered.values() if f not in font.families()]
        if wanted:
            font.setFamilies([*(font.families() or [font.family()]), *wanted])
            QGuiApplication.setFont(font)


def missing_font(lang: str) -> bool:
    """True when `lang` needs a script that no installed font covers: its text would render as
    boxes. Needs a QGuiApplication."""
    script = SCRIPTS.get(lang)
    if script is None:
        return False
    from qtpy.QtGui import QFontDatabase

    return lang not in _registered and not QFontDatabase.families(getattr(QFontDatabase.WritingSystem, script))


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
