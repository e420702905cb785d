"""The course to a downloaded certificate in Chromium: the learner finishes the course, names
the certificate, downloads the PDF and the PNG by their links (Playwright's download API), and
the certificate's `/verify/<code>` page then says it is valid; with JavaScript off too."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from playwright.async_api import expect

from bot.content.bundle import Content
from bot.core import texts as core_texts
from bot.testing.browser import BrowserBeacon
from bot.testing.user import finish_course
from bot.transports.web import texts

NAME = "Ada Testname"
WAYS_BACK = ("Back to the course", "All modules")


@pytest.mark.parametrize("javascript", [True, False], ids=["script", "no-script"])
async def test_the_course_to_a_downloaded_certificate_that_verifies(
    beacon: BrowserBeacon, shipped_content: Content, javascript: bool
) -> None:
    """Each download link gives its file as a download named after the code (a PDF, a PNG),
    the page stays where it was, and the code's verification page (by its address, and by
    its form) names the learner."""
    user = await beacon.user(javascript=javascript)
    await user.open()
    await finish_course(user, shipped_content, by_buttons=True)
    await user.click(next(way for way in WAYS_BACK if way in user.buttons()))
    await user.click(core_texts.CERTIFICATE_GET.text)
    await user.send(NAME)
    page = user.page
    signatures = {"pdf": b"%PDF", "png": b"\x89PNG\r\n\x1a\n"}
    code = ""
    for label, kind in ((texts.DOWNLOAD_PDF.text, "pdf"), (texts.DOWNLOAD_PNG.text, "png")):
        link = page.get_by_role("link", name=label).last
        await expect(link).to_be_visible()
        async with page.expect_download() as started:
            await link.click()
        download = await started.value
        assert download.suggested_filename.endswith(f".{kind}")
        code = download.suggested_filename.removesuffix(f".{kind}")
        saved = await download.path()
        data = await asyncio.to_thread(Path(saved).read_bytes)
        assert data.startswith(signatures[kind])
    assert code.startswith("BCN-")
    await expect(page.locator("#conversation")).to_be_visible()
    await page.goto(f"{beacon.base}/verify/{code}")
    verdict = page.locator("#verdict")
    await expect(verdict).to_have_attribute("data-verdict", "valid")
    await expect(verdict).to_contain_text(f"issued to {NAME} on")
    await page.goto(f"{beacon.base}/verify")
    await expect(page.locator("#verdict")).to_have_count(0)
    await page.locator("#code").fill(code.lower())
    await page.locator("#code").press("Enter")
    await expect(page.locator("#verdict")).to_have_attribute("data-verdict", "valid")
    await expect(page.locator("#code")).to_have_value(code.lower())
