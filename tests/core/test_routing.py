"""Resource resolution: topic order, then priority, then the most local place."""

from __future__ import annotations

from bot.content.models import place_chain
from bot.core.routing import emergency, resolve
from bot.testing.fixture_content import resource


def test_place_chain() -> None:
    """A subdivision falls back to its country."""
    assert place_chain("US-AZ") == ("US-AZ", "US")
    assert place_chain("GB") == ("GB",)


def test_topic_order_comes_first_then_priority_then_locality() -> None:
    """Earlier topics rank first; within a topic lower priority first; ties go to the local one."""
    directory = [
        resource("nat_b", "US", ["b"], 1),
        resource("nat_a", "US", ["a"], 30),
        resource("az_a", "US-AZ", ["a"], 30),
        resource("az_a_first", "US-AZ", ["a"], 5),
        resource("ca_a", "US-CA", ["a"], 0),
        resource("gb_a", "GB", ["a"], 0),
    ]
    found = [r.id for r in resolve(directory, ["a", "b"], "US-AZ", 10)]
    assert found == ["az_a_first", "az_a", "nat_a", "nat_b"]
    assert [r.id for r in resolve(directory, ["a"], "US", 10)] == ["nat_a"]
    assert [r.id for r in resolve(directory, ["a", "b"], "US-AZ", 2)] == ["az_a_first", "az_a"]


def test_emergency_follows_the_country() -> None:
    """The emergency entry is the one for the user's country."""
    directory = [resource("us_911", "US", ["emergency"]), resource("gb_999", "GB", ["emergency"])]
    assert emergency(directory, "US-AZ").id == "us_911"  # type: ignore[union-attr]
    assert emergency(directory, "GB").id == "gb_999"  # type: ignore[union-attr]
    assert emergency(directory, "FR") is None
