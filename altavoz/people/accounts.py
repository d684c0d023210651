"""Creating accounts outside the web forms (CLI, seed)."""

from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from altavoz.people.models import User


def create_user(username: str, role: str, password: str, *, display_name: str = "") -> User:
    if role not in User.Role.values:
        raise ValueError(f"unknown role {role!r}; use one of {', '.join(User.Role.values)}")
    if User.objects.filter(username=username).exists():
        raise ValueError(f"the username {username!r} is taken")
    user = User(username=username, role=role, display_name=display_name)
    try:
        user.full_clean(exclude=["password"])
        validate_password(password, user)
    except ValidationError as exc:
        raise ValueError("; ".join(exc.messages)) from exc
    user.set_password(password)
    user.save()
    return user
