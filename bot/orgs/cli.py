"""`python -m bot org create|set-id-format|add-department|add-admin|stats|export`."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import sys
from pathlib import Path
from typing import Any

from bot.content.loader import load_content
from bot.core import texts
from bot.core.membership import clean_employee_id, course_of, fits_id_pattern, id_pattern_problem
from bot.i18n.catalogs import Catalogs
from bot.orgs.codes import join_link
from bot.orgs.directory import OrgDirectory, OrgError
from bot.orgs.report import report
from bot.orgs.service import Organizations, file_stem
from bot.orgs.stats import Organization
from bot.service.certificates import certificate_secret
from bot.service.render import Renderer
from bot.service.user_keys import UserKeyer
from bot.settings import Settings, user_key_secret
from bot.storage.database import make_engine, ready_schema

PLATFORM = "telegram"


def add_parser(commands: Any) -> None:
    """Add the `org` command and its subcommands to the root parser's subparsers."""
    org = commands.add_parser("org", help="organizations: enrol staff, see completion figures")
    sub = org.add_subparsers(dest="org_command", required=True)
    create = sub.add_parser("create", help="create an organization")
    create.add_argument("name")
    create.add_argument("--headcount", type=int, required=True, help="number of employees")
    create.add_argument("--target", type=int, default=90, help="completion target, percent")
    create.add_argument("--course", default="learn:menu", help="course node, tree:node")
    create.add_argument("--refresher-days", type=int, default=365)
    create.add_argument("--onboarding-days", type=int, default=30)
    create.add_argument(
        "--employee-id", action="store_true", help="ask members to type their employee id"
    )
    add_id_format(create)
    id_format = sub.add_parser(
        "set-id-format", help="ask for employee ids (or stop), in a format if given"
    )
    id_format.add_argument("org")
    id_format.add_argument(
        "--no-employee-id", action="store_true", help="stop asking members for an employee id"
    )
    add_id_format(id_format)
    department = sub.add_parser("add-department", help="add a department; prints its join link")
    department.add_argument("org")
    department.add_argument("name")
    department.add_argument("--bot", help="bot username for the link (default: BOT_USERNAME)")
    admin = sub.add_parser("add-admin", help="let a Telegram account see the figures (/admin)")
    admin.add_argument("org")
    admin.add_argument("--telegram-id", type=int, required=True)
    stats = sub.add_parser("stats", help="print the completion figures")
    stats.add_argument("org")
    export = sub.add_parser("export", help="write the completions CSV and the chart (PNG)")
    export.add_argument("org")
    export.add_argument("--out", type=Path, required=True, help="directory to write into")


def add_id_format(parser: argparse.ArgumentParser) -> None:
    """Add the employee id format options (a pattern implies asking for the id)."""
    parser.add_argument(
        "--id-pattern",
        default="",
        help=r"employee id format, a regular expression the whole id must match, e.g. 'E-\d{6}'",
    )
    parser.add_argument(
        "--id-example", default="", help="an id in that format, shown to members, e.g. E-123456"
    )


def check_id_format(args: argparse.Namespace) -> str | None:
    """Return what is wrong with the id format options, or None."""
    if args.id_example and not args.id_pattern:
        return "--id-example needs --id-pattern"
    if not args.id_pattern:
        return None
    problem = id_pattern_problem(args.id_pattern)
    if problem is not None:
        return f"--id-pattern: {problem}"
    example = clean_employee_id(args.id_example) if args.id_example else ""
    if example is None or (example and not fits_id_pattern(args.id_pattern, example)):
        return f"--id-example {args.id_example!r} does not match --id-pattern"
    if getattr(args, "no_employee_id", False):
        return "--no-employee-id cannot take an --id-pattern"
    return None


def check_create(settings: Settings, args: argparse.Namespace) -> str | None:
    """Return what is wrong with `org create`'s arguments, or None."""
    if not args.name.strip() or len(args.name) > 100:
        return "the name must be 1-100 characters"
    if args.headcount < 1:
        return "--headcount must be at least 1"
    if not 1 <= args.target <= 100:
        return "--target must be a percentage from 1 to 100"
    if args.refresher_days < 1 or args.onboarding_days < 1:
        return "--refresher-days and --onboarding-days must be at least 1"
    loaded = load_content(settings.content_dir)
    if loaded.content is None or course_of(loaded.content, args.course) is None:
        return f"--course {args.course!r} is not a course in the content (e.g. learn:menu)"
    return None


def id_format_line(org: Organization) -> str:
    """Say how an organization asks for employee ids."""
    if not org.asks_employee_id:
        return "members are not asked for an employee id"
    if not org.id_pattern:
        return "members are asked for an employee id, in any format"
    example = f" (e.g. {org.id_example})" if org.id_example else ""
    return f"members are asked for an employee id matching {org.id_pattern}{example}"


def english(settings: Settings) -> Renderer:
    """Return a renderer in the deployment's default language, for printed figures."""
    catalogs = Catalogs(settings.locales_dir, settings.default_locale)
    return Renderer(catalogs.translator(settings.default_locale), settings.default_locale)


def run(settings: Settings, args: argparse.Namespace) -> int:
    """Run an `org` subcommand; 0 on success, 1 with a message on stderr otherwise."""
    return asyncio.run(run_org(settings, args))


async def run_org(settings: Settings, args: argparse.Namespace) -> int:
    """Run an `org` subcommand in the running event loop; a bad id format is a usage error
    (exit 2)."""
    if args.org_command in ("create", "set-id-format"):
        problem = check_id_format(args)
        if problem:
            print(f"org {args.org_command}: {problem}", file=sys.stderr)
            return 2
    if args.org_command == "create":
        problem = check_create(settings, args)
        if problem:
            print(f"org create: {problem}", file=sys.stderr)
            return 1
    if args.org_command == "add-department" and not (args.bot or settings.bot_username):
        print("org add-department: give --bot USERNAME or set BOT_USERNAME", file=sys.stderr)
        return 1
    engine = make_engine(settings.database_url)
    try:
        await ready_schema(engine, settings.auto_migrate)
        return await _run(settings, args, OrgDirectory(engine))
    except OrgError as err:
        print(f"org {args.org_command}: {err}", file=sys.stderr)
        return 1
    finally:
        await engine.dispose()


async def _run(settings: Settings, args: argparse.Namespace, directory: OrgDirectory) -> int:
    """Do the subcommand's work."""
    now = dt.datetime.now(dt.UTC)
    secret = user_key_secret(settings)
    orgs = Organizations(directory, certificate_secret(secret))
    match args.org_command:
        case "create":
            org = Organization(
                0, args.name.strip(), args.headcount, args.target, args.course,
                args.refresher_days, args.onboarding_days,
                args.employee_id or bool(args.id_pattern), args.id_pattern, args.id_example,
            )  # fmt: skip
            created = await directory.create(org, now)
            print(f"created organization {created.name!r} (id {created.id})")
        case "set-id-format":
            asks = not args.no_employee_id
            org = await directory.set_id_format(args.org, asks, args.id_pattern, args.id_example)
            print(f"{org.name!r}: {id_format_line(org)}")
        case "add-department":
            department = await directory.add_department(args.org, args.name.strip())
            bot = args.bot or settings.bot_username or ""
            print(f"department {department.name!r}: join code {department.join_code}")
            print(join_link(bot, department.join_code))
        case "add-admin":
            user_key = UserKeyer(secret).key(PLATFORM, str(args.telegram_id))
            org = await directory.add_admin(args.org, user_key)
            print(f"that Telegram account can now see {org.name!r} with /admin")
        case "stats":
            figures, _ = await orgs.stats(await directory.get(args.org), now)
            print(english(settings).say(report(figures)))
        case _:
            from bot.orgs.export import ChartText, completion_chart  # drawing, only here

            org = await directory.get(args.org)
            figures, table = await orgs.stats(org, now)
            say = english(settings).text
            words = ChartText(
                title=say(texts.ADMIN_CHART_TITLE.fill(org=org.name)),
                target=say(texts.ADMIN_CHART_TARGET.fill(target=org.target_percent)),
                note=say(texts.ADMIN_CHART_NOTE),
            )
            chart = await asyncio.to_thread(
                completion_chart, figures.departments, org.target_percent, words
            )
            args.out.mkdir(parents=True, exist_ok=True)
            stem = args.out / file_stem(org, now.date())
            csv_path, png_path = stem.with_suffix(".csv"), stem.with_suffix(".png")
            csv_path.write_text(table, encoding="utf-8")
            png_path.write_bytes(chart)
            print(f"wrote {csv_path}")
            print(f"wrote {png_path}")
    return 0
