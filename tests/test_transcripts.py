"""Golden transcripts, replayed through the pure engine and through the service on SQLite.

Run `pytest tests/test_transcripts.py --rewrite-transcripts` to record them anew after a
deliberate change, then read the diff.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.content.bundle import Content
from bot.i18n.catalogs import Catalogs
from bot.orgs.directory import OrgDirectory
from bot.orgs.service import Organizations
from bot.service.certificates import certificate_secret
from bot.storage.database import make_engine, migrate, open_store
from bot.testing import transcripts
from bot.testing.service import SECRET, service_on
from bot.testing.user import EngineUser, ServiceUser

TRANSCRIPTS = sorted((Path(__file__).parent / "transcripts").glob("*.yaml"))


@pytest.mark.parametrize("path", TRANSCRIPTS, ids=[p.stem for p in TRANSCRIPTS])
async def test_transcript_through_the_engine(
    path: Path, shipped_content: Content, catalogs: Catalogs, request: pytest.FixtureRequest
) -> None:
    """The engine, its state saved as JSON and reloaded between steps, says what is recorded."""
    recorded = transcripts.load(path)
    user = EngineUser(shipped_content, catalogs, offers=transcripts.offers_of(recorded))
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
    url = f"sqlite+aiosqlite:///{tmp_path / 'replay.db'}"
    database = make_engine(url)
    await migrate(database)
    await transcripts.organize(recorded, database)
    store = await open_store(url)
    orgs = Organizations(OrgDirectory(database), certificate_secret(SECRET))
    user = ServiceUser(service_on(store, shipped_content, orgs=orgs), "42", update_id=0)
    try:
        actual = await transcripts.replay(recorded["steps"], user.actor())
    finally:
        await store.close()
        await database.dispose()
    for number, (expected, got) in enumerate(zip(recorded["steps"], actual, strict=True), 1):
        assert got == expected, f"{path.name} step {number}"
