"""Seeded fault injection: answer a share of calls with 429, 500, or no answer at all."""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass

from bot.testing.fake_telegram.models import ApiError

DROP = 0


@dataclass(frozen=True)
class FaultRule:
    """Shares of calls to fail with each fault, and the retry_after of a 429."""

    rate_429: float = 0.0
    rate_500: float = 0.0
    rate_drop: float = 0.0
    retry_after: int = 1

    def __post_init__(self) -> None:
        """Refuse shares outside 0..1 or adding up to more than 1."""
        shares = (self.rate_429, self.rate_500, self.rate_drop)
        if any(not 0.0 <= share <= 1.0 for share in shares) or sum(shares) > 1.0 + 1e-9:
            raise ValueError(f"fault rates must be within 0..1 and add up to at most 1: {shares}")


class FaultPlan:
    """Which methods fail how often, decided by one seeded random generator."""

    def __init__(self, seed: int) -> None:
        """Start with no faults and a generator seeded with seed."""
        self._random = random.Random(seed)
        self._rules: dict[str, FaultRule] = {}

    def set(self, methods: Iterable[str], rule: FaultRule) -> None:
        """Apply rule to calls of these methods (names as the spec spells them)."""
        for method in methods:
            self._rules[method] = rule

    def clear(self) -> None:
        """Remove every fault."""
        self._rules.clear()

    def roll(self, method: str) -> ApiError | int | None:
        """Return the fault for this call: an error answer, DROP, or None for no fault."""
        rule = self._rules.get(method)
        if rule is None:
            return None
        draw = self._random.random()
        if draw < rule.rate_429:
            return ApiError(
                429,
                f"Too Many Requests: retry after {rule.retry_after}",
                {"retry_after": rule.retry_after},
            )
        if draw < rule.rate_429 + rule.rate_500:
            return ApiError(500, "Internal Server Error")
        if draw < rule.rate_429 + rule.rate_500 + rule.rate_drop:
            return DROP
        return None
