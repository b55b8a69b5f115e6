"""Colours a test can name: `#rgb`, `#rrggbb`, `#rrggbbaa`, a few CSS names, or numbers."""

from __future__ import annotations

from collections.abc import Sequence

from .picture import Colour

NAMES: dict[str, Colour] = {
    "black": (0, 0, 0, 255),
    "white": (255, 255, 255, 255),
    "red": (255, 0, 0, 255),
    "green": (0, 128, 0, 255),
    "lime": (0, 255, 0, 255),
    "blue": (0, 0, 255, 255),
    "yellow": (255, 255, 0, 255),
    "cyan": (0, 255, 255, 255),
    "magenta": (255, 0, 255, 255),
    "orange": (255, 165, 0, 255),
    "purple": (128, 0, 128, 255),
    "gray": (128, 128, 128, 255),
    "grey": (128, 128, 128, 255),
    "transparent": (0, 0, 0, 0),
}


def parse_colour(value: str | Sequence[int]) -> Colour:
    """The RGBA of a colour; ValueError says what forms are accepted."""
    if isinstance(value, str):
        text = value.strip().lower()
        if text in NAMES:
            return NAMES[text]
        digits = text.removeprefix("#")
        if text.startswith("#") and len(digits) in (3, 4, 6, 8):
            try:
                numbers = [int(c * 2 if len(digits) < 6 else c, 16) for c in _pairs(digits)]
            except ValueError:
                pass
            else:
                return _rgba(numbers)
        raise ValueError(
            f"colour {value!r} is not '#rgb', '#rrggbb', '#rrggbbaa' or one of {sorted(NAMES)}"
        )
    numbers = list(value)
    if len(numbers) not in (3, 4) or not all(
        isinstance(n, int) and not isinstance(n, bool) and 0 <= n <= 255 for n in numbers
    ):
        raise ValueError("a colour as numbers is [r, g, b] or [r, g, b, a], each 0-255")
    return _rgba(numbers)


def _pairs(digits: str) -> list[str]:
    if len(digits) in (3, 4):
        return list(digits)
    return [digits[i : i + 2] for i in range(0, len(digits), 2)]


def _rgba(numbers: list[int]) -> Colour:
    r, g, b, *rest = numbers
    return (r, g, b, rest[0] if rest else 255)


def hex_colour(colour: Colour) -> str:
    """`#rrggbb`, or `#rrggbbaa` when not opaque: how a rule lists its colour."""
    r, g, b, a = colour
    return f"#{r:02x}{g:02x}{b:02x}" + ("" if a == 255 else f"{a:02x}")
