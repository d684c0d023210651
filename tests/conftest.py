"""Shared fixtures: people in each role, sections, and a signed-in editor
who has passed TOTP (the only kind of editor that may act)."""

from __future__ import annotations

import pytest
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from altavoz.newsroom.models import Article, Section, TranslationGroup
from altavoz.people.models import Membership, Organization, User

PASSWORD = "correct horse battery staple"


def make_user(username: str, role: str = User.Role.CONTRIBUTOR, **extra) -> User:
    user = User(username=username, role=role, **extra)
    user.set_password(PASSWORD)
    user.save()
    return user


def totp_device(user: User) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="phone", confirmed=True)


def current_code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def make_article(author: User | None, section: Section, title: str = "Asamblea campesina",
                 language: str = "es", status: str = Article.Status.DRAFT, **extra) -> Article:
    from django.utils import timezone
    from django.utils.text import slugify

    group = extra.pop("group", None) or TranslationGroup.objects.create()
    article = Article(
        group=group, language=language, title=title, slug=extra.pop("slug", slugify(title)),
        lede=extra.pop("lede", "Resumen del artículo."),
        body=extra.pop("body", "Texto con **negritas**."), section=section, author=author,
        status=status, **extra,
    )
    if status in {Article.Status.PUBLISHED, Article.Status.HIDDEN} and not article.published_at:
        article.published_at = timezone.now()
    article.save()
    return article


@pytest.fixture(autouse=True)
def _empty_cache():
    """Throttle counters live in the cache; no test inherits another's."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _default_language():
    """A request under /en/ leaves English active in this thread; start each test fresh."""
    from django.utils import translation

    yield
    translation.deactivate()


@pytest.fixture
def section(db) -> Section:
    return Section.objects.create(slug="news", names={"es": "Noticias", "en": "News"}, position=1)


@pytest.fixture
def contributor(db) -> User:
    return make_user("ana")


@pytest.fixture
def trusted(db) -> User:
    return make_user("berta", User.Role.TRUSTED)


@pytest.fixture
def editor(db) -> User:
    return make_user("carmen", User.Role.EDITOR)


@pytest.fixture
def organization(db, contributor) -> Organization:
    org = Organization.objects.create(
        slug="consejo-comunal-el-valle", name="Consejo Comunal El Valle",
        kind=Organization.Kind.COMMUNAL_COUNCIL, verified=True,
    )
    Membership.objects.create(organization=org, user=contributor, role=Membership.Role.PUBLISHER)
    return org


@pytest.fixture
def editor_client(editor) -> Client:
    """A client signed in as an editor who has entered a valid TOTP code."""
    client = Client()
    device = totp_device(editor)
    response = client.post(
        "/es/account/login/", {"username": editor.username, "password": PASSWORD}
    )
    assert response.status_code == 302, response.content[:500]
    response = client.post("/es/account/two-factor/", {"code": current_code(device)})
    assert response.status_code == 302, response.content[:500]
    return client


@pytest.fixture
def contributor_client(contributor) -> Client:
    client = Client()
    client.force_login(contributor)
    return client
