"""Spaced refreshers: each missed question becomes a review card that FSRS schedules."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from fsrs import Card, Rating, Scheduler, State

SCHEDULER = Scheduler(learning_steps=(), relearning_steps=(), enable_fuzzing=False)
"""FSRS with its published default weights; no same-day steps (a refresher comes back a day
or more later) and no random fuzz, so a schedule is a pure function of the answers and times."""


@dataclass(frozen=True, slots=True)
class ReviewCard:
    """A question to refresh: where it is, when it is due, and FSRS's memory estimate."""

    tree: str
    node: str
    due: dt.datetime
    stability: float | None = None
    difficulty: float | None = None
    last_review: dt.datetime | None = None
    reviews: int = 0

    def to_list(self) -> list[Any]:
        """Serialise for the state JSON."""
        last = self.last_review.isoformat() if self.last_review else None
        return [
            self.tree, self.node, self.due.isoformat(), self.stability, self.difficulty, last,
            self.reviews,
        ]  # fmt: skip

    @classmethod
    def from_list(cls, data: list[Any]) -> ReviewCard:
        """Read what `to_list` wrote."""
        tree, node, due, stability, difficulty, last, reviews = data
        return cls(
            str(tree),
            str(node),
            dt.datetime.fromisoformat(due),
            None if stability is None else float(stability),
            None if difficulty is None else float(difficulty),
            dt.datetime.fromisoformat(last) if last else None,
            int(reviews),
        )


def review(
    card: ReviewCard | None, tree: str, node: str, correct: bool, now: dt.datetime
) -> ReviewCard:
    """Return the card after an answer at `now`: a miss is rated Again, a right answer Good."""
    state = Card(card_id=1, due=now)
    if card is not None and card.stability is not None:
        state = Card(
            card_id=1,
            state=State.Review,
            step=None,
            stability=card.stability,
            difficulty=card.difficulty,
            due=card.due,
            last_review=card.last_review,
        )
    rating = Rating.Good if correct else Rating.Again
    after, _ = SCHEDULER.review_card(state, rating, now)
    reviews = (card.reviews if card else 0) + 1
    return ReviewCard(
        tree, node, after.due, after.stability, after.difficulty, after.last_review, reviews
    )


def due(cards: tuple[ReviewCard, ...], now: dt.datetime) -> list[ReviewCard]:
    """Return the cards due at `now`, longest overdue first."""
    return sorted((c for c in cards if c.due <= now), key=lambda c: c.due)


def next_due(cards: tuple[ReviewCard, ...]) -> dt.datetime | None:
    """Return when the next card falls due, if there are any."""
    return min((c.due for c in cards), default=None)
