"""Golden transcripts, replayed through the pure engine, through the service on SQLite, and
over the web chat's HTTP (pages read as HTML).

Run `pytest tests/test_transcripts.py --rewrite-transcripts` to record them anew after a
deliberate change, then read the diff.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.content.bundle import Content
from bot.i18n.catalogs import Catalogs
from bot.orgs.directory import OrgDirectory
from bot.orgs.service import Organizations
from bot.service.certificates import certificate_secret
from bot.service.conversation import ConversationService
from bot.service.ports import ConversationStore
from bot.settings import PROJECT_ROOT
from bot.storage.database import make_engine, migrate, open_store
from bot.storage.web_session_table import SqlWebSessions
from bot.testing import transcripts
from bot.testing.clocks import FIXED_NOW, ManualClock
from bot.testing.service import SECRET, learner_seed, service_on
from bot.testing.user import EngineUser, ServiceUser, WebUser
from bot.testing.web import SeededKeyer, on_the_web, roomy_limits, serving
from bot.transports.web.server import WebChat

TRANSCRIPTS = sorted((Path(__file__).parent / "transcripts").glob("*.yaml"))


@asynccontextmanager
async def transcript_store(
    recorded: transcripts.Recorded, tmp_path: Path
) -> AsyncIterator[tuple[AsyncEngine, ConversationStore, Organizations]]:
    """Yield a migrated SQLite database with the transcript's organization, Beacon's store on
    it and the organizations service; close both afterwards."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'replay.db'}"
    database = make_engine(url)
    await migrate(database)
    await transcripts.organize(recorded, database)
    store = await open_store(url)
    try:
        yield database, store, Organizations(OrgDirectory(database), certificate_secret(SECRET))
    finally:
        await store.close()
        await database.dispose()


@pytest.mark.parametrize("path", TRANSCRIPTS, ids=[p.stem for p in TRANSCRIPTS])
async def test_transcript_through_the_engine(
    path: Path, shipped_content: Content, catalogs: Catalogs, request: pytest.FixtureRequest
) -> None:
    """The engine, its state saved as JSON and reloaded between steps, says what is recorded."""
    recorded = transcripts.load(path)
    seed = learner_seed(transcripts.user_of(recorded) or transcripts.DEFAULT_USER)
    user = EngineUser(shipped_content, catalogs, offers=transcripts.offers_of(recorded), seed=seed)
    actual = await transcripts.replay(recorded["steps"], user.actor())
    if request.config.getoption("--rewrite-transcripts"):
        transcripts.dump(path, {**recorded, "steps": actual})
        return
    for number, (expected, got) in enumerate(zip(recorded["steps"], actual, strict=True), 1):
        assert got == expected, f"{path.name} step {number}"


@pytest.mark.parametrize("path", TRANSCRIPTS, ids=[p.stem for p in TRANSCRIPTS])
async def test_transcript_through_the_service(
    path: Path, shipped_content: Content, tmp_path: Path
) -> None:
    """The service on a real SQLite database answers exactly as the recorded transcript."""
    recorded = transcripts.load(path)
    async with transcript_store(recorded, tmp_path) as (_, store, orgs):
        user_id = transcripts.user_of(recorded) or transcripts.DEFAULT_USER
        user = ServiceUser(service_on(store, shipped_content, orgs=orgs), user_id, update_id=0)
        actual = await transcripts.replay(recorded["steps"], user.actor())
    for number, (expected, got) in enumerate(zip(recorded["steps"], actual, strict=True), 1):
        assert got == expected, f"{path.name} step {number}"


@pytest.mark.parametrize("path", TRANSCRIPTS, ids=[p.stem for p in TRANSCRIPTS])
async def test_transcript_over_the_web(
    path: Path, shipped_content: Content, tmp_path: Path
) -> None:
    """The web chat, over real HTTP on SQLite, shows the recorded texts, buttons, notes and
    files (a page has no message edits or erasures; it cannot send media, so those steps are
    left out), or a step's `web_expect` where the web answers otherwise (reminders); quiz
    options come in the order of the transcript's learner."""
    recorded = transcripts.load(path)
    seed = learner_seed(transcripts.user_of(recorded) or transcripts.DEFAULT_USER)
    steps = [step for step in recorded["steps"] if "other" not in step]
    async with transcript_store(recorded, tmp_path) as (database, store, orgs):
        service = ConversationService(
            shipped_content,
            store,
            ManualClock(FIXED_NOW),
            Catalogs(PROJECT_ROOT / "locales"),
            SeededKeyer(SECRET, seed),
            orgs=orgs,
        )
        async with (
            serving(WebChat(service, SqlWebSessions(database), limits=roomy_limits())) as base,
            aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as client,
        ):
            user = WebUser(client, base)
            await user.open()
            actual = await transcripts.replay(steps, user.actor())
    for number, (expected, got) in enumerate(zip(steps, actual, strict=True), 1):
        want = expected.get("web_expect") or on_the_web(expected["expect"])
        assert got["expect"] == want, f"{path.name} step {number}"


def test_transcripts_that_show_quiz_options_name_distinct_users() -> None:
    """A transcript that shows a quiz question names the user whose seed ordered its options
    (so every channel replays it as that user), and no two transcripts share a user."""
    named = []
    for path in TRANSCRIPTS:
        recorded = transcripts.load(path)
        shows_options = "Question 1 of" in path.read_text(encoding="utf-8")
        user = transcripts.user_of(recorded)
        assert user is not None or not shows_options, path.name
        named += [user] if user is not None else []
    assert len(named) == len(set(named)) >= 3


def test_two_learners_see_one_question_in_different_orders() -> None:
    """The two options_per_learner transcripts show the same question with the same options,
    in different orders."""

    def first_question(name: str) -> tuple[str, list[str]]:
        steps = transcripts.load(Path(__file__).parent / "transcripts" / f"{name}.yaml")["steps"]
        [shown] = [e for e in steps[1]["expect"] if "buttons" in e]
        return shown["text"], [row[0] for row in shown["buttons"][:-1]]

    text, one = first_question("options_per_learner")
    other_text, other = first_question("options_per_learner_other")
    assert text == other_text
    assert sorted(one) == sorted(other) and one != other
