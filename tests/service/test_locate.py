"""Offline location mapping: the bundled GeoNames data gives a country and region, with no
network, and points far from any town map to nowhere."""

from __future__ import annotations

import socket

import pytest

from bot.core.events import Located, SharedLocation
from bot.service.locate import OfflineLocator, distance_km, nearest_town


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make any attempt to open a network connection fail the test."""

    def refuse(*args: object, **kwargs: object) -> None:
        """Refuse to connect."""
        raise AssertionError("the locator tried to use the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


@pytest.mark.parametrize(
    ("latitude", "longitude", "expected"),
    [
        (33.4484, -112.0740, Located("US", "Arizona")),  # Phoenix
        (32.6927, -114.6277, Located("US", "Arizona")),  # Yuma, by the California border
        (36.1699, -115.1398, Located("US", "Nevada")),  # Las Vegas
        (51.5007, -0.1246, Located("GB", "England")),  # Westminster
        (55.9533, -3.1883, Located("GB", "Scotland")),  # Edinburgh
        (43.6532, -79.3832, Located("CA", "Ontario")),  # Toronto
        (19.4326, -99.1332, Located("MX", "Mexico City")),
        (31.3112, -110.9442, Located("MX", "Sonora")),  # Nogales, Sonora
        (30.0, -40.0, Located(None)),  # the middle of the Atlantic
        (91.0, 0.0, Located(None)),  # not on Earth
    ],
)
def test_locations_map_to_country_and_region_offline(
    no_network: None, latitude: float, longitude: float, expected: Located
) -> None:
    """Known places map to their country and region without touching the network."""
    assert nearest_town(latitude, longitude) == expected


async def test_the_locator_runs_off_the_event_loop(no_network: None) -> None:
    """The async locator gives the same answer as the lookup it wraps."""
    found = await OfflineLocator().locate(SharedLocation(33.4484, -112.0740))
    assert found == Located("US", "Arizona")


def test_distance() -> None:
    """Great-circle distances come out right (Phoenix to Tucson is about 170 km)."""
    assert 165 < distance_km((33.4484, -112.0740), (32.2226, -110.9747)) < 176
    assert distance_km((0.0, 0.0), (0.0, 0.0)) == 0


def test_shared_location_never_shows_its_numbers() -> None:
    """The event's repr (which a log line might hold) carries no coordinates."""
    assert "33.44" not in repr(SharedLocation(33.4484, -112.0740))
