"""Placeholder: being written."""
SITEMAPS: dict = {}
