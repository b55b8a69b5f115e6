"""A text criterion (`contains`, `equals` or `regex`), checked when a rule is made.

Its own module, below both the rule model (`spec.py`) and matching (`matching.py`), so
that matching can read it while the rule model asks matching what differs, and neither
imports the other back.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import regex
from pydantic import model_validator

from .base import Spec
from .patterns import compiled, pattern_source
from .regex_cost import RegexTooCostly


class TextMatch(Spec):
    """How to match a piece of text. A plain string in a file means `contains`.

    `regex` uses the `regex` module's syntax (a superset of `re`'s) and is searched for;
    a compiled `re` or `regex` pattern given from Python keeps its flags, written inline.
    """

    contains: str | None = None
    equals: str | None = None
    regex: str | None = None
    ignore_case: bool = False

    @model_validator(mode="before")
    @classmethod
    def _from_shorthand(cls, value: Any) -> Any:
        if isinstance(value, str):
            return {"contains": value}
        compiled = pattern_source(value)
        if compiled is not None:
            pattern, ignore_case = compiled
            return {"regex": pattern, "ignore_case": ignore_case}
        return value

    @model_validator(mode="after")
    def _exactly_one(self) -> TextMatch:
        given = [k for k in ("contains", "equals", "regex") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of 'contains', 'equals' or 'regex'")
        if self.regex is not None:
            try:
                compiled(self.regex, self.ignore_case)
            except regex.error as exc:
                raise ValueError(f"invalid regex {self.regex!r}: {exc}") from None
            except RegexTooCostly as exc:
                raise ValueError(str(exc)) from None
        return self

    def describe(self) -> str:
        """What a matching text is like, to follow a noun: "text containing 'x'"."""
        suffix = " (ignoring case)" if self.ignore_case else ""
        if self.contains is not None:
            return f"containing {self.contains!r}{suffix}"
        if self.equals is not None:
            return f"equal to {self.equals!r}{suffix}"
        return f"matching regex {self.regex!r}{suffix}"


TextCriterion = str | re.Pattern[str] | regex.Pattern[str] | TextMatch | Mapping[str, Any]
"""What Python scripting takes for a text criterion: a str means 'contains'."""
