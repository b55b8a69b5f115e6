"""An uploaded file's text and its chunks, as search sees them.

Text types (`text/*`, JSON, XML, YAML, CSV, JavaScript, …) decode as UTF-8 (bad bytes
replaced). Others get a best effort: bytes that are valid UTF-8 read as text; a PDF
gives the strings of its uncompressed text operators; anything else its runs of printable
characters (at least four long), as `strings` would. Nothing here is clever: it is
enough for a test to find what it uploaded.

The text (its first `MAX_TEXT_CHARS`) is cut into paragraphs (blank lines), and
paragraphs longer than `CHUNK_CHARS` at sentence ends, else at spaces. A chunk's
`parent_text` is its paragraph (clipped to `PARENT_CHARS`), as retrieval systems hand the
larger context to the model.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

CHUNK_CHARS = 400
"""A chunk is at most this many characters (a word longer than that is cut)."""
PARENT_CHARS = 2000
MAX_CHUNKS = 1024
"""Chunks kept per file: text past them is not searched (a test needs far fewer)."""
MAX_TEXT_CHARS = MAX_CHUNKS * CHUNK_CHARS
"""Characters of a file's text chunked: more could not fit in `MAX_CHUNKS` chunks."""

_TEXT_SUBTYPES = ("json", "xml", "yaml", "csv", "javascript", "markdown", "x-ndjson", "toml")
_PARAGRAPHS = re.compile(r"\n[ \t]*\n+")
_SENTENCE_END = re.compile(r"(?<=[.!?;:])\s+")
_SPACES = re.compile(r"[ \t\r\f\v]+")
_PRINTABLE_RUN = re.compile(rb"[\x20-\x7e\t\n]{4,}")
_PDF_STRING = re.compile(rb"\(((?:[^()\\]|\\.)*)\)\s*(?:Tj|'|\")|\[((?:[^\]\\]|\\.)*)\]\s*TJ")
_PDF_PART = re.compile(rb"\(((?:[^()\\]|\\.)*)\)")
_PDF_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"(": b"(", b")": b")", b"\\": b"\\"}


def is_text_type(mime_type: str) -> bool:
    kind, _, subtype = mime_type.lower().partition("/")
    return kind == "text" or subtype.endswith(_TEXT_SUBTYPES) or "+json" in subtype


def extract_text(content: bytes, mime_type: str) -> str:
    """The file's text, best effort for types that are not text."""
    if is_text_type(mime_type):
        return content.decode("utf-8", "replace")
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        pass
    if mime_type.lower() == "application/pdf" or content.startswith(b"%PDF"):
        found = _pdf_text(content)
        if found.strip():
            return found
    return "\n".join(run.decode("ascii").strip() for run in _PRINTABLE_RUN.findall(content))


def _pdf_text(content: bytes) -> str:
    lines: list[bytes] = []
    for match in _PDF_STRING.finditer(content):
        if match.group(1) is not None:
            lines.append(_pdf_unescape(match.group(1)))
        else:
            lines.append(b"".join(_pdf_unescape(p) for p in _PDF_PART.findall(match.group(2))))
    return "\n".join(line.decode("latin-1") for line in lines)


def _pdf_unescape(raw: bytes) -> bytes:
    return re.sub(rb"\\(.)", lambda m: _PDF_ESCAPES.get(m.group(1), m.group(1)), raw)


@dataclass(frozen=True, slots=True)
class Chunk:
    index: int
    text: str
    parent_text: str


def chunk_text(text: str) -> list[Chunk]:
    """The text's chunks in order (at most `MAX_CHUNKS`); whitespace-only text has none."""
    chunks: list[Chunk] = []
    text = text[:MAX_TEXT_CHARS].replace("\r\n", "\n")
    for paragraph in _PARAGRAPHS.split(text):
        paragraph = _SPACES.sub(" ", paragraph).strip()
        if not paragraph:
            continue
        parent = paragraph[:PARENT_CHARS]
        for piece in _pieces(paragraph):
            chunks.append(Chunk(len(chunks), piece, parent))
            if len(chunks) == MAX_CHUNKS:
                return chunks
    return chunks


def _pieces(paragraph: str) -> list[str]:
    """The paragraph in pieces of at most `CHUNK_CHARS`, cut at sentence ends first."""
    if len(paragraph) <= CHUNK_CHARS:
        return [paragraph]
    pieces: list[str] = []
    current = ""
    for sentence in _SENTENCE_END.split(paragraph):
        for part in _fit(sentence):
            if current and len(current) + 1 + len(part) > CHUNK_CHARS:
                pieces.append(current)
                current = part
            else:
                current = f"{current} {part}" if current else part
    if current:
        pieces.append(current)
    return pieces


def _fit(sentence: str) -> list[str]:
    """A sentence longer than a chunk, cut at spaces (a longer word, anywhere)."""
    if len(sentence) <= CHUNK_CHARS:
        return [sentence]
    parts: list[str] = []
    current = ""
    for word in sentence.split(" "):
        while len(word) > CHUNK_CHARS:
            if current:
                parts.append(current)
                current = ""
            parts.append(word[:CHUNK_CHARS])
            word = word[CHUNK_CHARS:]
        if current and len(current) + 1 + len(word) > CHUNK_CHARS:
            parts.append(current)
            current = word
        else:
            current = f"{current} {word}" if current else word
    if current:
        parts.append(current)
    return parts
