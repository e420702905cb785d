"""`python -m bot campaign create|stats`: register a campaign and draw its poster; print its
counts, each under 5 shown as "<5"."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import sys
from pathlib import Path

from bot.campaigns import registry
from bot.campaigns.counting import METRICS
from bot.campaigns.poster import deep_link, poster_text, render_pdf, render_png, render_svg
from bot.campaigns.registry import CampaignConflict, CampaignSpec, CampaignStats
from bot.content.bundle import Content
from bot.content.loader import load_content
from bot.core.engine import CAMPAIGN_NAME, DEEP_LINK, shipped_language
from bot.core.suppression import SUPPRESS_BELOW, WITHHELD, shown, shown_rows
from bot.i18n.catalogs import Catalogs
from bot.service.ports import SystemClock
from bot.service.render import Renderer
from bot.settings import BOT_USERNAME, Settings
from bot.storage.database import make_engine, migrate

NO_BOT = (
    "campaign create needs the bot's Telegram username for the link: "
    "pass --bot USERNAME or set BOT_USERNAME"
)


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the `campaign` command and its `create` and `stats` subcommands."""
    campaign = commands.add_parser("campaign", help="outreach campaigns: posters and counts")
    actions = campaign.add_subparsers(dest="campaign_command", required=True)
    create = actions.add_parser("create", help="register a campaign and draw its QR poster")
    create.add_argument("name", help="1-24 of a-z, 0-9 and _")
    create.add_argument(
        "--entry", required=True, help="what the link opens: report, learn or a module"
    )
    create.add_argument("--locale", help="the language the link opens in (a shipped language)")
    create.add_argument("--bot", help="the bot's Telegram username (default: BOT_USERNAME)")
    create.add_argument("--out", type=Path, default=Path("."), help="where to write the poster")
    stats = actions.add_parser("stats", help="print each campaign's counts (under 5: <5)")
    stats.add_argument("name", nargs="?", help="one campaign (default: all)")
    stats.add_argument("--days", type=int, default=0, help="also show the last N days, per day")
    stats.add_argument(
        "--today", type=dt.date.fromisoformat, help="the last day shown (default: today, UTC)"
    )


def checked_spec(content: Content, name: str, entry: str, locale: str | None) -> CampaignSpec | str:
    """Return the campaign to register, or what is wrong with the name, entry or language."""
    if not CAMPAIGN_NAME.match(name):
        return f"campaign name {name!r}: use 1-24 of a-z, 0-9 and _"
    tree = content.trees.get(entry.lower())
    if tree is None:
        trees = ", ".join(sorted(content.trees))
        return f"entry {entry!r} is no dialogue tree; the trees are: {trees}"
    code = None
    if locale is not None:
        code = shipped_language(content, locale)
        if code is None:
            shipped = ", ".join(lang.code for lang in content.languages)
            return f"language {locale!r} is not shipped; the languages are: {shipped}"
    spec = CampaignSpec(name, tree.id, code)
    if not DEEP_LINK.match(spec.payload):
        return f"the link payload {spec.payload!r} is longer than Telegram's 64 characters"
    return spec


def bot_name(settings: Settings, given: str | None) -> str | None:
    """Return the bot's username from --bot or BOT_USERNAME (without @), if valid."""
    name = (given or "").strip().removeprefix("@") or settings.bot_username
    return name if name and BOT_USERNAME.match(name) else None


async def create(settings: Settings, content: Content, args: argparse.Namespace) -> int:
    """Register a campaign, print its deep link and write its poster as PNG, SVG and PDF."""
    spec = checked_spec(content, args.name, args.entry, args.locale)
    if isinstance(spec, str):
        print(spec, file=sys.stderr)
        return 2
    bot = bot_name(settings, args.bot)
    if bot is None:
        print(NO_BOT if not args.bot else f"{args.bot!r} is not a bot username", file=sys.stderr)
        return 2
    engine = make_engine(settings.database_url)
    try:
        await migrate(engine)
        new = await registry.register(engine, spec, SystemClock().now())
    except CampaignConflict as err:
        print(err, file=sys.stderr)
        return 1
    finally:
        await engine.dispose()
    link = deep_link(bot, spec)
    locale = spec.locale or settings.default_locale
    catalogs = Catalogs(settings.locales_dir, settings.default_locale)
    renderer = Renderer(catalogs.translator(locale), locale)
    text = poster_text(content, spec, link, renderer)
    args.out.mkdir(parents=True, exist_ok=True)
    print(f"campaign {spec.name} {'registered' if new else 'was already registered'}")
    print(link)
    for suffix, draw in (("png", render_png), ("svg", render_svg), ("pdf", render_pdf)):
        path = args.out / f"{spec.name}.{suffix}"
        path.write_bytes(draw(text))
        print(f"wrote {path}")
    return 0


def stats_lines(found: CampaignStats) -> list[str]:
    """Return a campaign's counts as lines: totals per metric, then one line per day."""
    spec = found.campaign.spec
    language = f" in {spec.locale}" if spec.locale else ""
    created = found.campaign.created_at.date().isoformat()
    lines = [f"{spec.name}: opens {spec.entry}{language}, created {created}"]
    width = max(len(metric) for metric in METRICS)
    lines += [f"  {metric:<{width}}  {shown(found.totals[metric])}" for metric in METRICS]
    if found.days:
        lines.append("  " + "  ".join(["day       ", *METRICS]))
        days = sorted(found.days.items())
        columns = {
            m: shown_rows([counts[m] for _, counts in days], found.totals[m]) for m in METRICS
        }
        for row, (day, _) in enumerate(days):
            cells = [f"{columns[m][row]:>{len(m)}}" for m in METRICS]
            lines.append("  " + "  ".join([day.isoformat(), *cells]))
    return lines


async def stats(settings: Settings, args: argparse.Namespace) -> int:
    """Print the counts of one campaign or of all, every number through `shown`."""
    engine = make_engine(settings.database_url)
    try:
        await migrate(engine)
        if args.name:
            found = await registry.find(engine, args.name)
            chosen = [found] if found else []
            if not chosen:
                print(f"no campaign {args.name!r}", file=sys.stderr)
                return 1
        else:
            chosen = await registry.campaigns(engine)
        today = args.today or SystemClock().now().date()
        lines: list[str] = []
        for campaign in chosen:
            lines += stats_lines(await registry.stats(engine, campaign, args.days, today))
    finally:
        await engine.dispose()
    if not chosen:
        print("no campaigns yet; make one with: python -m bot campaign create NAME --entry report")
        return 0
    print("\n".join(lines))
    print(
        f"Counts under {SUPPRESS_BELOW} are shown as <{SUPPRESS_BELOW}; a day shown as {WITHHELD} "
        "is withheld so that a small one cannot be worked out from the total. Days are UTC."
    )
    return 0


def run(settings: Settings, args: argparse.Namespace) -> int:
    """Run `campaign create` or `campaign stats`; return the exit status."""
    if args.campaign_command == "stats":
        return asyncio.run(stats(settings, args))
    catalogs = Catalogs(settings.locales_dir, settings.default_locale)
    loaded = load_content(settings.content_dir, catalogs.languages(), settings.default_place)
    if loaded.content is None:
        for issue in loaded.issues:
            print(issue, file=sys.stderr)
        return 1
    return asyncio.run(create(settings, loaded.content, args))
