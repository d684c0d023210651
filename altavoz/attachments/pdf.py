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
import zlib
from dataclasses import dataclass
from itertools import zip_longest

from pypdf import PdfReader, PdfWriter
from pypdf.filters import ASCII85Decode, ASCIIHexDecode, LZWDecode, RunLengthDecode
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    IndirectObject,
    NameObject,
    NullObject,
    StreamObject,
)

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
# Stream filters by every name readers accept: the standard ones, and the abbreviations
# the standard allows in inline images, which readers also take in streams.
_FILTER_NAMES = {
    "/ASCIIHexDecode": "/ASCIIHexDecode", "/AHx": "/ASCIIHexDecode",
    "/ASCII85Decode": "/ASCII85Decode", "/A85": "/ASCII85Decode",
    "/LZWDecode": "/LZWDecode", "/LZW": "/LZWDecode",
    "/FlateDecode": "/FlateDecode", "/Fl": "/FlateDecode",
    "/RunLengthDecode": "/RunLengthDecode", "/RL": "/RunLengthDecode",
    "/CCITTFaxDecode": "/CCITTFaxDecode", "/CCF": "/CCITTFaxDecode",
    "/DCTDecode": "/DCTDecode", "/DCT": "/DCTDecode",
    "/JBIG2Decode": "/JBIG2Decode", "/JPXDecode": "/JPXDecode",
}
# The filters that give bytes back, which may hold a JPEG (the others give pixels).
_BYTE_FILTERS = {"/ASCIIHexDecode": ASCIIHexDecode.decode, "/ASCII85Decode": ASCII85Decode.decode,
                 "/LZWDecode": LZWDecode.decode, "/RunLengthDecode": RunLengthDecode.decode}
# Bytes we are willing to decode, in all, to reach the JPEGs of one document. A JPEG
# under FlateDecode inflates to about its stored size, so honest documents need a
# fraction of this (the upload limit is 20 MB); more is a deflate bomb.
MAX_DECODED_BYTES = 100_000_000

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


class _Budget:
    """What is left of MAX_DECODED_BYTES for this document."""

    def __init__(self) -> None:
        self.left = MAX_DECODED_BYTES

    def spend(self, size: int) -> None:
        self.left -= size
        if self.left < 0:
            raise PdfProblem("too_complex")


def _inspect_and_strip(root: DictionaryObject) -> None:
    """Walk everything reachable from the catalog: refuse active content, and remove
    metadata in place (pypdf caches resolved objects, so the clone sees the changes)."""
    budget = _Budget()
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
            if isinstance(node, StreamObject):
                _strip_embedded_jpeg(node, budget)
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


def _strip_embedded_jpeg(stream: StreamObject, budget: _Budget) -> None:
    """Pictures inside a PDF are often phone photos stored as JPEG, EXIF and GPS included,
    under DCTDecode, alone or after filters that give bytes back ([/FlateDecode
    /DCTDecode]), by any of its names. Every stream is looked at, not only those that
    say they are pictures: a damaged /Subtype still leaves the bytes in the file."""
    chain = _filters(stream)
    if not chain:
        # A JPEG without its filter (the key damaged): no reader shows it, but it tells.
        if stream._data[:3] == b"\xff\xd8\xff":
            stream._data = strip_jpeg_metadata(stream._data) or stream._data
        return
    if chain[-1][0] != "/DCTDecode":
        if any(name == "/DCTDecode" for name, _ in chain):
            raise PdfProblem("invalid")  # DCT gives pixels: nothing decodes after it
        return
    data = stream._data
    for name, parms in chain[:-1]:
        data = _undo(name, parms, data, budget)
    stripped = strip_jpeg_metadata(data)
    if stripped is None:
        raise PdfProblem("invalid")
    # The raw (still encoded) bytes are what the writer copies; /Length follows them.
    # Stored as the JPEG alone, under the name every reader knows (deflating a JPEG
    # again gains next to nothing).
    stream._data = stripped
    stream[NameObject("/Filter")] = NameObject("/DCTDecode")
    dct_parms = chain[-1][1]
    if isinstance(dct_parms, DictionaryObject):
        stream[NameObject("/DecodeParms")] = dct_parms
    else:
        stream.pop(NameObject("/DecodeParms"), None)


def _filters(stream: StreamObject) -> list[tuple[str, object]]:
    """The stream's filters in decoding order, by standard name, each with its
    parameters. A filter no reader knows is refused: whatever it hides, a picture
    too, could not be cleaned."""
    filters = _resolved(stream.get("/Filter"))
    if filters is None:
        return []
    parms = _resolved(stream.get("/DecodeParms"))
    if isinstance(filters, NameObject):
        filters, parms = [filters], [parms]
    elif isinstance(filters, ArrayObject):
        filters = [_resolved(name) for name in filters]
        parms = ([_resolved(p) for p in parms] if isinstance(parms, ArrayObject)
                 else [None] * len(filters))
    else:
        raise PdfProblem("invalid")
    chain = []
    for name, parm in zip_longest(filters, parms[:len(filters)]):
        if not isinstance(name, NameObject) or name not in _FILTER_NAMES:
            raise PdfProblem("invalid")
        chain.append((_FILTER_NAMES[name], parm))
    return chain


def _resolved(value: object) -> object:
    """An indirect reference followed; a PDF null as None."""
    if isinstance(value, IndirectObject):
        value = value.get_object()
    return None if isinstance(value, NullObject) else value


def _undo(name: str, parms: object, data: bytes, budget: _Budget) -> bytes:
    """`data` with one filter before a JPEG undone, within the document's budget."""
    if isinstance(parms, DictionaryObject) and parms.get("/Predictor", 1) != 1:
        raise PdfProblem("invalid")  # predictors are for pixels, never before a JPEG
    if name == "/FlateDecode":
        inflate = zlib.decompressobj()
        try:
            out = inflate.decompress(data, max(budget.left, 0) + 1)
        except zlib.error as exc:
            raise PdfProblem("invalid") from exc
    elif name in _BYTE_FILTERS:
        out = _BYTE_FILTERS[name](data)
    else:
        raise PdfProblem("invalid")  # CCITT, JBIG2 and JPX give pixels, not a JPEG
    budget.spend(len(out))
    return out
