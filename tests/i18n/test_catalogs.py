"""Shipped catalogs: checks in CI (compile, placeholders, safety-critical coverage), review
status, locale negotiation, fallback, plurals, dates and right-to-left layout."""

from __future__ import annotations

import datetime as dt
import gettext
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po, write_po

from bot.content.bundle import Content
from bot.content.issues import IssueCode, Severity
from bot.content.models import QuizQuestionNode
from bot.content.polls import EXPLANATION_LIMIT, OPTION_LIMIT, question_poll
from bot.core import texts
from bot.core.effects import Msg
from bot.i18n.catalogs import Catalogs, negotiate
from bot.i18n.checks import check_catalogs, is_critical
from bot.i18n.direction import LRM, RLM
from bot.service.render import Renderer
from bot.settings import PROJECT_ROOT

LOCALES = PROJECT_ROOT / "locales"
SHIPPED = Catalogs(LOCALES).codes()[1:]
EMERGENCY = ("safety", "If anyone is in immediate danger, call {number} now.")


def test_every_shipped_language_named_in_the_issue_is_there() -> None:
    """English (source), Spanish, Vietnamese, Simplified Chinese, Arabic, Tagalog and French
    ship."""
    assert set(SHIPPED) == {"es", "vi", "zh_Hans", "ar", "tl", "fr"}


def test_shipped_catalogs_pass_every_check(catalogs: Catalogs, shipped_content: Content) -> None:
    """No catalog error, placeholder mismatch or missing safety-critical text, in any locale."""
    checked = check_catalogs(catalogs, shipped_content.trees)
    assert [str(i) for i in checked.issues if i.severity is Severity.ERROR] == []
    for coverage in checked.coverage:
        assert coverage.critical_translated == coverage.critical_total > 100, coverage
    english_and_spanish = [c for c in checked.coverage if c.locale == "es"]
    assert english_and_spanish[0].translated == english_and_spanish[0].total


def copy_locales(tmp_path: Path) -> Path:
    """Copy the shipped catalogs (sources only) to a scratch directory."""
    target = tmp_path / "locales"
    shutil.copytree(LOCALES, target, ignore=shutil.ignore_patterns("*.mo"))
    return target


def edit_entry(directory: Path, locale: str, key: tuple[str, str], **changes: object) -> None:
    """Change one entry of a locale's catalog (e.g. blank its translation)."""
    path = directory / locale / "LC_MESSAGES" / "beacon.po"
    with path.open("rb") as handle:
        catalog = read_po(handle)
    message = catalog.get(key[1], context=key[0])
    assert message is not None, key
    for name, value in changes.items():
        setattr(message, name, value)
    with path.open("wb") as handle:
        write_po(handle, catalog, width=0)


def errors_for(directory: Path, content: Content) -> list[str]:
    """Return the error lines the catalog check gives for a locales directory."""
    checked = check_catalogs(Catalogs(directory), content.trees)
    return [str(i) for i in checked.issues if i.severity is Severity.ERROR]


def test_removing_a_safety_critical_spanish_translation_fails_naming_it(
    tmp_path: Path, shipped_content: Content
) -> None:
    """Blank the Spanish emergency line: the check fails with that string, and so does CI's
    `python -m bot content check`."""
    directory = copy_locales(tmp_path)
    edit_entry(directory, "es", EMERGENCY, string="")
    [error] = errors_for(directory, shipped_content)
    assert "missing-translation" in error and "es:" in error
    assert "If anyone is in immediate danger, call {number} now." in error
    result = subprocess.run(
        [sys.executable, "-m", "bot", "content", "check"],
        env={**os.environ, "LOCALES_DIR": str(directory)},
        capture_output=True, text=True, cwd=PROJECT_ROOT, check=False,
    )  # fmt: skip
    assert result.returncode == 1
    assert "safety-critical text is untranslated: [safety] 'If anyone is in immediate" in (
        result.stdout
    )


def test_a_fuzzy_critical_entry_counts_as_missing(tmp_path: Path, shipped_content: Content) -> None:
    """After `pybabel update`, a near match kept as fuzzy must be reviewed before it ships."""
    directory = copy_locales(tmp_path)
    edit_entry(directory, "vi", ("exit", "Exit"), flags={"fuzzy"})
    [error] = errors_for(directory, shipped_content)
    assert "vi: safety-critical text is fuzzy: [exit] 'Exit'" in error


def test_a_missing_ordinary_text_falls_back_to_english_with_a_warning(
    tmp_path: Path, shipped_content: Content
) -> None:
    """A non-critical text may be missing: a warning, and English is shown for it alone."""
    directory = copy_locales(tmp_path)
    edit_entry(directory, "es", ("ui", "Next"), string="")
    catalogs = Catalogs(directory)
    checked = check_catalogs(catalogs, shipped_content.trees)
    assert [i for i in checked.issues if i.severity is Severity.ERROR] == []
    [warning] = checked.issues
    assert (
        warning.code is IssueCode.MISSING_TRANSLATION and "1 texts untranslated" in warning.message
    )
    renderer = Renderer(catalogs.translator("es"), "es")
    assert renderer.text(texts.NEXT) == "Next"
    assert renderer.text(texts.BACK) != "Back"


@pytest.mark.parametrize(
    "broken", ["Si alguien corre peligro, llame ahora.", "Llame al {numero} ahora.", "Llame al {"]
)
def test_a_translation_must_keep_its_placeholders(
    tmp_path: Path, shipped_content: Content, broken: str
) -> None:
    """A dropped, renamed or broken placeholder is an error naming the entry."""
    directory = copy_locales(tmp_path)
    edit_entry(directory, "es", EMERGENCY, string=broken)
    [error] = errors_for(directory, shipped_content)
    assert "[placeholder]" in error and "[safety]" in error and "['number']" in error


def explanation_key(content: Content, tree: str, node: str) -> tuple[str, str]:
    """Return the catalog key of a question's poll explanation (its right option's feedback)."""
    question = content.trees[tree].nodes[node]
    assert isinstance(question, QuizQuestionNode)
    explanation = question_poll(question).explanation
    return f"{tree}:{node}:{explanation.field}", explanation.text


def poll_errors(directory: Path, content: Content) -> list[str]:
    """Return the poll-length errors the catalog check gives for a locales directory."""
    checked = check_catalogs(Catalogs(directory), content.trees)
    return [str(i) for i in checked.issues if i.code is IssueCode.POLL_TOO_LONG]


def test_an_over_long_poll_explanation_in_one_locale_is_an_error_naming_it(
    tmp_path: Path, shipped_content: Content
) -> None:
    """A Vietnamese explanation one character over Telegram's 200 fails, naming the catalog,
    its line, the question, the locale and the length; 200 exactly passes."""
    directory = copy_locales(tmp_path)
    key = explanation_key(shipped_content, "signs", "q1")
    edit_entry(directory, "vi", key, string="x" * EXPLANATION_LIMIT)
    assert poll_errors(directory, shipped_content) == []
    edit_entry(directory, "vi", key, string="x" * (EXPLANATION_LIMIT + 1))
    checked = check_catalogs(Catalogs(directory), shipped_content.trees)
    [issue] = [i for i in checked.issues if i.code is IssueCode.POLL_TOO_LONG]
    assert issue.severity is Severity.ERROR
    assert (issue.file, issue.tree, issue.node) == (
        "locales/vi/LC_MESSAGES/beacon.po",
        "signs",
        "q1",
    )
    with (directory / "vi" / "LC_MESSAGES" / "beacon.po").open("rb") as handle:
        entry = read_po(handle).get(key[1], context=key[0])
    assert entry is not None and issue.line == entry.lineno
    assert issue.message == (
        "vi options.1.feedback: poll explanation is 201 characters; Telegram allows 200"
    )


def test_poll_texts_are_measured_as_sent_right_to_left_and_within_two_line_feeds(
    tmp_path: Path, shipped_content: Content
) -> None:
    """Arabic is measured with its direction marks; an explanation may hold two line feeds, not
    three; an option label is held to 100 characters."""
    directory = copy_locales(tmp_path)
    arabic = "ب" * (EXPLANATION_LIMIT - 3) + " A"  # 199 as written, 202 with RLM and two LRMs
    edit_entry(directory, "ar", explanation_key(shipped_content, "signs", "q1"), string=arabic)
    feeds = "a\nb\nc\nd"
    edit_entry(directory, "es", explanation_key(shipped_content, "signs", "q3"), string=feeds)
    question = shipped_content.trees["signs"].nodes["q8"]
    assert isinstance(question, QuizQuestionNode)
    label = ("signs:q8:options.0.label", question.options[0].label)
    edit_entry(directory, "tl", label, string="y" * (OPTION_LIMIT + 1))
    found = poll_errors(directory, shipped_content)
    assert len(found) == 3, found
    assert "ar options.1.feedback: poll explanation is 202 characters" in found[0]
    assert "es options.1.feedback: poll explanation has 3 line feeds; Telegram allows 2" in found[1]
    assert "tl options.0.label: poll option is 101 characters; Telegram allows 100" in found[2]


def test_a_catalog_that_does_not_parse_or_states_no_review_is_an_error(
    tmp_path: Path, shipped_content: Content
) -> None:
    """Malformed PO syntax fails to compile; a catalog must state its review status and be for
    a locale Babel knows (it formats numbers and dates)."""
    directory = copy_locales(tmp_path)
    tl = directory / "tl" / "LC_MESSAGES" / "beacon.po"
    tl.write_text(tl.read_text(encoding="utf-8") + '\nmsgid "x"\nmsgstrr "y"\n', "utf-8")
    vi = directory / "vi" / "LC_MESSAGES" / "beacon.po"
    vi.write_text(re.sub(r"# Review-Status:.*\n", "", vi.read_text("utf-8")), "utf-8")
    unknown = directory / "xx_Nowhere" / "LC_MESSAGES"
    unknown.mkdir(parents=True)
    shutil.copy(directory / "es" / "LC_MESSAGES" / "beacon.po", unknown)
    errors = errors_for(directory, shipped_content)
    assert any("xx_Nowhere: not a locale Babel knows" in e for e in errors), errors
    assert any("tl: does not compile" in e for e in errors), errors
    assert any("vi: no '# Review-Status:' line" in e for e in errors), errors


def test_safety_critical_contexts() -> None:
    """Emergency, privacy, exit and resources are critical; so is the report side."""
    from bot.content.loader import load_content

    loaded = load_content(PROJECT_ROOT / "dialogues")
    assert loaded.content is not None
    trees = loaded.content.trees
    critical = [
        "safety", "privacy", "exit", "resource", "bot", "resource:nhth:channels.1.languages",
        "report:danger:text", "report:start:choices.0.label", "main:about_limits:text",
    ]  # fmt: skip
    ordinary = ["ui", "command", "learn:q1:text", "main:home:text", "main:help:text"]
    assert [c for c in critical if not is_critical(c, trees)] == []
    assert [c for c in ordinary if is_critical(c, trees)] == []


def test_review_status_is_read_from_each_catalog_header(tmp_path: Path) -> None:
    """The language menu marks machine drafts; a catalog marked reviewed is not marked."""
    shipped = {lang.code: lang for lang in Catalogs(LOCALES).languages()}
    assert shipped["en"].reviewed
    assert [code for code, lang in shipped.items() if lang.reviewed] == ["en"]
    directory = copy_locales(tmp_path)
    es = directory / "es" / "LC_MESSAGES" / "beacon.po"
    es.write_text(
        es.read_text("utf-8").replace(
            "# Review-Status: machine-draft", "# Review-Status: reviewed by Ana R., 2026-11-20"
        ),
        "utf-8",
    )
    assert Catalogs(directory).reviewed("es")


def test_language_menu_names_each_language_in_its_own_script_and_marks_drafts(
    shipped_content: Content, catalogs: Catalogs
) -> None:
    """/language lists English, Español, Français, Tiếng Việt, 中文 (简体), العربية, Filipino."""
    from bot.testing.simulator import CoreChat

    chat = CoreChat(shipped_content, catalogs, "en")
    [reply] = chat.send("/language")
    labels = [b.label for row in reply.buttons[:-1] for b in row]  # type: ignore[union-attr]
    assert labels == [
        "English", "العربية (not yet reviewed)", "Español (not yet reviewed)",
        "Français (not yet reviewed)", "Filipino (not yet reviewed)",
        "Tiếng Việt (not yet reviewed)", "中文 (简体) (not yet reviewed)",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("stored", "platform", "expected"),
    [
        ("ar", "es", "ar"),  # the user's choice wins over Telegram's language
        (None, "es", "es"),
        (None, "es-MX", "es"),
        (None, "zh-hans", "zh_Hans"),
        (None, "zh", "zh_Hans"),
        (None, "fil", "tl"),
        (None, "de", "en"),  # not shipped: the default
        (None, None, "en"),
        ("xx", "vi", "vi"),  # a stored language no longer shipped is skipped
    ],
)
def test_locale_negotiation_order(stored: str | None, platform: str | None, expected: str) -> None:
    """Stored choice, then Telegram's language_code, then DEFAULT_LOCALE."""
    available = ["en", "es", "vi", "zh_Hans", "ar", "tl"]
    assert negotiate(stored, platform, available, "en") == expected


def test_default_locale_applies_when_nothing_matches() -> None:
    """A deployment can make Spanish its default."""
    assert negotiate(None, "de", ["en", "es"], "es") == "es"


def test_a_stale_compiled_catalog_is_not_used(tmp_path: Path) -> None:
    """When the .po is newer than the .mo (or there is no .mo), the .po is compiled in memory."""
    directory = copy_locales(tmp_path)
    key = ("ui", "Next")
    edit_entry(directory, "es", key, string="Seguir")
    mo = directory / "es" / "LC_MESSAGES" / "beacon.mo"
    mo.write_bytes(b"")  # an old, unusable file
    os.utime(mo, (0, 0))
    assert Catalogs(directory).translator("es").pgettext(*key) == "Seguir"


def test_plural_forms_follow_each_language(catalogs: Catalogs) -> None:
    """English picks singular or plural; Arabic picks among its six forms by Babel's rule."""
    english = Renderer(catalogs.translator("en"), "en")
    assert english.text(texts.MISSED.fill(count=1)).startswith("You missed 1 question.")
    assert english.text(texts.MISSED.fill(count=2)).startswith("You missed 2 questions.")
    with (LOCALES / "ar" / "LC_MESSAGES" / "beacon.po").open("rb") as handle:
        catalog = read_po(handle)
    entry = catalog.get(texts.MISSED.text, "ui")
    assert entry is not None and isinstance(entry.string, tuple)
    pick = gettext.c2py(catalog.plural_expr)
    arabic = Renderer(catalogs.translator("ar"), "ar")
    counts = (0, 1, 2, 3, 11, 100)
    assert len({pick(n) for n in counts}) == 6
    for n in counts:
        expected = entry.string[pick(n)].replace("{count}", str(n))
        assert arabic.text(texts.MISSED.fill(count=n)) == expected, n


@pytest.mark.parametrize(
    ("locale", "date_text", "number_text"),
    [("en", "November 22, 2026", "12,345"), ("es", "22 de noviembre de 2026", "12.345"),
     ("vi", "22 tháng 11, 2026", "12.345"), ("zh_Hans", "2026年11月22日", "12,345")],
)  # fmt: skip
def test_dates_and_numbers_are_formatted_by_babel(
    catalogs: Catalogs, locale: str, date_text: str, number_text: str
) -> None:
    """A resource's check date and a quiz score are written the locale's way."""
    renderer = Renderer(catalogs.translator(locale), locale)
    assert date_text in renderer.text(
        texts.COMPILED_FROM.fill(source="dcs.az.gov", date=dt.date(2026, 11, 22))
    )
    assert number_text in renderer.text(Msg("x", "{n}", (("n", 12345),), translate=False))


def test_right_to_left_marks_lines_and_holds_latin_runs_together() -> None:
    """Arabic output starts each line with RLM and wraps numbers, URLs and commands in LRM."""
    renderer = Renderer(Catalogs(LOCALES).translator("ar"), "ar")
    shown = renderer.finish("اتصل 1-800-THE-LOST\n\nأرسل /exit أو https://a.example/x")
    assert shown.split("\n") == [
        f"{RLM}اتصل {LRM}1-800-THE-LOST{LRM}",
        "",
        f"{RLM}أرسل {LRM}/exit{LRM} أو {LRM}https://a.example/x{LRM}",
    ]
    assert Renderer(Catalogs(LOCALES).translator("es"), "es").finish("Llame 911") == "Llame 911"
