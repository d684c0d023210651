"""How fast a full edition build goes, at N seeded articles (SQLite home).

    .venv/bin/python bench/edition_build.py [ARTICLES] [--workers W] [--home DIR]
                                            [--keep] [--profile] [--brotli Q]

Seeds a throw-away home (or reuses --home, seeded before), then builds twice:
cold (every blob new: everything rendered, hashed, gzip-9'd and brotli-11'd)
and warm (nothing changed: pages rendered again, their compressed variants
reused from the previous edition). For each: paths, wall seconds, pages/s, CPU
seconds of the whole process (all threads) and pages per CPU-second, the
figure to compare per core. --profile prints the main thread's cProfile top
for the warm build (rendering). A measurement for docs/BENCHMARKS.md, not a test.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _prepare(home: Path, articles: int, seed_value: int, fresh: bool) -> None:
    os.environ["ALTAVOZ_HOME"] = str(home)
    os.environ["DJANGO_SETTINGS_MODULE"] = "altavoz.settings"
    from altavoz.home import initialise

    initialise(home)
    import django

    django.setup()
    if not fresh:
        return
    from django.core.management import call_command
    from rich.console import Console

    from altavoz.newsroom.seed import seed

    call_command("migrate", interactive=False, verbosity=0)
    started = time.perf_counter()
    report = seed(articles=articles, seed_value=seed_value, console=Console(stderr=True))
    print(f"seeded {report.articles} articles in {time.perf_counter() - started:.0f} s")


def _measure(label: str, home: Path, workers: int | None, profile: bool) -> None:
    from rich.console import Console

    from altavoz.editions import store
    from altavoz.editions.build import build

    profiler = cProfile.Profile() if profile else None
    cpu, wall = time.process_time(), time.perf_counter()
    if profiler:
        profiler.enable()
    report = build(home, console=Console(stderr=True), workers=workers)
    if profiler:
        profiler.disable()
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    manifest = store.manifest_path(home, report.edition).stat().st_size
    print(f"{label}: {report.pages:,} paths in {wall:.1f} s = {report.pages / wall:,.0f} pages/s; "
          f"CPU {cpu:.1f} s = {report.pages / cpu:,.0f} pages per CPU-second; "
          f"blobs {report.blobs_new:,} new / {report.blobs_reused:,} reused, "
          f"{report.bytes_written / 1e6:,.0f} MB written; manifest {manifest / 1e6:.1f} MB")
    if profiler:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(30)
        print(out.getvalue())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("articles", nargs="?", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=None,
                        help="compress/write threads (default: one per core)")
    parser.add_argument("--home", type=Path, help="an already seeded home to build from")
    parser.add_argument("--keep", action="store_true", help="keep the home directory")
    parser.add_argument("--profile", action="store_true", help="cProfile the warm build")
    parser.add_argument("--brotli", type=int, default=None, metavar="Q",
                        help="brotli quality to measure instead of the builder's (11)")
    args = parser.parse_args(argv)

    home = args.home or Path(tempfile.mkdtemp(prefix="altavoz-edition-bench-"))
    try:
        _prepare(home, args.articles, args.seed, fresh=args.home is None)
        from django.db import connection

        from altavoz.editions import store

        shutil.rmtree(store.root(home), ignore_errors=True)  # cold means cold
        if args.brotli is not None:
            from altavoz.editions import compress

            compress.BROTLI_QUALITY = args.brotli
        from altavoz.editions import compress

        print(f"database: {connection.vendor}; cores: {os.cpu_count()}; "
              f"workers: {args.workers or os.cpu_count()}; brotli {compress.BROTLI_QUALITY}")
        _measure("cold build", home, args.workers, profile=False)
        _measure("warm build", home, args.workers, profile=args.profile)
    finally:
        if args.keep or args.home:
            print(f"kept {home}")
        else:
            shutil.rmtree(home, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
