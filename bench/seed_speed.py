"""How fast `altavoz seed` writes articles, into a throw-away SQLite home.

    .venv/bin/python bench/seed_speed.py [ARTICLES] [--seed S] [--keep]

Prints articles/s. A measurement for docs/BENCHMARKS.md, not a test: it passes
or fails nothing. Set ALTAVOZ_DATABASE_URL to measure PostgreSQL instead (that
database is written to, so point it at a scratch one).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("articles", nargs="?", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the home directory")
    args = parser.parse_args(argv)

    home = Path(tempfile.mkdtemp(prefix="altavoz-seed-bench-"))
    os.environ["ALTAVOZ_HOME"] = str(home)
    os.environ["DJANGO_SETTINGS_MODULE"] = "altavoz.settings"
    from altavoz.home import initialise

    initialise(home)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from rich.console import Console

    from altavoz.newsroom.seed import seed

    console = Console(stderr=True)
    try:
        call_command("migrate", interactive=False, verbosity=0)
        started = time.perf_counter()
        report = seed(articles=args.articles, seed_value=args.seed, console=console)
        total = time.perf_counter() - started
        connection.close()
        size = sum(p.stat().st_size for p in home.glob("*.sqlite3*"))
        console.print(report.summary())
        print(f"database: {connection.vendor}, {size / 1e6:.0f} MB on disk" if size else
              f"database: {connection.vendor}")
        print(f"seed_speed: {report.articles} articles in {total:.1f} s = "
              f"{report.articles / total:.0f} articles/s")
    finally:
        if args.keep:
            print(f"kept {home}")
        else:
            shutil.rmtree(home, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    sys.exit(main())
