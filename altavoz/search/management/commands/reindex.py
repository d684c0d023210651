"""`altavoz manage reindex`: rebuild the full-text index from the articles."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand
from rich.console import Console

from altavoz.search.indexing import rebuild


class Command(BaseCommand):
    help = ("Rebuild the search index from every published article. Needed after bulk "
            "imports that bypass the ORM's signals; harmless at any time.")

    def handle(self, *args, **options) -> None:
        console = Console(stderr=True)
        started = time.perf_counter()
        count = rebuild(console=console if options["verbosity"] > 0 else None)
        seconds = time.perf_counter() - started
        if options["verbosity"] > 0:
            rate = count / seconds if seconds > 0 else 0.0
            self.stdout.write(f"Indexed {count} articles in {seconds:.1f} s ({rate:.0f}/s).")
