"""Deterministic speech for the fake: PCM16 mono at 24 kHz, little-endian.

Each word of a transcript sounds as a tone of its own (its pitch from a hash of the word,
200-400 Hz) for a time that grows with its length, then a short silence, so the same text
always gives the same bytes and a player hears one beep per word. A tone is made of whole
periods, starting and ending at zero, so words join without clicks; periods are tiled from
a one-period table, so even long answers cost little.
"""

from __future__ import annotations

import hashlib
import math
import struct
from functools import lru_cache

from .wire import SAMPLE_RATE

BYTES_PER_SAMPLE = 2
MS_PER_CHARACTER = 60.0
"""How long a character sounds (about 16 characters a second, as people speak)."""
GAP_MS = 40.0
"""Silence after each word."""
MAX_SECONDS = 60.0
"""The longest answer spoken: a longer text is spoken faster, so its audio stays bounded."""
AMPLITUDE = 0.3


def samples(milliseconds: float) -> int:
    return int(SAMPLE_RATE * milliseconds / 1000)


def duration_ms(pcm_bytes: int) -> float:
    """Milliseconds of PCM16 24 kHz mono audio in `pcm_bytes` bytes."""
    return pcm_bytes / BYTES_PER_SAMPLE / SAMPLE_RATE * 1000


@lru_cache(maxsize=256)
def _period(length: int) -> bytes:
    """One period of a sine of `length` samples, as PCM16 bytes."""
    peak = AMPLITUDE * 32767
    values = [round(peak * math.sin(2 * math.pi * i / length)) for i in range(length)]
    return struct.pack(f"<{length}h", *values)


def _period_length(word: str) -> int:
    digest = hashlib.blake2b(word.encode("utf-8"), digest_size=2).digest()
    return 60 + int.from_bytes(digest, "big") % 61  # 60-120 samples: 400-200 Hz


def pace(text: str) -> float:
    """Milliseconds per character for `text`: the usual pace, faster for a long text."""
    characters = max(len(text), 1)
    return min(MS_PER_CHARACTER, MAX_SECONDS * 1000 / characters)


@lru_cache(maxsize=1024)
def speak(chunk: str, ms_per_character: float = MS_PER_CHARACTER) -> bytes:
    """The audio of one transcript chunk (a word and its spacing): a tone, then silence.
    Whitespace alone is silence."""
    word = chunk.strip()
    gap = bytes(samples(GAP_MS * ms_per_character / MS_PER_CHARACTER) * BYTES_PER_SAMPLE)
    if not word:
        return gap
    period = _period_length(word)
    periods = max(1, samples(len(chunk) * ms_per_character) // period)
    return _period(period) * periods + gap
