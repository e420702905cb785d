"""Command line: `python -m bot run|web|chat|content|verify|purge|db|campaign|org`."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import gc
import sys
from collections.abc import Sequence
from pathlib import Path

from pydantic import SecretStr

from bot.app import (
    ContentError,
    build_app,
    check_place,
    checked_catalogs,
    checked_secret,
    load_checked,
    transports,
    wanted_transports,
)
from bot.campaigns import cli as campaign_cli
from bot.content.bundle import Content
from bot.content.graph import mermaid
from bot.content.lint import has_errors
from bot.content.loader import load_content
from bot.content.schema import write_schemas
from bot.errors import StartupError
from bot.i18n.catalogs import Catalogs
from bot.logs import configure
from bot.orgs import cli as org_cli
from bot.service.ports import SystemClock
from bot.settings import Settings, load_settings
from bot.storage import cli as db_cli
from bot.storage.database import make_engine, ready_schema
from bot.storage.retention import RetentionJob
from bot.transports.terminal import TerminalChat, terminal_language

DEFAULT_WEB_PORT = 8080

NO_TOKEN = (
    "No BOT_TOKEN or WEB_PORT is set, so Beacon serves its web chat on this computer.\n"
    "To run it on Telegram, set BOT_TOKEN to the token @BotFather gave you; "
    "`python -m bot chat` talks to it in this terminal.\n"
)


class FixedDay(SystemClock):
    """A clock for `content check --today`: that date at noon UTC."""

    def __init__(self, day: dt.date) -> None:
        """Fix the day."""
        self.day = day

    def now(self) -> dt.datetime:
        """Return noon UTC on the fixed day."""
        return dt.datetime.combine(self.day, dt.time(12), dt.UTC)


def content_check(settings: Settings, today: dt.date | None) -> int:
    """Print every content issue; return 1 when any is an error."""
    clock = FixedDay(today) if today else SystemClock()
    catalogs = Catalogs(settings.locales_dir, settings.default_locale)
    loaded, issues = load_checked(settings, clock, catalogs)
    for issue in issues:
        print(issue)
    content = loaded.content
    if content is not None and not has_errors(issues):
        nodes = sum(len(tree.nodes) for tree in content.trees.values())
        print(
            f"content ok: {len(content.trees)} trees, {nodes} nodes, "
            f"{len(content.resources)} resources, {len(content.topics)} topics, "
            f"{sum(i.severity == 'warning' for i in issues)} warnings"
        )
        return 0
    print(f"content has errors: {sum(i.severity == 'error' for i in issues)}", file=sys.stderr)
    return 1


def loaded_or_report(settings: Settings, catalogs: Catalogs) -> Content | None:
    """Return the loaded content, or print why it could not be loaded and return None."""
    loaded, issues = load_checked(settings, SystemClock(), catalogs)
    if loaded.content is None:
        for issue in issues:
            print(issue, file=sys.stderr)
    return loaded.content


def content_catalogs(settings: Settings) -> int:
    """Print each locale's translation coverage and any catalog errors; 1 when there are any."""
    catalogs = Catalogs(settings.locales_dir, settings.default_locale)
    content = loaded_or_report(settings, catalogs)
    if content is None:
        return 1
    from bot.i18n.checks import check_catalogs, coverage_report  # Babel's catalog tools

    checker = check_catalogs(catalogs, content.trees)
    print(coverage_report(checker.coverage))
    for issue in checker.issues:
        print(issue, file=sys.stderr)
    return 1 if has_errors(checker.issues) else 0


def content_graph(settings: Settings, tree_id: str) -> int:
    """Print a tree as Mermaid."""
    content = loaded_or_report(settings, Catalogs(settings.locales_dir, settings.default_locale))
    if content is None:
        return 1
    tree = content.trees.get(tree_id)
    if tree is None:
        known = ", ".join(sorted(content.trees))
        print(f"no tree {tree_id!r}; the trees are: {known}", file=sys.stderr)
        return 1
    print(mermaid(content, tree), end="")
    return 0


def chat(settings: Settings, user: str) -> int:
    """Talk to Beacon in this terminal; state is saved after every step."""
    with asyncio.Runner() as runner:
        try:
            app = runner.run(build_app(settings, sends_reminders=False))
        except ContentError as err:
            print(f"Beacon will not start: the content has errors.\n{err}", file=sys.stderr)
            return 1
        try:
            terminal = TerminalChat(
                app.service,
                sys.stdin,
                sys.stdout,
                user,
                language=terminal_language(),
                files=settings.data_dir / "certificates",
            )
            terminal.run(runner)
        finally:
            runner.run(app.close())
    return 0


async def verify(settings: Settings, code: str) -> int:
    """Print whether a certificate code is valid; 0 when it is, 1 when not."""
    try:
        app = await build_app(settings)
    except ContentError as err:
        print(f"Beacon will not start: the content has errors.\n{err}", file=sys.stderr)
        return 1
    try:
        certificates = app.service.certificates
        assert certificates is not None
        found = await certificates.check(code)
        replies = await certificates.verify(code, app.service.renderer(None, None))
    finally:
        await app.close()
    for reply in replies:
        print(getattr(reply, "text", ""))
    return 0 if found is not None else 1


async def purge(settings: Settings) -> int:
    """Delete users inactive for RETENTION_DAYS, old update ids and exit ids; print the counts."""
    engine = make_engine(settings.database_url)
    try:
        await ready_schema(engine, settings.auto_migrate)
        purged = await RetentionJob(engine, SystemClock(), settings.retention_days).run_once()
    finally:
        await engine.dispose()
    print(purged)
    return 0


def settle_heap() -> None:
    """Move everything loaded at start-up out of the garbage collector's way, and turn
    collection on (`python -m bot` starts with it off, which makes start-up faster).

    Content, libraries and schemas live for the whole process; freezing them keeps full
    collections short, which keeps the slowest replies (p99) fast. There is no collection
    first: it held the first requests up for about 0.1 s to free what start-up leaves
    unreachable (about 2,000 objects, half a megabyte, which stay frozen instead).
    """
    gc.freeze()
    gc.enable()


def web_only(settings: Settings) -> Settings:
    """Return settings that serve the web chat alone (on port 8080 unless WEB_PORT says)."""
    return settings.model_copy(
        update={"bot_token": None, "web_port": settings.web_port or DEFAULT_WEB_PORT}
    )


def announce(settings: Settings) -> None:
    """Print where the web chat is, when it runs, for the person who started it."""
    if settings.web_port is not None:
        host = f"[{settings.web_host}]" if ":" in settings.web_host else settings.web_host
        local = f"http://{host}:{settings.web_port}"
        print(f"Beacon's web chat: {settings.public_url or local} (Ctrl-C stops it)", flush=True)


async def serve(settings: Settings) -> int:
    """Serve on every transport the settings turn on, with the jobs, until SIGTERM or SIGINT."""
    from bot.runner import run_until_signalled

    try:
        app = await build_app(settings)
    except ContentError as err:
        print(f"Beacon will not start: the content has errors.\n{err}", file=sys.stderr)
        return 1
    try:
        channels = transports(app)

        def started() -> None:
            """Say where the web chat is; then settle the heap (a collection: once serving)."""
            announce(settings)
            settle_heap()

        await run_until_signalled(app, channels, started=started)
    finally:
        await app.close()
    return 0


def check_rendering(settings: Settings) -> None:
    """Refuse a DEFAULT_LOCALE without a catalog or a DEFAULT_PLACE the content does not cover."""
    catalogs = checked_catalogs(settings)
    loaded = load_content(settings.content_dir, catalogs.languages(), settings.default_place)
    if loaded.content is not None:
        check_place(settings, loaded.content)


async def with_checked_secret(settings: Settings) -> Settings:
    """Return the settings holding the user-key secret, checked against the database."""
    engine = make_engine(settings.database_url)
    try:
        await ready_schema(engine, settings.auto_migrate)
        secret = await checked_secret(settings, engine)
    finally:
        await engine.dispose()
    return settings.model_copy(update={"user_key_secret": SecretStr(secret.decode())})


def positive(text: str) -> int:
    """Read a count of at least 1 (argparse's type for --workers)."""
    count = int(text)
    if count < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return count


def parser() -> argparse.ArgumentParser:
    """Return the argument parser."""
    root = argparse.ArgumentParser(prog="python -m bot", description=__doc__)
    commands = root.add_subparsers(dest="command", required=True)
    run = commands.add_parser(
        "run", help="serve on Telegram (BOT_TOKEN) and the web (WEB_PORT); neither: the web"
    )
    run.add_argument(
        "--workers", type=positive, default=1,
        help="run N worker processes sharing the ports (webhook, PostgreSQL and Redis)",
    )  # fmt: skip
    commands.add_parser("web", help="serve the web chat alone (WEB_PORT, default 8080)")
    chat_cmd = commands.add_parser("chat", help="talk to Beacon in this terminal")
    chat_cmd.add_argument("--user", default="local", help="local user name (each resumes alone)")
    content = commands.add_parser("content", help="check, draw or describe the content")
    content_cmds = content.add_subparsers(dest="content_command", required=True)
    check = content_cmds.add_parser("check", help="lint the content; non-zero exit on errors")
    check.add_argument("--dir", type=Path, help="content directory (default: CONTENT_DIR)")
    check.add_argument("--today", type=dt.date.fromisoformat, help="date for freshness checks")
    check.add_argument("--max-age-days", type=int, help="verification age that is stale")
    graph = content_cmds.add_parser("graph", help="print a tree as a Mermaid diagram")
    graph.add_argument("tree")
    graph.add_argument("--dir", type=Path, help="content directory (default: CONTENT_DIR)")
    content_cmds.add_parser("catalogs", help="report each language's translation coverage")
    schema = content_cmds.add_parser("schema", help="write JSON Schemas for editors")
    schema.add_argument("--out", type=Path, default=Path("schema"))
    check_code = commands.add_parser("verify", help="check a certificate's verification code")
    check_code.add_argument("code")
    commands.add_parser("purge", help="delete users inactive for RETENTION_DAYS (for cron)")
    campaign_cli.add_parser(commands)
    org_cli.add_parser(commands)
    db_cli.add_parser(commands)
    return root


def main(argv: Sequence[str] | None = None) -> int:
    """Run a command and return its exit status; a bad setting or a dependency that cannot be
    used ends in one line on stderr and status 2."""
    try:
        return run_command(argv)
    except StartupError as err:
        print(f"Beacon will not start: {' '.join(str(err).split())}", file=sys.stderr)
        return 2


def run_command(argv: Sequence[str] | None = None) -> int:
    """Run a command and return its exit status."""
    args = parser().parse_args(argv)
    if args.command != "web" and (args.command != "run" or args.workers > 1):
        gc.enable()  # only a process that serves keeps collection off until settle_heap
    settings = load_settings()
    serving = args.command == "run" and bool(wanted_transports(settings))
    interactive = args.command in ("chat", "verify", "campaign", "org")
    level = settings.log_level or ("WARNING" if interactive else "INFO")
    configure(level, settings.log_format, settings.worker_id)
    updates = {}
    if getattr(args, "dir", None):
        updates["content_dir"] = args.dir
    if getattr(args, "max_age_days", None):
        updates["verification_max_age_days"] = args.max_age_days
    settings = settings.model_copy(update=updates)
    try:
        match args.command:
            case "run" if args.workers > 1:
                from bot.workers import supervise

                return supervise(settings if serving else web_only(settings), args.workers)
            case "run" if not serving:
                print(NO_TOKEN, file=sys.stderr)
                return asyncio.run(serve(web_only(settings)))
            case "run":
                return asyncio.run(serve(settings))
            case "web":
                return asyncio.run(serve(web_only(settings)))
            case "chat":
                return chat(settings, args.user)
            case "content" if args.content_command == "check":
                return content_check(settings, args.today)
            case "content" if args.content_command == "catalogs":
                return content_catalogs(settings)
            case "content" if args.content_command == "graph":
                return content_graph(settings, args.tree)
            case "content":
                for path in write_schemas(args.out):
                    print(f"wrote {path}")
                return 0
            case "verify":
                return asyncio.run(verify(settings, args.code))
            case "campaign":
                check_rendering(settings)
                return campaign_cli.run(settings, args)
            case "org":
                check_rendering(settings)
                return org_cli.run(asyncio.run(with_checked_secret(settings)), args)
            case "purge":
                return asyncio.run(purge(settings))
            case _:
                return db_cli.run(settings, args)
    except KeyboardInterrupt:
        print("\nBye. Your place is saved; start again to resume.", file=sys.stderr)
        return 130
