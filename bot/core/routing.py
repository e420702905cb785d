"""Choose the resources for a set of topics and a coarse place, most specific place first."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from bot.content.models import Resource, place_chain

EMERGENCY_TOPIC = "emergency"
TRAFFICKING_TOPIC = "trafficking"
"""Any suspected human trafficking: a country's own hotline serves it."""


def resolve(
    resources: Iterable[Resource], topics: Sequence[str], place: str, limit: int
) -> list[Resource]:
    """Rank resources serving any topic for the place: topic order, then priority, then locality."""
    chain = place_chain(place)
    wanted = {topic: rank for rank, topic in enumerate(topics)}

    def rank(resource: Resource) -> tuple[int, int, int]:
        """Order by the first topic it serves, its priority, and how local it is."""
        topic_rank = min(wanted[t] for t in resource.topics if t in wanted)
        return (topic_rank, resource.priority, chain.index(resource.jurisdiction))

    matching = [
        r for r in resources if r.jurisdiction in chain and any(t in wanted for t in r.topics)
    ]
    return sorted(matching, key=rank)[:limit]


def emergency(resources: Iterable[Resource], place: str) -> Resource | None:
    """Return the emergency resource for the place, if the directory has one."""
    found = resolve(resources, [EMERGENCY_TOPIC], place, 1)
    return found[0] if found else None
