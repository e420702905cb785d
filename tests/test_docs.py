"""The docs state only what the code can back: catalog coverage, effect names, commands, links,
the README's length and the benchmarks' smoke tests are checked here, so they cannot go stale."""

from __future__ import annotations

import ast
import re
import typing
from pathlib import Path

import pytest

from bot.content.bundle import Content
from bot.core.commands import COMMANDS, MENU
from bot.core.effects import Effect
from bot.i18n.catalogs import Catalogs
from bot.i18n.checks import check_catalogs
from bot.settings import PROJECT_ROOT
from bot.transports.telegram.updates import GROUP_COMMANDS
from bot.transports.terminal import QUIT

DOCS = PROJECT_ROOT / "docs"
README = PROJECT_ROOT / "README.md"
PAGES = [README, *sorted(DOCS.glob("*.md"))]
README_MAX_LINES = 220

LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
CHAT_COMMAND = re.compile(r"`/([a-z_]+)(?=[ `\]])")
"""A chat command as the docs write it: in code, `/name`, alone or followed by its argument."""
NOT_BEACON = {
    "newbot": "@BotFather's command",
    "data": "the container's volume",
    "metrics": "an ops endpoint (operating.md)",
    "healthz": "an ops endpoint",
    "readyz": "an ops endpoint",
}
"""Words the docs write like a command that are not Beacon's."""


def read(page: Path) -> str:
    """Return a page's text."""
    return page.read_text(encoding="utf-8")


def block(page: Path, name: str) -> str:
    """Return the text between `<!-- name:begin -->` and `<!-- name:end -->` on a page."""
    text = read(page)
    found = re.search(rf"<!-- {name}:begin -->\n(.*?)<!-- {name}:end -->", text, re.DOTALL)
    assert found, f"{page.name} has no <!-- {name}:begin --> ... <!-- {name}:end --> block"
    return found.group(1)


def table_rows(text: str) -> list[list[str]]:
    """Return the body rows of a Markdown table, as stripped cells."""
    rows = [line for line in text.splitlines() if line.startswith("|")]
    return [[cell.strip() for cell in row.strip().strip("|").split("|")] for row in rows[2:]]


def slug(heading: str) -> str:
    """Return GitHub's anchor for a heading."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def anchors(page: Path) -> set[str]:
    """Return the anchors of every heading on a Markdown page (code blocks skipped)."""
    found: set[str] = set()
    fenced = False
    for line in read(page).splitlines():
        if line.startswith("```"):
            fenced = not fenced
        elif not fenced and (heading := re.match(r"#{1,6} (.+)", line)):
            found.add(slug(heading.group(1)))
    return found


def test_the_catalog_table_is_what_the_catalogs_hold(
    catalogs: Catalogs, shipped_content: Content
) -> None:
    """Each language's row in translating.md has the counts `content catalogs` prints."""
    coverage = {c.locale: c for c in check_catalogs(catalogs, shipped_content.trees).coverage}
    rows = {
        row[1].strip("`"): row for row in table_rows(block(DOCS / "translating.md", "catalogs"))
    }
    assert set(rows) == {"en", *coverage}, "one row per shipped language, English first"
    for code, entry in coverage.items():
        _, _, translated, critical, review = rows[code]
        assert translated == f"{entry.translated}/{entry.total}", code
        assert critical == f"{entry.critical_translated}/{entry.critical_total}", code
        assert review.strip("`") == entry.review, code


def test_the_effect_list_is_the_effect_union() -> None:
    """architecture.md lists exactly the effect types the engine can return."""
    listed = [row[0].strip("`") for row in table_rows(block(DOCS / "architecture.md", "effects"))]
    assert len(listed) == len(set(listed)), "an effect is listed twice"
    assert set(listed) == {kind.__name__ for kind in typing.get_args(Effect)}


def test_the_command_table_is_every_chat_command() -> None:
    """what-beacon-does.md has one row per command Beacon answers in a chat."""
    rows = table_rows(block(DOCS / "what-beacon-does.md", "commands"))
    listed = [CHAT_COMMAND.match(row[0] + " ") for row in rows]
    assert all(listed), "each row starts with a `/command`"
    assert sorted(m.group(1) for m in listed if m) == sorted(COMMANDS)


def test_the_published_menu_is_as_documented() -> None:
    """The command menu the docs say Beacon publishes is the one it publishes."""
    text = " ".join(read(DOCS / "what-beacon-does.md").split())
    found = re.search(r"publishes its command menu \(`([^`]+)`\)", text)
    assert found, "what-beacon-does.md names the published command menu"
    assert found.group(1).split() == [f"/{name}" for name, _ in MENU]


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_every_command_the_docs_name_exists(page: Path) -> None:
    """A `/command` in the docs is one Beacon answers: in a chat, in a group or locally."""
    known = set(COMMANDS) | set(GROUP_COMMANDS) | {name.lstrip("/") for name in QUIT}
    known |= set(NOT_BEACON)
    named = set(CHAT_COMMAND.findall(read(page)))
    assert named <= known, f"{page.name} names commands Beacon does not have: {named - known}"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_every_relative_link_points_to_a_file(page: Path) -> None:
    """Each relative link (and its #anchor, on a Markdown page) resolves."""
    broken = []
    for target in LINK.findall(read(page)):
        if re.match(r"[a-z]+:", target):
            continue
        path, _, anchor = target.partition("#")
        file = (page.parent / path).resolve() if path else page
        if not file.exists() or (file.suffix == ".md" and anchor not in anchors(file) | {""}):
            broken.append(target)
    assert not broken, f"{page.name}: broken links {broken}"


def test_every_docs_page_is_in_the_index() -> None:
    """docs/README.md links every page in docs/."""
    linked = set(LINK.findall(read(DOCS / "README.md")))
    missing = [p.name for p in DOCS.glob("*.md") if p.name != "README.md" and p.name not in linked]
    assert not missing, f"docs/README.md does not link {missing}"


def test_the_readme_stays_short() -> None:
    """The README is an introduction; the rest lives in docs/."""
    lines = len(read(README).splitlines())
    assert lines <= README_MAX_LINES, f"README.md has {lines} lines; move some into docs/"


def test_every_benchmark_has_a_smoke_test() -> None:
    """Each bench/*.py script is named in tests/test_benchmarks.py, which runs it tiny."""
    source = ast.parse(read(PROJECT_ROOT / "tests" / "test_benchmarks.py"))
    named = {
        node.value
        for node in ast.walk(source)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    }
    scripts = {path.name for path in (PROJECT_ROOT / "bench").glob("*.py")}
    assert scripts, "bench/ has scripts"
    assert scripts <= named, f"not run by tests/test_benchmarks.py: {scripts - named}"


def test_the_performance_page_lists_every_benchmark() -> None:
    """docs/performance.md describes every script in bench/."""
    text = read(DOCS / "performance.md")
    missing = [
        p.name for p in (PROJECT_ROOT / "bench").glob("*.py") if f"bench/{p.name}" not in text
    ]
    assert not missing, f"docs/performance.md does not describe {missing}"


def test_ci_runs_the_readme_test_command() -> None:
    """.ci/run runs, as a line of its own, the command the README gives for the tests."""
    [command] = re.findall(r"^(make \w+) +# .*runs every test$", read(README), re.MULTILINE)
    ci = [line.strip() for line in read(PROJECT_ROOT / ".ci" / "run").splitlines()]
    assert command in ci, f".ci/run does not run the README's test command `{command}`"
