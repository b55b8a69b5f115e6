"""Speech the fake can hear back: text as tones, in PCM16 mono, and the tones as text.

Default-mode speech is not silence: each UTF-8 byte of the text is two 20 ms tones
(one per nibble, 16 pitches 150 Hz apart above the voice's base pitch) and a space is
40 ms of silence, so the audio sounds like words with pauses between them and grows
with the text. A preamble (four slots of the base pitch, then the nibbles A and 5), the
byte count and a check byte frame it, so a transcription of such audio gives back the
exact text, and any other audio is told apart from it.

Every slot holds a whole number of half cycles, so each tone starts and ends on a zero
crossing (no clicks) and a slot's samples are one of a few precomputed waveforms,
joined at C speed. Hearing counts zero crossings per slot (again at C speed, on the
sign bit of each sample): a tone of f Hz crosses zero about 2·f·T times in T seconds.
"""

from __future__ import annotations

import array
import hashlib
import io
import math
import sys
import wave
from dataclasses import dataclass
from functools import lru_cache

SLOT = 0.02
"""Seconds per symbol."""
STEP = 150
"""Hz between neighbouring nibbles' pitches: 6 zero crossings per slot apart."""
RATES = (24000, 16000, 8000, 22050, 44100, 48000)
"""Sample rates speech comes in (24 kHz by default); hearing raw PCM tries each."""
DEFAULT_RATE = 24000
MIN_BASE, MAX_BASE = 300, 600
"""A voice's base pitch (a multiple of 25 Hz): the highest nibble stays under 2.9 kHz,
below the Nyquist frequency of 8 kHz audio."""
MAX_TEXT_BYTES = 0xFFFF
_PREAMBLE = (0, 0, 0, 0, 0xA, 0x5)
_LEVELS = (0.35, 0.45, 0.55, 0.65)
_SPACE = 0x20
_SIGN = bytes(0x30 if b < 0x80 else 0x31 for b in range(256))
"""A sample's high byte → `0` (non-negative) or `1` (negative)."""


def _samples(rate: float) -> int:
    return round(rate * SLOT)


@lru_cache(maxsize=512)
def _tone_slot(frequency: int, level: float, rate: int, negative: bool) -> bytes:
    n = _samples(rate)
    amplitude = level * 32767 * (-1 if negative else 1)
    step = 2 * math.pi * frequency / rate
    out = array.array("h", (round(amplitude * math.sin(step * i)) for i in range(n)))
    if sys.byteorder == "big":
        out.byteswap()
    return out.tobytes()


@dataclass(frozen=True)
class Voice:
    base: int
    """Hz, a multiple of 25 in [MIN_BASE, MAX_BASE]."""
    key: bytes
    """What word loudness and polarity derive from (voice and seed)."""


def voice_of(pitch: int, seed: int | None) -> Voice:
    key = hashlib.blake2b(f"{pitch}:{seed}".encode(), digest_size=16).digest()
    base = MIN_BASE + (pitch // 25 * 25 - MIN_BASE) % (MAX_BASE - MIN_BASE + 25)
    return Voice(base=base, key=key)


def symbols(data: bytes) -> list[int | None]:
    """The slots that say `data`: a nibble's tone, or None for silence."""
    check = hashlib.blake2b(data, digest_size=1).digest()[0]
    out: list[int | None] = list(_PREAMBLE)
    length = len(data)
    out.extend((length >> shift) & 0xF for shift in (12, 8, 4, 0))
    for byte in data:
        out.extend((None, None) if byte == _SPACE else (byte >> 4, byte & 0xF))
    out.extend((check >> 4, check & 0xF))
    out.append(None)
    return out


def speak(text: str, voice: Voice, rate: int = DEFAULT_RATE) -> bytes:
    """PCM16 little-endian mono samples saying `text` (at most `MAX_TEXT_BYTES` of UTF-8)."""
    data = text.encode("utf-8")
    if len(data) > MAX_TEXT_BYTES:
        raise ValueError(f"text is {len(data)} bytes of UTF-8; speech says at most 65535")
    silence = bytes(2 * _samples(rate))
    negative = voice.key[0] & 1 == 1
    word = 0
    level = _level(voice, word)
    parts: list[bytes] = []
    for symbol in symbols(data):
        if symbol is None:
            parts.append(silence)
            word += 1
            level = _level(voice, word)
            continue
        frequency = voice.base + STEP * symbol
        parts.append(_tone_slot(frequency, level, rate, negative))
        half_cycles = round(2 * frequency * SLOT)
        negative ^= half_cycles % 2 == 1
    return b"".join(parts)


def _level(voice: Voice, word: int) -> float:
    return _LEVELS[voice.key[1 + word % 15] % len(_LEVELS)]


def tone(frequency: int, seconds: float, rate: int = DEFAULT_RATE) -> bytes:
    """A plain sine of a whole number of Hz: one second is computed, then repeated."""
    step = 2 * math.pi * frequency / rate
    second = array.array("h", (round(0.5 * 32767 * math.sin(step * i)) for i in range(rate)))
    if sys.byteorder == "big":
        second.byteswap()
    raw = second.tobytes()
    wanted = 2 * round(seconds * rate)
    return (raw * (wanted // len(raw) + 1))[:wanted]


def fit(pcm: bytes, seconds: float, rate: int) -> bytes:
    """Exactly `seconds` long: padded with silence, or cut short."""
    wanted = 2 * round(seconds * rate)
    return pcm[:wanted] if len(pcm) >= wanted else pcm + bytes(wanted - len(pcm))


def wav(pcm: bytes, rate: int) -> bytes:
    """A standard RIFF/WAVE file: PCM16 mono."""
    out = io.BytesIO()
    with wave.open(out, "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(rate)
        writer.writeframes(pcm)
    return out.getvalue()


# --------------------------------------------------------------------------- hearing


@dataclass(frozen=True)
class Heard:
    """What an uploaded file turned out to be."""

    text: str | None
    """The text the fake's own speech says; None for any other audio."""
    seconds: float | None
    """How long it plays, when it is WAV or the fake's raw PCM."""


def hear(data: bytes) -> Heard:
    """The text in speech the fake made (WAV, or raw PCM at any of `RATES`), if it is."""
    if data[:4] == b"RIFF" and data[8:12] == b"WAVE":
        found = _read_wav(data)
        if found is None:
            return Heard(None, None)
        pcm, rate = found
        return Heard(_decode(pcm, rate), len(pcm) / 2 / rate)
    if len(data) % 2 == 0:
        for rate in RATES:
            text = _decode(data, rate)
            if text is not None:
                return Heard(text, len(data) / 2 / rate)
    return Heard(None, None)


def _read_wav(data: bytes) -> tuple[bytes, int] | None:
    try:
        with wave.open(io.BytesIO(data), "rb") as reader:
            if reader.getsampwidth() != 2:
                return None
            channels, rate = reader.getnchannels(), reader.getframerate()
            frames = reader.readframes(reader.getnframes())
    except (wave.Error, EOFError, ValueError):
        return None
    if channels > 1:
        samples = array.array("h", frames[: len(frames) // 2 * 2])
        frames = samples[::channels].tobytes()
    return frames, rate


def _decode(pcm: bytes, rate: int) -> str | None:
    n = _samples(rate)
    if n < 8 or abs(n - rate * SLOT) > 1e-9:
        return None
    signs = pcm[1::2].translate(_SIGN)  # the high byte of each little-endian sample
    slots = len(signs) // n

    def crossings(slot: int) -> int:
        window = signs[slot * n : (slot + 1) * n]
        return window.count(b"01") + window.count(b"10")

    if slots < len(_PREAMBLE) + 7:
        return None
    counts = [crossings(i) for i in range(4)]
    if max(counts) - min(counts) > 2 or min(counts) < 2 * MIN_BASE * SLOT - 2:
        return None
    zero = sum(counts) / 4

    def nibble(slot: int) -> int | None:
        count = crossings(slot)
        if count <= 2:
            return None
        value = round((count - zero) / (2 * STEP * SLOT))
        if not 0 <= value <= 15 or abs(count - zero - value * 2 * STEP * SLOT) > 2.5:
            raise _NotSpeech
        return value

    try:
        if [nibble(4), nibble(5)] != list(_PREAMBLE[4:]):
            return None
        length = 0
        for slot in range(6, 10):
            value = nibble(slot)
            if value is None:
                return None
            length = length << 4 | value
        if slots < 10 + 2 * length + 2:
            return None
        data = bytearray()
        for index in range(length):
            high_nibble, low_nibble = nibble(10 + 2 * index), nibble(11 + 2 * index)
            if high_nibble is None and low_nibble is None:
                data.append(_SPACE)
            elif high_nibble is None or low_nibble is None:
                return None
            else:
                data.append(high_nibble << 4 | low_nibble)
        check = [nibble(10 + 2 * length), nibble(11 + 2 * length)]
    except _NotSpeech:
        return None
    if None in check or hashlib.blake2b(bytes(data), digest_size=1).digest()[0] != (
        (check[0] or 0) << 4 | (check[1] or 0)
    ):
        return None
    try:
        return bytes(data).decode("utf-8")
    except UnicodeDecodeError:
        return None


class _NotSpeech(Exception):
    pass
