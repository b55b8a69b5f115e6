"""Default-mode vectors: deterministic, unit length, similar for texts that share words.

Each input becomes weighted features — its words (common words such as "the" count
little), neighbouring word pairs and the character trigrams of its words (so "cat" and
"cats" are related) — hashed into the requested number of dimensions with signs (the
"hashing trick"). They carry 96 % of the vector's squared length; a dense direction
chosen by the whole input carries the rest, so vectors look dense and no two inputs
coincide. Vectors have unit length and float32 values, the precision real embedding
APIs send, so `float` and `base64` answers decode to the same numbers.

Cosine similarity then follows shared words: a text that contains the query's words
ranks above one sharing none, which is what retrieval tests need. Token-id arrays are
embedded by their ids (no tokenizer: they relate to each other, not to texts); an image
or video part by a marker of its kind, its URL and the words of that URL.

Vectors depend on the input and the dimensions only: not on the model, the server's
seed or the process (no `hash()`), so a stored vector stays valid across runs.
"""

from __future__ import annotations

import array
import base64
import hashlib
import itertools
import math
import re
import struct
import sys
from functools import lru_cache

from pydantic_core import to_json

from ... import catalogue
from ...memo import small_key_cache

DEFAULT_DIMENSIONS = 1536
"""The dimensions of models the table below does not know."""

NATIVE_DIMENSIONS: dict[str, int] = {
    "text-embedding-3-small": 1536,
    "text-embedding-3-large": 3072,
    "text-embedding-ada-002": 1536,
    "text-embedding-004": 768,
    "gemini-embedding-001": 3072,
    "mistral-embed": 1024,
    "embed-english-v3.0": 1024,
    "embed-multilingual-v3.0": 1024,
    "voyage-3": 1024,
    "voyage-3-large": 1024,
    "bge-m3": 1024,
    "nomic-embed-text": 768,
    "all-minilm-l6-v2": 384,
}
"""Native dimensions by model name (the part after the provider), case-insensitive."""

DEFAULT_MODEL = next(
    (m.id for m in catalogue.MODELS if m.model_type == "embedding"),
    "openai/text-embedding-3-small",
)
"""The model that answers a request naming none: the catalogue's first embedding model."""

MAX_DIMENSIONS = 16_384
"""Upper bound of `dimensions` (larger than any real model's)."""

_DENSE_SHARE = 0.2
"""Weight of the per-input dense component; the hashed features carry the rest."""
_FEATURE_SHARE = math.sqrt(1 - _DENSE_SHARE**2)
_THREE_WORDS = struct.Struct("<3I")
_MAX_WORDS = 2048
"""Features come from the first 2048 words (the whole input still picks the dense part)."""
_MAX_TRIGRAMS = 64
"""Trigrams come from a word's first 64 characters (a base64 blob is one long word)."""
_WORDS = re.compile(r"\w+")
_STOP_WORDS = frozenset(
    (
        *("a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "from", "has"),
        *("have", "in", "is", "it", "its", "of", "on", "or", "that", "the", "this", "to"),
        *("was", "were", "what", "when", "where", "which", "who", "why", "will", "with"),
        *("how", "do", "does", "did"),
    )
)
_STOP_WEIGHT = 0.2
_PAIR_WEIGHT = 0.5
_TRIGRAM_WEIGHT = 0.3
_URL_NOISE = frozenset({"http", "https", "www", "com", "org", "net", "html"})
_TOKEN_PER_IMAGE = 85
_TOKEN_PER_VIDEO = 256


def native_dimensions(model: str) -> int:
    name = model.rsplit("/", 1)[-1].casefold()
    return NATIVE_DIMENSIONS.get(name, DEFAULT_DIMENSIONS)


class Vector:
    """One unit vector as float32 values, with its base64 form made on first use.

    `parts` (when the vector was built on the dense direction) are its values' JSON texts,
    most of them shared with every other vector of its size: joining them is far cheaper
    than formatting 1,536 floats, and gives the same bytes."""

    __slots__ = ("_json", "parts", "values")

    def __init__(self, values: array.array[float], parts: list[bytes] | None = None) -> None:
        self.values = values
        self.parts = parts
        self._json: dict[bool, bytes] = {}

    def floats(self) -> list[float]:
        return self.values.tolist()

    def json(self, base64: bool) -> bytes:
        """The `embedding` value as JSON: a float array, or a base64 string."""
        fragment = self._json.get(base64)
        if fragment is None:
            if base64:
                fragment = b'"%s"' % float32_base64(self.values).encode("ascii")
            elif self.parts is not None:
                fragment = b"[" + b",".join(self.parts) + b"]"
            else:
                fragment = to_json(self.values.tolist())
            self._json[base64] = fragment
        return fragment


def float32_base64(values: array.array[float]) -> str:
    """Little-endian float32 bytes, base64: what OpenAI sends for `encoding_format=base64`."""
    if sys.byteorder == "big":  # pragma: no cover - the wire format is little-endian
        values = array.array("f", values)
        values.byteswap()
    return base64.b64encode(values.tobytes()).decode("ascii")


def encode_floats(values: list[float]) -> str:
    """Scripted vectors in the base64 form (rounded to float32, as the wire format is)."""
    return float32_base64(array.array("f", values))


# ---------------------------------------------------------------------- the inputs


@small_key_cache(maxsize=256)
def text_vector(text: str, dimensions: int) -> Vector:
    return _vector(
        _text_features(text), b"text\x00" + text.encode("utf-8", "surrogatepass"), dimensions
    )


@small_key_cache(maxsize=256)
def tokens_vector(tokens: tuple[int, ...], dimensions: int) -> Vector:
    head = tokens[:_MAX_WORDS]
    features = [(f"t:{t}", 1.0) for t in head]
    features += [(f"tp:{a},{b}", _PAIR_WEIGHT) for a, b in itertools.pairwise(head)]
    return _vector(features, b"tokens\x00" + ",".join(map(str, tokens)).encode(), dimensions)


@small_key_cache(maxsize=256)
def url_vector(kind: str, url: str, dimensions: int) -> Vector:
    """An image or video: its kind, its URL and the words of the URL (not of `data:` bytes)."""
    digest = hashlib.blake2b(url.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()
    features = [(f"m:{kind}", 1.0), (f"u:{digest}", 1.0)]
    if not url.startswith("data:"):
        words = [w for w in _WORDS.findall(url.casefold()[:2048]) if w not in _URL_NOISE]
        features += [(f"w:{w}", 0.5) for w in words]
    return _vector(features, f"{kind}\x00{url}".encode("utf-8", "surrogatepass"), dimensions)


def text_tokens(text: str) -> int:
    """About four characters a token, as the chat endpoint counts."""
    return (len(text) + 3) // 4


def url_tokens(kind: str) -> int:
    return _TOKEN_PER_IMAGE if kind == "image" else _TOKEN_PER_VIDEO


# ---------------------------------------------------------------------- the hashing


def _text_features(text: str) -> list[tuple[str, float]]:
    found = itertools.islice(_WORDS.finditer(text.casefold()), _MAX_WORDS)
    words = [match.group() for match in found]
    if not words:  # "", "?!": the text itself is the one feature
        return [(f"s:{text.strip()}", 1.0)]
    features: list[tuple[str, float]] = []
    for word in words:
        weight = _STOP_WEIGHT if word in _STOP_WORDS else 1.0
        features.append((f"w:{word}", weight))
        padded = f"<{word[:_MAX_TRIGRAMS]}>"
        trigram_weight = _TRIGRAM_WEIGHT * weight
        features += [("c:" + padded[i : i + 3], trigram_weight) for i in range(len(padded) - 2)]
    features.extend((f"p:{a} {b}", _PAIR_WEIGHT) for a, b in itertools.pairwise(words))
    return features


@small_key_cache(maxsize=65_536, max_key_length=64)  # at most ~8 MB of keys
def _feature_slots(feature: str) -> tuple[int, ...]:
    """Three 32-bit hashes of a feature: each names a dimension (high bits) and a sign."""
    digest = hashlib.blake2b(feature.encode("utf-8", "surrogatepass"), digest_size=12).digest()
    return _THREE_WORDS.unpack(digest)


@lru_cache(maxsize=64)
def _dense_base(dimensions: int) -> tuple[list[float], list[float]]:
    """One fixed pseudo-random direction per size, of length `_DENSE_SHARE`, and its negative."""
    raw = array.array("h")
    raw.frombytes(hashlib.shake_256(b"meshapi-mock dense").digest(2 * dimensions))
    if sys.byteorder == "big":  # pragma: no cover - the same vectors on every machine
        raw.byteswap()
    scale = _DENSE_SHARE / (math.sqrt(sum(v * v for v in raw)) or 1.0)
    positive = [v * scale for v in raw]
    return positive, [-v for v in positive]


@lru_cache(maxsize=128)
def _dense_wire(dimensions: int, positive: bool) -> tuple[bytes, list[bytes]]:
    """The dense direction (or its negative) as float32 bytes, and each value's JSON text."""
    as_float32 = array.array("f", _dense_base(dimensions)[0 if positive else 1])
    return as_float32.tobytes(), [to_json(value) for value in as_float32.tolist()]


def _vector(features: list[tuple[str, float]], key: bytes, dimensions: int) -> Vector:
    """Unit length: the features' dimensions carry `_FEATURE_SHARE` of it, the others a
    rotation of the fixed dense direction (chosen by the whole input) carrying the rest.

    Building on a precomputed direction keeps the per-input cost to a list rotation plus
    work on the features' few dimensions, with no pass of Python arithmetic over all.
    """
    weights: dict[str, float] = {}
    for feature, weight in features:
        weights[feature] = weights.get(feature, 0.0) + weight
    sparse: dict[int, float] = {}
    for feature, weight in weights.items():
        # Three slots a feature: one hash collision cannot cancel it out (the "hashing
        # trick" with several slots); the normalisation below makes their scale moot.
        for h in _feature_slots(feature):
            index = (h >> 1) % dimensions
            sparse[index] = sparse.get(index, 0.0) + (weight if h & 1 else -weight)
    sparse_norm = math.hypot(*sparse.values())
    if sparse_norm == 0.0:  # the features cancelled out: a fixed direction
        return Vector(array.array("f", [1.0] + [0.0] * (dimensions - 1)))
    if len(sparse) >= dimensions:  # tiny sizes: the features fill every dimension
        return Vector(array.array("f", [sparse[i] / sparse_norm for i in range(dimensions)]))
    h = int.from_bytes(hashlib.blake2b(key, digest_size=8).digest(), "little")
    positive, negative = _dense_base(dimensions)
    base = positive if h & 1 else negative
    offset = (h >> 1) % dimensions
    # The vector is the dense direction rotated by `offset` (`base[(i + offset) % n]` at
    # index i), with the features' dimensions and one spare changed: rotate its float32
    # bytes and JSON texts, and compute only what changes (in double precision).
    raw, texts = _dense_wire(dimensions, positive=bool(h & 1))
    values = array.array("f")
    values.frombytes(raw[offset * 4 :] + raw[: offset * 4])
    parts = texts[offset:] + texts[:offset]
    removed = 0.0
    scale = _FEATURE_SHARE / sparse_norm
    for index, weight in sparse.items():
        displaced = base[(index + offset) % dimensions]
        removed += displaced * displaced
        values[index] = weight * scale
    # Give the dense mass the features displaced to one dimension they left alone, so
    # the dense part keeps its share and the vector its unit length.
    spare = (h >> 33) % dimensions
    while spare in sparse:
        spare = (spare + 1) % dimensions
    kept = base[(spare + offset) % dimensions]
    values[spare] = math.copysign(math.sqrt(kept**2 + removed), kept)
    for index in (*sparse, spare):
        parts[index] = to_json(values[index])
    return Vector(values, parts)
