"""Assertions about what clients sent, with failures that show what was actually sent."""

from __future__ import annotations

from typing import Any, NoReturn

from .journal import JournalEntry
from .registry import DEFAULT_ENDPOINT


class RequestAssertions:
    """Mixed into `Mock`; reads its journal through `requests`.

    These address the default endpoint (chat), the one most tests script; every endpoint's
    face (`mock.embeddings.assert_called()`) has the endpoint-neutral ones too.
    """

    @property
    def requests(self) -> list[JournalEntry]:  # provided by Mock
        raise NotImplementedError

    @property
    def chat_requests(self) -> list[JournalEntry]:
        """Chat completion requests that got past authentication and parsing."""
        return [
            e
            for e in self.requests
            if e.endpoint == DEFAULT_ENDPOINT and e.authorized and isinstance(e.body, dict)
        ]

    @property
    def call_count(self) -> int:
        return len(self.chat_requests)

    @property
    def last_request(self) -> JournalEntry:
        chats = self.chat_requests
        if not chats:
            raise AssertionError(self._report("Expected a chat completion request; none was made."))
        return chats[-1]

    def assert_called(self, times: int | None = None) -> None:
        """At least one chat completion request, or exactly `times`."""
        count = self.call_count
        if (times is None and count == 0) or (times is not None and count != times):
            wanted = "at least one" if times is None else str(times)
            self._fail(f"Expected {wanted} chat completion request(s); got {count}.")

    def assert_not_called(self) -> None:
        self.assert_called(times=0)

    def assert_called_with(
        self,
        message: str | None = None,
        *,
        role: str | None = "user",
        model: str | None = None,
        tools: list[str] | None = None,
    ) -> JournalEntry:
        """Some chat request had a `role` message containing `message` (and `model`, `tools`)."""
        for entry in self.chat_requests:
            body: dict[str, Any] = entry.rendered or entry.body  # what the model saw
            if model is not None and body.get("model") != model:
                continue
            if tools is not None:
                offered = [t.get("function", {}).get("name") for t in body.get("tools") or ()]
                if any(name not in offered for name in tools):
                    continue
            if message is None or any(
                (role is None or m.get("role") == role) and message in _text(m)
                for m in body.get("messages") or ()
                if isinstance(m, dict)
            ):
                return entry
        wanted = []
        if message is not None:
            wanted.append(f"a {role or 'any-role'} message containing {message!r}")
        if model is not None:
            wanted.append(f"model {model!r}")
        if tools is not None:
            wanted.append(f"tools {tools}")
        self._fail(f"Expected a chat completion request with {', '.join(wanted) or 'anything'}.")

    def assert_tool_result_sent(
        self,
        tool_call_id: str | None = None,
        *,
        content: str | None = None,
    ) -> JournalEntry:
        """Some chat request carried a `tool` message (for `tool_call_id`, containing `content`)."""
        for entry in self.chat_requests:
            for m in (entry.rendered or entry.body).get("messages") or ():
                if not isinstance(m, dict) or m.get("role") != "tool":
                    continue
                if tool_call_id is not None and m.get("tool_call_id") != tool_call_id:
                    continue
                if content is not None and content not in _text(m):
                    continue
                return entry
        wanted = "a tool result"
        if tool_call_id is not None:
            wanted += f" for tool_call_id {tool_call_id!r}"
        if content is not None:
            wanted += f" containing {content!r}"
        self._fail(f"Expected {wanted} to be sent back.")

    def _report(self, headline: str) -> str:
        made = self.requests
        if not made:
            return f"{headline}\nNo requests were made to the fake."
        lines = [headline, f"Requests made ({len(made)}):"]
        lines.extend(entry.summary() for entry in made)
        return "\n".join(lines)

    def _fail(self, headline: str) -> NoReturn:
        __tracebackhide__ = True
        raise AssertionError(self._report(headline))


def _text(message: dict[str, Any]) -> str:
    content = message.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
    return ""
