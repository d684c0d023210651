"""Who may open the writing and editor pages, and what the others see instead.

Refusals are rendered here rather than raised as PermissionDenied so that each
one can say *why* and what to do next (log in, enter a two-factor code).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from urllib.parse import urlencode

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from altavoz.newsroom import workflow

View = Callable[..., HttpResponse]


def forbidden(request: HttpRequest, message: str) -> HttpResponse:
    """A friendly 403: what happened, in words, with a way back."""
    return render(request, "newsroom/write_forbidden.html", {"message": message}, status=403)


def two_factor_redirect(request: HttpRequest) -> HttpResponseRedirect:
    query = urlencode({"next": request.get_full_path()})
    return HttpResponseRedirect(f"{reverse('people:two_factor')}?{query}")


def editor_required(view: View) -> View:
    """Editors and admins who passed TOTP in this session; everyone else is turned away.

    An editor who has not entered a code yet is sent to the two-factor page and
    brought back afterwards; a contributor gets a 403 that says why. The pages
    are per-person, so nothing between here and the browser may cache them.
    """

    @never_cache
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        user = request.user
        if workflow.may_moderate(user):
            return view(request, *args, **kwargs)
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if user.is_editor:
            return two_factor_redirect(request)
        return forbidden(request, _("Only editors may open the editor's pages."))

    return wrapped
