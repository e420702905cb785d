"""Keyboard only, in Chromium: Tab reaches every control of a screen, each with a visible focus
not hidden by the sticky bar, and Enter activates the focused button."""

from __future__ import annotations

from typing import Any

from bot.testing.browser import ARIZONA_CHILD, BrowserBeacon, BrowserUser

FOCUSED = """() => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  const box = el.getBoundingClientRect();
  const bar = document.getElementById("top");
  return {
    name: (el.getAttribute("data-label") || el.textContent || el.value || "").trim(),
    tag: el.tagName, id: el.id, cls: el.className,
    key: el.outerHTML.slice(0, 120),
    outline: style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2,
    shown: box.width > 1 && box.height > 1 && box.bottom > 0 && box.top < innerHeight
      && el.contains(document.elementFromPoint(box.x + box.width / 2, box.y + box.height / 2)),
    clear: bar.contains(el) || box.top >= bar.getBoundingClientRect().bottom - 1,
  };
}"""
CONTROLS = """() => [...document.querySelectorAll("a[href], button, input:not([type=hidden])")]
  .filter(el => !el.disabled && !el.closest(".visually-hidden") && el.getClientRects().length)
  .map(el => el.outerHTML.slice(0, 120))"""


async def tab_through(user: BrowserUser) -> list[dict[str, Any]]:
    """Press Tab through a round of the controls (passing the page itself between the last
    and the first); return each focused control as it was."""
    return await user.focus_round("Tab", FOCUSED, 80)


async def test_tab_reaches_every_control_with_a_visible_focus(beacon: BrowserBeacon) -> None:
    """On every screen from the main menu to Arizona's channels (links, copy controls, Exit
    in the conversation), Tab stops at every visible control once and at nothing hidden, and
    each shows a focus ring, in view and below the sticky bar."""
    user = await beacon.user()
    await user.open()
    for label in [None, *ARIZONA_CHILD]:
        if label is not None:
            await user.click(label)
        stops = await tab_through(user)
        controls = await user.page.evaluate(CONTROLS)
        assert sorted(s["key"] for s in stops) == sorted(controls), label
        assert [s for s in stops if not (s["outline"] and s["shown"] and s["clear"])] == []


async def test_enter_on_a_focused_button_takes_the_path(beacon: BrowserBeacon) -> None:
    """With Tab and Enter only, a person goes from the main menu to Arizona's channels, and
    after each step Tab goes on from the newest message into its buttons."""
    user = await beacon.user()
    await user.open()
    for label in ARIZONA_CHILD:
        for _ in range(40):
            await user.page.keyboard.press("Tab")
            if (await user.page.evaluate(FOCUSED))["name"] == label:
                break
        else:
            raise AssertionError(f"Tab never reached {label!r}")
        await user.turn(lambda: user.page.keyboard.press("Enter"))
        assert (await user.page.evaluate(FOCUSED))["cls"] == "msg msg-you latest"
    user.expect("NCMEC CyberTipline")
