"""The built-in model catalogue: what `/v1/models` lists and what `cost` is priced from."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import cached_property, lru_cache
from typing import Any

DEFAULT_MODEL = "openai/gpt-4o-mini"
_MILLION = Decimal(1_000_000)
_COST_QUANTUM = Decimal("0.0000001")


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
        total = prompt_tokens * prompt_price + completion_tokens * completion_price
        return format_decimal(total.quantize(_COST_QUANTUM, rounding=ROUND_HALF_UP))


def format_decimal(value: Decimal) -> str:
    """Plain decimal notation without trailing zeros: `0.00054`, `0`, never `5.4E-4`."""
    text = format(value.normalize(), "f")
    return "0" if Decimal(text) == 0 else text


def _per_1k(per_1m: str) -> str:
    return format_decimal(Decimal(per_1m) / 1000)


_VISION = ("text", "image")

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
)

_BY_ID = {m.id: m for m in MODELS}


def find(model_id: str) -> Model | None:
    return _BY_ID.get(model_id)


@lru_cache(maxsize=4096)
def cost_for(model_id: str, prompt_tokens: int, completion_tokens: int) -> str:
    """Cost in USD as a decimal string; models outside the catalogue cost `"0"`."""
    model = _BY_ID.get(model_id)
    return model.cost(prompt_tokens, completion_tokens) if model else "0"
