"""Delivery: the tap is answered first, edits fall back to sends, retries are bounded."""

from __future__ import annotations

import pytest

from bot.service.messages import EraseChat, Outbound, OutButton, Reply, TapAnswer
from bot.testing.recording_api import RecordingApi
from bot.transports.telegram.api import (
    ApiBlocked,
    ApiRejected,
    ApiRetryAfter,
    ApiTransient,
)
from bot.transports.telegram.delivery import (
    Delivery,
    DeliveryFailed,
    DeliveryStopped,
    RetryPolicy,
    SentMessages,
    Target,
    as_html,
    split_message,
    utf16_length,
    with_retries,
)

FAST = RetryPolicy(backoff_base=0.0)
BUTTONS = ((OutButton("A <b>", "1.1.c0"),),)


async def no_sleep(_seconds: float) -> None:
    """Do not wait in tests."""


def test_html_escapes_everything() -> None:
    """Every <, > and & in dynamic text is escaped for HTML parse mode."""
    assert as_html("a < b & c > d") == "a &lt; b &amp; c &gt; d"


async def test_tap_answered_first_then_edit_in_place() -> None:
    """A replacing reply edits the tapped message, after the callback is answered."""
    api = RecordingApi()
    delivery = Delivery(api, FAST, SentMessages())
    await delivery.deliver(Target(1, 50, "cb"), [TapAnswer(), Reply("x", BUTTONS, replace=True)])
    assert api.calls == [("answer", None), ("edit", 50)]


async def test_a_tap_answer_is_skipped_when_asked() -> None:
    """A delivery resumed after a restart does not answer a tap that is long gone."""
    api = RecordingApi()
    await Delivery(api, FAST, SentMessages()).deliver(
        Target(1, 50, "cb"), [TapAnswer("old"), Reply("x")], answer_taps=False
    )
    assert api.calls == [("send", "x")]


async def test_delivery_starts_where_it_stopped_and_marks_progress() -> None:
    """Messages before `start` are not sent again; each message but the last is marked."""
    api = RecordingApi()
    marks: list[int] = []

    async def mark(sent: int) -> None:
        marks.append(sent)

    replies: list[Outbound] = [TapAnswer(), Reply("a"), Reply("b"), Reply("c")]
    await Delivery(api, FAST, SentMessages()).deliver(
        Target(1, 50, "cb"), replies, start=2, mark=mark
    )
    assert api.calls == [("send", "b"), ("send", "c")]
    assert marks == [3]


async def test_an_edit_already_made_is_not_sent_again() -> None:
    """Resumed after a crash, an edit Telegram says changes nothing is done, not re-sent."""
    api = RecordingApi([ApiRejected("Bad Request: message is not modified: same content")])
    await Delivery(api, FAST, SentMessages()).deliver(
        Target(1, 50, None), [Reply("x", BUTTONS, replace=True)]
    )
    assert api.calls == []


async def test_edit_refused_falls_back_to_a_new_message() -> None:
    """If Telegram refuses the edit (message gone), the reply is sent as a new message."""
    api = RecordingApi([ApiRejected("message to edit not found")])
    await Delivery(api, FAST, SentMessages()).deliver(
        Target(1, 50, None), [Reply("x", BUTTONS, replace=True)]
    )
    assert api.calls == [("send", "x")]


async def test_retries_are_bounded_then_delivery_stops(caplog: pytest.LogCaptureFixture) -> None:
    """Transient failures are retried up to the bound; then delivery stops at that message
    (logged) and what is left waits for a later attempt, in order."""
    api = RecordingApi([ApiTransient("500")] * 4)  # the first reply uses all 4 attempts
    policy = RetryPolicy(max_transient=3, backoff_base=0.0)
    with pytest.raises(DeliveryStopped) as stopped:
        await Delivery(api, policy, SentMessages()).deliver(Target(1), [Reply("x"), Reply("y")])
    assert stopped.value.index == 0
    assert "delivery_stopped" in caplog.text
    assert api.calls == []


async def test_a_refused_message_is_logged_and_skipped(caplog: pytest.LogCaptureFixture) -> None:
    """A message Telegram refuses (400) cannot succeed later: logged, and the next one goes."""
    api = RecordingApi([ApiRejected("Bad Request: chat not found")])
    await Delivery(api, FAST, SentMessages()).deliver(Target(1), [Reply("x"), Reply("y")])
    assert "delivery_failed" in caplog.text
    assert api.calls == [("send", "y")]


async def test_rate_limits_wait_as_told() -> None:
    """A 429 waits its retry_after, then the same call succeeds."""
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    failures = iter([ApiRetryAfter(3), ApiRetryAfter(1)])

    async def call() -> str:
        failure = next(failures, None)
        if failure is not None:
            raise failure
        return "done"

    assert await with_retries(call, FAST, sleep) == "done"
    assert waits == [3, 1]


async def test_endless_rate_limits_give_up() -> None:
    """Rate limits are retried a bounded number of times."""

    async def call() -> None:
        raise ApiRetryAfter(0)

    with pytest.raises(DeliveryFailed):
        await with_retries(call, RetryPolicy(max_rate_limited=2), no_sleep)


async def test_blocked_propagates() -> None:
    """A blocked user stops delivery so the caller can mark them inactive."""
    api = RecordingApi([ApiBlocked()])
    with pytest.raises(ApiBlocked):
        await Delivery(api, FAST, SentMessages()).deliver(Target(1), [Reply("x"), Reply("y")])
    assert api.calls == []


async def test_erase_deletes_recent_messages_in_batches() -> None:
    """Exit deletes messages younger than 48 hours, 100 per call, and forgets them."""
    now = [1_000_000.0]
    sent = SentMessages(per_chat=500, clock=lambda: now[0])
    await sent.add(1, 1)
    now[0] += 49 * 3600
    for message_id in range(2, 252):
        await sent.add(1, message_id)
    api = RecordingApi()
    await Delivery(api, FAST, sent).deliver(Target(1), [EraseChat()])
    deleted = [ids for kind, ids in api.calls if kind == "delete"]
    assert [len(batch) for batch in deleted] == [100, 100, 50]  # type: ignore[arg-type]
    assert 1 not in deleted[0]  # type: ignore[operator]
    assert await sent.take_recent(1) == []


async def test_only_private_chats_are_recorded_for_exit() -> None:
    """Sends to a private chat are remembered for exit; sends to a group (id < 0) are not."""
    sent = SentMessages()
    delivery = Delivery(RecordingApi(), FAST, sent)
    await delivery.send(7, "to a user")
    await delivery.send(-100_200, "to a group")
    await delivery.remember(-100_200, 5)
    assert await sent.take_recent(7) == [101]
    assert await sent.take_recent(-100_200) == []


async def test_exit_after_nothing_deletes_nothing() -> None:
    """Erasing a chat with no recorded messages makes no Bot API call."""
    api = RecordingApi()
    await Delivery(api, FAST, SentMessages()).deliver(Target(1), [EraseChat()])
    assert api.calls == []


async def test_tap_answer_text_is_passed() -> None:
    """A stale-button note reaches the callback answer."""
    api = RecordingApi()
    await Delivery(api, FAST, SentMessages()).deliver(Target(1, 5, "cb"), [TapAnswer("old")])
    assert api.calls == [("answer", "old")]


async def test_a_repeated_long_screen_sends_only_its_last_piece() -> None:
    """A screen shown again after stray input sends its last piece with the buttons; shown
    first, all of it goes."""
    api = RecordingApi()
    delivery = Delivery(api, FAST, SentMessages())
    text = "\n\n".join(["a" * 3000, "b" * 3000])
    await delivery.deliver(Target(1), [Reply(text, BUTTONS, tail=True)])
    assert api.calls == [("send", "b" * 3000)]
    await delivery.deliver(Target(1), [Reply(text, BUTTONS)])
    assert [str(call[1])[:1] for call in api.calls[1:]] == ["a", "b"]


def test_a_text_within_the_limit_is_one_message() -> None:
    """Up to 4096 UTF-16 units stays whole."""
    assert split_message("a" * 4096) == ["a" * 4096]


def test_long_text_splits_at_paragraphs_then_lines_then_anywhere() -> None:
    """Pieces keep whole paragraphs where they fit, each within the limit, nothing lost."""
    paragraphs = ["x" * 30, "y" * 30, "z" * 30]
    assert split_message("\n\n".join(paragraphs), limit=70) == [
        f"{'x' * 30}\n\n{'y' * 30}",
        "z" * 30,
    ]
    assert split_message("a" * 50 + "\n" + "b" * 50, limit=60) == ["a" * 50, "b" * 50]
    assert split_message("c" * 130, limit=60) == ["c" * 60, "c" * 60, "c" * 10]


def test_the_limit_counts_utf16_units_as_telegram_does() -> None:
    """An emoji outside the BMP counts twice; Chinese characters once."""
    assert utf16_length("中文") == 2 and utf16_length("🙂") == 2
    pieces = split_message("🙂" * 40, limit=50)
    assert [utf16_length(p) for p in pieces] == [50, 30]
