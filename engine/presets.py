"""Named presets: partial configurations stored as TOML in resources/presets/.

A preset file holds any configuration keys (flat or in sections) and an optional [about] table
with `title` and `title_zh`, shown in the app's Presets menu.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.config import Config, ConfigError, flatten

RESOURCES = Path(__file__).resolve().parent.parent / "resources"
PRESET_DIR = RESOURCES / "presets"


@dataclass(frozen=True)
class Preset:
    name: str
    title: str
    title_zh: str
    settings: dict[str, Any]  # flat {key: value}, validated

    def apply(self, base: Config | None = None) -> Config:
        return (base or Config()).replace(**self.settings)


def preset_names() -> list[str]:
    return sorted(p.stem for p in PRESET_DIR.glob("*.toml"))


def load_preset(name: str) -> Preset:
    path = PRESET_DIR / f"{name}.toml"
    if not path.is_file():
        names = ", ".join(preset_names()) or "(none installed)"
        raise ConfigError(f"unknown preset {name!r}; presets are: {names} (list them with `vanishing-point presets`)")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"preset {name!r} cannot be read ({path}): {exc}") from None
    about = data.pop("about", {})
    flat = flatten(data, source=f"preset {name!r}")
    config = Config(**flat)  # validates every value
    settings = {k: getattr(config, k) for k in flat}
    return Preset(name, about.get("title", name), about.get("title_zh", about.get("title", name)), settings)
