"""Editions: the whole public site as signed, content-addressed data
(docs/EDITIONS.md). build.py makes them, store.py keeps them, export.py and
verify.py hand them to mirrors and check them."""
