"""Build the screen for a position: its texts, resource cards and buttons with callback data."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from bot.content.bundle import Content
from bot.content.models import (
    Choice,
    CourseNode,
    EndNode,
    MenuNode,
    MessageNode,
    PlacedText,
    PlaceNode,
    QuizQuestionNode,
    QuizResultNode,
    Resource,
    ResourcesNode,
    Tree,
    place_chain,
)
from bot.core import texts
from bot.core.codec import Callback, Op, encode
from bot.core.course import (
    check_label,
    completed,
    course_parts,
    finishing,
    first_answer,
    gain_line,
    module_label,
    option_order,
    questions_of,
    result_verdict,
    run_answers,
)
from bot.core.effects import Button, ChannelLine, Msg, Part, ResourceCard, Screen, joined
from bot.core.membership import employee_id_rows, leave_rows
from bot.core.places import country_name, emergency_by_country, emergency_number, place_name, to_arg
from bot.core.routing import EMERGENCY_TOPIC, resolve
from bot.core.state import ConversationState, Position


def field_msg(pos: Position, field: str, text: str) -> Msg:
    """Return a content text with context `tree:node:field`."""
    return Msg(f"{pos.tree}:{pos.node}:{field}", text)


def resource_msg(resource: Resource, field: str, text: str) -> Msg:
    """Return a resource text with context `resource:id:field`."""
    return Msg(f"resource:{resource.id}:{field}", text)


def button(label: Msg, revision: int, op: Op, arg: str = "") -> Button:
    """Return a button whose callback carries the revision it was drawn for."""
    return Button(label, encode(Callback(revision, op, arg)))


def back_home(revision: int) -> tuple[Button, ...]:
    """Return the Back and Home row."""
    return (button(texts.BACK, revision, Op.BACK), button(texts.HOME, revision, Op.HOME))


def place_of(content: Content, state: ConversationState) -> str:
    """Return the user's coarse place, or the deployment's default."""
    return state.place or content.default_place


NOT_CONFIRMED = "Not confirmed by Beacon."
"""What the directory says of hours or languages Beacon has not confirmed. A card leaves such a
line out: it tells the reader nothing about the channel."""


def confirmed(resource: Resource, field: str, text: str) -> Msg | None:
    """Return a resource's hours or languages to show, or None when they are not confirmed."""
    return None if text == NOT_CONFIRMED else resource_msg(resource, field, text)


def node_text(content: Content, state: ConversationState, pos: Position) -> Msg:
    """Return a node's text for the user's place: the place's own variant when it has one."""
    node = content.trees[pos.tree].nodes[pos.node]
    if not isinstance(node, PlacedText):
        return field_msg(pos, "text", node.text)
    return field_msg(pos, *node.text_at(place_chain(place_of(content, state))))


def resource_card(resource: Resource) -> ResourceCard:
    """Return the full card for a resource, every text translatable."""
    return ResourceCard(
        resource_id=resource.id,
        name=resource_msg(resource, "name", resource.name),
        why=resource_msg(resource, "why", resource.why),
        operator=resource_msg(resource, "operator", resource.operator),
        sharing=resource_msg(resource, "sharing", resource.sharing),
        law_enforcement=resource.law_enforcement,
        channels=tuple(
            ChannelLine(
                kind=channel.kind,
                value=channel.value,
                note=resource_msg(resource, f"channels.{i}.note", channel.note)
                if channel.note
                else None,
                languages=resource_msg(resource, f"channels.{i}.languages", channel.languages)
                if channel.languages
                else None,
            )
            for i, channel in enumerate(resource.channels)
        ),
        hours=confirmed(resource, "hours", resource.hours),
        languages=confirmed(resource, "languages", resource.languages),
        source=resource.source,
        compiled_on=resource.compiled_on,
        checked_live_on=resource.checked_live_on,
    )


def brief_line(resource: Resource) -> Msg:
    """Return a channel on one line: its name, its main number or address, why to use it,
    and "Law enforcement." when it is (what someone may need to know before reaching out)."""
    line = texts.CHANNEL_BRIEF.fill(
        name=resource_msg(resource, "name", resource.name),
        value=resource.channels[0].value,
        why=resource_msg(resource, "why", resource.why),
    )
    return joined([line, texts.LAW_ENFORCEMENT], " ") if resource.law_enforcement else line


COPY_LIMIT = 256
"""Telegram copies at most this many characters from a copy button."""
_SPELLED = re.compile(r".*\((?P<digits>\+?[0-9][0-9 -]*)\)")
"""A phone word followed by its digits: `1-800-THE-LOST (1-800-843-5678)`."""


def dialable(value: str) -> str:
    """Return what to copy of a contact: the digits of a phone word, else the value itself."""
    spelled = _SPELLED.fullmatch(value)
    return spelled["digits"] if spelled else value


def contact_rows(resource: Resource) -> list[tuple[Button, ...]]:
    """Return a button per way to reach a resource: a web address opens, anything else (a
    number) is copied; the same value is offered once. The emergency number gets none: it is
    dialled, and its screen stays short."""
    rows: list[tuple[Button, ...]] = []
    if EMERGENCY_TOPIC in resource.topics:
        return rows
    offered: set[str] = set()
    for channel in resource.channels:
        if channel.value.startswith(("https://", "http://")):
            host = urlsplit(channel.value).hostname or channel.value
            label = texts.OPEN_CHAT if channel.kind == "chat" else texts.OPEN_PAGE.fill(site=host)
            contact = Button(label, channel.value, "url")
        else:
            value = dialable(channel.value)
            contact = Button(texts.COPY_CONTACT[channel.kind].fill(value=value), value, "copy")
        if contact.data not in offered and len(contact.data) <= COPY_LIMIT:
            offered.add(contact.data)
            rows.append((contact,))
    return rows


def emergency_line(content: Content, state: ConversationState) -> Msg:
    """Return the 'call the emergency number first' line for the user's place; before a place
    is chosen, each covered country's number."""
    if state.place is None and len(content.places) > 1:
        return emergency_by_country(content)
    number = emergency_number(content, place_of(content, state))
    if number is None:
        return texts.EMERGENCY_UNKNOWN
    return texts.EMERGENCY_FIRST.fill(number=number)


SUMMARY_CHANNELS = 4
"""The summary names at most this many channels (the first ones shown), so it stays one line."""


def summary(content: Content, state: ConversationState) -> Msg | None:
    """Return a one-line summary of the channels the user was last shown, to forward or save."""
    for pos in reversed(state.history):
        node = content.node(pos.tree, pos.node)
        if isinstance(node, ResourcesNode):
            found = resources_for(content, state, node)
            items = [
                texts.SUMMARY_CHANNEL.fill(
                    name=resource_msg(r, "name", r.name), value=r.channels[0].value
                )
                for r in found
                if EMERGENCY_TOPIC not in r.topics
            ][:SUMMARY_CHANNELS]
            place = place_name(content, place_of(content, state))
            return texts.SUMMARY.fill(
                place=place, emergency=emergency_line(content, state), channels=joined(items, "; ")
            )
    return None


def resources_for(
    content: Content, state: ConversationState, node: ResourcesNode
) -> list[Resource]:
    """Return the resources a resources node shows for the user's place."""
    return resolve(content.resources, node.topics, place_of(content, state), node.limit)


def quiz_numbers(content: Content, pos: Position) -> tuple[int, int]:
    """Return (this question's number, questions in the tree)."""
    questions = questions_of(content.trees[pos.tree])
    return questions.index(pos.node) + 1, len(questions)


def result_body(content: Content, state: ConversationState, pos: Position) -> list[Part]:
    """Return a quiz's end: the achievement when it finishes the course; a module's pass or
    not with its pass mark; the score; after the final check, both checks' scores; then, only
    if something was missed, each missed question on one line with its right answer."""
    node = content.trees[pos.tree].nodes[pos.node]
    tree = content.trees[pos.tree]
    answers = run_answers(state, tree)
    questions = questions_of(tree)
    score = sum(answers.values())
    parts: list[Part] = []
    done = finishing(content, state, pos.tree)
    if done is not None:
        title = Msg(f"{done[0]}:title", done[1].title)
        parts.append(texts.COURSE_ACHIEVED.fill(title=title))
    verdict = result_verdict(content, pos.tree, score, len(questions))
    parts += [verdict] if verdict is not None else []
    parts.append(field_msg(pos, "text", node.text).fill(score=score, total=len(questions)))
    gain = gain_line(content, state, pos.tree)
    parts += [gain] if gain is not None else []
    missed = [(n, q) for n, q in enumerate(questions, 1) if not answers.get(q, False)]
    if missed:
        parts.append(
            joined([texts.MISSED.fill(count=len(missed)), *missed_lines(pos, tree, missed)])
        )
    return parts


def missed_lines(pos: Position, tree: Tree, missed: list[tuple[int, str]]) -> list[Msg]:
    """Return one line per missed question: its number, the question and its right answer."""
    lines = []
    for number, question in missed:
        at = Position(pos.tree, question)
        asked = tree.nodes[question]
        assert isinstance(asked, QuizQuestionNode)
        right = next(i for i, o in enumerate(asked.options) if o.correct)
        label = field_msg(at, f"options.{right}.label", asked.options[right].label)
        text = field_msg(at, "text", asked.text)
        lines.append(texts.MISSED_ITEM.fill(number=number, question=text, answer=label))
    return lines


def nav_row(content: Content, state: ConversationState, pos: Position) -> tuple[Button, ...]:
    """Return Back and Home, plus Exit on the report side; nothing on the home screen."""
    if pos == content.entry("home"):
        return ()
    row = back_home(state.revision)
    tree = content.trees.get(pos.tree)
    if tree is not None and tree.report_side:
        row = (*row, button(texts.EXIT, state.revision, Op.EXIT))
    return row


def choice_rows(pos: Position, choices: list[Choice], revision: int) -> list[tuple[Button, ...]]:
    """Return one row per choice."""
    return [
        (button(field_msg(pos, f"choices.{i}.label", c.label), revision, Op.CHOOSE, str(i)),)
        for i, c in enumerate(choices)
    ]


Body = tuple[list[Part], list[tuple[Button, ...]]]


def next_row(pos: Position, label: str, revision: int) -> list[tuple[Button, ...]]:
    """Return the single onward button of a message or resources node."""
    return [(button(field_msg(pos, "button", label), revision, Op.NEXT),)]


def question_body(
    content: Content,
    state: ConversationState,
    pos: Position,
    node: QuizQuestionNode,
    chosen: int | None = None,
) -> Body:
    """Return a quiz question with its counter (or "Refresher") and one button per option, in
    the learner's order but each naming its original index (so an old button still scores
    right); on a question already answered, the option `chosen` is marked and Next moves on."""
    rev = state.revision
    number, total = quiz_numbers(content, pos)
    counter = texts.QUESTION_COUNT.fill(number=number, total=total)
    if state.queue[:1] == (pos,):
        counter = texts.REFRESHER
    rows: list[tuple[Button, ...]] = []
    for i in option_order(state.seed, pos, len(node.options)):
        label = field_msg(pos, f"options.{i}.label", node.options[i].label)
        if i == chosen:
            label = texts.CHOSEN_OPTION.fill(label=label)
        rows.append((button(label, rev, Op.ANSWER, str(i)),))
    if chosen is not None:
        rows.append((button(texts.NEXT, rev, Op.NEXT),))
    return [counter, field_msg(pos, "text", node.text)], rows


def feedback_body(pos: Position, node: QuizQuestionNode, chosen_index: int, rev: int) -> Body:
    """Return the feedback on the chosen option, the right answer when missed, and the source."""
    chosen = node.options[chosen_index]
    parts: list[Part] = [
        field_msg(pos, "text", node.text),
        texts.RIGHT if chosen.correct else texts.NOT_QUITE,
        field_msg(pos, f"options.{chosen_index}.feedback", chosen.feedback),
    ]
    if not chosen.correct:
        index, right = next((i, o) for i, o in enumerate(node.options) if o.correct)
        answer = field_msg(pos, f"options.{index}.label", right.label)
        parts.append(texts.CORRECT_ANSWER.fill(answer=answer))
    parts.append(texts.SOURCE.fill(name=node.source.name, url=node.source.url))
    return parts, [(button(texts.NEXT, rev, Op.NEXT),)]


def feedback_screen(content: Content, state: ConversationState, pos: Position) -> Screen:
    """Return the feedback on the option chosen in `state` alone, without buttons: it replaces
    the question it answers, and the next screen follows it."""
    node = content.trees[pos.tree].nodes[pos.node]
    assert isinstance(node, QuizQuestionNode) and state.answered is not None
    parts, _ = feedback_body(pos, node, state.answered, state.revision)
    return Screen(pos, tuple(parts), (), replace=True)


def more_button(resource: Resource, index: int, revision: int) -> Button:
    """Return the button that opens the channel at `index` of the list in full."""
    name = resource_msg(resource, "name", resource.name)
    return button(texts.MORE_ABOUT.fill(name=name), revision, Op.CHANNEL, str(index))


def resources_body(
    content: Content, state: ConversationState, pos: Position, node: ResourcesNode
) -> Body:
    """Return the emergency line first (when the node asks for it), then either the channel
    the user opened, in full, or the list: the text, the best channel in full and the others
    on one line each, with a button to open each; one line says where the full card's details
    come from and when."""
    rev = state.revision
    parts: list[Part] = []
    if node.emergency_first:
        parts.append(emergency_line(content, state))
    found = resources_for(content, state, node)
    if state.opened is not None and 0 <= state.opened < len(found):
        card = resource_card(found[state.opened])
        parts += [card, texts.date_line(card)]
        return parts, contact_rows(found[state.opened])
    parts.append(node_text(content, state, pos))
    rows = next_row(pos, node.button, rev) if node.next else []
    rows += choice_rows(pos, node.choices, rev)
    if not found:
        return [*parts, texts.NO_RESOURCES], rows
    best, *others = found
    card = resource_card(best)
    parts.append(card)
    if others:
        parts.append(joined([texts.OTHER_CHANNELS, *map(brief_line, others)]))
    parts.append(texts.date_line(card))
    more = [(more_button(r, i, rev),) for i, r in enumerate(others, 1)]
    return parts, [*contact_rows(best), *more, *rows]


def on_top(content: Content, state: ConversationState, emergency_first: bool) -> list[Part]:
    """Return the emergency line when a node asks for it first, else nothing."""
    return [emergency_line(content, state)] if emergency_first else []


def node_body(content: Content, state: ConversationState, pos: Position) -> Body:
    """Return the parts and buttons of a content node."""
    node = content.trees[pos.tree].nodes[pos.node]
    rev = state.revision
    text = node_text(content, state, pos)
    match node:
        case MessageNode():
            rows = next_row(pos, node.button, rev) if node.next else []
            return [*on_top(content, state, node.emergency_first), text], rows
        case MenuNode() if node.emergency_first:
            parts: list[Part] = [emergency_line(content, state), text]
            if content.trees[pos.tree].report_side:
                where = place_name(content, place_of(content, state))
                parts.insert(1, texts.SHOWING_FOR.fill(place=where))
            return parts, choice_rows(pos, node.choices, rev)
        case MenuNode():
            return [text], choice_rows(pos, node.choices, rev)
        case PlaceNode():
            return [emergency_line(content, state), text], place_rows(content, state)
        case QuizQuestionNode() if state.answered is not None and not state.reviewing:
            return feedback_body(pos, node, state.answered, rev)
        case QuizQuestionNode():
            return question_body(content, state, pos, node, first_answer(state, pos))
        case QuizResultNode():
            rows = choice_rows(pos, node.choices, rev)
            if finishing(content, state, pos.tree) is not None:
                rows.insert(0, (button(texts.CERTIFICATE_GET, rev, Op.CERTIFICATE),))
            return result_body(content, state, pos), rows
        case CourseNode():
            return course_parts(content, state, pos), course_rows(content, state, pos, node)
        case ResourcesNode():
            return resources_body(content, state, pos, node)
        case EndNode():
            return [*on_top(content, state, node.emergency_first), text], []


def course_rows(
    content: Content, state: ConversationState, pos: Position, node: CourseNode
) -> list[tuple[Button, ...]]:
    """Return a course's buttons: the knowledge check when due, then one per module."""
    rev = state.revision
    rows: list[tuple[Button, ...]] = [
        (button(module_label(content, state, m, node.pass_percent), rev, Op.CHOOSE, str(i)),)
        for i, m in enumerate(node.modules)
    ]
    check = check_label(state, node)
    if check is not None:
        check_row = (button(check, rev, Op.CHOOSE, str(len(node.modules))),)
        rows.insert(0 if check is texts.CHECK_START else len(rows), check_row)
    if state.cards:
        rows.append((button(texts.REFRESH_OPEN, rev, Op.NEXT),))
    rows.append((button(texts.REMINDERS_OPEN, rev, Op.REMIND, "open"),))
    if completed(state, node):
        rows.insert(0, (button(texts.CERTIFICATE_GET, rev, Op.CERTIFICATE),))
    rows.extend(employee_id_rows(state, pos))
    rows.extend(leave_rows(state, pos))
    return rows


def place_rows(content: Content, state: ConversationState) -> list[tuple[Button, ...]]:
    """Return the country buttons: the place chosen before first, then "Another country"."""
    rev = state.revision
    rows: list[tuple[Button, ...]] = []
    if state.place and content.country(state.place) is not None:
        same = texts.PLACE_SAME.fill(place=place_name(content, state.place))
        rows.append((button(same, rev, Op.PLACE, "same"),))
    rows.extend((button(country_name(c), rev, Op.PLACE, to_arg(c.code)),) for c in content.places)
    rows.append((button(texts.PLACE_OTHER_COUNTRY, rev, Op.PLACE),))
    return rows


def screen_for(content: Content, state: ConversationState) -> Screen:
    """Return the screen of the state's position (which the engine has already validated): a
    built-in screen draws itself, a content node is drawn here."""
    from bot.core.builtins.registry import REGISTRY

    pos = state.at or content.entry("home")
    builtin = REGISTRY.get(pos)
    if builtin is not None:
        return builtin.render(content, state)
    parts, rows = node_body(content, state, pos)
    nav = nav_row(content, state, pos)
    if nav:
        rows.append(nav)
    is_feedback = state.answered is not None
    return Screen(pos, tuple(parts), tuple(rows), replace=is_feedback)
