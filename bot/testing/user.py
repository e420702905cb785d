"""The simulated user every test talks through: `send` a line, `click` a button by the label it
shows in the user's language, and `expect` what the last answer showed. Three drivers share the
interface: EngineUser (the pure engine and the renderer), ServiceUser (ConversationService on a
real store), TelegramUser in bot.testing.telegram (a real runtime over the fake Bot API) and
WebUser (the web chat over HTTP, its pages read as HTML)."""

from __future__ import annotations

import datetime as dt
import itertools
from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping, Sequence

import aiohttp

from bot.content.bundle import Content
from bot.content.models import CourseNode, QuizQuestionNode
from bot.core.course import questions_of
from bot.core.events import Event, JoinOffer, Tap
from bot.core.inputs import parse_text
from bot.i18n.catalogs import Catalogs
from bot.service.conversation import ConversationService
from bot.service.messages import Inbound, Outbound
from bot.testing.clocks import FIXED_NOW
from bot.testing.service import RAW_ID
from bot.testing.simulator import CoreChat, Keyboard
from bot.testing.transcripts import Actor, Recorded, event_for, record
from bot.testing.web import WebPage


class SimulatedUser(ABC):
    """A person talking to Beacon on some channel; `seen` is what their last action showed, as
    plain data (text and button labels, tap answers, erasures, files), the same on every
    channel."""

    seen: list[Recorded]

    @abstractmethod
    async def perform(self, action: Recorded) -> list[Recorded]:
        """Do one transcript action (send, click, tap_data or other); return what was seen."""

    async def send(self, text: str) -> Sequence[object]:
        """Type a line (a command or free text); return the driver's answer."""
        return await self.perform({"send": text})

    async def click(self, label: str) -> Sequence[object]:
        """Press the button with this label on the last keyboard; return the driver's answer."""
        return await self.perform({"click": label})

    def actor(self) -> Actor:
        """Return this user as a transcript actor."""
        return self.perform

    def texts(self) -> list[str]:
        """Return the texts of the messages the last action showed."""
        return [str(entry["text"]) for entry in self.seen if "text" in entry]

    def buttons(self) -> list[str]:
        """Return the labels of every button the last action showed."""
        return [label for entry in self.seen for row in entry.get("buttons", []) for label in row]

    def expect(self, *texts: str, buttons: Iterable[str] = ()) -> None:
        """Assert that each of `texts` is part of a message the last action showed, and that
        each label of `buttons` was on a keyboard it showed."""
        shown = self.texts()
        for text in texts:
            assert any(text in message for message in shown), f"no {text!r} in {shown}"
        labels = self.buttons()
        missing = [label for label in buttons if label not in labels]
        assert not missing, f"no buttons {missing}; the buttons are {labels}"


class OutboundUser(SimulatedUser):
    """A driver that sees Beacon's Outbound messages (engine or service): `send` and `click`
    return them, `outbound` keeps the last ones, `keyboard` the last buttons."""

    def __init__(self) -> None:
        """Start with nothing seen."""
        self.seen = []
        self.outbound: list[Outbound] = []
        self.keyboard = Keyboard()

    @abstractmethod
    async def answer(self, event: Event) -> list[Outbound]:
        """Hand one event to Beacon and return its messages."""

    async def event(self, event: Event) -> list[Outbound]:
        """Send one event; remember its messages and the keyboard they show."""
        out = await self.answer(event)
        self.outbound = out
        self.seen = record(out)
        self.keyboard.update(out)
        return out

    async def perform(self, action: Recorded) -> list[Recorded]:
        """Do one transcript action; return what was seen."""
        await self.event(event_for(action, self.keyboard))
        return self.seen

    async def send(self, text: str) -> list[Outbound]:
        """Type a line (a command or free text)."""
        return await self.event(parse_text(text))

    async def click(self, label: str) -> list[Outbound]:
        """Press the button with this label on the last keyboard."""
        return await self.event(Tap(self.keyboard.data_for(label)))


class EngineUser(OutboundUser):
    """Talks to the pure engine through a CoreChat: the state goes through JSON between steps."""

    def __init__(
        self,
        content: Content,
        catalogs: Catalogs | None = None,
        locale: str = "en",
        now: dt.datetime = FIXED_NOW,
        offers: Mapping[str, JoinOffer] | None = None,
        seed: str = "",
    ) -> None:
        """Chat with `content` in `locale` at a fixed time (join codes of `offers` known),
        options ordered by `seed`."""
        super().__init__()
        self.chat = CoreChat(content, catalogs, locale, now, offers, seed)
        self.keyboard = self.chat.keyboard

    async def answer(self, event: Event) -> list[Outbound]:
        """Step the engine and render its effects."""
        return self.chat.event(event)


class ServiceUser(OutboundUser):
    """A Telegram-like user of ConversationService: each event gets the next update id."""

    def __init__(
        self,
        service: ConversationService,
        user_id: str = RAW_ID,
        update_id: int = 100,
        language: str = "en",
        *,
        sequenced: bool = False,
    ) -> None:
        """Talk to `service` as `user_id`; the first event gets update id `update_id` + 1;
        `sequenced`: each update's id is also its place in order, as Telegram's bridge gives."""
        super().__init__()
        self.service = service
        self.user_id = user_id
        self.update_id = update_id
        self.language = language
        self.sequenced = sequenced

    async def answer(self, event: Event) -> list[Outbound]:
        """Handle the event with a fresh update id."""
        self.update_id += 1
        return await self.at(event, self.update_id)

    async def at(self, event: Event, update_id: int) -> list[Outbound]:
        """Handle the event as update `update_id`."""
        sequence = update_id if self.sequenced else None
        inbound = Inbound(
            "telegram", self.user_id, event, self.language, update_id, sequence=sequence
        )
        return await self.service.handle(inbound)

    async def event(self, event: Event, update_id: int | None = None) -> list[Outbound]:
        """Send one event with a fresh update id (or a given one)."""
        if update_id is None:
            return await super().event(event)
        out = await self.at(event, update_id)
        self.outbound = out
        self.seen = record(out)
        self.keyboard.update(out)
        return out


class WebUser(SimulatedUser):
    """A person in a browser without JavaScript: pages come over HTTP and are read as HTML;
    a click posts the button's form, a typed line posts the text box's."""

    def __init__(self, client: aiohttp.ClientSession, base: str, language: str = "en") -> None:
        """Browse the web chat at `base` with `client` (its cookie jar is the browser's)."""
        self.client = client
        self.base = base
        self.language = language
        self.seen = []
        self.page: WebPage | None = None
        self.status = 0

    async def load(self, response: aiohttp.ClientResponse) -> list[Recorded]:
        """Read a page; remember it and what its last action showed."""
        self.status = response.status
        self.page = WebPage(await response.text())
        self.seen = self.page.recorded()
        return self.seen

    async def open(self) -> list[Recorded]:
        """Open the chat's page (a new visitor starts a conversation)."""
        headers = {"Accept-Language": self.language}
        async with self.client.get(f"{self.base}/", headers=headers) as response:
            return await self.load(response)

    async def post(self, fields: Mapping[str, str], path: str = "/say") -> list[Recorded]:
        """Post a form of the page (with its CSRF token unless `fields` gives one)."""
        if self.page is None:
            await self.open()
        assert self.page is not None
        form = {"csrf": self.page.csrf or "", **fields}
        headers = {"Accept-Language": self.language}
        async with self.client.post(f"{self.base}{path}", data=form, headers=headers) as response:
            return await self.load(response)

    async def perform(self, action: Recorded) -> list[Recorded]:
        """Do one transcript action over HTTP; media (`other`) cannot be sent from a page."""
        if self.page is None:
            await self.open()
        assert self.page is not None
        if "send" in action:
            return await self.post({"text": str(action["send"])})
        if "click" in action:
            return await self.post({"b": self.page.data_for(str(action["click"]))})
        if "tap_data" in action:
            return await self.post({"b": str(action["tap_data"])})
        raise ValueError(f"a web page cannot do {action}")


_first_update_ids = itertools.count(10_000, 10_000)


def distinct_user(service: ConversationService, user_id: str) -> ServiceUser:
    """Return a service user whose update ids no other distinct user of the run shares."""
    return ServiceUser(service, user_id, update_id=next(_first_update_ids))


async def finish_course(user: SimulatedUser, content: Content, by_buttons: bool = False) -> None:
    """Take the check (form A), every module and the final check (form B) by clicking the
    right answers; reach the course by /learn, or `by_buttons` (a page with no text box) from
    the main menu and, after each quiz, by its result's way back to the course."""

    async def to_course() -> None:
        if not by_buttons:
            await user.send("/learn")
            return
        shown = user.buttons()
        ways = ("Back to the course", "All modules", "Learn the signs")
        await user.click(next(label for label in ways if label in shown))

    course = content.trees["learn"].nodes["menu"]
    assert isinstance(course, CourseNode)

    async def answer_all(tree_id: str) -> None:
        tree = content.trees[tree_id]
        await user.click(getattr(tree.nodes[tree.start], "button", "Start"))
        for question in questions_of(tree):
            node = tree.nodes[question]
            assert isinstance(node, QuizQuestionNode)
            await user.click(next(o.label for o in node.options if o.correct))

    await to_course()
    await user.click("Start with the knowledge check")
    await answer_all("check")
    for module in course.modules:
        await to_course()
        quiz = content.trees[module].quiz
        assert quiz is not None
        await user.click(quiz.title)
        await answer_all(module)
    await to_course()
    await user.click("Take the final knowledge check")
    await answer_all(course.knowledge_check_after or "check")
