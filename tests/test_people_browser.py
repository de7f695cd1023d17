"""The members pages in a real headless Chromium against `plusone serve --demo` (#18):
search → the buyer's page → add a note; a hostile display name is shown as text."""
from __future__ import annotations

import asyncio
import time

from playwright.async_api import expect

from tests.browser import needs_chromium
from tests.test_manager_browser import shop, signed_in  # noqa: F401  (the `shop` fixture)

pytestmark = needs_chromium
EVIL = '<img src=x onerror="alert(1)">Eve'


async def member_named(api, q: str, timeout: float = 20) -> dict:
    """The member the sandbox chat made, once the bot has applied the message."""
    deadline = time.monotonic() + timeout
    while True:
        async with api.get("/api/members", params={"q": q}) as resp:
            found = (await resp.json())["members"]
        if found or time.monotonic() > deadline:
            assert found, q
            return found[0]
        await asyncio.sleep(0.2)


async def test_a_manager_finds_a_buyer_by_phone_suffix_opens_their_page_and_adds_a_note(browser, shop):  # noqa: F811
    page, watch = await signed_in(browser, shop["base"], "/manager/members")

    await page.fill("#member-q", "678")
    await page.click(".member-search button[type=submit]")
    await expect(page.locator("table.members tbody tr")).to_have_count(1)
    await page.click("table.members .name a")
    await expect(page.locator("#buyer-name")).to_have_text("小美")
    await expect(page.locator("#buyer-phone")).to_have_text("0912-345-678")
    await expect(page.locator("#orders tbody tr")).to_have_count(1)
    await expect(page.locator("#orders tbody tr").first).to_contain_text("草莓大福")
    await page.fill("#note-text", "<b>記得找零</b>")
    await page.click("#note-form button[type=submit]")

    await expect(page.locator("#note-list .note .text").first).to_have_text("<b>記得找零</b>")
    assert await page.locator("#note-list b").count() == 0
    await page.reload()
    await expect(page.locator("#note-list .note .text")).to_have_text(["<b>記得找零</b>"])
    await expect(page.locator("#note-list .note .small")).to_contain_text("mgr1")
    assert watch.errors == [] and watch.dialogs == []


async def test_an_empty_note_is_refused_on_the_page_and_nothing_is_kept(browser, shop):  # noqa: F811
    member = await member_named(shop["api"], "小美")
    page, watch = await signed_in(browser, shop["base"], f"/manager/members/{member['id']}")

    await page.fill("#note-text", "   ")
    await page.click("#note-form button[type=submit]")

    await expect(page.locator("#note-form .field-error")).to_have_text("請寫下備註內容（最多 500 字）")
    async with shop["api"].get(f"/api/members/{member['id']}") as resp:
        assert (await resp.json())["notes"] == []
    assert watch.errors == [] and watch.dialogs == []


async def test_a_hostile_buyer_name_is_shown_as_text_in_the_list_and_on_their_page(browser, shop):  # noqa: F811
    async with shop["api"].post("/sandbox/api/send", json={"user_id": "Uevil", "name": EVIL, "text": "A+1"}) as resp:
        assert resp.status == 201, await resp.text()
    member = await member_named(shop["api"], "Eve")
    page, watch = await signed_in(browser, shop["base"], "/manager/members")

    await page.fill("#member-q", "Eve")
    await page.click(".member-search button[type=submit]")
    await expect(page.locator("table.members .name a")).to_have_text(EVIL)
    await page.click("table.members .name a")
    await expect(page.locator("#buyer-name")).to_have_text(EVIL)

    assert member["display_name"] == EVIL
    assert await page.locator("#manager img").count() == 0
    assert watch.errors == [] and watch.dialogs == []


async def test_a_new_campaign_takes_its_host_chosen_by_display_name(browser, shop):  # noqa: F811
    from tests.test_manager_browser import in_days

    page, watch = await signed_in(browser, shop["base"], "/manager/campaigns")
    await page.click("#new-campaign summary")
    form = page.locator("#new-campaign-form")
    await form.locator('[name="title"]').fill("檸檬塔")
    await form.locator('input[name="group_pick"]').first.check()
    await form.locator('[name="host_user_id"]').select_option(label="團媽 Amy")
    await form.locator('[name="closes_at"]').fill(f"{in_days(60, 20, 0):%Y-%m-%dT%H:%M}")
    await form.locator('[name="items[0].name"]').fill("經典檸檬塔")
    await form.locator('[name="items[0].price"]').fill("80")
    await form.locator('[name="announce"]').uncheck()
    await form.locator("button[type=submit]").click()
    await page.wait_for_url("**/manager/campaigns/*")

    campaign_id = page.url.rstrip("/").rsplit("/", 1)[-1]
    async with shop["api"].get(f"/api/campaigns/{campaign_id}") as resp:
        assert (await resp.json())["host_user_id"] == "Udemohost"
    assert watch.errors == [] and watch.dialogs == []


async def test_the_counters_lookup_links_the_buyer_to_their_page(browser, shop):  # noqa: F811
    page, watch = await signed_in(browser, shop["base"], "/counter")

    await page.fill("[data-search]", "678")
    await page.press("[data-search]", "Enter")
    await page.locator(".member .member-link").first.click()

    await expect(page.locator("#buyer-name")).to_have_text("小美")
    assert "/manager/members/" in page.url
    assert watch.errors == [] and watch.dialogs == []
