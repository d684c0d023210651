"""PDF documents: refuse active content, and rewrite without metadata.

A PDF can say who made it (document info: Author, Creator, Producer, Title; XMP
streams on the document, its pages and its pictures; annotation authors), and
can act on the reader's machine (JavaScript, launching programs, submitting
forms, attached files). We refuse the second kind outright rather than try to
strip it: stripping active content from a hostile file is easy to get subtly
wrong, and honest documents rarely carry any. The first kind is removed by
rewriting the document from its page tree with pypdf, so the document info
dictionary, the file identifiers and any unreachable objects (old revisions
kept by incremental saves) are left behind.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass

from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject, StreamObject

from altavoz.attachments.jpeg import strip_jpeg_metadata

# How many dictionaries and arrays we are willing to inspect in one document.
# A 500-page report has tens of thousands; far more is a file built to make us work.
MAX_NODES = 1_000_000
# Actions that run code or reach outside the document.
_ACTIVE_ACTIONS = {
    "/JavaScript", "/Launch", "/SubmitForm", "/ImportData", "/GoToR", "/GoToE",
    "/RichMediaExecute",
}
_ACTIVE_KEYS = {"/JS", "/JavaScript", "/EmbeddedFiles", "/EF", "/XFA", "/RichMediaContent"}
_ACTIVE_SUBTYPES = {"/FileAttachment", "/RichMedia", "/Movie", "/Sound", "/Screen"}
# Links may go to the web or to an e-mail address; anything else is a way to run something.
_SAFE_URI_SCHEMES = ("http:", "https:", "mailto:")
# Private data of the program that made the file, and XMP metadata streams.
_METADATA_KEYS = ("/Metadata", "/PieceInfo")
# In a markup annotation (a sticky note, a highlight) /T is its author's name.
_ANNOTATION_PERSONAL_KEYS = ("/T", "/M", "/CreationDate")

log = logging.getLogger(__name__)


class PdfProblem(Exception):
    """Why a PDF was refused. code: "encrypted", "active", "invalid", "too_complex"."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class CleanPdf:
    data: bytes
    pages: int


def clean_pdf(data: bytes) -> CleanPdf:
    """Parse, check and rewrite `data`; raise PdfProblem when it cannot be accepted."""
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise PdfProblem("encrypted")
        root = reader.trailer["/Root"].get_object()
        if not isinstance(root, DictionaryObject) or len(reader.pages) == 0:
            raise PdfProblem("invalid")
        _inspect_and_strip(root)
        writer = PdfWriter()
        writer.clone_reader_document_root(reader)
        writer.pdf_header = reader.pdf_header
        out = io.BytesIO()
        writer.write(out)
        cleaned = out.getvalue()
        # Read our own output back: what we store must open in a reader.
        pages = len(PdfReader(io.BytesIO(cleaned), strict=False).pages)
    except PdfProblem:
        raise
    except RecursionError as exc:
        raise PdfProblem("too_complex") from exc
    # pypdf signals damaged files through many exception types; all mean "unusable".
    except Exception as exc:  # noqa: BLE001
        log.info("PDF refused as unreadable: %s", type(exc).__name__)
        raise PdfProblem("invalid") from exc
    return CleanPdf(cleaned, pages)


def _inspect_and_strip(root: DictionaryObject) -> None:
    """Walk everything reachable from the catalog: refuse active content, and remove
    metadata in place (pypdf caches resolved objects, so the clone sees the changes)."""
    seen: set[tuple[int, int]] = set()
    stack: list = [root]
    nodes = 0
    while stack:
        node = stack.pop()
        if isinstance(node, IndirectObject):
            ref = (node.idnum, node.generation)
            if ref in seen:
                continue
            seen.add(ref)
            node = node.get_object()
        nodes += 1
        if nodes > MAX_NODES:
            raise PdfProblem("too_complex")
        if isinstance(node, DictionaryObject):
            _check_dictionary(node)
            _strip_dictionary(node)
            stack.extend(value for key, value in node.items() if key != "/Parent")
        elif isinstance(node, ArrayObject):
            stack.extend(node)


def _check_dictionary(node: DictionaryObject) -> None:
    if _ACTIVE_KEYS.intersection(node.keys()):
        raise PdfProblem("active")
    if node.get("/S") in _ACTIVE_ACTIONS or node.get("/Subtype") in _ACTIVE_SUBTYPES:
        raise PdfProblem("active")
    if node.get("/Type") == "/EmbeddedFile":
        raise PdfProblem("active")
    if node.get("/S") == "/URI":
        uri = str(node.get("/URI", "")).strip().lower()
        if not uri.startswith(_SAFE_URI_SCHEMES):
            raise PdfProblem("active")


def _strip_dictionary(node: DictionaryObject) -> None:
    for key in _METADATA_KEYS:
        node.pop(NameObject(key), None)
    is_annotation = node.get("/Type") == "/Annot" or ("/Subtype" in node and "/Rect" in node)
    # A form field's /T is its name, not a person's: keep it.
    if is_annotation and node.get("/Subtype") != "/Widget":
        for key in _ANNOTATION_PERSONAL_KEYS:
            node.pop(NameObject(key), None)
    if isinstance(node, StreamObject) and node.get("/Subtype") == "/Image":
        _strip_embedded_jpeg(node)


def _strip_embedded_jpeg(stream: StreamObject) -> None:
    """Pictures inside a PDF are often phone photos stored as JPEG, EXIF and GPS included."""
    filters = stream.get("/Filter")
    if isinstance(filters, ArrayObject):
        filters = filters[0] if len(filters) == 1 else None
    if filters != "/DCTDecode":
        return
    stripped = strip_jpeg_metadata(stream._data)
    if stripped is None:
        raise PdfProblem("invalid")
    # The raw (still encoded) bytes are what the writer copies; /Length follows them.
    stream._data = stripped
