"""The SSE decoder: same events however the bytes are split and whatever the line endings."""

from __future__ import annotations

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


# --------------------------------------------------------------------------- property

_text = st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\r\n"), max_size=12)


@st.composite
def streams(draw: st.DrawFn) -> tuple[bytes, list[ServerSentEvent]]:
    """An SSE body with comments, names and multi-line data, plus the events it must yield."""
    newline = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    lines: list[str] = []
    expected: list[ServerSentEvent] = []
    for _ in range(draw(st.integers(0, 6))):
        if draw(st.booleans()):
            lines.append(":" + draw(_text))
        name = draw(st.none() | _text.filter(bool))
        if name is not None:
            lines.append(f"event: {name}")
        data = draw(st.lists(_text, min_size=1, max_size=3))
        lines.extend(f"data: {value}" for value in data)
        lines.append("")
        expected.append(ServerSentEvent(data="\n".join(data), event=name))
    body = "".join(line + newline for line in lines).encode()
    return body, expected


@given(streams(), st.data())
def test_any_split_of_the_bytes_yields_the_same_events(
    stream: tuple[bytes, list[ServerSentEvent]], data: st.DataObject
) -> None:
    body, expected = stream
    cuts = sorted(data.draw(st.lists(st.integers(0, len(body)), max_size=12)))
    pieces = [body[a:b] for a, b in zip([0, *cuts], [*cuts, len(body)], strict=True)]

    assert decode(*pieces) == expected
    assert decode(*(body[i : i + 1] for i in range(len(body)))) == expected
