"""Channels: the transports people reach Beacon through, as the service's jobs see them. Each
runs (start, stop) and sends a text to one of its own platform's users; `Channels` routes a
text to the channel of a stored platform."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Protocol


class Channel(Protocol):
    """A running transport that can also write first to one of its users."""

    @property
    def platform(self) -> str:
        """Return the platform its users are keyed under, such as "telegram"."""
        ...

    async def start(self) -> None:
        """Begin serving; return once running (raise, having closed what opened, on failure)."""
        ...

    async def stop(self) -> None:
        """Stop serving, let work in flight finish, close connections."""
        ...

    async def send(self, address: str, text: str) -> bool:
        """Send plain text to a user's address on this platform; False when they blocked the
        bot (sending again is pointless); raise on a failure worth trying again later."""
        ...


class UnknownPlatform(LookupError):
    """No running channel serves this platform."""


class Channels:
    """The running channels by platform; sends each text through its platform's channel."""

    def __init__(self, channels: Iterable[Channel]) -> None:
        """Index the channels by platform; two channels of one platform are refused."""
        self._by_platform: dict[str, Channel] = {}
        for channel in channels:
            if channel.platform in self._by_platform:
                raise ValueError(f"two channels serve the platform {channel.platform!r}")
            self._by_platform[channel.platform] = channel

    def __iter__(self) -> Iterator[Channel]:
        """Yield the channels in the order they were given."""
        return iter(self._by_platform.values())

    async def send(self, platform: str, address: str, text: str) -> bool:
        """Send through the platform's channel (see `Channel.send`); raise UnknownPlatform when
        no channel serves it."""
        channel = self._by_platform.get(platform)
        if channel is None:
            raise UnknownPlatform(platform)
        return await channel.send(address, text)
