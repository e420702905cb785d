"""The composition root: build everything Beacon needs from settings, and nothing at import:
the app (content, database, service), its background jobs, and the transports that run."""

from __future__ import annotations

import hashlib
import hmac
import importlib
import importlib.util
import logging
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.campaigns.registry import RegisteredLinks
from bot.content.bundle import Content
from bot.content.issues import IssueCode, LintIssue
from bot.content.lint import lint
from bot.content.loader import LoadedContent, load_content
from bot.content.parsed_cache import ParsedCache
from bot.core.codec import encodable
from bot.core.course import course_nodes
from bot.core.effects import Msg
from bot.core.places import known
from bot.errors import StartupError
from bot.i18n.catalogs import Catalogs
from bot.logs import event
from bot.orgs.directory import OrgDirectory
from bot.orgs.service import Organizations
from bot.service.certificates import Certificates, certificate_secret
from bot.service.channels import Channel, Channels
from bot.service.conversation import ConversationService
from bot.service.health import Probe, Readiness
from bot.service.jobs import WEB_SESSIONS_EVERY, Job, beacon_jobs
from bot.service.metrics import MULTIPROC_VARIABLE, Metrics, multiprocess
from bot.service.ports import Clock, ConversationStore, SystemClock
from bot.service.reminders import ChannelReminders, ReminderScheduler
from bot.service.send_limits import (
    BOT_BURST,
    Allowance,
    MemoryLimiter,
    SendLimiter,
    SendLimits,
)
from bot.service.user_keys import UserKeyer
from bot.settings import SECRET_FILE, Settings, secret_fingerprint, user_key_secret
from bot.storage.certificate_table import CertificateTable
from bot.storage.database import (
    holds_users,
    keep_fingerprint,
    make_engine,
    open_store,
    ready_schema,
    stored_fingerprint,
)
from bot.storage.exit_message_table import ExitMessageWriter, SqlMessageLog
from bot.storage.health import DatabaseProbe, RedisProbe
from bot.storage.lease_table import SqlLeases
from bot.storage.reminder_table import SqlReminderTable
from bot.storage.retention import RetentionJob
from bot.storage.web_session_table import PageReader, SqlWebSessions, WebSessionExpiry

if TYPE_CHECKING:  # redis is imported only when REDIS_URL is set
    from redis.asyncio import Redis

RUNNING_ALLOWED = frozenset(
    {
        IssueCode.STALE_VERIFICATION,
        IssueCode.ANSWER_LENGTH,
        IssueCode.LONGEST_ANSWER_SHARE,
        IssueCode.FEEDBACK_VERDICT,
    }
)
"""Errors that fail `content check` (and so CI) but do not stop a bot that is already serving:
a hotline verified too long ago must be re-checked, quiz answers that give themselves away by
length must be rewritten, and a verdict at the start of a feedback only shows twice; people
still need the bot meanwhile."""
log = logging.getLogger("beacon.app")


class ContentError(Exception):
    """The content has errors; Beacon refuses to start."""

    def __init__(self, issues: list[LintIssue]) -> None:
        """Keep the issues to show them."""
        super().__init__("\n".join(map(str, issues)))
        self.issues = issues


@dataclass
class App:
    """A built Beacon: its content, database and conversation service."""

    settings: Settings
    content: Content
    database: AsyncEngine
    store: ConversationStore
    service: ConversationService
    redis: Redis | None = None
    """The Redis every worker shares (REDIS_URL), or None for one process."""
    send_limiter: SendLimiter | None = None
    """Telegram's sending budget: in Redis when REDIS_URL is set, else in memory; None when
    TELEGRAM_RATE is 0 (no limits: a test server)."""

    @property
    def metrics(self) -> Metrics:
        """Return the metrics the app's components count in (the service's)."""
        return self.service.metrics

    async def close(self) -> None:
        """Release the database and Redis connections."""
        if self.send_limiter is not None:
            await self.send_limiter.close()
        if self.redis is not None:
            await self.redis.aclose()
        await self.store.close()
        await self.database.dispose()

    def exit_messages(self, platform: str) -> SqlMessageLog:
        """Return the database log of a platform's exit message ids, written through the
        store (beside each reply)."""
        if not isinstance(self.store, ExitMessageWriter):
            raise TypeError("the store cannot record exit message ids")
        service = self.service
        return SqlMessageLog(self.database, service.keyer, service.clock, self.store, platform)

    def campaign_links(self) -> RegisteredLinks:
        """Return the registered campaigns' links (the web's `/c/<name>`)."""
        return RegisteredLinks(self.database)

    def web_sessions(self) -> SqlWebSessions:
        """Return the database's web sessions (the web chat's session store)."""
        reader = self.store if isinstance(self.store, PageReader) else None
        return SqlWebSessions(self.database, reader)

    def leases(self) -> SqlLeases:
        """Return the database's job leases (which worker runs each background job)."""
        return SqlLeases(self.database)


@dataclass(frozen=True, slots=True)
class Transport:
    """A transport Beacon can serve on: its builder, a "module:function" taking the App and
    returning a Channel (imported only when wanted), and the setting whose presence turns it on."""

    name: str
    builder: str
    setting: str

    def wanted(self, settings: Settings) -> bool:
        """Say whether the settings turn this transport on (its setting is set)."""
        return getattr(settings, self.setting) is not None

    def build(self, app: App) -> Channel:
        """Import the builder and return the transport's channel for `app`."""
        module, function = self.builder.split(":")
        make: Callable[[App], Channel] = getattr(importlib.import_module(module), function)
        return make(app)


TRANSPORTS = (
    Transport("telegram", "bot.transports.telegram.launch:telegram_channel", "bot_token"),
    Transport("web", "bot.transports.web.launch:web_channel", "web_port"),
)
"""Every transport, one line each; `python -m bot run` serves all that the settings turn on."""


def wanted_transports(settings: Settings) -> list[Transport]:
    """Return the transports the settings turn on."""
    return [transport for transport in TRANSPORTS if transport.wanted(settings)]


def transports(app: App) -> list[Channel]:
    """Return a channel for every transport the app's settings turn on, in TRANSPORTS order."""
    return [transport.build(app) for transport in wanted_transports(app.settings)]


def reminder_scheduler(app: App, channels: Channels) -> ReminderScheduler:
    """Return the reminder scheduler, sending each due reminder through its platform's channel."""
    service = app.service
    sender = ChannelReminders(channels, service.say)
    return ReminderScheduler(
        SqlReminderTable(app.database), service.sealer, sender.send, service.clock
    )


def jobs(app: App, channels: Channels) -> list[Job]:
    """Return the app's background jobs: reminders through `channels`, retention, and the end
    of idle web sessions (also when the web chat no longer runs, so none outlives its time)."""
    settings = app.settings
    retention = RetentionJob(app.database, app.service.clock, settings.retention_days)
    expiry = WebSessionExpiry(
        app.web_sessions(), app.service.clock, settings.web_session_minutes,
        settings.retention_days,
    )  # fmt: skip
    return [
        *beacon_jobs(reminder_scheduler(app, channels), retention),
        Job("web_sessions", WEB_SESSIONS_EVERY, expiry.run_once),
    ]


def readiness(app: App) -> Readiness:
    """Return the app's readiness checks: the database answers and its schema is at head, and
    when REDIS_URL is set, Redis answers PING."""
    probes: list[Probe] = [DatabaseProbe(app.database)]
    if app.settings.redis_url is not None:
        probes.append(RedisProbe(app.settings.redis_url.get_secret_value()))
    return Readiness(probes)


def check_metrics_mode(settings: Settings) -> None:
    """Refuse a PROMETHEUS_MULTIPROC_DIR that prometheus_client did not see when Beacon
    started (set only in .env): the workers' metrics would not be added up."""
    if settings.prometheus_multiproc_dir is not None and not multiprocess():
        raise StartupError(
            MULTIPROC_VARIABLE,
            "must be in the environment Beacon starts with (not only in .env): "
            "prometheus_client reads it once, when it is imported",
        )


def checked_catalogs(settings: Settings) -> Catalogs:
    """Return the catalogs in LOCALES_DIR; DEFAULT_LOCALE must be one of their languages."""
    catalogs = Catalogs(settings.locales_dir, settings.default_locale)
    if settings.default_locale not in catalogs.codes():
        raise StartupError(
            "DEFAULT_LOCALE",
            f"{settings.default_locale!r} is not a shipped language; "
            f"the languages in {settings.locales_dir} are: {', '.join(catalogs.codes())}",
        )
    return catalogs


def check_place(settings: Settings, content: Content) -> None:
    """Refuse a DEFAULT_PLACE that the hotline directory does not cover."""
    if not known(content, settings.default_place):
        countries = ", ".join(country.code for country in content.places)
        raise StartupError(
            "DEFAULT_PLACE",
            f"{settings.default_place!r} is not a place the hotline directory covers; "
            f"use a country code ({countries}) or one of its regions, such as US-AZ",
        )


async def checked_secret(settings: Settings, database: AsyncEngine) -> bytes:
    """Return the user-key secret, refusing one this (migrated) database was not made with.

    A database without a fingerprint records the secret's; only a new one (no fingerprint and
    nobody stored) may have a secret file made for it.
    """
    stored = await stored_fingerprint(database)
    new = stored is None and not await holds_users(database)
    secret = user_key_secret(settings, new_database=new)
    fingerprint = secret_fingerprint(secret)
    if stored is None:
        stored = await keep_fingerprint(database, fingerprint)
    if not hmac.compare_digest(stored, fingerprint):
        raise StartupError(
            "USER_KEY_SECRET",
            "is not the secret this database was made with; set it to the original, "
            f"or DATA_DIR to the folder that holds the original {SECRET_FILE}",
        )
    return secret


CONTENT_CACHE_DIR = Path("cache", "content")
"""The folder in DATA_DIR holding the content files as parsed (bot.content.parsed_cache)."""
LANGUAGE_NAMES_FILE = Path("cache", "language-names.json")
"""The file in DATA_DIR holding each language's native name as Babel gave it (JSON)."""
CATALOGS_CHECKED_FILE = ".beacon-catalogs-checked"
"""The file in DATA_DIR holding the fingerprint of the last content and catalogs found clean."""


def catalogs_fingerprint(settings: Settings) -> str:
    """Return a hash of every content and catalog file (path and bytes) and of the checks' code
    (found, not imported: the checks and Babel's catalog tools load only when they run)."""
    spec = importlib.util.find_spec("bot.i18n.checks")
    assert spec is not None and spec.origin is not None
    digest = hashlib.sha256(Path(spec.origin).read_bytes())
    for folder in (settings.content_dir, settings.locales_dir):
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            digest.update(str(path.relative_to(folder)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def catalog_issues(
    settings: Settings, catalogs: Catalogs, loaded: LoadedContent
) -> list[LintIssue]:
    """Check the catalogs against the content, skipped when DATA_DIR records this exact set of
    files as clean; a clean check is recorded there (best effort), issues never are."""
    assert loaded.content is not None
    record = settings.data_dir / CATALOGS_CHECKED_FILE
    fingerprint = catalogs_fingerprint(settings)
    with suppress(OSError):
        if hmac.compare_digest(record.read_text(encoding="ascii").strip(), fingerprint):
            return []
    from bot.i18n.checks import check_catalogs

    issues = check_catalogs(catalogs, loaded.content.trees).issues
    if not issues:
        with suppress(OSError):
            record.write_text(fingerprint + "\n", encoding="ascii")
    return issues


def load_checked(
    settings: Settings, clock: Clock, catalogs: Catalogs, *, cached: bool = False
) -> tuple[LoadedContent, list[LintIssue]]:
    """Load the content with the available languages; lint it and check its catalogs (with
    `cached`, files parsed at an earlier start come from DATA_DIR's content cache, and the
    catalogs are checked only when they changed since last found clean: see catalog_issues)."""
    parsed = ParsedCache(settings.data_dir / CONTENT_CACHE_DIR) if cached else None
    names = settings.data_dir / LANGUAGE_NAMES_FILE if cached else None
    loaded = load_content(
        settings.content_dir, catalogs.languages(names), settings.default_place, parsed
    )
    issues = lint(
        loaded, clock.now().date(), settings.verification_max_age_days, encodable=encodable
    )
    if loaded.content is not None and cached:
        issues += catalog_issues(settings, catalogs, loaded)
    elif loaded.content is not None:
        from bot.i18n.checks import check_catalogs

        issues += check_catalogs(catalogs, loaded.content.trees).issues
    return loaded, issues


async def build_app(
    settings: Settings, clock: Clock | None = None, *, sends_reminders: bool = True
) -> App:
    """Check content (raising ContentError on errors), ready the database's schema (see
    ready_schema), check the secret
    against it, wire the service; a bad setting or unusable database raises StartupError.
    `sends_reminders` is False for a channel that can never deliver one (the local chat)."""
    clock = clock or SystemClock()
    check_metrics_mode(settings)
    catalogs = checked_catalogs(settings)
    loaded, issues = load_checked(settings, clock, catalogs, cached=True)
    blocking = [i for i in issues if i.severity == "error" and i.code not in RUNNING_ALLOWED]
    if blocking or loaded.content is None:
        raise ContentError(blocking)
    check_place(settings, loaded.content)
    content = replace(loaded.content, sends_reminders=sends_reminders)
    database = make_engine(settings.database_url)
    try:
        await ready_schema(database, settings.auto_migrate)
        secret = await checked_secret(settings, database)
        store = await open_store(settings.database_url)
    except BaseException:
        await database.dispose()
        raise
    for stale in (i for i in issues if i.code in RUNNING_ALLOWED):
        event(log, "content_needs_checking", level=logging.WARNING, code=stale.code)
    titles = {str(pos): Msg(f"{pos}:title", node.title) for pos, node in course_nodes(content)}
    certificates = Certificates(
        CertificateTable(database),
        certificate_secret(secret),
        titles,
        public_url=settings.public_url,
        telegram=settings.bot_token is not None,
    )
    service = ConversationService(
        content,
        store,
        clock,
        catalogs,
        UserKeyer(secret),
        settings.default_locale,
        certificates=certificates,
        orgs=Organizations(OrgDirectory(database), certificate_secret(secret)),
        metrics=Metrics(),
        worker=settings.worker_id,
    )
    redis = shared_redis(settings)
    limiter = send_limiter(settings, redis, service.keyer)
    return App(settings, content, database, store, service, redis, limiter)


REDIS_SECONDS = 1.0
"""How long a Redis command may take before the limiter counts Redis as unreachable."""


def shared_redis(settings: Settings) -> Redis | None:
    """Return a client of REDIS_URL's Redis (it connects on first use), or None when unset."""
    if settings.redis_url is None:
        return None
    from redis.asyncio import Redis

    return Redis.from_url(
        settings.redis_url.get_secret_value(),
        socket_timeout=REDIS_SECONDS,
        socket_connect_timeout=REDIS_SECONDS,
    )


def send_limiter(settings: Settings, redis: Redis | None, keyer: UserKeyer) -> SendLimiter | None:
    """Return Telegram's sending budget: shared in `redis` when there is one, else in this
    process's memory; None when TELEGRAM_RATE is 0."""
    if settings.telegram_rate == 0:
        return None
    limits = send_limits(settings)
    if redis is None:
        return MemoryLimiter(limits)
    from bot.storage.redis_limits import RedisLimiter

    return RedisLimiter(redis, keyer, limits, f"{settings.redis_prefix}limits:")


def send_limits(settings: Settings) -> SendLimits:
    """Return Telegram's sending allowances from the TELEGRAM_* settings."""
    burst = settings.telegram_chat_burst
    return SendLimits(
        bot=Allowance(settings.telegram_rate, BOT_BURST),
        private=Allowance(settings.telegram_chat_rate, burst),
        group=Allowance(settings.telegram_group_per_minute / 60, burst),
    )
