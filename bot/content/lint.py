"""Check loaded content: links, reachability, dead ends, quizzes (including answers that give
themselves away by length), topics, payloads, freshness."""

from __future__ import annotations

import datetime as dt
import re
import string
from collections.abc import Callable, Iterator

from bot.content.bundle import DEEP_LINK, REQUIRED_ENTRY_POINTS, Content, Position
from bot.content.issues import IssueCode, LintIssue, Severity
from bot.content.loader import LoadedContent
from bot.content.models import (
    CourseNode,
    EndNode,
    MenuNode,
    MessageNode,
    Node,
    PlacedText,
    PlaceNode,
    QuizQuestionNode,
    QuizResultNode,
    ResourcesNode,
    Tree,
    place_chain,
)
from bot.content.polls import question_poll

Encodable = Callable[[str], bool]
"""Says whether a button argument fits in callback data (the core's codec, passed in)."""

DEFAULT_MAX_AGE_DAYS = 365
BUILTIN_LINKS = frozenset({"@language", "@exit"})
ALLOWED_PLACEHOLDERS: dict[type, frozenset[str]] = {QuizResultNode: frozenset({"score", "total"})}


def links(node: Node) -> Iterator[tuple[tuple[str | int, ...], str]]:
    """Yield (path inside the node, link) for every link a node has."""
    match node:
        case MenuNode() | QuizResultNode():
            for index, choice in enumerate(node.choices):
                yield ("choices", index, "to"), choice.to
        case ResourcesNode():
            if node.next:
                yield ("next",), node.next
            for index, choice in enumerate(node.choices):
                yield ("choices", index, "to"), choice.to
        case MessageNode() | QuizQuestionNode() if node.next:
            yield ("next",), node.next
        case PlaceNode():
            yield ("next",), node.next
            yield ("elsewhere",), node.elsewhere
        case _:
            return


MODULE_QUESTIONS = (5, 8)
VERDICT = re.compile(r"^\s*(Right|Correct|Not quite|Wrong|Incorrect)\b\W*", re.IGNORECASE)
"""A verdict at the start of an option's feedback: the engine puts "Right." or "Not quite."
before every feedback itself (bot/core/texts.py), so one in the data would show twice."""
MODULE_MINUTES = 5
WORDS_PER_MINUTE = 180
"""A slow reading pace on a phone, so the estimate errs long."""
SECONDS_PER_TAP = 4

ANSWER_LENGTH_RATIO = (13, 10)
"""A right answer's label may be at most 1.3 times as long as the longest wrong one (characters)."""
LONGEST_ANSWER_SHARE = (40, 100)
"""Across a course, the right answer may be the longest label in at most 40% of questions."""


def reading_minutes(tree: Tree) -> float:
    """Estimate a quiz tree's time: every text, label and the longest feedback of each
    question read at WORDS_PER_MINUTE, plus two taps per question."""
    words = 0
    taps = 0
    for node in tree.nodes.values():
        words += len(node.text.split())
        if isinstance(node, QuizQuestionNode):
            words += sum(len(o.label.split()) for o in node.options)
            words += max(len(o.feedback.split()) for o in node.options)
            taps += 2
    return words / WORDS_PER_MINUTE + taps * SECONDS_PER_TAP / 60


def right_and_longest_wrong(node: QuizQuestionNode) -> tuple[int, int] | None:
    """Return the length of the one right label and of the longest wrong label, or None when a
    question does not have exactly one right option."""
    right = [len(o.label) for o in node.options if o.correct]
    wrong = [len(o.label) for o in node.options if not o.correct]
    if len(right) != 1 or not wrong:
        return None
    return right[0], max(wrong)


def right_is_longest(node: QuizQuestionNode) -> bool:
    """Say whether a question's right label is longer than every wrong one."""
    lengths = right_and_longest_wrong(node)
    return lengths is not None and lengths[0] > lengths[1]


ARCHIVED_HOSTS = ("web.archive.org", "archive.org", "archive.ph", "archive.today")
"""Hosts of archived copies: a card cites the live official page, never a copy."""
ARCHIVED_PATHS = re.compile(
    r"^https?://(cybercemetery\.unt\.edu/archive/|(www\.)?dhs\.gov/archive/)"
)
"""Archives kept by official sites (the facts file reads some pages only there)."""
WEAK_HOSTS = (
    "humantraffickingexperts.com",
    "pages.dev",
    "frontdoorsmedia.com",
    "fwcitilink.com",
    "gitview.net",
    "vsattorney.com",
    "cdl-prep.com",
    "uxpatternsguide.com",
    "factually.co",
    "questbg.com",
    "news.lt",
)
"""Hosts the facts file (shared/facts/trafficking-facts.md) marks WEAK SRC: secondary pages,
copies and mirrors. The list lives here because the facts file does not ship with Beacon;
tests/content/test_lint.py checks it against the facts file."""


def source_problem(url: str) -> str | None:
    """Say why a card may not cite `url` (an archived copy, or a weak source), or None."""
    host = url.split("://", 1)[-1].split("/", 1)[0].lower()

    def under(domain: str) -> bool:
        """Say whether the host is `domain` or one of its subdomains."""
        return host == domain or host.endswith(f".{domain}")

    if any(under(d) for d in ARCHIVED_HOSTS) or ARCHIVED_PATHS.match(url):
        return "an archived copy; cite the live official page"
    if any(under(d) for d in WEAK_HOSTS):
        return "a source the facts file marks WEAK SRC; cite an official page"
    return None


def naming(names: list[tuple[str, str]]) -> re.Pattern[str] | None:
    """Return a pattern finding any of the (name, country) names as a whole word, or None."""
    if not names:
        return None
    alternatives = "|".join(re.escape(name) for name, _ in sorted(names, key=lambda n: -len(n[0])))
    return re.compile(rf"(?<!\w)({alternatives})(?!\w)")


def placeholders(text: str) -> set[str]:
    """Return the `{name}` placeholders in a text."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


class Linter:
    """Collects typed issues for one loaded content set."""

    def __init__(self, loaded: LoadedContent, content: Content) -> None:
        """Prepare to lint `content`, locating issues through `loaded`."""
        self.loaded = loaded
        self.content = content
        self.issues: list[LintIssue] = []

    def add(
        self,
        code: IssueCode,
        tree: str,
        path: tuple[str | int, ...],
        message: str,
        *,
        severity: Severity = Severity.ERROR,
        node: str | None = None,
    ) -> None:
        """Record an issue located at a path in a tree's file."""
        file, line = self.loaded.locate(tree, path)
        self.issues.append(LintIssue(code, severity, file, line, message, tree, node))

    def resolve(self, tree: str, ref: str) -> Position | None:
        """Return the position a link names, or None when it dangles."""
        pos = Position.parse(ref, tree)
        return pos if self.content.node(pos.tree, pos.node) is not None else None

    def check_required(self) -> None:
        """The content declares `home` and `help`, and each entry point names a node; every
        tree needs its start node."""
        first = next(iter(self.content.trees))
        for name in REQUIRED_ENTRY_POINTS:
            if name not in self.content.entry_points:
                message = f"no tree declares the entry point {name!r} (under `entry_points:`)"
                self.add(IssueCode.MISSING_NODE, first, (), message)
        for name, pos in self.content.entry_points.items():
            if self.content.node(pos.tree, pos.node) is None:
                file, line = self.loaded.entry_places.get(name, ("?", 1))
                message = f"entry point {name!r} names {str(pos)!r}, which does not exist"
                self.issues.append(
                    LintIssue(IssueCode.MISSING_NODE, Severity.ERROR, file, line, message)
                )
        for tree in self.content.trees.values():
            if tree.start not in tree.nodes:
                self.add(
                    IssueCode.MISSING_NODE,
                    tree.id,
                    ("start",),
                    f"start node {tree.start!r} does not exist",
                )
            for i, name in enumerate(tree.safety_critical):
                if name not in tree.nodes:
                    self.add(
                        IssueCode.MISSING_NODE,
                        tree.id,
                        ("safety_critical", i),
                        f"safety-critical node {name!r} does not exist",
                    )

    def check_links(self) -> None:
        """Every link must name an existing node or a built-in action."""
        for tree in self.content.trees.values():
            for node_id, node in tree.nodes.items():
                for path, ref in links(node):
                    if ref not in BUILTIN_LINKS and self.resolve(tree.id, ref) is None:
                        self.add(
                            IssueCode.DANGLING_LINK,
                            tree.id,
                            ("nodes", node_id, *path),
                            f"link to {ref!r}, which does not exist",
                            node=node_id,
                        )

    def check_courses(self) -> None:
        """A course's modules and both forms of its knowledge check must be quiz trees; the
        two forms differ and have as many questions each; right answers must not stand out by
        length."""
        for tree in self.content.trees.values():
            for node_id, node in tree.nodes.items():
                if not isinstance(node, CourseNode):
                    continue
                named: list[tuple[tuple[str | int, ...], str]] = [
                    (("modules", i), m) for i, m in enumerate(node.modules)
                ]
                if node.knowledge_check:
                    named.append((("knowledge_check",), node.knowledge_check))
                if node.knowledge_check_after:
                    named.append((("knowledge_check_after",), node.knowledge_check_after))
                self.check_forms(tree.id, node_id, node)
                for path, module in named:
                    found = self.content.trees.get(module)
                    if found is None or found.quiz is None:
                        self.add(
                            IssueCode.DANGLING_LINK,
                            tree.id,
                            ("nodes", node_id, *path),
                            f"course names {module!r}, which is not a quiz tree",
                            node=node_id,
                        )
                    elif path[0] == "modules":
                        self.check_module(found)
                self.check_longest_answers(tree.id, node_id, node)

    def check_forms(self, tree_id: str, node_id: str, node: CourseNode) -> None:
        """A knowledge check comes in two forms, different trees with as many questions each
        (one before the course, one after), or not at all."""
        before, after = node.knowledge_check, node.knowledge_check_after
        if before is None and after is None:
            return
        if before is None or after is None or before == after:
            message = "a knowledge check needs two different forms: knowledge_check (before) "
            message += "and knowledge_check_after"
            self.add(IssueCode.CHECK_FORMS, tree_id, ("nodes", node_id), message, node=node_id)
            return
        counts = [
            sum(isinstance(n, QuizQuestionNode) for n in self.content.trees[t].nodes.values())
            for t in (before, after)
            if t in self.content.trees
        ]
        if len(counts) == 2 and counts[0] != counts[1]:
            message = f"the knowledge check's forms have {counts[0]} and {counts[1]} questions; "
            message += "they must match"
            self.add(IssueCode.CHECK_FORMS, tree_id, ("nodes", node_id), message, node=node_id)

    def check_module(self, tree: Tree) -> None:
        """A course module has 5-8 questions and takes under five minutes."""
        count = sum(isinstance(n, QuizQuestionNode) for n in tree.nodes.values())
        if not MODULE_QUESTIONS[0] <= count <= MODULE_QUESTIONS[1]:
            low, high = MODULE_QUESTIONS
            message = f"a course module needs {low}-{high} questions, not {count}"
            self.add(IssueCode.MODULE_SIZE, tree.id, ("nodes",), message)
        minutes = reading_minutes(tree)
        if minutes >= MODULE_MINUTES:
            message = f"takes about {minutes:.1f} minutes; the limit is {MODULE_MINUTES}"
            self.add(IssueCode.MODULE_SIZE, tree.id, ("nodes",), message)

    def check_longest_answers(self, tree: str, node_id: str, course: CourseNode) -> None:
        """Across a course's modules and both forms of its knowledge check, the right answer is
        the longest label in at most LONGEST_ANSWER_SHARE of the questions, so length is no clue."""
        checks = [course.knowledge_check, course.knowledge_check_after]
        names = dict.fromkeys([*course.modules, *filter(None, checks)])
        questions = [
            (name, question_id, question)
            for name in names
            if (found := self.content.trees.get(name)) is not None and found.quiz is not None
            for question_id, question in found.nodes.items()
            if isinstance(question, QuizQuestionNode)
        ]
        longest = [
            f"{name}:{qid}" for name, qid, question in questions if right_is_longest(question)
        ]
        most, of = LONGEST_ANSWER_SHARE
        if questions and len(longest) * of > most * len(questions):
            share = round(100 * len(longest) / len(questions))
            message = (
                f"the right answer is the longest option in {len(longest)} of {len(questions)} "
                f"questions ({share}%); at most {most}% may be: {', '.join(longest)}"
            )
            where = ("nodes", node_id, "modules")
            self.add(IssueCode.LONGEST_ANSWER_SHARE, tree, where, message, node=node_id)

    def check_reachable(self) -> None:
        """Every node must be reachable from an entry point or a tree's start (a deep link)."""
        roots = list(self.content.entry_points.values())
        roots += [Position(t.id, t.start) for t in self.content.trees.values()]
        seen: set[Position] = set()
        todo = [p for p in roots if self.content.node(p.tree, p.node) is not None]
        while todo:
            pos = todo.pop()
            if pos in seen:
                continue
            seen.add(pos)
            node = self.content.trees[pos.tree].nodes[pos.node]
            for _, ref in links(node):
                target = None if ref in BUILTIN_LINKS else self.resolve(pos.tree, ref)
                if target is not None:
                    todo.append(target)
        for tree in self.content.trees.values():
            for node_id in tree.nodes:
                if Position(tree.id, node_id) not in seen:
                    self.add(
                        IssueCode.UNREACHABLE_NODE,
                        tree.id,
                        ("nodes", node_id),
                        "no path leads here",
                        node=node_id,
                    )

    def check_nodes(self) -> None:
        """Dead ends, quiz answers, topics and placeholders, node by node."""
        for tree in self.content.trees.values():
            for node_id, node in tree.nodes.items():
                where = ("nodes", node_id)
                onward = isinstance(node, EndNode | QuizResultNode | CourseNode) or any(links(node))
                if not onward:
                    self.add(
                        IssueCode.DEAD_END,
                        tree.id,
                        where,
                        f"a {node.type} node needs a way onward (or use an end node)",
                        node=node_id,
                    )
                if isinstance(node, QuizQuestionNode):
                    self.check_question(tree.id, node_id, node, quiz=tree.quiz is not None)
                if isinstance(node, ResourcesNode):
                    for index, topic in enumerate(node.topics):
                        self.check_topic(tree.id, node_id, topic, (*where, "topics", index))
                allowed = ALLOWED_PLACEHOLDERS.get(type(node), frozenset())
                unknown = placeholders(node.text) - allowed
                if unknown:
                    self.add(
                        IssueCode.PLACEHOLDER,
                        tree.id,
                        (*where, "text"),
                        f"unknown placeholder(s): {', '.join(sorted(unknown))}",
                        node=node_id,
                    )

    def check_question(self, tree: str, node_id: str, node: QuizQuestionNode, quiz: bool) -> None:
        """A question has exactly one correct option, lives in a quiz tree and fits a quiz poll
        (the catalog check measures each translation)."""
        correct = sum(option.correct for option in node.options)
        if correct != 1:
            self.add(
                IssueCode.QUIZ_CORRECT_COUNT,
                tree,
                ("nodes", node_id, "options"),
                f"{correct} options are marked correct; exactly one must be",
                node=node_id,
            )
        if not quiz:
            self.add(
                IssueCode.QUIZ_OUTSIDE_MODULE,
                tree,
                ("nodes", node_id),
                "quiz questions belong in a tree with a `quiz:` section",
                node=node_id,
            )
        for index, option in enumerate(node.options):
            verdict = VERDICT.match(option.feedback)
            if verdict is not None:
                self.add(
                    IssueCode.FEEDBACK_VERDICT,
                    tree,
                    ("nodes", node_id, "options", index, "feedback"),
                    f"feedback starts with {verdict[0].strip()!r}: Beacon shows the verdict itself "
                    '("Right." or "Not quite."), so start with the reason',
                    node=node_id,
                )
        for text in question_poll(node).texts():
            problem = text.problem(text.text)
            if problem is not None:
                where = ("nodes", node_id, *text.path)
                self.add(IssueCode.POLL_TOO_LONG, tree, where, problem, node=node_id)
        self.check_answer_length(tree, node_id, node)

    def check_answer_length(self, tree: str, node_id: str, node: QuizQuestionNode) -> None:
        """A right answer is at most ANSWER_LENGTH_RATIO times as long as the longest wrong one,
        so its length does not give it away."""
        lengths = right_and_longest_wrong(node)
        times, per = ANSWER_LENGTH_RATIO
        if lengths is None or lengths[0] * per <= lengths[1] * times:
            return
        right = next(i for i, option in enumerate(node.options) if option.correct)
        message = (
            f"the right answer is {lengths[0]} characters, {lengths[0] / lengths[1]:.2f} times "
            f"the longest wrong one ({lengths[1]}); keep it within {times / per:g} times, or "
            "make a wrong answer as full"
        )
        where = ("nodes", node_id, "options", right, "label")
        self.add(IssueCode.ANSWER_LENGTH, tree, where, message, node=node_id)

    def check_topic(self, tree: str, node_id: str, topic: str, path: tuple[str | int, ...]) -> None:
        """A topic must be declared, and should be served by some resource."""
        if topic not in self.content.topics:
            self.add(IssueCode.UNKNOWN_TOPIC, tree, path, f"unknown topic {topic!r}", node=node_id)
        elif not any(topic in r.topics for r in self.content.resources):
            self.add(
                IssueCode.UNSERVED_TOPIC,
                tree,
                path,
                f"no resource serves {topic!r}",
                severity=Severity.WARNING,
                node=node_id,
            )

    def check_payloads(self, encodable: Encodable | None) -> None:
        """Every tree id must be a deep link; every button argument (a choice's or an option's
        number, a language code) must fit in callback data when `encodable` is given."""
        for tree in self.content.trees.values():
            if not DEEP_LINK.match(tree.id):
                self.add(
                    IssueCode.PAYLOAD_TOO_LONG,
                    tree.id,
                    ("id",),
                    "tree id cannot be a /start deep-link payload",
                )
            if encodable is None:
                continue
            for node_id, node in tree.nodes.items():
                widest = max(len(getattr(node, "choices", ())), len(getattr(node, "options", ())))
                if not encodable(str(max(widest - 1, 0))):
                    self.add(
                        IssueCode.PAYLOAD_TOO_LONG,
                        tree.id,
                        ("nodes", node_id),
                        "callback data would be too long",
                        node=node_id,
                    )
        for language in self.content.languages:
            if encodable is not None and not encodable(language.code):
                file = next(iter(self.loaded.documents), "?")
                self.issues.append(
                    LintIssue(
                        IssueCode.PAYLOAD_TOO_LONG,
                        Severity.ERROR,
                        file,
                        1,
                        f"language code {language.code!r} cannot be put in callback data",
                    )
                )

    def check_resources(self, today: dt.date, max_age_days: int) -> None:
        """Resource topics must be declared; a source must be neither an archived copy nor
        weak; details older than the limit (by the live check when there is one) are stale."""
        for resource in self.content.resources:
            file, line = self.loaded.resource_places[resource.id]
            problem = source_problem(resource.source_url)
            if problem is not None:
                self.issues.append(
                    LintIssue(
                        IssueCode.WEAK_SOURCE,
                        Severity.ERROR,
                        file,
                        line,
                        f"resource {resource.id!r} cites {resource.source_url}: {problem}",
                    )
                )
            for topic in resource.topics:
                if topic not in self.content.topics:
                    self.issues.append(
                        LintIssue(
                            IssueCode.UNKNOWN_TOPIC,
                            Severity.ERROR,
                            file,
                            line,
                            f"resource {resource.id!r} has unknown topic {topic!r}",
                        )
                    )
            age = (today - resource.dated_on).days
            how = "checked on the live page" if resource.checked_live_on else "compiled"
            if age > max_age_days:
                self.issues.append(
                    LintIssue(
                        IssueCode.STALE_VERIFICATION,
                        Severity.ERROR,
                        file,
                        line,
                        f"resource {resource.id!r} was {how} {age} days ago "
                        f"(limit {max_age_days}); check it against {resource.source_url}",
                    )
                )

    def check_place_texts(self) -> None:
        """A node's text for a place names a place the directory covers."""
        for tree in self.content.trees.values():
            for node_id, node in tree.nodes.items():
                for code in node.text_in if isinstance(node, PlacedText) else {}:
                    country = self.content.country(code)
                    if country is None or code not in {
                        country.code,
                        *(r.code for r in country.regions),
                    }:
                        message = f"text for {code!r}, a place the directory does not cover"
                        path = ("nodes", node_id, "text_in", code)
                        self.add(IssueCode.UNKNOWN_PLACE, tree.id, path, message, node=node_id)

    def check_institutions(self) -> None:
        """Every report-side text shown for a country (or one of its regions), and every
        channel card of that country, names none of the institutions of another country."""
        seen: set[tuple[str, int, str]] = set()
        for country in self.content.places:
            others = [
                (n, o.code) for o in self.content.places if o != country for n in o.institutions
            ]
            pattern = naming(others)
            if pattern is None:
                continue
            owner = dict(others)
            for place in (country.code, *(r.code for r in country.regions)):
                for file, line, what, text in self.shown_in(place):
                    for name in {m.group(1) for m in pattern.finditer(text)}:
                        if (file, line, name) in seen:
                            continue
                        seen.add((file, line, name))
                        message = (
                            f"{what}, shown for {place}, names {name!r}, "
                            f"an institution of {owner[name]}"
                        )
                        self.issues.append(
                            LintIssue(
                                IssueCode.FOREIGN_INSTITUTION, Severity.ERROR, file, line, message
                            )
                        )

    def shown_in(self, place: str) -> Iterator[tuple[str, int, str, str]]:
        """Yield (file, line, what, text) for each report-side text a user in `place` sees,
        and each card that may be shown there (every resource of the place or its country)."""
        chain = place_chain(place)
        for tree in self.content.trees.values():
            if not tree.report_side:
                continue
            for node_id, node in tree.nodes.items():
                field, text = (
                    node.text_at(chain) if isinstance(node, PlacedText) else ("text", node.text)
                )
                path: tuple[str | int, ...] = ("nodes", node_id, *field.split("."))
                file, line = self.loaded.locate(tree.id, path)
                yield file, line, f"{tree.id}:{node_id} {field}", text
        for resource in self.content.resources:
            if resource.jurisdiction in chain:
                file, line = self.loaded.resource_places[resource.id]
                texts = [resource.name, resource.why, resource.operator, resource.sharing]
                texts += [resource.hours, resource.languages]
                texts += [c.note or "" for c in resource.channels]
                texts += [c.languages or "" for c in resource.channels]
                yield file, line, f"resource {resource.id!r}", "\n".join(texts)


def lint(
    loaded: LoadedContent,
    today: dt.date,
    max_age_days: int = DEFAULT_MAX_AGE_DAYS,
    *,
    encodable: Encodable | None = None,
) -> list[LintIssue]:
    """Return every issue of the loaded content: load errors first, then the linter's checks
    (button arguments are checked against callback data only when `encodable` is given)."""
    issues = list(loaded.issues)
    if loaded.content is None:
        return issues
    linter = Linter(loaded, loaded.content)
    linter.check_required()
    linter.check_links()
    linter.check_courses()
    linter.check_reachable()
    linter.check_nodes()
    linter.check_payloads(encodable)
    linter.check_resources(today, max_age_days)
    linter.check_place_texts()
    linter.check_institutions()
    return issues + linter.issues


def has_errors(issues: list[LintIssue]) -> bool:
    """Say whether any issue is an error."""
    return any(issue.severity is Severity.ERROR for issue in issues)
