"""Feeds and sitemaps use the same published-article fixtures as the pages."""

from tests.newsroom.conftest import other_section, publish  # noqa: F401
