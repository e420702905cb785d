"""Coarse places: their names, the code a shared location maps to, and button arguments."""

from __future__ import annotations

from bot.content.bundle import Content
from bot.content.models import Country, Region, Resource
from bot.core import texts
from bot.core.effects import Msg, joined
from bot.core.routing import TRAFFICKING_TOPIC, emergency, resolve


def country_name(country: Country) -> Msg:
    """Return a country's translatable name."""
    return Msg(f"place:{country.code}", country.name)


def region_name(region: Region) -> Msg:
    """Return a region's translatable name."""
    return Msg(f"place:{region.code}", region.name)


def place_name(content: Content, code: str) -> Msg:
    """Return a place's name: "Arizona, United States", "United Kingdom", or the bare code."""
    country = content.country(code)
    if country is None:
        return Msg("", code, translate=False)
    region = next((r for r in country.regions if r.code == code), None)
    if region is None:
        return country_name(country)
    return texts.PLACE_IN_COUNTRY.fill(region=region_name(region), country=country_name(country))


def known(content: Content, code: str) -> bool:
    """Say whether a code is a country the directory covers or one of its regions."""
    country = content.country(code)
    return country is not None and (
        code == country.code or any(r.code == code for r in country.regions)
    )


def located_place(content: Content, country: str | None, region: str | None) -> str | None:
    """Return the most specific covered place for a geocoded country and region name."""
    found = content.country(country or "")
    if found is None or country != found.code:
        return None
    wanted = (region or "").casefold()
    match = next((r.code for r in found.regions if r.name.casefold() == wanted), None)
    return match or found.code


def to_arg(code: str) -> str:
    """Return a place code as a button argument (`US-AZ` -> `US_AZ`)."""
    return code.replace("-", "_")


def from_arg(arg: str) -> str:
    """Return the place code a button argument carries."""
    return arg.replace("_", "-")


def emergency_number(content: Content, code: str) -> str | None:
    """Return the number to call in immediate danger at a place, if the directory has one."""
    found = emergency(content.resources, code)
    if found is None:
        return None
    return next((c.value for c in found.channels if c.kind == "call"), None)


def national_hotline(content: Content, code: str) -> tuple[Resource, str] | None:
    """Return the national hotline of a place's country and its number: of the channels the
    directory has for the country itself serving any trafficking, the first the report path
    would show that can be called."""
    country = content.country(code)
    if country is None:
        return None
    ranked = resolve(content.resources, [TRAFFICKING_TOPIC], country.code, len(content.resources))
    for resource in ranked:
        number = next((c.value for c in resource.channels if c.kind == "call"), None)
        if number is not None:
            return resource, number
    return None


def emergency_by_country(content: Content) -> Msg:
    """Return the emergency line before a place is known: each number with its countries."""
    numbers: dict[str, list[Msg]] = {}
    for country in content.places:
        number = emergency_number(content, country.code)
        if number is not None:
            numbers.setdefault(number, []).append(country_name(country))
    if not numbers:
        return texts.EMERGENCY_UNKNOWN
    items = [
        texts.EMERGENCY_NUMBER_IN.fill(number=number, countries=joined(names, ", "))
        for number, names in numbers.items()
    ]
    return texts.EMERGENCY_BY_COUNTRY.fill(numbers=joined(items, "; "))
