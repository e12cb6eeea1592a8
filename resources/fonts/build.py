"""Rebuild the Chinese font subset the app ships (resources/fonts/NotoSansSC-subset.otf).

The window is bilingual; a system without a Chinese font would show every Chinese character as
a box. The app therefore ships Noto Sans CJK SC (SIL Open Font License 1.1, see OFL.txt) cut
down to the characters its own texts use, and registers it only when no installed font covers
Simplified Chinese. tests/app/test_i18n.py fails when a text gains a character this subset
lacks; then run, on a Debian or Ubuntu machine:

    sudo apt install fonts-noto-cjk        # the source font (Debian: 1:20220127+repack1-1)
    pip install fonttools
    python resources/fonts/build.py        # or: build.py PATH/TO/NotoSansCJK-Regular.ttc

The output depends only on the source font's version and the characters, so the same inputs give
the same file.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESOURCES = HERE.parent
ROOT = RESOURCES.parent
SOURCE = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
FAMILY = "Noto Sans CJK SC"
OUTPUT = HERE / "NotoSansSC-subset.otf"
#: where the app's Chinese text lives: translations, lessons, presets, and the code's own strings
TEXT_GLOBS = ("i18n/*.ts", "lessons/*.toml", "presets/*.toml")
CODE_GLOBS = ("desktop_app/**/*.py",)


def is_wide(ch: str) -> bool:
    """Characters a Latin font lacks: CJK ideographs, punctuation, full-width forms."""
    return ord(ch) >= 0x2E80


def used_characters() -> set[str]:
    chars: set[str] = set()
    paths = [p for g in TEXT_GLOBS for p in RESOURCES.glob(g)] + [p for g in CODE_GLOBS for p in ROOT.glob(g)]
    for path in sorted(paths):
        chars |= {ch for ch in path.read_text(encoding="utf-8") if is_wide(ch)}
    return chars


def main() -> int:
    from fontTools import subset
    from fontTools.ttLib import TTCollection

    collection = TTCollection(sys.argv[1] if len(sys.argv) > 1 else str(SOURCE))
    font = next(f for f in collection.fonts if f["name"].getDebugName(1) == FAMILY)
    options = subset.Options()
    options.name_IDs = ["*"]  # keep the license and the family name
    options.name_languages = ["*"]
    options.layout_features = ["*"]
    options.notdef_outline = True
    options.recalc_timestamp = False  # the same inputs give the same bytes
    subsetter = subset.Subsetter(options)
    chars = used_characters()
    subsetter.populate(unicodes=sorted(map(ord, chars)))
    subsetter.subset(font)
    font.recalcTimestamp = False  # keep the source font's date: the same inputs give the same bytes
    font.save(str(OUTPUT))
    print(f"{OUTPUT.name}: {len(chars)} characters, {OUTPUT.stat().st_size // 1024} KiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
