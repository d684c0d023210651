"""The people side of `altavoz seed`: contributors, demo accounts, organizations, tags.

Synthetic accounts get unusable passwords: nobody can sign in as them. Only the
two demo accounts have passwords, fixed and printed once, because a demo needs a
way in; `altavoz seed` says they must be changed.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import accumulate

from django.utils.text import slugify

from altavoz.newsroom import seed_corpus as corpus
from altavoz.newsroom.models import Tag
from altavoz.people.models import Membership, Organization, User

DEMO_ACCOUNTS = [
    # (username, role, password, public name): demo data, printed once when created.
    ("editora", User.Role.EDITOR, "altavoz-demo-editora", "Editora de demostración"),
    ("lector", User.Role.CONTRIBUTOR, "altavoz-demo-lector", "Lector de demostración"),
]
# One article in ~5 is by an English-speaking contributor (solidarity, translations).
ENGLISH_SHARE = 0.2
TRUSTED_EVERY = 7  # one contributor in seven publishes without review
VERIFIED_SHARE = 0.55


@dataclass
class Cast:
    """Everyone seeding made, with what article planning needs to know about them."""

    users: list[User] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)
    weights: list[float] = field(default_factory=list)
    moderators: list[User] = field(default_factory=list)
    demo_created: list[tuple[str, str, str]] = field(default_factory=list)
    demo_existing: list[str] = field(default_factory=list)


def unique(base: str, taken: set[str], limit: int) -> str:
    """`base`, or `base-2`, `base-3`…: the first one not in `taken` (which it joins)."""
    base = base[:limit].strip("-_") or "x"
    candidate, n = base, 1
    while candidate in taken:
        n += 1
        suffix = f"-{n}"
        candidate = base[: limit - len(suffix)] + suffix
    taken.add(candidate)
    return candidate


def make_people(rng: random.Random, articles: int, reference: datetime) -> Cast:
    """Contributors in every role (1 admin, 2 editors counting the demo one)."""
    existing = set(User.objects.values_list("username", flat=True))
    taken = existing | {name for name, *_ in DEMO_ACCOUNTS}
    count = max(40, min(5000, articles // 10))
    editors = 1 if "editora" not in existing else 2
    cast = Cast()
    for i in range(count):
        english = rng.random() < ENGLISH_SHARE
        first = rng.choice(corpus.FIRST_NAMES_EN if english else corpus.FIRST_NAMES_ES)
        last = rng.choice(corpus.LAST_NAMES_EN if english else corpus.LAST_NAMES_ES)
        style = rng.random()
        base = slugify(f"{first} {last}")
        if style > 0.75:
            base = f"{base[0]}{slugify(last).replace('-', '')}"
        elif style > 0.5:
            base = f"{base.replace('-', '_')}{rng.randint(10, 99)}"
        role = (User.Role.ADMIN if i == 0 else User.Role.EDITOR if i <= editors
                else User.Role.TRUSTED if i % TRUSTED_EVERY == 0 else User.Role.CONTRIBUTOR)
        bio = rng.choice(corpus.BIOS)[int(english)].format(place=rng.choice(corpus.PLACES))
        user = User(
            username=unique(base, taken, 40), role=role, display_name=f"{first} {last}",
            bio=bio, is_staff=role == User.Role.ADMIN,  # what User.save() would set
            date_joined=reference - timedelta(days=rng.randint(735, 1500)),
        )
        user.set_unusable_password()
        cast.users.append(user)
        cast.languages.append("en" if english else "es")
    User.objects.bulk_create(cast.users)
    for username, role, password, name in DEMO_ACCOUNTS:
        if username in existing:
            cast.demo_existing.append(username)
            continue
        user = User(username=username, role=role, display_name=name,
                    date_joined=reference - timedelta(days=800))
        user.set_password(password)
        user.save()
        cast.demo_created.append((username, role, password))
        cast.users.append(user)
        cast.languages.append("es")
    cast.moderators = [u for u in cast.users if u.is_editor]
    ranks = list(range(len(cast.users)))
    rng.shuffle(ranks)
    # Zipf-like: a few people write most articles; editors write little.
    cast.weights = [1 / (rank + 1) ** 0.8 * (0.3 if user.is_editor else 1.0)
                    for rank, user in zip(ranks, cast.users, strict=True)]
    return cast


def make_organizations(rng: random.Random, cast: Cast,
                       articles: int) -> dict[Organization, list[User]]:
    """Organizations of every kind with members; returns who may sign for each."""
    taken = set(Organization.objects.values_list("slug", flat=True))
    kinds = list(corpus.ORGANIZATIONS)
    names: list[tuple[str, str]] = []
    # Round-robin over kinds, so even a small seed has one of each.
    for depth in range(max(len(v) for v in corpus.ORGANIZATIONS.values())):
        names += [(k, corpus.ORGANIZATIONS[k][depth]) for k in kinds
                  if depth < len(corpus.ORGANIZATIONS[k])]
    names += [(k, corpus.ORGANIZATION_PATTERNS[k].format(place=p))
              for p in corpus.PLACES for k in kinds]
    orgs = []
    for kind, name in names[: min(len(names), max(12, articles // 40))]:
        place = rng.choice(corpus.PLACES)
        es, en = corpus.ORGANIZATION_DESCRIPTIONS[kind]
        orgs.append(Organization(
            slug=unique(slugify(name), taken, 80), name=name, kind=kind,
            description=f"{es.format(place=place)}\n\n{en.format(place=place)}",
            verified=rng.random() < VERIFIED_SHARE,
        ))
    orgs[0].verified, orgs[-1].verified = True, False  # always some of each
    Organization.objects.bulk_create(orgs)
    members = [u for u in cast.users if not u.is_editor]
    memberships, signers = [], {}
    for org in orgs:
        chosen = rng.sample(members, k=min(len(members), rng.randint(3, 8)))
        publishers = rng.randint(1, 2)
        roles = [Membership.Role.COORDINATOR] + [Membership.Role.PUBLISHER] * publishers
        roles += [Membership.Role.MEMBER] * (len(chosen) - len(roles))
        memberships += [Membership(organization=org, user=u, role=r)
                        for u, r in zip(chosen, roles, strict=False)]
        signers[org] = chosen[: 1 + publishers]
    Membership.objects.bulk_create(memberships)
    return signers


def ensure_tags() -> dict[str, int]:
    """The corpus tags, reusing any that exist: tags are a shared vocabulary."""
    slugs = [s for s, _ in corpus.TAGS]
    existing = set(Tag.objects.filter(slug__in=slugs).values_list("slug", flat=True))
    Tag.objects.bulk_create([Tag(slug=s, name=n) for s, n in corpus.TAGS if s not in existing])
    return dict(Tag.objects.filter(slug__in=slugs).values_list("slug", "id"))


class AuthorPicker:
    """Weighted choice of authors, mostly in the article's language, in O(log n)."""

    def __init__(self, cast: Cast) -> None:
        people = list(zip(cast.users, cast.languages, cast.weights, strict=True))
        self.pools: dict[str | None, tuple[list[User], list[float]]] = {}
        for lang in ("es", "en", None):
            chosen = [(u, w) for u, lg, w in people if lang is None or lg == lang] or [
                (u, w) for u, _lg, w in people]
            self.pools[lang] = ([u for u, _ in chosen], list(accumulate(w for _, w in chosen)))

    def pick(self, rng: random.Random, lang: str) -> User:
        users, cum = self.pools[lang if rng.random() < 0.85 else None]
        return rng.choices(users, cum_weights=cum)[0]
