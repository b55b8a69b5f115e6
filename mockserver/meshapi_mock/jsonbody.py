"""Compact JSON encoding shared by every renderer.

pydantic-core's encoder is fast, keeps key order and emits UTF-8 without escaping,
which is what MeshAPI sends.
"""

from __future__ import annotations

from typing import Any

from pydantic_core import to_json


def dumps(value: Any) -> bytes:
    return to_json(value)
