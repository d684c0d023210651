"""`altavoz seed`: realistic synthetic content, the same for the same seed.

Everything random comes from one `random.Random(seed)` and every date is an offset
from REFERENCE, never from the clock, so two runs with the same arguments write the
same titles, slugs, bodies, statuses and dates. Articles go in with bulk_create in
batches (100,000 take minutes, not hours), so `body_html` is rendered here exactly
as Article.save() would. Seeding into a site that already has content appends:
usernames, slugs and group ids that are taken get another one.
"""

from __future__ import annotations

import random
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils.text import slugify
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from altavoz.newsroom import seed_corpus as corpus
from altavoz.newsroom.markdown import render_markdown
from altavoz.newsroom.models import (
    Article,
    ModerationEntry,
    Revision,
    Section,
    TranslationGroup,
)
from altavoz.newsroom.sections import ensure_default_sections
from altavoz.newsroom.seed_corpus import compose
from altavoz.newsroom.seed_people import (
    AuthorPicker,
    Cast,
    ensure_tags,
    make_organizations,
    make_people,
    unique,
)
from altavoz.people.models import Membership, Organization, User

# Dates are offsets from here, not from now(): same seed, same dates, any day.
REFERENCE = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
SPAN_DAYS = 730
BATCH_SIZE = 2000
FEATURED = 8
Status = Article.Status
Action = ModerationEntry.Action
# Shares of all articles (the rest are published). Pairs: 10% of articles are
# translations, so ~20% of articles have one.
SHARES = {Status.HIDDEN: 0.03, Status.PENDING: 0.03, Status.REJECTED: 0.01, Status.DRAFT: 0.02}
PAIR_SHARE = 0.10
ORG_SIGNED_SHARE = 0.12
ANONYMOUS_SHARE = 0.04
SPANISH_SHARE = 0.7


@dataclass
class SeedReport:
    """What one seeding run made; summary() is what `altavoz seed` prints."""

    articles: int = 0
    by_status: Counter = field(default_factory=Counter)
    by_language: Counter = field(default_factory=Counter)
    featured: int = 0
    contributors: int = 0
    by_role: Counter = field(default_factory=Counter)
    organizations: int = 0
    verified_organizations: int = 0
    memberships: int = 0
    tags: int = 0
    translation_pairs: int = 0
    moderation_entries: int = 0
    seconds: float = 0.0
    demo_created: list[tuple[str, str, str]] = field(default_factory=list)
    demo_existing: list[str] = field(default_factory=list)

    @property
    def articles_per_second(self) -> float:
        return self.articles / self.seconds if self.seconds > 0 else 0.0

    def summary(self) -> str:
        statuses = ", ".join(f"{s} {self.by_status[s]}" for s in Status.values if self.by_status[s])
        languages = ", ".join(f"{lang} {n}" for lang, n in sorted(self.by_language.items()))
        roles = ", ".join(f"{n} {role}" for role, n in sorted(self.by_role.items()))
        lines = [
            f"Seeded {self.articles} articles in {self.seconds:.1f} s "
            f"({self.articles_per_second:.0f} articles/s).",
            f"  by status: {statuses or 'none'} ({self.featured} featured)",
            f"  by language: {languages or 'none'}",
            f"  translation pairs: {self.translation_pairs}",
            f"  contributors: {self.contributors} ({roles})",
            f"  organizations: {self.organizations} ({self.verified_organizations} verified, "
            f"{self.memberships} memberships)",
            f"  tags: {self.tags}; moderation log entries: {self.moderation_entries}",
        ]
        if self.demo_created:
            lines.append("Demo accounts (demo data: change these passwords before any real use):")
            for username, role, password in self.demo_created:
                extra = " - sets up two-factor codes (TOTP) at the first log-in" if role in {
                    User.Role.EDITOR, User.Role.ADMIN} else ""
                lines.append(f"  {username} ({role}) password: {password}{extra}")
        if self.demo_existing:
            lines.append(f"Demo accounts already present, left unchanged: "
                         f"{', '.join(self.demo_existing)}")
        return "\n".join(lines)


@dataclass
class _Plan:
    """One article to write: every decision except the text, which comes from text_seed."""

    index: int
    language: str
    topic: corpus.Topic | None  # None: spam
    section: Section
    author: User | None
    organization: Organization | None
    status: str
    created_at: datetime
    submitted_at: datetime | None
    published_at: datetime | None
    updated_at: datetime
    text_seed: int
    group_key: int
    tag_slugs: list[str]
    featured_at: datetime | None = None
    hidden_reason: str = ""
    moderated_at: datetime | None = None
    translation: bool = False


def seed(articles: int = 300, seed_value: int = 1, console: Console | None = None,
         batch_size: int = BATCH_SIZE, reference: datetime = REFERENCE) -> SeedReport:
    """Write `articles` articles with their people, organizations and moderation log."""
    if articles < 0:
        raise ValueError("the number of articles cannot be negative")
    languages = _languages()
    rng = random.Random(seed_value)
    report = SeedReport()
    started = time.perf_counter()
    with transaction.atomic():
        ensure_default_sections()
        sections = {s.slug: s for s in Section.objects.all()}
        cast = make_people(rng, articles, reference)
        signers = make_organizations(rng, cast, articles)
        tag_ids = ensure_tags()
        plans = _plan(rng, articles, reference, languages, sections, cast, signers)
        _write(plans, tag_ids, cast.moderators, rng, console, batch_size, report)
    report.seconds = time.perf_counter() - started
    _count(report, plans, cast, signers, len(tag_ids))
    return report


def _count(report: SeedReport, plans: list[_Plan], cast: Cast,
           signers: dict[Organization, list[User]], tags: int) -> None:
    report.articles = len(plans)
    report.by_status.update(p.status for p in plans)
    report.by_language.update(p.language for p in plans)
    report.featured = sum(p.featured_at is not None for p in plans)
    report.translation_pairs = sum(p.translation for p in plans)
    report.contributors = len(cast.users)
    report.by_role.update(u.role for u in cast.users)
    report.organizations = len(signers)
    report.verified_organizations = sum(org.verified for org in signers)
    report.memberships = Membership.objects.filter(organization__in=list(signers)).count()
    report.tags = tags
    report.demo_created, report.demo_existing = cast.demo_created, cast.demo_existing


def _languages() -> list[str]:
    configured = {code for code, _name in settings.LANGUAGES}
    languages = [code for code in ("es", "en") if code in configured]
    if not languages:
        raise ValueError("seed writes Spanish and English; ALTAVOZ_LANGUAGES has neither")
    return languages


def _minutes(value: int) -> timedelta:
    return timedelta(minutes=value)


def _plan(rng: random.Random, articles: int, reference: datetime, languages: list[str],
          sections: dict[str, Section], cast: Cast,
          signers: dict[Organization, list[User]]) -> list[_Plan]:
    pairs = round(articles * PAIR_SHARE) if len(languages) == 2 else 0
    originals = articles - pairs
    statuses = [key for key, share in SHARES.items() for _ in range(round(articles * share))]
    statuses = statuses[:originals]
    statuses += [Status.PUBLISHED] * (originals - len(statuses))
    rng.shuffle(statuses)
    authors = AuthorPicker(cast)
    orgs = list(signers)
    plans = []
    for index, status in enumerate(statuses):
        spam = status == Status.REJECTED
        org = rng.choice(orgs) if orgs and not spam and rng.random() < ORG_SIGNED_SHARE else None
        if org is not None:
            author = rng.choice(signers[org])
            lang = languages[0] if rng.random() < 0.85 else languages[-1]
            topics = [t for t in corpus.TOPICS if org.kind in t.kinds] or corpus.TOPICS
        else:
            lang = languages[0] if rng.random() < SPANISH_SHARE else languages[-1]
            # Spam comes in anonymously; so do some real submissions (open publishing).
            anonymous = spam or rng.random() < ANONYMOUS_SHARE
            author = None if anonymous else authors.pick(rng, lang)
            topics = corpus.TOPICS
        topic = None if spam else rng.choice(topics)
        plans.append(_Plan(
            index=index, language="es" if spam and "es" in languages else lang, topic=topic,
            section=_section(rng, topic, org, sections), author=author, organization=org,
            status=status, text_seed=rng.getrandbits(64), group_key=rng.getrandbits(128),
            tag_slugs=_tags(rng, topic), **_dates(rng, status, reference),
        ))
    for plan in plans:
        if plan.status == Status.HIDDEN:
            plan.hidden_reason = rng.choice(corpus.HIDDEN_REASONS)[int(plan.language == "en")]
    published = [p for p in plans if p.status == Status.PUBLISHED]
    recent = sorted(published, key=lambda p: (p.published_at, p.index), reverse=True)[:40]
    for plan in rng.sample(recent, k=min(FEATURED, len(recent))):
        plan.featured_at = min(reference, plan.published_at + _minutes(rng.randint(30, 2880)))
    for j, source in enumerate(rng.sample(published, k=min(pairs, len(published)))):
        plans.append(_translation(rng, source, originals + j, languages, authors, reference))
    plans.sort(key=lambda p: (p.created_at, p.index))
    return plans


def _section(rng: random.Random, topic: corpus.Topic | None, org: Organization | None,
             sections: dict[str, Section]) -> Section:
    if topic is None:
        return sections.get("news") or next(iter(sections.values()))
    if org is not None and "communiques" in sections and rng.random() < 0.5:
        return sections["communiques"]
    weights = {slug: w for slug, w in topic.sections.items() if slug in sections}
    if not weights:  # a site whose sections were renamed: spread evenly
        return rng.choice(list(sections.values()))
    return sections[rng.choices(list(weights), weights=list(weights.values()))[0]]


def _tags(rng: random.Random, topic: corpus.Topic | None) -> list[str]:
    if topic is None:
        return []
    chosen = rng.sample(topic.tags, k=rng.randint(1, min(3, len(topic.tags))))
    if rng.random() < 0.4:
        extra = rng.choice(corpus.GENERAL_TAGS)
        if extra not in chosen:
            chosen.append(extra)
    return chosen[:4]


def _dates(rng: random.Random, status: str, reference: datetime) -> dict[str, datetime | None]:
    """Published over the last two years (denser lately); the queue is recent."""
    age = timedelta(days=SPAN_DAYS) * rng.random() ** 1.25
    moment = (reference - age).replace(second=0, microsecond=0)
    if status in {Status.PUBLISHED, Status.HIDDEN}:
        created = moment - _minutes(rng.randint(20, 4320))
        submitted = min(moment, created + _minutes(rng.randint(5, 120)))
        updated = moment
        if rng.random() < 0.25:
            updated = min(reference, moment + _minutes(rng.randint(30, 30 * 1440)))
        moderated = min(reference, moment + _minutes(rng.randint(60, 20 * 1440)))
        if status == Status.HIDDEN:
            updated = max(updated, moderated)
        return {"created_at": created, "submitted_at": submitted, "published_at": moment,
                "updated_at": updated, "moderated_at": moderated}
    if status == Status.PENDING:
        created = reference - _minutes(rng.randint(60, 12 * 1440))
        submitted = min(reference, created + _minutes(rng.randint(2, 240)))
        return {"created_at": created, "submitted_at": submitted, "published_at": None,
                "updated_at": submitted}
    if status == Status.DRAFT:
        created = reference - _minutes(rng.randint(60, 60 * 1440))
        return {"created_at": created, "submitted_at": None, "published_at": None,
                "updated_at": min(reference, created + _minutes(rng.randint(0, 4320)))}
    submitted = moment + _minutes(rng.randint(1, 30))  # rejected spam
    moderated = min(reference, submitted + _minutes(rng.randint(10, 1440)))
    return {"created_at": moment, "submitted_at": submitted, "published_at": None,
            "updated_at": moderated, "moderated_at": moderated}


def _translation(rng: random.Random, source: _Plan, index: int, languages: list[str],
                 authors: AuthorPicker, reference: datetime) -> _Plan:
    lang = languages[1] if source.language == languages[0] else languages[0]
    # An organization translates its own statements; otherwise often a volunteer does.
    same_author = source.author is not None and (
        source.organization is not None or rng.random() < 0.6)
    published = min(reference, source.published_at + _minutes(rng.randint(120, 5 * 1440)))
    created = max(source.published_at, published - _minutes(rng.randint(30, 600)))
    return _Plan(
        index=index, language=lang, topic=source.topic, section=source.section,
        author=source.author if same_author else authors.pick(rng, lang),
        organization=source.organization, status=Status.PUBLISHED, created_at=created,
        submitted_at=created, published_at=published, updated_at=published,
        text_seed=source.text_seed, group_key=source.group_key, tag_slugs=source.tag_slugs,
        translation=True,
    )


def _went_through_queue(plan: _Plan) -> bool:
    if plan.author is None:
        return True
    org = plan.organization
    return not plan.author.publishes_directly and not (org is not None and org.verified)


def _write(plans: list[_Plan], tag_ids: dict[str, int], moderators: list[User],
           rng: random.Random, console: Console | None, batch_size: int,
           report: SeedReport) -> None:
    had_groups = TranslationGroup.objects.exists()
    slugs: dict[str, set[str]] = {}
    if Article.objects.exists():
        for lang, slug in Article.objects.values_list("language", "slug").iterator():
            slugs.setdefault(lang, set()).add(slug)
    groups: dict[int, int] = {}
    through = Article.tags.through
    progress = Progress(
        TextColumn("[bold]seeding[/]"), BarColumn(), MofNCompleteColumn(),
        TextColumn("articles"), TimeRemainingColumn(),
        console=console, disable=console is None, transient=False,
    )
    with progress:
        task = progress.add_task("seed", total=len(plans))
        for start in range(0, len(plans), max(1, batch_size)):
            chunk = plans[start:start + batch_size]
            _make_groups(chunk, groups, had_groups)
            objs = [_article(plan, groups, slugs) for plan in chunk]
            Article.objects.bulk_create(objs)
            through.objects.bulk_create(
                through(article_id=obj.pk, tag_id=tag_ids[slug])
                for plan, obj in zip(chunk, objs, strict=True) for slug in plan.tag_slugs
            )
            Revision.objects.bulk_create(_revision(plan, obj) for plan, obj in
                                         zip(chunk, objs, strict=True))
            entries = [e for plan, obj in zip(chunk, objs, strict=True)
                       for e in _moderation(plan, obj, moderators, rng)]
            ModerationEntry.objects.bulk_create(entries)
            report.moderation_entries += len(entries)
            progress.advance(task, len(chunk))


def _make_groups(chunk: list[_Plan], groups: dict[int, int], had_groups: bool) -> None:
    """One TranslationGroup per original; uuids come from the rng, so check for clashes
    only when appending to a site that already has groups."""
    wanted: dict[int, uuid.UUID] = {}
    for plan in chunk:
        if plan.group_key not in groups and plan.group_key not in wanted:
            wanted[plan.group_key] = uuid.UUID(int=plan.group_key, version=4)
    if had_groups and wanted:
        clash = set(TranslationGroup.objects.filter(
            uuid__in=list(wanted.values())).values_list("uuid", flat=True))
        for key, value in wanted.items():
            bump = key
            while value in clash:
                bump = (bump * 6364136223846793005 + 1) % (1 << 128)
                value = uuid.UUID(int=bump, version=4)
            wanted[key] = value
    made = TranslationGroup.objects.bulk_create(
        [TranslationGroup(uuid=value) for value in wanted.values()])
    groups.update(zip(wanted, (g.pk for g in made), strict=True))


def _article(plan: _Plan, groups: dict[int, int], slugs: dict[str, set[str]]) -> Article:
    year = (plan.published_at or plan.created_at).year
    title, lede, body = compose(plan.text_seed, plan.language, plan.topic, plan.section.slug,
                                plan.organization.name if plan.organization else None, year)
    slug = slugify(title)[:80].rstrip("-") or "articulo"
    return Article(
        group_id=groups[plan.group_key], language=plan.language, title=title,
        slug=unique(slug, slugs.setdefault(plan.language, set()), 90), lede=lede, body=body,
        body_html=render_markdown(body),  # bulk_create skips save(): render the same way
        section=plan.section, author=plan.author, organization=plan.organization,
        status=plan.status, featured=plan.featured_at is not None,
        featured_at=plan.featured_at, hidden_reason=plan.hidden_reason,
        created_at=plan.created_at, submitted_at=plan.submitted_at,
        published_at=plan.published_at, updated_at=plan.updated_at,
    )


def _revision(plan: _Plan, article: Article) -> Revision:
    english = plan.language == "en"
    note = ("Translation" if english else "Traducción") if plan.translation else (
        "First version" if english else "Primera versión")
    return Revision(article=article, number=1, title=article.title, lede=article.lede,
                    body=article.body, made_by=plan.author, note=note,
                    created_at=plan.submitted_at or plan.created_at)


def _moderation(plan: _Plan, article: Article, moderators: list[User],
                rng: random.Random) -> list[ModerationEntry]:
    if not moderators:
        return []

    def entry(action: str, at: datetime, reason: str = "") -> ModerationEntry:
        actor = rng.choice(moderators)
        return ModerationEntry(article=article, action=action, reason=reason, actor=actor,
                               actor_role=actor.role, created_at=at)

    entries = []
    if plan.status in {Status.PUBLISHED, Status.HIDDEN} and _went_through_queue(plan):
        entries.append(entry(Action.APPROVE, plan.published_at))
    if plan.status == Status.HIDDEN:
        entries.append(entry(Action.HIDE, plan.moderated_at, plan.hidden_reason))
    if plan.status == Status.REJECTED:
        entries.append(entry(Action.REJECT, plan.moderated_at,
                             rng.choice(corpus.REJECT_REASONS)))
    if plan.featured_at is not None:
        entries.append(entry(Action.FEATURE, plan.featured_at))
    return entries
