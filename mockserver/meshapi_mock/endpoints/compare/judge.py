"""The judge's text in default mode: a short, deterministic synthesis of the answers.

It says what a reader can check — which answers came, which were shortest and longest,
whether they agree word for word, which models failed — and that it was made up.
"""

from __future__ import annotations

from collections.abc import Sequence

from ...scripting.context import clip
from .legs import Leg

DISCLAIMER = "(meshapi-mock's default comparison; script `comparison` for the exact words.)"


def _words(text: str) -> int:
    return len(text.split())


def synthesis(question: str | None, legs: Sequence[Leg], instructions: str | None) -> str:
    answered = [(leg.model, leg.completion.text or "") for leg in legs if leg.completion]
    failed = [(leg.model, leg.error.code) for leg in legs if leg.error is not None]
    topic = f" to “{clip(' '.join(question.split()), 80)}”" if question else ""
    parts = [f"Compared {len(answered)} answer{'s' if len(answered) != 1 else ''}{topic}."]
    if len(answered) == 1:
        parts.append(f"Only {answered[0][0]} answered, so there is nothing to weigh it against.")
    elif len({text for _, text in answered}) == 1:
        parts.append("All of them say the same thing.")
    elif len({_words(text) for _, text in answered}) == 1:
        parts.append(f"They differ in wording, each {_words(answered[0][1])} words long.")
    else:
        shortest = min(answered, key=lambda item: _words(item[1]))
        longest = max(answered, key=lambda item: _words(item[1]))
        parts.append(
            f"The shortest is {shortest[0]}'s ({_words(shortest[1])} words), the longest "
            f"{longest[0]}'s ({_words(longest[1])} words)."
        )
    if failed:
        parts.append("Failed: " + ", ".join(f"{model} ({code})" for model, code in failed) + ".")
    if instructions:
        parts.append(f"Judged as asked: “{clip(' '.join(instructions.split()), 80)}”.")
    parts.append(DISCLAIMER)
    return " ".join(parts)
