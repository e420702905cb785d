"""The report side on the shipped content: the routing table over places and situations, the
four-tap promise in English and Spanish, the place menus and a shared location."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from bot.content.bundle import Content
from bot.core import texts
from bot.core.builtins.region import POSITION as REGION_SCREEN
from bot.core.codec import Callback, Op, encode
from bot.core.effects import CountResourceViews, Notice, ResourceCard, Show
from bot.core.engine import step
from bot.core.events import Located, SharedLocation, Tap
from bot.core.places import emergency_number, located_place
from bot.core.state import ConversationState, Position
from bot.i18n.catalogs import Catalogs
from bot.service.messages import Reply
from bot.testing.clocks import FIXED_NOW as NOW
from bot.testing.simulator import CoreChat
from bot.transports.telegram.delivery import MESSAGE_LIMIT, utf16_length

WHO = Position("report", "who")
START = Position("report", "start")

# (country, region or None, situation) -> (emergency number, channels in the order shown)
ROUTES = [
    ("United States", "Arizona", "A child or teen (maybe under 18)", "911",
     ["ncmec", "az_dcs", "nhth", "az_tipline"]),
    ("United States", "Arizona", "An adult: forced work or abuse at work", "911",
     ["nhth", "az_tipline", "dol_whd", "eeoc", "hsi_tipline"]),
    ("United States", "Arizona", "An adult: sex trafficking", "911",
     ["nhth", "az_tipline", "stronghearts", "hsi_tipline", "fbi_tips"]),
    ("United States", "Arizona", "Someone is in danger right now", "911", ["us_911"]),
    ("United States", "Arizona", "It's about me. I need help.", "911", ["nhth", "stronghearts"]),
    ("United States", "Another state or region", "An adult: forced work or abuse at work", "911",
     ["nhth", "dol_whd", "eeoc", "hsi_tipline", "fbi_tips"]),
    ("United States", "Another state or region", "A child or teen (maybe under 18)", "911",
     ["ncmec", "nhth"]),
    ("United Kingdom", None, "I'm not sure what it is", "999", ["gb_msh"]),
    ("United Kingdom", None, "Someone is in danger right now", "999", ["gb_999"]),
    ("Canada", None, "A child or teen (maybe under 18)", "911", ["ca_hotline"]),
    ("Mexico", None, "An adult: sex trafficking", "911", ["mx_lnctp"]),
    ("Mexico", None, "It's about me. I need help.", "911", ["mx_lnctp"]),
    ("Canada", None, "An adult: forced work or abuse at work", "911", ["ca_hotline"]),
]  # fmt: skip


def views(chat: CoreChat) -> list[str]:
    """Return the resource ids the last step showed."""
    counted = [e for e in chat.effects if isinstance(e, CountResourceViews)]
    return list(counted[0].resource_ids) if counted else []


def shown_text(out: Sequence[object]) -> str:
    """Return the text of the screen a step showed (its last message with buttons)."""
    return [m for m in out if isinstance(m, Reply) and m.buttons][-1].text


@pytest.mark.parametrize(("country", "region", "situation", "number", "channels"), ROUTES)
def test_routing_table(
    content: Content,
    country: str,
    region: str | None,
    situation: str,
    number: str,
    channels: list[str],
) -> None:
    """Each place and situation reaches its channels, ranked, with the emergency number on top:
    the first in full, a button for each of the others, all in one Telegram message."""
    chat = CoreChat(content)
    chat.send("/start")
    chat.click("Report or get help")
    chat.click(country)
    if region is not None:
        chat.click(region)
    out = chat.click(situation)
    assert views(chat) == channels
    text = shown_text(out)
    assert text.startswith(f"If anyone is in immediate danger, call {number} now.")
    shown = next(e.screen for e in chat.effects if isinstance(e, Show))
    assert [p.resource_id for p in shown.parts if isinstance(p, ResourceCard)] == channels[:1]
    more = [b.label for row in chat.keyboard.rows for b in row if b.label.startswith("More: ")]
    assert len(more) == len(channels) - 1
    assert utf16_length(text) <= MESSAGE_LIMIT and text.count("Details compiled from") == 1


PATHS = {
    "child in Arizona": ["United States", "Arizona", "A child or teen (maybe under 18)"],
    "labor elsewhere in the U.S.": [
        "United States", "Another state or region", "An adult: forced work or abuse at work",
    ],
    "danger in Arizona": ["United States", "Arizona", "Someone is in danger right now"],
    "help for me in Arizona": ["United States", "Arizona", "It's about me. I need help."],
    "unsure in the UK": ["United Kingdom", "I'm not sure what it is"],
    "sex trafficking in Mexico": ["Mexico", "An adult: sex trafficking"],
}  # fmt: skip


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("locale", ["en", "es"])
def test_every_path_reaches_its_channels_in_four_taps_emergency_first(
    shipped_content: Content, catalogs: Catalogs, locale: str, path: str
) -> None:
    """From /start, a new user reaches channels in at most four taps, in English and Spanish
    (the same buttons, by position), and every screen on the way names the emergency number."""
    english = CoreChat(shipped_content)
    chat = CoreChat(shipped_content, catalogs, locale)
    english.send("/start")
    out = chat.send("/start")
    taps = 0
    for label in ["Report or get help", *PATHS[path]]:
        row, column = english.keyboard.position_of(label)
        english.click(label)
        out = chat.event(Tap(chat.keyboard.rows[row][column].data))
        taps += 1
        assert any(n in shown_text(out).split("\n\n")[0] for n in ("911", "999")), shown_text(out)
        if views(chat):
            break
    assert views(chat) and views(chat) == views(english)
    assert taps <= 4


def test_the_place_menu_offers_the_place_chosen_before(content: Content) -> None:
    """A returning user's place comes first on the place menu and skips the region question."""
    chat = CoreChat(content)
    chat.send("/start report")
    chat.click("United States")
    chat.click("Arizona")
    chat.send("/start report")
    first = chat.keyboard.rows[0][0].label
    assert first == "As before: Arizona, United States"
    out = chat.click(first)
    assert chat.state.at == WHO and chat.state.place == "US-AZ"
    assert "Showing channels for Arizona, United States." in shown_text(out)


def test_a_region_from_another_country_is_refused(content: Content) -> None:
    """A forged region button for another country than the one chosen changes nothing."""
    chat = CoreChat(content)
    chat.send("/start report")
    chat.click("Mexico")
    chat.click("Back")
    chat.click("United States")
    assert chat.state.at == REGION_SCREEN
    state = chat.state
    forged = Tap(encode(Callback(state.revision, Op.PLACE, "GB")))
    result = step(content, state, forged, NOW)
    assert result.state == state


@pytest.mark.parametrize(
    ("country", "region", "place"),
    [
        ("US", "Arizona", "US-AZ"),
        ("US", "Nevada", "US"),
        ("US", None, "US"),
        ("GB", "England", "GB"),
        ("MX", "Mexico City", "MX"),
        ("FR", "Île-de-France", None),
        (None, None, None),
    ],
)
def test_a_location_maps_to_the_most_specific_covered_place(
    content: Content, country: str | None, region: str | None, place: str | None
) -> None:
    """A region with channels of its own, else its country; a country Beacon lacks, nothing."""
    assert located_place(content, country, region) == place


def test_a_location_on_the_place_question_goes_on_as_if_picked(content: Content) -> None:
    """Sharing a location answers the place question; only the coarse place is kept."""
    state = ConversationState(revision=3, at=START)
    result = step(content, state, Located("US", "Arizona"), NOW)
    assert result.state.at == WHO and result.state.place == "US-AZ"
    assert "Arizona" not in repr(result.state.to_dict()).replace("US-AZ", "")


def test_a_location_elsewhere_sets_the_place_and_says_so(content: Content) -> None:
    """Away from the place question, a location changes the place and says which it is."""
    state = ConversationState(revision=3, at=Position("main", "home"))
    result = step(content, state, Located("GB", "Scotland"), NOW)
    assert result.state.place == "GB" and result.state.at == state.at
    notice = result.effects[0]
    assert isinstance(notice, Notice) and notice.message.context == "safety"
    assert notice.message.text == texts.PLACE_SET.text
    assert any(isinstance(e, Show) for e in result.effects)


def test_an_unknown_location_changes_nothing_and_says_so(content: Content) -> None:
    """A location Beacon has no channels for (or could not read) keeps the place as it was."""
    state = ConversationState(revision=3, at=START, place="US-AZ")
    for event in (Located("FR", "Brittany"), SharedLocation(48.1, -1.7)):
        result = step(content, state, event, NOW)
        assert result.state.place == "US-AZ" and result.state.at == START
        assert result.effects[0] == Notice(texts.PLACE_UNKNOWN)


def test_every_covered_country_has_an_emergency_number_and_a_channel(content: Content) -> None:
    """The place menu never leads to a country without its emergency number and a hotline."""
    for country in content.places:
        assert emergency_number(content, country.code) is not None, country.code
        own = [r for r in content.resources if r.jurisdiction.startswith(country.code)]
        assert any("emergency" not in r.topics for r in own), country.code


def test_the_summary_is_one_line_with_the_emergency_number_first(content: Content) -> None:
    """The end of a path sends a one-line summary of the channels, as its own message."""
    chat = CoreChat(content)
    chat.send("/start report")
    chat.click("United Kingdom")
    chat.click("I'm not sure what it is")
    chat.click("Continue")
    chat.click("Continue")
    out = chat.click("Continue")
    last = out[-1]
    assert isinstance(last, Reply) and not last.buttons and "\n" not in last.text
    assert last.text == (
        "Beacon summary for United Kingdom. If anyone is in immediate danger, call 999 now. "
        "Modern Slavery & Exploitation Helpline: 08000 121 700"
    )


def path_text(content: Content, *labels: str) -> str:
    """Return the text of the screen reached by tapping `labels` after /start report."""
    chat = CoreChat(content)
    chat.send("/start report")
    out: Sequence[object] = []
    for label in labels:
        out = chat.click(label)
    return shown_text(out)


def test_arizona_child_path_names_the_way_to_police(content: Content) -> None:
    """In Arizona a report about someone who does not look after the child goes to a peace
    officer (A.R.S. 13-3620): the child screen names 911 and the tip line, and shows its card;
    elsewhere in the U.S. the Arizona text is not shown."""
    arizona = path_text(content, "United States", "Arizona", "A child or teen (maybe under 18)")
    assert "goes to the police: call 911, or the Arizona tip line 1-877-4AZ-TIPS" in arizona
    assert "Arizona Human Trafficking Tip Line" in arizona
    other = path_text(
        content, "United States", "Another state or region", "A child or teen (maybe under 18)"
    )
    assert "1-877-4AZ-TIPS" not in other and "goes to the police" not in other


@pytest.mark.parametrize("country", ["Canada", "Mexico", "United Kingdom"])
def test_forced_work_abroad_names_no_us_institution(content: Content, country: str) -> None:
    """Canada's, Mexico's and the UK's forced-work screens say nothing about U.S. agencies."""
    text = path_text(content, country, "An adult: forced work or abuse at work")
    for name in ("United States", "U.S.", "Department of Labor", "HHS", "ICE", "FBI"):
        assert name not in text, (country, name)
    us = path_text(content, "United States", "Arizona", "An adult: forced work or abuse at work")
    assert "U.S. Department of Labor" in us


def test_the_uk_gets_uk_spelling(content: Content) -> None:
    """The UK's forced-work screen says "labour", and what to note says "number plate"."""
    labour = path_text(content, "United Kingdom", "An adult: forced work or abuse at work")
    assert "Forced labour can happen" in labour and "Forced labor" not in labour
    note = path_text(content, "United Kingdom", "I'm not sure what it is", "Continue")
    assert "number plate" in note and "license plate" not in note
    us_note = path_text(content, "United States", "Arizona", "I'm not sure what it is", "Continue")
    assert "license plate" in us_note


def test_a_person_under_18_asking_for_themselves_reaches_the_channels_for_children(
    content: Content,
) -> None:
    """ "It's about me" offers "I'm under 18", which shows the channels for children."""
    chat = CoreChat(content)
    chat.send("/start report")
    for label in ("United States", "Arizona", "It's about me. I need help.", "I'm under 18"):
        out = chat.click(label)
    assert views(chat)[:2] == ["ncmec", "az_dcs"]
    assert "you can contact them about yourself" in shown_text(out)
    chat.click("Safety tips")
    assert chat.state.at == Position("report", "self_safety")


def test_another_country_shows_112_first_and_says_beacon_has_no_list(content: Content) -> None:
    """ "Another country" leads with 112, says it does not work everywhere, and that Beacon has
    no channels for that country."""
    text = path_text(content, "Another country")
    first = text.split("\n\n")[0]
    assert first.startswith("If anyone is in immediate danger, call 112 now")
    assert "not everywhere" in first and "local emergency number" in first
    assert "Beacon has no list of channels for that country." in text
