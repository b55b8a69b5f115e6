"""The model catalogue: what `/v1/models` lists, what `cost` is priced from, and which
model ids a request may name (`model_check.py`).

The built-in `MODELS` cover every model the MeshAPI documentation and the official SDK
mention, plus a few well-known ones per provider. Each fake holds its own `Catalogue`
(built-in models, plus `ServerConfig.model_catalogue` files, plus `server.models.add(...)`).
"""

from __future__ import annotations

import difflib
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, fields
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

import yaml

DEFAULT_MODEL = "openai/gpt-4o-mini"
UNKNOWN_MODEL_PRICES = ("1.00", "4.00")
"""USD per 1M prompt and completion tokens for a model outside the catalogue that the fake
answers anyway (`--models known-providers` or `any`): round numbers, so a cost that comes
from them is easy to tell apart from a catalogue price."""
_MILLION = Decimal(1_000_000)
_COST_QUANTUM = Decimal("0.0000001")


KINDS = frozenset({"text", "embedding", "image", "audio", "realtime", "video"})
"""The `model_type`s the fake's areas tell apart. A model added with another type (a
test's own `multimodal`, say) is not refused for its kind anywhere."""


@dataclass(frozen=True)
class Model:
    id: str
    name: str
    brand: str
    context_length: int
    prompt_per_1m: str
    completion_per_1m: str
    model_type: str = "text"
    tools: bool = True
    input_modalities: tuple[str, ...] = ("text",)
    output_modalities: tuple[str, ...] = ("text",)
    description: str = ""

    @property
    def is_free(self) -> bool:
        return Decimal(self.prompt_per_1m) == 0 and Decimal(self.completion_per_1m) == 0

    @property
    def provider(self) -> str:
        return self.id.split("/", 1)[0]

    def as_wire(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "is_free": self.is_free,
            "context_length": self.context_length,
            "context_window": self.context_length,
            "pricing": {
                "prompt_usd_per_1k": _per_1k(self.prompt_per_1m),
                "completion_usd_per_1k": _per_1k(self.completion_per_1m),
                "prompt_usd_per_1m": self.prompt_per_1m,
                "completion_usd_per_1m": self.completion_per_1m,
                "pricing_unit": "per_1m_tokens",
            },
            "description": self.description or f"{self.name} served through MeshAPI.",
            "model_type": self.model_type,
            "brand": self.brand,
            "provider": self.provider,
            "input_modalities": list(self.input_modalities),
            "output_modalities": list(self.output_modalities),
            "supports_tools": self.tools,
            "supports_structured_output": self.tools,
            "supports_system_prompt": self.model_type == "text",
            "supports_completions_api": self.model_type == "text",
            "supports_embeddings": self.model_type == "embedding",
        }

    @cached_property
    def _prices_per_token(self) -> tuple[Decimal, Decimal]:
        return Decimal(self.prompt_per_1m) / _MILLION, Decimal(self.completion_per_1m) / _MILLION

    def cost(self, prompt_tokens: int, completion_tokens: int) -> str:
        prompt_price, completion_price = self._prices_per_token
        return _cost(prompt_price, completion_price, prompt_tokens, completion_tokens)


@lru_cache(maxsize=4096)
def _cost(
    prompt_price: Decimal, completion_price: Decimal, prompt_tokens: int, completion_tokens: int
) -> str:
    """Decimal arithmetic is the dearest step of pricing an answer; the same counts at the
    same prices (a test asking again, a suite of similar prompts) cost it once."""
    total = prompt_tokens * prompt_price + completion_tokens * completion_price
    return format_decimal(total.quantize(_COST_QUANTUM, rounding=ROUND_HALF_UP))


def format_decimal(value: Decimal) -> str:
    """Plain decimal notation without trailing zeros: `0.00054`, `0`, never `5.4E-4`."""
    text = format(value.normalize(), "f")
    return "0" if Decimal(text) == 0 else text


def _per_1k(per_1m: str) -> str:
    return format_decimal(Decimal(per_1m) / 1000)


_VISION = ("text", "image")


def _embedding(model_id: str, name: str, brand: str, price_per_1m: str) -> Model:
    return Model(
        model_id,
        name,
        brand,
        8_192,
        price_per_1m,
        "0",
        model_type="embedding",
        tools=False,
        output_modalities=("embedding",),
    )


MODELS: tuple[Model, ...] = (
    Model(
        "openai/gpt-4o-mini",
        "GPT-4o mini",
        "OpenAI",
        128_000,
        "0.15",
        "0.60",
        input_modalities=_VISION,
    ),
    Model("openai/gpt-4o", "GPT-4o", "OpenAI", 128_000, "2.50", "10.00", input_modalities=_VISION),
    Model(
        "openai/gpt-4.1", "GPT-4.1", "OpenAI", 1_047_576, "2.00", "8.00", input_modalities=_VISION
    ),
    Model("openai/o3-mini", "o3-mini", "OpenAI", 200_000, "1.10", "4.40"),
    Model(
        "anthropic/claude-sonnet-4",
        "Claude Sonnet 4",
        "Anthropic",
        200_000,
        "3.00",
        "15.00",
        input_modalities=_VISION,
    ),
    Model(
        "anthropic/claude-sonnet-4.5",
        "Claude Sonnet 4.5",
        "Anthropic",
        200_000,
        "3.00",
        "15.00",
        input_modalities=_VISION,
    ),
    Model(
        "google/gemini-2.5-flash",
        "Gemini 2.5 Flash",
        "Google",
        1_048_576,
        "0.30",
        "2.50",
        input_modalities=("text", "image", "audio", "video"),
    ),
    Model("anthropic/claude-3.5-haiku", "Claude 3.5 Haiku", "Anthropic", 200_000, "0.80", "4.00"),
    Model(
        "google/gemini-2.0-flash-001",
        "Gemini 2.0 Flash",
        "Google",
        1_048_576,
        "0.10",
        "0.40",
        input_modalities=("text", "image", "audio", "video"),
    ),
    Model(
        "google/gemini-2.5-pro",
        "Gemini 2.5 Pro",
        "Google",
        1_048_576,
        "1.25",
        "10.00",
        input_modalities=("text", "image", "audio", "video"),
    ),
    Model(
        "meta-llama/llama-3.3-70b-instruct:free",
        "Llama 3.3 70B Instruct (free)",
        "Meta",
        131_072,
        "0",
        "0",
    ),
    Model(
        "meta-llama/llama-3.1-8b-instruct", "Llama 3.1 8B Instruct", "Meta", 131_072, "0.02", "0.05"
    ),
    Model(
        "mistralai/mistral-small-3.1-24b-instruct:free",
        "Mistral Small 3.1 24B (free)",
        "Mistral",
        128_000,
        "0",
        "0",
    ),
    Model("mistralai/mistral-large", "Mistral Large", "Mistral", 128_000, "2.00", "6.00"),
    Model("deepseek/deepseek-chat", "DeepSeek V3", "DeepSeek", 163_840, "0.27", "1.10"),
    Model(
        "deepseek/deepseek-r1:free",
        "DeepSeek R1 (free)",
        "DeepSeek",
        163_840,
        "0",
        "0",
        tools=False,
    ),
    Model(
        "meta-llama/llama-3.3-70b-instruct",
        "Llama 3.3 70B Instruct",
        "Meta",
        131_072,
        "0.12",
        "0.30",
    ),
    Model("openai/gpt-4.1-mini", "GPT-4.1 mini", "OpenAI", 1_047_576, "0.40", "1.60"),
    Model("openai/o4-mini", "o4-mini", "OpenAI", 200_000, "1.10", "4.40"),
    Model("qwen/qwen-2.5-72b-instruct", "Qwen2.5 72B Instruct", "Qwen", 32_768, "0.12", "0.39"),
    Model(
        "openai/text-embedding-3-small",
        "Text Embedding 3 Small",
        "OpenAI",
        8_191,
        "0.02",
        "0",
        model_type="embedding",
        tools=False,
        output_modalities=("embedding",),
    ),
    _embedding("openai/text-embedding-3-large", "Text Embedding 3 Large", "OpenAI", "0.13"),
    _embedding("openai/text-embedding-ada-002", "Text Embedding Ada 002", "OpenAI", "0.10"),
    _embedding("google/text-embedding-004", "Text Embedding 004", "Google", "0.10"),
    _embedding("google/gemini-embedding-001", "Gemini Embedding 001", "Google", "0.15"),
    _embedding("mistralai/mistral-embed", "Mistral Embed", "Mistral", "0.10"),
    _embedding("cohere/embed-english-v3.0", "Embed English v3", "Cohere", "0.10"),
    _embedding("cohere/embed-multilingual-v3.0", "Embed Multilingual v3", "Cohere", "0.10"),
    _embedding("voyageai/voyage-3", "Voyage 3", "Voyage AI", "0.06"),
    _embedding("voyageai/voyage-3-large", "Voyage 3 Large", "Voyage AI", "0.18"),
    _embedding("baai/bge-m3", "BGE M3", "BAAI", "0.01"),
    _embedding("nomic-ai/nomic-embed-text", "Nomic Embed Text", "Nomic AI", "0.01"),
    _embedding(
        "sentence-transformers/all-MiniLM-L6-v2", "all-MiniLM-L6-v2", "Sentence Transformers", "0"
    ),
    Model(
        "openai/gpt-image-1",
        "GPT Image 1",
        "OpenAI",
        32_000,
        "5.00",
        "40.00",
        model_type="image",
        tools=False,
        input_modalities=_VISION,
        output_modalities=("image",),
    ),
    Model(
        "openai/gpt-4o-realtime-preview",
        "GPT-4o Realtime (preview)",
        "OpenAI",
        128_000,
        "5.00",
        "20.00",
        model_type="realtime",
        input_modalities=("text", "audio"),
        output_modalities=("text", "audio"),
    ),
    Model(
        "openai/whisper-1",
        "Whisper",
        "OpenAI",
        0,
        "0",
        "0",
        model_type="audio",
        tools=False,
        input_modalities=("audio",),
        output_modalities=("text",),
    ),
    Model(
        "openai/gpt-4o-mini-tts",
        "GPT-4o mini TTS",
        "OpenAI",
        2_000,
        "0.60",
        "12.00",
        model_type="audio",
        tools=False,
        output_modalities=("audio",),
    ),
    Model(
        "openai/sora-2",
        "Sora 2",
        "OpenAI",
        0,
        "0",
        "0",
        model_type="video",
        tools=False,
        output_modalities=("video",),
    ),
    # The official SDK's README names these (batches, realtime, audio, video); prices are
    # the provider's list prices per 1M tokens where it bills tokens, else the fake's
    # documented default (`UNKNOWN_MODEL_PRICES`, so a cost from them stands out), which
    # also keeps a paid model out of `/v1/models/free`.
    Model(
        "openai/gpt-5-nano",
        "GPT-5 nano",
        "OpenAI",
        400_000,
        "0.05",
        "0.40",
        input_modalities=_VISION,
    ),
    Model(
        "openai/gpt-realtime-mini",
        "GPT Realtime mini",
        "OpenAI",
        32_000,
        "0.60",  # text tokens, as `gpt-4o-realtime-preview` above
        "2.40",
        model_type="realtime",
        input_modalities=("text", "audio"),
        output_modalities=("text", "audio"),
    ),
    Model(
        "openai/whisper-large-v3",
        "Whisper Large v3",
        "OpenAI",
        0,
        *UNKNOWN_MODEL_PRICES,  # billed per audio minute upstream: the default
        model_type="audio",
        tools=False,
        input_modalities=("audio",),
        output_modalities=("text",),
        description="Whisper Large v3 (open weights) served through MeshAPI: transcriptions "
        "and translations into English.",
    ),
    Model(
        "sarvam/bulbul:v2",
        "Bulbul v2",
        "Sarvam AI",
        2_000,
        *UNKNOWN_MODEL_PRICES,  # billed per character upstream: the default
        model_type="audio",
        tools=False,
        output_modalities=("audio",),
        description="Sarvam AI's text-to-speech model for Indian languages, served through "
        "MeshAPI.",
    ),
    Model(
        "sarvam/saaras:v3",
        "Saaras v3",
        "Sarvam AI",
        0,
        *UNKNOWN_MODEL_PRICES,  # billed per audio hour upstream: the default
        model_type="audio",
        tools=False,
        input_modalities=("audio",),
        output_modalities=("text",),
        description="Sarvam AI's speech-to-text model for Indian languages (language codes "
        "such as `en-IN`), served through MeshAPI.",
    ),
    Model(
        "byteplus/dreamina-seedance-2-0",
        "Dreamina Seedance 2.0",
        "ByteDance",
        0,
        *UNKNOWN_MODEL_PRICES,  # its tasks report tokens; their price is the default
        model_type="video",
        tools=False,
        input_modalities=("text", "image", "video", "audio"),
        output_modalities=("video",),
    ),
)


class CatalogueError(ValueError):
    """A model catalogue file or entry the fake cannot use; the message says why."""


class Catalogue:
    """One fake's catalogue: the built-in models plus the ones a test or file added."""

    def __init__(self, models: Iterable[Model] = MODELS) -> None:
        self._by_id: dict[str, Model] = {}
        self._providers: set[str] = set()
        for model in models:
            self.add(model)

    def add(self, model: Model) -> None:
        """Add (or replace, by id) one model."""
        _check_id(model.id)
        self._by_id[model.id] = model
        self._providers.add(model.provider)

    @property
    def models(self) -> tuple[Model, ...]:
        return tuple(self._by_id.values())

    def find(self, model_id: str) -> Model | None:
        return self._by_id.get(model_id)

    def knows_provider(self, provider: str) -> bool:
        return provider in self._providers

    def closest(self, model_id: str, count: int = 3, kinds: Collection[str] = ()) -> list[str]:
        """The `count` catalogue ids most like `model_id`, however far: whole ids and the
        names after the provider are both compared, so a missing prefix still finds its
        model first. `kinds`: only models of these `model_type`s."""
        name = model_id.rsplit("/", 1)[-1]

        def likeness(known: str) -> float:
            whole = difflib.SequenceMatcher(None, model_id, known).ratio()
            bare = difflib.SequenceMatcher(None, name, known.split("/", 1)[1]).ratio()
            return max(whole, bare)

        ids = [i for i, m in self._by_id.items() if not kinds or m.model_type in kinds]
        return sorted(ids, key=lambda known: (-likeness(known), known))[:count]

    def cost(self, model_id: str, prompt_tokens: int, completion_tokens: int) -> str:
        """Cost in USD as a decimal string; a model outside the catalogue is priced at
        `UNKNOWN_MODEL_PRICES`."""
        model = self._by_id.get(model_id)
        if model is not None:
            return model.cost(prompt_tokens, completion_tokens)
        return _unknown_cost(prompt_tokens, completion_tokens)


_UNKNOWN = Model("unknown/unknown", "Unknown", "Unknown", 0, *UNKNOWN_MODEL_PRICES)


@lru_cache(maxsize=4096)
def _unknown_cost(prompt_tokens: int, completion_tokens: int) -> str:
    return _UNKNOWN.cost(prompt_tokens, completion_tokens)


def well_formed(model_id: str) -> bool:
    """`provider/name`, both parts present, and no whitespace anywhere: the gateway does
    not trim `"openai/gpt-4o-mini "` into a model it knows."""
    provider, slash, name = model_id.partition("/")
    return bool(provider and slash and name) and model_id.split() == [model_id]


@lru_cache(maxsize=1024)  # every reset rebuilds the catalogue from the same ids
def _check_id(model_id: str) -> None:
    provider, slash, name = model_id.partition("/")
    if not (provider and slash and name):
        raise CatalogueError(f"model id {model_id!r} is not `provider/name`")
    if not well_formed(model_id):
        raise CatalogueError(f"model id {model_id!r} holds whitespace")


_FIELDS = {f.name for f in fields(Model)}
_TUPLES = ("input_modalities", "output_modalities")


def model_from(entry: str | Mapping[str, Any]) -> Model:
    """A catalogue entry from a file or `server.models.add`: an id alone, or a mapping with
    `id` and any of `Model`'s fields (prices as decimal strings per 1M tokens)."""
    if isinstance(entry, str):
        entry = {"id": entry}
    if not isinstance(entry, Mapping) or not isinstance(entry.get("id"), str):
        raise CatalogueError(f"a model entry is an id or a mapping with an `id`: {entry!r}")
    unknown = set(entry) - _FIELDS
    if unknown:
        raise CatalogueError(f"model {entry['id']!r}: unknown fields {sorted(unknown)}")
    values = dict(entry)
    model_id = values.pop("id")
    _check_id(model_id)
    provider = model_id.split("/", 1)[0]
    values.setdefault("name", model_id.split("/", 1)[-1])
    values.setdefault("brand", provider.capitalize())
    values.setdefault("context_length", 128_000)
    values.setdefault("prompt_per_1m", UNKNOWN_MODEL_PRICES[0])
    values.setdefault("completion_per_1m", UNKNOWN_MODEL_PRICES[1])
    for key in ("prompt_per_1m", "completion_per_1m"):
        values[key] = str(values[key])
        try:
            if not Decimal(values[key]).is_finite() or Decimal(values[key]) < 0:
                raise InvalidOperation
        except InvalidOperation:
            raise CatalogueError(
                f"model {model_id!r}: {key} must be a non-negative decimal"
            ) from None
    for key in _TUPLES:
        if key in values:
            values[key] = tuple(values[key])
    try:
        return Model(model_id, **values)
    except TypeError as exc:
        raise CatalogueError(f"model {model_id!r}: {exc}") from None


def load_file(path: str | Path) -> list[Model]:
    """A catalogue file (YAML or JSON): a list of entries, or `{models: [...]}`."""
    try:
        document = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise CatalogueError(f"cannot read model catalogue {path}: {exc}") from None
    if isinstance(document, Mapping):
        document = document.get("models")
    if not isinstance(document, list):
        raise CatalogueError(f"{path}: a model catalogue is a list of models (or `models:`)")
    try:
        return [model_from(entry) for entry in document]
    except CatalogueError as exc:
        raise CatalogueError(f"{path}: {exc}") from None


_BUILT_IN = Catalogue()


def find(model_id: str) -> Model | None:
    """A built-in model by id."""
    return _BUILT_IN.find(model_id)


def cost_for(model_id: str, prompt_tokens: int, completion_tokens: int) -> str:
    """Cost in USD of a built-in model (or at the unknown-model default)."""
    return _BUILT_IN.cost(model_id, prompt_tokens, completion_tokens)
