"""How fast full-text search answers, on a seeded throw-away SQLite home.

    .venv/bin/python bench/search_latency.py [ARTICLES] [--queries Q] [--seed S] [--keep]
    .venv/bin/python bench/search_latency.py --home DIR   # reuse a kept, seeded home

Seeds ARTICLES articles (default 100,000) with altavoz.newsroom.seed, builds the
index (prints articles/s), then runs Q realistic queries (default 200): Spanish
and English words taken from the seeded titles, with and without accents, in
capitals, as phrases, with filters. Prints p50/p95/p99 in ms for the backend
query alone and for the whole results page. A measurement for
docs/BENCHMARKS.md, not a test. The target: p95 <= 50 ms at 100,000 on SQLite.
Set ALTAVOZ_DATABASE_URL to measure PostgreSQL instead (a scratch database!).
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path


def percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)

    def at(p: float) -> float:
        return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]

    return (f"p50 {at(50):6.1f} ms  p95 {at(95):6.1f} ms  p99 {at(99):6.1f} ms  "
            f"max {ordered[-1]:6.1f} ms  mean {statistics.fmean(ordered):6.1f} ms")


def make_queries(count: int, rng: random.Random) -> list[dict]:
    """Queries as readers would type them, built from words of the seeded titles."""
    from altavoz.newsroom.models import Article, Section
    from altavoz.search.text import STOP_WORDS, normalize

    listed = sorted(Article.objects.listed().values_list("pk", flat=True))
    picked_ids = rng.sample(listed, k=min(2000, len(listed)))  # same seed, same queries
    titles = list(Article.objects.filter(pk__in=picked_ids).order_by("pk")
                  .values_list("title", "language"))
    sections = list(Section.objects.values_list("slug", flat=True))
    vocabulary: dict[str, list[str]] = {"es": [], "en": []}
    for title, lang in titles:
        for word in title.replace(",", " ").replace(":", " ").split():
            word = word.strip("¿?¡!.;«»\"'()")
            if len(word) > 3 and normalize(word) not in STOP_WORDS and not word.isdigit():
                vocabulary.setdefault(lang, []).append(word)
    queries = []
    for n in range(count):
        lang = "es" if rng.random() < 0.7 else "en"
        picked = rng.sample(vocabulary[lang], k=rng.choice([1, 1, 2, 2, 3]))
        text = " ".join(picked)
        style = n % 10
        if style == 1:
            text = normalize(text)  # typed without accents
        elif style == 2:
            text = text.upper()
        elif style == 3 and len(picked) > 1:
            text = f'"{text}"'
        elif style == 4:
            text += " -" + rng.choice(vocabulary[lang])
        filters: dict = {}
        if rng.random() < 0.3:
            filters["language"] = lang
        if rng.random() < 0.2:
            filters["section"] = rng.choice(sections)
        if rng.random() < 0.2:
            start = rng.randint(2024, 2026)
            filters["date_from"] = f"{start}-{rng.randint(1, 12):02d}-01"
        queries.append({"q": text, **filters})
    return queries


def run(args: argparse.Namespace) -> None:
    from datetime import date

    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from rich.console import Console

    from altavoz.newsroom.models import Article
    from altavoz.newsroom.seed import seed
    from altavoz.search.backends import get_backend
    from altavoz.search.indexing import rebuild

    console = Console(stderr=True)
    if not args.home:
        call_command("migrate", interactive=False, verbosity=0)
        report = seed(articles=args.articles, seed_value=args.seed, console=console)
        print(f"seeded {report.articles} articles in {report.seconds:.1f} s")
        started = time.perf_counter()
        indexed = rebuild(console=console)
        seconds = time.perf_counter() - started
        print(f"index: {indexed} published articles in {seconds:.1f} s = "
              f"{indexed / seconds:.0f} articles/s ({connection.vendor})")

    backend = get_backend()
    queries = make_queries(args.queries, random.Random(args.seed))
    for q in queries[:20]:  # warm the page cache and the stemmer caches
        backend.search(q["q"])
    backend_ms, page_ms, totals = [], [], []
    listed = Article.objects.listed().count()
    for q in queries:
        kwargs = {k: v for k, v in q.items() if k != "q"}
        if "date_from" in kwargs:
            kwargs["date_from"] = date.fromisoformat(kwargs["date_from"])
        started = time.perf_counter()
        results = backend.search(q["q"], **kwargs)
        backend_ms.append((time.perf_counter() - started) * 1000)
        totals.append(results.total)
    print(f"{len(queries)} queries over {listed} listed articles; matches per query: "
          f"median {statistics.median(totals):.0f}, max {max(totals)}, "
          f"zero {sum(t == 0 for t in totals)}")
    print(f"backend search: {percentiles(backend_ms)}")
    slowest = sorted(zip(backend_ms, queries, totals, strict=True), key=lambda x: -x[0])[:5]
    for ms, q, total in slowest:
        print(f"  slow: {ms:6.1f} ms  {total:6d} matches  {q}")
    client = Client()
    lang_prefix = "/es"
    for q in [] if args.no_page else queries:
        params = {("from" if k == "date_from" else k): v for k, v in q.items()}
        started = time.perf_counter()
        response = client.get(f"{lang_prefix}/search/", params)
        page_ms.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (q, response.status_code)
    if page_ms:
        print(f"results page:   {percentiles(page_ms)}")
    if connection.vendor == "sqlite":
        size = sum(p.stat().st_size for p in Path(os.environ["ALTAVOZ_HOME"]).glob("*.sqlite3*"))
        print(f"database file: {size / 1e6:.0f} MB")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("articles", nargs="?", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the home directory")
    parser.add_argument("--home", type=Path, help="a kept home: skip seeding and indexing")
    parser.add_argument("--no-page", action="store_true", help="skip the results-page timing")
    args = parser.parse_args(argv)

    home = args.home.resolve() if args.home else Path(
        tempfile.mkdtemp(prefix="altavoz-search-bench-"))
    os.environ["ALTAVOZ_HOME"] = str(home)
    os.environ["DJANGO_SETTINGS_MODULE"] = "altavoz.settings"
    os.environ.setdefault("ALTAVOZ_ALLOWED_HOSTS", "testserver,127.0.0.1")
    from altavoz.home import initialise

    initialise(home)
    import django

    django.setup()
    try:
        run(args)
    finally:
        if args.keep or args.home:
            print(f"kept {home}")
        else:
            shutil.rmtree(home, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    sys.exit(main())
