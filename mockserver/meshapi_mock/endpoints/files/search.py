"""Search: the chunks of embedded files, ranked by cosine similarity to the query.

The vectors are the embeddings area's default-mode ones (`embeddings/vectors.py`): unit
length and deterministic, close for texts that share words. So a chunk holding the
query's words ranks above one that does not, and the same query over the same files
always gives the same hits, scores and order. Ties keep the files' order (oldest first),
then the chunks'.
"""

from __future__ import annotations

import operator
from typing import Any

from ..embeddings import vectors
from .store import SEARCH_DIMENSIONS, StoredFile
from .vocabulary import HitSpec
from .wire import SearchRequest

DEFAULT_TOP_K = 5


def similarity(a: Any, b: Any) -> float:
    """Cosine similarity of two unit vectors, kept within [-1, 1] (float32 rounding)."""
    score = float(sum(map(operator.mul, a, b)))
    return min(1.0, max(-1.0, score))


def query_vector(query: str) -> Any:
    return vectors.text_vector(query, SEARCH_DIMENSIONS).values


def searchable(files: list[StoredFile], request: SearchRequest, now: float) -> list[StoredFile]:
    """Embedded files that meet the request's `file_ids`, `filter` and dates."""
    wanted = set(request.file_ids) if request.file_ids is not None else None
    chosen = []
    for stored in files:
        if wanted is not None and stored.id not in wanted:
            continue
        if stored.embedding_status(now) != "ready":
            continue
        created = int(stored.created)
        if request.date_from is not None and created < request.date_from:
            continue
        if request.date_to is not None and created > request.date_to:
            continue
        if request.filter and not _meets(stored.metadata, request.filter):
            continue
        chosen.append(stored)
    return chosen


def _meets(metadata: dict[str, Any], wanted: dict[str, Any]) -> bool:
    """Every key present and equal to the value, or to one of a list's values."""
    for key, value in wanted.items():
        if key not in metadata:
            return False
        held = metadata[key]
        if isinstance(value, list) and not isinstance(held, list):
            if held not in value:
                return False
        elif held != value:
            return False
    return True


def rank(files: list[StoredFile], request: SearchRequest) -> list[dict[str, Any]]:
    """The `top_k` best chunks of `files` as SearchHits, best first."""
    top_k = request.top_k or DEFAULT_TOP_K
    query = query_vector(request.query)
    scored: list[tuple[float, int, int, StoredFile]] = []
    for order, stored in enumerate(files):
        index = stored.index()
        for chunk, vector in zip(index.chunks, index.vectors, strict=True):
            scored.append((similarity(query, vector), order, chunk.index, stored))
    scored.sort(key=lambda hit: (-hit[0], hit[1], hit[2]))
    hits = []
    for score, _, chunk_index, stored in scored[:top_k]:
        chunk = stored.index().chunks[chunk_index]
        hits.append(
            {
                "score": score,
                "text": chunk.text,
                "parent_text": chunk.parent_text,
                "file_id": stored.id,
                "file_name": stored.file_name,
                "file_type": stored.file_type,
                "mime_type": stored.mime_type,
                "chunk_index": chunk.index,
                "created_at": int(stored.created),
                "metadata": stored.metadata,
            }
        )
    return hits


def scripted(hits: list[HitSpec], request: SearchRequest) -> list[dict[str, Any]]:
    """A rule's hits in its order, cut to `top_k`; a score left out is the query's
    similarity to the hit's text."""
    top_k = request.top_k or DEFAULT_TOP_K
    query = query_vector(request.query)
    out = []
    for hit in hits[:top_k]:
        score = hit.score
        if score is None:
            score = similarity(query, vectors.text_vector(hit.text, SEARCH_DIMENSIONS).values)
        out.append(
            {
                "score": float(score),
                "text": hit.text,
                "parent_text": hit.text if hit.parent_text is None else hit.parent_text,
                "file_id": hit.file_id,
                "file_name": hit.file_name,
                "file_type": hit.file_type,
                "mime_type": hit.mime_type,
                "chunk_index": hit.chunk_index,
                "created_at": hit.created_at,
                "metadata": hit.metadata or {},
            }
        )
    return out
