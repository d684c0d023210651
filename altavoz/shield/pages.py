"""The edge's own short pages: errors it answers without the origin.

Small on purpose (a few hundred bytes: under attack every byte counts) and
self-contained (no stylesheet, no script). Generic errors are bilingual, since
the edge may not know the reader's language; the "writing is unavailable" page
comes in the reader's language, because it is the one a person reads closely.
API paths get the API's JSON error format instead of HTML.
"""

from __future__ import annotations

import html
import json
from functools import lru_cache

# status → (Spanish title, Spanish text, English title, English text)
_TEXTS: dict[int, tuple[str, str, str, str]] = {
    400: ("Petición no válida", "El navegador o programa envió una petición que no se entiende.",
          "Bad request", "The browser or program sent a request that cannot be understood."),
    404: ("Página no encontrada", "Esta dirección no existe en el sitio. Vuelve a la portada.",
          "Page not found", "There is no page at this address. Go back to the front page."),
    405: ("Método no permitido", "Esta página solo se puede leer.",
          "Method not allowed", "This page can only be read."),
    408: ("Tiempo agotado", "La petición tardó demasiado en llegar.",
          "Request timeout", "The request took too long to arrive."),
    413: ("Envío demasiado grande", "Lo enviado supera el tamaño máximo aceptado.",
          "Content too large", "What was sent is larger than the accepted maximum."),
    414: ("Dirección demasiado larga", "La dirección pedida es demasiado larga.",
          "URI too long", "The address asked for is too long."),
    429: ("Demasiadas peticiones", "Llegan demasiadas peticiones o conexiones desde tu "
          "dirección o tu red. Espera un poco y vuelve a intentarlo.",
          "Too many requests", "Too many requests or connections are coming from your address "
          "or your network. Wait a little and try again."),
    431: ("Cabeceras demasiado grandes", "La petición trae demasiadas cabeceras o muy largas.",
          "Headers too large", "The request carries too many or too long headers."),
    502: ("Error de la redacción", "La redacción respondió con un error. Lo publicado se sigue "
          "pudiendo leer.", "Newsroom error", "The newsroom answered with an error. "
          "Everything published can still be read."),
    503: ("Ocupado", "Hay demasiadas peticiones de escritura en este momento. Vuelve a "
          "intentarlo en unos segundos; lo publicado se sigue pudiendo leer.",
          "Busy", "There are too many writing requests right now. Try again in a few "
          "seconds; everything published can still be read."),
    504: ("La redacción no respondió a tiempo", "Vuelve a intentarlo en unos minutos.",
          "The newsroom did not answer in time", "Try again in a few minutes."),
}
SEARCH_BUSY_TEXTS = (
    "Búsqueda ocupada", "Hay demasiadas búsquedas en este momento. Vuelve a intentarlo en "
    "unos segundos; todo lo publicado se sigue pudiendo leer.",
    "Search busy", "There are too many searches right now. Try again in a few seconds; "
    "everything published can still be read.")
NO_EDITION = ("Sitio en preparación", "Todavía no hay ninguna edición publicada.",
              "Site being prepared", "No edition has been published yet.")

# The page for writes while the origin is unreachable, one per language.
_WRITES_DOWN = {
    "es": ("No se puede escribir ahora mismo",
           "La redacción no responde en este momento, así que publicar, comentar e iniciar "
           "sesión no están disponibles. Lo que enviaste no se ha guardado: vuelve atrás para "
           "conservar tu texto e inténtalo de nuevo en unos minutos. Todo lo publicado se "
           "sigue pudiendo leer.", "Ir a la portada"),
    "en": ("Writing is unavailable right now",
           "The newsroom is not answering at the moment, so publishing, commenting and "
           "logging in are unavailable. What you sent was not saved: go back to keep your "
           "text and try again in a few minutes. Everything published can still be read.",
           "Go to the front page"),
}
_CODES = {400: "bad_request", 404: "not_found", 405: "method_not_allowed", 408: "timeout",
          413: "too_large", 414: "uri_too_long", 429: "rate_limited",
          431: "headers_too_large", 502: "origin_error", 503: "unavailable",
          504: "origin_timeout"}

HTML = b"text/html; charset=utf-8"
JSON = b"application/json"


def _page(lang: str, title: str, sections: list[tuple[str, str, str]], home: str,
          link: str | None = None) -> bytes:
    body = "".join(
        f'<section lang="{code}"><h1>{html.escape(head)}</h1><p>{html.escape(text)}</p>'
        "</section>" for code, head, text in sections
    )
    return (
        f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{html.escape(title)}</title></head><body><main>{body}"
        f'<p><a href="{home}">{html.escape(link or home)}</a></p></main></body></html>\n'
    ).encode()


def bilingual(status: int) -> bytes:
    es_title, es_text, en_title, en_text = _TEXTS.get(status, _TEXTS[400])
    return _page("es", f"{status} · {es_title} / {en_title}",
                 [("es", es_title, es_text), ("en", en_title, en_text)], "/")


def no_edition(texts: tuple[str, str, str, str] = NO_EDITION) -> bytes:
    es_title, es_text, en_title, en_text = texts
    return _page("es", f"{es_title} / {en_title}",
                 [("es", es_title, es_text), ("en", en_title, en_text)], "/")


def writes_down(lang: str) -> bytes:
    title, text, link = _WRITES_DOWN.get(lang, _WRITES_DOWN["en"])
    code = lang if lang in _WRITES_DOWN else "en"
    return _page(code, title, [(code, title, text)], f"/{code}/", link)


@lru_cache(maxsize=512)  # one page per number of seconds: a few hundred at most
def rate_limited(seconds: int) -> bytes:
    """The 429 page of the rate limits (limits.py), saying how long to wait."""
    es_title, _, en_title, _ = _TEXTS[429]
    es = (f"Llegan demasiadas peticiones desde tu dirección o tu red. Vuelve a intentarlo "
          f"dentro de {seconds} {'segundo' if seconds == 1 else 'segundos'}. Si enviabas un "
          "texto, no se ha guardado: vuelve atrás para conservarlo.")
    en = (f"Too many requests are coming from your address or your network. Try again in "
          f"{seconds} {'second' if seconds == 1 else 'seconds'}. If you were sending a text, it "
          "was not saved: go back to keep it.")
    return _page("es", f"429 · {es_title} / {en_title}",
                 [("es", es_title, es), ("en", en_title, en)], "/")


def api_error(status: int, lang: str = "en") -> bytes:
    es_title, es_text, en_title, en_text = _TEXTS.get(status, _TEXTS[400])
    message = f"{es_title}. {es_text}" if lang == "es" else f"{en_title}. {en_text}"
    body = {"error": {"code": _CODES.get(status, "error"), "message": message}}
    return json.dumps(body, ensure_ascii=False).encode() + b"\n"


# Built once: these are what floods of bad requests get, so they cost no work.
BILINGUAL = {status: bilingual(status) for status in _TEXTS}
WRITES_DOWN = {lang: writes_down(lang) for lang in _WRITES_DOWN}
NO_EDITION_PAGE = no_edition()
SEARCH_BUSY = no_edition(SEARCH_BUSY_TEXTS)  # the search threads' queue is full (search.py)
