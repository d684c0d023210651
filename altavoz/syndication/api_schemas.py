"""What the API accepts and answers, as pydantic schemas (they become the OpenAPI document).

Limits repeat the models' and forms' so that clients learn them from the
schema; the forms stay the authority and check again.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum
from typing import Annotated, Literal

from django.conf import settings
from django.utils.translation import gettext as _
from ninja import Field, Schema
from pydantic import AfterValidator

# Address names as the URL converters accept them; anything else cannot exist
# and must not reach the database (PostgreSQL refuses NUL bytes with an error).
SLUG_PATTERN = r"^[-a-zA-Z0-9_]+$"
USERNAME_PATTERN = r"^[A-Za-z0-9_-]{3,40}$"
MAX_PAGE_SIZE = 100
MAX_PAGE = 999_999
# A database id fits in a signed 64-bit integer; larger numbers name nothing.
MAX_ID = 2**63 - 1

# The site's languages, fixed when the API loads (settings do not change at run time).
Language = Enum(  # type: ignore[misc]
    "Language", {code: code for code, _name in settings.LANGUAGES}, type=str
)


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError(_("Remove the NUL character from this text."))
    return value


Text = Annotated[str, AfterValidator(_no_nul)]

# Other years are typing mistakes (the search page's bounds too), and near
# date.min/max converting to UTC overflows.
FIRST_YEAR, LAST_YEAR = 1900, 2999


def _plausible_year(value: date) -> date:
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise ValueError(_("Choose a date between the years %(first)d and %(last)d.")
                         % {"first": FIRST_YEAR, "last": LAST_YEAR})
    return value


Day = Annotated[date, AfterValidator(_plausible_year)]
Moment = Annotated[datetime, AfterValidator(_plausible_year)]


# --- errors ---

class ErrorDetail(Schema):
    code: str = Field(..., description="Stable, for programs: not_found, invalid, …")
    message: str = Field(..., description="For people, in the language asked for.")
    fields: dict[str, list[str]] | None = Field(
        None, description="Which inputs were wrong and why; only when that is the problem."
    )


class ErrorOut(Schema):
    error: ErrorDetail


def errors(*statuses: int) -> dict[int, type[ErrorOut]]:
    return dict.fromkeys(statuses, ErrorOut)


# --- reading ---

class SectionOut(Schema):
    slug: str
    name: str


class TagOut(Schema):
    slug: str
    name: str


class BylineOut(Schema):
    """Who signs: an organization hides the person who wrote for it, always."""

    name: str
    kind: Literal["organization", "person", "anonymous"]
    url: str | None


class ArticleSummary(Schema):
    id: int
    language: str
    slug: str
    title: str
    lede: str
    section: SectionOut
    tags: list[TagOut]
    byline: BylineOut
    featured: bool
    published_at: datetime
    updated_at: datetime
    url: str = Field(..., description="The article's page, relative to the site's address.")
    api_url: str


class ArticleDetail(ArticleSummary):
    body: str = Field(..., description="Markdown, as written.")
    body_html: str = Field(..., description="The body rendered and sanitized.")
    status: Literal["published", "hidden"]
    hidden_reason: str | None = Field(
        ..., description="Why editors hid it (hidden articles stay readable, with the reason)."
    )
    translations: dict[str, str] = Field(..., description="Language code → page address.")


class PageInfo(Schema):
    count: int
    page: int
    pages: int
    page_size: int
    next: str | None
    previous: str | None


class ArticlePage(PageInfo):
    items: list[ArticleSummary]


class ArticleFilters(Schema):
    language: Language | None = None
    section: str | None = Field(None, max_length=60, pattern=SLUG_PATTERN,
                                description="A section's address name.")
    tag: str | None = Field(None, max_length=60, pattern=SLUG_PATTERN)
    organization: str | None = Field(None, max_length=80, pattern=SLUG_PATTERN)
    author: str | None = Field(
        None, pattern=USERNAME_PATTERN,
        description="A username. Articles signed by an organization are never listed "
                    "under the person who wrote them.",
    )
    since: Day | None = Field(None, description="Published on or after this day.")
    until: Day | None = Field(None, description="Published on or before this day.")
    q: str | None = Field(
        None, max_length=400,
        description="Words to look for, as in the site's search (\"a phrase\", -without). "
                    "The list stays newest first, among the 1000 best matches.",
    )
    page: int = Field(1, ge=1, le=MAX_PAGE)
    page_size: int = Field(settings.ALTAVOZ_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE)


# --- writing ---

class ArticleIn(Schema):
    title: Text = Field(..., max_length=200)
    lede: Text = Field(..., max_length=600, description="A short summary.")
    body: Text = Field(..., max_length=settings.ALTAVOZ_MAX_BODY_CHARS,
                       description="Markdown (no raw HTML).")
    language: Language
    section: str = Field(..., max_length=60, pattern=SLUG_PATTERN)
    tags: list[Annotated[Text, Field(max_length=60)]] = Field(default_factory=list, max_length=10)
    organization: str | None = Field(
        None, max_length=80, pattern=SLUG_PATTERN,
        description="Sign with an organization you publish for (its address name).",
    )
    translation_of: Text | None = Field(
        None, max_length=500,
        description="The address (or slug) of the published original this translates.",
    )


class SubmittedOut(Schema):
    id: int
    status: Literal["pending", "published"]
    language: str
    slug: str
    url: str = Field(..., description="Where the article is (or will be, once approved).")
    api_url: str | None
    message: str


class CommentIn(Schema):
    body: Text = Field(..., max_length=settings.ALTAVOZ_MAX_COMMENT_CHARS,
                       description="Markdown (no raw HTML).")
    parent: int | None = Field(None, ge=1, le=MAX_ID, description="The comment this answers.")


class CommentOut(Schema):
    id: int
    status: Literal["published", "pending"]
    parent: int | None
    reply_to: int | None
    body_html: str
    created_at: datetime
    url: str | None = Field(..., description="Where it is shown; none while it waits.")
    message: str


# --- moderation ---

class HistoryOut(Schema):
    published: int
    hidden: int
    rejected: int


class SubmitterOut(Schema):
    username: str
    role: str
    history: HistoryOut


class OrganizationRef(Schema):
    slug: str
    name: str
    verified: bool


class QueueItem(Schema):
    id: int
    language: str
    title: str
    lede: str
    section: SectionOut
    organization: OrganizationRef | None
    submitted_at: datetime | None
    submitter: SubmitterOut | None = Field(..., description="None: sent without an account.")


class QueuePage(PageInfo):
    items: list[QueueItem]


class QueueFilters(Schema):
    page: int = Field(1, ge=1, le=MAX_PAGE)
    page_size: int = Field(50, ge=1, le=MAX_PAGE_SIZE)


class ModerationIn(Schema):
    action: Literal["approve", "reject", "hide", "unhide", "feature", "unfeature"]
    reason: Text = Field("", max_length=1000,
                         description="Public (except for rejections); required to hide.")
    publish_at: Moment | None = Field(
        None, description="Approve only: publish at this future moment."
    )


class ModerationOut(Schema):
    id: int
    status: str
    featured: bool
    published_at: datetime | None
    hidden_reason: str | None
    logged: int = Field(..., description="The moderation log entry's id.")
    message: str
