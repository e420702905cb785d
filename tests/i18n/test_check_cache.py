"""The start-up catalog check is skipped only for the exact files last found clean, and
languages' native names are kept only while Babel's version is the same."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import babel

from bot.app import CATALOGS_CHECKED_FILE, catalogs_fingerprint, checked_catalogs, load_checked
from bot.i18n.catalogs import native_name, native_names
from bot.settings import PROJECT_ROOT, Settings
from bot.testing.clocks import FIXED_NOW, ManualClock
from bot.testing.keys import TEST_USER_KEY_SECRET


def settings_with_copied_catalogs(tmp_path: Path) -> Settings:
    """Return settings whose LOCALES_DIR is a private copy of the shipped catalogs."""
    shutil.copytree(PROJECT_ROOT / "locales", tmp_path / "locales")
    return Settings(
        locales_dir=tmp_path / "locales",
        data_dir=tmp_path,
        user_key_secret=TEST_USER_KEY_SECRET,
        bot_token=None,
    )


def test_a_clean_check_is_recorded_and_a_changed_catalog_is_checked_again(tmp_path: Path) -> None:
    settings = settings_with_copied_catalogs(tmp_path)
    clock = ManualClock(FIXED_NOW)
    load_checked(settings, clock, checked_catalogs(settings), cached=True)
    record = tmp_path / CATALOGS_CHECKED_FILE
    assert record.read_text().strip() == catalogs_fingerprint(settings)
    po = tmp_path / "locales" / "es" / "LC_MESSAGES" / "beacon.po"
    po.write_text(po.read_text().replace("cuestionario corto: {module}", "cuestionario corto"))
    _, issues = load_checked(settings, clock, checked_catalogs(settings), cached=True)
    assert any(issue.file.endswith("beacon.po") for issue in issues), issues
    assert record.read_text().strip() != catalogs_fingerprint(settings)


def test_a_recorded_fingerprint_skips_the_check(tmp_path: Path) -> None:
    settings = settings_with_copied_catalogs(tmp_path)
    clock = ManualClock(FIXED_NOW)
    po = tmp_path / "locales" / "es" / "LC_MESSAGES" / "beacon.po"
    po.write_text(po.read_text().replace("cuestionario corto: {module}", "cuestionario corto"))
    (tmp_path / CATALOGS_CHECKED_FILE).write_text(catalogs_fingerprint(settings))
    _, cached = load_checked(settings, clock, checked_catalogs(settings), cached=True)
    _, full = load_checked(settings, clock, checked_catalogs(settings))
    assert [i for i in full if i.file.endswith("beacon.po")]
    assert not [i for i in cached if i.file.endswith("beacon.po")]


def test_native_names_are_kept_per_babel_version(tmp_path: Path) -> None:
    kept = tmp_path / "cache" / "language-names.json"
    assert native_names(["es", "ar"], kept) == {"es": "Español", "ar": native_name("ar")}
    stored = json.loads(kept.read_text(encoding="utf-8"))
    assert stored == {"babel": babel.__version__, "names": {"es": "Español", "ar": "العربية"}}
    kept.write_text(json.dumps({"babel": babel.__version__, "names": {"es": "Kept"}}))
    assert native_names(["es"], kept) == {"es": "Kept"}
    kept.write_text(json.dumps({"babel": "0.0", "names": {"es": "Stale"}}))
    assert native_names(["es"], kept) == {"es": "Español"}
    kept.write_text("{not json")
    assert native_names(["fr"], kept) == {"fr": "Français"}
    assert json.loads(kept.read_text(encoding="utf-8"))["names"] == {"fr": "Français"}
