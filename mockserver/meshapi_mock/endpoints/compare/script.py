"""The compare scripting face: the judge and whole-compare errors.

mock.compare.comparison("gpt-4o is clearer")            # the judge's text
mock.compare.when(models=["anthropic/*"]).error(503)    # the whole compare fails
mock.compare.fallback()                                 # the judge fails: no comparison
mock.chat.when(model="openai/gpt-4o").error(502)        # one model fails, in `results`
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ...scripting.rulebook import Predicate, Rule
from ...scripting.script import Script, Times
from ...scripting.spec import TextCriterion
from .vocabulary import CompareMatch, CompareReply


class CompareScript(Script[CompareMatch]):
    """Scripts `POST /v1/chat/compare`. Each model's answer is a chat rule's (`mock.chat`)."""

    endpoint = "compare"
    match_model = CompareMatch
    reply_model = CompareReply

    def when(
        self,
        *,
        models: Sequence[str] | None = None,
        comparison_model: str | None = None,
        last_user: TextCriterion | None = None,
        any_message: TextCriterion | None = None,
        system: TextCriterion | None = None,
        stream: bool | None = None,
        skip_comparison: bool | None = None,
        headers: Mapping[str, str | TextCriterion] | None = None,
        nth: int | None = None,
        predicate: Predicate | None = None,
    ) -> CompareScript:
        """Only compares meeting every given criterion; `models` must all be compared."""
        criteria = {
            "models": list(models) if models is not None else None,
            "model": comparison_model,
            "last_user": last_user,
            "any_message": any_message,
            "system": system,
            "stream": stream,
            "skip_comparison": skip_comparison,
            "headers": dict(headers) if headers is not None else None,
            "nth": nth,
        }
        return self._narrow(criteria, predicate)

    def comparison(
        self,
        text: str,
        *,
        comparison_model: str | None = None,
        times: Times = 1,
        name: str | None = None,
        priority: int = 0,
    ) -> Rule:
        """The judge says `text` (the models still answer by chat rules or default mode)."""
        reply = {"comparison": text, "comparison_model": comparison_model}
        return self._add(reply, times, name, priority)

    def fallback(self, *, times: Times = 1, name: str | None = None, priority: int = 0) -> Rule:
        """The judge fails: no `comparison`, and `comparison_fallback_used` is true."""
        return self._add({"comparison_fallback_used": True}, times, name, priority)
