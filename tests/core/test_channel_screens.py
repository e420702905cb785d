"""Channel screens on the shipped content: the best channel in full, the others one line each
with a button that opens them, one date line, contact buttons, and the emergency line first on
every report-side screen."""

from __future__ import annotations

import pytest

from bot.content.bundle import Content
from bot.content.models import EndNode, MenuNode, MessageNode, PlaceNode, ResourcesNode
from bot.core import texts
from bot.core.codec import Callback, Op, encode
from bot.core.effects import AnswerTap, CountResourceViews, ResourceCard, Show
from bot.core.engine import step
from bot.core.events import Tap
from bot.core.screens import NOT_CONFIRMED, contact_rows, dialable, resource_card, screen_for
from bot.core.state import ConversationState, Position
from bot.service.messages import Reply
from bot.testing.clocks import FIXED_NOW as NOW
from bot.testing.simulator import ButtonNotFound, CoreChat

LABOR = "An adult: forced work or abuse at work"


def arizona_labor(content: Content) -> tuple[CoreChat, Reply]:
    """Return a chat on Arizona's forced-work channels and the screen it shows."""
    chat = CoreChat(content)
    chat.send("/start report")
    chat.click("United States")
    chat.click("Arizona")
    out = chat.click(LABOR)
    return chat, [m for m in out if isinstance(m, Reply)][-1]


def shown_parts(chat: CoreChat) -> tuple[object, ...]:
    """Return the parts of the screen the last step showed."""
    return next(e.screen.parts for e in chat.effects if isinstance(e, Show))


def test_the_best_channel_is_in_full_and_the_others_one_line_each(content: Content) -> None:
    """Arizona, forced work: the national hotline in full, then one line per other channel
    (name and main number) with a button for each, and a single date line at the end."""
    chat, reply = arizona_labor(content)
    cards = [p.resource_id for p in shown_parts(chat) if isinstance(p, ResourceCard)]
    assert cards == ["nhth"]
    others = ["az_tipline", "dol_whd", "eeoc", "hsi_tipline"]
    by_id = {r.id: r for r in content.resources}
    for rid in others:
        line = f"• {by_id[rid].name}: {by_id[rid].channels[0].value} — {by_id[rid].why}"
        police = " Law enforcement." if by_id[rid].law_enforcement else "\n"
        assert reply.text.count(line + police) == 1, rid
    assert {by_id[rid].law_enforcement for rid in others} == {True, False}
    labels = [b.label for row in reply.buttons for b in row]
    assert [label for label in labels if label.startswith("More: ")] == [
        f"More: {by_id[rid].name}" for rid in others
    ]
    assert reply.text.count("Details compiled from") == 1
    assert reply.text.rstrip().endswith(
        "Details compiled from humantraffickinghotline.org on December 3, 2026."
    )
    assert reply.text.startswith("If anyone is in immediate danger, call 911 now.")


def test_more_opens_one_channel_in_full_and_back_returns_to_the_list(content: Content) -> None:
    """The button opens that channel's full card, with the emergency line still first; Back
    shows the list again; opening counts no second view."""
    chat, listed = arizona_labor(content)
    out = chat.click("More: HSI Tip Line (ICE)")
    opened = [m for m in out if isinstance(m, Reply)][-1]
    cards = [p.resource_id for p in shown_parts(chat) if isinstance(p, ResourceCard)]
    assert cards == ["hsi_tipline"]
    assert opened.text.startswith("If anyone is in immediate danger, call 911 now.")
    assert "Law enforcement. This is federal law enforcement" in opened.text
    assert not any(isinstance(e, CountResourceViews) for e in chat.effects)
    out = chat.click("Back")
    again = [m for m in out if isinstance(m, Reply)][-1]
    assert again.text == listed.text
    assert chat.state.at == Position("report", "labor_channels") and chat.state.opened is None


@pytest.mark.parametrize("arg", ["9", "x", ""])
def test_a_forged_channel_button_changes_nothing(content: Content, arg: str) -> None:
    """A channel number that is not on the list is answered as unreadable."""
    chat, _ = arizona_labor(content)
    state = chat.state
    result = step(content, state, Tap(encode(Callback(state.revision, Op.CHANNEL, arg))), NOW)
    assert result.state == state
    assert result.effects == (AnswerTap(texts.UNREADABLE),)


def test_an_old_channel_button_is_stale(content: Content) -> None:
    """A channel button from an earlier screen is answered kindly and not acted on."""
    chat, _ = arizona_labor(content)
    old = chat.keyboard.data_for("More: HSI Tip Line (ICE)")
    chat.click("More: HSI Tip Line (ICE)")
    state = chat.state
    result = step(content, state, Tap(old), NOW)
    assert result.state == state and result.effects == (AnswerTap(texts.STALE),)


def test_a_channel_button_off_a_resources_screen_does_nothing(content: Content) -> None:
    """The channel op on a menu is refused like any button that does not fit the screen."""
    state = ConversationState(revision=4, at=Position("report", "who"), place="US-AZ")
    result = step(content, state, Tap(encode(Callback(4, Op.CHANNEL, "1"))), NOW)
    assert result.state == state and result.effects == (AnswerTap(texts.UNREADABLE),)


def test_contact_buttons_copy_numbers_and_open_web_pages(content: Content) -> None:
    """The full card's numbers are copy buttons (a phone word copies its digits), its web
    pages URL buttons; the number also stays in the text."""
    chat, reply = arizona_labor(content)
    contacts = [(b.kind, b.data) for row in reply.buttons for b in row if b.kind != "callback"]
    assert contacts == [
        ("copy", "1-888-373-7888"),
        ("copy", "233733"),
        ("url", "https://humantraffickinghotline.org/chat"),
    ]
    assert "1-888-373-7888" in reply.text
    with pytest.raises(ButtonNotFound):
        chat.click("Copy number: 1-888-373-7888")
    assert dialable("1-800-THE-LOST (1-800-843-5678)") == "1-800-843-5678"
    assert dialable("08000 121 700") == "08000 121 700"


def test_contact_buttons_respect_telegram_limits(content: Content) -> None:
    """Every contact button of the directory opens an http(s) page or copies at most 256
    characters, and offers one value once."""
    for resource in content.resources:
        buttons = [b for row in contact_rows(resource) for b in row]
        assert buttons or "emergency" in resource.topics, resource.id
        assert len({b.data for b in buttons}) == len(buttons), resource.id
        for b in buttons:
            if b.kind == "url":
                assert b.data.startswith(("https://", "http://")), resource.id
            else:
                assert b.kind == "copy" and 0 < len(b.data) <= 256, resource.id


def test_unconfirmed_hours_and_languages_are_left_out(content: Content) -> None:
    """No card says 'Not confirmed' for hours or languages (911 has no languages line);
    confirmed values are shown."""
    for resource in content.resources:
        card = resource_card(resource)
        assert (card.hours is None) == (resource.hours == NOT_CONFIRMED), resource.id
        assert (card.languages is None) == (resource.languages == NOT_CONFIRMED), resource.id
    chat = CoreChat(content)
    chat.send("/start report")
    chat.click("United States")
    chat.click("Arizona")
    out = chat.click("Someone is in danger right now")
    text = [m for m in out if isinstance(m, Reply)][-1].text
    assert "Not confirmed" not in text and "Languages:" not in text
    assert "Hours: 24/7" in text
    assert all(b.kind == "callback" for row in chat.keyboard.rows for b in row)  # 911 is dialled


def test_the_directory_says_not_confirmed_one_way(content: Content) -> None:
    """Hours or languages Beacon has not confirmed are written exactly as the rule expects,
    so no card shows a 'not confirmed' line by another spelling."""
    for resource in content.resources:
        for value in (resource.hours, resource.languages):
            if "not confirmed" in value.lower():
                assert value == NOT_CONFIRMED, resource.id


def test_every_report_side_screen_puts_the_emergency_line_first(content: Content) -> None:
    """Every node of a report-side tree asks for the emergency line on top (a place node
    always shows it); the only exception, a place node's `elsewhere` end, is for a country
    Beacon does not cover, so its own text names the emergency number."""
    for tree in content.trees.values():
        if not tree.report_side:
            continue
        elsewhere = {n.elsewhere for n in tree.nodes.values() if isinstance(n, PlaceNode)}
        for node_id, node in tree.nodes.items():
            if isinstance(node, PlaceNode):
                continue
            if node_id in elsewhere:
                assert "emergency" in node.text, node_id
                continue
            assert isinstance(node, MenuNode | MessageNode | ResourcesNode | EndNode), node_id
            assert node.emergency_first, f"{tree.id}:{node_id} must set emergency_first"


@pytest.mark.parametrize("node", ["note", "never", "done", "self_safety"])
def test_what_to_note_and_never_do_start_with_the_emergency_line(
    content: Content, node: str
) -> None:
    """The screens after the channels start with the emergency number too."""
    state = ConversationState(revision=2, at=Position("report", node), place="GB")
    first = screen_for(content, state).parts[0]
    assert getattr(first, "text", None) == texts.EMERGENCY_FIRST.text
    assert dict(getattr(first, "params", ())) == {"number": "999"}
