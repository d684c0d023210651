"""Account forms: register, log in, two-factor code, and the admin's user forms."""

from __future__ import annotations

import re

from django import forms
from django.contrib.auth.forms import (
    AdminUserCreationForm,
    AuthenticationForm,
    UserChangeForm,
    UserCreationForm,
    UsernameField,
)
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _

from altavoz.people.models import User

# Long passphrases are welcome; megabytes are an attack on the hasher and validators.
MAX_PASSWORD_CHARS = 1024
_CODE_RE = re.compile(r"[0-9]{6}")


def _cap_password(field: forms.Field) -> None:
    field.validators.append(MaxLengthValidator(MAX_PASSWORD_CHARS))
    field.widget.attrs["maxlength"] = str(MAX_PASSWORD_CHARS)


class RegisterForm(UserCreationForm):
    """No email address: a contributor's account must not lead back to them."""

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("username", "display_name")
        field_classes = {"username": UsernameField}
        help_texts = {
            "display_name": _(
                "Optional. Shown on your articles instead of your username; "
                "it need not be your real name."
            ),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name in ("password1", "password2"):
            _cap_password(self.fields[name])

    def save(self, commit: bool = True) -> User:
        user = super().save(commit=False)
        # Whatever was posted, new accounts start as contributors.
        user.role = User.Role.CONTRIBUTOR
        if commit:
            user.save()
        return user


class LoginForm(AuthenticationForm):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _cap_password(self.fields["password"])

    def failed_login(self) -> bool:
        """True when a username and password were checked and did not match."""
        return self.has_error(NON_FIELD_ERRORS, "invalid_login")


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=20,
        help_text=_("The 6-digit code your authenticator app shows now."),
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "size": "8",
                   "autofocus": True}
        ),
    )

    def clean_code(self) -> str:
        # People type "123 456" as the app shows it; accept that.
        code = re.sub(r"[\s-]", "", self.cleaned_data["code"])
        if not _CODE_RE.fullmatch(code):
            raise ValidationError(_("Enter the 6 digits your app shows."), code="format")
        return code


class AdminUserAddForm(AdminUserCreationForm):
    class Meta(AdminUserCreationForm.Meta):
        model = User
        fields = ("username", "role")
        field_classes = {"username": UsernameField}


class AdminUserChangeForm(UserChangeForm):
    class Meta(UserChangeForm.Meta):
        model = User
        fields = "__all__"
        field_classes = {"username": UsernameField}
