"""The batches scripting face.

mock.batches.reply(durations={"in_progress": 10})        # a slower batch
mock.batches.when(metadata={"job": "nightly"}).fail("invalid_request", "Bad line", line=2)
mock.batches.when(count={"min": 100}).expire(finished=40)
mock.batches.when(operation="cancel").error(500)
mock.chat.when(last_user="Paris").reply("Bonjour")     # answers the batch's chat requests
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ...scripting.rulebook import Predicate, Rule
from ...scripting.script import Script, Times
from ...scripting.spec import TextCriterion
from .vocabulary import BatchDurations, BatchesMatch, BatchesReply, CountRange, Operation

DurationsLike = BatchDurations | Mapping[str, float]


class BatchesScript(Script[BatchesMatch]):
    """Scripts `/v1/batches`. Rules answer `create` unless `when(operation=...)` says; the
    requests inside a batch are answered by the rules of the endpoints they name."""

    endpoint = "batches"
    match_model = BatchesMatch
    reply_model = BatchesReply

    def when(
        self,
        *,
        operation: Operation | None = None,
        model: str | None = None,
        metadata: Mapping[str, Any] | None = None,
        count: int | CountRange | Mapping[str, int] | None = None,
        url: str | None = None,
        headers: Mapping[str, str | TextCriterion] | None = None,
        nth: int | None = None,
        predicate: Predicate | None = None,
    ) -> BatchesScript:
        """Only batches meeting every given criterion (`count`: a number or {min, max})."""
        given: dict[str, Any] = {
            "operation": operation,
            "model": model,
            "metadata": dict(metadata) if metadata is not None else None,
            "count": dict(count) if isinstance(count, Mapping) else count,
            "url": url,
            "headers": dict(headers) if headers is not None else None,
            "nth": nth,
        }
        return self._narrow(given, predicate)

    def reply(
        self,
        *,
        durations: DurationsLike | None = None,
        id: str | None = None,
        times: Times = 1,
        name: str | None = None,
        priority: int = 0,
    ) -> Rule:
        """A batch that completes, in these `durations` (seconds of the fake's clock per
        state: validating, in_progress, finalizing, cancelling)."""
        return self._add({"durations": durations, "id": id}, times, name, priority)

    def fail(
        self,
        code: str = "invalid_request",
        message: str = "The batch failed validation.",
        *,
        line: int | None = None,
        param: str | None = None,
        durations: DurationsLike | None = None,
        times: Times = 1,
        name: str | None = None,
        priority: int = 0,
    ) -> Rule:
        """A batch that fails validation: `failed`, with this error in `errors_detail`."""
        error = {"code": code, "message": message, "line": line, "param": param}
        failure = {k: v for k, v in error.items() if v is not None}
        return self._add({"failure": failure, "durations": durations}, times, name, priority)

    def expire(
        self,
        *,
        finished: int = 0,
        durations: DurationsLike | None = None,
        times: Times = 1,
        name: str | None = None,
        priority: int = 0,
    ) -> Rule:
        """A batch that runs out of its window: `expired`, after answering `finished`
        requests (their results are kept)."""
        expiry = {"finished": finished}
        return self._add({"expire": expiry, "durations": durations}, times, name, priority)
