"""Typed content issues with file, line, tree and node."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Severity(StrEnum):
    """Whether an issue stops content from shipping."""

    ERROR = "error"
    WARNING = "warning"


class IssueCode(StrEnum):
    """The kinds of content issue the loader and linter report."""

    YAML_ERROR = "yaml-error"
    SCHEMA_ERROR = "schema-error"
    DUPLICATE_KEY = "duplicate-key"
    DUPLICATE_ID = "duplicate-id"
    MISSING_NODE = "missing-node"
    DANGLING_LINK = "dangling-link"
    UNREACHABLE_NODE = "unreachable-node"
    DEAD_END = "dead-end"
    QUIZ_CORRECT_COUNT = "quiz-correct-count"
    QUIZ_OUTSIDE_MODULE = "quiz-outside-module"
    UNKNOWN_TOPIC = "unknown-topic"
    UNSERVED_TOPIC = "unserved-topic"
    PAYLOAD_TOO_LONG = "payload-too-long"
    POLL_TOO_LONG = "poll-too-long"
    PLACEHOLDER = "placeholder"
    STALE_VERIFICATION = "stale-verification"
    WEAK_SOURCE = "weak-source"
    FOREIGN_INSTITUTION = "foreign-institution"
    UNKNOWN_PLACE = "unknown-place"
    MODULE_SIZE = "module-size"
    ANSWER_LENGTH = "answer-length"
    LONGEST_ANSWER_SHARE = "longest-answer-share"
    CHECK_FORMS = "check-forms"
    FEEDBACK_VERDICT = "feedback-verdict"
    MISSING_TRANSLATION = "missing-translation"
    CATALOG_ERROR = "catalog-error"
    STALE_TRANSLATION = "stale-translation"


@dataclass(frozen=True, slots=True)
class LintIssue:
    """One problem found in the content, located by file and line."""

    code: IssueCode
    severity: Severity
    file: str
    line: int
    message: str
    tree: str | None = None
    node: str | None = None

    def __str__(self) -> str:
        """Return `file:line: severity [code] tree:node: message`, like a compiler."""
        where = ":".join(part for part in (self.tree, self.node) if part)
        where = f" {where}:" if where else ""
        return f"{self.file}:{self.line}: {self.severity} [{self.code}]{where} {self.message}"
