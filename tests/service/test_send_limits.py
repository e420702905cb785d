"""Telegram's sending limits: one rule, in memory and in Redis. The bot and each chat keep to
their allowance, two Redis limiters (two workers) share one budget and one pause, and replies go
before bulk sends. Times come from a test clock that only sleeping moves."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack
from pathlib import Path

import pytest
from redis.asyncio import Redis

from bot.app import send_limiter, send_limits
from bot.service.metrics import Metrics
from bot.service.send_limits import (
    BOT_BURST,
    Allowance,
    LimiterBusy,
    MemoryLimiter,
    Priority,
    SendLimiter,
    SendLimits,
    wait_turn,
)
from bot.settings import Settings
from bot.storage.redis_limits import RedisLimiter
from bot.testing.keys import TEST_KEYER as KEYER
from bot.testing.redis import redis_for_test
from bot.testing.telegram import free_port

STRICT = SendLimits(bot=Allowance(25, 1), private=Allowance(1, 1), group=Allowance(20 / 60, 1))
"""Pacer's old limits, with no burst: every send spaced."""
GROUP = -100123
Make = Callable[[SendLimits], SendLimiter]


class TestClock:
    """A clock in seconds that moves only when a limiter's wait sleeps."""

    __test__ = False

    def __init__(self) -> None:
        """Start at 1000 s."""
        self.now = 1000.0

    def __call__(self) -> float:
        """Return the time."""
        return self.now

    async def sleep(self, seconds: float) -> None:
        """Move the clock on."""
        self.now += seconds


@pytest.fixture
def clock() -> TestClock:
    """Return a test clock."""
    return TestClock()


@pytest.fixture(params=["memory", "redis"])
async def make(request: pytest.FixtureRequest, clock: TestClock) -> AsyncIterator[Make]:
    """Yield a maker of limiters: in memory (each its own budget), or in Redis (every limiter
    made shares one budget under this test's prefix)."""
    if request.param == "memory":
        yield lambda limits: MemoryLimiter(limits, clock)
        return
    async with AsyncExitStack() as stack:
        redis, prefix = await stack.enter_async_context(redis_for_test())
        yield lambda limits: RedisLimiter(redis, KEYER, limits, prefix, clock)


async def send_times(
    limiter: SendLimiter, clock: TestClock, chats: list[int], priority: Priority
) -> list[float]:
    """Wait for each chat's turn in order; return when each send went."""
    times = []
    for chat in chats:
        await wait_turn(limiter, chat, priority, Metrics(), clock.sleep)
        times.append(clock.now)
    return times


async def test_sends_keep_the_bot_rate_and_one_a_second_per_chat(
    make: Make, clock: TestClock
) -> None:
    """Fifty sends to five chats at 25/s take at least 49/25 s, two sends are never closer
    than 1/25 s, and a chat never gets two within 1 s (Pacer's test, kept)."""
    limiter = make(STRICT)
    chats = [index % 5 + 1 for index in range(50)]
    times = await send_times(limiter, clock, chats, Priority.REPLY)
    assert times[-1] - times[0] >= 49 / 25 - 1e-6
    assert all(b - a >= 1 / 25 - 1e-6 for a, b in itertools.pairwise(times))
    for chat in set(chats):
        mine = [t for t, c in zip(times, chats, strict=True) if c == chat]
        assert all(b - a >= 1.0 - 1e-6 for a, b in itertools.pairwise(mine))


async def test_a_chat_may_burst_then_keeps_its_rate(make: Make, clock: TestClock) -> None:
    """With a burst of 3, a private chat gets three at once, then one a second; a group one
    every three seconds after its three."""
    limits = SendLimits(bot=Allowance(1000, 1), private=Allowance(1, 3), group=Allowance(1 / 3, 3))
    limiter = make(limits)
    start = clock.now
    private = await send_times(limiter, clock, [7] * 5, Priority.REPLY)
    assert [round(t - start, 3) for t in private] == [0, 0.001, 0.002, 1.0, 2.0]
    group = await send_times(limiter, clock, [GROUP] * 4, Priority.REPLY)
    assert [round(t - group[0], 3) for t in group] == [0, 0.001, 0.002, 3.0]


async def test_memory_limiters_do_not_share_but_redis_limiters_do(
    make: Make, clock: TestClock
) -> None:
    """Two limiters (two workers) each send ten to different chats in turn: in Redis the
    twenty are spaced at the bot's rate as if one sent them all; in memory each keeps its own
    budget, so twice as many go (why several workers need Redis)."""
    first, second = make(STRICT), make(STRICT)
    start = clock.now
    times = []
    for index in range(10):
        times += await send_times(first, clock, [100 + index], Priority.REPLY)
        times += await send_times(second, clock, [200 + index], Priority.REPLY)
    spaced = all(b - a >= 1 / 25 - 1e-6 for a, b in itertools.pairwise(times))
    if isinstance(first, RedisLimiter):
        assert spaced and clock.now - start >= 19 / 25 - 1e-6
    else:
        assert not spaced


async def test_a_429_pauses_the_bot_for_every_worker(make: Make, clock: TestClock) -> None:
    """A 429 on a chat's first send blames the bot: for 5 s no worker sends to any chat."""
    first, second = make(STRICT), make(STRICT)
    await send_times(first, clock, [1], Priority.REPLY)
    assert await first.pause(1, 5.0) == "bot"
    start = clock.now
    [went] = await send_times(second, clock, [2], Priority.REPLY)
    shared = isinstance(second, RedisLimiter)
    assert went - start == pytest.approx(5.0 if shared else 0.0, abs=1e-3)


async def test_a_429_in_a_busy_chat_pauses_only_that_chat(make: Make, clock: TestClock) -> None:
    """Three sends at once to one chat, then a 429: the chat waits 10 s on every worker, the
    bot does not."""
    limits = SendLimits(bot=Allowance(1000, 1), private=Allowance(1, 3))
    first, second = make(limits), make(limits)
    await send_times(first, clock, [5, 5, 5], Priority.REPLY)
    assert await first.pause(5, 10.0) == "chat"
    start = clock.now
    [other] = await send_times(second, clock, [6], Priority.REPLY)
    [same] = await send_times(second, clock, [5], Priority.REPLY)
    assert other - start == pytest.approx(0.0, abs=1e-3)
    if isinstance(second, RedisLimiter):
        assert same - start == pytest.approx(10.0, abs=1e-3)


async def test_replies_go_before_bulk_sends(make: Make, clock: TestClock) -> None:
    """Replies queued half a second ahead: a bulk send is refused (nothing held) until they
    went, and a reply asked after the refusal still goes before it."""
    limits = SendLimits(bot=Allowance(10, 1), private=Allowance(100, 1))
    limiter = make(limits)
    replies = [await limiter.reserve(chat, Priority.REPLY) for chat in range(1, 6)]
    assert [round(g.wait, 3) for g in replies] == [0, 0.1, 0.2, 0.3, 0.4]
    refused = await limiter.reserve(99, Priority.BULK)
    assert not refused.granted and refused.wait == pytest.approx(0.5, abs=1e-3)
    late_reply = await limiter.reserve(6, Priority.REPLY)
    assert late_reply.granted and late_reply.wait == pytest.approx(0.5, abs=1e-3)
    times = await send_times(limiter, clock, [99], Priority.BULK)
    assert times[0] - 1000.0 == pytest.approx(0.6, abs=1e-3)


async def test_a_bulk_send_gives_up_after_its_bound(make: Make, clock: TestClock) -> None:
    """A bulk send that keeps finding replies ahead raises LimiterBusy after its tries."""
    limiter = make(SendLimits(bot=Allowance(10, 1)))

    async def replies_take_it(seconds: float) -> None:
        """While the bulk send sleeps, a reply takes the next place."""
        await clock.sleep(seconds)
        await limiter.reserve(int(clock.now * 1000), Priority.REPLY)

    await limiter.reserve(1, Priority.REPLY)
    await limiter.reserve(2, Priority.REPLY)
    with pytest.raises(LimiterBusy):
        await wait_turn(limiter, 3, Priority.BULK, Metrics(), replies_take_it, max_tries=5)


async def test_waiting_is_counted_as_the_limiters_time(clock: TestClock) -> None:
    """Eleven replies in a row at 25/s wait 10/25 s in all, counted as the
    "telegram_reply" limiter's time."""
    limiter, metrics = MemoryLimiter(STRICT, clock), Metrics()
    for chat in range(1, 12):
        await wait_turn(limiter, chat, Priority.REPLY, metrics, clock.sleep)
    waited = metrics.registry.get_sample_value(
        "beacon_send_wait_seconds_total", {"limiter": "telegram_reply"}
    )
    assert waited == pytest.approx(10 / 25, abs=1e-6)


async def test_the_settings_choose_the_limiter(tmp_path: Path) -> None:
    """No REDIS_URL: in memory; with it: in Redis under REDIS_PREFIX; TELEGRAM_RATE=0: none.
    The TELEGRAM_* settings give the allowances."""
    settings = Settings(
        data_dir=tmp_path, telegram_rate=20, telegram_chat_rate=0.5,
        telegram_group_per_minute=12, telegram_chat_burst=2, redis_prefix="bot7:",
    )  # fmt: skip
    limits = send_limits(settings)
    assert limits.bot == Allowance(20, BOT_BURST)
    assert limits.private == Allowance(0.5, 2) and limits.group == Allowance(0.2, 2)
    assert isinstance(send_limiter(settings, None, KEYER), MemoryLimiter)
    async with redis_for_test() as (redis, _):
        shared = send_limiter(settings, redis, KEYER)
        assert isinstance(shared, RedisLimiter) and shared.prefix == "bot7:limits:"
    assert send_limiter(settings.model_copy(update={"telegram_rate": 0}), None, KEYER) is None


async def test_without_redis_a_worker_keeps_the_budget_alone(
    clock: TestClock, caplog: pytest.LogCaptureFixture
) -> None:
    """Redis unreachable (nothing listens on its port): sends still get places, from this
    worker's own budget at the same rule, and the outage is logged once."""
    redis = Redis.from_url(f"redis://127.0.0.1:{free_port()}/0", socket_connect_timeout=0.5)
    limiter = RedisLimiter(redis, KEYER, STRICT, "nowhere:", clock)
    try:
        times = await send_times(limiter, clock, [1, 2, 3], Priority.REPLY)
        assert await limiter.pause(3, 2.0) == "bot"
    finally:
        await redis.aclose()
    assert [round(t - times[0], 3) for t in times] == [0, 0.04, 0.08]
    assert caplog.text.count("limiter_alone") == 1


async def test_redis_holds_no_telegram_id() -> None:
    """The shared budget names chats by Beacon's keyed hash: no chat id is in any key."""
    chat = 734_015_992
    async with redis_for_test() as (redis, prefix):
        limiter = RedisLimiter(redis, KEYER, STRICT, prefix)
        await limiter.reserve(chat, Priority.REPLY)
        await limiter.pause(chat, 1.0)
        keys = [key.decode() async for key in redis.scan_iter(match=f"{prefix}*")]
    assert len(keys) >= 3
    assert not [key for key in keys if str(chat) in key]
