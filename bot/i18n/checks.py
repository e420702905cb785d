"""Check each shipped catalog against the template: it compiles, placeholders match,
safety-critical text is fully translated and every quiz poll text fits its limit as sent; report
each locale's coverage."""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.messages.catalog import Catalog, Message
from babel.messages.mofile import write_mo
from babel.messages.pofile import PoFileError, read_po

from bot.content.issues import IssueCode, LintIssue, Severity
from bot.content.lint import placeholders
from bot.content.models import QuizQuestionNode, Tree
from bot.content.polls import question_poll
from bot.i18n.catalogs import DOMAIN, Catalogs, is_right_to_left, review_status
from bot.i18n.direction import right_to_left

CRITICAL_CONTEXTS = frozenset({"safety", "privacy", "exit", "resource", "bot"})
"""Interface contexts that are safety-critical: emergency lines, privacy, exit, hotline cards."""

Key = tuple[str, str]
"""A message's identity: its context and its (singular) source text."""


def is_critical(context: str, trees: Mapping[str, Tree]) -> bool:
    """Say whether a context is safety-critical: see CRITICAL_CONTEXTS, resources, places,
    report side."""
    head, _, rest = context.partition(":")
    if context in CRITICAL_CONTEXTS or (head in ("resource", "place") and rest):
        return True
    tree = trees.get(head)
    node = rest.split(":", 1)[0]
    return tree is not None and (tree.report_side or node in tree.safety_critical)


def key_of(message: Message) -> Key:
    """Return a message's context and singular source text."""
    singular = message.id[0] if isinstance(message.id, tuple) else message.id
    return str(message.context or ""), str(singular)


def strings_of(message: Message) -> tuple[str, ...]:
    """Return a message's translation (every plural form)."""
    found = message.string
    return tuple(found) if isinstance(found, (tuple, list)) else (found or "",)


def is_translated(message: Message | None, plural_forms: int) -> bool:
    """Say whether a catalog entry has a usable translation: present, not fuzzy, no empty form."""
    if message is None or message.fuzzy:
        return False
    found = strings_of(message)
    wanted = plural_forms if message.pluralizable else 1
    return len(found) >= wanted and all(found[:wanted])


@dataclass(frozen=True, slots=True)
class Coverage:
    """How much of the template one locale translates."""

    locale: str
    review: str
    total: int
    translated: int
    critical_total: int
    critical_translated: int

    def percent(self, part: int, whole: int) -> str:
        """Return a share as a whole-number percentage."""
        return f"{100 * part // whole if whole else 100}%"

    def row(self) -> str:
        """Return one line of the coverage report."""
        all_share = self.percent(self.translated, self.total)
        critical = self.percent(self.critical_translated, self.critical_total)
        return (
            f"{self.locale:<8} {self.translated:>4}/{self.total:<4} {all_share:>5}   "
            f"{self.critical_translated:>4}/{self.critical_total:<4} {critical:>5}   {self.review}"
        )


def read_catalog(path: Path) -> Catalog:
    """Parse a PO or POT file, raising PoFileError on malformed entries."""
    with path.open("rb") as handle:
        return read_po(handle, abort_invalid=True)


class CatalogChecker:
    """Checks every locale's catalog against the template, for the content's contexts."""

    def __init__(self, catalogs: Catalogs, trees: Mapping[str, Tree]) -> None:
        """Check the catalogs of `catalogs.directory` against its `beacon.pot`."""
        self.catalogs = catalogs
        self.trees = trees
        self.root = catalogs.directory.parent
        self.issues: list[LintIssue] = []
        self.coverage: list[Coverage] = []

    def add(
        self, code: IssueCode, path: Path, line: int, message: str, warning: bool = False
    ) -> None:
        """Record an issue in a catalog file."""
        severity = Severity.WARNING if warning else Severity.ERROR
        self.issues.append(LintIssue(code, severity, self.relative(path), line, message))

    def relative(self, path: Path) -> str:
        """Return a path relative to the project, as lint issues name files."""
        return str(path.relative_to(self.root)) if path.is_relative_to(self.root) else str(path)

    def run(self) -> CatalogChecker:
        """Check every locale with a catalog; return self with issues and coverage filled in."""
        template_path = self.catalogs.directory / f"{DOMAIN}.pot"
        template = {key_of(m): m for m in read_catalog(template_path) if m.id}
        for code in self.catalogs.codes()[1:]:
            self.check_locale(code, template)
        return self

    def check_locale(self, code: str, template: dict[Key, Message]) -> None:
        """Check one locale's catalog and note its coverage."""
        path = self.catalogs.po_path(code)
        try:
            Locale.parse(code)
        except (ValueError, UnknownLocaleError):
            self.add(IssueCode.CATALOG_ERROR, path, 1, f"{code}: not a locale Babel knows")
            return
        try:
            catalog = read_catalog(path)
            write_mo(io.BytesIO(), catalog)
        except (PoFileError, ValueError, TypeError) as error:
            self.add(IssueCode.CATALOG_ERROR, path, 1, f"{code}: does not compile: {error}")
            return
        if catalog.fuzzy:
            self.add(IssueCode.CATALOG_ERROR, path, 1, f"{code}: header is fuzzy; compile skips it")
        review = review_status(path)
        if review is None:
            self.add(IssueCode.CATALOG_ERROR, path, 1, f"{code}: no '# Review-Status:' line")
        entries = {key_of(m): m for m in catalog if m.id}
        translated = critical = critical_done = 0
        for key, source in template.items():
            entry = entries.get(key)
            done = is_translated(entry, catalog.num_plurals)
            translated += done
            if is_critical(key[0], self.trees):
                critical += 1
                critical_done += done
                if not done:
                    self.missing(code, path, key, entry)
            if done and entry is not None:
                self.check_placeholders(code, path, source, entry)
        self.check_polls(code, path, entries, catalog.num_plurals)
        stale = [key for key in entries if key not in template]
        if stale:
            self.add(
                IssueCode.STALE_TRANSLATION,
                path,
                entries[stale[0]].lineno or 1,
                f"{code}: {len(stale)} entries are not in the template; run `make catalog`",
                warning=True,
            )
        if translated < len(template):
            self.add(
                IssueCode.MISSING_TRANSLATION,
                path,
                1,
                f"{code}: {len(template) - translated} texts untranslated; English is shown",
                warning=True,
            )
        self.coverage.append(
            Coverage(code, review or "?", len(template), translated, critical, critical_done)
        )

    def missing(self, code: str, path: Path, key: Key, entry: Message | None) -> None:
        """Report an untranslated safety-critical text, naming its context and text."""
        context, text = key
        state = "fuzzy" if entry is not None and entry.fuzzy else "untranslated"
        self.add(
            IssueCode.MISSING_TRANSLATION,
            path,
            (entry.lineno if entry is not None else None) or 1,
            f"{code}: safety-critical text is {state}: [{context}] {text[:70]!r}",
        )

    def check_polls(
        self, code: str, path: Path, entries: Mapping[Key, Message], plural_forms: int
    ) -> None:
        """Every quiz question's translated poll texts, as this locale sends them (laid out
        right to left where the locale is), fit their limits; the content lint measures the
        source, which an untranslated text shows."""
        rtl = is_right_to_left(code)
        for tree in self.trees.values():
            for node_id, node in tree.nodes.items():
                if not isinstance(node, QuizQuestionNode):
                    continue
                for text in question_poll(node).texts():
                    context = f"{tree.id}:{node_id}:{text.field}"
                    entry = entries.get((context, text.text))
                    if entry is None or not is_translated(entry, plural_forms):
                        continue
                    sent = strings_of(entry)[0]
                    problem = text.problem(right_to_left(sent) if rtl else sent)
                    if problem is None:
                        continue
                    self.issues.append(
                        LintIssue(
                            IssueCode.POLL_TOO_LONG,
                            Severity.ERROR,
                            self.relative(path),
                            entry.lineno or 1,
                            f"{code} {text.field}: {problem}",
                            tree.id,
                            node_id,
                        )
                    )

    def check_placeholders(self, code: str, path: Path, source: Message, entry: Message) -> None:
        """Every form of the translation keeps exactly the source's placeholders."""
        wanted = placeholders(key_of(source)[1])
        for form in strings_of(entry):
            try:
                found = placeholders(form)
            except ValueError:  # a stray brace: str.format would fail on it
                found = {"<unbalanced brace>"}
            if found != wanted:
                self.add(
                    IssueCode.PLACEHOLDER,
                    path,
                    entry.lineno or 1,
                    f"{code}: [{entry.context}] needs placeholders {sorted(wanted)}, "
                    f"has {sorted(found)}",
                )
                return


def check_catalogs(catalogs: Catalogs, trees: Mapping[str, Tree]) -> CatalogChecker:
    """Check every shipped catalog; the result holds the issues and each locale's coverage."""
    return CatalogChecker(catalogs, trees).run()


def coverage_report(coverage: list[Coverage]) -> str:
    """Return the coverage table: one line per locale."""
    header = "locale   translated        safety-critical   review status"
    return "\n".join([header, *(entry.row() for entry in coverage)])
