"""Cutting text into stream chunks that always join back to the original.

Python strings index code points, so no cut can land inside a UTF-8 sequence.
"""

from __future__ import annotations

import re
from typing import Literal

_WORD = re.compile(r"\s*\S+|\s+\Z")


def split_words(text: str) -> list[str]:
    """Each piece is a word with the whitespace before it, as tokenisers emit."""
    return _WORD.findall(text)


def split_every(text: str, size: int) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)]


def split_text(text: str, how: Literal["words"] | int | list[str]) -> list[str]:
    if isinstance(how, list):
        return [piece for piece in how if piece]
    if how == "words":
        return split_words(text)
    return split_every(text, how)
