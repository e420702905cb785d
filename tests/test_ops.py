"""The operators' endpoints: `/metrics` after real traffic (Telegram through the fake Bot API,
the web chat over HTTP, the jobs), read with Prometheus's own text parser; `/healthz`; and
`/readyz`, which turns 503 when the database is cut off, its schema is not this Beacon's, or
Redis does not answer."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr
from sqlalchemy import text

from bot.app import App, check_metrics_mode, jobs, readiness
from bot.errors import StartupError
from bot.runner import run_until_signalled
from bot.service.channels import Channels
from bot.service.jobs import Job, JobRunner
from bot.service.metrics import Metrics
from bot.service.ports import StoreUnavailable
from bot.settings import PROJECT_ROOT, Settings
from bot.testing.db_trouble import proxied_postgres as proxied_postgres_app
from bot.testing.fake_telegram import FakeTelegram
from bot.testing.tcp_proxy import CuttableProxy
from bot.testing.telegram import TelegramUser, free_port, running
from bot.testing.web import roomy_limits, serving
from bot.transports.ops import OpsServer, ops_server
from bot.transports.web.launch import web_config
from bot.transports.web.server import WebChat

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]
REDIS = "redis://127.0.0.1:6379/15"
SENDING = ("sendMessage", "editMessageText")


def samples(exposition: str) -> Samples:
    """Read a scrape with prometheus_client's parser: each sample's value by name and labels."""
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(exposition)
        for sample in family.samples
    }


def value(found: Samples, name: str, **labels: str) -> float:
    """Return a sample's value (0 when the scrape does not have it)."""
    return found.get((name, frozenset(labels.items())), 0.0)


def total(found: Samples, name: str, **labels: str) -> float:
    """Return the sum of a metric's samples whose labels include `labels`."""
    wanted = set(labels.items())
    return sum(v for (n, given), v in found.items() if n == name and wanted <= given)


@asynccontextmanager
async def ops(app: App) -> AsyncIterator[tuple[OpsServer, aiohttp.ClientSession]]:
    """Serve the app's ops endpoints on a free port of 127.0.0.1, with a client for them."""
    server = OpsServer(app.metrics, readiness(app), "127.0.0.1", free_port())
    await server.start()
    try:
        async with aiohttp.ClientSession(base_url=server.address) as client:
            yield server, client
    finally:
        await server.stop()


async def scrape(client: aiohttp.ClientSession) -> Samples:
    """GET /metrics and parse it."""
    async with client.get("/metrics") as response:
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
        return samples(await response.text())


async def ready(client: aiohttp.ClientSession) -> tuple[int, dict[str, str]]:
    """GET /readyz: its status and its `name: word` lines."""
    async with client.get("/readyz") as response:
        lines = (await response.text()).splitlines()
        return response.status, dict(line.split(": ", 1) for line in lines)


async def answered_429(fake: FakeTelegram) -> None:
    """Wait (at most 5 s) until the fake has answered a call with 429."""
    for _ in range(500):
        if any(call.status == 429 for call in fake.calls):
            return
        await asyncio.sleep(0.01)
    raise AssertionError("no call was answered 429")


async def test_a_telegram_conversation_moves_the_counters(fake: FakeTelegram, app: App) -> None:
    """A person's conversation through aiogram and the fake Bot API (one send answered 429)
    is counted: updates handled, handling latency, sends by outcome matching
    what the server answered, 429s and the wait they asked for."""
    async with ops(app) as (_, client), running(fake, app, "aiogram", "polling") as runtime:
        before = await scrape(client)
        assert value(before, "beacon_updates_total", channel="telegram", outcome="handled") == 0
        user = TelegramUser(fake, runtime)
        await user.send("/start")
        fake.set_faults(SENDING, rate_429=1, retry_after=1)
        learning = asyncio.create_task(user.send("/learn"))
        await answered_429(fake)
        fake.clear_faults()
        await learning
        await user.click("Start with the knowledge check")
        await runtime.bridge.wait_idle(10)
        after = await scrape(client)
    handled = value(after, "beacon_updates_total", channel="telegram", outcome="handled")
    assert handled == 3
    assert value(after, "beacon_update_handling_seconds_count", channel="telegram") == 3
    assert value(after, "beacon_update_handling_seconds_sum", channel="telegram") > 0
    calls = [call for method in SENDING for call in fake.calls_to(method)]
    limited = sum(call.status == 429 for call in calls)
    assert limited == 1
    for method in SENDING:
        sends = {"channel": "telegram", "method": method}
        answered = [call.status for call in fake.calls_to(method)]
        assert value(after, "beacon_sends_total", **sends, outcome="rate_limited") == sum(
            status == 429 for status in answered
        )
        assert value(after, "beacon_sends_total", **sends, outcome="ok") == sum(
            status == 200 for status in answered
        )
    assert value(after, "beacon_rate_limited_total", channel="telegram") == limited
    assert value(after, "beacon_retry_after_seconds_total", channel="telegram") == limited
    assert value(after, "beacon_sends_total", channel="telegram", method="answerCallbackQuery",
                 outcome="ok") == 1  # fmt: skip


async def test_a_web_conversation_is_counted_on_its_channel(app: App) -> None:
    """Opening the web chat over HTTP counts its update under the web channel, not Telegram."""
    chat = WebChat(app.service, app.web_sessions(), web_config(app), limits=roomy_limits())
    async with (
        ops(app) as (_, client),
        serving(chat) as base,
        aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as browser,
    ):
        async with browser.get(f"{base}/") as page:
            assert page.status == 200
        found = await scrape(client)
    assert value(found, "beacon_updates_total", channel="web", outcome="handled") >= 1
    assert total(found, "beacon_updates_total", channel="telegram") == 0
    assert value(found, "beacon_update_handling_seconds_count", channel="web") >= 1


async def test_job_rounds_and_database_errors_are_counted(app: App) -> None:
    """One round of each of the app's jobs counts as ok; a round the database refused counts
    as failed and as a database error with its reason."""

    async def locked() -> None:
        """A round that meets a locked database."""
        raise StoreUnavailable("locked")

    flaky = Job("flaky", 3600, locked)
    runner = JobRunner(
        [*jobs(app, Channels([])), flaky], app.leases(), app.service.clock, metrics=app.metrics
    )
    await runner.start()
    for _ in range(1000):  # each job's first round runs at once; wait (at most 10 s) for all
        found = samples(app.metrics.exposition().decode())
        if total(found, "beacon_job_run_seconds_count") == len(runner.jobs):
            break
        await asyncio.sleep(0.01)
    await runner.stop()
    found = samples(app.metrics.exposition().decode())
    for name in ("reminders", "retention", "web_sessions"):
        assert value(found, "beacon_job_runs_total", job=name, result="ok") == 1, name
        assert value(found, "beacon_job_run_seconds_count", job=name) == 1, name
    assert value(found, "beacon_job_runs_total", job="flaky", result="failed") == 1
    assert value(found, "beacon_database_errors_total", reason="locked") == 1


async def test_a_round_left_to_the_lease_holder_counts_as_skipped(app: App) -> None:
    """While one worker holds a job's lease, another's round of it counts as skipped."""
    job = Job("reminders", 3600, lambda: asyncio.sleep(0))
    holder = JobRunner([job], app.leases(), app.service.clock, "one", metrics=app.metrics)
    other = JobRunner([job], app.leases(), app.service.clock, "two", metrics=app.metrics)
    await holder.start()  # each runner's first round runs at once
    for _ in range(1000):  # at most 10 s
        if holder.held:
            break
        await asyncio.sleep(0.01)
    await other.start()
    for _ in range(1000):
        found = samples(app.metrics.exposition().decode())
        if total(found, "beacon_job_run_seconds_count") == 2:
            break
        await asyncio.sleep(0.01)
    await other.stop()
    await holder.stop()
    assert value(found, "beacon_job_runs_total", job="reminders", result="ok") == 1
    assert value(found, "beacon_job_runs_total", job="reminders", result="skipped") == 1


async def test_each_app_counts_in_its_own_registry(app: App) -> None:
    """Two metrics objects share nothing: counting in one leaves the other at zero."""
    other = Metrics()
    app.metrics.update("web", "handled", 0.01)
    assert value(samples(other.exposition().decode()), "beacon_updates_total",
                 channel="web", outcome="handled") == 0  # fmt: skip
    assert value(samples(app.metrics.exposition().decode()), "beacon_updates_total",
                 channel="web", outcome="handled") == 1  # fmt: skip


async def test_healthz_is_alive_and_readyz_ready_on_sqlite(app: App) -> None:
    """On a migrated SQLite database both endpoints answer 200, with a word per check."""
    async with ops(app) as (_, client):
        async with client.get("/healthz") as alive:
            assert alive.status == 200
        assert await ready(client) == (200, {"database": "ok", "schema": "ok"})


@pytest.mark.parametrize(("revision", "word"), [("0099", "ahead"), ("0008", "behind")])
async def test_readyz_is_503_when_the_schema_is_not_this_beacons(
    app: App, revision: str, word: str
) -> None:
    """A newer Beacon migrated the database (or an old backup came back): not ready, and the
    schema check says which; the database itself still answers."""
    async with ops(app) as (_, client):
        async with app.database.begin() as connection:
            await connection.execute(
                text("UPDATE alembic_version SET version_num = :v"), {"v": revision}
            )
        assert await ready(client) == (503, {"database": "ok", "schema": word})


@pytest.fixture
async def proxied_postgres(
    tmp_path: Path, postgres_server: str
) -> AsyncIterator[tuple[App, CuttableProxy]]:
    """Beacon on a fresh PostgreSQL database reached through a cuttable proxy."""
    async with proxied_postgres_app(postgres_server, tmp_path, "beacon_ops") as proxied:
        yield proxied


async def test_readyz_follows_a_cut_postgresql_connection(
    proxied_postgres: tuple[App, CuttableProxy],
) -> None:
    """Ready on PostgreSQL; 503 "database: unreachable" while the proxy refuses connections
    (the shared server is never touched), alive all the while; ready again once restored."""
    app, proxy = proxied_postgres
    async with ops(app) as (_, client):
        assert await ready(client) == (200, {"database": "ok", "schema": "ok"})
        proxy.cut()
        assert await ready(client) == (503, {"database": "unreachable", "schema": "unknown"})
        async with client.get("/healthz") as alive:
            assert alive.status == 200
        assert proxy.refused > 0
        proxy.restore()
        assert await ready(client) == (200, {"database": "ok", "schema": "ok"})


def with_redis(app: App, url: str) -> App:
    """Return the app with REDIS_URL set to `url`."""
    app.settings = app.settings.model_copy(update={"redis_url": SecretStr(url)})
    return app


async def test_readyz_checks_redis_when_it_is_set(app: App) -> None:
    """With REDIS_URL set, the Redis on 127.0.0.1:6379 answers PING: ready."""
    async with ops(with_redis(app, REDIS)) as (_, client):
        assert await ready(client) == (200, {"database": "ok", "schema": "ok", "redis": "ok"})


async def test_readyz_is_503_when_redis_does_not_answer(app: App) -> None:
    """REDIS_URL on a port nothing listens on: not ready, and only Redis is named; the URL
    (which may hold a password) is not in the answer."""
    url = f"redis://:hunter2-{uuid.uuid4().hex}@127.0.0.1:{free_port()}/0"
    async with ops(with_redis(app, url)) as (_, client):
        async with client.get("/readyz") as response:
            body = await response.text()
        assert response.status == 503
        assert body == "database: ok\nschema: ok\nredis: unreachable\n"
        assert "hunter2" not in body


def test_the_ops_port_may_not_be_the_web_chats(app: App) -> None:
    """OPS_PORT on the web chat's host and port is refused, naming OPS_PORT."""
    app.settings = app.settings.model_copy(update={"ops_port": 8080, "web_port": 8080})
    with pytest.raises(StartupError) as refused:
        ops_server(app)
    assert refused.value.setting == "OPS_PORT"


def test_a_multiprocess_folder_set_only_in_dotenv_is_refused(tmp_path: Path) -> None:
    """PROMETHEUS_MULTIPROC_DIR that prometheus_client did not see at import (as when it is
    only in .env) is refused: the workers' figures would never be added up."""
    settings = Settings(prometheus_multiproc_dir=tmp_path)
    with pytest.raises(StartupError) as refused:
        check_metrics_mode(settings)
    assert refused.value.setting == "PROMETHEUS_MULTIPROC_DIR"


WORKER = """
from bot.service.metrics import Metrics
metrics = Metrics()
for _ in range({n}):
    metrics.update("telegram", "handled", 0.004)
metrics.job_ran("retention", "ok", 0.5)
"""
SCRAPE = "import sys; from bot.service.metrics import Metrics; " \
    "sys.stdout.write(Metrics().exposition().decode())"  # fmt: skip


def python(code: str, environment: Mapping[str, str]) -> str:
    """Run Python code in a new process with Beacon importable; return what it printed."""
    done = subprocess.run(
        [sys.executable, "-c", code], env={**environment, "PYTHONPATH": str(PROJECT_ROOT)},
        capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    return done.stdout


def test_workers_sharing_a_multiprocess_folder_are_added_up(tmp_path: Path) -> None:
    """Two worker processes count into one PROMETHEUS_MULTIPROC_DIR; a third process's
    scrape (what any worker's /metrics serves) is their sum."""
    environment = {"PATH": os.environ.get("PATH", ""), "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    python(WORKER.format(n=3), environment)
    python(WORKER.format(n=4), environment)
    writers = {file.stem.rsplit("_", 1)[1] for file in tmp_path.glob("*.db")}
    assert len(writers) == 2, "each worker writes its own files (named by its process id)"
    found = samples(python(SCRAPE, environment))
    assert value(found, "beacon_updates_total", channel="telegram", outcome="handled") == 7
    assert value(found, "beacon_update_handling_seconds_count", channel="telegram") == 7
    assert value(found, "beacon_job_runs_total", job="retention", result="ok") == 2


async def test_the_runner_serves_the_ops_endpoints_when_ops_port_is_set(app: App) -> None:
    """`run_until_signalled` with OPS_PORT set serves /healthz and /metrics beside the jobs,
    whose rounds the scrape then shows; after the stop the port is closed."""
    port = free_port()
    app.settings = app.settings.model_copy(update={"ops_port": port})
    stop = asyncio.Event()
    running_task = asyncio.create_task(run_until_signalled(app, [], stop))
    found: Samples = {}
    async with aiohttp.ClientSession(base_url=f"http://127.0.0.1:{port}") as client:
        for _ in range(500):  # at most 5 s for the start and the jobs' first rounds
            try:
                found = await scrape(client)
            except aiohttp.ClientConnectionError:
                found = {}
            if value(found, "beacon_job_runs_total", job="retention", result="ok"):
                break
            await asyncio.sleep(0.01)
        async with client.get("/healthz") as alive:
            assert alive.status == 200
        stop.set()
        await running_task
        with pytest.raises(aiohttp.ClientConnectionError):
            await scrape(client)
    assert value(found, "beacon_job_runs_total", job="retention", result="ok") == 1
