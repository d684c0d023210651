"""Account pages: register, log in (throttled), two-factor sign-in and setup, log out.

All of them are origin-rendered and never part of an edition, so they may carry
CSRF tokens and session state; none is cached anywhere (never_cache).
"""

from __future__ import annotations

import math

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from altavoz.people import throttle
from altavoz.people import two_factor as tf
from altavoz.people.forms import CodeForm, LoginForm, RegisterForm
from altavoz.people.models import User

# Longer `next` values are not addresses anyone typed; ignore them.
_MAX_NEXT = 2000


def _safe_next(request: HttpRequest) -> str:
    target = str(request.POST.get("next") or request.GET.get("next") or "")
    if len(target) > _MAX_NEXT:
        return ""
    allowed = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if allowed else ""


def _with_next(url_name: str, next_url: str) -> str:
    url = reverse(url_name)
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


def _home_for(user: User) -> str:
    return reverse("editor:queue" if user.is_editor else "newsroom:mine")


def _refuse(
    request: HttpRequest, template: str, context: dict, wait: int, text: str
) -> HttpResponse:
    context["blocked"] = text
    response = render(request, template, context, status=429)
    response["Retry-After"] = str(wait)
    return response


def _too_many(request: HttpRequest, template: str, context: dict, wait: int) -> HttpResponse:
    minutes = max(1, math.ceil(wait / 60))
    text = ngettext(
        "Too many failed attempts. For your safety, try again in %(minutes)d minute.",
        "Too many failed attempts. For your safety, try again in %(minutes)d minutes.",
        minutes,
    ) % {"minutes": minutes}
    return _refuse(request, template, context, wait, text)


def _device_wait(request: HttpRequest, template: str, context: dict, wait: int) -> HttpResponse:
    text = ngettext(
        "Please wait %(seconds)d second before trying another code.",
        "Please wait %(seconds)d seconds before trying another code.",
        wait,
    ) % {"seconds": wait}
    return _refuse(request, template, context, wait, text)


def _wrong_code(form: CodeForm) -> None:
    form.add_error(
        "code",
        _("That code is not right. Check that your device's clock is correct and "
          "type the newest code."),
    )


@sensitive_post_parameters("password1", "password2")
@never_cache
@require_http_methods(["GET", "POST"])
def register(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("newsroom:mine")
    form = RegisterForm(request.POST) if request.method == "POST" else RegisterForm()
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                user = form.save()
        except IntegrityError:  # someone took the name a moment ago
            form.add_error("username", User._meta.get_field("username").error_messages["unique"])
        else:
            auth_login(request, user, backend=settings.AUTHENTICATION_BACKENDS[0])
            messages.success(
                request,
                _("Welcome, %(name)s. Your account is ready; your articles will be listed here.")
                % {"name": user.public_name},
            )
            return redirect("newsroom:mine")
    return render(request, "people/register.html", {"form": form})


def _after_password(request: HttpRequest, user: User, next_url: str) -> HttpResponse:
    tf.clear_pending(request)  # a half-finished sign-in by someone else ends here
    if user.is_editor:
        # Signed in, not verified: may_moderate() stays false until the code step.
        auth_login(request, user)
        step = "people:two_factor" if tf.has_confirmed_device(user) else "people:two_factor_setup"
        return redirect(_with_next(step, next_url))
    if tf.has_confirmed_device(user):
        if request.user.is_authenticated:
            auth_logout(request)
        tf.begin_pending(request, user)
        return redirect(_with_next("people:two_factor", next_url))
    auth_login(request, user)
    messages.success(request, _("You are signed in."))
    return redirect(next_url or reverse("newsroom:mine"))


@sensitive_post_parameters("password")
@never_cache
@require_http_methods(["GET", "POST"])
def login(request: HttpRequest) -> HttpResponse:
    next_url = _safe_next(request)
    template = "people/login.html"
    if request.method != "POST":
        return render(request, template, {"form": LoginForm(request), "next": next_url})
    username = str(request.POST.get("username", ""))
    buckets = [throttle.username_bucket(username), throttle.client_bucket(request)]
    wait = throttle.retry_after(buckets)
    if wait:
        # Refused before the password is even looked at.
        blank = LoginForm(request, initial={"username": username[:40]})
        return _too_many(request, template, {"form": blank, "next": next_url}, wait)
    form = LoginForm(request, data=request.POST)
    if not form.is_valid():
        if form.failed_login():
            throttle.record_failure(buckets)
        return render(request, template, {"form": form, "next": next_url})
    throttle.reset(buckets[0])
    return _after_password(request, form.get_user(), next_url)


@never_cache
@require_http_methods(["GET", "POST"])
def two_factor(request: HttpRequest) -> HttpResponse:
    next_url = _safe_next(request)
    pending = not request.user.is_authenticated
    user = tf.pending_user(request) if pending else request.user
    if user is None:
        return redirect(_with_next("people:login", next_url))
    if not pending and request.user.is_verified():
        return redirect(next_url or _home_for(user))
    if not tf.has_confirmed_device(user):
        if pending:  # the device was removed meanwhile: start again
            return redirect(_with_next("people:login", next_url))
        return redirect(_with_next("people:two_factor_setup", next_url))

    template = "people/two_factor.html"
    if request.method != "POST":
        return render(request, template, {"form": CodeForm(), "next": next_url})
    bucket = throttle.code_bucket(user.pk)
    wait = throttle.retry_after([bucket])
    if wait:
        return _too_many(request, template, {"form": CodeForm(), "next": next_url}, wait)
    form = CodeForm(request.POST)
    if form.is_valid():
        result = tf.check_code(user, form.cleaned_data["code"])
        if result.device is not None:
            throttle.reset(bucket)
            if pending:
                tf.finish_pending(request, user, result.device)
            else:
                tf.mark_verified(request, result.device)
            messages.success(request, _("Two-factor sign-in complete."))
            return redirect(next_url or _home_for(user))
        if result.wait:
            return _device_wait(request, template, {"form": CodeForm(), "next": next_url},
                                result.wait)
        throttle.record_failure([bucket])
        _wrong_code(form)
    return render(request, template, {"form": form, "next": next_url})


@never_cache
@require_http_methods(["GET", "POST"])
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    next_url = _safe_next(request)
    if not request.user.is_authenticated:
        return redirect(_with_next("people:login", request.get_full_path()))
    user = request.user
    if tf.has_confirmed_device(user):
        if user.is_verified():
            messages.info(request, _("Two-factor sign-in is already on for your account."))
            return redirect(next_url or _home_for(user))
        return redirect(_with_next("people:two_factor", next_url))

    device = tf.unconfirmed_device(user)
    template = "people/two_factor_setup.html"
    context = {
        "next": next_url,
        "required": user.is_editor,
        "secret": tf.grouped_secret(device),
        "qr": tf.qr_svg(device),
    }
    if request.method != "POST":
        return render(request, template, {**context, "form": CodeForm()})
    bucket = throttle.code_bucket(user.pk)
    wait = throttle.retry_after([bucket])
    if wait:
        return _too_many(request, template, {**context, "form": CodeForm()}, wait)
    form = CodeForm(request.POST)
    if form.is_valid():
        result = tf.check_setup_code(device, form.cleaned_data["code"])
        if result.device is not None:
            result.device.confirmed = True
            result.device.save(update_fields=["confirmed"])
            throttle.reset(bucket)
            tf.mark_verified(request, result.device)
            messages.success(
                request,
                _("Two-factor sign-in is on. From now on you will be asked for a code "
                  "after your password."),
            )
            return redirect(next_url or _home_for(user))
        if result.wait:
            return _device_wait(request, template, {**context, "form": CodeForm()}, result.wait)
        throttle.record_failure([bucket])
        _wrong_code(form)
    return render(request, template, {**context, "form": form})


@never_cache
@require_http_methods(["GET", "POST"])
def logout(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        # No message: the front page is an edition page and shows none.
        auth_logout(request)
        return redirect("newsroom:front")
    return render(request, "people/logout.html")
