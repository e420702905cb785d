"""The callback codec: round trips, always under 64 bytes, never raises on what it reads."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.core.codec import (
    MAX_CALLBACK_BYTES,
    MAX_REVISION,
    Callback,
    Malformed,
    Op,
    OtherVersion,
    decode,
    encode,
)

callbacks = st.builds(
    Callback,
    revision=st.integers(0, MAX_REVISION),
    op=st.sampled_from(list(Op)),
    arg=st.from_regex(r"[A-Za-z0-9_]{0,16}", fullmatch=True),
)


@given(callbacks)
def test_round_trip_under_the_limit(callback: Callback) -> None:
    """Every encodable callback decodes to itself and fits Telegram's 64 bytes."""
    data = encode(callback)
    assert len(data.encode()) <= MAX_CALLBACK_BYTES
    assert decode(data) == callback


@given(st.text(max_size=200))
def test_decode_never_raises(data: str) -> None:
    """Arbitrary (forged) data decodes to something, never an exception."""
    assert isinstance(decode(data), Callback | Malformed | OtherVersion)


def test_other_versions_and_garbage() -> None:
    """Another codec version is recognised as an old keyboard; garbage as malformed."""
    assert decode("2.5.c0") == OtherVersion()
    assert decode("1.5.q0") == Malformed()
    assert decode("1..c") == Malformed()
    assert decode("") == Malformed()
    assert decode("1.5.c0" + "x" * 80) == Malformed()


def test_encode_refuses_what_it_cannot_carry() -> None:
    """Negative revisions and arguments with separators are refused."""
    for bad in (Callback(-1, Op.NEXT), Callback(1, Op.CHOOSE, "a.b"), Callback(1, Op.CHOOSE, "é")):
        try:
            encode(bad)
        except ValueError:
            continue
        raise AssertionError(f"encoded {bad}")
