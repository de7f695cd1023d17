"""The manager pages in a real headless Chromium against the real server process.

Each test starts `plusone serve --demo` in sandbox mode on a fresh SQLite file, with a manager
login (mgr1) and a manager API token made through the CLI first. The demo seeds the open
campaign 草莓大福 with six buyers; Jenny 陳 (Udemo03) has reported a transfer of 360 from an
account ending 54321, and 小美 paid 120 in cash. More transfer reports are made the way buyers
make them: by saying "已匯款 …" in the sandbox group.
"""
from __future__ import annotations

import asyncio
import pathlib
import time
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import aiohttp
import pytest
from playwright.async_api import Page, expect

from tests.browser import Watch, needs_chromium, new_page, plusone_cli, serve_app

pytestmark = needs_chromium

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "output"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 375, "height": 740}
PASSWORD = "manager-pass-1"
TAIPEI = ZoneInfo("Asia/Taipei")


def in_days(days: int, hour: int, minute: int) -> datetime:
    """A shop-time instant ``days`` from today (typed into the page as the shop's local time)."""
    day = datetime.now(TAIPEI).date() + timedelta(days=days)
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=TAIPEI)


@pytest.fixture
async def shop(tmp_path):
    """The demo shop running, with a manager login and a manager API token."""
    db = f"sqlite://{tmp_path}/plusone.db"
    await plusone_cli("staff", "add", "mgr1", "--role", "manager", "--password-stdin", db=db, stdin=PASSWORD + "\n")
    token = (await plusone_cli("token", "create", "--role", "manager", db=db)).strip().splitlines()[-1]
    async with serve_app(tmp_path) as base:
        async with aiohttp.ClientSession(base_url=base, headers={"Authorization": f"Bearer {token}"}) as api:
            yield {"base": base, "api": api}


async def signed_in(browser, base: str, path: str, viewport=DESKTOP) -> tuple[Page, Watch]:
    page, watch = await new_page(browser, viewport, timezone_id="America/New_York")
    await page.goto(f"{base}/login?next={path}")
    await page.fill("#username", "mgr1")
    await page.fill("#password", PASSWORD)
    await page.click("button[type=submit]")
    await page.wait_for_url(f"{base}{path}")
    return page, watch


async def report_in_chat(api: aiohttp.ClientSession, user_id: str, text: str) -> None:
    async with api.post("/sandbox/api/send", json={"user_id": user_id, "text": text}) as resp:
        assert resp.status == 201, await resp.text()


async def reported(api: aiohttp.ClientSession, n: int, timeout: float = 20) -> list[dict]:
    """The reported transfers, once there are ``n`` (the bot applies chat messages in the background)."""
    deadline = time.monotonic() + timeout
    while True:
        async with api.get("/api/transfers") as resp:
            transfers = (await resp.json())["transfers"]
        if len(transfers) >= n or time.monotonic() > deadline:
            assert len(transfers) == n, transfers
            return transfers
        await asyncio.sleep(0.2)


def roc_today() -> str:
    today = datetime.now(TAIPEI).date()
    return f"{today.year - 1911}/{today.month:02d}/{today.day:02d}"


def big5_statement() -> bytes:
    """A post-office style export: title lines, a debit, a total, ROC dates, amounts with commas."""
    day = roc_today()
    return (
        "帳戶明細查詢\n"
        "帳號：012-345-67890\n"
        "交易日期,摘要,支出金額,存入金額,餘額,備註,轉出帳號\n"
        f"{day},跨行轉入,,360,\"15,200\",陳小姐,822****54321\n"
        f"{day},網銀轉入,,500,\"15,700\",團購,***88888\n"
        f"{day},ATM提款,\"2,000\",,\"13,700\",,\n"
        f"{day},跨行轉入,,\"1,200\",\"14,900\",王小明,700****99999\n"
        "合計,,\"2,000\",\"2,060\",,,\n"
    ).encode("cp950")


async def test_a_manager_imports_a_big5_statement_then_confirms_and_voids_transfers(shop, browser):
    api = shop["api"]
    # given 阿明 and Kevin each report 500 from an account ending 88888, and 林小姐 360 from 33333
    await report_in_chat(api, "Udemo02", "已匯款 88888 $500")
    await report_in_chat(api, "Udemo05", "已匯款 88888 $500")
    await report_in_chat(api, "Udemo06", "已轉帳 後五碼33333 360元")
    transfers = {t["member"]["display_name"]: t for t in await reported(api, 4)}
    assert sorted(transfers) == ["Jenny 陳", "Kevin", "林小姐", "阿明"]
    page, watch = await signed_in(browser, shop["base"], "/manager/transfers")
    rows = page.locator("tr.transfer")
    await expect(rows).to_have_count(4)
    await expect(page.locator("#reported-count")).to_have_text("4")

    # when the manager uploads the bank's Big5 export
    await page.set_input_files("#statement-file", files=[{"name": "statement.csv", "mimeType": "text/csv",
                                                          "buffer": big5_statement()}])
    await page.click("#import-form button[type=submit]")

    # then Jenny's 360 from 54321 is matched (and confirmed), 88888's 500 fits two reports, 99999 none
    matched = page.locator("#result-matched tbody tr")
    await expect(matched).to_have_count(1)
    await expect(matched).to_contain_text("54321")
    await expect(matched).to_contain_text("Jenny 陳")
    await expect(matched).to_contain_text("已確認")
    ambiguous = page.locator("#result-ambiguous tbody tr")
    await expect(ambiguous).to_have_count(1)
    await expect(ambiguous.locator(".candidates li")).to_have_count(2)
    await expect(ambiguous.locator(".candidates")).to_contain_text("阿明")
    await expect(ambiguous.locator(".candidates")).to_contain_text("Kevin")
    unmatched = page.locator("#result-unmatched tbody tr")
    await expect(unmatched).to_have_count(1)
    await expect(unmatched).to_contain_text("99999")
    await expect(unmatched).to_contain_text("NT$1,200")
    await expect(page.locator("#import-summary")).to_have_text("比對成功 1 筆、無法判斷 1 筆、查無回報 1 筆")
    jenny = page.locator(f'tr.transfer[data-transfer="{transfers["Jenny 陳"]["id"]}"]')
    await expect(jenny.locator('[data-role="status"]')).to_have_text("已確認")  # updated in place
    await expect(page.locator("#reported-count")).to_have_text("3")
    OUT.mkdir(parents=True, exist_ok=True)
    await expect(page.locator("#toast")).to_be_hidden(timeout=6000)
    await page.screenshot(path=str(OUT / "manager.png"), full_page=True)
    assert {t["member"]["display_name"] for t in await reported(api, 3)} == {"阿明", "Kevin", "林小姐"}

    # the same file again confirms nothing twice: its three rows are duplicates, the unmatched tried again
    await page.click("#import-form button[type=submit]")
    await expect(page.locator("#result-duplicates")).to_have_text("3 筆先前已匯入過，不會重複入帳（還沒對到的已重新比對）")
    await expect(page.locator("#result-matched")).to_be_hidden()
    await expect(ambiguous).to_have_count(1)

    # the manager confirms 林小姐's transfer by hand
    lin = page.locator(f'tr.transfer[data-transfer="{transfers["林小姐"]["id"]}"]')
    await lin.locator('[data-action="confirm"]').click()
    await expect(lin.locator('[data-role="status"]')).to_have_text("已確認")
    await expect(lin.locator("button")).to_have_count(0)
    # and voids Kevin's, which needs a reason
    kevin = page.locator(f'tr.transfer[data-transfer="{transfers["Kevin"]["id"]}"]')
    await kevin.locator('[data-action="void"]').click()
    await kevin.locator(".void-form button[type=submit]").click()
    await expect(kevin.locator('[name="reason"] + .field-error')).to_have_text("請寫下作廢原因")
    await kevin.locator('[name="reason"]').fill("銀行查無此筆")
    await kevin.locator(".void-form button[type=submit]").click()
    await expect(kevin.locator('[data-role="status"]')).to_have_text("已作廢")
    await expect(page.locator("#reported-count")).to_have_text("1")
    assert [t["member"]["display_name"] for t in await reported(api, 1)] == ["阿明"]
    async with api.get("/api/transfers?status=confirmed") as resp:
        confirmed = {t["member"]["display_name"] for t in (await resp.json())["transfers"]}
    assert confirmed == {"Jenny 陳", "林小姐"}

    # the daily report now shows the confirmed transfers next to the demo's cash, as bars
    await page.click('nav a[href="/manager/reports"]')
    chart = page.locator("#takings-chart")
    await expect(chart).to_be_visible()
    await expect(chart.locator(".bar-row")).to_have_count(2)
    transfer_bar = await chart.locator('[data-method="transfer"] rect').bounding_box()
    cash_bar = await chart.locator('[data-method="cash"] rect').bounding_box()
    assert transfer_bar["width"] == pytest.approx(6 * cash_bar["width"], rel=0.02)  # 720 vs 120
    await expect(page.locator("#takings-total")).to_have_text("NT$840")
    await page.context.close()
    assert watch.errors == [] and watch.dialogs == []


async def test_a_manager_edits_a_deadline_closes_a_campaign_and_opens_a_new_one(shop, browser):
    page, watch = await signed_in(browser, shop["base"], "/manager/campaigns")
    card = page.locator("article.campaign").filter(has_text="草莓大福 Strawberry daifuku")
    campaign_id = await card.get_attribute("data-campaign")

    # a deadline in the past is refused, with the message next to the field
    await card.locator('[data-action="edit"]').click()
    deadline = card.locator('.edit-form [name="closes_at"]')
    await deadline.fill("2020-01-01T20:00")
    await card.locator(".edit-form button[type=submit]").click()
    await expect(card.locator('.edit-form [name="closes_at"] + .field-error')).to_have_text("截止時間必須是未來的日期和時間")
    await expect(deadline).to_have_attribute("aria-invalid", "true")

    # a future one is saved, read in the shop's zone though this browser is in New York
    moved = in_days(40, 21, 30)  # the server compares it with the real clock
    await deadline.fill(f"{moved:%Y-%m-%dT%H:%M}")
    await card.locator(".edit-form button[type=submit]").click()
    await expect(card.locator('[data-role="deadline"]')).to_have_text(f"{moved:%Y-%m-%d %H:%M}")
    await expect(card.locator(".edit-form")).to_be_hidden()
    async with shop["api"].get(f"/api/campaigns/{campaign_id}") as resp:
        assert (await resp.json())["closes_at"] == moved.astimezone(timezone.utc).isoformat()

    # closing asks first
    await card.locator('[data-action="close"]').click()
    await expect(card.locator(".confirm-close")).to_be_visible()
    await card.locator('[data-action="close-cancel"]').click()
    await expect(card.locator(".confirm-close")).to_be_hidden()
    async with shop["api"].get(f"/api/campaigns/{campaign_id}") as resp:
        assert (await resp.json())["status"] == "open"
    await card.locator('[data-action="close"]').click()
    await card.locator('[data-action="close-confirm"]').click()
    await expect(card.locator('[data-role="status"]')).to_have_text("已結單")
    async with shop["api"].get(f"/api/campaigns/{campaign_id}") as resp:
        assert (await resp.json())["status"] == "closed"

    # a new campaign: a bad price on the second item and a bad stock on the first are both
    # shown, each next to its input
    await page.click("#new-campaign summary")
    form = page.locator("#new-campaign-form")
    await form.locator('[name="title"]').fill("檸檬塔")
    await form.locator('input[name="group_pick"]').first.check()
    await form.locator('[name="closes_at"]').fill(f"{in_days(60, 20, 0):%Y-%m-%dT%H:%M}")
    await form.locator('[name="pickup_place"]').fill("本店")
    await form.locator('[name="items[0].name"]').fill("經典檸檬塔")
    await form.locator('[name="items[0].price"]').fill("80")
    await form.locator('[name="items[0].stock"]').fill("20")
    await form.locator('[data-action="add-item"]').click()
    await expect(form.locator('[name="items[1].label"]')).to_have_value("B")
    await form.locator('[name="items[1].name"]').fill("檸檬塔禮盒")
    await form.locator('[name="items[1].price"]').fill("九十")
    await form.locator('[name="items[0].stock"]').fill("-1")
    await form.locator('[name="announce"]').uncheck()
    await form.locator("button[type=submit]").click()
    await expect(form.locator('[name="items[1].price"] + .field-error')).to_have_text("價格是 0 以上的整數")
    await expect(form.locator('[name="items[0].stock"] + .field-error')).to_be_visible()
    await expect(form.locator(".field-error")).to_have_count(2)
    await form.locator('[name="items[1].price"]').fill("480")
    await form.locator('[name="items[0].stock"]').fill("20")
    await form.locator("button[type=submit]").click()
    await page.wait_for_url("**/manager/campaigns/*")
    await expect(page.locator("h1")).to_contain_text("檸檬塔")
    await expect(page.locator("table.items tbody tr")).to_have_count(2)
    await expect(page.locator("table.items tbody tr").nth(1)).to_contain_text("檸檬塔禮盒")
    await page.context.close()
    assert watch.errors == [] and watch.dialogs == []


async def test_the_orders_and_pick_list_pages_print_and_fit_a_phone(shop, browser):
    async with shop["api"].get("/api/campaigns?status=open") as resp:
        campaign_id = (await resp.json())["campaigns"][0]["id"]
    page, watch = await signed_in(browser, shop["base"], f"/manager/campaigns/{campaign_id}")

    await expect(page.locator("table.orders tbody tr")).to_have_count(6)
    await page.click("nav.filters >> text=未付清")
    await expect(page.locator("table.orders tbody tr")).to_have_count(5)  # 小美 paid in cash
    await expect(page.locator("table.orders")).not_to_contain_text("小美")
    await page.click("text=揀貨單")
    await page.wait_for_url(f"**/manager/campaigns/{campaign_id}/picklist")
    await expect(page.locator("table.pick-buyers tbody tr")).to_have_count(6)
    await page.evaluate("window.print = () => { document.body.dataset.printed = 'yes'; }")
    await page.click("#print-button")
    await expect(page.locator("body")).to_have_attribute("data-printed", "yes")
    await page.emulate_media(media="print")
    await expect(page.locator(".topbar")).to_be_hidden()
    await expect(page.locator("#print-button")).to_be_hidden()
    await page.context.close()

    phone, phone_watch = await signed_in(browser, shop["base"], "/manager/campaigns", viewport=PHONE)
    for path in ("/manager/campaigns", f"/manager/campaigns/{campaign_id}", f"/manager/campaigns/{campaign_id}/picklist",
                 "/manager/transfers", "/manager/reports"):
        await phone.goto(f"{shop['base']}{path}")
        assert await phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], path
    await phone.context.close()
    assert watch.errors == watch.dialogs == phone_watch.errors == phone_watch.dialogs == []
