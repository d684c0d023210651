"""The edge's challenge: under attack, a client shows it is a browser with a
person behind it before the edge serves it, then carries a clearance cookie.

Two ways through, both ending in the same cookie (clearance.py):
- with JavaScript, a proof of work solved in a Web Worker (static/), usually
  in well under a second;
- without it (Tor Browser on "safest", text browsers, some screen-reader set-ups),
  waiting: the page's meta refresh follows a signed token that becomes valid after
  a few seconds. A link does the same for browsers that do not refresh by themselves.

Who is challenged follows the attack level: nobody at normal, suspicious
clients and forwarded requests when elevated, everyone without clearance under
attack. Feeds, sitemaps, robots.txt, /healthz and /.well-known/altavoz/* never
are: feed readers and crawlers cannot solve anything, and those are cheap to serve.

The protocol calls `Gate.screen` from one hook, only when the level is not
normal, and `Gate.answer` for requests it routed here.
"""

from __future__ import annotations

import html
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, quote

from altavoz import home
from altavoz.shield import clearance, respond
from altavoz.shield.clearance import Refused
from altavoz.shield.detector import Level, challenge_policy
from altavoz.shield.http import http_date, language_of, status_line
from altavoz.shield.request import CHALLENGE, FORWARD, HEALTHZ, NO_EDITION

if TYPE_CHECKING:
    from altavoz.shield.protocol import EdgeProtocol
    from altavoz.shield.request import Request
    from altavoz.shield.settings import EdgeSettings


# The hook compares the level's name (EdgeContext.attack_level) with this: one
# string comparison per request while nothing is wrong.
NORMAL = Level.NORMAL.label
_LEVELS = {level.label: level for level in Level}


# --- paths ----------------------------------------------------------------------------

PREFIX = b"/.well-known/altavoz/"
SCRIPT = PREFIX + b"challenge.js"
WORKER = PREFIX + b"challenge-worker.js"
PASS = PREFIX + b"clearance"
ENDPOINTS = frozenset({SCRIPT, WORKER, PASS})
_EXEMPT = frozenset({b"/robots.txt", b"/healthz", b"/favicon.ico"})
_FEED_ENDS = (b"/feed/", b"/feed/rss/")
_FEED_TYPES = (b"Content-Type: application/atom+xml", b"Content-Type: application/rss+xml")
_NEXT_MAX = 2048
_PAGES_MAX = 4096  # challenge pages kept for the current second: ~8 MB at most
_KNOWN_MAX = 16384  # clearance cookies remembered as checked: ~5 MB at most
_NEXT_BYTES = bytes(byte for byte in range(0x21, 0x7F) if byte != 0x5C)  # no backslash


def exempt(r: Request) -> bool:
    """Paths served to anyone at any level."""
    path = r.path
    if path in _EXEMPT or path.startswith(PREFIX) or path.endswith(_FEED_ENDS):
        return True
    if path.startswith(b"/sitemap") and path.endswith(b".xml"):
        return True
    res = r.res
    if res is None:
        return False
    head = res.identity.head  # the status line, then Content-Type (edition.make_resource)
    return head.startswith(_FEED_TYPES, head.find(b"\n") + 1)


def safe_next(target: bytes) -> bytes:
    """Where to send the reader after the challenge: a path on this site, or '/'.
    Never '//host' or '/\\host' (browsers read both as another site), never a
    scheme, never a byte that could break the header (the page escapes the rest)."""
    if (not target.startswith(b"/") or target[1:2] == b"/" or len(target) > _NEXT_MAX
            or target.translate(None, _NEXT_BYTES)):  # anything left is not allowed
        return b"/"
    return target


# --- the reader's words -----------------------------------------------------------------

_TEXTS = {
    "es": {
        "title": "Un momento, por favor",
        "why": "Este sitio recibe ahora mucho más tráfico del que puede atender, "
               "probablemente un ataque para sacarlo de línea. Para seguir sirviendo a sus "
               "lectores, antes comprueba que tu navegador no forma parte del ataque. No se "
               "guarda nada sobre ti: tu navegador recibe un pase, una cookie de este sitio "
               "que vale {lifetime} desde tu red y no sirve para nada más.",
        "wait": "Espera {wait} segundos: la página seguirá sola.",
        "link": "Continuar",
        "link_after": "si la página no sigue sola pasados {wait} segundos.",
        "working": "Tu navegador está haciendo la comprobación: {p} %.",
        "done": "Listo. Entrando…",
        "failed": "Tu navegador no pudo hacer la comprobación: espera y usa el enlace "
                  "«Continuar».",
        "refused": "La comprobación anterior no era válida o ya caducó. Esta es una nueva.",
        "early": "Todavía es pronto: faltan {left} segundos.",
        "post": "Lo que enviaste todavía no se ha guardado. Después de la comprobación, "
                "vuelve atrás al formulario (el navegador suele conservar el texto) y "
                "envíalo de nuevo.",
        "hours": "{n} horas", "hour": "una hora", "minutes": "{n} minutos",
    },
    "en": {
        "title": "One moment, please",
        "why": "This site is getting far more traffic than it can serve right now, most "
               "likely an attack meant to take it offline. To keep serving its readers, it "
               "first checks that your browser is not part of the attack. Nothing about you "
               "is kept: your browser gets a pass, a cookie from this site that is good for "
               "{lifetime} from your network and is used for nothing else.",
        "wait": "Wait {wait} seconds: the page will continue on its own.",
        "link": "Continue",
        "link_after": "if the page does not move on by itself after {wait} seconds.",
        "working": "Your browser is doing the check: {p}%.",
        "done": "Done. Going in…",
        "failed": "Your browser could not do the check: wait, then use the Continue link.",
        "refused": "The previous check was not valid or has expired. Here is a new one.",
        "early": "Too early: {left} seconds to go.",
        "post": "What you sent has not been saved yet. After the check, go back to the form "
                "(browsers usually keep the text) and send it again.",
        "hours": "{n} hours", "hour": "one hour", "minutes": "{n} minutes",
    },
}
LANGUAGES = ("es", "en")


def _lifetime(seconds: int, words: dict[str, str]) -> str:
    if seconds >= 7200:
        return words["hours"].format(n=seconds // 3600)
    if seconds >= 3600:
        return words["hour"]
    return words["minutes"].format(n=max(1, seconds // 60))


def _attr(text: str | bytes) -> str:
    return html.escape(text.decode("latin-1") if isinstance(text, bytes) else text)


# 503 rather than 403 or 429: crawlers read 503 (with Retry-After) as "down for a
# while, come back" and keep the page indexed, where a 403 can drop it and a 429
# tells a person they did something too often. Browsers show any status's page and
# follow its refresh. no-store: no cache may keep this page in place of the real one.
STATUS = 503
_CSP = (b"Content-Security-Policy: default-src 'none'; script-src 'self'; worker-src 'self'; "
        b"style-src 'unsafe-inline'; base-uri 'none'; form-action 'self'; "
        b"frame-ancestors 'none'\r\n")
_STYLE = ("body{font:1.1em/1.5 system-ui,sans-serif;max-width:36em;margin:2em auto;"
          "padding:0 1em}progress{width:100%}")


def _static(name: str) -> tuple[bytes, bytes]:
    body = (Path(__file__).parent / "static" / name).read_bytes()
    return (status_line(200) + b"Content-Type: text/javascript; charset=utf-8\r\n"
            b"Content-Length: " + str(len(body)).encode() + b"\r\n"
            b"Cache-Control: public, max-age=3600\r\nX-Content-Type-Options: nosniff\r\n"), body


_SCRIPTS = {SCRIPT: _static("challenge.js"), WORKER: _static("challenge-worker.js")}


class Gate:
    """The challenge's settings, key and clock, and the answers it gives."""

    def __init__(self, settings: EdgeSettings, tls: bool = False, key: bytes | None = None,
                 clock: Callable[[], float] | None = None) -> None:
        self.key = clearance.Key(key if key is not None else home.edge_key(settings.home))
        self.clock = clock or time.time  # wall time: tokens cross restarts and edges
        self.bits = {Level.NORMAL: settings.challenge_bits_elevated,  # a page asked for
                     Level.ELEVATED: settings.challenge_bits_elevated,  # after a level fell
                     Level.UNDER_ATTACK: settings.challenge_bits_under_attack}
        self.wait = settings.challenge_wait
        self.ttl = settings.challenge_ttl
        self.lifetime = settings.clearance_lifetime
        self.cookie = settings.clearance_cookie.encode()
        self.second, self.pages = 0, {}  # this second's pages (see page())
        # Cookies found good, with their network and User-Agent: a cleared reader's next
        # requests cost a dict lookup instead of an HMAC. Only valid ones get in.
        self.known: dict[tuple[str, bytes, bytes], int] = {}
        self.templates = {lang: template(lang, self.lifetime) for lang in LANGUAGES}
        self.api_errors = {lang: json.dumps({"error": {
            "code": "challenge", "message": _TEXTS[lang]["why"].format(
                lifetime=_lifetime(self.lifetime, _TEXTS[lang]))}},
            ensure_ascii=False).encode() + b"\n" for lang in LANGUAGES}
        self.cookie_tail = (b"; Path=/; HttpOnly; SameSite=Lax" + (b"; Secure" if tls else b"")
                            + b"; Max-Age=" + str(self.lifetime).encode())

    # --- the hook -----------------------------------------------------------------------

    def screen(self, conn: EdgeProtocol, r: Request, label: str) -> None:
        """Called once per parsed, routed request while the level is not normal:
        turns it into a challenge unless it is exempt, the level spares it, or it
        carries a valid clearance for its network and User-Agent."""
        action = r.action
        if action in (CHALLENGE, HEALTHZ, NO_EDITION) or exempt(r):
            return
        level = _LEVELS[label]
        forwarded = action == FORWARD
        # The limiter's judgement matters only when the level and the path leave it open.
        suspicious = level == Level.ELEVATED and not forwarded and conn.limit_suspicious(r)
        if not challenge_policy(level, suspicious, forwarded):
            return
        value = clearance.cookie_value(r.headers, self.cookie)
        if value is not None:
            now = self.clock()
            held = (conn.nets(r)[1], clearance.header(r.headers, b"user-agent"), value)
            expires = self.known.get(held)
            if expires is not None and now < expires:
                return
            if clearance.cleared(self.key, *held, now):
                if len(self.known) >= _KNOWN_MAX:
                    self.known.clear()
                self.known[held] = int(value.partition(b".")[0])
                return
        r.action = CHALLENGE

    def level_bits(self, label: str) -> int:
        return self.bits[_LEVELS[label]]

    # --- answers ------------------------------------------------------------------------

    def answer(self, conn: EdgeProtocol, r: Request, level: str, head_only: bool,
               tail: bytes) -> tuple[bytes | tuple[bytes, bytes], int]:
        """The response for a request routed or screened to CHALLENGE."""
        path = r.path
        metrics = conn.ctx.metrics
        if path in ENDPOINTS and r.method not in (b"GET", b"HEAD"):
            metrics.client_errors += 1
            return respond.error(405, tail, head_only), 405
        script = _SCRIPTS.get(path)
        if script is not None:
            head, body = script
            return (head + tail if head_only else (head + tail, body)), 200
        prefix = conn.nets(r)[1]
        if path == PASS:
            data, status = self._pass(r, prefix, level, head_only, tail)
            if status == 302:
                metrics.cleared += 1
            else:
                metrics.client_errors += 1
                metrics.challenge_refused += status != 429
            return data, status
        metrics.challenged += 1
        target = path + b"?" + r.query if r.query else path
        lang = language_of(path, r.al, LANGUAGES, LANGUAGES[0])
        notice = "post" if r.method not in (b"GET", b"HEAD") else None
        return self.page(STATUS, prefix, level, safe_next(target), lang, r, head_only, tail,
                         notice), STATUS

    def _pass(self, r: Request, prefix: str, level: str, head_only: bool,
              tail: bytes) -> tuple[bytes, int]:
        """/.well-known/altavoz/clearance?t=…&n=…|w=…&next=…: a solved challenge or
        a ripe wait token becomes the clearance cookie and a redirect back."""
        try:
            fields = parse_qs(r.query.decode("latin-1"), max_num_fields=4,
                              encoding="latin-1", strict_parsing=True)
        except ValueError:
            fields = {}
        one = {name: values[0].encode("latin-1") for name, values in fields.items()
               if len(values) == 1}
        target = safe_next(one.get("next", b"/"))
        lang = language_of(target, r.al, LANGUAGES, LANGUAGES[0])
        now = self.clock()
        try:
            if "w" in one:
                left = clearance.wait_left(self.key, prefix, one["w"], now, self.ttl)
                if left:  # too early: the same token, with what is left to wait
                    return self.page(429, prefix, level, target, lang, r, head_only, tail,
                                     "early", wait=(one["w"], left)), 429
            elif "t" in one and "n" in one:
                clearance.check_work(self.key, prefix, one["t"], one["n"], now, self.ttl)
            else:
                return self.page(400, prefix, level, target, lang, r, head_only, tail,
                                 "refused"), 400
        except Refused:
            return self.page(403, prefix, level, target, lang, r, head_only, tail,
                             "refused"), 403
        user_agent = clearance.header(r.headers, b"user-agent")
        value = clearance.clearance(self.key, prefix, user_agent, self.lifetime, now)
        expires = http_date(now + self.lifetime)
        head = (status_line(302) + b"Location: " + target + b"\r\nSet-Cookie: " + self.cookie
                + b"=" + value + self.cookie_tail + b"; Expires=" + expires
                + b"\r\nContent-Length: 0\r\nCache-Control: no-store\r\n")
        return head + tail, 302

    def page(self, status: int, prefix: str, level: str, target: bytes, lang: str,
             r: Request, head_only: bool, tail: bytes, notice: str | None = None,
             wait: tuple[bytes, int] | None = None) -> bytes:
        """The challenge page: fresh tokens, or the same wait token with what is left.
        API clients get the reason as the API's JSON error instead."""
        left = wait[1] if wait else self.wait
        extra = _CSP + b"Retry-After: " + str(left).encode() + b"\r\n"
        if r.path.startswith(b"/api/"):
            return respond.simple(status, self.api_errors[lang], tail, head_only,
                                  b"application/json", extra)
        now = self.clock()
        # Within one second a network's tokens are the same, so is its page: a flood
        # from one network gets a copy instead of two HMACs and a page each time.
        second = int(now)
        if second != self.second or len(self.pages) >= _PAGES_MAX:
            self.second, self.pages = second, {}
        key = (prefix, level, target, lang, notice, wait)
        body = self.pages.get(key)
        if body is None:
            token = wait[0] if wait else clearance.wait_token(self.key, prefix, self.wait, now)
            bits = self.level_bits(level)
            work = clearance.challenge(self.key, prefix, bits, now)
            body = self.pages[key] = render(self.templates[lang], lang, work, bits, token,
                                            left, target, notice)
        return respond.simple(status, body, tail, head_only, extra=extra)


def pass_url(target: bytes, **params: bytes) -> str:
    query = "&".join(f"{name}={quote(value, safe='')}" for name, value in
                     {**params, "next": target}.items())
    return PASS.decode() + "?" + query


def template(lang: str, lifetime: int) -> str:
    """One language's page, escaped once; str.format fills in, per request, what
    changes: {wait} {url} {token} {bits} {next} {notice}. Small, nothing from
    elsewhere, readable without CSS or script."""
    w = {name: _attr(text) for name, text in _TEXTS[lang].items()}
    style = _STYLE.replace("{", "{{").replace("}", "}}")
    working = w["working"].replace("{p}", "{{p}}")  # for the script, not for format
    return (
        f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        '<meta name="robots" content="noindex">'
        '<meta http-equiv="refresh" content="{wait};url={url}">'
        f"<title>{w['title']}</title><style>{style}</style></head><body>"
        '<main id="altavoz-challenge" data-token="{token}" data-bits="{bits}" '
        f'data-next="{{next}}" data-pass="{PASS.decode()}" data-worker="{WORKER.decode()}" '
        f'data-working="{working}" data-done="{w["done"]}" data-failed="{w["failed"]}">'
        f"<h1>{w['title']}</h1>{{notice}}<p>{w['why'].format(lifetime=_lifetime(lifetime, w))}"
        f'</p><p id="altavoz-status" role="status" aria-live="polite">{w["wait"]}</p>'
        '<progress id="altavoz-progress" max="100" value="0" hidden></progress>'
        f'<p><a href="{{url}}">{w["link"]}</a> {w["link_after"]}</p></main>'
        f'<script src="{SCRIPT.decode()}"></script></body></html>\n'
    )


def render(page: str, lang: str, work: bytes, bits: int, wait_token: bytes, wait: int,
           target: bytes, notice: str | None = None) -> bytes:
    """A page from its template, with this request's tokens, wait and notice."""
    said = (f"<p><strong>{_attr(_TEXTS[lang][notice].format(left=wait))}</strong></p>"
            if notice else "")
    return page.format(wait=wait, url=_attr(pass_url(target, w=wait_token)),
                       token=work.decode(), bits=bits, next=_attr(target),
                       notice=said).encode()
