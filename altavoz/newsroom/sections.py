"""The sections a new site starts with; admins rename or add more in /manage/."""

from __future__ import annotations

from altavoz.newsroom.models import Section

DEFAULT_SECTIONS = [
    ("news", {"es": "Noticias", "en": "News"}),
    ("opinion", {"es": "Opinión", "en": "Opinion"}),
    ("analysis", {"es": "Análisis", "en": "Analysis"}),
    ("communiques", {"es": "Comunicados", "en": "Communiqués"}),
    ("international", {"es": "Internacional", "en": "International"}),
    ("movements", {"es": "Movimientos", "en": "Movements"}),
]


def ensure_default_sections() -> int:
    """Create the default sections on an empty site; return how many were made."""
    if Section.objects.exists():
        return 0
    Section.objects.bulk_create(
        Section(slug=slug, names=names, position=i)
        for i, (slug, names) in enumerate(DEFAULT_SECTIONS)
    )
    return len(DEFAULT_SECTIONS)
