"""A small content set built in code, so engine tests do not depend on shipped wording."""

from __future__ import annotations

import datetime as dt

from bot.content.bundle import Content, Language
from bot.content.models import Resource, ResourceFile, Topic, Tree


def tree(data: dict[str, object]) -> Tree:
    """Validate a tree from a dict."""
    return Tree.model_validate({"schema_version": 1, **data})


MAIN = tree(
    {
        "id": "main",
        "title": "Main",
        "start": "home",
        "nodes": {
            "home": {
                "type": "menu",
                "text": "Home",
                "choices": [
                    {"label": "Quiz", "to": "quiz:intro"},
                    {"label": "Report", "to": "report:start"},
                    {"label": "Language", "to": "@language"},
                ],
            },
            "help": {"type": "end", "text": "Help"},
        },
    }
)
QUIZ = tree(
    {
        "id": "quiz",
        "title": "Quiz",
        "start": "intro",
        "quiz": {"title": "Quiz"},
        "nodes": {
            "intro": {"type": "message", "text": "Intro", "next": "q1"},
            "q1": {
                "type": "quiz_question",
                "text": "Q1?",
                "next": "q2",
                "source": {"name": "S", "url": "https://example.org/s"},
                "options": [
                    {"label": "A", "correct": True, "feedback": "FA"},
                    {"label": "B", "feedback": "FB"},
                ],
            },
            "q2": {
                "type": "quiz_question",
                "text": "Q2?",
                "next": "result",
                "source": {"name": "S", "url": "https://example.org/s"},
                "options": [
                    {"label": "C", "feedback": "FC"},
                    {"label": "D", "correct": True, "feedback": "FD"},
                ],
            },
            "result": {"type": "quiz_result", "text": "{score}/{total}"},
        },
    }
)
REPORT = tree(
    {
        "id": "report",
        "title": "Report",
        "start": "start",
        "report_side": True,
        "nodes": {
            "start": {
                "type": "menu",
                "text": "Where?",
                "choices": [
                    {"label": "Arizona", "to": "help_here", "place": "US-AZ"},
                    {"label": "UK", "to": "help_here", "place": "GB"},
                ],
            },
            "help_here": {
                "type": "resources",
                "text": "Channels",
                "topics": ["child"],
                "next": "done",
            },
            "done": {"type": "end", "text": "Done"},
        },
    }
)


def resource(
    rid: str,
    jurisdiction: str,
    topics: list[str],
    priority: int = 50,
    number: str = "1-800-000-0000",
) -> Resource:
    """Return a minimal resource."""
    return Resource.model_validate(
        {
            "id": rid,
            "name": rid.upper(),
            "operator": "op",
            "law_enforcement": False,
            "sharing": "shares",
            "why": "why",
            "topics": topics,
            "jurisdiction": jurisdiction,
            "priority": priority,
            "channels": [{"kind": "call", "value": number}],
            "hours": "24/7",
            "languages": "English",
            "source_url": "https://example.org",
            "compiled_on": dt.date(2026, 11, 1),
        }
    )


RESOURCES = ResourceFile(
    schema_version=1,
    topics=[
        Topic(id="emergency", description="e"),
        Topic(id="child", description="c"),
    ],
    resources=[
        resource("us_911", "US", ["emergency"], 0, "911"),
        resource("national", "US", ["child"], 20),
        resource("state", "US-AZ", ["child"], 10),
    ],
)

CONTENT = Content(
    trees={t.id: t for t in (MAIN, QUIZ, REPORT)},
    resources=tuple(RESOURCES.resources),
    topics={t.id: t for t in RESOURCES.topics},
    languages=(Language("en", "English"), Language("es", "Español", reviewed=False)),
)
