"""A user's conversation state: where they are, how they got there, and their quiz answers."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from bot.content.bundle import Position as Position  # noqa: PLC0414 (re-exported)
from bot.core.events import JoinOffer
from bot.core.ordering import Sequenced
from bot.core.refresh import ReviewCard
from bot.core.reminders import ReminderPlan, Streak

MAX_HISTORY = 30
STATE_FORMAT = 1


@dataclass(frozen=True, slots=True)
class Answer:
    """One answered quiz question in the current run of a quiz tree."""

    tree: str
    node: str
    option: int
    correct: bool


@dataclass(frozen=True, slots=True)
class QuizResult:
    """A finished run of a quiz tree: the latest score and the best; a knowledge check also
    says whether it was taken `before` or `after` the course's modules."""

    tree: str
    score: int
    total: int
    best: int
    phase: str = ""


@dataclass(frozen=True, slots=True)
class OrgLink:
    """An organization the user joined: what the engine needs to offer leaving it."""

    org_id: int
    name: str
    course: str
    asks_employee_id: bool = False
    id_pattern: str = ""
    """The organization's employee id format when the member joined ("" for any id)."""
    id_example: str = ""


@dataclass(frozen=True, slots=True)
class ConversationState:
    """Everything the engine needs to continue a conversation; never any text the user typed."""

    revision: int = 0
    at: Position | None = None
    answered: int | None = None
    """The option chosen on the question at `at`; its feedback is shown unless `reviewing`."""
    history: tuple[Position, ...] = ()
    place: str | None = None
    answers: tuple[Answer, ...] = field(default=())
    campaign: str | None = None
    results: tuple[QuizResult, ...] = field(default=())
    cards: tuple[ReviewCard, ...] = field(default=())
    """Missed questions, each scheduled for a refresher."""
    queue: tuple[Position, ...] = field(default=())
    """The refreshers of the session under way, the current one first; empty otherwise."""
    plan: ReminderPlan = field(default_factory=ReminderPlan)
    """The learner's reminder settings (`on` once they opted in)."""
    streak: Streak = field(default_factory=Streak)
    offer: JoinOffer | None = None
    """An offer to join an organization, on the consent and employee-id screens."""
    orgs: tuple[OrgLink, ...] = field(default=())
    """The organizations the user joined (their names only; nothing typed)."""
    reviewing: bool = False
    """The question at `at` is shown as answered (Back from its feedback), not its feedback."""
    opened: int | None = None
    """The channel opened in full on the resources screen at `at` (its place in the list)."""
    id_for: int | None = None
    """The organization whose employee id the employee-id screens ask for (never the id)."""

    def org(self, org_id: int | None) -> OrgLink | None:
        """Return the joined organization with this id, if any."""
        return next((o for o in self.orgs if o.org_id == org_id), None)

    seed: str = ""
    """The learner's own value that orders each question's options (empty: file order); the
    service gives it once, derived from the user key, and it never changes."""
    sequence: Sequenced | None = None
    """The number of the last update applied (a channel's update id) and when, so an older
    update arriving late changes nothing (see bot.core.ordering); None on unnumbered channels."""

    def card(self, tree: str, node: str) -> ReviewCard | None:
        """Return the review card of a question, if it has one."""
        return next((c for c in self.cards if (c.tree, c.node) == (tree, node)), None)

    def with_card(self, card: ReviewCard) -> ConversationState:
        """Return the state with a question's card added or replaced."""
        kept = tuple(c for c in self.cards if (c.tree, c.node) != (card.tree, card.node))
        return replace(self, cards=(*kept, card))

    def result(self, tree: str, phase: str = "") -> QuizResult | None:
        """Return the finished run of a quiz tree (in a phase), if any."""
        return next((r for r in self.results if (r.tree, r.phase) == (tree, phase)), None)

    def with_result(self, tree: str, score: int, total: int, phase: str = "") -> ConversationState:
        """Return the state with a finished run recorded (keeping the best score)."""
        old = self.result(tree, phase)
        best = max(score, old.best) if old else score
        kept = tuple(r for r in self.results if (r.tree, r.phase) != (tree, phase))
        return replace(self, results=(*kept, QuizResult(tree, score, total, best, phase)))

    def moved(self, to: Position, *, remember: bool = True) -> ConversationState:
        """Return the state at `to`, pushing the current position onto the history."""
        history = self.history
        if remember and self.at is not None and self.at != to:
            history = (*history, self.at)[-MAX_HISTORY:]
        return replace(self, at=to, answered=None, reviewing=False, opened=None, history=history)

    def seeded(self, seed: str) -> ConversationState:
        """Return the state with `seed` as its option-order seed, unless it already has one."""
        return self if self.seed else replace(self, seed=seed)

    def bumped(self) -> ConversationState:
        """Return the state with its revision advanced, so older keyboards become stale."""
        return replace(self, revision=self.revision + 1)

    def to_dict(self) -> dict[str, Any]:
        """Serialise to plain JSON-compatible data."""
        return {
            "format": STATE_FORMAT,
            "revision": self.revision,
            "at": str(self.at) if self.at else None,
            "answered": self.answered,
            "history": [str(p) for p in self.history],
            "place": self.place,
            "answers": [[a.tree, a.node, a.option, a.correct] for a in self.answers],
            "campaign": self.campaign,
            "results": [[r.tree, r.score, r.total, r.best, r.phase] for r in self.results],
            "cards": [c.to_list() for c in self.cards],
            "queue": [str(p) for p in self.queue],
            "plan": self.plan.to_list(),
            "streak": self.streak.to_list(),
            "offer": offer_to_list(self.offer),
            "orgs": [org_to_list(o) for o in self.orgs],
            "reviewing": self.reviewing,
            "opened": self.opened,
            "id_for": self.id_for,
            "seed": self.seed,
            "sequence": self.sequence.to_list() if self.sequence else None,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ConversationState:
        """Read what `to_dict` wrote; anything unreadable starts a fresh state at that revision."""
        revision = int(data.get("revision", 0))
        if data.get("format") != STATE_FORMAT:
            return cls(revision=revision)
        at = data.get("at")
        return cls(
            revision=revision,
            at=Position.parse(at, "main") if at else None,
            answered=data.get("answered"),
            history=tuple(Position.parse(p, "main") for p in data.get("history", [])),
            place=data.get("place"),
            answers=tuple(
                Answer(str(t), str(n), int(o), bool(c)) for t, n, o, c in data.get("answers", [])
            ),
            campaign=data.get("campaign"),
            results=tuple(
                QuizResult(str(t), int(s), int(n), int(b), str(p))
                for t, s, n, b, p in data.get("results", [])
            ),
            cards=tuple(ReviewCard.from_list(c) for c in data.get("cards", [])),
            queue=tuple(Position.parse(p, "main") for p in data.get("queue", [])),
            plan=ReminderPlan.from_list(data["plan"]) if "plan" in data else ReminderPlan(),
            streak=Streak.from_list(data["streak"]) if "streak" in data else Streak(),
            offer=offer_from_list(data.get("offer")),
            orgs=tuple(org_from_list(o) for o in data.get("orgs", [])),
            reviewing=bool(data.get("reviewing", False)),
            opened=opened if isinstance(opened := data.get("opened"), int) else None,
            id_for=data.get("id_for"),
            seed=str(data.get("seed") or ""),
            sequence=Sequenced.from_list(data.get("sequence")),
        )


def offer_to_list(offer: JoinOffer | None) -> list[Any] | None:
    """Serialise a pending join offer."""
    if offer is None:
        return None
    return [
        offer.org_id,
        offer.org,
        offer.department_id,
        offer.department,
        offer.asks_employee_id,
        offer.course,
        offer.id_pattern,
        offer.id_example,
    ]


def offer_from_list(data: list[Any] | None) -> JoinOffer | None:
    """Read what `offer_to_list` wrote."""
    return JoinOffer.from_values(data) if data else None


def org_to_list(org: OrgLink) -> list[Any]:
    """Serialise a joined organization."""
    return [org.org_id, org.name, org.course, org.asks_employee_id, org.id_pattern, org.id_example]


def org_from_list(data: list[Any]) -> OrgLink:
    """Read what `org_to_list` wrote (or the three fields written before the id format)."""
    org_id, name, course, *rest = data
    asks, pattern, example = (*rest, False, "", "")[:3]
    return OrgLink(int(org_id), str(name), str(course), bool(asks), str(pattern), str(example))
