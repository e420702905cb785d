"""The conversation engine: `step(content, state, event, now)` returns the next state and effects.

Pure and synchronous: no I/O, no clock (time comes in as `now`), no randomness.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, replace

from bot.content.bundle import DEEP_LINK, Content
from bot.content.models import (
    CourseNode,
    EndNode,
    MenuNode,
    MessageNode,
    PlaceNode,
    QuizQuestionNode,
    QuizResultNode,
    ResourcesNode,
)
from bot.core import texts
from bot.core.codec import Callback, Malformed, Op, decode
from bot.core.course import check_label, completed, record_result, resume_at
from bot.core.effects import (
    AdminReport,
    AnswerTap,
    CheckCertificate,
    ClearChat,
    CountResourceViews,
    CourseCompleted,
    Effect,
    ForgetUser,
    IssueCertificate,
    JoinOrg,
    LeaveOrg,
    Msg,
    Notice,
    SaveAnswer,
    SetEmployeeId,
    SetLocale,
    SetReminder,
    Show,
    joined,
)
from bot.core.events import (
    Command,
    Event,
    FreeText,
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
from bot.core.membership import (
    EMPLOYEE_ID_SCREEN,
    JOIN_SCREEN,
    LEAVE_SCREEN,
    clean_employee_id,
    course_of,
    joined_orgs,
    plain,
)
from bot.core.places import from_arg, known, located_place, place_name
from bot.core.refresh import due, review
from bot.core.reminders import ReminderPlan, local_date, next_reminder
from bot.core.screens import (
    BUILTIN_SCREENS,
    FORGET_SCREEN,
    LANGUAGE_SCREEN,
    NAME_SCREEN,
    REFRESH_SCREEN,
    REGION_SCREEN,
    REMINDERS_SCREEN,
    emergency_line,
    resources_for,
    screen_for,
    summary,
)
from bot.core.state import Answer, ConversationState, Position

VERIFY_LINK = "verify-"
"""A deep link `verify-<code>` (the QR code on a certificate) checks that code."""
CAMPAIGN_NAME = re.compile(r"^[a-z0-9_]{1,24}$")
"""A campaign's name, as registered and as carried by a deep link (after lower-casing)."""


@dataclass(frozen=True, slots=True)
class Step:
    """The outcome of one event: the new state and what to do."""

    state: ConversationState
    effects: tuple[Effect, ...]


def current(content: Content, state: ConversationState) -> Position:
    """Return the state's position if it still exists in the content, else home."""
    pos = state.at
    if pos in BUILTIN_SCREENS:
        return pos
    if pos is None or content.node(pos.tree, pos.node) is None:
        return content.entry("home")
    return pos


@dataclass(frozen=True, slots=True)
class DeepLink:
    """What a `/start` payload asks for: where to open, the campaign, the language."""

    where: Position
    campaign: str | None = None
    locale: str | None = None


def shipped_language(content: Content, code: str) -> str | None:
    """Return the shipped language code matching `code` in any letter case, or None."""
    wanted = code.casefold()
    return next((lang.code for lang in content.languages if lang.code.casefold() == wanted), None)


def read_payload(content: Content, payload: str | None) -> DeepLink:
    """Read a deep link `entry[-campaign[-locale]]`: where it opens (home if the entry is no
    tree), its campaign (lower-cased; None unless 1-24 of `a-z0-9_`) and its language (when
    the last of three or more parts is a shipped language code)."""
    if payload is None or not DEEP_LINK.match(payload):
        return DeepLink(content.entry("home"))
    entry, *rest = payload.split("-")
    tree = content.trees.get(entry.lower())
    where = Position(tree.id, tree.start) if tree else content.entry("home")
    locale = shipped_language(content, rest[-1]) if len(rest) >= 2 else None
    if locale is not None:
        rest = rest[:-1]
    campaign = "-".join(rest).lower()
    return DeepLink(where, campaign if CAMPAIGN_NAME.match(campaign) else None, locale)


def arrive(
    content: Content, state: ConversationState, to: Position, *, remember: bool = True
) -> Step:
    """Move to a position, bump the revision and show it (counting resources shown)."""
    moved = state.moved(to, remember=remember)
    if to not in (REFRESH_SCREEN, *state.queue[:1]):
        moved = replace(moved, queue=())
    tree = content.trees.get(to.tree)
    if tree is not None and tree.quiz is not None and to.node == tree.start:
        moved = replace(moved, answers=tuple(a for a in moved.answers if a.tree != to.tree))
    if tree is not None and isinstance(tree.nodes.get(to.node), QuizResultNode):
        moved = record_result(content, moved, to.tree)
    new = moved.bumped()
    return Step(new, (*newly_completed(content, state, new), *show(content, new)))


def newly_completed(
    content: Content, before: ConversationState, after: ConversationState
) -> tuple[Effect, ...]:
    """Return a CourseCompleted for each course of the user's organizations that `after`
    completes and `before` did not."""
    out: list[Effect] = []
    for course in dict.fromkeys(o.course for o in after.orgs):
        found = course_of(content, course)
        if found and completed(after, found[1]) and not completed(before, found[1]):
            out.append(CourseCompleted(course))
    return tuple(out)


def show(content: Content, state: ConversationState) -> tuple[Effect, ...]:
    """Return the effects that show the state's screen."""
    effects: list[Effect] = [Show(screen_for(content, state))]
    if state.at is not None and state.at not in BUILTIN_SCREENS:
        node = content.trees[state.at.tree].nodes[state.at.node]
        if isinstance(node, ResourcesNode):
            found = resources_for(content, state, node)
            if found:
                effects.append(CountResourceViews(tuple(r.id for r in found)))
        if isinstance(node, EndNode) and node.summary:
            line = summary(content, state)
            if line is not None:
                effects.append(Notice(line))
    return tuple(effects)


def go_home(content: Content, state: ConversationState) -> Step:
    """Return to the main menu with an empty history."""
    return arrive(content, replace(state, history=()), content.entry("home"), remember=False)


def go_back(content: Content, state: ConversationState) -> Step:
    """Return to the previous position that still exists, or home."""
    history = list(state.history)
    while history:
        pos = history.pop()
        if pos in BUILTIN_SCREENS or content.node(pos.tree, pos.node) is not None:
            return arrive(content, replace(state, history=tuple(history)), pos, remember=False)
    return go_home(content, state)


def follow(content: Content, state: ConversationState, here: Position, ref: str) -> Step:
    """Follow a content link: a node, `tree:node`, or a built-in `@language` / `@exit`."""
    if ref == "@language":
        return arrive(content, state, LANGUAGE_SCREEN)
    if ref == "@exit":
        return exit_chat(state)
    return arrive(content, state, Position.parse(ref, here.tree))


def exit_chat(state: ConversationState) -> Step:
    """Clear the session and the chat; send nothing more."""
    return Step(ConversationState(revision=state.revision + 1), (ClearChat(),))


def forget(state: ConversationState) -> Step:
    """Delete everything about the user and say so; the next message starts afresh."""
    return Step(
        ConversationState(revision=state.revision + 1), (ForgetUser(), Notice(texts.FORGET_DONE))
    )


def redisplay(content: Content, state: ConversationState, *before: Effect) -> Step:
    """Show the current screen again without changing the state (or going home if it is gone)."""
    pos = current(content, state)
    if pos != state.at:
        step = arrive(content, state, pos, remember=False)
        return Step(step.state, (*before, *step.effects))
    return Step(state, (*before, *show(content, state)))


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
    return Step(step.state, (AnswerTap(), *step.effects))


def on_callback(
    content: Content, state: ConversationState, cb: Callback, now: dt.datetime
) -> Step | None:
    """Apply a current callback; None when it does not fit the screen (a forged button)."""
    match cb.op:
        case Op.HOME:
            return go_home(content, state)
        case Op.BACK:
            return go_back(content, state)
        case Op.EXIT:
            return exit_chat(state)
    pos = current(content, state)
    if pos == LANGUAGE_SCREEN:
        if cb.op is Op.LANGUAGE and content.language(cb.arg) is not None:
            back = go_back(content, state)
            return Step(back.state, (SetLocale(cb.arg), *back.effects))
        return None
    if pos == FORGET_SCREEN:
        return forget(state) if cb.op is Op.FORGET else None
    if pos == REFRESH_SCREEN:
        return arrive(content, state, state.queue[0]) if cb.op is Op.NEXT and state.queue else None
    if pos == REMINDERS_SCREEN:
        return set_reminders(content, state, cb.arg, now) if cb.op is Op.REMIND else None
    if pos == NAME_SCREEN:
        return issue(content, state, "") if cb.op is Op.CERTIFICATE else None
    if pos == REGION_SCREEN:
        return placed(content, state, from_arg(cb.arg)) if cb.op is Op.PLACE else None
    if pos == JOIN_SCREEN:
        return on_join(content, state, cb.arg) if cb.op is Op.JOIN else None
    if pos == LEAVE_SCREEN:
        return on_leave(content, state, cb.arg) if cb.op is Op.LEAVE else None
    if pos == EMPLOYEE_ID_SCREEN:
        return None
    node = content.trees[pos.tree].nodes[pos.node]
    index = int(cb.arg) if cb.arg.isdigit() else -1
    match node, cb.op:
        case (MenuNode() | QuizResultNode(), Op.CHOOSE) if 0 <= index < len(node.choices):
            choice = node.choices[index]
            chosen = replace(state, place=choice.place or state.place)
            return follow(content, chosen, pos, choice.to)
        case PlaceNode(), Op.PLACE:
            return on_place(content, state, pos, node, cb.arg)
        case (MessageNode() | ResourcesNode(), Op.NEXT) if node.next:
            return follow(content, state, pos, node.next)
        case QuizQuestionNode(), Op.ANSWER if state.answered is None and 0 <= index < len(
            node.options
        ):
            return answer(content, state, pos, index, now)
        case QuizQuestionNode(), Op.NEXT if state.answered is not None and state.queue:
            rest = replace(state, queue=state.queue[1:])
            return arrive(content, rest, rest.queue[0] if rest.queue else REFRESH_SCREEN)
        case QuizQuestionNode(), Op.NEXT if state.answered is not None:
            return follow(content, state, pos, node.next)
        case CourseNode(), Op.NEXT if state.cards:
            return start_refresh(content, state, now)
        case CourseNode(), Op.REMIND if cb.arg == "open":
            return arrive(content, state, REMINDERS_SCREEN)
        case CourseNode(), Op.LEAVE if state.orgs:
            return arrive(content, state, LEAVE_SCREEN)
        case CourseNode(), Op.CERTIFICATE if completed(state, node):
            return arrive(content, state, NAME_SCREEN)
        case CourseNode(), Op.CHOOSE if 0 <= index < len(node.modules):
            return arrive(content, state, resume_at(content, state, node.modules[index]))
        case CourseNode(), Op.CHOOSE if index == len(node.modules) and check_label(state, node):
            check = content.trees[node.knowledge_check or ""]
            return arrive(content, state, Position(check.id, check.start))
    return None


def course_position(content: Content, course: str) -> Position:
    """Return where an organization's course opens (the default course if it is not one)."""
    found = course_of(content, course)
    return found[0] if found else content.entry("learn")


def on_join(content: Content, state: ConversationState, arg: str) -> Step | None:
    """Join the offered department (then ask the employee id, or open the course), or not."""
    offer = state.offer
    if offer is None or arg not in ("yes", "no"):
        return None
    if arg == "no":
        return go_home(content, replace(state, offer=None))
    found = course_of(content, offer.course)
    done = found is not None and completed(state, found[1])
    joining: tuple[Effect, ...] = (
        JoinOrg(offer.org_id, offer.department_id, done),
        Notice(texts.JOINED.fill(org=plain(offer.org), department=plain(offer.department))),
    )
    member = replace(state, orgs=joined_orgs(state, offer))
    if offer.asks_employee_id:
        step = arrive(content, member, EMPLOYEE_ID_SCREEN)
    else:
        step = arrive(content, replace(member, offer=None), course_position(content, offer.course))
    return Step(step.state, (*joining, *step.effects))


def on_employee_id(content: Content, state: ConversationState, text: str) -> Step:
    """Keep the typed employee id with the membership, then open the course; or ask again."""
    offer = state.offer
    value = clean_employee_id(text)
    if offer is None:
        return go_home(content, state)
    if value is None:
        return redisplay(content, state, Notice(texts.EMPLOYEE_ID_BAD))
    saved = (
        SetEmployeeId(offer.org_id, value),
        Notice(texts.EMPLOYEE_ID_SAVED.fill(org=plain(offer.org))),
    )
    step = arrive(content, replace(state, offer=None), course_position(content, offer.course))
    return Step(step.state, (*saved, *step.effects))


def on_leave(content: Content, state: ConversationState, arg: str) -> Step | None:
    """Leave the organization a confirmation button names, then go back."""
    leaving = next((o for o in state.orgs if str(o.org_id) == arg), None)
    if leaving is None:
        return None
    rest = replace(state, orgs=tuple(o for o in state.orgs if o is not leaving))
    back = go_back(content, rest)
    left = (LeaveOrg(leaving.org_id), Notice(texts.LEFT.fill(org=plain(leaving.name))))
    return Step(back.state, (*left, *back.effects))


def offered(content: Content, state: ConversationState, offer: JoinOffer) -> Step:
    """Show the consent screen for an offer to join a department."""
    fresh = replace(state, history=(), offer=offer)
    return arrive(content, fresh, JOIN_SCREEN, remember=False)


def on_place(
    content: Content, state: ConversationState, pos: Position, node: PlaceNode, arg: str
) -> Step | None:
    """Act on a country button: "another country", the same place as before, a country with
    regions (ask which), or a place to show channels for."""
    if not arg:
        return follow(content, state, pos, node.elsewhere)
    code = state.place if arg == "same" else from_arg(arg)
    if code is None or not known(content, code):
        return None
    country = content.country(code)
    if arg != "same" and country is not None and country.regions and code == country.code:
        return arrive(content, replace(state, place=code), REGION_SCREEN)
    return follow(content, replace(state, place=code), pos, node.next)


def placed(content: Content, state: ConversationState, code: str) -> Step | None:
    """Set the place chosen on the region screen and go on from the place question before it."""
    if not known(content, code) or content.country(code) != content.country(state.place or ""):
        return None
    asked = state.history[-1] if state.history else None
    node = content.node(asked.tree, asked.node) if asked else None
    if asked is None or not isinstance(node, PlaceNode):
        return go_home(content, replace(state, place=code))
    back = replace(state, place=code, history=state.history[:-1])
    return follow(content, back.moved(asked, remember=False), asked, node.next)


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
    if pos == REGION_SCREEN:
        step = placed(content, new, code)
        if step is not None:
            return step
    notice = Notice(texts.PLACE_SET.fill(place=place_name(content, code)))
    return redisplay(content, new.bumped(), notice)


def answer(
    content: Content, state: ConversationState, pos: Position, option: int, now: dt.datetime
) -> Step:
    """Record an answer and show its feedback in place of the question. In a module, a miss
    becomes a review card; in a refresher, the card is rescheduled by the answer."""
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
    today = local_date(now, state.plan.zone)
    new = replace(new, streak=new.streak.active(today)).bumped()
    return Step(new, (SaveAnswer(pos.tree, pos.node, option, correct), *show(content, new)))


NAME_LIMIT = 60


def clean_name(text: str) -> str:
    """Return a typed name with control characters dropped and spaces collapsed."""
    printable = "".join(ch if ch.isprintable() else " " for ch in text)
    return " ".join(printable.split())


def issue(content: Content, state: ConversationState, name: str) -> Step:
    """Issue the certificate of the course the learner came from, then show that course."""
    course = state.history[-1] if state.history else content.entry("learn")
    node = content.node(course.tree, course.node)
    if not isinstance(node, CourseNode) or not completed(state, node):
        return go_home(content, state)
    title = Msg(f"{course}:title", node.title)
    back = arrive(content, replace(state, history=state.history[:-1]), course, remember=False)
    return Step(back.state, (IssueCertificate(str(course), title, name), *back.effects))


def on_name(content: Content, state: ConversationState, text: str) -> Step:
    """Take a typed name for the certificate (kept only with it), or ask again if too long."""
    name = clean_name(text)
    if len(name) > NAME_LIMIT or not name:
        return redisplay(content, state, Notice(texts.CERTIFICATE_NAME_TOO_LONG))
    return issue(content, state, name)


def changed_plan(plan: ReminderPlan, arg: str) -> ReminderPlan | None:
    """Return the plan a reminder-settings button makes, or None for a forged argument."""
    if len(arg) == 2 and arg[0] == "d" and arg[1] in "0123456":
        return plan.toggled(int(arg[1]))
    changes = {
        "hm": lambda: plan.shifted(-1),
        "hp": lambda: plan.shifted(1),
        "zp": lambda: plan.next_zone(1),
        "on": lambda: replace(plan, on=True) if plan.days else plan,
        "off": lambda: replace(plan, on=False),
    }
    change = changes.get(arg)
    return change() if change else None


def set_reminders(
    content: Content, state: ConversationState, arg: str, now: dt.datetime
) -> Step | None:
    """Apply a reminder setting; when reminders are (or were) on, store the plan or drop it."""
    plan = changed_plan(state.plan, arg)
    if plan is None:
        return None
    new = replace(state, plan=plan).bumped()
    effects: tuple[Effect, ...] = show(content, new)
    if plan.on and plan.days:
        effects = (SetReminder(plan, next_reminder(plan, now)), *effects)
    elif state.plan.on or arg == "off":
        new = replace(new, plan=replace(plan, on=False))
        effects = (SetReminder(None), *show(content, new))
    return Step(new, effects)


def start_refresh(content: Content, state: ConversationState, now: dt.datetime) -> Step:
    """Open the refresher screen with the questions due now queued, longest overdue first."""
    queue = tuple(
        Position(c.tree, c.node)
        for c in due(state.cards, now)
        if isinstance(content.node(c.tree, c.node), QuizQuestionNode)
    )
    return arrive(content, replace(state, queue=queue), REFRESH_SCREEN)


def on_text(content: Content, state: ConversationState, kind: TextKind) -> Step:
    """Answer typed text without keeping it: where to send case details, or use the buttons."""
    tree = content.trees.get(current(content, state).tree)
    on_report_side = tree is not None and tree.report_side
    if kind is TextKind.CASE_DETAILS or on_report_side:
        details = joined([texts.CASE_DETAILS, emergency_line(content, state)], " ")
        return redisplay(content, state, Notice(details))
    return redisplay(content, state, Notice(texts.USE_BUTTONS))


def step(content: Content, state: ConversationState, event: Event, now: dt.datetime) -> Step:
    """Return the state and effects that follow an event."""
    streak = state.streak.as_of(local_date(now, state.plan.zone))
    if streak != state.streak:
        state = replace(state, streak=streak)
    match event:
        case Start(payload) if payload and payload.lower().startswith(VERIFY_LINK):
            return Step(state, (CheckCertificate(payload[len(VERIFY_LINK) :]),))
        case Start(payload):
            link = read_payload(content, payload)
            fresh = replace(state, history=(), campaign=link.campaign or state.campaign)
            opened = arrive(content, fresh, link.where, remember=False)
            if link.locale is None:
                return opened
            return Step(opened.state, (SetLocale(link.locale), *opened.effects))
        case Command("menu"):
            return go_home(content, state)
        case Command("help"):
            return arrive(content, state, content.entry("help"))
        case Command("language"):
            return arrive(content, state, LANGUAGE_SCREEN)
        case Command("exit"):
            return exit_chat(state)
        case Command("forget"):
            return arrive(content, state, FORGET_SCREEN)
        case Command("learn"):
            return arrive(content, state, content.entry("learn"))
        case Command("reminders"):
            return arrive(content, state, REMINDERS_SCREEN)
        case Command("leave") if state.orgs:
            return arrive(content, state, LEAVE_SCREEN)
        case Command("leave"):
            return redisplay(content, state, Notice(texts.NOT_A_MEMBER))
        case Command("admin"):
            return Step(state, (AdminReport(),))
        case Command():
            return redisplay(content, state, Notice(texts.USE_BUTTONS))
        case Tap(data):
            return on_tap(content, state, data, now)
        case FreeText(_, text) if current(content, state) == NAME_SCREEN:
            return on_name(content, state, text)
        case FreeText(_, text) if current(content, state) == EMPLOYEE_ID_SCREEN:
            return on_employee_id(content, state, text)
        case FreeText(kind):
            return on_text(content, state, kind)
        case Verify(code):
            return Step(state, (CheckCertificate(code),))
        case Located():
            return on_located(content, state, event)
        case SharedLocation():
            return on_located(content, state, Located(None))
        case Unsupported():
            return redisplay(content, state, Notice(texts.UNSUPPORTED))
        case Resume():
            return redisplay(content, state)
        case JoinOffer():
            return offered(content, state, event)
