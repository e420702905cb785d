"""Parsed content files kept between starts, so a start whose content has not changed skips
YAML entirely (PyYAML is not even imported).

Each content file has one entry in the folder (`DATA_DIR/cache/content`): a header holding the
key, then a pickle of what parsing gave. The key hashes the file's text, PyYAML's own code
(whose `__init__.py` names its version) and the parser's and this module's code, so a change to
any of them is a miss. Entries are read with an unpickler that builds only the builtin types
YAML yields and the `datetime` types of its timestamps, and refuses any other class; a missing,
stale, corrupt or refused entry is a miss, and the file is parsed again. Entries are written
whole (a temporary file, then a rename), so a reader never sees half of one.
"""

from __future__ import annotations

import hashlib
import io
import os
import pickle
import tempfile
from contextlib import suppress
from functools import cache
from importlib.util import find_spec
from pathlib import Path
from typing import Any

from bot.content import yaml_source
from bot.content.yaml_source import YamlDocument

ALLOWED = frozenset(
    {
        ("datetime", "date"),
        ("datetime", "datetime"),
        ("datetime", "time"),
        ("datetime", "timedelta"),
        ("datetime", "timezone"),
    }
)
"""The only classes an entry may name (YAML's timestamps); dicts, lists, tuples, sets, strings,
bytes, numbers, booleans and None need none."""
SUFFIX = ".parsed"
"""The ending of each entry's file name."""


class RestrictedUnpickler(pickle.Unpickler):
    """An unpickler that builds only the classes in ALLOWED and refuses every other."""

    def find_class(self, module: str, name: str) -> Any:
        """Return an allowed class; raise UnpicklingError for any other."""
        if (module, name) in ALLOWED:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"{module}.{name} is not allowed in the content cache")


def restricted_loads(data: bytes) -> Any:
    """Unpickle `data`, refusing any class outside ALLOWED."""
    return RestrictedUnpickler(io.BytesIO(data)).load()


@cache
def parser_key() -> bytes:
    """Return a hash of the code that turns text into a document: PyYAML's `__init__.py` (it
    names the version), the parser module and this one; PyYAML is located, not imported."""
    digest = hashlib.sha256()
    spec = find_spec("yaml")
    origin = spec.origin if spec is not None else None
    for path in (origin, yaml_source.__file__, __file__):
        digest.update(Path(path).read_bytes() if path else b"-")
        digest.update(b"\0")
    return digest.digest()


def entry_key(text: str) -> bytes:
    """Return the key of an entry for a file's text (hex, as the entry's first line holds it)."""
    return hashlib.sha256(parser_key() + text.encode("utf-8")).hexdigest().encode("ascii")


class ParsedCache:
    """Parsed documents in a folder, one entry per content file (see the module)."""

    def __init__(self, folder: Path) -> None:
        """Keep entries in `folder` (made when first written)."""
        self.folder = folder

    def path(self, label: str) -> Path:
        """Return the entry file of a content file (by its label, such as dialogues/x.yaml)."""
        return self.folder / (label.replace("/", "--").replace("\\", "--") + SUFFIX)

    def get(self, label: str, text: str) -> YamlDocument | None:
        """Return the document parsed from `text` when the entry holds it, else None."""
        try:
            raw = self.path(label).read_bytes()
        except OSError:
            return None
        header, _, body = raw.partition(b"\n")
        if header != entry_key(text):
            return None
        try:
            data, lines, duplicates = restricted_loads(body)
        except Exception:  # a corrupt or refused entry is a miss; no code of its ran
            return None
        if not isinstance(lines, dict) or not isinstance(duplicates, tuple):
            return None
        return YamlDocument(data, lines, duplicates)

    def put(self, label: str, text: str, document: YamlDocument) -> None:
        """Keep the document parsed from `text` (best effort: an unwritable folder is skipped)."""
        body = pickle.dumps(
            (document.data, dict(document.lines), document.duplicates), pickle.HIGHEST_PROTOCOL
        )
        with suppress(OSError):
            self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=self.folder, suffix=".tmp")
            try:
                with os.fdopen(handle, "wb") as out:
                    out.write(entry_key(text) + b"\n" + body)
                os.replace(temporary, self.path(label))
            except BaseException:
                with suppress(OSError):
                    os.unlink(temporary)
                raise
