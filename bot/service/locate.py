"""Map a shared location to a country and region offline (bundled GeoNames data, no network);
the coordinates are used once and never kept or logged."""

from __future__ import annotations

import asyncio
import math
from typing import Protocol

from bot.core.events import Located, SharedLocation

EARTH_RADIUS_KM = 6371.0
NEAREST_TOWN_KM = 150.0
"""A location farther than this from any town in the data (open sea, say) maps to nowhere."""


class Locator(Protocol):
    """Maps a shared location to a coarse place."""

    async def locate(self, shared: SharedLocation) -> Located:
        """Return the country and region of a location, or Located(None) when unknown."""
        ...


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Return the great-circle distance between two (latitude, longitude) points."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2
    h += math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(h))


def valid(latitude: float, longitude: float) -> bool:
    """Say whether the numbers are a location on Earth."""
    finite = math.isfinite(latitude) and math.isfinite(longitude)
    return finite and -90 <= latitude <= 90 and -180 <= longitude <= 180


def nearest_town(latitude: float, longitude: float) -> Located:
    """Return the country and region of the nearest town in the bundled data (blocking)."""
    import reverse_geocode

    if not valid(latitude, longitude):
        return Located(None)
    town = reverse_geocode.get((latitude, longitude))
    if distance_km((latitude, longitude), (town["latitude"], town["longitude"])) > NEAREST_TOWN_KM:
        return Located(None)
    return Located(str(town.get("country_code") or "") or None, town.get("state") or None)


class OfflineLocator:
    """Looks locations up in GeoNames data shipped with the `reverse-geocode` package; the data
    (about 120 MB in memory) loads on the first location, in a worker thread."""

    async def locate(self, shared: SharedLocation) -> Located:
        """Return the country and region of a location without blocking the event loop."""
        return await asyncio.to_thread(nearest_town, shared.latitude, shared.longitude)
