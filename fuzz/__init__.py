"""Coverage-guided fuzzing targets for atheris: `make fuzz`, or one target with
`python -m fuzz TARGET [corpus dirs] [libFuzzer options]`.

Each target module has `one_input(data: bytes)`, which raises (an AssertionError
for a broken property, anything else for a crash) or returns. The properties are
the test suite's own (tests/shield/test_fuzz*.py, tests/newsroom/test_sanitize_fuzz.py,
tests/attachments/test_upload_fuzz.py); the suite also replays every file under
fuzz/corpus/ through its target, so a reproducer saved there stays fixed.
"""

from __future__ import annotations

from pathlib import Path

CORPUS = Path(__file__).resolve().parent / "corpus"


def corpus(target: str) -> list[Path]:
    """The committed inputs of one target (hand-picked seeds and saved reproducers)."""
    return sorted(p for p in (CORPUS / target).iterdir() if p.is_file() and p.name[0] != ".")
