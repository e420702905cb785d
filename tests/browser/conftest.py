"""The browser suite's fixture: Beacon's web chat on 127.0.0.1 and headless Chromium. Without
Debian's chromium these tests skip on a developer's machine and fail in CI (CI is set), where
.ci/run installs it first."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.app import App
from bot.testing.browser import BrowserBeacon, browsing, chromium_path, in_ci


@pytest.fixture
async def beacon(app: App) -> AsyncIterator[BrowserBeacon]:
    """Beacon's web chat with the shipped content on the test clock, a neutral exit site and a
    browser; afterwards, no page may have asked any other host for anything."""
    if chromium_path() is None and not in_ci():
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    async with browsing(app) as served:
        yield served
    assert served.foreign() == [], "a page asked a third party for something"
