"""Chaos: faults and error statuses at configured probabilities, reproducible by seed.

One draw per request that reaches rule selection, in the order requests arrive, from a
generator seeded by the chaos seed (the server's `seed` when none is given): the same
seed and the same requests give the same faults. A rule that scripts its own `fault`
is not drawn for; it already says what happens.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Mapping
from typing import Annotated, Any, ClassVar

from pydantic import Field, field_validator, model_validator

from ..errors import MeshError
from ..scripting.base import Spec
from ..scripting.wire_values import RetryAfter
from .spec import FAULTS, WHOLE_RESPONSE, FaultKind, FaultSpec

Probability = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]
RETRYING_STATUSES = frozenset({429, 503})
"""Statuses a gateway sends with `Retry-After`."""


class ChaosSpec(Spec):
    """What may go wrong, and how often. Probabilities add up to at most 1."""

    known_endpoints: ClassVar[tuple[str, ...]] = ()
    """The endpoint names `endpoints` may list. The registry, which knows them, sets them
    as it loads (the package imports it before anyone can validate chaos), so this
    vocabulary, below every endpoint, needs no import of the registry above it."""

    faults: dict[FaultKind, Probability] = Field(
        default_factory=dict, description="Fault kind → probability per request."
    )
    statuses: dict[Annotated[int, Field(ge=400, le=599)], Probability] = Field(
        default_factory=dict,
        description="Error status → probability per request (the MeshAPI envelope; 429 "
        "and 503 carry `Retry-After`).",
    )
    seed: int | None = Field(
        default=None, description="Seed of the draws; the server's `seed` when absent."
    )
    endpoints: list[str] | None = Field(
        default=None, description="Only requests to these endpoints; all when absent."
    )
    after_chunks: Annotated[int, Field(ge=0, le=1_000_000)] | None = Field(
        default=None, description="Where stream faults strike; each kind's default when absent."
    )
    retry_after: RetryAfter = Field(
        default=1, description="Seconds of `Retry-After` on 429 and 503."
    )

    @field_validator("endpoints", mode="after")
    @classmethod
    def _known_endpoints(cls, endpoints: list[str] | None) -> list[str] | None:
        for name in endpoints or ():
            if name not in cls.known_endpoints:
                known = ", ".join(repr(n) for n in cls.known_endpoints)
                raise ValueError(f"unknown endpoint {name!r}; expected one of {known}")
        return endpoints

    @model_validator(mode="after")
    def _at_most_certain(self) -> ChaosSpec:
        total = sum(self.faults.values()) + sum(self.statuses.values())
        if total > 1 + 1e-9:
            raise ValueError(f"the probabilities add up to {total:g}; at most 1")
        return self

    @property
    def active(self) -> bool:
        return any(self.faults.values()) or any(self.statuses.values())


def parse_chaos(text: str) -> ChaosSpec:
    """The CLI's `--chaos disconnect=0.1,429=0.05`: fault kinds and statuses with their
    probabilities, comma-separated."""
    faults: dict[str, float] = {}
    statuses: dict[int, float] = {}
    items = [part for part in (part.strip() for part in text.split(",")) if part]
    if not items:
        raise ValueError(
            f"{text!r} names no fault or status: write name=probability pairs, "
            "e.g. disconnect=0.1,429=0.05 (or give no chaos at all)"
        )
    for item in items:
        name, sep, value = item.partition("=")
        name = name.strip()
        if not sep:
            raise ValueError(f"{item!r}: write name=probability, e.g. disconnect=0.1")
        try:
            probability = float(value)
        except ValueError:
            raise ValueError(f"{item!r}: {value.strip()!r} is not a probability") from None
        if name.isdigit() and int(name) not in statuses:
            statuses[int(name)] = probability
        elif name in FAULTS and name not in faults:
            faults[name] = probability
        elif name.isdigit() or name in FAULTS:  # the last would silently win
            shown = str(int(name)) if name.isdigit() else name
            raise ValueError(f"{shown!r} is given twice: give each fault or status once")
        else:
            known = ", ".join(FAULTS)
            raise ValueError(f"{name!r} is neither a fault ({known}) nor an HTTP status")
    return ChaosSpec.model_validate({"faults": faults, "statuses": statuses})


class Chaos:
    """The live draws of one `ChaosSpec`; thread-safe (Python scripting and the server)."""

    def __init__(self, spec: ChaosSpec, default_seed: int) -> None:
        self.spec = spec
        self.seed = spec.seed if spec.seed is not None else default_seed
        self._random = random.Random(self.seed)
        self._lock = threading.Lock()
        self.draws = 0
        self._outcomes: list[tuple[float, FaultSpec | int]] = [
            *((p, self._fault(kind)) for kind, p in _sorted(spec.faults)),
            *((p, status) for status, p in _sorted(spec.statuses)),
        ]

    def _fault(self, kind: FaultKind) -> FaultSpec:
        """`after_chunks` places stream faults; a whole-response fault has no chunks."""
        where = None if kind in WHOLE_RESPONSE else self.spec.after_chunks
        return FaultSpec(kind=kind, after_chunks=where)

    def draw(self, endpoint: str) -> FaultSpec | MeshError | None:
        """What goes wrong with this request: a fault, an error, or nothing."""
        spec = self.spec
        if spec.endpoints is not None and endpoint not in spec.endpoints:
            return None
        with self._lock:
            roll = self._random.random()
            self.draws += 1
        for probability, outcome in self._outcomes:
            if roll < probability:
                return outcome if isinstance(outcome, FaultSpec) else self._error(outcome)
            roll -= probability
        return None

    def _error(self, status: int) -> MeshError:
        retry_after = self.spec.retry_after if status in RETRYING_STATUSES else None
        return MeshError(status, retry_after=retry_after)

    def to_wire(self) -> dict[str, Any]:
        return {**self.spec.model_dump(mode="json"), "seed": self.seed, "draws": self.draws}


def _sorted(table: Mapping[Any, float]) -> list[tuple[Any, float]]:
    """A fixed order of outcomes, so a seed means the same faults whatever the input order."""
    return sorted(((k, p) for k, p in table.items() if p > 0), key=lambda item: str(item[0]))
