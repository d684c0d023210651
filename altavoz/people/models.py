"""Contributors, their site roles, the organizations they publish for, and API tokens."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

username_validator = RegexValidator(
    r"^[A-Za-z0-9_-]{3,40}\Z",
    _("Use 3 to 40 letters (a-z), digits, hyphens or underscores."),
)


class User(AbstractUser):
    """A person with an account. The role decides what they may do on the site."""

    class Role(models.TextChoices):
        CONTRIBUTOR = "contributor", _("contributor")
        TRUSTED = "trusted", _("trusted contributor")
        EDITOR = "editor", _("editor")
        ADMIN = "admin", _("admin")

    username = models.CharField(
        _("username"),
        max_length=40,
        unique=True,
        validators=[username_validator],
        help_text=_("Shown in your public page address. Letters, digits, - and _."),
        error_messages={"unique": _("That username is taken.")},
    )
    role = models.CharField(
        _("role"), max_length=16, choices=Role.choices, default=Role.CONTRIBUTOR
    )
    display_name = models.CharField(_("public name"), max_length=100, blank=True)
    bio = models.TextField(_("about you"), max_length=2000, blank=True)
    # Editors can put one person's comments under review before they appear.
    comments_premoderated = models.BooleanField(_("comments need review"), default=False)

    class Meta:
        verbose_name = _("contributor")
        verbose_name_plural = _("contributors")

    def __str__(self) -> str:
        return self.public_name

    @property
    def public_name(self) -> str:
        return self.display_name or self.username

    @property
    def is_editor(self) -> bool:
        """Editors and admins moderate; both must pass TOTP before they act."""
        return self.role in {self.Role.EDITOR, self.Role.ADMIN}

    @property
    def publishes_directly(self) -> bool:
        return self.role != self.Role.CONTRIBUTOR

    def save(self, *args, **kwargs) -> None:
        # The Django admin is for admins only; keep its flags in step with the role.
        self.is_staff = self.role == self.Role.ADMIN or self.is_superuser
        super().save(*args, **kwargs)


class Organization(models.Model):
    """A collective that publishes under its own name: a union, a communal council…"""

    class Kind(models.TextChoices):
        COMMUNAL_COUNCIL = "communal_council", _("communal council")
        UNION = "union", _("union")
        STUDENT_GROUP = "student_group", _("student group")
        PEASANT = "peasant", _("peasant organization")
        MOVEMENT = "movement", _("movement")
        POLITICAL_CURRENT = "political_current", _("political current")
        COLLECTIVE = "collective", _("collective")
        MEDIA = "media", _("community media")

    slug = models.SlugField(_("address name"), max_length=80, unique=True)
    name = models.CharField(_("name"), max_length=160)
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    description = models.TextField(_("description"), max_length=4000, blank=True)
    # Verified organizations' publishers skip the moderation queue.
    verified = models.BooleanField(_("verified"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    members = models.ManyToManyField(User, through="Membership", related_name="organizations")

    class Meta:
        ordering = ["name"]
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    class Role(models.TextChoices):
        MEMBER = "member", _("member")
        PUBLISHER = "publisher", _("publisher")
        COORDINATOR = "coordinator", _("coordinator")

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE)
    user = models.ForeignKey(User, on_delete=models.CASCADE)
    role = models.CharField(
        _("member role"), max_length=16, choices=Role.choices, default=Role.MEMBER
    )
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "user"], name="one_membership")
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.organization} ({self.role})"

    @property
    def may_publish(self) -> bool:
        """Only publishers and coordinators may sign an article with the organization's name."""
        return self.role in {self.Role.PUBLISHER, self.Role.COORDINATOR}


class ApiToken(models.Model):
    """A secret that lets a program act for a person through the JSON API.

    Only a SHA-256 digest of the secret is stored: the secret carries 256 random
    bits, so a fast hash is enough (no salt or stretching needed), and a stolen
    database gives no usable token. The secret is shown once, when it is made.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100, blank=True)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    # The first characters of the secret, to tell tokens apart in a list.
    hint = models.CharField(max_length=12, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    # Coarse on purpose (see tokens.LAST_USED_PRECISION): no write per request.
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    # The last two-factor code this token presented, so the same code may be
    # sent again while it is current (see tokens.verified_code_matches).
    otp_code_hash = models.CharField(max_length=64, blank=True, editable=False)
    otp_valid_until = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.hint}… ({self.name or self.user})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
