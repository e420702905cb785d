"""Readiness: each probe checks one dependency and answers a word per check ("ok", or a
one-word reason such as "unreachable"); the app is ready when every answer is "ok"."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from typing import Protocol

OK = "ok"
PROBE_SECONDS = 2.0
"""How long a probe may take before its checks count as "timeout"."""


class Probe(Protocol):
    """Checks a dependency; names its checks and answers one word each."""

    @property
    def names(self) -> tuple[str, ...]:
        """Return the names of its checks."""
        ...

    async def check(self) -> Mapping[str, str]:
        """Return a word per check: "ok" or a one-word reason; never a secret."""
        ...

    async def close(self) -> None:
        """Release what the probe opened."""
        ...


class Readiness:
    """Runs every probe at once, each within `limit` seconds."""

    def __init__(self, probes: Sequence[Probe], limit: float = PROBE_SECONDS) -> None:
        """Check with `probes`."""
        self.probes = list(probes)
        self.limit = limit

    async def _one(self, probe: Probe) -> Mapping[str, str]:
        """Return one probe's answers; all "timeout" when it takes too long."""
        try:
            async with asyncio.timeout(self.limit):
                return await probe.check()
        except TimeoutError:
            return dict.fromkeys(probe.names, "timeout")

    async def check(self) -> dict[str, str]:
        """Return every check's word, in the probes' order."""
        answers = await asyncio.gather(*(self._one(probe) for probe in self.probes))
        return {name: word for answer in answers for name, word in answer.items()}

    async def close(self) -> None:
        """Close every probe."""
        for probe in self.probes:
            await probe.close()


def ready(answers: Mapping[str, str]) -> bool:
    """Say whether every check answered "ok"."""
    return all(word == OK for word in answers.values())
