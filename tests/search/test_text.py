"""Normalization, stemming and query parsing: no database needed."""

from __future__ import annotations

from altavoz.search.fts5 import match_expression
from altavoz.search.query import MAX_QUERY_CHARS, MAX_TERMS, Term, parse_query
from altavoz.search.text import normalize, stem, stems, words


def test_normalize_drops_case_and_accents():
    assert normalize("REVOLUCIÓN") == "revolucion"
    assert normalize("Ñandú Pingüino") == "nandu pinguino"
    assert normalize("o\u0301") == "o"  # decomposed accents too


def test_words_split_on_anything_but_letters_and_digits():
    assert words("¡Huelga! en la planta_3 (2025)") == ["huelga", "en", "la", "planta", "3", "2025"]


def test_spanish_and_english_stems_meet_across_forms():
    assert stem("campesinos", "es") == stem("campesino", "es") == stem("campesina", "es")
    assert stem("revolucion", "es") == stem(normalize("revolución"), "es")
    assert stem("elections", "en") == stem("election", "en")
    assert stem("palabra", "xx") == "palabra"  # a language without a stemmer
    assert stems("Las CAMPESINAS", "es") == ["las", stem("campesina", "es")]


def test_parse_words_phrases_and_exclusions():
    parsed = parse_query('agua "asamblea campesina" -represa derechos-humanos')
    assert parsed.include == (Term(("agua",)), Term(("asamblea", "campesina")),
                              Term(("derechos", "humanos")))
    assert parsed.exclude == (Term(("represa",)),)
    assert parse_query('-"mala palabra" bien').exclude == (Term(("mala", "palabra")),)


def test_parse_drops_stop_words_unless_nothing_else_is_left():
    assert parse_query("la huelga de los maestros").include == (
        Term(("huelga",)), Term(("maestros",)))
    assert parse_query("de la").include == (Term(("de",)), Term(("la",)))
    assert parse_query('"derecho a la vivienda"').include == (
        Term(("derecho", "a", "la", "vivienda")),)


def test_parse_junk_is_empty_not_an_error():
    for junk in ["", "   ", "!!!", '"', '""', "-", "- -", "-palabra", "()", "\x00\x00",
                 "AND OR NOT", "*", "^", "NEAR(a b)", "\ud800"]:
        parsed = parse_query(junk)
        assert all(t.words for t in parsed.include + parsed.exclude), junk
    assert parse_query("-palabra").is_empty
    assert parse_query("!!!").is_empty


def test_parse_caps_length_and_terms():
    parsed = parse_query(" ".join(f"w{i}" for i in range(500)))
    assert len(parsed.include) == MAX_TERMS
    assert len(parse_query("y" * 10_000).text) == MAX_QUERY_CHARS


def test_fts5_expression_quotes_every_term():
    parsed = parse_query('campesinos "asamblea popular" -represa OR NOT col:x')
    expr = match_expression(parsed, ["es", "en"])
    assert expr is not None
    # Every bare token is inside double quotes: nothing the reader typed is syntax.
    assert expr.startswith("{title lede body tags} : (")
    outside = " ".join(expr.removeprefix("{title lede body tags} :").split('"')[::2])
    assert set(outside.replace("(", " ").replace(")", " ").split()) <= {"AND", "OR", "NOT"}, expr
    assert match_expression(parse_query("!!!"), ["es"]) is None


def test_the_index_modules_load_without_django():
    """An edge answers searches from a standalone index file with no Django setup."""
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]

    code = ("import sys; from altavoz.search import fts5, paging, query, text, documents; "
            "assert not [m for m in sys.modules if m.split('.')[0] == 'django'], 'django'")
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(root)}
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
