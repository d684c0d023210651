"""`python -m altavoz.shield`: run an edge by hand (the CLI's `serve` will run it later)."""

from __future__ import annotations

import argparse
import contextlib
import sys
from pathlib import Path

from altavoz.config import ConfigError
from altavoz.shield.server import run
from altavoz.shield.settings import from_env


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m altavoz.shield",
        description="Serve the current edition from memory and forward dynamic requests "
                    "to the origin. Other settings: ALTAVOZ_EDGE_* (docs/SETTINGS.md).")
    parser.add_argument("--listen", help="HOST:PORT (default: ALTAVOZ_LISTEN or 127.0.0.1:8000)")
    parser.add_argument("--home", type=Path, help="ALTAVOZ_HOME (default ./var)")
    parser.add_argument("--origin", help="origin HOST:PORT, unix:/path, or 'none' "
                        "(default: ALTAVOZ_EDGE_ORIGIN or 127.0.0.1:8001)")
    args = parser.parse_args(argv)
    try:
        settings = from_env(args.home.resolve() if args.home else None, args.listen, args.origin)
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    with contextlib.suppress(KeyboardInterrupt):
        run(settings=settings)
    return 0


if __name__ == "__main__":
    sys.exit(main())
