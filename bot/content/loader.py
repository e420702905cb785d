"""Load `dialogues/`: trees from `*.yaml` and `modules/*.yaml`, resources from `resources/`."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from bot.content.bundle import Content, Language, Position
from bot.content.issues import IssueCode, LintIssue, Severity
from bot.content.models import Country, Resource, ResourceFile, Topic, Tree
from bot.content.parsed_cache import ParsedCache
from bot.content.yaml_source import PathKey, YamlDocument, parse_yaml

RESOURCES_DIR = "resources"
MODULES_DIR = "modules"
"""Learning modules: one quiz tree per file."""
M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class LoadedContent:
    """Content as loaded, with where each tree and resource came from, and any load issues."""

    content: Content | None
    issues: tuple[LintIssue, ...]
    documents: Mapping[str, YamlDocument] = field(default_factory=dict)
    tree_files: Mapping[str, str] = field(default_factory=dict)
    resource_places: Mapping[str, tuple[str, int]] = field(default_factory=dict)
    topic_places: Mapping[str, tuple[str, int]] = field(default_factory=dict)
    entry_places: Mapping[str, tuple[str, int]] = field(default_factory=dict)
    """Where each entry point is declared: (file, line)."""

    def locate(self, tree: str, path: PathKey) -> tuple[str, int]:
        """Return (file, line) of a path inside a tree."""
        file = self.tree_files.get(tree, "?")
        doc = self.documents.get(file)
        return file, doc.line(path) if doc else 1


def _issue(code: IssueCode, file: str, line: int, message: str) -> LintIssue:
    """Return an error at file:line."""
    return LintIssue(code, Severity.ERROR, file, line, message)


def _parse(text: str, label: str) -> tuple[YamlDocument | None, list[LintIssue]]:
    """Parse a file's text, reporting syntax errors (PyYAML is imported here, when needed)."""
    import yaml

    try:
        return parse_yaml(text), []
    except yaml.MarkedYAMLError as err:
        line = err.problem_mark.line + 1 if err.problem_mark else 1
        return None, [_issue(IssueCode.YAML_ERROR, label, line, str(err.problem or err))]
    except yaml.YAMLError as err:
        return None, [_issue(IssueCode.YAML_ERROR, label, 1, str(err))]


def _read(
    path: Path, label: str, cache: ParsedCache | None = None
) -> tuple[YamlDocument | None, list[LintIssue]]:
    """Parse one file (or take it from `cache`, keeping it there when parsed), reporting syntax
    errors and duplicate keys."""
    text = path.read_text(encoding="utf-8")
    doc = cache.get(label, text) if cache is not None else None
    if doc is None:
        doc, found = _parse(text, label)
        if doc is None:
            return None, found
        if cache is not None:
            cache.put(label, text, doc)
    issues = [
        _issue(IssueCode.DUPLICATE_KEY, label, line, f"key {key!r} appears twice")
        for key, line in doc.duplicates
    ]
    return doc, issues


def _validate(model: type[M], doc: YamlDocument, label: str) -> tuple[M | None, list[LintIssue]]:
    """Validate data against a model, turning each pydantic error into a located issue."""
    try:
        return model.model_validate(doc.data), []
    except ValidationError as err:
        issues = []
        for error in err.errors():
            loc = doc.known_path(tuple(error["loc"]))
            where = ".".join(map(str, error["loc"])) or "(file)"
            issues.append(
                _issue(IssueCode.SCHEMA_ERROR, label, doc.line(loc), f"{where}: {error['msg']}")
            )
        return None, issues


def _label(path: Path, root: Path) -> str:
    """Return a path as shown in issues: relative to the content directory's parent."""
    try:
        return str(path.relative_to(root.parent))
    except ValueError:
        return str(path)


def _parsed(
    paths: Iterable[Path],
    model: type[M],
    root: Path,
    documents: dict[str, YamlDocument],
    issues: list[LintIssue],
    cache: ParsedCache | None,
) -> Iterator[tuple[str, YamlDocument, M]]:
    """Yield (label, document, model) for each file that parses and validates; record issues."""
    for path in paths:
        label = _label(path, root)
        doc, found = _read(path, label, cache)
        issues += found
        if doc is None:
            continue
        documents[label] = doc
        parsed, found = _validate(model, doc, label)
        issues += found
        if parsed is not None:
            yield label, doc, parsed


def load_content(
    directory: Path,
    languages: Sequence[Language] = (Language("en", "English"),),
    default_place: str = "US-AZ",
    cache: ParsedCache | None = None,
) -> LoadedContent:
    """Load and validate every content file; `content` is None when any file is invalid. With
    `cache`, files parsed at an earlier start are taken from it (see bot.content.parsed_cache)."""
    issues: list[LintIssue] = []
    documents: dict[str, YamlDocument] = {}
    trees: dict[str, Tree] = {}
    tree_files: dict[str, str] = {}
    entry_points: dict[str, Position] = {}
    entry_places: dict[str, tuple[str, int]] = {}
    tree_paths = sorted(directory.glob("*.yaml")) + sorted((directory / MODULES_DIR).glob("*.yaml"))
    for label, doc, tree in _parsed(tree_paths, Tree, directory, documents, issues, cache):
        if tree.id in trees:
            message = f"tree id {tree.id!r} is also used in {tree_files[tree.id]}"
            issues.append(_issue(IssueCode.DUPLICATE_ID, label, doc.line(("id",)), message))
            continue
        trees[tree.id] = tree
        tree_files[tree.id] = label
        for name, ref in tree.entry_points.items():
            line = doc.line(("entry_points", name))
            if name in entry_points:
                message = f"entry point {name!r} is also declared in {entry_places[name][0]}"
                issues.append(_issue(IssueCode.DUPLICATE_ID, label, line, message))
                continue
            entry_points[name] = Position.parse(ref, tree.id)
            entry_places[name] = (label, line)

    resources: dict[str, Resource] = {}
    topics: dict[str, Topic] = {}
    countries: dict[str, Country] = {}
    resource_places: dict[str, tuple[str, int]] = {}
    topic_places: dict[str, tuple[str, int]] = {}
    resource_paths = sorted((directory / RESOURCES_DIR).glob("*.yaml"))
    for label, doc, parsed in _parsed(
        resource_paths, ResourceFile, directory, documents, issues, cache
    ):
        for index, country in enumerate(parsed.places):
            if country.code in countries:
                line = doc.line(("places", index))
                message = f"country {country.code!r} is listed twice"
                issues.append(_issue(IssueCode.DUPLICATE_ID, label, line, message))
            countries[country.code] = country
        for index, topic in enumerate(parsed.topics):
            line = doc.line(("topics", index))
            if topic.id in topics:
                issues.append(
                    _issue(
                        IssueCode.DUPLICATE_ID, label, line, f"topic {topic.id!r} is declared twice"
                    )
                )
            topics[topic.id] = topic
            topic_places[topic.id] = (label, line)
        for index, resource in enumerate(parsed.resources):
            line = doc.line(("resources", index))
            if resource.id in resources:
                issues.append(
                    _issue(
                        IssueCode.DUPLICATE_ID,
                        label,
                        line,
                        f"resource {resource.id!r} is listed twice",
                    )
                )
            resources[resource.id] = resource
            resource_places[resource.id] = (label, line)

    if not any(i.severity is Severity.ERROR for i in issues) and not trees:
        issues.append(_issue(IssueCode.MISSING_NODE, str(directory), 1, "no dialogue trees found"))
    ok = not any(i.severity is Severity.ERROR for i in issues)
    content = (
        Content(
            trees,
            tuple(resources.values()),
            topics,
            tuple(languages),
            default_place,
            tuple(countries.values()),
            entry_points,
        )
        if ok
        else None
    )
    return LoadedContent(
        content, tuple(issues), documents, tree_files, resource_places, topic_places, entry_places
    )
