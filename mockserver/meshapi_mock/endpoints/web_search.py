"""`POST /v1/web/search` (contract §12): plausible, deterministic results for a query.

Default mode makes up `max_results` results from the query's words on reserved,
clearly fake hosts (`example.com`, `*.test`), or on the `include_domains` asked for,
never on an excluded domain; `include_answer` adds a one-paragraph answer. Nothing is
searched. Rules script `results`, `answer` and `provider`.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import Field, model_validator
from starlette.types import Receive, Scope, Send

from ..contract import Integral, WireModel
from ..jsonbody import dumps
from ..responses import JSONBytes
from ..scripting.context import CallContext, clip
from ..scripting.matching import text_difference
from ..scripting.rulebook import Predicate, Rule
from ..scripting.script import Script, Times
from ..scripting.spec import BaseMatch, BaseReply, Spec, TextCriterion, TextMatch, string_shorthand
from .base import Endpoint, Operation, Response

if TYPE_CHECKING:
    from .base import Host

DEFAULT_PROVIDER = "native"

# --------------------------------------------------------------------------- request


_Wire = WireModel


class WebSearchRequest(_Wire):
    """Body of `POST /v1/web/search` (contract §12)."""

    query: Annotated[str, Field(min_length=1, max_length=2000)]
    model: str | None = None
    provider: Literal["native", "tavily"] | None = None
    max_results: Annotated[int, Field(ge=1, le=20), Integral] = 5
    search_depth: Literal["basic", "advanced"] = "basic"
    include_domains: list[str] | None = None
    exclude_domains: list[str] | None = None
    include_answer: bool = False


@dataclass
class WebSearchContext(CallContext):
    request: WebSearchRequest

    @property
    def model(self) -> str | None:
        return self.request.model

    def summary(self) -> str:
        return f"query={clip(self.request.query)!r}, model={self.model!r}"


# --------------------------------------------------------------------------- vocabulary


class WebSearchMatch(BaseMatch):
    """Which searches a rule answers."""

    query: TextMatch | None = Field(
        default=None,
        description="The search query. A plain string means 'contains'.",
        json_schema_extra=string_shorthand,
    )

    def differences(self, ctx: CallContext) -> list[str]:
        assert isinstance(ctx, WebSearchContext)
        out = super().differences(ctx)
        out.extend(text_difference("query", self.query, ctx.request.query))
        return out


class WebResultSpec(Spec):
    """One scripted result; omitted fields are made up as default mode would at its position."""

    title: Annotated[str, Field(min_length=1)] | None = None
    url: Annotated[str, Field(min_length=1)] | None = None
    content: str | None = None
    score: Annotated[float, Field(ge=0, le=1)] | None = None
    published_date: str | None = None


class WebSearchReply(BaseReply):
    """What a search rule answers. Scripted results are served as given (no filtering)."""

    list_field = "results"

    results: list[WebResultSpec] | None = Field(
        default=None, description="These results instead of made-up ones; [] for none."
    )
    answer: str | None = Field(
        default=None, description="The answer string, sent even without `include_answer`."
    )
    provider: Annotated[str, Field(min_length=1)] | None = Field(
        default=None,
        description="The engine that served it; defaults to the request's or 'native'.",
    )

    @model_validator(mode="after")
    def _error_alone(self) -> WebSearchReply:
        if self.error is not None and (
            self.results is not None or self.answer is not None or self.provider is not None
        ):
            raise ValueError("an error reply cannot also carry results, an answer or a provider")
        return self


# --------------------------------------------------------------------------- default mode

_HOSTS = (
    "www.example.com",
    "docs.example.org",
    "encyclopedia.test",
    "news.example.net",
    "blog.example.com",
    "forum.example.org",
    "reference.test",
    "learn.example.net",
    "qa.example.com",
    "journal.test",
)
_TEMPLATES = (  # (title, content, URL section): one kind of page each
    (
        "{Topic}: an overview",
        "This page gives an overview of {topic}, with background and key facts.",
        "articles",
    ),
    (
        "Understanding {topic}",
        "A practical introduction to {topic}, covering the basics step by step.",
        "guides",
    ),
    (
        "{Topic} explained",
        "An explanation of {topic} in plain language, with examples.",
        "articles",
    ),
    (
        "A beginner's guide to {topic}",
        "A short guide to {topic} for newcomers, with links to further reading.",
        "guides",
    ),
    (
        "Latest news on {topic}",
        "Recent reporting on {topic}, summarising what changed and why it matters.",
        "news",
    ),
    (
        "{Topic} — frequently asked questions",
        "Answers to the questions people most often ask about {topic}.",
        "faq",
    ),
    (
        "How {topic} works",
        "How {topic} works, from first principles to the details.",
        "wiki",
    ),
    (
        "{Topic}: best practices",
        "Recommendations and common pitfalls around {topic}.",
        "docs",
    ),
    (
        "Common questions about {topic}",
        "A community discussion of {topic}, with the most helpful answers first.",
        "threads",
    ),
    (
        "{Topic} (reference)",
        "Reference material on {topic}: definitions, figures and sources.",
        "reference",
    ),
)
_DETAILS = (
    "It lists the main points and where to find more.",
    "Sources are cited at the end of the article.",
    "The article was reviewed by the site's editors.",
    "Readers rated it among the most useful pages on the topic.",
)
_DISCLAIMER = "(meshapi-mock made this result up from the query; nothing was searched.)"
_STOPWORD_TEXT = (
    "a an and are as at be by can do does for from how i in is it me my of on or the to "
    "what when where which who why will with you your about best top latest"
)
_STOPWORDS = frozenset(_STOPWORD_TEXT.split())
_WORD = re.compile(r"\w[\w'-]*")
_NEWS_SECTION = "news"


def _digest(*parts: str) -> int:
    return int.from_bytes(
        hashlib.blake2b("\x00".join(parts).encode(), digest_size=8).digest(), "big"
    )


def topic_words(query: str) -> list[str]:
    words = _WORD.findall(query)
    kept = [w for w in words if w.casefold() not in _STOPWORDS] or words
    return kept[:8]


def _topic(query: str) -> str:
    words = topic_words(query)
    return " ".join(words) if words else "this topic"


def _slug(query: str) -> str:
    words = [w.casefold() for w in topic_words(query)]
    slug = "-".join(re.sub(r"[^a-z0-9]+", "-", w).strip("-") for w in words)
    slug = re.sub(r"-{2,}", "-", slug).strip("-")[:60].strip("-")
    return slug or "q-" + format(_digest(query), "x")[:10]


def _normal_domain(domain: str) -> str:
    domain = domain.strip().casefold()
    domain = re.sub(r"^[a-z][a-z0-9+.-]*://", "", domain)
    domain = domain.split("/", 1)[0].split(":", 1)[0]
    return domain.removeprefix("www.").strip(".")


def _under(host: str, domain: str) -> bool:
    host = host.removeprefix("www.")
    return bool(domain) and (host == domain or host.endswith("." + domain))


def hosts_for(request: WebSearchRequest) -> list[str]:
    """The hosts results may come from: the included domains, else the fake pool."""
    excluded = [_normal_domain(d) for d in request.exclude_domains or ()]
    if request.include_domains:
        pool = list(dict.fromkeys(_normal_domain(d) for d in request.include_domains))
        pool = [d for d in pool if d]
    else:
        pool = list(_HOSTS)
    return [h for h in pool if not any(_under(h, d) for d in excluded)]


def _published(query: str, index: int) -> str:
    n = _digest("published", query, str(index))
    return f"2025-{n % 12 + 1:02d}-{n // 12 % 28 + 1:02d}"


def made_up_result(request: WebSearchRequest, index: int, hosts: Sequence[str]) -> dict[str, Any]:
    """The `index`-th result default mode makes up for the request, on one of `hosts`."""
    query = request.query
    topic = _topic(query)
    seed = _digest(query)
    title, lead, section = _TEMPLATES[(seed + index) % len(_TEMPLATES)]
    host = hosts[(seed // len(_TEMPLATES) + index) % len(hosts)]
    suffix = "" if index == 0 else f"-{index + 1}"
    content = lead.format(topic=topic)
    if request.search_depth == "advanced":
        content += " " + _DETAILS[(seed + index) % len(_DETAILS)]
    content += " " + _DISCLAIMER
    jitter = (_digest("score", query, str(index)) % 1000) / 1000 * 0.02
    result: dict[str, Any] = {
        "title": title.format(topic=topic, Topic=topic[:1].upper() + topic[1:]),
        "url": f"https://{host}/{section}/{_slug(query)}{suffix}",
        "content": content,
        "score": round(0.98 - index * 0.04 - jitter, 4),
    }
    if section == _NEWS_SECTION or request.search_depth == "advanced":
        result["published_date"] = _published(query, index)
    return result


def made_up_results(request: WebSearchRequest) -> list[dict[str, Any]]:
    hosts = hosts_for(request)
    if not hosts:
        return []
    return [made_up_result(request, i, hosts) for i in range(request.max_results)]


def made_up_answer(query: str, results: Sequence[Mapping[str, Any]]) -> str:
    topic = _topic(query)
    if not results:
        return f"No results were found for {topic}. {_DISCLAIMER}"
    titles = [f"“{r['title']}”" for r in results[:2] if r.get("title")]
    cited = " and ".join(titles) if titles else f"{len(results)} sources"
    return (
        f"In short: {topic} is covered by {cited}, which explain the background and the "
        f"key facts. {_DISCLAIMER}"
    )


def _answer(ctx: WebSearchContext, state: Host) -> WebSearchReply:
    return _DEFAULT_REPLY


_DEFAULT_REPLY = WebSearchReply()


# --------------------------------------------------------------------------- render


def search_body(ctx: WebSearchContext, reply: WebSearchReply) -> dict[str, Any]:
    """The response body without `request_id`, which the rendering app adds."""
    request = ctx.request
    if reply.results is None:
        results = made_up_results(request)
    else:
        hosts = hosts_for(request) or list(_HOSTS)
        results = []
        for index, spec in enumerate(reply.results):
            made_up = made_up_result(request, index, hosts)
            results.append({**made_up, **spec.model_dump(exclude_none=True)})
    body: dict[str, Any] = {
        "query": request.query,
        "provider": reply.provider or request.provider or DEFAULT_PROVIDER,
    }
    if reply.answer is not None:
        body["answer"] = reply.answer
    elif request.include_answer:
        body["answer"] = made_up_answer(request.query, results)
    body["results"] = results
    return body


class SearchResponseApp:
    """Sends the body with the request's id, which only the ASGI scope holds."""

    def __init__(self, body: dict[str, Any]) -> None:
        self.body = body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request_id = scope.get("state", {}).get("request_id") or ""
        await JSONBytes(dumps({**self.body, "request_id": request_id}))(scope, receive, send)


def _render(ctx: WebSearchContext, reply: WebSearchReply, state: Host) -> SearchResponseApp:
    return SearchResponseApp(search_body(ctx, reply))


# --------------------------------------------------------------------------- script

ResultLike = WebResultSpec | Mapping[str, Any]


class WebSearchScript(Script[WebSearchMatch]):
    """Scripts `POST /v1/web/search`.

    mock.web_search.when(query="weather").reply([{"title": "Sunny", "url": "https://a.test"}])
    mock.web_search.answer("42")
    mock.web_search.when(query="nothing").no_results()
    """

    endpoint = "web_search"
    match_model = WebSearchMatch
    reply_model = WebSearchReply

    def when(
        self,
        *,
        query: TextCriterion | None = None,
        model: str | None = None,
        headers: Mapping[str, str | TextCriterion] | None = None,
        nth: int | None = None,
        predicate: Predicate | None = None,
    ) -> WebSearchScript:
        """Only searches meeting every given criterion; a string `query` means 'contains'."""
        criteria = {
            "query": query,
            "model": model,
            "headers": dict(headers) if headers is not None else None,
            "nth": nth,
        }
        return self._narrow(criteria, predicate)

    def reply(
        self,
        results: Sequence[ResultLike] | None = None,
        *,
        answer: str | None = None,
        provider: str | None = None,
        times: Times = 1,
        name: str | None = None,
        priority: int = 0,
    ) -> Rule:
        """Answer with these results (made-up ones when None), an answer and a provider."""
        return self._add(
            {
                "results": list(results) if results is not None else None,
                "answer": answer,
                "provider": provider,
            },
            times,
            name,
            priority,
        )

    def answer(
        self, text: str, *, times: Times = 1, name: str | None = None, priority: int = 0
    ) -> Rule:
        """Answer with made-up results and this `answer`."""
        return self._add({"answer": text}, times, name, priority)

    def no_results(self, *, times: Times = 1, name: str | None = None, priority: int = 0) -> Rule:
        """Find nothing: an empty `results` list."""
        return self._add({"results": []}, times, name, priority)


# --------------------------------------------------------------------------- OpenAPI


class WebSearchResult(_Wire):
    title: str
    url: str
    content: str
    score: float | None = None
    published_date: str | None = None


class WebSearchResponse(_Wire):
    query: str
    provider: str
    answer: str | None = None
    results: list[WebSearchResult]
    request_id: str


ENDPOINT = Endpoint(
    name="web_search",
    match=WebSearchMatch,
    reply=WebSearchReply,
    script=WebSearchScript,
    context=WebSearchContext,
    description="Web search: made-up results on fake hosts, an optional answer.",
    operations=(
        Operation(
            name="search",
            method="POST",
            path="/v1/web/search",
            summary="Search the web",
            request=WebSearchRequest,
            answer=_answer,
            render=_render,
            response=Response("Results for the query", WebSearchResponse),
            errors=(400, 401, 403, 404, 422, 429, 501, 503),
        ),
    ),
)
