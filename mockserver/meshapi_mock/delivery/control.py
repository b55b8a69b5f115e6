"""The server's delivery settings and their live parts: the time scale, the seeded waits,
chaos, and the answers waiting right now."""

from __future__ import annotations

import random
import threading
from typing import TYPE_CHECKING

from ..errors import MeshError
from .chaos import Chaos, ChaosSpec
from .connection import Pauses
from .plan import DeliveryPlan
from .spec import FaultSpec

if TYPE_CHECKING:
    from ..scripting.rulebook import Rule


class DeliveryControl:
    """Decides each answer's delivery: the rule's timing and fault, else chaos's draw."""

    def __init__(self, time_scale: float, seed: int, chaos: ChaosSpec | None) -> None:
        self._start_scale = self.time_scale = time_scale
        self.seed = seed
        self._start_chaos = chaos
        self.pauses = Pauses()
        self._lock = threading.Lock()
        self.chaos: Chaos | None = None
        self.reset()

    def reset(self) -> None:
        """Back to the settings at start; answers still waiting end now."""
        self.pauses.release_all()
        self.time_scale = self._start_scale
        with self._lock:
            self._random = random.Random(self.seed)
        self.set_chaos(self._start_chaos)

    def set_chaos(self, spec: ChaosSpec | None) -> Chaos | None:
        """Chaos from now on (None or nothing probable: none); its draws start afresh."""
        self.chaos = Chaos(spec, self.seed) if spec is not None and spec.active else None
        return self.chaos

    def draw(self, endpoint: str) -> FaultSpec | MeshError | None:
        """Chaos's one draw for a request, made before its rule is chosen: a drawn error
        answers instead of any rule (no rule's use is spent, no reply function runs, as
        when a gateway throttles before the model sees the request); a drawn fault goes
        to `plan`, which applies it unless the rule brings its own."""
        chaos = self.chaos
        return None if chaos is None else chaos.draw(endpoint)

    def plan(
        self, rule: Rule | None, drawn: FaultSpec | MeshError | None = None
    ) -> DeliveryPlan | None:
        """How the answer of `rule` (None: default mode) goes out; None for the fast path
        (no timing, no fault, nothing drawn). A plan may carry the error chaos drew."""
        timing = None if rule is None else rule.timing
        fault = None if rule is None else rule.fault
        source, error = "rule", None
        if isinstance(drawn, MeshError):
            error, source, fault = drawn, "chaos", None
        elif drawn is not None and fault is None:
            fault, source = drawn, "chaos"
        if timing is None and fault is None and error is None:
            return None
        with self._lock:
            seed = self._random.getrandbits(64)
        return DeliveryPlan(
            timing, fault, source=source, time_scale=self.time_scale, seed=seed, error=error
        )
