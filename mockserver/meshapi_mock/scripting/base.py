"""The base of every rule model: unknown fields are errors, so a typo never goes unseen."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict
from typing_extensions import Self


class Spec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    def with_values(self, **values: Any) -> Self:
        """A copy with `values` set and not validated: for values the fake made itself on a
        hot path (default mode's text), where `model_copy(update=...)` costs twice as much.
        The copy shares nested models, which nothing mutates."""
        copy = type(self).__new__(type(self))
        object.__setattr__(copy, "__dict__", {**self.__dict__, **values})
        object.__setattr__(copy, "__pydantic_fields_set__", self.model_fields_set | values.keys())
        object.__setattr__(copy, "__pydantic_extra__", None)
        object.__setattr__(copy, "__pydantic_private__", None)
        return copy
