"""Compact, versioned callback data: `1.<revision base36>.<op><arg>`, always under 64 bytes."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

CODEC_VERSION = "1"
MAX_CALLBACK_BYTES = 64
MAX_REVISION = 36**10 - 1
_ARG = re.compile(r"^[A-Za-z0-9_]{0,16}$")
_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"
_OTHER_VERSION = re.compile(r"^[0-9]{1,3}\.[0-9a-z]{1,12}\.")


class Op(StrEnum):
    """What a button does."""

    CHOOSE = "c"
    ANSWER = "a"
    NEXT = "n"
    BACK = "b"
    HOME = "h"
    LANGUAGE = "l"
    EXIT = "x"
    FORGET = "f"
    REMIND = "r"
    CERTIFICATE = "k"
    PLACE = "p"
    JOIN = "j"
    LEAVE = "v"
    CHANNEL = "d"
    """Open one channel of a resources screen in full (the argument: its place in the list)."""
    EMPLOYEE_ID = "e"


_DATA = re.compile(
    rf"^{CODEC_VERSION}\.(?P<revision>[0-9a-z]{{1,10}})\."
    rf"(?P<op>[{re.escape(''.join(Op))}])(?P<arg>[A-Za-z0-9_]{{0,16}})$"
)
"""Callback data as `encode` writes it; the op is one letter of `Op`."""


@dataclass(frozen=True, slots=True)
class Callback:
    """A decoded button press: the state revision it was drawn for, the op and its argument."""

    revision: int
    op: Op
    arg: str = ""


@dataclass(frozen=True, slots=True)
class OtherVersion:
    """Callback data written by another codec version: an old keyboard."""


@dataclass(frozen=True, slots=True)
class Malformed:
    """Callback data that no version of Beacon wrote."""


Decoded = Callback | OtherVersion | Malformed


def _base36(number: int) -> str:
    """Write a non-negative integer in base 36."""
    if number == 0:
        return "0"
    out = []
    while number:
        number, rest = divmod(number, 36)
        out.append(_DIGITS[rest])
    return "".join(reversed(out))


def encode(callback: Callback) -> str:
    """Return the callback data for a button; raise ValueError when it cannot be encoded."""
    if not 0 <= callback.revision <= MAX_REVISION:
        raise ValueError(f"revision out of range: {callback.revision}")
    if not _ARG.match(callback.arg):
        raise ValueError(f"argument not encodable: {callback.arg!r}")
    data = f"{CODEC_VERSION}.{_base36(callback.revision)}.{callback.op.value}{callback.arg}"
    if len(data.encode()) > MAX_CALLBACK_BYTES:
        raise ValueError("callback data over 64 bytes")
    return data


def encodable(arg: str) -> bool:
    """Say whether a button argument can be carried by every op at the highest revision."""
    try:
        for op in Op:
            encode(Callback(MAX_REVISION, op, arg))
    except ValueError:
        return False
    return True


def decode(data: str) -> Decoded:
    """Read callback data; anything not written by `encode` is Malformed, never an exception."""
    match = _DATA.match(data)
    if match is None:
        other = _OTHER_VERSION.match(data) and not data.startswith(f"{CODEC_VERSION}.")
        return OtherVersion() if other else Malformed()
    revision = int(match["revision"], 36)
    if revision > MAX_REVISION:
        return Malformed()
    return Callback(revision, Op(match["op"]), match["arg"])
