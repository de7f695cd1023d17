"""The sandbox page (/sandbox) in a real headless Chromium against the real server process.

Each test starts `plusone serve --demo` in sandbox mode on a fresh SQLite file (the page is
the same on PostgreSQL; the database behind it is tested elsewhere). The demo seeds the host
團媽 Amy (Udemohost), buyers Udemo01… (小美 is Udemo01) and the open campaign 草莓大福 with
items A 原味草莓大福, B 抹茶草莓大福 and C 綜合禮盒 6入 (stock 5, one sold).
"""
from __future__ import annotations

import pathlib

import pytest
from playwright.async_api import Page, expect

from tests.browser import Watch, needs_chromium, new_page, serve_app

pytestmark = needs_chromium

ROOT = pathlib.Path(__file__).resolve().parent.parent
BOT_REPLY_MS = 15_000  # the worker applies the event, then the outbox delivers the reply
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 375, "height": 740}


@pytest.fixture
async def app_url(tmp_path):
    async with serve_app(tmp_path) as base:
        yield base


async def open_page(browser, url: str, viewport=DESKTOP) -> tuple[Page, Watch]:
    page, watch = await new_page(browser, viewport)
    await page.goto(f"{url}/sandbox")
    await expect(page.locator('.person[data-user-id="Udemohost"]')).to_be_visible()
    return page, watch


@pytest.fixture
async def page(browser, app_url):
    page, watch = await open_page(browser, app_url)
    yield page
    await page.context.close()
    assert watch.errors == [] and watch.dialogs == []


async def speak_as(page: Page, user_id: str) -> None:
    await page.click(f'.person[data-user-id="{user_id}"]')
    await expect(page.locator(f'.person[data-user-id="{user_id}"]')).to_have_attribute("aria-selected", "true")


async def say(page: Page, text: str) -> None:
    """Type `text` (newlines with Shift+Enter, like a person), send it with Enter, and wait
    until the transcript shows it as the current person's message."""
    mine = page.locator(".msg.mine")
    before = await mine.count()
    await page.click("#input")
    for i, line in enumerate(text.split("\n")):
        if i:
            await page.keyboard.press("Shift+Enter")
        await page.keyboard.insert_text(line)
    await page.keyboard.press("Enter")
    await expect(mine).to_have_count(before + 1)
    await expect(page.locator("#input")).to_have_value("")


def bot_bubble(page: Page, *texts: str):
    locator = page.locator(".msg.bot .bubble")
    for text in texts:
        locator = locator.filter(has_text=text)
    return locator


# --- ordering in the group ---------------------------------------------------------------------

async def test_a_buyer_types_a_plus_one_in_the_group_and_sees_the_bots_confirmation(page):
    await speak_as(page, "Udemo01")

    await say(page, "A+1")

    confirmation = bot_bubble(page, "小美的訂單", "A 原味草莓大福 ×1 已保留")
    await expect(confirmation).to_be_visible(timeout=BOT_REPLY_MS)
    await expect(page.locator(".msg.mine .bubble")).to_have_text("A+1")
    assert await page.locator(".msg.bot").last.get_attribute("data-via") == "reply"
    await expect(page.locator(".msg.bot").last.locator(".tag.push")).to_have_count(0)  # replies are free


async def test_ordinary_chat_gets_no_answer_from_the_bot(page):
    await speak_as(page, "Udemo02")
    bots = page.locator(".msg.bot")

    await say(page, "今天天氣真好\n下午去哪裡走走？")
    await expect(page.locator(".msg.mine .bubble")).to_have_text("今天天氣真好\n下午去哪裡走走？")
    # One buyer's messages are applied in order: once the order after the chat is answered,
    # the chat has been applied too, so no timed wait is needed to know it got nothing.
    await say(page, "B+1")
    await expect(bot_bubble(page, "阿明的訂單", "B 抹茶草莓大福 ×1 已保留")).to_be_visible(timeout=BOT_REPLY_MS)
    await expect(bots).to_have_count(1)


async def test_a_name_with_markup_is_shown_as_text_and_injects_nothing(browser, app_url):
    page, watch = await open_page(browser, app_url)
    name = "<img src=x onerror=alert(1)>"

    await page.fill("#new-name", name)
    await page.press("#new-name", "Enter")
    await say(page, "<b>bold</b> 大家好")
    await say(page, "A+1")
    await expect(bot_bubble(page, f"{name}的訂單")).to_be_visible(timeout=BOT_REPLY_MS)
    await page.reload()  # now the name comes back from the server (/people, the transcript)
    await expect(page.locator(".person-name", has_text=name)).to_be_visible()
    await expect(bot_bubble(page, f"{name}的訂單")).to_be_visible()

    await expect(page.locator(".person[aria-selected='true'] .person-name")).to_have_text(name)
    await expect(page.locator(".msg.mine .bubble")).to_have_text(["<b>bold</b> 大家好", "A+1"])
    assert await page.locator("img").count() == 0
    assert await page.locator(".bubble b, .panel b").count() == 0
    await page.context.close()
    assert watch.dialogs == [] and watch.errors == []


async def test_in_the_one_to_one_chat_help_shows_what_the_bot_understands(page):
    await speak_as(page, "Udemo03")
    await page.click("#chat-user")
    await expect(page.locator("#chat-title")).to_have_text("PlusOne")

    await say(page, "說明")

    await expect(bot_bubble(page, "私訊我可以", "綁定 0912345678", "我的訂單", "取貨碼")).to_be_visible(
        timeout=BOT_REPLY_MS)
    await page.click("#chat-group")  # a 1:1 answer is not shown in the group
    await expect(page.locator("#chat-title")).to_contain_text("團購群")
    await expect(bot_bubble(page, "私訊我可以")).to_have_count(0)


async def test_a_buyer_picks_the_campaign_by_quoting_its_announcement(page):
    # given the host opens a second campaign (the 開團 hint fills a multi-line template)
    await speak_as(page, "Udemohost")
    await page.locator(".hint.host", has_text="開團").click()
    await page.press("#input", "Enter")
    announcement = bot_bubble(page, "開團：檸檬塔")
    await expect(announcement).to_be_visible(timeout=BOT_REPLY_MS)
    # when a buyer orders without a quote the bot asks which; Esc drops a quote
    await speak_as(page, "Udemo04")
    await say(page, "A+1")
    await expect(bot_bubble(page, "幾團同時進行")).to_be_visible(timeout=BOT_REPLY_MS)
    await announcement.click()
    await expect(page.locator("#quote")).to_be_visible()
    await page.keyboard.press("Escape")
    await expect(page.locator("#quote")).to_be_hidden()
    # then quoting the announcement orders from that campaign
    await announcement.click()
    await expect(page.locator("#quote-text")).to_contain_text("檸檬塔")
    async with page.expect_request("**/sandbox/api/send") as sent:
        await say(page, "A+1")
    announcement_id = await page.locator(".msg.bot").filter(
        has=page.locator(".bubble", has_text="開團：檸檬塔")).get_attribute("data-id")
    assert (await sent.value).post_data_json["quoted_message_id"] == announcement_id
    await expect(page.locator("#quote")).to_be_hidden()
    await expect(page.locator(".msg.mine .in-quote").last).to_contain_text("檸檬塔")
    await expect(bot_bubble(page, "王媽媽的訂單", "A 經典檸檬塔 ×1 已保留")).to_be_visible(timeout=BOT_REPLY_MS)


async def test_a_waitlisted_buyer_promoted_by_a_cancellation_sees_a_push_in_the_one_to_one_chat(page):
    # given 阿明 takes the last four gift boxes and Kevin is waitlisted for one
    await speak_as(page, "Udemo02")
    await say(page, "C+4")
    await expect(bot_bubble(page, "阿明的訂單", "C 綜合禮盒 6入 ×4 已保留")).to_be_visible(timeout=BOT_REPLY_MS)
    await speak_as(page, "Udemo05")
    await say(page, "C+1")
    await expect(bot_bubble(page, "Kevin的訂單", "候補第 1 位")).to_be_visible(timeout=BOT_REPLY_MS)
    # when 阿明 gives one back
    await speak_as(page, "Udemo02")
    await say(page, "C-1")
    await expect(bot_bubble(page, "已取消")).to_be_visible(timeout=BOT_REPLY_MS)

    # then Kevin has one unread message in his 1:1 chat: a push, marked as one
    await speak_as(page, "Udemo05")
    await expect(page.locator("#user-unread")).to_have_text("1", timeout=BOT_REPLY_MS)
    await page.click("#chat-user")
    push = page.locator('.msg.bot[data-via="push"]')
    await expect(push.locator(".bubble")).to_contain_text("候補成功")
    await expect(push.locator(".tag.push")).to_have_text("推播 push")
    await expect(page.locator("#user-unread")).to_be_hidden()
    await expect(page.locator('.msg.bot[data-via="reply"] .tag.push')).to_have_count(0)


# --- screenshots -------------------------------------------------------------------------------

async def test_screenshots_of_a_short_conversation_on_a_desktop_and_a_phone(browser, app_url):
    page, watch = await open_page(browser, app_url)
    await speak_as(page, "Udemohost")
    await say(page, "草莓大福週五到貨🍓 還沒跟的快 +1 喔！")
    conversation = [
        ("Udemo01", "A+2", ("小美的訂單",)),
        ("Udemo02", "C+4", ("阿明的訂單",)),
        ("Udemo05", "C+1", ("Kevin的訂單", "候補")),
    ]
    for user_id, text, reply in conversation:
        await speak_as(page, user_id)
        await say(page, text)
        await expect(bot_bubble(page, *reply)).to_be_visible(timeout=BOT_REPLY_MS)
    await page.wait_for_timeout(300)  # let the last bubble settle at the bottom

    # README's docs/sandbox.png is a copy of this, refreshed by hand when the page changes.
    out = ROOT / "tests" / "output"
    out.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(out / "sandbox.png"))

    phone, phone_watch = await open_page(browser, app_url, viewport=PHONE)
    await speak_as(phone, "Udemo05")
    await expect(bot_bubble(phone, "Kevin的訂單", "候補")).to_be_visible()
    await phone.wait_for_timeout(300)
    assert await phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]  # no sideways scroll
    out = ROOT / "tests" / "output"
    out.mkdir(exist_ok=True)
    await phone.screenshot(path=str(out / "sandbox_phone.png"))

    await page.context.close()
    await phone.context.close()
    assert watch.errors == watch.dialogs == phone_watch.errors == phone_watch.dialogs == []
