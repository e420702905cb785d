"""Content files parsed at one start are taken from DATA_DIR's cache at the next, only while
their text and the parser are the same; a bad entry is parsed again, never trusted."""

from __future__ import annotations

import datetime as dt
import pickle
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.content.loader import load_content
from bot.content.parsed_cache import ParsedCache, entry_key, restricted_loads
from bot.content.yaml_source import parse_yaml
from bot.settings import PROJECT_ROOT
from bot.testing.shipped import DIALOGUES

MAIN = "dialogues/main.yaml"
"""The label (and so the cache entry) of the main tree's file."""


def copied_content(tmp_path: Path) -> Path:
    """Return a private copy of the shipped content, to change."""
    shutil.copytree(DIALOGUES, tmp_path / "dialogues")
    return tmp_path / "dialogues"


def test_a_second_load_takes_every_file_from_the_cache_without_importing_yaml(
    tmp_path: Path,
) -> None:
    content = copied_content(tmp_path)
    cache = ParsedCache(tmp_path / "cache")
    first = load_content(content, cache=cache)
    files = sorted(content.rglob("*.yaml"))
    assert len(list((tmp_path / "cache").iterdir())) == len(files)
    second = load_content(content, cache=cache)
    assert second.content == first.content
    assert second.documents == first.documents
    assert second.issues == first.issues
    probe = (
        "import sys; from pathlib import Path; from bot.content.loader import load_content; "
        "from bot.content.parsed_cache import ParsedCache; "
        "loaded = load_content(Path(sys.argv[1]), cache=ParsedCache(Path(sys.argv[2]))); "
        "print(loaded.content is not None, 'yaml' in sys.modules)"
    )
    found = subprocess.run(
        [sys.executable, "-c", probe, str(content), str(tmp_path / "cache")],
        capture_output=True, text=True, check=True, cwd=PROJECT_ROOT,
    )  # fmt: skip
    assert found.stdout.split() == ["True", "False"]


def test_a_changed_file_is_parsed_again_and_its_entry_replaced(tmp_path: Path) -> None:
    content = copied_content(tmp_path)
    cache = ParsedCache(tmp_path / "cache")
    load_content(content, cache=cache)
    main = content / "main.yaml"
    text = main.read_text(encoding="utf-8") + "\n# a comment changes the text, not the data\n"
    main.write_text(text, encoding="utf-8")
    assert cache.get(MAIN, text) is None
    again = load_content(content, cache=cache)
    assert again.content is not None
    assert cache.path(MAIN).read_bytes().startswith(entry_key(text) + b"\n")
    assert cache.get(MAIN, text) == again.documents[MAIN]


def test_a_corrupt_entry_is_a_miss_and_is_rewritten(tmp_path: Path) -> None:
    content = copied_content(tmp_path)
    cache = ParsedCache(tmp_path / "cache")
    expected = load_content(content, cache=cache)
    text = (content / "main.yaml").read_text(encoding="utf-8")
    cache.path(MAIN).write_bytes(entry_key(text) + b"\nnot a pickle at all")
    assert cache.get(MAIN, text) is None
    loaded = load_content(content, cache=cache)
    assert loaded.content == expected.content
    assert cache.get(MAIN, text) == expected.documents[MAIN]


class Planted:
    """What a tampered entry might hold: unpickling it would create a file."""

    def __init__(self, marker: Path) -> None:
        """Remember which file unpickling would create."""
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[Path]]:
        """Unpickle as a call of Path.touch on the marker."""
        return Path.touch, (self.marker,)


def test_an_entry_naming_any_other_class_is_refused_unrun(tmp_path: Path) -> None:
    content = copied_content(tmp_path)
    cache = ParsedCache(tmp_path / "cache")
    expected = load_content(content, cache=cache)
    marker = tmp_path / "ran"
    tampered = pickle.dumps(({"id": Planted(marker)}, {}, ()))
    with pytest.raises(pickle.UnpicklingError, match="not allowed"):
        restricted_loads(tampered)
    text = (content / "main.yaml").read_text(encoding="utf-8")
    cache.path(MAIN).write_bytes(entry_key(text) + b"\n" + tampered)
    loaded = load_content(content, cache=cache)
    assert not marker.exists()
    assert loaded.content == expected.content


def test_yaml_timestamps_and_containers_come_back_as_they_were(tmp_path: Path) -> None:
    text = "on: 2026-12-05\nat: 2026-12-05 10:00:00+02:00\nitems: [1, 2.5, true, null, x]\n"
    document = parse_yaml(text)
    cache = ParsedCache(tmp_path / "cache")
    cache.put("t.yaml", text, document)
    kept = cache.get("t.yaml", text)
    assert kept == document
    assert kept is not None and isinstance(kept.data["at"], dt.datetime)
