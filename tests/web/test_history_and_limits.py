"""The web page's history (kept entries, typed turns never kept, the cap, a round trip through
JSON) and the rate limit in memory and in Redis (burst, refill, shared by workers in Redis, least
recently used dropped first in memory)."""

from __future__ import annotations

import pytest

from bot.core.state import Position
from bot.service.messages import Document, EraseChat, OutButton, Reply, TapAnswer
from bot.testing.redis import redis_for_test
from bot.transports.web.history import MAX_ENTRIES, History, active, decode, encode, label_for
from bot.transports.web.limits import Bucket, MemoryRateLimit, RateLimit, RedisRateLimit

SCREEN = Reply(
    "Where is this happening?",
    ((OutButton("Arizona", "1.2.a"),),),
    screen=Position("report", "where"),
)


def test_a_tap_keeps_its_label_and_replies_and_a_typed_turn_keeps_nothing() -> None:
    """A tapped turn keeps the label and Beacon's messages; a typed turn is shown, not kept."""
    history, shown = History().after("Report", [TapAnswer(), SCREEN], "en", typed=False)
    assert [(e.kind, e.text) for e in shown] == [("you", "Report"), ("beacon", SCREEN.text)]
    assert history.entries == shown and history.turn == 1
    typed, shown = history.after(None, [Reply("Thanks, Ada Testname.")], "en", typed=True)
    assert shown[-1].text == "Thanks, Ada Testname."
    assert typed.entries == history.entries and typed.typed and typed.turn == 2


def test_an_erasure_clears_the_kept_history_and_files_and_notes_are_entries() -> None:
    """EraseChat drops what came before; a note and a file are entries of their own."""
    history, _ = History().after("Report", [SCREEN], "en", typed=False)
    after, shown = history.after(
        None, [EraseChat(), TapAnswer("Saved."), Document("c.pdf", b"")], "en", False
    )
    assert [(e.kind, e.text) for e in shown] == [("note", "Saved."), ("file", "c.pdf")]
    assert after.entries == shown


def test_the_history_is_capped_and_survives_json() -> None:
    """At most MAX_ENTRIES are kept, the newest; encode and decode give the same history (but
    for past screens' callbacks, see below)."""
    history = History()
    for number in range(MAX_ENTRIES):
        history, _ = history.after(f"tap {number}", [SCREEN], "ar", typed=False)
    assert len(history.entries) == MAX_ENTRIES
    assert history.entries[-1].text == SCREEN.text and history.entries[0].turn > 1
    back = decode(encode(history))
    assert back.entries[-1] == history.entries[-1]
    assert [(e.kind, e.text, e.turn, e.screen) for e in back.entries] == [
        (e.kind, e.text, e.turn, e.screen) for e in history.entries
    ]
    assert (back.turn, back.locale, back.typed, back.kiosk) == (history.turn, "ar", False, None)


def test_a_stored_history_keeps_only_the_current_screen_s_callbacks() -> None:
    """Past screens lose their callbacks when stored (they are never drawn nor accepted
    again) and keep their links; the same screens stay current, with the same buttons."""
    website = OutButton("Website", "https://example.org/", "url")
    hotline = Reply("Call", ((OutButton("Arizona", "1.1.a"), website),), screen=Position("r", "h"))
    history, _ = History().after(None, [hotline], "en", typed=False)
    history, _ = history.after("Arizona", [SCREEN], "en", typed=False)
    history, _ = history.after(
        None, [TapAnswer("That button is from an earlier screen.")], "en", False
    )
    back = decode(encode(history))
    assert active(back.entries, back.turn) == active(history.entries, history.turn) == {2}
    assert back.entries[0].buttons == ((website,),)
    assert back.entries[2].buttons == SCREEN.buttons
    assert label_for(back.entries, back.turn, "1.2.a") == "Arizona"
    assert label_for(back.entries, back.turn, "1.1.a") is None


@pytest.mark.parametrize(
    "text",
    [
        '{"e": 1}',
        "[]",
        '{"e": [[1, "script", "x", [], null]]}',
        '{"e": [[1, "beacon", "x", [[["a", "b", "js"]]], null]]}',
    ],
)
def test_a_history_that_is_not_one_is_refused(text: str) -> None:
    """Anything but a history written by `encode` raises ValueError."""
    with pytest.raises(ValueError):
        decode(text)


def test_the_working_buttons_are_the_current_screen_s() -> None:
    """After a turn with only a note, the earlier screen's buttons still work."""
    history, _ = History().after(None, [SCREEN], "en", typed=False)
    history, shown = history.after(
        None, [TapAnswer("That button is from an earlier screen.")], "en", False
    )
    assert active(shown, history.turn) == {0}
    assert label_for(shown, history.turn, "1.2.a") == "Arizona"
    assert label_for(shown, history.turn, "9.9.z") is None


@pytest.mark.parametrize("store", ["memory", "redis"])
async def test_the_rate_limit_allows_a_burst_then_refills(store: str) -> None:
    """A bucket gives its burst at once, then one more per refill interval; in Redis, two
    workers' limits share each key's bucket."""
    bucket = Bucket(burst=3, per_second=1)
    async with redis_for_test() as (redis, prefix):
        if store == "redis":
            limit: RateLimit = RedisRateLimit(redis, bucket, prefix)
            other: RateLimit = RedisRateLimit(redis, bucket, prefix)
        else:
            limit = other = MemoryRateLimit(bucket)
        taken = [await (limit, other)[n % 2].allow("a", 1000.0) for n in range(4)]
        assert taken == [True, True, True, False]
        assert await limit.allow("b", 1000.0)
        assert not await other.allow("a", 1000.5)
        assert await limit.allow("a", 1001.6)


async def test_a_redis_bucket_is_forgotten_once_it_would_be_full() -> None:
    """A Redis bucket's key expires when it would have refilled, so idle addresses cost
    nothing."""
    async with redis_for_test() as (redis, prefix):
        limit = RedisRateLimit(redis, Bucket(burst=60, per_second=5), prefix)
        assert await limit.allow("203.0.113.9", 1000.0)
        expires_in = await redis.pttl(f"{prefix}203.0.113.9")
        assert 0 < expires_in <= 1200


async def test_the_rate_limit_forgets_the_least_recently_used_first() -> None:
    """Past its size, the key used least recently is dropped (and starts full again)."""
    limit = MemoryRateLimit(Bucket(burst=1, per_second=0), max_keys=2)
    assert await limit.allow("a", 0.0) and await limit.allow("b", 0.0)
    assert not await limit.allow("a", 0.0)
    assert await limit.allow("c", 0.0)
    assert await limit.allow("b", 0.0) is True
