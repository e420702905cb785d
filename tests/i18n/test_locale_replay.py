"""Every golden transcript, replayed in every shipped locale, keeps the English structure."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from bidi import get_display  # type: ignore[import-untyped]

from bot.content.bundle import Content
from bot.core.events import Tap
from bot.i18n.catalogs import Catalogs
from bot.i18n.direction import LEFT_TO_RIGHT_RUN, LRM, RLM
from bot.service.messages import EraseChat, Outbound, Reply, TapAnswer
from bot.settings import PROJECT_ROOT
from bot.testing import transcripts
from bot.testing.service import learner_seed
from bot.testing.simulator import CoreChat

TRANSCRIPTS = sorted((PROJECT_ROOT / "tests" / "transcripts").glob("*.yaml"))
SHIPPED = Catalogs(PROJECT_ROOT / "locales").codes()[1:]
UNFILLED = re.compile(r"\{[a-z_]+\}")


def shape(outbound: list[Outbound]) -> list[object]:
    """Return what a reply looks like without its words: kinds, button grid, replace flag."""
    shaped: list[object] = []
    for message in outbound:
        match message:
            case Reply(_, buttons, replace):
                shaped.append(("reply", [len(row) for row in buttons], replace))
            case TapAnswer(text):
                shaped.append(("tap_answer", text is None))
            case EraseChat():
                shaped.append(("erase",))
    return shaped


def texts_of(outbound: list[Outbound]) -> list[str]:
    """Return every text the user sees: message bodies, button labels and tap answers."""
    seen: list[str] = []
    for message in outbound:
        if isinstance(message, Reply):
            seen += [message.text, *(b.label for row in message.buttons for b in row)]
        elif isinstance(message, TapAnswer) and message.text:
            seen.append(message.text)
    return seen


def replay_side_by_side(
    content: Content, catalogs: Catalogs, locale: str, path: Path
) -> list[tuple[list[Outbound], list[Outbound], str]]:
    """Play a transcript in English and in `locale`, tapping the same button positions; give
    each step's replies on both sides and the locale the other side then rendered in."""
    recorded = transcripts.load(path)
    offers = transcripts.offers_of(recorded)
    seed = learner_seed(transcripts.user_of(recorded) or transcripts.DEFAULT_USER)
    english = CoreChat(content, catalogs, "en", offers=offers, seed=seed)
    other = CoreChat(content, catalogs, locale, offers=offers, seed=seed)
    pairs = []
    for step in recorded["steps"]:
        if "click" in step:
            r, c = english.keyboard.position_of(str(step["click"]))
            theirs = other.keyboard.rows[r][c].data
            assert theirs == english.keyboard.rows[r][c].data
            pairs.append(
                (english.event(Tap(theirs)), other.event(Tap(theirs)), other.renderer.locale)
            )
        else:
            action = {k: v for k, v in step.items() if k != "expect"}
            pairs.append(
                (
                    english.event(transcripts.event_for(action, english.keyboard)),
                    other.event(transcripts.event_for(action, other.keyboard)),
                    other.renderer.locale,
                )
            )
        assert other.state.at == english.state.at, f"{path.name}: {locale} went elsewhere"
    return pairs


@pytest.mark.parametrize("locale", SHIPPED)
@pytest.mark.parametrize("path", TRANSCRIPTS, ids=[p.stem for p in TRANSCRIPTS])
def test_transcript_keeps_its_structure_in_every_locale(
    path: Path, locale: str, shipped_content: Content, catalogs: Catalogs
) -> None:
    """Same nodes, same messages, same number of buttons per row; every placeholder filled."""
    translated = 0
    for number, (english, other, _) in enumerate(
        replay_side_by_side(shipped_content, catalogs, locale, path), 1
    ):
        assert shape(other) == shape(english), f"{path.name} step {number} in {locale}"
        theirs = texts_of(other)
        assert not [t for t in theirs if UNFILLED.search(t)], f"{path.name} step {number}"
        translated += sum(a != b for a, b in zip(texts_of(english), theirs, strict=True))
    assert translated > 0, f"{path.name}: nothing was shown in {locale}"


def visual_runs_intact(line: str) -> list[str]:
    """Return the Latin runs of a line that a bidi display would break apart or reorder."""
    shown = get_display(line)
    runs = LEFT_TO_RIGHT_RUN.findall(line.replace(LRM, "").replace(RLM, ""))
    return [run for run in runs if run not in shown]


@pytest.mark.parametrize("path", TRANSCRIPTS, ids=[p.stem for p in TRANSCRIPTS])
def test_arabic_lines_read_right_to_left_with_numbers_whole(
    path: Path, shipped_content: Content, catalogs: Catalogs
) -> None:
    """In Arabic every line starts right to left, and phone numbers, URLs and commands stay
    whole and in order when the Unicode bidi algorithm lays the line out."""
    for _, shown, locale in replay_side_by_side(shipped_content, catalogs, "ar", path):
        for text in texts_of(shown) if locale == "ar" else []:
            for line in filter(None, text.split("\n")):
                assert line.startswith(RLM), line
                assert visual_runs_intact(line) == [], line


def test_without_marks_a_phone_number_would_be_reordered() -> None:
    """The bidi check can fail: an unmarked number in Arabic text is laid out out of order."""
    assert visual_runs_intact(f"{RLM}اتصل على 1-800-THE-LOST الآن") == ["1-800-THE-LOST"]
