"""The content linter: shipped content is clean; each mistake is found with file and line."""

from __future__ import annotations

import asyncio
import datetime as dt
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.content.bundle import Language
from bot.content.issues import IssueCode, LintIssue, Severity
from bot.content.lint import has_errors, lint, source_problem
from bot.content.loader import load_content
from bot.core.codec import encodable
from bot.settings import PROJECT_ROOT
from bot.testing.clocks import TODAY
from bot.testing.keys import TEST_USER_KEY_SECRET
from bot.testing.shipped import DIALOGUES

FACTS = PROJECT_ROOT.parent / "shared" / "facts" / "trafficking-facts.md"

MINIMAL_MAIN = """\
schema_version: 1
id: main
title: Main
start: home
nodes:
  home:
    type: menu
    text: Home
    choices:
      - label: Go
        to: next
  next:
    type: message
    text: Next
    next: help
  help:
    type: end
    text: Help
entry_points: {home: home, help: help}
"""

TOPICS = """\
schema_version: 1
topics:
  - id: emergency
    description: Emergencies
resources:
  - id: us_911
    name: "911"
    operator: Local dispatch
    law_enforcement: true
    sharing: Goes to responders.
    why: Danger now.
    topics: [emergency]
    jurisdiction: US
    channels:
      - kind: call
        value: "911"
    hours: 24/7
    languages: English
    source_url: https://www.transportation.gov/stop-human-trafficking/report
    compiled_on: 2026-11-01
"""


def write_content(root: Path, trees: dict[str, str], resources: str = TOPICS) -> Path:
    """Write a content directory with the given tree files and one resource file."""
    directory = root / "dialogues"
    (directory / "resources").mkdir(parents=True)
    for name, text in trees.items():
        (directory / name).write_text(text)
    (directory / "resources" / "directory.yaml").write_text(resources)
    return directory


def issues_of(directory: Path, today: dt.date = TODAY, max_age: int = 365) -> list[LintIssue]:
    """Load and lint a content directory."""
    return lint(load_content(directory), today, max_age)


def codes(issues: list[LintIssue]) -> set[IssueCode]:
    """Return the issue codes found."""
    return {issue.code for issue in issues}


def test_shipped_content_has_no_errors_or_warnings() -> None:
    """What Beacon ships is clean on the day its facts were compiled."""
    issues = issues_of(DIALOGUES)
    assert issues == [], "\n".join(map(str, issues))


def test_minimal_content_is_clean(tmp_path: Path) -> None:
    """The fixture used below is itself clean, so each test shows exactly one mistake."""
    assert issues_of(write_content(tmp_path, {"main.yaml": MINIMAL_MAIN})) == []


@pytest.mark.parametrize(
    ("old", "new", "code", "line"),
    [
        ("        to: next", "        to: nowhere", IssueCode.DANGLING_LINK, 11),
        ("    next: help", "    next: other:help", IssueCode.DANGLING_LINK, 15),
        ("        to: next", "        to: help", IssueCode.UNREACHABLE_NODE, 12),
        ("    next: help\n", "\n", IssueCode.DEAD_END, 12),
        ("    text: Next\n", "    text: Next {name}\n", IssueCode.PLACEHOLDER, 14),
        ("    type: end", "    type: finish", IssueCode.SCHEMA_ERROR, 16),
        ("    text: Help", "    text: Help\n    colour: red", IssueCode.SCHEMA_ERROR, 19),
        ("  help:", "  home:", IssueCode.DUPLICATE_KEY, 16),
        ("start: home", "start: [home", IssueCode.YAML_ERROR, 5),
    ],
)
def test_each_mistake_is_found_with_its_line(
    tmp_path: Path, old: str, new: str, code: IssueCode, line: int
) -> None:
    """A single edit produces an error of the expected kind at the expected line of main.yaml."""
    assert old in MINIMAL_MAIN
    directory = write_content(tmp_path, {"main.yaml": MINIMAL_MAIN.replace(old, new, 1)})
    issues = issues_of(directory)
    found = [i for i in issues if i.code is code]
    assert found, "\n".join(map(str, issues))
    assert found[0].file == "dialogues/main.yaml"
    assert found[0].line == line, str(found[0])
    assert has_errors(issues)


QUIZ = """\
schema_version: 1
id: quiz
title: Quiz
start: q1
quiz:
  title: Quiz
nodes:
  q1:
    type: quiz_question
    text: Which?
    options:
      - label: A
        correct: true
        feedback: Because A.
      - label: B
        correct: true
        feedback: Because B.
    source:
      name: Source
      url: https://example.org
    next: result
  result:
    type: quiz_result
    text: "{score} of {total}"
"""


def test_two_correct_answers_are_an_error(tmp_path: Path) -> None:
    """A question with two correct options is reported at its options."""
    issues = issues_of(write_content(tmp_path, {"main.yaml": MINIMAL_MAIN, "quiz.yaml": QUIZ}))
    [issue] = [i for i in issues if i.code is IssueCode.QUIZ_CORRECT_COUNT]
    assert (issue.file, issue.line, issue.tree, issue.node) == (
        "dialogues/quiz.yaml",
        11,
        "quiz",
        "q1",
    )
    assert "2 options" in issue.message


def test_a_question_outside_a_quiz_tree_is_an_error(tmp_path: Path) -> None:
    """Quiz questions need a tree with a `quiz:` section, so they can be scored."""
    text = QUIZ.replace("quiz:\n  title: Quiz\n", "").replace(
        "        correct: true\n        feedback: Because B.", "        feedback: Because B."
    )
    issues = issues_of(write_content(tmp_path, {"main.yaml": MINIMAL_MAIN, "quiz.yaml": text}))
    assert codes(issues) == {IssueCode.QUIZ_OUTSIDE_MODULE}


ONE_RIGHT_QUIZ = QUIZ.replace(
    "        correct: true\n        feedback: Because B.", "        feedback: Because B."
)


@pytest.mark.parametrize(
    ("old", "new", "line", "message"),
    [
        ("Because A.", "x" * 201, 14, "poll explanation is 201 characters; Telegram allows 200"),
        (
            "Because A.",
            '"a\\nb\\nc\\nd"',
            14,
            "poll explanation has 3 line feeds; Telegram allows 2",
        ),
        ("text: Which?", f"text: {'z' * 301}", 10, "poll question is 301 characters; Telegram"),
    ],
)
def test_a_question_must_fit_a_quiz_poll_in_english(
    tmp_path: Path, old: str, new: str, line: int, message: str
) -> None:
    """Each text a question sends as a Telegram quiz poll is held to its limit, at its line (an
    English option label is already held to 60 characters by the schema)."""
    assert old in ONE_RIGHT_QUIZ
    text = ONE_RIGHT_QUIZ.replace(old, new, 1)
    directory = write_content(tmp_path, {"main.yaml": MINIMAL_MAIN, "quiz.yaml": text})
    issues = issues_of(directory)
    [issue] = issues
    assert (issue.code, issue.severity) == (IssueCode.POLL_TOO_LONG, Severity.ERROR)
    assert (issue.file, issue.line, issue.tree, issue.node) == (
        "dialogues/quiz.yaml",
        line,
        "quiz",
        "q1",
    )
    assert issue.message.startswith(message), issue.message


def test_an_explanation_of_exactly_200_characters_fits(tmp_path: Path) -> None:
    """Telegram's limits are inclusive."""
    text = ONE_RIGHT_QUIZ.replace("Because A.", "x" * 200)
    assert issues_of(write_content(tmp_path, {"main.yaml": MINIMAL_MAIN, "quiz.yaml": text})) == []


def test_unknown_and_unserved_topics(tmp_path: Path) -> None:
    """A topic nobody declared is an error; a declared topic no resource serves is a warning."""
    resources = TOPICS.replace(
        "topics:\n  - id: emergency",
        "topics:\n  - id: spare\n    description: Spare\n  - id: emergency",
    )
    tree = MINIMAL_MAIN.replace(
        "    type: message\n    text: Next\n",
        "    type: resources\n    text: Next\n    topics: [emergency, spare, invented]\n",
    )
    issues = issues_of(write_content(tmp_path, {"main.yaml": tree}, resources))
    by_code = {i.code: i for i in issues}
    assert by_code[IssueCode.UNKNOWN_TOPIC].severity is Severity.ERROR
    assert "invented" in by_code[IssueCode.UNKNOWN_TOPIC].message
    assert by_code[IssueCode.UNSERVED_TOPIC].severity is Severity.WARNING


def test_stale_verification_is_an_error_naming_the_source(tmp_path: Path) -> None:
    """A resource verified longer ago than the limit is flagged, with the page to re-check."""
    directory = write_content(tmp_path, {"main.yaml": MINIMAL_MAIN})
    issues = issues_of(directory, today=dt.date(2028, 1, 1), max_age=365)
    [issue] = issues
    assert issue.code is IssueCode.STALE_VERIFICATION and issue.severity is Severity.ERROR
    assert issue.file == "dialogues/resources/directory.yaml" and issue.line == 6
    assert "transportation.gov" in issue.message and "compiled 426 days ago" in issue.message
    assert has_errors(issues)


@pytest.mark.parametrize(
    ("live", "stale"), [("2027-12-01", False), ("2026-12-01", True), (None, True)]
)
def test_freshness_is_judged_by_the_live_check_when_there_is_one(
    tmp_path: Path, live: str | None, stale: bool
) -> None:
    """An entry compiled long ago but checked on the live page recently is fresh; without a
    live check its compiled date counts."""
    entry = TOPICS.replace("compiled_on: 2026-11-01", "compiled_on: 2025-01-01")
    if live is not None:
        entry += f"    checked_live_on: {live}\n"
    directory = write_content(tmp_path, {"main.yaml": MINIMAL_MAIN}, entry)
    issues = issues_of(directory, today=dt.date(2028, 1, 1), max_age=365)
    assert [i.code for i in issues] == ([IssueCode.STALE_VERIFICATION] if stale else [])
    if stale and live is not None:
        assert "checked on the live page 396 days ago" in issues[0].message


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("https://web.archive.org/web/2019/https://www.ice.gov/tips", "archived"),
        (
            "https://cybercemetery.unt.edu/archive/oilspill/2013/http://www.ice.gov/tipline/",
            "archived",
        ),
        ("https://acadlaggingpeavey.pages.dev/149884.html", "WEAK SRC"),
        ("https://www.humantraffickingexperts.com/main/business_details/456", "WEAK SRC"),
        ("https://www.ice.gov/tips", None),
        ("https://www.transportation.gov/archive-notes", None),
    ],
)
def test_a_card_may_not_cite_an_archived_copy_or_a_weak_source(
    tmp_path: Path, url: str, problem: str | None
) -> None:
    """A resource citing an archived copy or a WEAK SRC host is an error at its entry."""
    entry = TOPICS.replace("https://www.transportation.gov/stop-human-trafficking/report", url)
    issues = issues_of(write_content(tmp_path, {"main.yaml": MINIMAL_MAIN}, entry))
    if problem is None:
        assert issues == []
        return
    [issue] = issues
    assert issue.code is IssueCode.WEAK_SOURCE and issue.severity is Severity.ERROR
    assert issue.line == 6 and problem in issue.message and url in issue.message


def flagged_in_facts() -> set[str]:
    """Return the hosts the facts file marks WEAK SRC right after one of their addresses (up to
    the next address or table cell), and the addresses of archived copies it cites."""
    text = FACTS.read_text(encoding="utf-8").replace("**", "")
    flagged: set[str] = set()
    for line in text.splitlines():
        found = list(re.finditer(r"https?://[^\s|;)]+", line))
        for index, match in enumerate(found):
            end = found[index + 1].start() if index + 1 < len(found) else len(line)
            after = line[match.end() : end].split("|")[0]
            if "WEAK SRC" in after or "/archive/" in match.group():
                flagged.add(match.group())
    return flagged


def test_every_source_the_facts_file_flags_is_refused() -> None:
    """The linter's lists cover every weak or archived source the facts file names (it keeps
    its own list, because the facts file does not ship with Beacon)."""
    flagged = flagged_in_facts()
    assert len(flagged) >= 8
    assert sorted(url for url in flagged if source_problem(url) is None) == []


PLACES = (
    """\
schema_version: 1
places:
  - code: US
    name: United States
    regions:
      - code: US-AZ
        name: Arizona
    institutions: [FBI, U.S.]
  - code: GB
    name: United Kingdom
    institutions: [Unseen]
"""
    + TOPICS.removeprefix("schema_version: 1\n")
    + """\
  - id: gb_999
    name: "999"
    operator: Emergency services
    law_enforcement: true
    sharing: Goes to responders.
    why: Danger now.
    topics: [emergency]
    jurisdiction: GB
    channels:
      - kind: call
        value: "999"
    hours: 24/7
    languages: English
    source_url: https://www.btp.police.uk/
    compiled_on: 2026-11-01
"""
)
REPORT_MAIN = MINIMAL_MAIN.replace("start: home\n", "start: home\nreport_side: true\n")


def test_a_text_shown_in_another_country_may_not_name_a_countrys_institutions(
    tmp_path: Path,
) -> None:
    """A report-side text that the UK sees and that names a U.S. institution is an error at its
    line; the same words as the text for the U.S. only are clean."""
    tree = REPORT_MAIN.replace("    text: Next\n", "    text: Tell the FBI or the U.S. police.\n")
    issues = issues_of(write_content(tmp_path / "a", {"main.yaml": tree}, PLACES))
    found = {(i.code, i.line) for i in issues}
    assert found == {(IssueCode.FOREIGN_INSTITUTION, 15)}
    assert {i.message.split(", names ")[1] for i in issues} == {
        "'FBI', an institution of US",
        "'U.S.', an institution of US",
    }
    placed = REPORT_MAIN.replace(
        "    text: Next\n",
        "    text: Tell the police.\n    text_in:\n      US: Tell the FBI or the U.S. police.\n",
    )
    assert issues_of(write_content(tmp_path / "b", {"main.yaml": placed}, PLACES)) == []


def test_a_card_shown_in_a_country_may_not_name_another_countrys_institutions(
    tmp_path: Path,
) -> None:
    """A British card whose text names a U.S. institution is an error at its entry."""
    resources = PLACES.replace("    operator: Emergency services", "    operator: Like the FBI")
    tree = REPORT_MAIN.replace(
        "    type: message\n    text: Next\n",
        "    type: resources\n    text: Next\n    topics: [emergency]\n",
    )
    issues = issues_of(write_content(tmp_path, {"main.yaml": tree}, resources))
    [issue] = issues
    assert issue.code is IssueCode.FOREIGN_INSTITUTION
    assert issue.file == "dialogues/resources/directory.yaml" and issue.line == 31
    assert "resource 'gb_999', shown for GB, names 'FBI'" in issue.message


def test_a_text_for_a_place_the_directory_lacks_is_an_error(tmp_path: Path) -> None:
    """`text_in` may name only a covered country or region."""
    tree = REPORT_MAIN.replace("    text: Next\n", "    text: Next\n    text_in:\n      FR: Ici\n")
    issues = issues_of(write_content(tmp_path, {"main.yaml": tree}, PLACES))
    assert [(i.code, i.line) for i in issues] == [(IssueCode.UNKNOWN_PLACE, 17)]


def test_missing_home_or_help(tmp_path: Path) -> None:
    """The main tree must have `home` and `help`."""
    tree = MINIMAL_MAIN.replace("    next: help", "    next: bye").replace("  help:", "  bye:")
    issues = issues_of(write_content(tmp_path, {"main.yaml": tree}))
    assert codes(issues) == {IssueCode.MISSING_NODE}


@pytest.mark.parametrize(
    ("old", "new", "code", "line"),
    [
        ("help: help}", "}", IssueCode.MISSING_NODE, 1),
        ("help: help}", "help: gone}", IssueCode.MISSING_NODE, 19),
        ("help: help}", "help: help, menu: x}", IssueCode.SCHEMA_ERROR, 19),
    ],
)
def test_entry_points_are_declared_and_exist(
    tmp_path: Path, old: str, new: str, code: IssueCode, line: int
) -> None:
    """`home` and `help` must be declared under `entry_points:`, name nodes that exist, and
    no other entry point name is known."""
    assert old in MINIMAL_MAIN
    directory = write_content(tmp_path, {"main.yaml": MINIMAL_MAIN.replace(old, new)})
    [issue] = issues_of(directory)
    assert (issue.code, issue.file, issue.line) == (code, "dialogues/main.yaml", line), str(issue)


def test_an_entry_point_is_declared_once(tmp_path: Path) -> None:
    """Two trees may not both declare the same entry point."""
    other = MINIMAL_MAIN.replace("id: main", "id: other").replace(
        "{home: home, help: help}", "{help: help}"
    )
    issues = issues_of(write_content(tmp_path, {"main.yaml": MINIMAL_MAIN, "other.yaml": other}))
    [issue] = [i for i in issues if i.code is IssueCode.DUPLICATE_ID]
    assert "entry point 'help'" in issue.message and issue.file == "dialogues/other.yaml"


def test_duplicate_tree_ids(tmp_path: Path) -> None:
    """Two files may not declare the same tree id."""
    issues = issues_of(
        write_content(tmp_path, {"main.yaml": MINIMAL_MAIN, "copy.yaml": MINIMAL_MAIN})
    )
    assert IssueCode.DUPLICATE_ID in codes(issues)


def test_callback_payloads_must_fit(tmp_path: Path) -> None:
    """A language whose code cannot be carried in callback data is reported."""
    directory = write_content(tmp_path, {"main.yaml": MINIMAL_MAIN})
    languages = (Language("en", "English"), Language("x" * 20, "Too long"))
    issues = lint(load_content(directory, languages), TODAY, encodable=encodable)
    [issue] = issues
    assert issue.code is IssueCode.PAYLOAD_TOO_LONG and "x" * 20 in issue.message


def broken_copy(tmp_path: Path, file: str, old: str, new: str) -> Path:
    """Copy the shipped content and make one edit to one file."""
    copy = tmp_path / "dialogues"
    shutil.copytree(DIALOGUES, copy)
    path = copy / file
    text = path.read_text()
    assert old in text, f"{old!r} not in {file}"
    path.write_text(text.replace(old, new, 1))
    return copy


def check(directory: Path) -> subprocess.CompletedProcess[str]:
    """Run `python -m bot content check` on a directory."""
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "bot",
            "content",
            "check",
            "--dir",
            str(directory),
            "--today",
            TODAY.isoformat(),
        ],
        capture_output=True,
        text=True,
        check=False,
    )


def test_cli_passes_on_shipped_content() -> None:
    """`python -m bot content check` exits 0 on what Beacon ships."""
    result = check(DIALOGUES)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "content ok" in result.stdout


def test_cli_fails_on_a_dangling_link_naming_file_and_line(tmp_path: Path) -> None:
    """A copy with a dangling link fails, and the output names the file and line."""
    copy = broken_copy(tmp_path, "report.yaml", "    next: never\n", "    next: nowhere\n")
    result = check(copy)
    assert result.returncode == 1
    line = next(
        n
        for n, text in enumerate((copy / "report.yaml").read_text().splitlines(), 1)
        if text == "    next: nowhere"
    )
    assert f"dialogues/report.yaml:{line}: error [dangling-link] report:note:" in result.stdout


def test_cli_fails_on_two_correct_answers_naming_file_and_line(tmp_path: Path) -> None:
    """A copy with a question that has two correct options fails at that question's options."""
    text = (DIALOGUES / "modules" / "signs.yaml").read_text()
    start = text.index("  q1:")
    first_option = text.index("      - label:", start)
    copy = broken_copy(
        tmp_path,
        "modules/signs.yaml",
        text[first_option : first_option + 50],
        text[first_option : first_option + 50].replace(
            "      - label:", "      - correct: true\n        label:", 1
        ),
    )
    result = check(copy)
    assert result.returncode == 1
    options_line = text[: text.index("    options:", start)].count("\n") + 1
    assert (
        f"dialogues/modules/signs.yaml:{options_line}: error [quiz-correct-count] signs:q1:"
        in result.stdout
    )


COURSE = """\
schema_version: 1
id: learn
title: Learn
start: menu
nodes:
  menu:
    type: course
    title: A course
    text: Modules
    modules: [quiz, MODULE]
    knowledge_check: CHECK
    knowledge_check_after: AFTER
"""


def one_question_quiz(tree_id: str, questions: int, words: int = 3, longest: int = 0) -> str:
    """Return a quiz tree with `questions` one-answer questions, each with about `words` words
    to read in its wrong answer's feedback (not sent in a poll, so any length fits one); in the
    first `longest` questions the right label is the longer one (5 characters to 4)."""
    text = " ".join(["word"] * words)
    nodes = "".join(
        f"""
  q{i}:
    type: quiz_question
    text: Which one?
    options:
      - label: {"AAAAA" if i <= longest else "A"}
        correct: true
        feedback: Because A.
      - label: {"BBBB" if i <= longest else "B"}
        feedback: {text}
    source:
      name: Source
      url: https://example.org
    next: {f"q{i + 1}" if i < questions else "result"}"""
        for i in range(1, questions + 1)
    )
    return (
        f"schema_version: 1\nid: {tree_id}\ntitle: T\nstart: q1\nquiz:\n  title: T\nnodes:"
        f'{nodes}\n  result:\n    type: quiz_result\n    text: "{{score}} of {{total}}"\n'
    )


def course_issues(
    tmp_path: Path, module: str, check: str, extra: dict[str, str], after: str = "after"
) -> set[str]:
    """Lint main, a course naming `quiz` and `module`, the check's forms `check` and `after`
    (a 2-question quiz unless `extra` gives another), and the given extra trees."""
    course = COURSE.replace("MODULE", module).replace("CHECK", check).replace("AFTER", after)
    trees = {
        "main.yaml": MINIMAL_MAIN,
        "learn.yaml": course,
        "quiz.yaml": one_question_quiz("quiz", 5),
        "after.yaml": one_question_quiz("after", 2),
    }
    issues = issues_of(write_content(tmp_path, {**trees, **extra}))
    return {f"{i.code}:{i.tree}:{i.message}" for i in issues}


def test_feedback_that_starts_with_a_verdict_is_an_error(tmp_path: Path) -> None:
    """Feedback starting with "Right." (or another verdict) would show the verdict twice, as
    Beacon puts its own before every feedback; the issue points at the feedback's line."""
    quiz = one_question_quiz("quiz", 5).replace("feedback: Because A.", "feedback: Right. A.", 1)
    trees = {"main.yaml": MINIMAL_MAIN, "quiz.yaml": quiz}
    issues = [i for i in issues_of(write_content(tmp_path, trees)) if i.code == "feedback-verdict"]
    assert [(i.tree, i.node, i.severity) for i in issues] == [("quiz", "q1", "error")]
    assert "'Right.'" in issues[0].message
    lines = quiz.splitlines()
    assert lines[issues[0].line - 1].strip() == "feedback: Right. A."


def test_the_verdict_rule_covers_the_verdicts_beacon_shows() -> None:
    """The engine's own verdicts are what the rule forbids in the data; a reason is not."""
    from bot.content.lint import VERDICT
    from bot.core import texts

    assert VERDICT.match(texts.RIGHT.text) and VERDICT.match(texts.NOT_QUITE.text)
    assert VERDICT.match("No single sign confirms trafficking.") is None
    assert VERDICT.match("Rightly or not, report it.") is None


def test_a_course_is_clean_with_quiz_modules(tmp_path: Path) -> None:
    """Modules of 5-8 short questions and a quiz check are fine."""
    extra = {"m.yaml": one_question_quiz("m", 8), "c.yaml": one_question_quiz("c", 2)}
    assert course_issues(tmp_path, "m", "c", extra) == set()


def test_a_course_must_name_quiz_trees(tmp_path: Path) -> None:
    """A module or check that is missing or not a quiz is a dangling link."""
    found = course_issues(tmp_path, "nothing", "main", {})
    assert "dangling-link:learn:course names 'nothing', which is not a quiz tree" in found
    assert "dangling-link:learn:course names 'main', which is not a quiz tree" in found


def test_a_knowledge_check_needs_two_forms_of_one_size(tmp_path: Path) -> None:
    """The same tree as both forms, or forms of different sizes, is a check-forms issue."""
    extra = {"m.yaml": one_question_quiz("m", 8), "c.yaml": one_question_quiz("c", 2)}
    same = course_issues(tmp_path / "same", "m", "c", extra, after="c")
    assert same == {
        "check-forms:learn:a knowledge check needs two different forms: knowledge_check "
        "(before) and knowledge_check_after"
    }
    extra["c.yaml"] = one_question_quiz("c", 3)
    sizes = course_issues(tmp_path / "sizes", "m", "c", extra)
    assert sizes == {
        "check-forms:learn:the knowledge check's forms have 3 and 2 questions; they must match"
    }


@pytest.mark.parametrize(
    ("questions", "words", "message"),
    [
        (4, 3, "a course module needs 5-8 questions, not 4"),
        (9, 3, "a course module needs 5-8 questions, not 9"),
        (8, 100, "takes about 5.7 minutes; the limit is 5"),
    ],
)
def test_a_module_has_5_to_8_questions_and_takes_under_five_minutes(
    tmp_path: Path, questions: int, words: int, message: str
) -> None:
    """Too few, too many, or too long to read in five minutes."""
    extra = {
        "m.yaml": one_question_quiz("m", questions, words),
        "c.yaml": one_question_quiz("c", 2),
    }
    found = course_issues(tmp_path, "m", "c", extra)
    assert found == {f"module-size:m:{message}"}


@pytest.mark.parametrize(
    ("longest", "found"),
    [
        (6, set()),
        (
            7,
            {
                "longest-answer-share:learn:the right answer is the longest option in 7 of 17 "
                "questions (41%); at most 40% may be: m:q1, m:q2, m:q3, m:q4, m:q5, m:q6, m:q7"
            },
        ),
    ],
)
def test_the_right_answer_is_the_longest_in_at_most_40_percent_of_a_course(
    tmp_path: Path, longest: int, found: set[str]
) -> None:
    """Over the course's 17 questions (5 + 8 + two check forms of 2), 6 right answers longer
    than every wrong one (35%) pass and 7 (41%) fail, naming each question where length gives
    the answer away."""
    extra = {
        "m.yaml": one_question_quiz("m", 8, longest=longest),
        "c.yaml": one_question_quiz("c", 2),
    }
    assert course_issues(tmp_path, "m", "c", extra) == found


def test_the_course_share_is_reported_at_the_course_modules(tmp_path: Path) -> None:
    """The course-wide issue points at the course's `modules:` line, as an error."""
    extra = {
        "m.yaml": one_question_quiz("m", 8, longest=8),
        "c.yaml": one_question_quiz("c", 2),
        "a.yaml": one_question_quiz("a", 2),
    }
    course = COURSE.replace("MODULE", "m").replace("CHECK", "c").replace("AFTER", "a")
    trees = {"main.yaml": MINIMAL_MAIN, "learn.yaml": course, **extra}
    trees["quiz.yaml"] = one_question_quiz("quiz", 5)
    [issue] = issues_of(write_content(tmp_path, trees))
    assert (issue.code, issue.severity, issue.file, issue.line) == (
        IssueCode.LONGEST_ANSWER_SHARE,
        Severity.ERROR,
        "dialogues/learn.yaml",
        10,
    )
    assert "8 of 17 questions (47%)" in issue.message


@pytest.mark.parametrize(
    ("right", "wrong", "message"),
    [
        ("x" * 13, "y" * 10, None),
        ("x" * 14, "y" * 10, "the right answer is 14 characters, 1.40 times the longest wrong"),
        ("x" * 40, "y" * 40, None),
    ],
)
def test_a_right_answer_at_most_1_3_times_the_longest_wrong_one(
    tmp_path: Path, right: str, wrong: str, message: str | None
) -> None:
    """A right label up to 1.3 times the longest wrong one passes; longer is an error at the
    right label's line (the longest wrong label counts, not the shortest)."""
    text = ONE_RIGHT_QUIZ.replace("label: A", f"label: {right}").replace(
        "label: B", f"label: {wrong}\n        feedback: Because.\n      - label: C"
    )
    issues = issues_of(write_content(tmp_path, {"main.yaml": MINIMAL_MAIN, "quiz.yaml": text}))
    if message is None:
        assert issues == []
        return
    [issue] = issues
    assert (issue.code, issue.severity, issue.file, issue.line, issue.node) == (
        IssueCode.ANSWER_LENGTH,
        Severity.ERROR,
        "dialogues/quiz.yaml",
        12,
        "q1",
    )
    assert issue.message.startswith(message), issue.message


async def test_a_serving_bot_starts_on_stale_verification_but_content_check_fails(
    tmp_path: Path,
) -> None:
    """In a year without re-checks, CI's `content check` fails, yet the bot still starts and
    logs that its hotlines need checking: people need it meanwhile."""
    from bot.app import build_app
    from bot.settings import Settings
    from bot.testing.clocks import ManualClock

    later = dt.datetime(2028, 1, 1, tzinfo=dt.UTC)
    settings = Settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'b.db'}",
        user_key_secret=TEST_USER_KEY_SECRET,
        data_dir=tmp_path,
    )
    app = await build_app(settings, ManualClock(later))
    await app.close()
    command = [sys.executable, "-m", "bot", "content", "check", "--today", "2028-01-01"]
    result = await asyncio.to_thread(
        subprocess.run, command, capture_output=True, text=True, check=False
    )
    assert result.returncode == 1
    assert "error [stale-verification]" in result.stdout


def test_a_resource_without_a_source_is_an_error(tmp_path: Path) -> None:
    """An entry that lacks its source_url does not load: the check fails at that file."""
    unsourced = TOPICS.replace(
        "    source_url: https://www.transportation.gov/stop-human-trafficking/report\n", ""
    )
    loaded = load_content(write_content(tmp_path, {"main.yaml": MINIMAL_MAIN}, unsourced))
    assert loaded.content is None
    [issue] = [i for i in loaded.issues if "source_url" in i.message]
    assert issue.file == "dialogues/resources/directory.yaml" and issue.severity is Severity.ERROR
