"""Memoising pure functions of request text without keeping large requests alive.

Default mode caches what it derives from a prompt, because the same prompt comes back
often in tests. A plain `lru_cache` keyed by the text would also hold on to every huge
prompt it saw (1024 entries of up to the body limit each); here a key longer than
`MAX_KEY_LENGTH` is computed afresh and never stored, so the caches stay small in bytes
as well as in entries.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from functools import lru_cache, wraps
from typing import Any, Generic, TypeVar, cast, overload

from typing_extensions import Self

MAX_KEY_LENGTH = 4096
"""Characters (or items) of one argument beyond which a call is not cached."""

F = TypeVar("F", bound=Callable[..., Any])
V = TypeVar("V")


def small_key_cache(maxsize: int, max_key_length: int = MAX_KEY_LENGTH) -> Callable[[F], F]:
    """`lru_cache(maxsize)` for calls whose str, bytes and tuple arguments are short."""

    def decorate(function: F) -> F:
        cached = lru_cache(maxsize=maxsize)(function)

        @wraps(function)
        def call(*args: Any) -> Any:
            for arg in args:
                if isinstance(arg, str | bytes | tuple) and len(arg) > max_key_length:
                    return function(*args)
            return cached(*args)

        @wraps(function)
        def call_one(arg: Any) -> Any:
            # Most memoised functions take one text: no loop, no tuple of arguments.
            if isinstance(arg, str | bytes | tuple) and len(arg) > max_key_length:
                return function(arg)
            return cached(arg)

        one_argument = _takes_one_positional(function)
        return cast(F, call_one if one_argument else call)

    return decorate


def _takes_one_positional(function: Callable[..., Any]) -> bool:
    parameters = list(inspect.signature(function).parameters.values())
    positional = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    return len(parameters) == 1 and parameters[0].kind in positional


class cached_attribute(Generic[V]):
    """`functools.cached_property` without its lock: computed on first read, then a plain
    attribute of the instance.

    Python 3.11's `cached_property` takes a lock on every first read (about 1 µs), and
    request contexts read several such attributes once each, all on the event loop's
    thread (or the one worker that matches a regex rule meanwhile), so the lock bought
    nothing. Python 3.12 dropped it for the same reason.
    """

    def __init__(self, function: Callable[[Any], V]) -> None:
        self.function = function
        self.name = function.__name__
        self.__doc__ = function.__doc__

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, instance: None, owner: type | None = None) -> Self: ...
    @overload
    def __get__(self, instance: object, owner: type | None = None) -> V: ...
    def __get__(self, instance: object | None, owner: type | None = None) -> V | Self:
        if instance is None:
            return self
        value = self.function(instance)
        instance.__dict__[self.name] = value  # later reads never reach the descriptor
        return value
