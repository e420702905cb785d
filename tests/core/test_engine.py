"""The engine as tables of (state, event) -> (state, effects), on a small fixture content set."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from bot.core import texts
from bot.core.builtins.language import POSITION as LANGUAGE_SCREEN
from bot.core.codec import Callback, Op, encode
from bot.core.effects import (
    AnswerTap,
    CountResourceViews,
    Effect,
    Notice,
    ResourceCard,
    SaveAnswer,
    Screen,
    SetLocale,
    Show,
)
from bot.core.engine import Step, step
from bot.core.events import Command, Event, FreeText, Resume, Start, Tap, TextKind, Unsupported
from bot.core.screens import field_msg
from bot.core.state import Answer, ConversationState, Position
from bot.testing.fixture_content import CONTENT

NOW = dt.datetime(2026, 11, 22, 12, tzinfo=dt.UTC)
HOME = Position("main", "home")


def at(
    ref: str,
    revision: int = 7,
    answered: int | None = None,
    history: tuple[Position, ...] = (),
    answers: tuple[Answer, ...] = (),
) -> ConversationState:
    """Return a state at `tree:node` with a revision."""
    return ConversationState(
        revision, Position.parse(ref, "main"), answered, history, None, answers
    )


def tap(state: ConversationState, op: Op, arg: str = "", revision: int | None = None) -> Tap:
    """Return a tap drawn for the state's revision (or another one)."""
    rev = state.revision if revision is None else revision
    return Tap(encode(Callback(rev, op, arg)))


def kinds(effects: tuple[Effect, ...]) -> list[str]:
    """Return the effect type names."""
    return [type(e).__name__ for e in effects]


def shown(result: Step) -> Show:
    """Return the one Show effect."""
    shows = [e for e in result.effects if isinstance(e, Show)]
    assert len(shows) == 1, result.effects
    return shows[0]


@dataclass(frozen=True)
class Case:
    """One row: a state, an event, where the user should end up and what should happen."""

    name: str
    state: ConversationState
    event: Event
    lands_at: Position | None
    effects: list[str]
    bumps: bool = True


S = at("quiz:q1")
ANSWERED = at("quiz:q1", answered=0)
MENU = at("main:home")
CASES = [
    Case("start opens home", ConversationState(), Start(), HOME, ["Show"]),
    Case(
        "start with a tree payload opens it",
        MENU,
        Start("quiz"),
        Position("quiz", "intro"),
        ["Show"],
    ),
    Case("unknown payload opens home", S, Start("nope"), HOME, ["Show"]),
    Case("malformed payload opens home", S, Start("a b$c"), HOME, ["Show"]),
    Case("/menu goes home", S, Command("menu"), HOME, ["Show"]),
    Case("/help opens help", S, Command("help"), Position("main", "help"), ["Show"]),
    Case("/language opens the language menu", S, Command("language"), LANGUAGE_SCREEN, ["Show"]),
    Case("/exit clears and sends nothing", S, Command("exit"), None, ["ClearChat"]),
    Case(
        "menu choice follows its link",
        MENU,
        tap(MENU, Op.CHOOSE, "0"),
        Position("quiz", "intro"),
        ["AnswerTap", "Show"],
    ),
    Case(
        "choice to @language",
        MENU,
        tap(MENU, Op.CHOOSE, "2"),
        LANGUAGE_SCREEN,
        ["AnswerTap", "Show"],
    ),
    Case(
        "answer records, shows its feedback and the next question",
        S,
        tap(S, Op.ANSWER, "1"),
        Position("quiz", "q2"),
        ["AnswerTap", "SaveAnswer", "Show", "Show"],
    ),
    Case(
        "next after feedback moves on",
        ANSWERED,
        tap(ANSWERED, Op.NEXT),
        Position("quiz", "q2"),
        ["AnswerTap", "Show"],
    ),
    Case("home button", S, tap(S, Op.HOME), HOME, ["AnswerTap", "Show"]),
    Case("exit button", S, tap(S, Op.EXIT), None, ["AnswerTap", "ClearChat"]),
    Case(
        "stale tap changes nothing",
        S,
        tap(S, Op.ANSWER, "0", revision=6),
        Position("quiz", "q1"),
        ["AnswerTap"],
        bumps=False,
    ),
    Case(
        "tap from an older codec version is stale",
        S,
        Tap("0.7.a0"),
        Position("quiz", "q1"),
        ["AnswerTap"],
        bumps=False,
    ),
    Case(
        "forged data changes nothing",
        S,
        Tap("hello there"),
        Position("quiz", "q1"),
        ["AnswerTap"],
        bumps=False,
    ),
    Case(
        "an option that does not exist changes nothing",
        S,
        tap(S, Op.ANSWER, "9"),
        Position("quiz", "q1"),
        ["AnswerTap"],
        bumps=False,
    ),
    Case(
        "an op that does not fit the node changes nothing",
        S,
        tap(S, Op.CHOOSE, "0"),
        Position("quiz", "q1"),
        ["AnswerTap"],
        bumps=False,
    ),
    Case(
        "answering twice is refused",
        ANSWERED,
        tap(ANSWERED, Op.ANSWER, "1"),
        Position("quiz", "q1"),
        ["AnswerTap"],
        bumps=False,
    ),
    Case(
        "free text re-shows the screen",
        S,
        FreeText(TextKind.SHORT),
        Position("quiz", "q1"),
        ["Notice", "Show"],
        bumps=False,
    ),
    Case(
        "a sticker re-shows the screen",
        S,
        Unsupported("sticker"),
        Position("quiz", "q1"),
        ["Notice", "Show"],
        bumps=False,
    ),
    Case("resume re-shows the screen", S, Resume(), Position("quiz", "q1"), ["Show"], bumps=False),
    Case("resume with no state opens home", ConversationState(), Resume(), HOME, ["Show"]),
    Case("a removed node falls back home", at("quiz:gone"), Resume(), HOME, ["Show"]),
    Case(
        "unknown command re-shows",
        S,
        Command("frobnicate"),
        Position("quiz", "q1"),
        ["Notice", "Show"],
        bumps=False,
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_engine_table(case: Case) -> None:
    """Each row lands where it says, with the effects it says, bumping the revision or not."""
    result = step(CONTENT, case.state, case.event, NOW)
    assert result.state.at == case.lands_at
    assert kinds(result.effects) == case.effects
    expected_revision = case.state.revision + (1 if case.bumps else 0)
    assert result.state.revision == expected_revision


def test_every_tap_is_answered_exactly_once() -> None:
    """Whatever a tap carries, the engine answers it once (so the client's spinner stops)."""
    for data in [encode(Callback(7, op, arg)) for op in Op for arg in ("", "0", "5")] + ["x"]:
        result = step(CONTENT, S, Tap(data), NOW)
        answers = [e for e in result.effects if isinstance(e, AnswerTap)]
        assert len(answers) == 1, (data, result.effects)


def test_stale_and_forged_taps_say_why() -> None:
    """A stale tap and a forged one get different, kind answers."""
    stale = step(CONTENT, S, tap(S, Op.ANSWER, "0", revision=1), NOW)
    forged = step(CONTENT, S, Tap("1.7.zz"), NOW)
    assert stale.effects == (AnswerTap(texts.STALE),)
    assert forged.effects == (AnswerTap(texts.UNREADABLE),)


def test_answer_is_saved_and_scored() -> None:
    """Each answer is recorded and moves on in the same step; the result counts them."""
    state = at("quiz:q1")
    result = step(CONTENT, state, tap(state, Op.ANSWER, "1"), NOW)
    assert SaveAnswer("quiz", "q1", 1, False) in result.effects
    state = result.state
    assert state.at == Position("quiz", "q2") and state.answered is None
    state = step(CONTENT, state, tap(state, Op.ANSWER, "1"), NOW).state
    assert state.at == Position("quiz", "result")
    verdict, result_text = shown(step(CONTENT, state, Resume(), NOW)).screen.parts[:2]
    assert verdict == texts.RESULT_NOT_PASSED.fill(percent=80)  # 1 of 2 is under 80 percent
    assert dict(result_text.params) == {"score": 1, "total": 2}  # type: ignore[union-attr]


def shows(result: Step) -> list[Screen]:
    """Return the screens a step shows, in order."""
    return [e.screen for e in result.effects if isinstance(e, Show)]


def test_feedback_names_the_right_answer_and_source_when_missed() -> None:
    """A wrong answer's feedback replaces the question, without buttons: the feedback, the
    right answer and the source; the next question follows as a new message."""
    result = step(CONTENT, S, tap(S, Op.ANSWER, "1"), NOW)
    feedback, following = shows(result)
    texts_shown = [p.text for p in feedback.parts if not isinstance(p, ResourceCard)]
    assert texts.NOT_QUITE.text in texts_shown
    assert "FB" in texts_shown
    assert texts.CORRECT_ANSWER.text in texts_shown
    assert texts.SOURCE.text in texts_shown
    assert feedback.replace and feedback.buttons == () and feedback.position == S.at
    assert following.position == Position("quiz", "q2") and not following.replace
    assert [e for e in result.effects if isinstance(e, SaveAnswer)] == [
        SaveAnswer("quiz", "q1", 1, False)
    ]


def test_the_last_answer_shows_its_feedback_and_the_result() -> None:
    """On the last question, the feedback comes with the quiz's result, recorded in that step."""
    state = at("quiz:q2", answers=(Answer("quiz", "q1", 0, True),))
    result = step(CONTENT, state, tap(state, Op.ANSWER, "1"), NOW)
    feedback, end = shows(result)
    assert texts.RIGHT.text in [p.text for p in feedback.parts if not isinstance(p, ResourceCard)]
    assert feedback.replace and end.position == Position("quiz", "result")
    assert result.state.at == Position("quiz", "result")
    quiz = result.state.result("quiz")
    assert quiz is not None and (quiz.score, quiz.total) == (2, 2)


def test_back_from_the_next_question_shows_the_answered_one() -> None:
    """Back from the question that followed an answer shows that answer's question, its option
    marked, with Next (and no second score)."""
    state = step(CONTENT, S, tap(S, Op.ANSWER, "1"), NOW).state
    back = step(CONTENT, state, tap(state, Op.BACK), NOW)
    assert back.state.at == S.at
    [screen] = shows(back)
    labels = [b.label for row in screen.buttons for b in row]
    chosen = field_msg(Position("quiz", "q1"), "options.1.label", "B")
    assert labels[1] == texts.CHOSEN_OPTION.fill(label=chosen)
    assert texts.NEXT in labels and not screen.replace


def test_restarting_a_quiz_forgets_the_last_run() -> None:
    """Entering a quiz at its start clears that quiz's answers, and only that quiz's."""
    state = at("main:home", answers=(Answer("quiz", "q1", 0, True), Answer("other", "x", 0, True)))
    result = step(CONTENT, state, tap(state, Op.CHOOSE, "0"), NOW)
    assert result.state.answers == (Answer("other", "x", 0, True),)


def test_back_walks_the_history_and_skips_removed_nodes() -> None:
    """Back returns to the previous position; a position that no longer exists is skipped."""
    state = at("quiz:q2", history=(HOME, Position("quiz", "gone"), Position("quiz", "q1")))
    first = step(CONTENT, state, tap(state, Op.BACK), NOW).state
    assert first.at == Position("quiz", "q1")
    second = step(CONTENT, first, tap(first, Op.BACK), NOW).state
    assert second.at == HOME
    third = step(CONTENT, second, Tap(encode(Callback(second.revision, Op.BACK))), NOW).state
    assert third.at == HOME


def test_language_choice_sets_locale_and_returns() -> None:
    """Picking a language stores it and goes back to where the user was."""
    state = at("quiz:q1")
    menu = step(CONTENT, state, Command("language"), NOW).state
    result = step(CONTENT, menu, tap(menu, Op.LANGUAGE, "es"), NOW)
    assert SetLocale("es") in result.effects
    assert result.state.at == Position("quiz", "q1")
    unknown = step(CONTENT, menu, tap(menu, Op.LANGUAGE, "xx"), NOW)
    assert SetLocale("xx") not in unknown.effects and unknown.state == menu


def test_unreviewed_language_is_marked() -> None:
    """The language menu marks languages no fluent person has reviewed."""
    menu = step(CONTENT, S, Command("language"), NOW)
    labels = [row[0].label for row in shown(menu).screen.buttons[:-1]]
    assert labels[0].text == "English" and not labels[0].translate
    assert labels[1].text == texts.LANGUAGE_UNREVIEWED.text
    assert dict(labels[1].params) == {"name": "Español"}


def test_resources_follow_the_place_and_put_the_emergency_number_first() -> None:
    """Arizona gets its state line before the national one, and 911 comes before both."""
    home = at("report:start")
    result = step(CONTENT, home, tap(home, Op.CHOOSE, "0"), NOW)
    screen = shown(result).screen
    assert screen.parts[0].text == texts.EMERGENCY_FIRST.text  # type: ignore[union-attr]
    assert dict(screen.parts[0].params) == {"number": "911"}  # type: ignore[union-attr]
    cards = [p.resource_id for p in screen.parts if isinstance(p, ResourceCard)]
    assert cards == ["state"]  # the best channel in full; the national one on a line below
    more = [b for row in screen.buttons for b in row if b.label.text == texts.MORE_ABOUT.text]
    assert [dict(b.label.params)["name"].context for b in more] == ["resource:national:name"]  # type: ignore[union-attr]
    assert CountResourceViews(("state", "national")) in result.effects
    assert result.state.place == "US-AZ"


def test_a_place_without_resources_says_so_and_gives_the_generic_emergency_line() -> None:
    """A country with no directory entries gets the generic emergency line, never nothing."""
    home = at("report:start")
    screen = shown(step(CONTENT, home, tap(home, Op.CHOOSE, "1"), NOW)).screen
    assert screen.parts[0] == texts.EMERGENCY_UNKNOWN
    assert texts.NO_RESOURCES in screen.parts


def test_report_side_has_exit_and_treats_text_as_case_details() -> None:
    """On the report side every screen has Exit, and typed text gets where-to-send advice."""
    state = at("report:start")
    screen = shown(step(CONTENT, state, Resume(), NOW)).screen
    assert [b.label for b in screen.buttons[-1]] == [texts.BACK, texts.HOME, texts.EXIT]
    result = step(CONTENT, state, FreeText(TextKind.SHORT), NOW)
    assert_case_details(result)


def test_case_details_anywhere_get_the_safety_answer() -> None:
    """Text that looks like case details gets where to send them, even outside the report side."""
    result = step(CONTENT, at("quiz:q1"), FreeText(TextKind.CASE_DETAILS), NOW)
    assert_case_details(result)


def assert_case_details(result: Step) -> None:
    """Assert the first effect says where to send case details, then the emergency line."""
    notice = result.effects[0]
    assert isinstance(notice, Notice)
    parts = [value for _, value in notice.message.params]
    assert parts == [texts.CASE_DETAILS, texts.EMERGENCY_FIRST.fill(number="911")]


def test_home_has_no_navigation_row() -> None:
    """The home screen shows its choices only; every other screen has Back and Home."""
    home = shown(step(CONTENT, ConversationState(), Start(), NOW)).screen
    assert all(texts.BACK not in [b.label for b in row] for row in home.buttons)
    q1 = shown(step(CONTENT, S, Resume(), NOW)).screen
    assert [b.label for b in q1.buttons[-1]] == [texts.BACK, texts.HOME]


def test_exit_keeps_the_revision_moving() -> None:
    """After exit, keyboards drawn before it are stale."""
    result = step(CONTENT, S, Command("exit"), NOW)
    assert result.state == ConversationState(revision=S.revision + 1)
    old = step(CONTENT, result.state, tap(S, Op.NEXT), NOW)
    assert old.effects == (AnswerTap(texts.STALE),)


@pytest.mark.parametrize(
    ("payload", "lands", "campaign"),
    [
        ("quiz", Position("quiz", "intro"), None),
        ("report-phx2026", Position("report", "start"), "phx2026"),
        ("QUIZ-Fair_1", Position("quiz", "intro"), "fair_1"),
        ("nope-phx", HOME, "phx"),
        ("a" * 65, HOME, None),
        ("bad payload", HOME, None),
    ],
)
def test_deep_links_open_their_entry_and_keep_the_campaign(
    payload: str, lands: Position, campaign: str | None
) -> None:
    """`/start entry-campaign` opens the entry (home when unknown) and remembers the campaign."""
    result = step(CONTENT, ConversationState(), Start(payload), NOW)
    assert result.state.at == lands
    assert result.state.campaign == campaign
    again = ConversationState.from_dict(result.state.to_dict())
    assert again.campaign == campaign


REPORT_START = at("report:start")


@pytest.mark.parametrize(
    ("kind", "notice"),
    [
        (TextKind.TYPO, texts.USE_BUTTONS),
        (TextKind.COMMAND, texts.UNKNOWN_COMMAND),
        (TextKind.GROUP_COMMAND, texts.GROUP_ONLY_HERE),
    ],
)
def test_on_the_report_side_a_slip_or_command_gets_no_case_warning(
    kind: TextKind, notice: object
) -> None:
    """A slip, an unknown command or /quiz on the report side is answered for what it is."""
    result = step(CONTENT, REPORT_START, FreeText(kind), NOW)
    assert result.effects[0] == Notice(notice)  # type: ignore[arg-type]
    assert result.state == REPORT_START


@pytest.mark.parametrize("kind", [TextKind.SHORT, TextKind.CASE_DETAILS])
def test_on_the_report_side_words_get_the_case_warning(kind: TextKind) -> None:
    """A few words (or clear case details) on the report side get where to send details."""
    [notice] = [e for e in step(CONTENT, REPORT_START, FreeText(kind), NOW).effects
                if isinstance(e, Notice)]  # fmt: skip
    assert dict(notice.message.params)["m0"] == texts.CASE_DETAILS


def test_elsewhere_a_few_words_get_the_buttons_hint() -> None:
    """Off the report side, a few words are only a hint to use the buttons."""
    result = step(CONTENT, S, FreeText(TextKind.SHORT), NOW)
    assert result.effects[0] == Notice(texts.USE_BUTTONS)


def test_a_screen_repeated_after_stray_input_is_marked_first_display_is_not() -> None:
    """A sticker or stray text repeats the screen marked `repeat` (a long one sends only its
    last piece); arriving and Resume show it whole."""
    assert shown(step(CONTENT, S, Unsupported("sticker"), NOW)).screen.repeat
    assert shown(step(CONTENT, S, FreeText(TextKind.TYPO), NOW)).screen.repeat
    assert not shown(step(CONTENT, S, Resume(), NOW)).screen.repeat
    assert not shown(step(CONTENT, at("main:home"), Start(), NOW)).screen.repeat
    gone = shown(step(CONTENT, at("quiz:gone"), FreeText(TextKind.TYPO), NOW))
    assert not gone.screen.repeat
