"""The publisher's slow work (the sitemap's changes, a new search index), run in
a separate process at a lower priority: in a thread it would hold the
interpreter lock that page publishing needs.

Importable before Django is set up: a spawned process unpickles these
functions first and sets Django up in `setup` afterwards.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any


def setup() -> None:
    os.nice(10)
    import django

    django.setup()


def job(home: Path, index_due: bool) -> tuple[str, Any] | None:
    """The sitemap's changes, else (when due) a new search index."""
    from django.db import close_old_connections

    from altavoz.editions import publish

    try:
        found = publish.build_sitemap(home)
        if found is not None:
            return "sitemap", found
        built = publish.build_index(home) if index_due else None
        return ("index", built) if built is not None else None
    finally:
        close_old_connections()
