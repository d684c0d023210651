"""Sites to build editions of: a small one made in the test database (so the
build runs on SQLite and PostgreSQL alike), and a seeded home made with the
real `altavoz` command, once per test run, for tests that run the command."""

from __future__ import annotations

import functools
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from altavoz.attachments import storage
from altavoz.attachments.models import Attachment
from altavoz.editions import store
from altavoz.newsroom.models import Article, ModerationEntry, Section, Tag
from altavoz.people.models import User
from tests.conftest import make_article, make_user

ALTAVOZ = [sys.executable, "-m", "altavoz.cli"]
# A PNG small enough to write inline; the build copies it, it never decodes it.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n" + b"0" * 400


@dataclass
class SmallSite:
    es: Article  # published, with a cover, a PDF, a tag and an English translation
    en: Article
    hidden: Article
    scheduled: Article
    draft: Article
    author: User
    tag: Tag
    pdf_name: str


def make_small_site() -> SmallSite:
    section = Section.objects.create(slug="news", names={"es": "Noticias", "en": "News"})
    author = make_user("ana", display_name="Ana Pérez")
    es = make_article(author, section, title="Asamblea campesina en El Valle",
                      status=Article.Status.PUBLISHED)
    es.cover = default_storage.save("covers/2026/11/0123456789abcdef01234567.png",
                                    ContentFile(PNG))
    es.cover_alt = "Una asamblea"
    es.save()
    en = make_article(author, section, title="Peasant assembly in El Valle", language="en",
                      status=Article.Status.PUBLISHED, group=es.group)
    tag = Tag.objects.create(slug="tierra", name="tierra")
    es.tags.add(tag)
    hidden = make_article(author, section, title="Un texto retirado",
                          status=Article.Status.HIDDEN, hidden_reason="Datos personales.")
    ModerationEntry.objects.create(article=hidden, action=ModerationEntry.Action.HIDE,
                                   reason="Datos personales.", actor_role="editor")
    scheduled = make_article(author, section, title="Anuncio para mañana",
                             status=Article.Status.PUBLISHED,
                             published_at=timezone.now() + timedelta(days=1))
    draft = make_article(author, section, title="Borrador privado")
    key = storage.new_key()
    pdf_name = storage.name_for(key, "pdf")
    storage.write({pdf_name: PDF})
    Attachment.objects.create(
        article=es, kind=Attachment.Kind.DOCUMENT, key=key, title="Acta de la asamblea",
        file=pdf_name, content_type="application/pdf", size=len(PDF), pages=1,
    )
    return SmallSite(es=es, en=en, hidden=hidden, scheduled=scheduled, draft=draft,
                     author=author, tag=tag, pdf_name=pdf_name)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def blobs_on_disk(home: Path) -> set[str]:
    found: set[str] = set()
    for directory in (store.root(home) / store.BLOBS).glob("??"):
        found.update(os.listdir(directory))
    return found


def temporary_files(home: Path) -> list[Path]:
    return [p for p in store.root(home).rglob(f"{store.TEMP_PREFIX}*")]


# --- the real command, in a subprocess ---------------------------------------------


def run(home: Path, *args: str, env: dict[str, str] | None = None, timeout: int = 120,
        ) -> subprocess.CompletedProcess:
    return subprocess.run([*ALTAVOZ, *args], env=command_env(home, env), capture_output=True,
                          text=True, timeout=timeout)


def command_env(home: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k != "DJANGO_SETTINGS_MODULE" and not k.startswith("ALTAVOZ_")}
    env.update({"ALTAVOZ_HOME": str(home), "ALTAVOZ_DATABASE_URL": "", "LANG": "en_GB.UTF-8",
                # Small listing pages, so that a 40-article site has archive pages too.
                "ALTAVOZ_PAGE_SIZE": "5"})
    env.update(extra or {})
    return env


@functools.cache
def seeded_template() -> tuple[Path, subprocess.CompletedProcess]:
    """`altavoz init`, `seed --articles 40`, `build`, once per test run (SQLite):
    (the home, what `build` printed). Read it only; seeded_home() gives a copy."""
    home = Path(tempfile.mkdtemp(prefix="altavoz-edition-")) / "home"
    for args in (("init",), ("seed", "--articles", "40"), ("build",)):
        result = run(home, *args)
        assert result.returncode == 0, f"altavoz {' '.join(args)}: {result.stderr[-3000:]}"
    return home, result


def seeded_home(target: Path) -> Path:
    """A private copy of the seeded, built home, to change at will."""
    home = target / "home"
    shutil.copytree(seeded_template()[0], home, symlinks=True)
    return home
