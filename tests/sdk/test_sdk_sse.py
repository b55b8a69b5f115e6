"""The SSE decoder: same events however the bytes are split and whatever the line endings."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given
from hypothesis import strategies as st
from meshapi._sse import ServerSentEvent, SSEDecoder

CONTRACT_TEXT_STREAM = (
    b'data: {"id":"chatcmpl-b21e","choices":[{"index":0,"delta":{"content":"1, 2"}}]}\n\n'
    b'data: {"id":"chatcmpl-b21e","choices":[{"index":0,"delta":{"content":", 3."}}]}\n\n'
    b"data: [DONE]\n\n"
)


def decode(*pieces: bytes) -> list[ServerSentEvent]:
    decoder = SSEDecoder()
    return [event for piece in pieces for event in decoder.feed(piece)]


def test_each_blank_line_dispatches_one_event() -> None:
    events = decode(CONTRACT_TEXT_STREAM)

    assert [e.data for e in events] == [
        '{"id":"chatcmpl-b21e","choices":[{"index":0,"delta":{"content":"1, 2"}}]}',
        '{"id":"chatcmpl-b21e","choices":[{"index":0,"delta":{"content":", 3."}}]}',
        "[DONE]",
    ]


def test_crlf_and_cr_line_endings_decode_like_lf() -> None:
    lf = decode(CONTRACT_TEXT_STREAM)

    assert decode(CONTRACT_TEXT_STREAM.replace(b"\n", b"\r\n")) == lf
    assert decode(CONTRACT_TEXT_STREAM.replace(b"\n", b"\r")) == lf


def test_crlf_split_between_cr_and_lf_is_one_line_end() -> None:
    events = decode(b"data: a\r", b"\ndata: b\r", b"\n\r", b"\n")

    assert events == [ServerSentEvent(data="a\nb")]


def test_comments_and_keep_alives_are_ignored() -> None:
    events = decode(b": ping\n\n:\n\ndata: x\n: mid-event comment\n\n")

    assert events == [ServerSentEvent(data="x")]


def test_multi_line_data_is_joined_with_newlines() -> None:
    events = decode(b'data: {\ndata:   "a": 1\ndata: }\n\n')

    assert [e.data for e in events] == ['{\n  "a": 1\n}']


def test_space_after_colon_is_optional_and_only_one_is_removed() -> None:
    events = decode(b"data:x\n\ndata:  y\n\ndata\n\n")

    assert [e.data for e in events] == ["x", " y", ""]


def test_event_name_and_id_are_reported_and_unknown_fields_ignored() -> None:
    events = decode(b"event: delta\nid: 7\nretry: 100\nfoo: bar\ndata: x\n\ndata: y\n\n")

    assert events == [
        ServerSentEvent(data="x", event="delta", id="7"),
        ServerSentEvent(data="y", event=None, id="7"),  # the id persists, the name does not
    ]


def test_unterminated_last_event_is_never_dispatched() -> None:
    decoder = SSEDecoder()

    assert decoder.feed(b"data: one\n\ndata: [DONE]\n") == [ServerSentEvent(data="one")]
    assert decoder.feed(b"") == []


def test_utf8_character_split_across_reads_is_decoded_whole() -> None:
    raw = "data: café ☕\n\n".encode()
    cut = raw.index("☕".encode()) + 1

    assert decode(raw[:cut], raw[cut:]) == [ServerSentEvent(data="café ☕")]


def test_cr_then_an_empty_read_then_lf_is_still_one_line_end() -> None:
    decoder = SSEDecoder()

    assert decoder.feed(b"data: a\r") == []
    assert decoder.feed(b"") == []
    assert decoder.feed(b"\ndata: b\r\n") == []
    assert decoder.feed(b"\r\n") == [ServerSentEvent(data="a\nb")]


def test_cr_at_the_end_of_a_read_followed_by_another_line_is_a_line_end() -> None:
    assert decode(b"data: a\r", b"data: b\r", b"\r") == [ServerSentEvent(data="a\nb")]


def test_lf_after_cr_is_only_swallowed_right_after_the_cr() -> None:
    """A CR that ended an earlier read, then more lines, does not eat a later LF."""
    decoder = SSEDecoder()

    assert decoder.feed(b"data: a\r") == []
    assert decoder.feed(b"data: b\n") == []
    assert decoder.feed(b"\n") == [ServerSentEvent(data="a\nb")]


def test_a_cr_inside_a_read_does_not_swallow_the_lf_starting_the_next_read() -> None:
    """The CR must be the last byte of the read; "a\r" + "b" then "\n" is two line ends."""
    assert decode(b"data: a\rdata: b", b"\n", b"\n") == [ServerSentEvent(data="a\nb")]


def test_blank_line_split_from_its_crlf_pair_dispatches_once() -> None:
    decoder = SSEDecoder()

    assert decoder.feed(b"data: x\r\n\r") == [ServerSentEvent(data="x")]
    assert decoder.feed(b"\ndata: y\n\n") == [ServerSentEvent(data="y")]


def test_several_events_in_one_read_all_come_out() -> None:
    assert decode(b"data: 1\n\ndata: 2\n\ndata: 3\n\n") == [
        ServerSentEvent(data="1"),
        ServerSentEvent(data="2"),
        ServerSentEvent(data="3"),
    ]


def test_invalid_utf8_becomes_the_replacement_character_and_decoding_goes_on() -> None:
    events = decode(b"data: caf\xe9!\n\n", b"data: \xff\xfe\n\ndata: ok\n\n")

    assert events == [
        ServerSentEvent(data="caf\ufffd!"),
        ServerSentEvent(data="\ufffd\ufffd"),
        ServerSentEvent(data="ok"),
    ]


def test_an_empty_event_field_means_no_event_name() -> None:
    events = decode(b"event:\ndata: a\n\nevent: named\nevent:\ndata: b\n\n")

    assert events == [ServerSentEvent(data="a"), ServerSentEvent(data="b")]


def test_an_event_name_applies_to_one_event_only_even_when_it_had_no_data() -> None:
    events = decode(b"event: lost\n\ndata: a\n\n")

    assert events == [ServerSentEvent(data="a", event=None)]


def test_an_id_containing_nul_is_ignored() -> None:
    events = decode(b"id: 1\ndata: a\n\nid: 2\x003\ndata: b\n\n")

    assert events == [ServerSentEvent(data="a", id="1"), ServerSentEvent(data="b", id="1")]


def test_an_id_without_nul_replaces_the_last_one_and_an_empty_id_is_kept() -> None:
    events = decode(b"id: 1\ndata: a\n\nid: 2\ndata: b\n\nid\ndata: c\n\n")

    assert [e.id for e in events] == ["1", "2", ""]


def test_fields_are_matched_by_exact_name() -> None:
    events = decode(b"Data: no\ndata : no\nevents: no\nid : no\ndata: yes\n\n")

    assert events == [ServerSentEvent(data="yes")]


def test_a_field_without_colon_has_an_empty_value() -> None:
    events = decode(b"data\ndata\nevent\n\n")

    assert events == [ServerSentEvent(data="\n", event=None)]


def test_retry_and_comments_never_dispatch_on_their_own() -> None:
    events = decode(b"retry: 3000\n\n: comment\n\nid: 4\n\ndata: x\n\n")

    assert events == [ServerSentEvent(data="x", id="4")]


def test_a_comment_line_is_not_data_even_with_a_data_like_text() -> None:
    assert decode(b":data: no\ndata: yes\n\n") == [ServerSentEvent(data="yes")]


def test_events_are_immutable_values() -> None:
    event = ServerSentEvent(data="x", event="e", id="1")

    assert event == ServerSentEvent(data="x", event="e", id="1")
    assert len({event, ServerSentEvent(data="x", event="e", id="1")}) == 1
    with pytest.raises(dataclasses.FrozenInstanceError):
        event.data = "y"  # type: ignore[misc]


# --------------------------------------------------------------------------- property

_text = st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\r\n\0"), max_size=12)


@st.composite
def streams(draw: st.DrawFn) -> tuple[bytes, list[ServerSentEvent]]:
    """An SSE body with comments, names, ids, retry fields, multi-line data and mixed line ends,
    plus the events it must yield."""
    lines: list[str] = []
    expected: list[ServerSentEvent] = []
    last_id: str | None = None
    for _ in range(draw(st.integers(0, 6))):
        if draw(st.booleans()):
            lines.append(":" + draw(_text))
        if draw(st.booleans()):
            lines.append(f"retry: {draw(st.integers(0, 10_000))}")
        name = draw(st.none() | _text.filter(bool))
        if name is not None:
            lines.append(f"event: {name}")
        event_id = draw(st.none() | _text)
        if event_id is not None:
            lines.append(f"id: {event_id}")
            last_id = event_id
        data = draw(st.lists(_text, max_size=3))
        lines.extend(f"data: {value}" for value in data)
        lines.append("")
        if data:  # an event with no data line is dropped, its name with it (its id stays)
            expected.append(ServerSentEvent(data="\n".join(data), event=name, id=last_id))
    body = ""
    for line in lines:
        endings = ["\n", "\r\n", "\r"]
        if not line and body.endswith("\r"):
            endings.remove("\n")  # that LF would join the CR before it into one CRLF
        body += line + draw(st.sampled_from(endings))
    return body.encode(), expected


@given(streams(), st.data())
def test_any_split_of_the_bytes_yields_the_same_events(
    stream: tuple[bytes, list[ServerSentEvent]], data: st.DataObject
) -> None:
    body, expected = stream
    cuts = sorted(data.draw(st.lists(st.integers(0, len(body)), max_size=12)))
    pieces = [body[a:b] for a, b in zip([0, *cuts], [*cuts, len(body)], strict=True)]

    assert decode(*pieces) == expected
    assert decode(*(body[i : i + 1] for i in range(len(body)))) == expected
