"""The files scripting face.

mock.files.durations(upload=5, embedding=30)              # every file made from now on
mock.files.when(file_name="scan.pdf").fail_upload("unsupported_file_type")
mock.files.when(mime_type="text/csv").fail_embedding("embedding_failed")
mock.files.when(operation="embed").fail_embedding("quota_exceeded")  # the files of one call
mock.files.hits(["Refunds take 5 days."])                  # the next search
mock.files.when(operation="upload").error(500)             # the signed PUT fails
mock.files.stored                                          # what the fake holds now

Step verbs (`durations`, `fail_upload`, `fail_embedding`) script `init` unless `when`
names another operation, so they apply to the files made while they last; `hits`
scripts `search`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ...scripting.rulebook import Predicate, Rule
from ...scripting.script import Script, Times
from ...scripting.spec import TextCriterion
from .store import FileStore, StoredFile, files_of
from .vocabulary import FilesMatch, FilesReply, HitSpec, Operation

HitLike = HitSpec | Mapping[str, Any] | str


class FilesScript(Script[FilesMatch]):
    """Scripts `/v1/files` (RAG) and shows the files the fake holds."""

    endpoint = "files"
    match_model = FilesMatch
    reply_model = FilesReply

    def when(
        self,
        *,
        operation: Operation | None = None,
        file_name: TextCriterion | None = None,
        mime_type: TextCriterion | None = None,
        query: TextCriterion | None = None,
        file_id: str | None = None,
        headers: Mapping[str, str | TextCriterion] | None = None,
        nth: int | None = None,
        predicate: Predicate | None = None,
    ) -> FilesScript:
        """Only calls meeting every given criterion (`file_name`, `mime_type`: an init's;
        `query`: a search's; strings mean 'contains')."""
        criteria = {
            "operation": operation,
            "file_name": file_name,
            "mime_type": mime_type,
            "query": query,
            "file_id": file_id,
            "headers": dict(headers) if headers is not None else None,
            "nth": nth,
        }
        return self._narrow(criteria, predicate)

    def _on(self, operation: Operation) -> FilesScript:
        """This script, on `operation` unless `when` named one."""
        return self if self._match.operation is not None else self.when(operation=operation)

    # ----------------------------------------------------------------- steps

    def durations(
        self,
        *,
        upload: float | None = None,
        embedding: float | None = None,
        times: Times = None,
        name: str | None = None,
        priority: int = 0,
    ) -> Rule:
        """Seconds of the fake's clock the upload's processing and the embedding take, for
        files made while the rule lasts (every one by default: `times=None`)."""
        steps = {
            "upload": None if upload is None else {"seconds": upload},
            "embedding": None if embedding is None else {"seconds": embedding},
        }
        return self._on("init")._add(steps, times, name, priority)

    def fail_upload(
        self,
        code: str = "unsupported_file_type",
        *,
        seconds: float | None = None,
        times: Times = 1,
        name: str | None = None,
        priority: int = 0,
    ) -> Rule:
        """The upload's processing ends `failed` with `last_error_code: code` (after
        `seconds`, else the default second)."""
        step = {"fail": code, "seconds": seconds}
        return self._on("init")._add({"upload": step}, times, name, priority)

    def fail_embedding(
        self,
        code: str = "embedding_failed",
        *,
        seconds: float | None = None,
        times: Times = 1,
        name: str | None = None,
        priority: int = 0,
    ) -> Rule:
        """The embedding ends `failed` with `last_error_code: code`."""
        step = {"fail": code, "seconds": seconds}
        return self._on("init")._add({"embedding": step}, times, name, priority)

    # ----------------------------------------------------------------- search

    def hits(
        self,
        hits: Sequence[HitLike],
        *,
        times: Times = 1,
        name: str | None = None,
        priority: int = 0,
    ) -> Rule:
        """A search answers these hits, in this order (cut to `top_k`); a string is a
        hit's text, and a score left out is the query's similarity to it."""
        return self._on("search")._add({"hits": list(hits)}, times, name, priority)

    # ----------------------------------------------------------------- the store

    @property
    def store(self) -> FileStore:
        """The fake's files (`max_upload_bytes` may be lowered until the next reset)."""
        if self._state is None:
            raise RuntimeError("this face is not bound to a fake (use server.files)")
        return files_of(self._state)

    @property
    def stored(self) -> list[StoredFile]:
        """The files the fake holds, oldest first."""
        return self.store.all()
