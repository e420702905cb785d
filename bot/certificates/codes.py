"""Verification codes such as `BCN-7K2M-Q9XD-4TRW`: a keyed-hidden serial, a MAC and a check symbol.

Layout: 11 Crockford base32 symbols carry 55 bits (a 32-bit serial and a 23-bit HMAC-SHA256 tag,
scrambled together by a keyed 4-round Feistel permutation so consecutive serials do not look
alike), then one check symbol over GF(32) that catches every single-symbol error and every
swap of two different symbols. A forged code passes the MAC with odds of 1 in 8 million.
"""

from __future__ import annotations

import hashlib
import hmac

PREFIX = "BCN"
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
SERIAL_BITS = 32
MAX_SERIAL = (1 << SERIAL_BITS) - 1
_MAC_BITS = 23
_BODY_BITS = SERIAL_BITS + _MAC_BITS
_BODY_SYMBOLS = _BODY_BITS // 5
_SYMBOLS = _BODY_SYMBOLS + 1
_HIGH_BITS = _BODY_BITS // 2
_LOW_BITS = _BODY_BITS - _HIGH_BITS
_ROUNDS = 4
_MAX_INPUT = 64
_IGNORED = frozenset("-\u2010\u2011\u2012\u2013\u2014\u2212")
_VALUES = {symbol: value for value, symbol in enumerate(ALPHABET)} | {"O": 0, "I": 1, "L": 1}


def _gf_tables() -> tuple[list[int], list[int]]:
    """Exponent and logarithm tables of GF(32) built on the primitive polynomial x^5 + x^2 + 1."""
    exp, log, value = [0] * 62, [0] * 32, 1
    for power in range(31):
        exp[power] = exp[power + 31] = value
        log[value] = power
        value <<= 1
        if value & 0b100000:
            value ^= 0b100101
    return exp, log


_EXP, _LOG = _gf_tables()


def _weighted_sum(values: list[int]) -> int:
    """Sum over GF(32) of each symbol times a distinct weight; the last symbol's weight is 1."""
    total = 0
    for position, value in enumerate(values):
        if value:
            total ^= _EXP[_LOG[value] + len(values) - 1 - position]
    return total


def _tag(secret: bytes, label: bytes, value: int, bits: int) -> int:
    """The top `bits` bits of HMAC-SHA256(secret, label + value as 8 bytes)."""
    digest = hmac.new(secret, label + value.to_bytes(8, "big"), hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "big") >> (64 - bits)


def _mix(secret: bytes, value: int, reverse: bool = False) -> int:
    """Apply (or undo) the keyed Feistel permutation of 55-bit values."""
    high, low = value >> _LOW_BITS, value & ((1 << _LOW_BITS) - 1)
    rounds = range(_ROUNDS - 1, -1, -1) if reverse else range(_ROUNDS)
    for index in rounds:
        label = b"beacon/code/mix/" + bytes([index])
        if index % 2:
            low ^= _tag(secret, label, high, _LOW_BITS)
        else:
            high ^= _tag(secret, label, low, _HIGH_BITS)
    return high << _LOW_BITS | low


def new_code(secret: bytes, serial: int) -> str:
    """The verification code of certificate `serial` (0 to MAX_SERIAL) under `secret`."""
    if not secret:
        raise ValueError("the code secret must not be empty")
    if not 0 <= serial <= MAX_SERIAL:
        raise ValueError(f"serial must be between 0 and {MAX_SERIAL}")
    body = _mix(secret, serial << _MAC_BITS | _tag(secret, b"beacon/code/mac", serial, _MAC_BITS))
    values = [body >> (5 * shift) & 31 for shift in range(_BODY_SYMBOLS - 1, -1, -1)]
    symbols = "".join(ALPHABET[value] for value in [*values, _weighted_sum([*values, 0])])
    return "-".join([PREFIX, *(symbols[start : start + 4] for start in range(0, _SYMBOLS, 4))])


def _symbols(text: str) -> list[int] | None:
    """The symbol values of a typed code (any case, dashes and spaces ignored), else None."""
    kept = "".join(char for char in text if not char.isspace() and char not in _IGNORED)
    if not kept.isascii():
        return None
    kept = kept.upper()
    if len(kept) == _SYMBOLS + len(PREFIX) and kept.startswith(PREFIX):
        kept = kept[len(PREFIX) :]
    if len(kept) != _SYMBOLS or any(char not in _VALUES for char in kept):
        return None
    return [_VALUES[char] for char in kept]


def read_code(secret: bytes, text: str) -> int | None:
    """The serial a typed code carries when its check symbol and MAC are right, else None."""
    if not secret or not isinstance(text, str) or len(text) > _MAX_INPUT:
        return None
    values = _symbols(text)
    if values is None or _weighted_sum(values):
        return None
    body = 0
    for value in values[:-1]:
        body = body << 5 | value
    plain = _mix(secret, body, reverse=True)
    serial, mac = plain >> _MAC_BITS, plain & ((1 << _MAC_BITS) - 1)
    expected = _tag(secret, b"beacon/code/mac", serial, _MAC_BITS)
    return (
        serial if hmac.compare_digest(mac.to_bytes(3, "big"), expected.to_bytes(3, "big")) else None
    )
