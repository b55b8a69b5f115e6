"""The fake's voices: a small built-in catalogue, filtered and paged by page token.

The built-in voices carry OpenAI's names (so `voice="alloy"` from the `openai` SDK is a
voice the fake knows) and a few of other categories. Each has a pitch, which is the base
pitch its speech is drawn at; a voice the catalogue lacks still speaks, at a pitch
derived from its name. A rule may serve its own voices instead (`voices` in the reply);
listing and lookup then run over those.

Page tokens are opaque to clients: `vpt_` + the offset and a digest of the filters, so
a token used with other filters, or made up, is a 404 naming it (an empty one is none).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ...errors import MeshError
from .wire import VoicesQuery

DEFAULT_VOICE = "alloy"


@dataclass(frozen=True)
class CatalogueVoice:
    voice_id: str
    name: str
    category: str
    description: str
    pitch: int
    labels: dict[str, Any] = field(default_factory=dict, hash=False)
    created_at_unix: int = 1735689600

    @property
    def voice_type(self) -> str:
        return "default" if self.category == "premade" else "personal"

    def to_wire(self) -> dict[str, Any]:
        return {
            "voice_id": self.voice_id,
            "name": self.name,
            "category": self.category,
            "description": self.description,
            "preview_url": None,
            "labels": dict(self.labels),
        }


def _premade(name: str, pitch: int, gender: str, accent: str, tone: str, day: int) -> Any:
    return CatalogueVoice(
        voice_id=name,
        name=name.capitalize(),
        category="premade",
        description=f"A {tone} {gender} voice ({accent} accent).",
        pitch=pitch,
        labels={"gender": gender, "accent": accent, "description": tone},
        created_at_unix=1735689600 + day * 86400,
    )


VOICES: tuple[CatalogueVoice, ...] = (
    _premade("alloy", 400, "neutral", "american", "balanced", 0),
    _premade("ash", 350, "male", "american", "clear", 1),
    _premade("ballad", 450, "male", "british", "warm", 2),
    _premade("coral", 525, "female", "american", "bright", 3),
    _premade("echo", 325, "male", "american", "calm", 4),
    _premade("fable", 475, "neutral", "british", "expressive", 5),
    _premade("nova", 550, "female", "american", "energetic", 6),
    _premade("onyx", 300, "male", "american", "deep", 7),
    _premade("sage", 500, "female", "american", "measured", 8),
    _premade("shimmer", 575, "female", "american", "soft", 9),
    _premade("verse", 425, "male", "american", "versatile", 10),
    CatalogueVoice(
        voice_id="vx_narrator_ada",
        name="Ada (narrator)",
        category="cloned",
        description="A cloned narrator voice for audiobooks.",
        pitch=600,
        labels={"gender": "female", "accent": "irish", "use_case": "narration"},
        created_at_unix=1738368000,
    ),
    CatalogueVoice(
        voice_id="vx_studio_kai",
        name="Kai (studio)",
        category="professional",
        description="A professional voice clone recorded in a studio.",
        pitch=375,
        labels={"gender": "male", "accent": "australian", "use_case": "conversational"},
        created_at_unix=1740787200,
    ),
    CatalogueVoice(
        voice_id="vx_designed_iris",
        name="Iris (designed)",
        category="generated",
        description="A voice designed from a text prompt.",
        pitch=550,
        labels={"gender": "female", "accent": "american", "use_case": "characters"},
        created_at_unix=1743465600,
    ),
)
BY_ID = {voice.voice_id: voice for voice in VOICES}


def pitch_of(voice_id: str | None) -> int:
    """The base pitch `voice_id` speaks at: the catalogue's, else one from its name."""
    found = BY_ID.get(voice_id or DEFAULT_VOICE)
    if found is not None:
        return found.pitch
    digest = hashlib.blake2b((voice_id or "").encode("utf-8", "replace"), digest_size=2).digest()
    return 300 + int.from_bytes(digest, "big") % 13 * 25


def catalogue(scripted: Sequence[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """The voices a call sees: a rule's, or the built-in ones."""
    if scripted is not None:
        return [dict(v) for v in scripted]
    return [voice.to_wire() for voice in VOICES]


def find(voice_id: str, voices: list[dict[str, Any]]) -> dict[str, Any]:
    found = next((v for v in voices if v.get("voice_id") == voice_id), None)
    if found is None:
        raise MeshError(404, "not_found", f"No voice with id {voice_id!r}.")
    return found


def _facts(voice: dict[str, Any]) -> CatalogueVoice | None:
    return BY_ID.get(str(voice.get("voice_id")))


def _voice_type(voice: dict[str, Any]) -> str:
    return "default" if voice.get("category") == "premade" else "personal"


def _created(voice: dict[str, Any]) -> int:
    facts = _facts(voice)
    return facts.created_at_unix if facts is not None else 0


def _searched(voice: dict[str, Any], search: str) -> bool:
    haystack = " ".join(
        str(part)
        for part in (
            voice.get("voice_id"),
            voice.get("name"),
            voice.get("description"),
            *(voice.get("labels") or {}).values(),
        )
        if part is not None
    )
    return search.casefold() in haystack.casefold()


def page(query: VoicesQuery, voices: list[dict[str, Any]]) -> dict[str, Any]:
    chosen = [
        v
        for v in voices
        if (not query.search or _searched(v, query.search))
        and (query.category is None or v.get("category") == query.category)
        and (query.voice_type is None or _voice_type(v) == query.voice_type)
        and (not query.voice_ids or v.get("voice_id") in query.voice_ids)
    ]
    if query.sort is not None:
        key: Any = (
            (lambda v: str(v.get("name") or "").casefold()) if query.sort == "name" else _created
        )
        chosen.sort(key=key, reverse=query.sort_direction == "desc")
    start = _offset(query.next_page_token, query) if query.next_page_token else 0
    end = start + query.page_size
    more = end < len(chosen)
    return {
        "voices": chosen[start:end],
        "has_more": more,
        "total_count": len(chosen) if query.include_total_count else None,
        "next_page_token": _token(end, query) if more else None,
    }


def _filters(query: VoicesQuery) -> bytes:
    parts = [query.search, query.sort, query.sort_direction, query.voice_type, query.category]
    parts.extend(sorted(query.voice_ids))
    text = "\x00".join("" if p is None else p for p in parts).encode("utf-8", "replace")
    return hashlib.blake2b(text, digest_size=4).digest()


def _token(offset: int, query: VoicesQuery) -> str:
    raw = offset.to_bytes(4, "big") + _filters(query)
    return "vpt_" + base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def _offset(token: str, query: VoicesQuery) -> int:
    try:
        raw = base64.urlsafe_b64decode(token.removeprefix("vpt_") + "==")
    except (binascii.Error, ValueError):
        raw = b""
    if not token.startswith("vpt_") or len(raw) != 8 or raw[4:] != _filters(query):
        raise MeshError(
            404,
            "not_found",
            f"next_page_token {token!r} is not one this listing gave (it must come from the "
            "previous page of the same search).",
            details=[
                {
                    "type": "invalid_page_token",
                    "loc": ["query", "next_page_token"],
                    "msg": "unknown page token",
                }
            ],
        )
    return int.from_bytes(raw[:4], "big")
