"""The public mirrors page: where else the site can be read, and how to check a copy.

It is part of every edition, so readers find it on the mirrors themselves: when
the main address is blocked, the copies still list each other. Its content comes
from settings alone (ALTAVOZ_MIRRORS, ALTAVOZ_ONION_ADDRESS) and the site's key.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from altavoz.home import public_key_hex

PUBLIC_KEY_PATH = "/.well-known/altavoz/public-key"


def mirrors(request: HttpRequest) -> HttpResponse:
    listed = settings.ALTAVOZ_MIRRORS
    onion = settings.ALTAVOZ_ONION_ADDRESS
    try:
        key = public_key_hex(settings.ALTAVOZ_HOME)
    except OSError:
        key = ""  # no key yet (`altavoz init` makes it): the page says nothing false
    example = listed[0].url if listed else settings.ALTAVOZ_BASE_URL.rstrip("/") + "/"
    return render(request, "newsroom/mirrors.html", {
        "heading": _("Mirrors"),
        "mirrors": listed,
        "onion_url": f"http://{onion}/" if onion else "",
        "public_key": key,
        "public_key_path": PUBLIC_KEY_PATH,
        "verify_command": f"altavoz verify {example} --key {key}",
        "origin": settings.ALTAVOZ_ORIGIN_URL,
    })
