"""The video scripting face.

mock.videos.reply(durations={"queued": 5, "running": 30}, seed=42)
mock.videos.when(prompt="violence").fail("OutputVideoSensitiveContentDetected", "Refused")
mock.videos.expire()
mock.videos.when(operation="get").error(503, retry_after=1)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ...scripting.rulebook import Predicate, Rule
from ...scripting.script import Script, Times
from ...scripting.spec import TextCriterion
from .vocabulary import Operation, TaskDurations, VideosMatch, VideosReply
from .wire import Ratio, Resolution

DurationsLike = TaskDurations | Mapping[str, float]


class VideosScript(Script[VideosMatch]):
    """Scripts `/v1/video/generations`. Rules answer `create` unless `when(operation=...)`
    says; the task then runs on the fake's clock as the rule scripted."""

    endpoint = "videos"
    match_model = VideosMatch
    reply_model = VideosReply

    def when(
        self,
        *,
        operation: Operation | None = None,
        model: str | None = None,
        prompt: TextCriterion | None = None,
        image: bool | None = None,
        resolution: Resolution | None = None,
        ratio: Ratio | None = None,
        headers: Mapping[str, str | TextCriterion] | None = None,
        nth: int | None = None,
        predicate: Predicate | None = None,
    ) -> VideosScript:
        """Only calls meeting every given criterion. A string prompt means 'contains'."""
        given: dict[str, Any] = {
            "operation": operation,
            "model": model,
            "prompt": prompt,
            "image": image,
            "resolution": resolution,
            "ratio": ratio,
            "headers": dict(headers) if headers is not None else None,
            "nth": nth,
        }
        return self._narrow(given, predicate)

    def reply(
        self,
        *,
        durations: DurationsLike | None = None,
        times: Times = 1,
        name: str | None = None,
        priority: int = 0,
        **fields: Any,
    ) -> Rule:
        """A task that succeeds after `durations` (seconds queued and running), reporting
        these fields instead of the echoed ones: `seed`, `resolution`, `ratio`,
        `duration`, `frames`, `framespersecond`, `usage`, `video_url`, `id`, …"""
        return self._add({"durations": durations, **fields}, times, name, priority)

    def fail(
        self,
        code: str = "generation_failed",
        message: str = "The video could not be generated.",
        *,
        durations: DurationsLike | None = None,
        times: Times = 1,
        name: str | None = None,
        priority: int = 0,
        **fields: Any,
    ) -> Rule:
        """A task that ends `failed`, with `error {code, message}`."""
        failure = {"code": code, "message": message}
        return self._add(
            {"failure": failure, "durations": durations, **fields}, times, name, priority
        )

    def expire(
        self,
        *,
        durations: DurationsLike | None = None,
        times: Times = 1,
        name: str | None = None,
        priority: int = 0,
        **fields: Any,
    ) -> Rule:
        """A task that ends `expired` (no video, no error)."""
        return self._add(
            {"status": "expired", "durations": durations, **fields}, times, name, priority
        )
