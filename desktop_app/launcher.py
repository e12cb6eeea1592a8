"""The `vanishing-point` entry point: the engine's command line, with the app as its default."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from engine import Config, cli_main


def open_app(config: Config | None, args: argparse.Namespace) -> int:
    from desktop_app.main import launch  # Qt loads only here, never for `run` or `presets`

    return launch(config, screenshot=args.screenshot, size=args.size)


def main(argv: Sequence[str] | None = None) -> int:
    return cli_main(argv, open_app=open_app)


if __name__ == "__main__":
    sys.exit(main())
