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

    def plan(self, endpoint: str, rule: Rule | None) -> DeliveryPlan | None:
        """How the answer of `rule` (None: default mode) goes out; None for the fast path
        (no timing, no fault, no chaos). A plan may carry an error chaos drew instead."""
        timing = None if rule is None else rule.timing
        fault = None if rule is None else rule.fault
        source, error = "rule", None
        chaos = self.chaos
        if fault is None and chaos is not None:
            drawn = chaos.draw(endpoint)
            if isinstance(drawn, MeshError):
                error, source = drawn, "chaos"
            elif drawn is not None:
                fault, source = drawn, "chaos"
        if timing is None and fault is None and error is None:
            return None
        with self._lock:
            seed = self._random.getrandbits(64)
        return DeliveryPlan(
            timing, fault, source=source, time_scale=self.time_scale, seed=seed, error=error
        )
