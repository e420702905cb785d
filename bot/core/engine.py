"""The conversation engine: `step(content, state, event, now)` returns the next state and effects.

Pure and synchronous: no I/O, no clock (time comes in as `now`), no randomness.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from bot.content.bundle import Content
from bot.content.models import (
    CourseNode,
    MenuNode,
    MessageNode,
    PlaceNode,
    QuizQuestionNode,
    QuizResultNode,
    ResourcesNode,
)
from bot.core import texts
from bot.core.builtins import join, refresh, region
from bot.core.builtins.registry import REGISTRY
from bot.core.campaign_counts import campaign_counts
from bot.core.codec import Callback, Malformed, Op, decode
from bot.core.commands import COMMANDS
from bot.core.course import due_check, first_answer, resume_at
from bot.core.effects import (
    AnswerTap,
    CheckCertificate,
    Effect,
    Notice,
    SaveAnswer,
    SetLocale,
    Show,
    joined,
)
from bot.core.events import (
    Command,
    Event,
    FreeText,
    JoinInvalid,
    JoinOffer,
    Located,
    Resume,
    SharedLocation,
    Start,
    Tap,
    TextKind,
    Unsupported,
    Verify,
)
from bot.core.links import VERIFY_LINK, read_payload
from bot.core.navigation import Step as Step  # noqa: PLC0414 (re-exported)
from bot.core.navigation import (
    arrive,
    current,
    exit_chat,
    follow,
    go_back,
    go_home,
    open_channel,
    redisplay,
    repeat,
)
from bot.core.navigation import show as show  # noqa: PLC0414 (re-exported)
from bot.core.ordering import Arrival, Sequenced, arrival
from bot.core.places import located_place, place_name
from bot.core.refresh import review
from bot.core.reminders import learner_zone, local_date
from bot.core.screens import emergency_line, feedback_screen
from bot.core.state import Answer, ConversationState, Position


def on_tap(content: Content, state: ConversationState, data: str, now: dt.datetime) -> Step:
    """Act on a button press drawn for the current revision; answer stale or forged ones kindly."""
    decoded = decode(data)
    if isinstance(decoded, Malformed):
        return Step(state, (AnswerTap(texts.UNREADABLE),))
    if not isinstance(decoded, Callback) or decoded.revision != state.revision:
        return Step(state, (AnswerTap(texts.STALE),))
    step = on_callback(content, state, decoded, now)
    if step is None:
        return Step(state, (AnswerTap(texts.UNREADABLE),))
    if any(isinstance(effect, AnswerTap) for effect in step.effects):
        return step
    return Step(step.state, (AnswerTap(), *step.effects))


def on_callback(
    content: Content, state: ConversationState, cb: Callback, now: dt.datetime
) -> Step | None:
    """Apply a current callback; None when it does not fit the screen (a forged button). Back,
    Home and Exit work everywhere; an op a built-in screen owns goes to it; any other op goes
    to the built-in screen the user is on, or to content navigation."""
    match cb.op:
        case Op.HOME:
            return go_home(content, state)
        case Op.BACK:
            return go_back(content, state)
        case Op.EXIT:
            return exit_chat(state)
    owner = REGISTRY.owner(cb.op)
    if owner is not None:
        return owner.tap(content, state, cb, now)
    pos = current(content, state)
    here = REGISTRY.get(pos)
    if here is not None:
        return here.tap(content, state, cb, now)
    return on_node(content, state, pos, cb, now)


def on_node(
    content: Content, state: ConversationState, pos: Position, cb: Callback, now: dt.datetime
) -> Step | None:
    """Apply a content-navigation tap (choose, answer, next) on a content node."""
    node = content.trees[pos.tree].nodes[pos.node]
    index = int(cb.arg) if cb.arg.isdigit() else -1
    match node, cb.op:
        case (MenuNode() | QuizResultNode() | ResourcesNode(), Op.CHOOSE) if (
            0 <= index < len(node.choices)
        ):
            choice = node.choices[index]
            chosen = replace(state, place=choice.place or state.place)
            return follow(content, chosen, pos, choice.to)
        case ResourcesNode(), Op.CHANNEL:
            return open_channel(content, state, index)
        case (MessageNode() | ResourcesNode(), Op.NEXT) if node.next:
            return follow(content, state, pos, node.next)
        case QuizQuestionNode(), Op.ANSWER if asking(state) and 0 <= index < len(node.options):
            first = first_answer(state, pos)
            if first is not None:
                return answered_again(content, state, pos, first)
            return answer(content, state, pos, index, now)
        case QuizQuestionNode(), Op.NEXT if answered(state, pos):
            return move_on(content, state, pos)
        case CourseNode(), Op.NEXT if state.cards:
            return refresh.start_refresh(content, state, now)
        case CourseNode(), Op.CHOOSE if 0 <= index < len(node.modules):
            return arrive(content, state, resume_at(content, state, node.modules[index]))
        case CourseNode(), Op.CHOOSE if index == len(node.modules) and due_check(state, node):
            check = content.trees[due_check(state, node) or ""]
            return arrive(content, state, Position(check.id, check.start))
    return None


def on_located(content: Content, state: ConversationState, event: Located) -> Step:
    """Use a shared location's coarse place: on the place questions, go on as if it was
    picked; elsewhere, say which place channels are now shown for."""
    code = located_place(content, event.country, event.region)
    if code is None:
        return redisplay(content, state, Notice(texts.PLACE_UNKNOWN))
    new = replace(state, place=code)
    pos = current(content, state)
    node = content.node(pos.tree, pos.node)
    if isinstance(node, PlaceNode):
        return follow(content, new, pos, node.next)
    if pos == region.POSITION:
        step = region.placed(content, new, code)
        if step is not None:
            return step
    notice = Notice(texts.PLACE_SET.fill(place=place_name(content, code)))
    return redisplay(content, new.bumped(), notice)


def asking(state: ConversationState) -> bool:
    """Say whether the question on screen shows its options (not its feedback)."""
    return state.answered is None or state.reviewing


def answered(state: ConversationState, pos: Position) -> bool:
    """Say whether the question on screen has been answered (so Next may move on)."""
    return first_answer(state, pos) is not None


def answer(
    content: Content, state: ConversationState, pos: Position, option: int, now: dt.datetime
) -> Step:
    """Record an answer, show its feedback in place of the question and, in the same step, what
    comes next. In a module, a miss becomes a review card; in a refresher, the card is
    rescheduled by the answer."""
    question = content.trees[pos.tree].nodes[pos.node]
    assert isinstance(question, QuizQuestionNode)
    correct = question.options[option].correct
    card = state.card(pos.tree, pos.node)
    new = replace(state, answered=option)
    if state.queue:
        new = new.with_card(review(card, pos.tree, pos.node, correct, now))
    else:
        answers = tuple(a for a in state.answers if (a.tree, a.node) != (pos.tree, pos.node))
        new = replace(new, answers=(*answers, Answer(pos.tree, pos.node, option, correct)))
        if not correct:
            new = new.with_card(review(card, pos.tree, pos.node, False, now))
    today = local_date(now, learner_zone(state.plan, content.places, content.default_place))
    new = replace(new, streak=new.streak.active(today))
    return feedback_then_next(content, new, pos, SaveAnswer(pos.tree, pos.node, option, correct))


def answered_again(content: Content, state: ConversationState, pos: Position, chosen: int) -> Step:
    """Show the feedback on the first answer again, saying it is the one that counts, and go on:
    a question is scored once (a learner may review it, not re-answer it)."""
    new = replace(state, answered=chosen, reviewing=False)
    return feedback_then_next(content, new, pos, AnswerTap(texts.FIRST_ANSWER_COUNTS))


def feedback_then_next(
    content: Content, state: ConversationState, pos: Position, *before: Effect
) -> Step:
    """Show the feedback on the option chosen in `state` in place of the question, then the
    next question (or the quiz's result) under it, in one step: one tap per question."""
    feedback = Show(feedback_screen(content, state, pos))
    onward = move_on(content, state, pos)
    return Step(onward.state, (*before, feedback, *onward.effects))


def move_on(content: Content, state: ConversationState, pos: Position) -> Step:
    """Go on from an answered question: in a refresher, to its next question or its screen
    (not remembered, so Back leaves the refresher rather than re-opening an answered card);
    else to the question's next node, so Back shows this question as answered."""
    if state.queue:
        rest = replace(state, queue=state.queue[1:])
        if rest.queue:
            return arrive(content, rest, rest.queue[0], remember=False)
        history = rest.history
        if history[-1:] == (refresh.POSITION,):
            history = history[:-1]  # the refresher ends on its own screen, Back leaves it
        return arrive(content, replace(rest, history=history), refresh.POSITION, remember=False)
    node = content.trees[pos.tree].nodes[pos.node]
    assert isinstance(node, QuizQuestionNode)
    return follow(content, state, pos, node.next)


def on_text(content: Content, state: ConversationState, kind: TextKind) -> Step:
    """Answer typed text without keeping it: an unknown or group-only command says so; what
    looks like case details (anywhere, or a few words on the report side, its region question
    included) says where to send them; a slip, or a few words elsewhere: use the buttons. The
    screen is repeated."""
    pos = current(content, state)
    tree = content.trees.get(pos.tree)
    on_report_side = (tree is not None and tree.report_side) or pos == region.POSITION
    if kind is TextKind.COMMAND:
        return repeat(content, state, Notice(texts.UNKNOWN_COMMAND))
    if kind is TextKind.GROUP_COMMAND:
        return repeat(content, state, Notice(texts.GROUP_ONLY_HERE))
    if kind is TextKind.CASE_DETAILS or (on_report_side and kind is TextKind.SHORT):
        details = joined([texts.CASE_DETAILS, emergency_line(content, state)], " ")
        return repeat(content, state, Notice(details))
    return repeat(content, state, Notice(texts.USE_BUTTONS))


def on_command(content: Content, state: ConversationState, name: str) -> Step:
    """Run a command; one Beacon does not know (or /start, /verify sent oddly) gets a hint."""
    command = COMMANDS.get(name)
    if command is None or command.run is None:
        return redisplay(content, state, Notice(texts.USE_BUTTONS))
    return command.run(content, state)


def on_typed(content: Content, state: ConversationState, kind: TextKind, text: str) -> Step:
    """Give typed text to the built-in screen that asked for it, or answer it without keeping it."""
    here = REGISTRY.get(current(content, state))
    commanded = kind in (TextKind.COMMAND, TextKind.GROUP_COMMAND)
    if here is not None and here.text is not None and not commanded:
        return here.text(content, state, text)
    return on_text(content, state, kind)


def on_start(content: Content, state: ConversationState, payload: str | None) -> Step:
    """Open what a `/start` deep link asks for, with its campaign and language."""
    link = read_payload(content, payload)
    fresh = replace(state, history=(), campaign=link.campaign or state.campaign)
    opened = arrive(content, fresh, link.where, remember=False)
    if link.locale is None:
        return opened
    return Step(opened.state, (SetLocale(link.locale), *opened.effects))


def respond(content: Content, state: ConversationState, event: Event, now: dt.datetime) -> Step:
    """Return the state and effects that follow an event, before its campaign counts."""
    zone = learner_zone(state.plan, content.places, content.default_place)
    streak = state.streak.as_of(local_date(now, zone))
    if streak != state.streak:
        state = replace(state, streak=streak)
    match event:
        case Start(payload) if payload and payload.lower().startswith(VERIFY_LINK):
            return Step(state, (CheckCertificate(payload[len(VERIFY_LINK) :]),))
        case Start(payload):
            return on_start(content, state, payload)
        case JoinInvalid(payload):
            opened = on_start(content, state, payload)
            if read_payload(content, payload).where != content.entry("home"):
                return opened
            return Step(opened.state, (Notice(texts.JOIN_INVALID), *opened.effects))
        case Command(name):
            return on_command(content, state, name)
        case Tap(data):
            return on_tap(content, state, data, now)
        case FreeText(kind, text):
            return on_typed(content, state, kind, text)
        case Verify(code):
            return Step(state, (CheckCertificate(code),))
        case Located():
            return on_located(content, state, event)
        case SharedLocation():
            return on_located(content, state, Located(None))
        case Unsupported():
            return repeat(content, state, Notice(texts.UNSUPPORTED))
        case Resume():
            return redisplay(content, state)
        case JoinOffer():
            return join.offered(content, state, event)


def step(content: Content, state: ConversationState, event: Event, now: dt.datetime) -> Step:
    """Return the state and effects that follow an event, the campaign counts it adds last."""
    done = respond(content, state, event, now)
    counts = campaign_counts(content, event, state, done.state, done.effects)
    return Step(done.state, (*done.effects, *counts))


def ordered_step(
    content: Content,
    state: ConversationState,
    event: Event,
    sequence: int | None,
    now: dt.datetime,
) -> tuple[Arrival, Step]:
    """Return how an update numbered `sequence` arrived and the step that follows it: in order,
    the event's step with the number remembered; again, nothing new (a tap is answered); stale
    (older than the number remembered), `overtaken`. An unnumbered update is in order."""
    if sequence is None:
        return Arrival.IN_ORDER, step(content, state, event, now)
    came = arrival(sequence, state.sequence, now)
    match came:
        case Arrival.STALE:
            return came, overtaken(content, state, event)
        case Arrival.AGAIN:
            return came, Step(state, (AnswerTap(),) if isinstance(event, Tap) else ())
    done = step(content, state, event, now)
    return came, Step(replace(done.state, sequence=Sequenced(sequence, now)), done.effects)


def overtaken(content: Content, state: ConversationState, event: Event) -> Step:
    """Answer an update that arrived after a newer one without acting on it: a tap gets the
    stale-button answer; anything else says so and shows the current screen again, unless
    there is none (the person left with Exit: their chat stays empty)."""
    if isinstance(event, Tap):
        return Step(state, (AnswerTap(texts.STALE),))
    if state.at is None:
        return Step(state, ())
    return repeat(content, state, Notice(texts.OVERTAKEN))
