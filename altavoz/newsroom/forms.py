"""Forms for writing articles and for the editors' actions.

Limits come from settings so an operator can change them; every refusal says
what to change, since contributors may be writing from a phone on a bad line.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.text import format_lazy, slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from altavoz.newsroom import workflow
from altavoz.newsroom.covers import process_cover
from altavoz.newsroom.models import Article, Section
from altavoz.people.models import Membership, Organization, User

MAX_TAGS = 10
MAX_TAG_CHARS = 60
# An article address, wherever the site is mounted: …/<lang>/article/<slug>/
_ARTICLE_PATH = re.compile(r"/(?P<lang>[A-Za-z-]{2,8})/article/(?P<slug>[-A-Za-z0-9_]+)/?$")


def parse_tags(raw: str) -> list[tuple[str, str]]:
    """'Agua, agua potable' → [(slug, name), …], duplicates by slug removed."""
    tags: dict[str, str] = {}
    for piece in (raw or "").split(","):
        name = " ".join(piece.split())
        if not name:
            continue
        if len(name) > MAX_TAG_CHARS:
            raise ValidationError(
                _("Each tag may have at most %(max)d characters: “%(tag)s…” is longer.")
                % {"max": MAX_TAG_CHARS, "tag": name[:20]}
            )
        slug = slugify(name)[:MAX_TAG_CHARS].strip("-")
        if not slug:
            raise ValidationError(
                _("The tag “%(tag)s” needs at least one letter or digit.") % {"tag": name}
            )
        tags.setdefault(slug, name)
    if len(tags) > MAX_TAGS:
        raise ValidationError(_("Use at most %(max)d tags.") % {"max": MAX_TAGS})
    return list(tags.items())


def signable_organizations(user: User | None, current: Organization | None = None):
    """Organizations the user may sign for, plus the one the article already carries
    (an editor's correction must not strip an author's organization)."""
    if user is None or not user.is_authenticated:
        ids: set[int] = set()
    else:
        ids = set(
            Membership.objects.filter(
                user=user, role__in=[Membership.Role.PUBLISHER, Membership.Role.COORDINATOR]
            ).values_list("organization_id", flat=True)
        )
    if current is not None:
        ids.add(current.pk)
    return Organization.objects.filter(pk__in=ids).order_by("name")


def find_translation_target(reference: str, language: str) -> Article:
    """The public article a URL or slug points at, for linking translations."""
    reference = reference.strip()
    path = urlsplit(reference).path if "/" in reference else ""
    match = _ARTICLE_PATH.search(path) if path else None
    candidates = Article.objects.public().exclude(language=language)
    if match:
        candidates = candidates.filter(language=match["lang"], slug=match["slug"])
    elif "/" not in reference:
        candidates = candidates.filter(slug=reference)
    else:
        candidates = candidates.none()
    found = list(candidates[:2])
    if not found:
        raise ValidationError(
            _("No published article in another language has that address. Paste the "
              "address of the original article, for example …/es/article/its-name/.")
        )
    if len(found) > 1:
        raise ValidationError(
            _("Several articles have that name; paste the full address of the original.")
        )
    return found[0]


class ArticleForm(forms.ModelForm):
    tags = forms.CharField(
        label=gettext_lazy("Tags"), required=False, max_length=1000,
        help_text=format_lazy(gettext_lazy("Separated by commas, at most {n}."), n=MAX_TAGS),
    )
    cover_image = forms.FileField(
        label=gettext_lazy("Cover image"), required=False,
        help_text=gettext_lazy("JPEG, PNG or WebP. Location and camera data are removed."),
        widget=forms.FileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )
    remove_cover = forms.BooleanField(label=gettext_lazy("Remove the cover image"), required=False)
    translation_of = forms.CharField(
        label=gettext_lazy("Translation of"), required=False, max_length=500,
        help_text=gettext_lazy("If this is a translation, the address of the original article."),
    )
    note = forms.CharField(
        label=gettext_lazy("Note for the moderation log"), required=False, max_length=200,
        help_text=gettext_lazy("Why you changed this article; it is public."),
    )

    field_order = [
        "title", "lede", "body", "language", "section", "tags", "organization",
        "cover_image", "cover_alt", "remove_cover", "translation_of", "note",
    ]

    class Meta:
        model = Article
        fields = ["title", "lede", "body", "language", "section", "organization", "cover_alt"]
        widgets = {"lede": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, user: User | None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        article: Article = self.instance
        limit = settings.ALTAVOZ_MAX_BODY_CHARS
        self.fields["body"] = forms.CharField(
            label=_("Text (Markdown)"), max_length=limit, strip=False,
            # No maxlength attribute: browsers silently cut pasted text at it.
            widget=forms.Textarea(attrs={"rows": 20}),
            help_text=_("Markdown: **bold**, *italics*, [link text](https://example.org), "
                        "## subheading, > quotation. At most %(limit)d characters.")
            % {"limit": limit},
            error_messages={
                "max_length": _("The text is too long: at most %(limit_value)d characters "
                                "(it has %(show_value)d). Split it in two articles?"),
            },
        )
        self.fields["body"].widget.attrs.pop("maxlength", None)
        self.fields["language"] = forms.ChoiceField(
            label=_("Language"), choices=settings.LANGUAGES,
            disabled=self.is_public_article,  # its address depends on it
        )
        self.fields["section"].queryset = Section.objects.all()
        self.fields["section"].empty_label = _("— choose a section —")
        current_org = article.organization if article.pk else None
        self.fields["organization"].queryset = signable_organizations(user, current_org)
        self.fields["organization"].empty_label = _("— only my name —")
        if not self.fields["organization"].queryset.exists():
            del self.fields["organization"]
        self.order_fields(self.field_order)
        if not (article.pk and article.cover):
            del self.fields["remove_cover"]
        if not self.is_editor_correction:
            del self.fields["note"]
        if article.pk:
            self.initial.setdefault(
                "tags", ", ".join(article.tags.values_list("name", flat=True))
            )
            other = article.group.articles.exclude(pk=article.pk).first()
            self.initial.setdefault("translation_of", other.get_absolute_url() if other else "")

    @property
    def is_public_article(self) -> bool:
        return bool(self.instance.pk) and self.instance.status in {
            Article.Status.PUBLISHED, Article.Status.HIDDEN
        }

    @property
    def is_editor_correction(self) -> bool:
        """An editor changing somebody else's article: logged publicly with a note."""
        article = self.instance
        return bool(article.pk) and article.author_id != getattr(self.user, "pk", None) and (
            workflow.may_moderate(self.user)
        )

    def clean_title(self) -> str:
        return " ".join(self.cleaned_data["title"].split())

    def clean_tags(self) -> list[tuple[str, str]]:
        return parse_tags(self.cleaned_data.get("tags", ""))

    def clean_cover_image(self):
        upload = self.cleaned_data.get("cover_image")
        return process_cover(upload) if upload else None

    def clean(self) -> dict:
        data = super().clean()
        has_cover = data.get("cover_image") or (
            self.instance.cover and not data.get("remove_cover")
        )
        if has_cover and not (data.get("cover_alt") or "").strip():
            self.add_error(
                "cover_alt",
                _("Describe the image in a few words for people who cannot see it."),
            )
        self._clean_translation(data)
        self._check_direct_publishing(data)
        return data

    def _clean_translation(self, data: dict) -> None:
        """Decide data["translation_group"]: a group to join, or None for a new one."""
        article = self.instance
        reference = (data.get("translation_of") or "").strip()
        language = data.get("language")
        data["translation_group"] = None
        if not language:
            return
        if article.pk and "translation_of" not in self.changed_data:
            group = article.group  # untouched: the link may point at a not-yet-public article
        elif reference:
            try:
                group = find_translation_target(reference, language).group
            except ValidationError as exc:
                self.add_error("translation_of", exc)
                return
        elif article.pk and not article.group.articles.exclude(pk=article.pk).exists():
            group = article.group  # already alone: keep its group
        else:
            return
        if group.articles.filter(language=language).exclude(pk=article.pk).exists():
            field = "translation_of" if reference else "language"
            self.add_error(field, _("That article already has a translation in this language."))
            return
        data["translation_group"] = group

    def _check_direct_publishing(self, data: dict) -> None:
        # A published article edited by its author stays published only while the
        # author still publishes without review: otherwise changing the
        # organization would slip unreviewed text past the editors.
        article = self.instance
        if not article.pk or article.status != Article.Status.PUBLISHED:
            return
        if workflow.may_moderate(self.user) or self.user is None or not self.user.is_authenticated:
            return
        org = data.get("organization")
        if self.user.publishes_directly or (
            org is not None and org.verified and workflow.may_sign_for(self.user, org)
        ):
            return
        self.add_error("organization", _(
            "This article is published in the name of a verified organization; keep it, "
            "or ask an editor to make the change."))


class BoundedDateTimeField(forms.DateTimeField):
    """Years outside 1900-2999 are refused as invalid: near year 9999 the time-zone
    conversion overflows, which would be a 500 instead of a form error."""

    def to_python(self, value):
        parsed = super().to_python(value)
        if parsed is not None and not 1900 <= parsed.year <= 2999:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return parsed


class ModerationForm(forms.Form):
    ACTIONS = [
        ("approve", gettext_lazy("Approve")),
        ("reject", gettext_lazy("Reject as spam")),
        ("hide", gettext_lazy("Hide")),
        ("unhide", gettext_lazy("Restore")),
        ("feature", gettext_lazy("Feature")),
        ("unfeature", gettext_lazy("Remove from featured")),
    ]
    action = forms.ChoiceField(choices=ACTIONS)
    reason = forms.CharField(
        label=gettext_lazy("Reason"), required=False, max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    publish_at = BoundedDateTimeField(
        label=gettext_lazy("Publish at (optional)"), required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["publish_at"].help_text = _(
            "Leave empty to publish now. Time zone: %(zone)s."
        ) % {"zone": timezone.get_current_timezone_name()}

    def clean(self) -> dict:
        data = super().clean()
        action, at = data.get("action"), data.get("publish_at")
        if action == "hide" and not (data.get("reason") or "").strip():
            self.add_error("reason", _("Hiding needs a public reason: readers will see it."))
        if at is not None and action == "approve" and at <= timezone.now():
            self.add_error("publish_at", _("Choose a moment in the future, or leave it empty."))
        if action != "approve":
            data["publish_at"] = None
        return data


class IdListField(forms.Field):
    """Article ids from checkboxes; anything that is not a number is refused."""

    widget = forms.MultipleHiddenInput
    MAX_IDS = 500

    def to_python(self, value) -> list[int]:
        if not value:
            return []
        if not isinstance(value, list | tuple):
            value = [value]
        if len(value) > self.MAX_IDS:
            raise ValidationError(_("Select at most %(max)d articles at once.")
                                  % {"max": self.MAX_IDS})
        try:
            return sorted({int(v) for v in value})
        except (TypeError, ValueError) as exc:
            raise ValidationError(_("The selection was not understood.")) from exc


class BulkForm(forms.Form):
    ACTIONS = [
        ("approve", gettext_lazy("Approve")),
        ("reject", gettext_lazy("Reject as spam")),
        ("feature", gettext_lazy("Feature")),
        ("unfeature", gettext_lazy("Remove from featured")),
    ]
    ids = IdListField(error_messages={"required": gettext_lazy("Select at least one article.")})
    action = forms.ChoiceField(label=gettext_lazy("Action"), choices=ACTIONS)
    reason = forms.CharField(
        label=gettext_lazy("Reason (optional)"), required=False, max_length=1000
    )

