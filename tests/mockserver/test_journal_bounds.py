"""The journal is bounded in bytes as well as entries, and says when it cut a request.

A body longer than `journal_body_bytes` is kept as its first bytes; past
`journal_max_bytes` in all (bodies and heads: path, query, headers), the oldest requests
lose their bodies and heads. The request still counts (assertions, call counts), the body
view says it was truncated, and the wire form says by what.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from meshapi_mock import MockServer, ServerConfig
from meshapi_mock.journal import Journal, JournalEntry, TruncatedBody

TOKEN = {"Authorization": "Bearer rsk_bounds"}
CHAT = "/v1/chat/completions"


def chat_body(content: str, model: str = "openai/gpt-4o-mini") -> bytes:
    request = {"model": model, "messages": [{"role": "user", "content": content}]}
    return json.dumps(request, ensure_ascii=False).encode()


@pytest.fixture(scope="module")
def small_journal() -> Iterator[MockServer]:
    """A fake keeping 1000 bytes of one body and 4000 bytes of bodies in all."""
    with MockServer(ServerConfig(journal_body_bytes=1000, journal_max_bytes=4000)) as server:
        yield server


@pytest.fixture
def bounded(small_journal: MockServer) -> Iterator[tuple[MockServer, httpx.Client]]:
    small_journal.reset()
    with httpx.Client(base_url=small_journal.url, headers=TOKEN, timeout=30) as client:
        yield small_journal, client


def test_a_long_body_is_kept_truncated_and_says_so(
    bounded: tuple[MockServer, httpx.Client],
) -> None:
    server, http = bounded
    server.chat.reply("read it all", times=None)
    sent = chat_body("é" * 3000)  # 6000+ bytes; the cut falls inside a 2-byte character
    response = http.post(CHAT, content=sent)
    assert response.status_code == 200  # the fake answered from the whole body
    assert response.json()["choices"][0]["message"]["content"] == "read it all"

    (entry,) = server.requests
    assert entry.body_bytes == len(sent)
    assert entry.body_truncated and entry.body_truncated_by == "journal_body_bytes"
    assert entry.raw_body is not None and sent.startswith(entry.raw_body)
    assert 997 <= len(entry.raw_body) <= 1000
    entry.raw_body.decode("utf-8")  # cut on a character boundary

    body = entry.body
    assert isinstance(body, dict)  # what `chat_requests` asks of a call
    assert isinstance(body, TruncatedBody)
    assert (body.size, body.kept) == (len(sent), len(entry.raw_body))
    assert body.limit == "journal_body_bytes"
    with pytest.raises(KeyError, match="raise journal_body_bytes to keep it"):
        body["model"]

    # It still counts as the chat call it was.
    server.assert_called(times=1)
    assert server.chat.requests == [entry] and server.chat_requests == [entry]

    (wire,) = http.get("/_mock/requests").json()
    assert wire["body"] is None
    assert wire["body_bytes"] == len(sent)
    assert wire["body_truncated"] is True
    assert wire["body_truncated_by"] == "journal_body_bytes"
    assert wire["body_prefix"] == entry.raw_body.decode("utf-8")
    assert "\ufffd" not in wire["body_prefix"]


def test_a_body_under_the_cap_is_kept_whole_and_parsed(
    bounded: tuple[MockServer, httpx.Client],
) -> None:
    server, http = bounded
    sent = chat_body("short", model="openai/gpt-4o")
    http.post(CHAT, content=sent)
    (entry,) = server.requests
    assert not entry.body_truncated and entry.body_truncated_by is None
    assert entry.raw_body == sent and entry.body_bytes == len(sent)
    assert entry.body["model"] == "openai/gpt-4o"
    server.assert_called_with("short", model="openai/gpt-4o")
    (wire,) = http.get("/_mock/requests").json()
    assert wire["body"] == json.loads(sent)
    assert (wire["body_truncated"], wire["body_truncated_by"], wire["body_prefix"]) == (
        False,
        None,
        None,
    )


def counted(entry: JournalEntry) -> int:
    """The bytes the journal counts for `entry`: its head and body, unless dropped."""
    head = 0 if entry.head_truncated_by else entry.head_bytes
    return head + len(entry.raw_body or b"")


def test_past_the_total_the_oldest_requests_go_first(
    bounded: tuple[MockServer, httpx.Client],
) -> None:
    server, http = bounded
    sent = [chat_body(f"{i}" + "x" * 800) for i in range(6)]  # ~870 bytes each, plus heads
    for body in sent:
        assert http.post(CHAT, content=body).status_code == 200
    journal = server.state.journal
    assert journal.held_bytes <= 4000

    entries = server.requests
    assert len(entries) == 6  # every request is still there
    server.assert_called(times=6)
    kept = [e for e in entries if not e.body_truncated]
    dropped = [e for e in entries if e.body_truncated]
    assert dropped == entries[: len(dropped)] and len(dropped) >= 2, "the oldest go first"
    assert sum(counted(e) for e in kept) == journal.held_bytes
    assert journal.held_bytes + counted_if_whole(dropped[-1]) > 4000, "no more dropped than needed"
    for entry in dropped:
        assert entry.body_truncated_by == entry.head_truncated_by == "journal_max_bytes"
        assert entry.raw_body is None and entry.body_bytes == len(sent[entry.seq - entries[0].seq])
        assert isinstance(entry.body, TruncatedBody) and entry.body.kept == 0
        assert entry.headers == {} and entry.path == CHAT
    for entry in kept:
        assert entry.body["messages"][0]["content"].endswith("x" * 800)
        assert entry.head_truncated_by is None and entry.headers["authorization"]

    wire = http.get("/_mock/requests").json()
    gone, whole = len(dropped), len(kept)
    assert [w["body_truncated_by"] for w in wire] == ["journal_max_bytes"] * gone + [None] * whole
    assert [w["head_truncated_by"] for w in wire] == ["journal_max_bytes"] * gone + [None] * whole
    assert [w["body"] is None for w in wire] == [True] * gone + [False] * whole
    assert [w["body_prefix"] for w in wire[:gone]] == [None] * gone


def counted_if_whole(entry: JournalEntry) -> int:
    return entry.head_bytes + entry.body_bytes


def test_a_truncated_body_that_is_not_json_is_no_call(
    bounded: tuple[MockServer, httpx.Client],
) -> None:
    server, http = bounded
    broken = b'{"messages": [' + b"1, " * 1000  # never closed
    assert http.post(CHAT, content=broken).status_code == 400
    too_big_but_wrong = json.dumps({"messages": [], "padding": "p" * 2000}).encode()
    assert http.post(CHAT, content=too_big_but_wrong).status_code == 422
    not_json, invalid = server.requests
    assert not_json.body_truncated and not_json.body is None
    assert invalid.body_truncated and isinstance(invalid.body, TruncatedBody)
    assert server.chat_requests == [invalid]  # as for small bodies: valid JSON, wrong shape


def test_the_failure_report_says_a_body_was_truncated(
    bounded: tuple[MockServer, httpx.Client],
) -> None:
    server, http = bounded
    http.post(CHAT, content=chat_body("z" * 5000))
    with pytest.raises(AssertionError) as failure:
        server.assert_called_with("something else")
    (entry,) = server.requests
    assert (
        f"#{entry.seq} POST {CHAT} -> 200 [body of {entry.body_bytes} bytes truncated by "
        "journal_body_bytes]"
    ) in str(failure.value)


def test_the_default_limits_cut_a_body_at_one_mebibyte() -> None:
    with MockServer() as server, httpx.Client(base_url=server.url, headers=TOKEN) as http:
        sent = chat_body("a" * (1024 * 1024 + 10))
        assert http.post(CHAT, content=sent).status_code == 200
        (wire,) = http.get("/_mock/requests").json()
        assert wire["body_bytes"] == len(sent)
        assert wire["body_truncated_by"] == "journal_body_bytes"
        assert len(wire["body_prefix"].encode()) == 1024 * 1024
        (entry,) = server.requests
        assert server.state.journal.held_bytes == entry.head_bytes + 1024 * 1024
        journal = server.state.journal
        assert (journal.max_bytes, journal.body_bytes) == (64 << 20, 1 << 20)


def test_reset_and_clear_give_the_bytes_back(bounded: tuple[MockServer, httpx.Client]) -> None:
    server, http = bounded
    http.post(CHAT, content=chat_body("q" * 500))
    assert server.state.journal.held_bytes > 500
    server.clear_requests()
    assert server.state.journal.held_bytes == 0
    http.post(CHAT, content=chat_body("q" * 500))
    assert http.delete("/_mock/requests").status_code == 204
    assert server.state.journal.held_bytes == 0


# --- The byte accounting, whatever happens -----------------------------------------------

OPS = st.lists(
    st.one_of(
        st.tuples(
            st.just("request"),
            st.integers(min_value=0, max_value=300),
            st.integers(min_value=0, max_value=200),
            st.booleans(),
        ),
        st.tuples(st.just("clear"), st.just(0), st.just(0), st.just(False)),
    ),
    max_size=40,
)


@settings(max_examples=300, deadline=None)
@given(
    ops=OPS,
    limit=st.integers(min_value=0, max_value=6),
    max_bytes=st.integers(min_value=0, max_value=800),
    body_bytes=st.integers(min_value=0, max_value=400),
)
def test_the_journal_never_holds_more_than_its_limits(
    ops: list[tuple[str, int, int, bool]], limit: int, max_bytes: int, body_bytes: int
) -> None:
    journal = Journal(limit, max_bytes=max_bytes, body_bytes=body_bytes)
    sent: dict[int, bytes] = {}
    slow: list[JournalEntry] = []  # opened, body still to come
    for kind, size, head, late in ops:
        if kind == "clear":
            journal.clear()
            continue
        headers = [(b"x-pad", b"h" * head)] if head else []
        entry = journal.open("POST", CHAT, "q" * (head // 2), headers, "r")
        sent[entry.seq] = b"{" + b"x" * max(size - 1, 0) if size else b""
        if late:  # its body comes after the next request opens
            slow.append(entry)
        else:
            entry.raw_body = sent[entry.seq]
        for waiting in slow[:-1] if late else slow:
            waiting.raw_body = sent[waiting.seq]
        slow = slow[-1:] if late else []
        entries = journal.entries()
        assert len(entries) <= limit
        assert journal.held_bytes == sum(counted(e) for e in entries)
        assert journal.held_bytes <= max_bytes
        for e in entries:
            whole = sent[e.seq]
            if e in slow:
                assert e.raw_body is None
                continue
            assert e.body_bytes == len(whole)
            assert whole.startswith(e.raw_body or b"")
            assert e.body_truncated == (e.raw_body != whole)
            assert len(e.raw_body or b"") <= min(body_bytes, max_bytes)
            if e.body_truncated and whole:
                assert isinstance(e.body, TruncatedBody)
            if e.head_truncated_by:
                assert (e.raw_headers, e.raw_query, e.headers, e.query) == ([], "", {}, "")
                assert e.raw_body is None or e.raw_body == b""
        # What is dropped for the total is always older than what is kept.
        dropped = [e.seq for e in entries if e.head_truncated_by == "journal_max_bytes"]
        kept = [e.seq for e in entries if not e.head_truncated_by]
        assert not dropped or not kept or max(dropped) < min(kept)
        body_dropped = [e.seq for e in entries if e.body_truncated_by == "journal_max_bytes"]
        assert set(body_dropped) <= set(dropped)


def test_a_body_read_after_its_entry_left_the_journal_is_not_counted() -> None:
    journal = Journal(1, max_bytes=100, body_bytes=100)
    slow = journal.open("POST", CHAT, "", [], "r1")
    journal.open("POST", CHAT, "", [], "r2").raw_body = b'{"a": 1}'
    slow.raw_body = b'{"b": "' + b"x" * 200 + b'"}'  # arrives after it was pushed out
    assert journal.held_bytes == len(CHAT) + len(b'{"a": 1}')
    assert slow.body_truncated_by == "journal_body_bytes"


def test_large_parsed_bodies_are_not_cached() -> None:
    journal = Journal()
    small, large = (journal.open("POST", CHAT, "", [], f"r{i}") for i in range(2))
    small.raw_body = b'{"a": 1}'
    large.raw_body = json.dumps({"a": "x" * 100_000}).encode()
    assert small.body is small.body  # read again and again by assertions: kept
    assert large.body == large.body and large.body is not large.body  # bounded: parsed per read


def test_clearing_while_requests_arrive_keeps_the_books_straight(
    bounded: tuple[MockServer, httpx.Client],
) -> None:
    server, http = bounded
    journal = server.state.journal
    statuses: list[int] = []

    def send() -> None:
        with httpx.Client(base_url=server.url, headers=TOKEN, timeout=30) as client:
            for i in range(120):
                response = client.post(CHAT, content=chat_body(f"{i}" + "y" * 700))
                statuses.append(response.status_code)

    sender = threading.Thread(target=send)
    sender.start()
    while sender.is_alive():
        server.clear_requests()
        assert journal.held_bytes <= journal.max_bytes
        time.sleep(0.001)
    sender.join()
    assert statuses == [200] * 120
    assert journal.held_bytes <= journal.max_bytes
    server.clear_requests()
    for i in range(3):
        http.post(CHAT, content=chat_body(f"{i}" + "y" * 700))
    assert journal.held_bytes == sum(counted(e) for e in server.requests) > 0


def test_the_unused_rule_report_says_a_cut_body_cannot_be_judged(
    bounded: tuple[MockServer, httpx.Client],
) -> None:
    from meshapi_mock.report import unused_rules_report

    server, http = bounded
    server.chat.when(last_user="never sent").reply("unused")
    http.post(CHAT, content=chat_body("z" * 5000))

    report = unused_rules_report(server) or ""

    assert "request #" in report
    assert "not in the journal whole (cut by journal_body_bytes)" in report
    assert "the request was invalid" not in report


def test_health_and_config_show_the_journal_limits(
    bounded: tuple[MockServer, httpx.Client],
) -> None:
    server, http = bounded
    http.post(CHAT, content=chat_body("y" * 5000))

    health = http.get("/_mock/health").json()
    config = http.get("/_mock/config").json()

    (entry,) = server.requests
    assert health["journal_bytes"] == server.journal.held_bytes == entry.head_bytes + 1000
    assert (config["journal_body_bytes"], config["journal_max_bytes"]) == (1000, 4000)
    assert config["journal_limit"] == server.journal.limit


# --- heads count too ------------------------------------------------------------------------


def test_large_queries_and_headers_are_bounded_like_bodies() -> None:
    # The review's case, scaled down: GETs with a 30 KB query and 27 KB of headers used to
    # be kept whole whatever journal_max_bytes said (held_bytes stayed 0).
    limit = 256 * 1024
    padding = {f"x-pad-{i}": "b" * 3000 for i in range(9)}
    with (
        MockServer(journal_max_bytes=limit) as server,
        httpx.Client(base_url=server.url, headers=TOKEN, timeout=30) as http,
    ):
        for i in range(20):
            assert http.get(f"/v1/models?x{i}=" + "a" * 30000, headers=padding).status_code == 200
        wire = http.get("/_mock/requests")
        entries = server.requests

    journal = server.state.journal
    assert 0 < journal.held_bytes <= limit
    assert journal.held_bytes == sum(counted(e) for e in entries)
    assert len(entries) == 20, "every request still counts"
    dropped = [e for e in entries if e.head_truncated_by]
    kept = [e for e in entries if not e.head_truncated_by]
    assert dropped == entries[: len(dropped)] and kept, "the oldest heads go first"
    assert all(e.head_bytes > 57_000 for e in entries)
    for entry in dropped:
        assert (entry.query, entry.headers, entry.raw_headers) == ("", {}, [])
        assert entry.path == "/v1/models" and entry.endpoint == "models"
        assert "[query and headers dropped by journal_max_bytes]" in entry.summary()
    assert kept[-1].headers["x-pad-8"] == "b" * 3000
    assert kept[-1].query.startswith("x19=aaa")
    assert len(wire.content) < 2 * limit, "the wire form is bounded with it"
    shown = wire.json()
    assert [w["head_truncated_by"] for w in shown] == [e.head_truncated_by for e in entries]


def test_a_head_over_the_total_is_dropped_and_its_secrets_still_scrubbed() -> None:
    secret = "rsk_S3cretHeadValue"
    with (
        MockServer(strict=True, journal_max_bytes=2000) as server,
        httpx.Client(base_url=server.url, timeout=30) as http,
    ):
        server.chat.when(headers={"x-api-key": "rsk_expected"}).reply("never")
        answer = http.post(
            CHAT,
            content=chat_body("hi"),
            headers={"Authorization": f"Bearer {secret}", "X-API-Key": secret, "X-Pad": "p" * 3000},
        )
        (wire,) = http.get("/_mock/requests").json()

    assert answer.status_code == 404  # a near miss: its message would quote the credential
    assert secret not in answer.text, "near misses show no credential, not even the client's"
    assert wire["head_truncated_by"] == "journal_max_bytes"
    assert wire["headers"] == {} and wire["error_code"] == "no_matching_rule"
    assert "header x-api-key" in wire["error_message"]
    assert secret not in json.dumps(wire)
    (entry,) = server.requests
    assert secret not in entry.summary() + repr(entry) + (entry.error_message or "")


def test_the_unused_rule_report_says_a_dropped_head_cannot_be_judged() -> None:
    from meshapi_mock.report import unused_rules_report

    padding = {f"x-pad-{i}": "b" * 3000 for i in range(9)}
    with (
        MockServer(journal_max_bytes=64 * 1024) as server,
        httpx.Client(base_url=server.url, headers=TOKEN, timeout=30) as http,
    ):
        server.chat.when(headers={"x-tenant": "acme"}).reply("for acme")
        for _ in range(4):
            assert http.post(CHAT, content=chat_body("hi"), headers=padding).status_code == 200
        first = server.requests[0]
        report = unused_rules_report(server) or ""

    assert first.head_truncated_by == "journal_max_bytes"
    [line] = [x for x in report.splitlines() if f"request #{first.seq}:" in x]
    assert "its query and headers are not in the journal (cut by journal_max_bytes)" in line
    assert "header x-tenant" in report, "requests with their heads are still judged"
