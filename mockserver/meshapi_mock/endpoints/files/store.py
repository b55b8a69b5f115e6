"""The files one fake holds: their bytes, their steps on the fake's clock, their chunks.

A file is made by `init` (upload `pending`, its signed URL live for `SIGNED_URL_TTL`
seconds), gets its bytes from the signed `PUT` (upload `processing` for the plan's
seconds, then `ready` or `failed`), and is embedded when asked (or at once with `embed`
at init): embedding `pending` while the upload is processed, then `processing`, then
`ready` or `failed`. Nothing runs in the background: a file's status is computed from
the clock times it was uploaded and asked to embed, so `server.clock.advance(s)` moves it.

Bounded: at most `MAX_FILES` files and `MAX_TOTAL_BYTES` of content; past either, the
oldest files are forgotten first. One upload is at most `MAX_UPLOAD_BYTES`
(`FileStore.max_upload_bytes`, which a test may lower until the next reset).
"""

from __future__ import annotations

import array
import hmac
import threading
import uuid
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from ...errors import MeshError
from ..embeddings import vectors
from .text import Chunk, chunk_text, extract_text
from .vocabulary import DEFAULT_EMBEDDING_SECONDS, DEFAULT_UPLOAD_SECONDS, StepSpec

if TYPE_CHECKING:
    from ..base import Host

MAX_FILES = 1000
MAX_UPLOAD_BYTES = 25 * 1024 * 1024
"""One file's bytes at most (25 MiB); a larger `PUT` is a 413."""
MAX_TOTAL_BYTES = 256 * 1024 * 1024
SIGNED_URL_TTL = 3600
"""Seconds of the fake's clock a signed upload URL works for."""
SEARCH_DIMENSIONS = 256
"""Dimensions of the vectors search compares (the embeddings area's default-mode ones)."""
PRICE_PER_TOKEN = 0.02 / 1_000_000
"""`total_cost_usd`: what text-embedding-3-small costs."""


def iso_time(seconds: float) -> str:
    return datetime.fromtimestamp(int(seconds), timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class Step:
    """How long a step stays `processing` and how it ends (`fail`: its error code)."""

    seconds: float
    fail: str | None = None

    def then(self, spec: StepSpec | None) -> Step:
        """This plan with what a rule scripts on top."""
        if spec is None:
            return self
        seconds = self.seconds if spec.seconds is None else spec.seconds
        return Step(seconds, spec.fail if spec.fail is not None else self.fail)


UPLOAD = Step(DEFAULT_UPLOAD_SECONDS)
EMBEDDING = Step(DEFAULT_EMBEDDING_SECONDS)


@dataclass
class Indexed:
    chunks: list[Chunk]
    vectors: list[array.array[float]]
    tokens: int

    @property
    def size(self) -> int:
        """Bytes it holds, about: what it counts against the store's bound."""
        text = sum(len(c.text) + len(c.parent_text) for c in self.chunks)
        return text + 4 * SEARCH_DIMENSIONS * len(self.vectors)


def build_index(content: bytes, mime_type: str) -> Indexed:
    text = extract_text(content, mime_type)
    chunks = chunk_text(text)
    found = [vectors.text_vector(c.text, SEARCH_DIMENSIONS).values for c in chunks]
    return Indexed(chunks, found, vectors.text_tokens(text))


@dataclass
class StoredFile:
    id: str
    file_name: str
    mime_type: str
    metadata: dict[str, Any]
    created: float
    """Clock time of the init (Unix seconds)."""
    expires: int
    sig: str
    signed_url: str
    upload: Step = UPLOAD
    embedding: Step = EMBEDDING
    auto_embed: bool = False
    content: bytes | None = None
    uploaded_at: float | None = None
    embed_asked_at: float | None = None
    held: int = 0
    """Bytes of content and index it counts against the store's bound."""
    _index: Indexed | None = field(default=None, repr=False)

    # ------------------------------------------------------------------ the steps

    @property
    def file_type(self) -> str:
        stem, dot, extension = self.file_name.rpartition(".")
        if dot and stem and extension and len(extension) <= 16:
            return extension.lower()
        return self.mime_type.rpartition("/")[2].split("+")[0].lower()

    @property
    def processed_at(self) -> float | None:
        """When the upload's processing ends (None before the PUT)."""
        return None if self.uploaded_at is None else self.uploaded_at + self.upload.seconds

    def upload_status(self, now: float) -> str:
        done = self.processed_at
        if done is None:
            return "pending"
        if now < done:
            return "processing"
        return "failed" if self.upload.fail is not None else "ready"

    @property
    def embed_asked(self) -> float | None:
        if self.embed_asked_at is not None:
            return self.embed_asked_at
        return self.created if self.auto_embed else None

    @property
    def embedding_starts(self) -> float | None:
        asked, done = self.embed_asked, self.processed_at
        return None if asked is None or done is None else max(asked, done)

    def embedding_status(self, now: float) -> str:
        if self.embed_asked is None:
            return "not_started"
        upload = self.upload_status(now)
        if upload in ("pending", "processing"):
            return "pending"
        if upload == "failed":
            return "failed"
        start = self.embedding_starts
        assert start is not None
        if now < start + self.embedding.seconds:
            return "processing"
        return "failed" if self.embedding.fail is not None else "ready"

    def ends_at(self) -> float | None:
        """When every step asked for has ended (None: one waits for the bytes)."""
        done = self.processed_at
        if done is None:
            return None
        start = self.embedding_starts
        if start is None or self.upload.fail is not None:
            return done
        return start + self.embedding.seconds

    def error_code(self, now: float) -> str | None:
        if self.upload_status(now) == "failed":
            return self.upload.fail
        if self.embedding_status(now) == "failed":
            return self.embedding.fail
        return None

    def updated(self, now: float) -> float:
        """The clock time of the last change a client could see by `now`."""
        times = [self.created, self.uploaded_at, self.processed_at, self.embed_asked_at]
        start = self.embedding_starts
        if start is not None and self.upload.fail is None:
            times += [start, start + self.embedding.seconds]
        return max(t for t in times if t is not None and t <= now)

    # ------------------------------------------------------------------ the text

    def index(self) -> Indexed:
        """The chunks and their vectors (made by `FileStore.index` once the bytes arrive)."""
        found = self._index
        if found is None:
            found = self._index = build_index(self.content or b"", self.mime_type)
        return found

    # ------------------------------------------------------------------ the wire

    def status(self, now: float) -> dict[str, Any]:
        """The FileStatus a client sees at clock time `now`."""
        upload, embedding = self.upload_status(now), self.embedding_status(now)
        ready = embedding == "ready"
        tokens = self.index().tokens if ready else None
        return {
            "file_id": self.id,
            "upload_status": upload,
            "file_name": self.file_name,
            "file_type": self.file_type,
            "mime_type": self.mime_type,
            "size_bytes": None if self.content is None else len(self.content),
            "asset_url": None,
            "signed_url": self.signed_url if upload == "pending" else None,
            "signed_url_expires_at": iso_time(self.expires) if upload == "pending" else None,
            "embedding_status": embedding,
            "created_at": iso_time(self.created),
            "updated_at": iso_time(self.updated(now)),
            "total_tokens": tokens,
            "total_cost_usd": None if tokens is None else round(tokens * PRICE_PER_TOKEN, 12),
            "last_error_code": self.error_code(now),
        }


class FileStore:
    """Files by id, oldest first. Thread-safe: the server writes, a test reads."""

    def __init__(self) -> None:
        self.max_upload_bytes = MAX_UPLOAD_BYTES
        self.max_files = MAX_FILES
        self.max_total_bytes = MAX_TOTAL_BYTES
        self._lock = threading.Lock()
        self._files: OrderedDict[str, StoredFile] = OrderedDict()
        self._bytes = 0
        self._made = 0

    def __len__(self) -> int:
        return len(self._files)

    def all(self) -> list[StoredFile]:
        with self._lock:
            return list(self._files.values())

    def get(self, file_id: str) -> StoredFile | None:
        with self._lock:
            return self._files.get(file_id)

    def find(self, file_id: str) -> StoredFile:
        found = self.get(file_id)
        if found is None:
            raise MeshError(404, "not_found", f"No file with id {file_id!r}.")
        return found

    def create(
        self,
        state: Host,
        *,
        base_url: str,
        file_name: str,
        mime_type: str,
        metadata: dict[str, Any] | None,
        auto_embed: bool,
        upload: Step,
        embedding: Step,
    ) -> StoredFile:
        now = state.clock.now()
        with self._lock:
            self._made += 1
            number = self._made
        digest = state.ids.digest(b"file", b"%d" % number)
        file_id = str(uuid.UUID(bytes=bytes.fromhex(digest), version=4))
        expires = int(now) + SIGNED_URL_TTL
        sig = state.ids.digest(b"file-upload", file_id.encode(), b"%d" % expires)
        url = f"{base_url}/v1/files/{file_id}/upload?expires={expires}&sig={sig}"
        stored = StoredFile(
            id=file_id,
            file_name=file_name,
            mime_type=mime_type,
            metadata=dict(metadata or {}),
            created=now,
            expires=expires,
            sig=sig,
            signed_url=url,
            upload=upload,
            embedding=embedding,
            auto_embed=auto_embed,
        )
        with self._lock:
            self._files[file_id] = stored
            self._trim(keep=file_id)
        return stored

    def accept(
        self,
        file_id: str,
        expires: int,
        sig: str,
        content_type: str | None,
        content: bytes,
        now: float,
        *,
        upload: StepSpec | None = None,
        embedding: StepSpec | None = None,
    ) -> StoredFile:
        """The signed PUT: 404 unknown file, 403 bad or expired signature or another
        content type, 413 too large, 409 already uploaded (a signed URL is good once).
        A rule's `upload` and `embedding` steps go on top of the file's plan."""
        stored = self.find(file_id)
        good = expires == stored.expires and hmac.compare_digest(sig, stored.sig)
        if not good:
            raise MeshError(
                403, "forbidden", "The signature does not match this file's signed upload URL."
            )
        if now > stored.expires:
            raise MeshError(
                403,
                "forbidden",
                f"The signed upload URL expired at {iso_time(stored.expires)}; init the upload "
                "again.",
            )
        sent = (content_type or "").split(";", 1)[0].strip().lower()
        if sent != stored.mime_type.lower():
            raise MeshError(
                403,
                "forbidden",
                f"The upload was signed for Content-Type {stored.mime_type!r}; the PUT sent "
                f"{content_type!r}.",
            )
        if len(content) > self.max_upload_bytes:
            raise MeshError(
                413,
                "payload_too_large",
                f"The file is {len(content)} bytes; an upload is at most "
                f"{self.max_upload_bytes} bytes.",
            )
        with self._lock:
            if stored.content is not None:
                raise MeshError(
                    409,
                    "conflict",
                    f"File {file_id!r} is already uploaded; a signed URL takes one upload.",
                )
            stored.content, stored.uploaded_at = content, now
            stored.upload = stored.upload.then(upload)
            stored.embedding = stored.embedding.then(embedding)
            stored.held += len(content)
            self._bytes += len(content)
            self._trim(keep=file_id)
        return stored

    def index(self, stored: StoredFile) -> None:
        """Chunk and embed an uploaded file's text (slow for a large file: a worker thread
        may call it) and count what that holds against the store's bound."""
        built = build_index(stored.content or b"", stored.mime_type)
        with self._lock:
            stored._index = built
            if self._files.get(stored.id) is stored:
                stored.held += built.size
                self._bytes += built.size
                self._trim(keep=stored.id)

    def ask_embedding(self, stored: StoredFile, spec: StepSpec | None, now: float) -> None:
        """Embed as planned, with a rule's `spec` on top. A failed embedding may be asked
        again (it then succeeds unless `spec` fails it); a file embedding or embedded
        keeps its course, one waiting for its upload takes the new plan."""
        with self._lock:
            status = stored.embedding_status(now)
            if status == "not_started":
                stored.embedding = stored.embedding.then(spec)
                stored.embed_asked_at = now
            elif status == "failed" and stored.upload.fail is None:
                stored.embedding = Step(stored.embedding.seconds).then(spec)
                stored.embed_asked_at = now
            elif status == "pending":
                stored.embedding = stored.embedding.then(spec)

    def _trim(self, keep: str) -> None:
        """Forget the oldest files while over a bound (never the one just written)."""
        while len(self._files) > self.max_files or self._bytes > self.max_total_bytes:
            oldest = next((k for k in self._files if k != keep), None)
            if oldest is None:
                return
            self._bytes -= self._files.pop(oldest).held

    def page(self, limit: int, offset: int, now: float) -> dict[str, Any]:
        """Newest first, `limit` files from `offset` on."""
        with self._lock:
            files = list(reversed(self._files.values()))
        chosen = files[offset : offset + limit]
        return {
            "files": [f.status(now) for f in chosen],
            "total": len(files),
            "limit": limit,
            "offset": offset,
        }


def files_of(state: Host) -> FileStore:
    return state.store(STORE, FileStore)


STORE = "files"
