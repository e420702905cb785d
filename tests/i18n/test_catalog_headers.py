"""Each catalog's header names the language of its folder, so tools read it as that language."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.pofile import read_po

LOCALES = Path(__file__).resolve().parents[2] / "locales"
CATALOGS = sorted(LOCALES.glob("*/LC_MESSAGES/beacon.po"))


@pytest.mark.parametrize("path", CATALOGS, ids=lambda p: p.parts[-3])
def test_the_language_header_is_the_folder(path: Path) -> None:
    """`Language:` in the header is the folder's code (tl, not fil_PH)."""
    folder = path.parts[-3]
    with path.open("rb") as handle:
        catalog = read_po(handle)
    assert catalog.locale_identifier == folder


def test_every_shipped_language_is_checked() -> None:
    """The check reads every catalog there is."""
    assert len(CATALOGS) >= 5
