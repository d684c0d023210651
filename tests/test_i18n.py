"""The Spanish and English catalogs, as a Spanish reader and a maintainer would check
them: every string translated, placeholders and markup kept, the compiled .mo files
in step with the .po files, the catalog in step with the code, and pages under /es/
really in Spanish (and under /en/ really in English), dates included."""

from __future__ import annotations

import ast
import io
import re
import shutil
import time
from collections import Counter
from datetime import datetime
from html.parser import HTMLParser
from pathlib import Path
from zoneinfo import ZoneInfo

import polib
import pytest
from django.core.management import call_command
from django.test import Client, override_settings
from django.utils import translation

import altavoz
from altavoz.newsroom.models import Article
from altavoz.people.models import Organization, User
from tests.conftest import make_article

PACKAGE = Path(altavoz.__file__).resolve().parent
LOCALE = PACKAGE / "locale"
LANGUAGES = ["es", "en"]
PLURAL_FORMS = "nplurals=2; plural=(n != 1);"


def po_path(lang: str) -> Path:
    return LOCALE / lang / "LC_MESSAGES" / "django.po"


def catalog(lang: str) -> polib.POFile:
    path = po_path(lang)
    assert path.exists(), f"{path} is missing: run `make messages`"
    return polib.pofile(str(path))


def key(entry) -> tuple[str | None, str, str]:
    return (entry.msgctxt, entry.msgid, entry.msgid_plural or "")


def translations(entry) -> tuple[str, ...]:
    if entry.msgid_plural:
        return tuple(entry.msgstr_plural[n] for n in sorted(entry.msgstr_plural))
    return (entry.msgstr,)


def show(entries) -> str:
    return "\n".join(f"  {e.msgid!r}" for e in entries)


# --- the catalogs ---------------------------------------------------------------------

@pytest.mark.parametrize("lang", LANGUAGES)
def test_header(lang):
    po = catalog(lang)
    assert po.metadata["Language"] == lang
    assert po.metadata["Plural-Forms"] == PLURAL_FORMS
    assert po.metadata["Content-Type"] == "text/plain; charset=UTF-8"
    assert po.metadata["Content-Transfer-Encoding"] == "8bit"
    assert not po.metadata_is_fuzzy, "the header is still marked fuzzy"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_entry_is_translated_and_checked(lang):
    po = catalog(lang)
    assert len(po) > 100
    untranslated = [e for e in po if not e.obsolete and not all(translations(e))]
    assert not untranslated, f"untranslated in {lang}:\n{show(untranslated)}"
    wrong_plurals = [e for e in po if e.msgid_plural and sorted(e.msgstr_plural) != [0, 1]]
    assert not wrong_plurals, f"plural entries need msgstr[0] and msgstr[1]:\n{show(wrong_plurals)}"
    fuzzy = [e for e in po if "fuzzy" in e.flags]
    assert not fuzzy, f"fuzzy in {lang} (check them, then drop the flag):\n{show(fuzzy)}"
    obsolete = po.obsolete_entries()
    assert not obsolete, f"obsolete in {lang}: run `make messages`:\n{show(obsolete)}"


def test_english_catalog_is_the_source_text():
    different = [e for e in catalog("en")
                 if translations(e) != ((e.msgid, e.msgid_plural) if e.msgid_plural
                                        else (e.msgid,))]
    assert not different, f"English msgstr differs from the source text:\n{show(different)}"


def test_spanish_catalog_is_really_spanish():
    po = catalog("es")
    # Short labels may rightly stay the same ("Debate", "Markdown"); sentences may not.
    same = [e for e in po if len(e.msgid.split()) > 2 and e.msgstr == e.msgid]
    assert not same, f"copied, not translated:\n{show(same)}"
    for msgid, expected in [
        ("Log in", "Iniciar sesión"), ("Log out", "Cerrar sesión"), ("draft", "borrador"),
        ("pending review", "en revisión"), ("published", "publicado"), ("hidden", "oculto"),
        ("rejected", "rechazado"), ("featured", "destacado"), ("Front page", "Portada"),
        ("communal council", "consejo comunal"), ("union", "sindicato"),
        ("collective", "colectivo"), ("Moderation log", "Registro de moderación"),
        ("Two-factor sign-in", "Autenticación en dos pasos"),
    ]:
        assert po.find(msgid).msgstr == expected, msgid


# python-format (%(name)s, %s, %d, …) and brace-format ({name}); "%%" is a literal.
_PERCENT = re.compile(r"%(?:\((?P<name>[^)]*)\))?[#0 +-]*(?:\*|\d+)?(?:\.\d+)?[diouxXeEfFgGcrsa%]")
_BRACE = re.compile(r"(?<!\{)\{(?P<field>[A-Za-z_][A-Za-z0-9_.\[\]]*)?(?:![rsa])?(?::[^{}]*)?\}")
_TAG = re.compile(r"</?[A-Za-z][^<>]*>")


def placeholders(text: str) -> Counter:
    found = Counter(m.group(0) for m in _PERCENT.finditer(text) if m.group(0) != "%%")
    found.update("{%s}" % (m.group("field") or "") for m in _BRACE.finditer(text))
    return found


@pytest.mark.parametrize("lang", LANGUAGES)
def test_placeholders_and_markup_are_kept(lang):
    problems = []
    for entry in catalog(lang):
        sources = [entry.msgid, entry.msgid_plural] if entry.msgid_plural else [entry.msgid]
        for n, text in enumerate(translations(entry)):
            source = sources[min(n, len(sources) - 1)]
            if placeholders(source) != placeholders(text):
                problems.append(f"  {source!r}\n    -> {text!r}: placeholders differ")
            if Counter(_TAG.findall(source)) != Counter(_TAG.findall(text)):
                problems.append(f"  {source!r}\n    -> {text!r}: HTML differs")
    assert not problems, f"in {lang}:\n" + "\n".join(problems)


def test_placeholder_pattern():
    assert placeholders("%(n)d of %(total)s, %s and %%, {name} {}") == Counter(
        {"%(n)d": 1, "%(total)s": 1, "%s": 1, "{name}": 1, "{}": 1})
    assert placeholders("100%% sure") == Counter()


@pytest.mark.parametrize("lang", LANGUAGES)
def test_compiled_catalog_matches_po(lang):
    po = catalog(lang)
    mo_file = po_path(lang).with_suffix(".mo")
    assert mo_file.exists(), f"{mo_file} is missing: run `make messages`"
    mo = polib.mofile(str(mo_file))
    wanted = {key(e): translations(e) for e in po.translated_entries()}
    compiled = {key(e): translations(e) for e in mo}
    stale = sorted(k[1] for k in wanted.keys() ^ compiled.keys()) + sorted(
        k[1] for k in wanted.keys() & compiled.keys() if wanted[k] != compiled[k])
    assert not stale, (
        f"{mo_file.name} ({lang}) is out of date with django.po; run `make messages` "
        "(or `altavoz manage compilemessages` in altavoz/) and commit the .mo:\n"
        + "\n".join(f"  {s!r}" for s in stale)
    )
    assert mo.metadata.get("Plural-Forms") == PLURAL_FORMS


# --- the catalog and the code ---------------------------------------------------------

# Names xgettext recognises as Django's makemessages calls it, and what they may be
# imported as. Anything else (say `gettext_lazy as _lazy`) is never extracted.
_TRANSLATORS = {
    "gettext": {"gettext", "_"}, "gettext_lazy": {"gettext_lazy", "_"},
    "gettext_noop": {"gettext_noop", "_"}, "ngettext": {"ngettext"},
    "ngettext_lazy": {"ngettext_lazy"}, "pgettext": {"pgettext"},
    "pgettext_lazy": {"pgettext_lazy"}, "npgettext": {"npgettext"},
    "npgettext_lazy": {"npgettext_lazy"},
}


def test_translation_functions_are_imported_under_names_makemessages_sees():
    wrong = []
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module == "django.utils.translation":
                for alias in node.names:
                    allowed = _TRANSLATORS.get(alias.name)
                    if allowed and (alias.asname or alias.name) not in allowed:
                        wrong.append(f"  {path.relative_to(PACKAGE.parent)}:{node.lineno}: "
                                     f"{alias.name} as {alias.asname}")
    assert not wrong, (
        "makemessages cannot see strings marked with these names, so they never reach "
        "the catalog (and `make messages` drops their translations); import them under "
        "their own name, or gettext/gettext_lazy as `_`:\n" + "\n".join(wrong)
    )


def _copy_ignore(directory: str, names: list[str]) -> set[str]:
    # Without the committed .po files the copy's extraction starts from nothing.
    return {n for n in names if n == "__pycache__" or n.endswith((".pyc", ".mo", ".po"))}


def test_catalog_covers_the_code(tmp_path, monkeypatch):
    """Extract the strings afresh from a copy of the package and compare them with
    the committed catalog: nothing missing, nothing left over."""
    if shutil.which("xgettext") is None or shutil.which("msguniq") is None:
        pytest.fail("makemessages needs GNU gettext (xgettext, msguniq): "
                    "`apt-get install gettext` (CI must install it too)")
    started = time.monotonic()
    before = po_path("es").read_bytes()
    copy = tmp_path / "altavoz"
    shutil.copytree(PACKAGE, copy, ignore=_copy_ignore)
    monkeypatch.chdir(copy)
    with override_settings(LOCALE_PATHS=[str(copy / "locale")]):
        call_command("makemessages", locale=["es"], no_obsolete=True, no_location=True,
                     verbosity=0, stdout=io.StringIO(), stderr=io.StringIO())
    extracted_po = copy / "locale" / "es" / "LC_MESSAGES" / "django.po"
    assert extracted_po.exists(), "makemessages wrote no catalog"
    extracted = {key(e) for e in polib.pofile(str(extracted_po))}
    committed = {key(e) for e in catalog("es")}
    missing = sorted(k[1] for k in extracted - committed)
    extra = sorted(k[1] for k in committed - extracted)
    report = []
    if missing:
        report.append("in the code but not in the catalog (run `make messages`, then "
                      "translate them in es/django.po):\n"
                      + "\n".join(f"  {m!r}" for m in missing))
    if extra:
        report.append("in the catalog but not extracted from the code (removed from it, or "
                      "marked with a name makemessages does not see):\n"
                      + "\n".join(f"  {m!r}" for m in extra))
    assert not report, "\n".join(report)
    assert po_path("es").read_bytes() == before, "makemessages touched the real catalog"
    assert time.monotonic() - started < 15


# --- what readers see -----------------------------------------------------------------

CARACAS = ZoneInfo("America/Caracas")

# Interface text that must show in one language and never in the other.
SPANISH = ["Buscar", "Iniciar sesión", "Registro de moderación", "Publicar",
           "Saltar al contenido", "Artículos ocultos"]
ENGLISH = ["Search", "Log in", "Moderation log", "Publish", "Skip to content",
           "Hidden articles"]


@pytest.fixture
def articles(contributor, section):
    """The same article in both languages, published on a known day."""
    when = datetime(2025, 11, 7, 15, 30, tzinfo=CARACAS)
    es = make_article(contributor, section, title="Asamblea del consejo comunal",
                      status=Article.Status.PUBLISHED, published_at=when)
    en = make_article(contributor, section, title="Communal council assembly",
                      language="en", status=Article.Status.PUBLISHED, published_at=when,
                      group=es.group, lede="The assembly met.", body="The **assembly** met.")
    return {"es": es, "en": en}


class _VisibleText(HTMLParser):
    """What a reader sees or hears: text and labelling attributes, not scripts,
    JSON-LD, URLs or machine-readable metadata."""

    LABELS = ("alt", "title", "aria-label", "placeholder", "value")

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self.skip += 1
        if ("type", "hidden") not in attrs:
            self.parts.extend(v for k, v in attrs if k in self.LABELS and v)

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self.skip:
            self.skip -= 1

    def handle_data(self, data):
        if not self.skip:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _VisibleText()
    parser.feed(html)
    parser.close()
    return " ".join(" ".join(parser.parts).split())


def pages(client: Client, lang: str, article: Article) -> dict[str, str]:
    out = {}
    for name, url in [
        ("front", f"/{lang}/"),
        ("article", article.get_absolute_url()),
        ("login", f"/{lang}/account/login/"),
        ("register", f"/{lang}/account/register/"),
        ("write", f"/{lang}/write/"),
    ]:
        assert url.startswith(f"/{lang}/")
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        html = response.content.decode()
        assert f'<html lang="{lang}">' in html, url
        out[name] = visible_text(html)
    return out


def test_pages_under_es_are_in_spanish(articles):
    html = pages(Client(), "es", articles["es"])
    for name, text in html.items():
        for word in SPANISH:
            assert word in text, f"{word!r} missing on the Spanish {name} page"
        for word in ENGLISH:
            assert word not in text, f"English {word!r} on the Spanish {name} page"
    assert "Lo más reciente" in html["front"]
    assert "¿Todavía no tienes cuenta?" in html["login"]
    assert "Contraseña" in html["login"]  # Django's own Spanish catalog, too
    assert "Crear una cuenta" in html["register"]
    assert "Publicar un artículo" in html["write"]
    assert "No has iniciado sesión" in html["write"]
    assert "— elige una sección —" in html["write"]


def test_pages_under_en_are_in_english(articles):
    html = pages(Client(), "en", articles["en"])
    for name, text in html.items():
        for word in ENGLISH:
            assert word in text, f"{word!r} missing on the English {name} page"
        for word in SPANISH:
            assert word not in text, f"Spanish {word!r} on the English {name} page"
    assert "Latest" in html["front"]
    assert "No account yet?" in html["login"]
    assert "Password" in html["login"]
    assert "Create an account" in html["register"]
    assert "Publish an article" in html["write"]
    assert "You are not signed in" in html["write"]


def test_write_form_for_a_contributor_is_in_spanish(contributor_client, section):
    html = contributor_client.get("/es/write/").content.decode()
    for text in ["Guardar borrador", "Enviar", "Título", "Resumen", "Texto (Markdown)",
                 "Etiquetas", "Imagen de portada", "Idioma", "Sección"]:
        assert text in html, text
    for text in ["Save draft", "Title", "Summary", "Tags", "Cover image", "Language"]:
        assert f">{text}" not in html, text


def test_dates_follow_the_page_language(articles):
    client = Client()
    spanish = client.get(articles["es"].get_absolute_url()).content.decode()
    english = client.get(articles["en"].get_absolute_url()).content.decode()
    assert "7 de noviembre de 2025" in spanish
    assert "Nov. 7, 2025" not in spanish and "November" not in spanish
    assert "Nov. 7, 2025" in english
    assert "noviembre" not in english
    front_es = client.get("/es/").content.decode()
    front_en = client.get("/en/").content.decode()
    assert "7 de noviembre de 2025" in front_es and "Nov. 7, 2025" in front_en


def test_model_labels_and_plurals_in_spanish(db):
    with translation.override("es"):
        assert str(Article.Status.PENDING.label) == "en revisión"
        assert str(Article.Status.HIDDEN.label) == "oculto"
        assert str(User.Role.TRUSTED.label) == "colaborador de confianza"
        assert str(Organization.Kind.COMMUNAL_COUNCIL.label) == "consejo comunal"
        assert str(Organization._meta.verbose_name_plural) == "organizaciones"
        one = translation.ngettext("%(n)d article updated.", "%(n)d articles updated.", 1)
        many = translation.ngettext("%(n)d article updated.", "%(n)d articles updated.", 3)
        assert (one % {"n": 1}, many % {"n": 3}) == (
            "1 artículo actualizado.", "3 artículos actualizados.")
    with translation.override("en"):
        assert str(Article.Status.PENDING.label) == "pending review"
