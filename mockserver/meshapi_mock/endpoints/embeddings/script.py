"""The embeddings scripting face: rules that read like the sentence a tester would say.

mock.embeddings.reply([[1, 0, 0], [0, 1, 0]])
mock.embeddings.when(input="refund").reply_vector([0.6, 0.8])
mock.embeddings.when(model="openai/*").error(503, retry_after=1)
mock.embeddings.default_vector("Paris")   # what default mode answers for a text
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

from ...scripting.rulebook import Predicate, Rule
from ...scripting.script import Script, Times
from ...scripting.spec import TextCriterion
from . import vectors
from .vocabulary import EmbeddingsMatch, EmbeddingsReply, EmbeddingsUsageSpec


class EmbeddingsScript(Script[EmbeddingsMatch]):
    """Scripts `POST /v1/embeddings`. `when(...)` narrows; the verbs add a rule."""

    endpoint = "embeddings"
    match_model = EmbeddingsMatch
    reply_model = EmbeddingsReply

    def when(
        self,
        *,
        operation: Literal["create"] | None = None,
        model: str | None = None,
        input: TextCriterion | None = None,
        dimensions: int | None = None,
        encoding_format: Literal["float", "base64"] | None = None,
        input_type: str | None = None,
        headers: Mapping[str, str | TextCriterion] | None = None,
        nth: int | None = None,
        predicate: Predicate | None = None,
    ) -> EmbeddingsScript:
        """Only requests meeting every given criterion. `input`: any input text; a string
        means 'contains'."""
        given: dict[str, Any] = {
            "operation": operation,
            "model": model,
            "input": input,
            "dimensions": dimensions,
            "encoding_format": encoding_format,
            "input_type": input_type,
            "headers": dict(headers) if headers is not None else None,
            "nth": nth,
        }
        return self._narrow(given, predicate)

    def reply(
        self,
        embeddings: Sequence[Sequence[float]],
        *,
        model: str | None = None,
        usage: EmbeddingsUsageSpec | Mapping[str, Any] | None = None,
        times: Times = 1,
        name: str | None = None,
        priority: int = 0,
    ) -> Rule:
        """Answer with these vectors, one `data` item each, in order (sent as scripted)."""
        given = [v if isinstance(v, int | float | str) else list(v) for v in embeddings]
        return self._add(
            {"embeddings": given, "model": model, "usage": usage}, times, name, priority
        )

    def reply_vector(
        self,
        embedding: Sequence[float],
        *,
        model: str | None = None,
        usage: EmbeddingsUsageSpec | Mapping[str, Any] | None = None,
        times: Times = 1,
        name: str | None = None,
        priority: int = 0,
    ) -> Rule:
        """Answer with the same vector for every input."""
        return self._add(
            {"embedding": list(embedding), "model": model, "usage": usage}, times, name, priority
        )

    @staticmethod
    def default_vector(
        text: str, *, dimensions: int | None = None, model: str | None = None
    ) -> list[float]:
        """The vector default mode answers for `text` (float32 values, unit length).

        `dimensions` defaults to the native dimensions of `model` (the default embedding
        model when None); vectors do not otherwise depend on the model or the seed.
        """
        size = dimensions or vectors.native_dimensions(model or vectors.DEFAULT_MODEL)
        return vectors.text_vector(text, size).floats()
