"""Pydantic models of Beacon's content: dialogue trees, quiz questions and resources."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
)

SCHEMA_VERSION = 1

Slug = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=32)]
"""An id of a tree, node, topic or resource: lower-case letters, digits and underscores."""

NodeRef = Annotated[
    str,
    StringConstraints(
        pattern=r"^(@(language|exit)|([a-z][a-z0-9_]*:)?[a-z][a-z0-9_]*)$", max_length=65
    ),
]
"""A link: `node` in the same tree, `tree:node` in another, or a built-in `@language` / `@exit`."""

PlaceCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}(-[A-Z0-9]{1,3})?$")]
"""A coarse place: an ISO 3166-1 country (`US`) or an ISO 3166-2 subdivision (`US-AZ`)."""


def place_chain(place: str) -> tuple[str, ...]:
    """Return the place and the places that contain it: `US-AZ` -> (`US-AZ`, `US`)."""
    country, _, region = place.partition("-")
    return (place, country) if region else (place,)


Text = Annotated[str, StringConstraints(min_length=1, max_length=3500)]
Label = Annotated[str, StringConstraints(min_length=1, max_length=60)]


class StrictModel(BaseModel):
    """A content model that rejects unknown fields and cannot be changed after loading."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Choice(StrictModel):
    """A labelled button that leads to another node, optionally setting the user's coarse place."""

    label: Label
    to: NodeRef
    place: PlaceCode | None = None


class PlacedText(StrictModel):
    """A node text, with variants for places whose wording differs (their institutions, UK
    spelling)."""

    text: Text
    text_in: dict[PlaceCode, Text] = Field(default_factory=dict)
    """The text shown in a place (a country, or a region) instead of `text`."""

    def text_at(self, places: Sequence[str]) -> tuple[str, str]:
        """Return (field, text) of the first of `places` with a text of its own, else `text`."""
        found = next((code for code in places if code in self.text_in), None)
        if found is None:
            return "text", self.text
        return f"text_in.{found}", self.text_in[found]


class MessageNode(PlacedText):
    """Text, then one button onward (or only Back and Home when `next` is absent);
    `emergency_first` puts the emergency line on top."""

    type: Literal["message"]
    next: NodeRef | None = None
    button: Label = "Continue"
    emergency_first: bool = False


class MenuNode(StrictModel):
    """Text and a list of labelled choices; `emergency_first` puts the emergency line on top."""

    type: Literal["menu"]
    text: Text
    choices: list[Choice] = Field(min_length=1, max_length=8)
    emergency_first: bool = False


class PlaceNode(StrictModel):
    """Asks for the user's country, then region, from the directory's places (or a shared
    location); then goes `next`. "Another country" goes to `elsewhere`."""

    type: Literal["place"]
    text: Text
    next: NodeRef
    elsewhere: NodeRef


class QuizOption(StrictModel):
    """One answer to a quiz question, with feedback that explains why it is right or wrong."""

    label: Label
    correct: bool = False
    feedback: Text


class Source(StrictModel):
    """Where a fact comes from: a name a reader recognises and the page it is on."""

    name: Annotated[str, StringConstraints(min_length=1, max_length=120)]
    url: Annotated[str, StringConstraints(pattern=r"^https?://\S+$")]


class QuizQuestionNode(StrictModel):
    """A question with 2-4 options, exactly one correct (checked by the linter), and a source."""

    type: Literal["quiz_question"]
    text: Text
    options: list[QuizOption] = Field(min_length=2, max_length=4)
    source: Source
    next: NodeRef


class QuizResultNode(StrictModel):
    """The score of the tree's quiz; `text` may use {score} and {total}."""

    type: Literal["quiz_result"]
    text: Text
    choices: list[Choice] = Field(default_factory=list, max_length=6)


class ResourcesNode(PlacedText):
    """Channels for the given topics, resolved for the user's place when shown."""

    type: Literal["resources"]
    topics: list[Slug] = Field(min_length=1)
    limit: int = Field(default=5, ge=1, le=8)
    emergency_first: bool = True
    next: NodeRef | None = None
    button: Label = "Continue"
    choices: list[Choice] = Field(default_factory=list, max_length=3)
    """Other ways on, each a button under the onward one (such as "I'm under 18")."""


class EndNode(PlacedText):
    """A last screen: text, then only Back and Home; `summary` adds a one-line summary of the
    channels shown on the way, as its own message to forward or save; `emergency_first` puts
    the emergency line on top."""

    type: Literal["end"]
    summary: bool = False
    emergency_first: bool = False


class CourseNode(StrictModel):
    """A course: quiz modules with their progress, a pass rule, and a knowledge check in two
    parallel forms, one taken before the modules and one after, so the gain shows."""

    type: Literal["course"]
    title: Label
    text: Text
    modules: list[Slug] = Field(min_length=1, max_length=12)
    """Quiz trees, in the order the course suggests."""
    pass_percent: int = Field(default=80, ge=0, le=100)
    """Every module must reach this share of right answers for the course to be passed."""
    knowledge_check: Slug | None = None
    """A quiz tree taken before the modules (form A of the knowledge check)."""
    knowledge_check_after: Slug | None = None
    """A parallel form of the check (form B: the same objectives and number of questions, new
    scenarios), taken once every module is passed, so the gain measures learning, not recall;
    a course with a knowledge check needs one."""


Node = Annotated[
    MessageNode
    | MenuNode
    | PlaceNode
    | QuizQuestionNode
    | QuizResultNode
    | ResourcesNode
    | EndNode
    | CourseNode,
    Field(discriminator="type"),
]


class Quiz(StrictModel):
    """Marks a tree as a quiz module: its questions are scored together."""

    title: Label
    pass_percent: int = Field(default=80, ge=0, le=100)


EntryName = Literal["home", "help", "learn"]
"""Where Beacon opens: `home` (the main menu: /start, /menu, Home), `help` (/help) and `learn`
(/learn, and the course an organization's link names when it names none)."""


class Tree(StrictModel):
    """One dialogue tree: an id, a start node and typed nodes."""

    schema_version: Literal[1]
    id: Slug
    title: Label
    start: Slug
    report_side: bool = False
    safety_critical: list[Slug] = Field(default_factory=list)
    """Nodes whose text every shipped language must translate (a report-side tree: all of it)."""
    quiz: Quiz | None = None
    entry_points: dict[EntryName, NodeRef] = Field(default_factory=dict)
    """Where Beacon opens, each declared in one tree of the content (`home` and `help` must be)."""
    nodes: dict[Slug, Node] = Field(min_length=1)


ChannelKind = Literal["call", "text", "chat", "web", "email"]


class Channel(StrictModel):
    """One way to reach a resource: a kind, the exact value, and who it serves."""

    kind: ChannelKind
    value: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    note: Text | None = None
    languages: Text | None = None


class Resource(StrictModel):
    """One hotline or reporting channel, with provenance and what it may do with what you share."""

    id: Slug
    name: Annotated[str, StringConstraints(min_length=1, max_length=120)]
    operator: Text
    law_enforcement: bool
    sharing: Text
    why: Text
    topics: list[Slug] = Field(min_length=1)
    jurisdiction: PlaceCode
    priority: int = Field(default=50, ge=0, le=100)
    channels: list[Channel] = Field(min_length=1)
    hours: Text
    languages: Text
    source_url: Annotated[str, StringConstraints(pattern=r"^https?://\S+$")]
    compiled_on: dt.date
    """When the details were compiled from `source_url` and the facts file (not a live check)."""
    checked_live_on: dt.date | None = None
    """When someone last checked the details against the live official page, if ever."""

    @property
    def country(self) -> str:
        """Return the country whose institution this is: the country part of `jurisdiction`."""
        return self.jurisdiction.partition("-")[0]

    @property
    def source(self) -> str:
        """Return the host of `source_url` (`dcs.az.gov`), the name a card gives its source."""
        return self.source_url.split("://", 1)[1].split("/", 1)[0].removeprefix("www.")

    @property
    def dated_on(self) -> dt.date:
        """Return the date freshness is judged by: the live check when there is one."""
        return self.checked_live_on or self.compiled_on

    @field_validator("topics")
    @classmethod
    def _topics_unique(cls, topics: list[str]) -> list[str]:
        """Reject a topic listed twice."""
        if len(set(topics)) != len(topics):
            raise ValueError("a topic is listed twice")
        return topics


class Topic(StrictModel):
    """A resource topic that trees may ask for."""

    id: Slug
    description: Text


CountryCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
RegionCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}-[A-Z0-9]{1,3}$")]


def known_zones(zones: list[str]) -> list[str]:
    """Reject a time zone the IANA database does not know."""
    for zone in zones:
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {zone!r}") from None
    return zones


TimeZones = Annotated[list[str], AfterValidator(known_zones)]
"""IANA time zones (`America/Phoenix`), the place's main one first."""


class Region(StrictModel):
    """A state or region with channels of its own; `name` as a geocoder spells it in English."""

    code: RegionCode
    name: Label
    time_zones: TimeZones = Field(default_factory=list)
    """The region's time zones, its main one first (reminders offer them first)."""


class Country(StrictModel):
    """A country the directory covers, and its regions that have channels of their own."""

    code: CountryCode
    name: Label
    regions: list[Region] = Field(default_factory=list, max_length=7)
    time_zones: TimeZones = Field(default_factory=list)
    """The country's time zones, its main one first: reminders offer them."""
    institutions: list[Annotated[str, StringConstraints(min_length=2, max_length=80)]] = Field(
        default_factory=list
    )
    """Names that mark this country's institutions (as written in English): no screen shown
    for another country may contain one."""

    @field_validator("regions")
    @classmethod
    def _regions_inside(cls, regions: list[Region], info: ValidationInfo) -> list[Region]:
        """Reject a region whose code is not in this country."""
        country = info.data.get("code", "")
        if any(not r.code.startswith(f"{country}-") for r in regions):
            raise ValueError(f"every region code must start with {country}-")
        return regions


class ResourceFile(StrictModel):
    """A file of the resource directory: places, topics it declares and the resources it lists."""

    schema_version: Literal[1]
    places: list[Country] = Field(default_factory=list)
    topics: list[Topic] = Field(default_factory=list)
    resources: list[Resource] = Field(default_factory=list)
