"""Guided lessons: content stored as TOML in resources/lessons/, one file per lesson.

A lesson file is named `NN_id.toml` (NN gives the order). It names a problem preset and one or
more fix presets (resources/presets/) and carries its text in several languages, English
required::

    id = "vanishing"
    problem = "vanishing_problem"
    [title]                 # also [look] (one line: what to watch) and [text] (paragraphs)
    en = "Vanishing gradients"
    zh = "梯度消失"
    [[fixes]]
    preset = "vanishing_fix_relu_he"
    [fixes.label]           # the button text
    en = "Apply: ReLU + He init"
    [fixes.text]            # what the fix changes
    en = "..."

This module only reads and checks the files; it imports no Qt. Every fix preset is a complete
preset, applied on top of the defaults like the problem preset, not on top of the problem.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.config import ConfigError
from engine.presets import RESOURCES, preset_names

LESSON_DIR = RESOURCES / "lessons"
LANGUAGES = ("en", "zh")  # the languages every shipped lesson is written in; en is the fallback
FALLBACK = "en"

_FILE_NAME = re.compile(r"^(\d{2})_([a-z0-9_]+)\.toml$")
_TEXT_FIELDS = ("title", "look", "text")
_LESSON_KEYS = frozenset({"id", "problem", "fixes", *_TEXT_FIELDS})
_FIX_KEYS = frozenset({"preset", "label", "text"})
_CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")  # CJK ideographs and full-width punctuation


def language_code(lang: str) -> str:
    """'zh_CN', 'zh-Hans' and 'ZH' all read as 'zh' (Qt's locale names carry a region)."""
    return re.split(r"[-_]", lang.strip(), maxsplit=1)[0].lower()


def pick(texts: dict[str, str], lang: str) -> str:
    """The text in `lang`, or in English where that language is missing."""
    return texts.get(language_code(lang)) or texts[FALLBACK]


@dataclass(frozen=True)
class Fix:
    preset: str  # the complete preset this fix applies (on top of the defaults)
    label: dict[str, str]  # {language: button text}
    text: dict[str, str]  # {language: what this fix changes, 1-3 sentences}

    def t(self, field: str, lang: str = FALLBACK) -> str:
        """`field` ('label' or 'text') in `lang`, falling back to English."""
        return pick(getattr(self, field), lang)


@dataclass(frozen=True)
class Lesson:
    id: str  # stable identifier, the part of the file name after NN_
    order: int  # NN of the file name: lessons are shown in this order
    problem: str  # the preset that shows the pathology
    title: dict[str, str]  # {language: title}
    look: dict[str, str]  # {language: one line, what to watch on screen}
    text: dict[str, str]  # {language: paragraphs separated by blank lines}
    fixes: tuple[Fix, ...]

    def t(self, field: str, lang: str = FALLBACK) -> str:
        """`field` ('title', 'look' or 'text') in `lang`, falling back to English."""
        return pick(getattr(self, field), lang)

    def paragraphs(self, lang: str = FALLBACK) -> list[str]:
        """The text as paragraphs (split at blank lines), each wrapped paragraph joined into one line."""
        blocks = re.split(r"\n\s*\n", self.t("text", lang).strip())
        return [_join_lines(block.splitlines()) for block in blocks if block.strip()]

    @property
    def presets(self) -> tuple[str, ...]:
        """The problem preset, then each fix's preset."""
        return (self.problem, *(fix.preset for fix in self.fixes))


def _join_lines(lines: list[str]) -> str:
    """Join wrapped lines with a space, or with nothing between Chinese characters, which are
    written without spaces."""
    text = ""
    for line in (line.strip() for line in lines):
        if not line:
            continue
        if text and not (_CJK.match(text[-1]) or _CJK.match(line[0])):
            text += " "
        text += line
    return text


def lesson_files(directory: Path | None = None) -> list[Path]:
    return sorted((directory or LESSON_DIR).glob("*.toml"))


def load_lessons(directory: Path | None = None) -> list[Lesson]:
    """Every lesson in `directory` (resources/lessons/ by default), sorted by order.

    Raises ConfigError naming the file for a malformed lesson, a preset that does not exist, or
    two lessons with the same order or id."""
    presets = set(preset_names())
    lessons = [load_lesson(path, presets) for path in lesson_files(directory)]
    for attr in ("order", "id"):
        seen: dict[Any, str] = {}
        for lesson in lessons:
            value = getattr(lesson, attr)
            if value in seen:
                raise ConfigError(f"lessons {seen[value]!r} and {lesson.id!r} have the same {attr} {value!r}")
            seen[value] = lesson.id
    return sorted(lessons, key=lambda lesson: lesson.order)


def load_lesson(path: Path, presets: set[str] | None = None) -> Lesson:
    """One lesson file; `presets` are the preset names that exist (looked up when None)."""
    match = _FILE_NAME.match(path.name)
    if not match:
        raise ConfigError(f"lesson file {path.name!r}: the name must be NN_id.toml, for example 01_vanishing.toml")
    order, file_id = int(match.group(1)), match.group(2)
    where = f"lesson {path.name}"
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{where}: cannot be read: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{where}: not valid TOML ({exc})") from None
    _check_keys(data, _LESSON_KEYS, where)

    lesson_id = _string(data, "id", where)
    if lesson_id != file_id:
        raise ConfigError(f"{where}: id = {lesson_id!r} does not match the file name (expected id = {file_id!r})")
    known = presets if presets is not None else set(preset_names())
    problem = _preset(data, "problem", where, known)
    texts = {name: _texts(data, name, where) for name in _TEXT_FIELDS}

    raw_fixes = data.get("fixes")
    if not isinstance(raw_fixes, list) or not raw_fixes or not all(isinstance(f, dict) for f in raw_fixes):
        raise ConfigError(f"{where}: needs at least one [[fixes]] table with preset, label and text")
    fixes = []
    for i, raw in enumerate(raw_fixes, start=1):
        fix_where = f"{where}, fix {i}"
        _check_keys(raw, _FIX_KEYS, fix_where)
        fixes.append(
            Fix(
                preset=_preset(raw, "preset", fix_where, known),
                label=_texts(raw, "label", fix_where),
                text=_texts(raw, "text", fix_where),
            )
        )
    return Lesson(lesson_id, order, problem, texts["title"], texts["look"], texts["text"], tuple(fixes))


def _check_keys(data: dict[str, Any], allowed: frozenset[str], where: str) -> None:
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise ConfigError(f"{where}: unknown key {unknown[0]!r}; allowed keys: {', '.join(sorted(allowed))}")


def _string(data: dict[str, Any], key: str, where: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{where}: {key} must be a non-empty string")
    return value.strip()


def _preset(data: dict[str, Any], key: str, where: str, known: set[str]) -> str:
    name = _string(data, key, where)
    if name not in known:
        raise ConfigError(
            f"{where}: {key} = {name!r} is not a preset; presets are: {', '.join(sorted(known)) or '(none installed)'}"
        )
    return name


def _texts(data: dict[str, Any], key: str, where: str) -> dict[str, str]:
    """A {language: text} table with a non-empty English entry."""
    table = data.get(key)
    if not isinstance(table, dict):
        raise ConfigError(f'{where}: [{key}] must be a table of texts by language, for example {key}.en = "..."')
    texts: dict[str, str] = {}
    for lang, value in table.items():
        if not isinstance(value, str) or not value.strip():
            raise ConfigError(f"{where}: {key}.{lang} must be a non-empty string")
        texts[language_code(lang)] = value.strip()
    if FALLBACK not in texts:
        raise ConfigError(f"{where}: {key} has no English text ({key}.{FALLBACK})")
    return texts
