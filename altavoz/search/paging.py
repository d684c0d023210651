"""Ranked pages at a bounded cost, whatever the size of the archive.

Ranking costs per match (bm25 or ts_rank_cd must look at every matching row),
and a common word matches most of the archive: 80,000 matches at 100,000
articles took ~100 ms to rank on SQLite, and under attack anyone can ask for
common words. So relevance ranks the newest RANK_WINDOW matches (by article
id), best first; older matches follow, newest first. The total stays exact.
Every page then costs at most one ranking of RANK_WINDOW rows.

Django-free, like fts5.py: an edge answering from a standalone index uses it too.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

# ~15 ms of bm25 on SQLite (measured: bench/search_latency.py); more than anyone
# pages through (500 pages of 20), and newsrooms' readers want recent news first.
RANK_WINDOW = 10_000

Hit = TypeVar("Hit")


def windowed(
    *,
    window: Callable[[int], tuple[int, int | None]],
    count: Callable[[], int],
    ranked: Callable[[int, int, int], list[Hit]],
    older: Callable[[int, int, int], list[Hit]],
    limit: int,
    offset: int,
    size: int = RANK_WINDOW,
) -> tuple[int, list[Hit]]:
    """(total, hits) for one page.

    window(size) -> (how many of the newest `size` matches there are, lowest id among them)
    count() -> every match (asked only when the window is full)
    ranked(lowest_id, limit, offset) -> best first, among ids >= lowest_id
    older(below_id, limit, offset) -> newest first, among ids < below_id
    """
    in_window, lowest = window(size)
    if not in_window or lowest is None:
        return 0, []
    total = in_window if in_window < size else count()
    hits: list[Hit] = []
    if offset < in_window:
        hits = ranked(lowest, limit, offset)
    if len(hits) < limit and total > in_window:
        hits += older(lowest, limit - len(hits), max(0, offset - in_window))
    return total, hits
