"""Default mode's caches: repeated short prompts are computed once, long ones every time,
so a cache never keeps a large request alive (memory itself is measured in bench/)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st
from meshapi_mock.memo import MAX_KEY_LENGTH, cached_attribute, small_key_cache


def counting(max_key_length: int = MAX_KEY_LENGTH) -> tuple[list[object], Callable[..., str]]:
    calls: list[object] = []

    @small_key_cache(maxsize=8, max_key_length=max_key_length)
    def derive(value: object, size: int = 1) -> str:
        calls.append(value)
        return f"{value!r}:{size}"

    return calls, derive


def test_a_short_key_is_computed_once() -> None:
    calls, derive = counting()
    assert derive("hello", 2) == derive("hello", 2) == "'hello':2"
    assert calls == ["hello"]


def test_a_long_key_is_computed_every_time() -> None:
    calls, derive = counting()
    long = "x" * (MAX_KEY_LENGTH + 1)
    edge = "y" * MAX_KEY_LENGTH
    for _ in range(3):
        derive(long)
        derive(edge)
        derive(tuple(range(MAX_KEY_LENGTH + 1)))
    assert calls.count(long) == 3
    assert calls.count(edge) == 1, "the limit itself is still cached"
    assert len(calls) == 7


@given(st.text(max_size=40), st.integers(0, 20))
def test_cached_or_not_the_answer_is_the_same(text: str, limit: int) -> None:
    _, cached = counting(max_key_length=limit)
    assert cached(text) == cached(text) == f"{text!r}:1"


def test_a_one_argument_function_caches_the_same_way() -> None:
    """One-text functions take a shorter path through the cache; it keeps the same rules."""
    calls: list[str] = []

    @small_key_cache(maxsize=8)
    def shout(text: str) -> str:
        calls.append(text)
        return text.upper()

    long = "x" * (MAX_KEY_LENGTH + 1)
    for _ in range(3):
        assert shout("hi") == "HI"
        assert shout(long) == long.upper()
    assert calls == ["hi", long, long, long]
    assert shout.__name__ == "shout"


def test_a_cached_attribute_is_computed_once_per_instance() -> None:
    computed: list[int] = []

    class Request:
        def __init__(self, number: int) -> None:
            self.number = number

        @cached_attribute
        def doubled(self) -> int:
            """Twice the number."""
            computed.append(self.number)
            return self.number * 2

    first, second = Request(1), Request(2)
    assert (first.doubled, first.doubled, second.doubled) == (2, 2, 4)
    assert computed == [1, 2]
    assert isinstance(Request.__dict__["doubled"], cached_attribute)
    assert Request.doubled.__doc__ == "Twice the number."


def test_a_cached_attribute_that_raises_is_tried_again() -> None:
    attempts: list[None] = []

    class Flaky:
        @cached_attribute
        def value(self) -> int:
            attempts.append(None)
            if len(attempts) == 1:
                raise ValueError("not yet")
            return 7

    flaky = Flaky()
    with pytest.raises(ValueError):
        _ = flaky.value
    assert flaky.value == 7
    assert len(attempts) == 2
