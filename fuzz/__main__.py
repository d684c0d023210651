"""`python -m fuzz TARGET [libFuzzer arguments]`: run one target under atheris.

The code under test is imported inside atheris.instrument_imports, so that
libFuzzer sees which branches of it an input reaches (httptools, nh3 and Pillow's
C parts are native code, fuzzed without that guidance).
"""

from __future__ import annotations

import importlib
import logging
import sys

# Target → the packages whose Python code guides the fuzzer.
TARGETS = {
    "edge_requests": ("altavoz.shield",),
    "sanitize": ("altavoz", "markdown_it"),
    "uploads": ("altavoz", "pypdf", "PIL"),
}


def main(argv: list[str]) -> int:
    if len(argv) < 2 or argv[1] not in TARGETS:
        print(f"usage: python -m fuzz {{{'|'.join(TARGETS)}}} [corpus dir…] [-max_total_time=N]",
              file=sys.stderr)
        return 2
    try:
        import atheris
    except ImportError:
        print("atheris is not installed: .venv/bin/pip install -e '.[fuzz]'", file=sys.stderr)
        return 2
    name = argv[1]
    logging.disable(logging.WARNING)  # pypdf and the edge log about every bad input
    with atheris.instrument_imports(include=list(TARGETS[name])):
        target = importlib.import_module(f"fuzz.{name}")
    atheris.Setup([argv[0], *argv[2:]], target.one_input)
    atheris.Fuzz()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
