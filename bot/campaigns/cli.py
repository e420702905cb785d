"""`python -m bot campaign create|stats`: register a campaign and draw its poster; print its
counts, every one as a band of five ("<5", "10–14"), never exactly."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import sys
from pathlib import Path

from bot.campaigns import registry
from bot.campaigns.registry import CampaignConflict, CampaignSpec, CampaignStats
from bot.content.bundle import DEEP_LINK, Content
from bot.content.loader import load_content
from bot.core.campaign_counts import METRICS
from bot.core.links import CAMPAIGN_NAME, shipped_language
from bot.core.suppression import WITHHELD, band, breakdown
from bot.i18n.catalogs import Catalogs
from bot.service.ports import Clock, SystemClock
from bot.service.render import Renderer
from bot.settings import BOT_USERNAME, Settings
from bot.storage.database import make_engine, ready_schema

BANDS_NOTE = (
    "Counts are shown in bands of 5, never exactly: <5 means 0 to 4 (zero included), 10–14 "
    "means 10 to 14. So no one visitor can be singled out, not even by comparing two reports. "
    "Days are UTC."
)
WITHHELD_NOTE = (
    f"A metric's days shown as {WITHHELD} are withheld: with the metric's total over the "
    "campaign's life, their bands would give away an exact count."
)
NO_BOT = (
    "campaign create needs the bot's Telegram username for the link: "
    "pass --bot USERNAME or set BOT_USERNAME"
)
NO_PUBLIC_URL = (
    "campaign create needs the web chat's public address for the link: set PUBLIC_URL "
    "(such as https://beacon.example.org)"
)
NO_CHANNEL = (
    "campaign create needs where its link opens: set PUBLIC_URL for the web chat, "
    "or pass --bot USERNAME or set BOT_USERNAME for Telegram"
)
CHANNELS = ("web", "telegram", "both")


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
    create.add_argument(
        "--channel",
        choices=CHANNELS,
        help="where the link opens: the web chat (PUBLIC_URL/c/NAME), Telegram, or both "
        "(default: both when PUBLIC_URL and a bot username are set, else the one that is)",
    )
    create.add_argument("--out", type=Path, default=Path("."), help="where to write the poster")
    stats = actions.add_parser("stats", help="print each campaign's counts, in bands of 5")
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


def links(
    settings: Settings, args: argparse.Namespace, spec: CampaignSpec
) -> tuple[str | None, str | None] | str:
    """Return the campaign's web and Telegram links for the channel asked (or the channels
    configured), or what is missing for them."""
    from bot.campaigns.poster import deep_link, web_link  # drawing loads only for `campaign`

    bot = bot_name(settings, args.bot)
    if args.bot and bot is None:
        return f"{args.bot!r} is not a bot username"
    public = settings.public_url
    channel = args.channel
    if channel is None:
        if bot is None and public is None:
            return NO_CHANNEL
        channel = "both" if bot and public else "telegram" if bot else "web"
    wants_web, wants_telegram = channel in ("web", "both"), channel in ("telegram", "both")
    if wants_web and public is None:
        return NO_PUBLIC_URL
    if wants_telegram and bot is None:
        return NO_BOT
    web = web_link(public, spec) if wants_web and public else None
    telegram = deep_link(bot, spec) if wants_telegram and bot else None
    return web, telegram


async def create(
    settings: Settings, content: Content, args: argparse.Namespace, clock: Clock
) -> int:
    """Register a campaign (created at the clock's time), print its links (web, Telegram or
    both) and write its poster as PNG, SVG and PDF."""
    from bot.campaigns.poster import poster_text, render_pdf, render_png, render_svg

    spec = checked_spec(content, args.name, args.entry, args.locale)
    if isinstance(spec, str):
        print(spec, file=sys.stderr)
        return 2
    found = links(settings, args, spec)
    if isinstance(found, str):
        print(found, file=sys.stderr)
        return 2
    web, telegram = found
    engine = make_engine(settings.database_url)
    try:
        await ready_schema(engine, settings.auto_migrate)
        new = await registry.register(engine, spec, clock.now())
    except CampaignConflict as err:
        print(err, file=sys.stderr)
        return 1
    finally:
        await engine.dispose()
    locale = spec.locale or settings.default_locale
    catalogs = Catalogs(settings.locales_dir, settings.default_locale)
    renderer = Renderer(catalogs.translator(locale), locale)
    text = poster_text(content, spec, renderer, web, telegram)
    args.out.mkdir(parents=True, exist_ok=True)
    print(f"campaign {spec.name} {'registered' if new else 'was already registered'}")
    for link in (web, telegram):
        if link is not None:
            print(link)
    for suffix, draw in (("png", render_png), ("svg", render_svg), ("pdf", render_pdf)):
        path = args.out / f"{spec.name}.{suffix}"
        path.write_bytes(draw(text))
        print(f"wrote {path}")
    return 0


def day_columns(found: CampaignStats) -> dict[str, list[str]]:
    """Return each metric's count per day of the campaign's whole life, as shown: bands, or
    "–" on every day when the bands would pin one day against the metric's total."""
    life = sorted(found.days)
    return {m: breakdown([found.days[d][m] for d in life], found.totals[m]) for m in METRICS}


def stats_lines(found: CampaignStats, days: int = 0) -> list[str]:
    """Return a campaign's counts as lines: each metric's total as a band, then one line per
    day for the last `days` days, shown as in the whole life's breakdown (`day_columns`)."""
    spec = found.campaign.spec
    language = f" in {spec.locale}" if spec.locale else ""
    created = found.campaign.created_at.date().isoformat()
    lines = [f"{spec.name}: opens {spec.entry}{language}, created {created}"]
    width = max(len(metric) for metric in METRICS)
    lines += [f"  {metric:<{width}}  {band(found.totals[metric])}" for metric in METRICS]
    if days > 0 and found.days:
        columns = {m: cells[-days:] for m, cells in day_columns(found).items()}
        widths = {m: max(len(m), *map(len, cells)) for m, cells in columns.items()}
        lines.append("  " + "  ".join(["day       ", *(f"{m:>{widths[m]}}" for m in METRICS)]))
        for row, day in enumerate(sorted(found.days)[-days:]):
            cells = [f"{columns[m][row]:>{widths[m]}}" for m in METRICS]
            lines.append("  " + "  ".join([day.isoformat(), *cells]))
    return lines


def withholds(found: CampaignStats, days: int) -> bool:
    """Say whether the last `days` days show any metric's days as withheld."""
    return days > 0 and any(WITHHELD in cells[-days:] for cells in day_columns(found).values())


async def stats(settings: Settings, args: argparse.Namespace, clock: Clock) -> int:
    """Print the counts of one campaign or of all as of the clock's day, every number a band."""
    engine = make_engine(settings.database_url)
    try:
        await ready_schema(engine, settings.auto_migrate)
        if args.name:
            found = await registry.find(engine, args.name)
            chosen = [found] if found else []
            if not chosen:
                print(f"no campaign {args.name!r}", file=sys.stderr)
                return 1
        else:
            chosen = await registry.campaigns(engine)
        today = args.today or clock.now().date()
        every = [await registry.stats(engine, campaign, today) for campaign in chosen]
    finally:
        await engine.dispose()
    if not chosen:
        print("no campaigns yet; make one with: python -m bot campaign create NAME --entry report")
        return 0
    print("\n".join(line for found in every for line in stats_lines(found, args.days)))
    print(BANDS_NOTE)
    if any(withholds(found, args.days) for found in every):
        print(WITHHELD_NOTE)
    return 0


def run(settings: Settings, args: argparse.Namespace, clock: Clock | None = None) -> int:
    """Run `campaign create` or `campaign stats` by `clock` (the real one unless given);
    return the exit status."""
    clock = clock or SystemClock()
    if args.campaign_command == "stats":
        return asyncio.run(stats(settings, args, clock))
    catalogs = Catalogs(settings.locales_dir, settings.default_locale)
    loaded = load_content(settings.content_dir, catalogs.languages(), settings.default_place)
    if loaded.content is None:
        for issue in loaded.issues:
            print(issue, file=sys.stderr)
        return 1
    return asyncio.run(create(settings, loaded.content, args, clock))
