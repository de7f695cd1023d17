"""The pickup counter (/counter) and the walk-in sale (/counter/sale) in a real headless Chromium
against the real server process, printing to a fake TCP printer (Big5).

Each test starts `plusone serve --demo` on a fresh SQLite file. The demo seeds the campaign
草莓大福 with A 原味草莓大福 120 (barcode 4710000000011), B 抹茶草莓大福 130 (…028) and
C 綜合禮盒 6入 680 (…035, stock 5, one sold) and buyers: 小美 0912-345-678 (A×1, paid 120 in
cash), 阿明 0922-111-333 (A×2 B×2 = 500, unpaid), 王媽媽 0955-000-111 (A×1 C×1 = 800, unpaid)…
Staff logins are added with the CLI before the server starts; a manager API token checks
what the page did through the API.
"""
from __future__ import annotations

import asyncio
import pathlib
import re
from contextlib import asynccontextmanager
from dataclasses import dataclass

import aiohttp
import pytest
from playwright.async_api import Page, expect

from tests.browser import Watch, needs_chromium, new_page, plusone_cli, serve_app
from tests.fake_printer import FakePrinter
from tests.receipts import printed_lines

pytestmark = needs_chromium

ROOT = pathlib.Path(__file__).resolve().parent.parent
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 375, "height": 740}
CASHIER = ("cashier1", "till-pass-1")
MANAGER = ("boss1", "boss-pass-1")
BARCODE_B = "4710000000028"
BARCODE_C = "4710000000035"
QR_STORE = b"\x1d(k"
CUT = b"\x1dV"
DRAWER = b"\x1bp"


@dataclass
class Shop:
    base: str
    token: str
    printer: FakePrinter

    async def api(self, method: str, path: str, json=None) -> tuple[int, dict]:
        headers = {"Authorization": f"Bearer {self.token}"}
        async with aiohttp.ClientSession() as session:
            async with session.request(method, self.base + path, json=json, headers=headers) as resp:
                return resp.status, await resp.json()

    async def order_of(self, q: str) -> dict:
        """The one open order the lookup finds for `q`."""
        status, body = await self.api("GET", f"/api/lookup?q={q}")
        assert status == 200, body
        (order,) = [o for m in body["members"] for o in m["orders"]]
        return order

    async def item(self, campaign_id: int, label: str) -> dict:
        status, body = await self.api("GET", f"/api/campaigns/{campaign_id}")
        assert status == 200, body
        return next(i for i in body["items"] if i["label"] == label)


@asynccontextmanager
async def open_shop(tmp_path, printer: FakePrinter, *, printer_on: bool = True):
    """The demo shop with a cashier and a manager login, a manager token and its printer."""
    db = f"sqlite://{tmp_path}/plusone.db"
    for (name, password), role in ((CASHIER, "cashier"), (MANAGER, "manager")):
        await plusone_cli("staff", "add", name, "--role", role, "--password-stdin", db=db, stdin=password + "\n")
    token = (await plusone_cli("token", "create", "--role", "manager", db=db)).strip().splitlines()[-1]
    if printer_on:
        await printer.start()
    env = {"PLUSONE_PRINTER": f"tcp://127.0.0.1:{printer.port}", "PLUSONE_PRINTER_ENCODING": "big5"}
    async with serve_app(tmp_path, env=env) as base:
        yield Shop(base, token, printer)


@pytest.fixture
async def shop(tmp_path, printer):
    async with open_shop(tmp_path, printer) as opened:
        yield opened


async def sign_in(page: Page, base: str, who=CASHIER, path: str = "/counter") -> None:
    await page.goto(base + path)
    await expect(page).to_have_url(re.compile(r"/login\?next="))
    await page.fill("#username", who[0])
    await page.fill("#password", who[1])
    await page.press("#password", "Enter")
    await expect(page).to_have_url(base + path)


async def counter(browser, shop: Shop, who=CASHIER, viewport=DESKTOP) -> tuple[Page, Watch]:
    page, watch = await new_page(browser, viewport)
    await sign_in(page, shop.base, who)
    await expect(page.locator("[data-search]")).to_be_focused()
    return page, watch


async def search(page: Page, text: str) -> None:
    await page.fill("[data-search]", text)
    await page.press("[data-search]", "Enter")


async def done(page: Page, watch: Watch) -> None:
    await page.context.close()
    assert watch.errors == [] and watch.dialogs == []


# --- the pickup ------------------------------------------------------------------------------

async def test_a_cashier_finds_a_buyer_by_four_digits_adds_on_takes_cash_hands_over_and_the_receipt_prints(
        browser, shop):
    page, watch = await counter(browser, shop)

    await search(page, "5678")

    card = page.locator(".member").filter(has=page.locator(".member-name", has_text="小美"))
    await expect(card).to_be_visible()
    await expect(card.locator(".member-phone")).to_have_text("0912-345-678")
    await expect(page.locator("#panel")).to_be_visible()  # her only open order is selected
    number = await card.locator(".order").get_attribute("data-number")
    await expect(page).to_have_url(f"{shop.base}/counter?q=5678&order={number}")
    await expect(page.locator("#due-box")).to_contain_text("已付清")
    await expect(page.locator("#barcode")).to_be_focused()

    # a USB scanner types the digits and Enter
    await page.keyboard.type(BARCODE_B)
    await page.keyboard.press("Enter")
    await expect(page.locator("#addon-msg")).to_have_text("已加入 B 抹茶草莓大福 ×1")
    await expect(page.locator("#panel-balance")).to_have_text("NT$130")
    await expect(card.locator("tr", has_text="抹茶草莓大福")).to_contain_text("加購")
    await expect(page.locator("#amount")).to_have_value("130")

    # a double scan by mistake is taken back with −1 on the row
    await page.locator("#barcode").focus()
    await page.keyboard.type(BARCODE_B)
    await page.keyboard.press("Enter")
    await expect(page.locator("#panel-balance")).to_have_text("NT$260")
    await expect(card.locator("tr", has_text="抹茶草莓大福").locator("td.num").first).to_have_text("×2")
    await card.locator("tr", has_text="抹茶草莓大福").locator("button.line-minus").click()
    await expect(page.locator("#addon-msg")).to_have_text("已減去 B 抹茶草莓大福 ×1")
    await expect(page.locator("#panel-balance")).to_have_text("NT$130")
    await expect(card.locator("tr", has_text="抹茶草莓大福").locator("td.num").first).to_have_text("×1")
    await expect(page.locator("#amount")).to_have_value("130")

    # the next round notes are offered; note buttons add up (500 twice is 1000); full-width is read
    await expect(page.locator("#round-tender button")).to_have_text(["200", "500", "1000"])
    await page.click('[data-add="500"]')
    await page.click('[data-add="500"]')
    await expect(page.locator("#tendered")).to_have_value("1000")
    await expect(page.locator("#change")).to_have_text("NT$870")
    await page.fill("#tendered", "１,０００")
    await expect(page.locator("#change")).to_have_text("NT$870")
    await page.click('#round-tender [data-round="500"]')
    await expect(page.locator("#tendered")).to_have_value("500")
    await expect(page.locator("#change")).to_have_text("NT$370")  # live, before anything is sent
    await page.wait_for_timeout(200)
    out = ROOT / "tests" / "output"
    out.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(out / "counter.png"))  # README's docs/counter.png is a copy of this
    await page.press("#tendered", "Enter")

    await expect(page.locator("#pay-result-change")).to_have_text("NT$370")
    await expect(page.locator("#pay-result-text")).to_have_text("已收 現金 NT$130")
    await expect(page.locator("#job-status")).to_have_text("收據已列印")  # settled: printed at once
    await expect(page.locator("#print-button")).to_have_text("重印收據")
    await page.click("#handover-button")
    await expect(page.locator("#handover-msg")).to_have_text("已交貨")
    await expect(card.locator(".order .status")).to_have_text("已取貨")
    await expect(page.locator("#handover-button")).to_be_disabled()

    (job,) = await shop.printer.received(1)
    lines = printed_lines(job)
    assert any("原味草莓大福" in line for line in lines) and any("抹茶草莓大福" in line for line in lines)
    assert "合計 $250" in lines and "找零 $370" in lines and "實收 $500" in lines
    assert QR_STORE in job and CUT in job
    assert DRAWER in job  # cash was taken: the first receipt opens the drawer
    status, order = await shop.api("GET", f"/api/orders/{number}")
    assert (order["status"], order["total"], order["paid"], order["balance"]) == ("picked_up", 250, 250, 0)
    assert [(p["method"], p["amount"], p["tendered"], p["change"]) for p in order["payments"]][-1] == (
        "cash", 130, 500, 370)
    await done(page, watch)


async def test_with_the_printer_off_the_page_says_the_receipt_is_queued_and_the_drawer_did_not_open(
        browser, tmp_path, printer):
    async with open_shop(tmp_path, printer, printer_on=False) as shop:
        page, watch = await counter(browser, shop)
        await search(page, "1333")
        await page.click('[data-method="jkopay"]')
        await page.press("#amount", "Enter")  # the whole 500

        await expect(page.locator("#pay-result-text")).to_have_text("已收 街口支付 NT$500")
        status = page.locator("#job-status")
        await expect(status).to_contain_text("收據已排入佇列，印表機恢復後會自動列印")
        await expect(status).to_have_class(re.compile(r"\berror\b"))
        await expect(status).to_have_attribute("data-job-status", "queued")
        await page.click("#drawer-button")
        await expect(page.locator("#drawer-status")).to_contain_text("錢櫃沒有打開")
        await expect(page.locator("#drawer-status")).to_have_class(re.compile(r"\berror\b"))
        order = await shop.order_of("1333")
        assert (order["paid"], order["balance"]) == (500, 0)  # the sale stands
        assert printer.jobs == []

        # the button offers to try the waiting receipt again, not a reprint; once the printer
        # is back, that prints the original once
        await expect(page.locator("#print-button")).to_have_text("再試列印收據")
        await printer.start()
        await page.click("#print-button")
        await expect(status).to_have_attribute("data-job-status", "printed")
        await expect(page.locator("#print-button")).to_have_text("重印收據")
        (job,) = await printer.received(1)
        assert not any("重印" in line for line in printed_lines(job))  # the original, not a copy
        await done(page, watch)


async def test_a_wrong_password_is_said_next_to_the_password_and_signs_nobody_in(browser, shop):
    page, watch = await new_page(browser)
    await page.goto(shop.base + "/counter")
    await page.fill("#username", CASHIER[0])
    await page.fill("#password", "not-the-password")

    await page.press("#password", "Enter")

    await expect(page.locator("#password-error")).to_have_text("帳號或密碼錯誤")
    await expect(page.locator("#password")).to_have_attribute("aria-invalid", "true")
    assert "/login" in page.url
    assert "plusone_session" not in {c["name"] for c in await page.context.cookies()}
    await page.goto(shop.base + "/counter")  # still not signed in
    await expect(page).to_have_url(re.compile(r"/login\?next="))
    await done(page, watch)


async def test_a_double_clicked_or_retried_payment_is_recorded_once(browser, shop):
    before = await shop.order_of("0922111333")
    page, watch = await counter(browser, shop)
    await search(page, "0922111333")
    await expect(page.locator("#panel-balance")).to_have_text("NT$500")

    # a split payment: 200 by card now (a second 200 would still fit under the balance)
    await page.click('[data-method="card"]')
    await expect(page.locator("#tendered")).to_be_hidden()
    await page.fill("#amount", "200")
    await page.dblclick("#pay-button")

    await expect(page.locator("#pay-result-text")).to_have_text("已收 信用卡 NT$200")
    await expect(page.locator("#panel-balance")).to_have_text("NT$300")
    await expect(page.locator("#amount")).to_have_value("300")
    await page.wait_for_timeout(500)  # a second request, had one gone out, would be in by now
    status, order = await shop.api("GET", f"/api/orders/{before['number']}")
    assert status == 200
    assert [(p["method"], p["amount"]) for p in order["payments"]] == [("card", 200)]
    assert (order["paid"], order["balance"]) == (200, 300)
    await expect(page.locator("#job-status")).to_be_hidden()  # not settled: no receipt yet

    # the server records the next payment but its answer is lost: the retry reuses the key
    keys = []

    async def lose_the_first_answer(route) -> None:
        keys.append(route.request.headers["idempotency-key"])
        if len(keys) == 1:
            await route.fetch()
            await route.abort()
        else:
            await route.continue_()

    await page.route("**/api/orders/*/payments", lose_the_first_answer)
    await page.fill("#amount", "100")
    await page.click("#pay-button")
    await expect(page.locator("#pay-form [data-form-error]")).to_contain_text("連線失敗")
    await page.click("#pay-button")
    await expect(page.locator("#panel-balance")).to_have_text("NT$200")
    assert len(keys) == 2 and keys[0] == keys[1]
    status, order = await shop.api("GET", f"/api/orders/{before['number']}")
    assert [(p["method"], p["amount"]) for p in order["payments"]] == [("card", 200), ("card", 100)]
    await done(page, watch)


async def test_a_sold_out_add_on_says_so_and_writes_nothing(browser, shop):
    # 王媽媽 takes the last four gift boxes
    other = await shop.order_of("王媽媽")
    status, body = await shop.api("POST", f"/api/orders/{other['number']}/lines", {"barcode": BARCODE_C, "qty": 4})
    assert status == 201, body
    campaign_id = other["campaign"]["id"]
    assert (await shop.item(campaign_id, "C"))["sold"] == 5
    before = await shop.order_of("阿明")
    page, watch = await counter(browser, shop)
    await search(page, "阿明")
    await expect(page.locator("#panel")).to_be_visible()
    await expect(page.locator('#addon-items .item:has-text("C 綜合禮盒 6入")')).to_be_disabled()  # shown, not hidden

    await page.fill("#barcode", BARCODE_C)
    await page.press("#barcode", "Enter")

    await expect(page.locator("#addon-msg")).to_have_text("C 綜合禮盒 6入 已售完")
    await expect(page.locator("#addon-msg")).to_have_class(re.compile(r"\berror\b"))
    await expect(page.locator("#panel-balance")).to_have_text("NT$500")
    after = await shop.order_of("阿明")
    assert after["lines"] == before["lines"] and after["total"] == before["total"] == 500
    assert (await shop.item(campaign_id, "C"))["sold"] == 5

    await page.fill("#barcode", "999")  # and an unknown barcode
    await page.press("#barcode", "Enter")
    await expect(page.locator("#addon-msg")).to_have_text("這個活動沒有條碼 999 的商品")
    assert (await shop.order_of("阿明"))["lines"] == before["lines"]
    await done(page, watch)


async def test_handover_with_a_balance_is_refused_and_a_cashier_is_told_a_manager_is_needed(browser, shop):
    page, watch = await counter(browser, shop)
    await search(page, "1333")
    await expect(page.locator("#panel-balance")).to_have_text("NT$500")

    await page.click("#handover-button")

    await expect(page.locator("#handover-msg")).to_contain_text("待付 NT$500，不能交貨")
    await expect(page.locator("#handover-msg")).to_contain_text("需要店長核准")
    await expect(page.locator("#override")).to_be_hidden()  # a cashier cannot override
    order = await shop.order_of("1333")
    assert (order["status"], order["balance"]) == ("open", 500)
    # Esc closes the panel, a second Esc goes back to the search box
    await page.keyboard.press("Escape")
    await expect(page.locator("#panel")).to_be_hidden()
    await page.keyboard.press("Escape")
    await expect(page.locator("[data-search]")).to_be_focused()
    await done(page, watch)


async def test_a_manager_overrides_a_handover_with_a_balance_after_confirming(browser, shop):
    boss, boss_watch = await counter(browser, shop, who=MANAGER)
    await search(boss, "1333")
    await boss.click("#handover-button")
    await expect(boss.locator("#handover-msg")).to_contain_text("待付 NT$500，不能交貨")
    await boss.click("#override-button")
    await expect(boss.locator("#override-text")).to_contain_text("NT$500")
    await boss.keyboard.press("Escape")  # backs out of the override, the order stays open
    await expect(boss.locator("#override")).to_be_hidden()
    assert (await shop.order_of("1333"))["status"] == "open"
    await boss.click("#handover-button")
    await boss.click("#override-button")
    await boss.click("#override-yes")
    await expect(boss.locator("#handover-msg")).to_have_text("已交貨（待付 NT$500，店長核准）")
    status, body = await shop.api("GET", "/api/lookup?q=1333")
    assert body["members"][0]["orders"] == []  # handed over: no longer open
    await done(boss, boss_watch)


# --- language, untrusted names, the phone ----------------------------------------------------

async def test_english_is_one_click_away_and_stays(browser, shop):
    page, watch = await counter(browser, shop)

    await page.click("a.lang")

    await expect(page.locator("html")).to_have_attribute("lang", "en")
    await expect(page.locator("#search-form button[type=submit]")).to_have_text("Search")
    await search(page, "5678")
    await expect(page.locator(".found")).to_have_text(re.compile(r"^1 buyer, 1 open order$"))
    await expect(page.locator("#due-box")).to_contain_text("Paid in full")
    await expect(page.locator(".order .order-no")).to_have_text(re.compile(r"^Order #\d+$"))
    await expect(page.locator('[data-method="jkopay"]')).to_have_text("JKO Pay")
    await expect(page.locator("#handover-button")).to_have_text("Hand over")
    await page.goto(shop.base + "/counter/sale")
    await expect(page.locator("#leftovers-title")).to_have_text("Leftovers")
    await expect(page.locator("#charge")).to_have_text("Charge NT$0")
    await done(page, watch)


async def test_a_buyer_name_with_markup_is_shown_as_text(browser, shop):
    name = "<img src=x onerror=alert(1)>"
    async with aiohttp.ClientSession() as session:  # the buyer orders in the sandbox group
        async with session.post(shop.base + "/sandbox/api/send",
                                json={"user_id": "Uxss0001", "name": name, "text": "A+1"}) as resp:
            assert resp.status == 201
    for _ in range(150):
        status, body = await shop.api("GET", "/api/lookup?q=onerror")
        if status == 200 and body["members"] and body["members"][0]["orders"]:
            break
        await asyncio.sleep(0.1)
    assert body["members"][0]["display_name"] == name
    page, watch = await counter(browser, shop)

    await search(page, "onerror")

    await expect(page.locator(".member-name")).to_have_text(name)
    await expect(page.locator(".panel-name")).to_have_text(name)
    await page.wait_for_timeout(300)
    assert await page.locator("img").count() == 0
    await done(page, watch)  # no alert dialog


async def test_on_a_phone_the_counter_fits_without_sideways_scrolling(browser, shop):
    page, watch = await counter(browser, shop, viewport=PHONE)

    await search(page, "1333")

    await expect(page.locator("#panel")).to_be_visible()
    await page.fill("#tendered", "1000")
    await expect(page.locator("#change")).to_have_text("NT$500")
    assert await page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    for selector in ("#pay-button", "#handover-button", "#barcode", '[data-method="cash"]', "#search-form button"):
        box = await page.locator(selector).bounding_box()
        assert box["height"] >= 44 and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], selector
    await page.screenshot(path=str(ROOT / "tests" / "output" / "counter_phone.png"), full_page=True)
    await done(page, watch)


async def test_no_buyer_found_is_said_plainly(browser, shop):
    page, watch = await counter(browser, shop)

    await search(page, "0900000000")

    await expect(page.locator(".empty")).to_contain_text("找不到買家：0900000000")
    await expect(page.locator("#panel")).to_be_hidden()
    await page.reload()  # the search is in the address: a reload shows it again
    await expect(page.locator("[data-search]")).to_have_value("0900000000")
    await expect(page.locator(".empty")).to_contain_text("找不到買家")
    await done(page, watch)


# --- the walk-in sale ------------------------------------------------------------------------

async def test_a_walk_in_sale_paid_in_cash_prints_its_receipt_and_a_sold_out_item_writes_nothing(browser, shop):
    page, watch = await new_page(browser)
    await sign_in(page, shop.base, path="/counter/sale")
    a = page.locator('.leftover:has-text("A 原味草莓大福")')
    c = page.locator('.leftover:has-text("C 綜合禮盒 6入")')
    await expect(c).to_contain_text("剩 4")

    # the last gift boxes go to someone else while C is in this cart
    await c.click()
    other = await shop.order_of("王媽媽")
    status, _ = await shop.api("POST", f"/api/orders/{other['number']}/lines", {"barcode": BARCODE_C, "qty": 4})
    assert status == 201
    status, before = await shop.api("GET", "/api/sales/leftovers")
    await page.fill('[name="payments[0].tendered"]', "1000")
    await page.click("#charge")
    await expect(page.locator("#sale-form [data-form-error]")).to_have_text("C 綜合禮盒 6入 已售完")
    await expect(c).to_be_disabled()  # shown, not hidden
    await expect(page.locator("#cart-lines tr")).to_have_count(0)
    status, after = await shop.api("GET", "/api/sales/leftovers")
    assert after == before  # nothing was sold
    assert shop.printer.jobs == []

    # then two of A, by tap and by scan, paid in cash
    await a.click()
    await page.fill("[data-search]", "4710000000011")
    await page.press("[data-search]", "Enter")
    await expect(page.locator("#sale-total")).to_have_text("NT$240")
    await page.fill('[name="payments[0].tendered"]', "300")
    await expect(page.locator('[data-change="0"] strong')).to_have_text("NT$60")
    await page.press('[name="payments[0].tendered"]', "Enter")

    await expect(page.locator("#done-text")).to_have_text(re.compile(r"^完成：訂單 #\d+$"))
    await expect(page.locator("#done-change")).to_have_text("NT$60")
    await expect(page.locator("#sale-job")).to_have_text("收據已列印")
    number = (await page.locator("#done-text").text_content()).split("#")[1]
    (job,) = await shop.printer.received(1)
    lines = printed_lines(job)
    assert any("原味草莓大福" in line for line in lines)
    assert "合計 $240" in lines and "找零 $60" in lines
    assert CUT in job and DRAWER in job
    status, order = await shop.api("GET", f"/api/orders/{number}")
    assert (order["status"], order["total"], order["paid"], order["member"]) == ("picked_up", 240, 240, None)
    await expect(a).to_contain_text(f"剩 {before['items'][0]['left'] - 2}")
    await done(page, watch)


async def test_an_item_ordered_by_two_messages_shows_as_one_line(browser, shop):
    async with aiohttp.ClientSession() as session:  # the buyer says "A+1" twice, and "A+2" once more
        for text in ("A+1", "A+1", "A+2"):
            async with session.post(shop.base + "/sandbox/api/send",
                                    json={"user_id": "Utwice01", "name": "阿雙", "text": text}) as resp:
                assert resp.status == 201
    for _ in range(150):
        status, body = await shop.api("GET", "/api/lookup?q=阿雙")
        if status == 200 and body["members"] and len(body["members"][0]["orders"][0]["lines"]) == 3:
            break
        await asyncio.sleep(0.1)
    assert len(body["members"][0]["orders"][0]["lines"]) == 3
    page, watch = await counter(browser, shop)

    await search(page, "阿雙")

    rows = page.locator("article.order table.lines tbody tr")
    await expect(rows).to_have_count(1)
    await expect(rows.first.locator("td").nth(1)).to_have_text("×4")
    assert len((await rows.first.get_attribute("data-line-ids")).split()) == 3
    await done(page, watch)


async def test_a_manager_takes_back_a_paid_unit_sees_the_overpayment_and_refunds_it(browser, shop):
    page, watch = await counter(browser, shop, who=MANAGER)
    await search(page, "5678")  # 小美: A ×1, paid 120 in cash
    await expect(page.locator("#due-box")).to_contain_text("已付清")
    card = page.locator(".order.selected, .order").first

    await card.locator("tr", has_text="原味草莓大福").locator("button.line-minus").click()

    # what she paid is now more than the order costs: shown as 溢收, never as 已付清
    await expect(page.locator("#due-box")).to_have_class(re.compile(r"\bcredit\b"))
    await expect(page.locator("#due-label")).to_have_text("溢收")
    await expect(page.locator("#panel-balance")).to_have_text("NT$120")
    await expect(page.locator("#refund-text")).to_have_text("這張訂單多收了 NT$120，請退還給買家。")
    await page.click("#refund-button")
    await expect(page.locator('#refund-reason + .field-error')).to_have_text("請寫下退款原因")
    await page.fill("#refund-reason", "客人不要了")
    await page.click("#refund-button")

    await expect(page.locator("#addon-msg")).to_have_text("已退款 NT$120（現金）")
    await expect(page.locator("#due-label")).to_have_text("已付清")
    await expect(page.locator("#refund-form")).to_be_hidden()
    status, report = await shop.api("GET", "/api/reports/daily")
    assert status == 200 and report["takings"]["by_method"].get("cash", 0) == 0  # 120 taken, 120 given back
    await done(page, watch)


async def test_a_clerk_opens_a_shift_rounds_off_takes_cash_and_closes_it_with_a_z_report(browser, shop):
    page, watch = await counter(browser, shop)
    await page.click("nav >> text=班別結帳")
    await page.fill("#float", "２,０００")
    await page.click("#open-form button[type=submit]")
    await expect(page.locator("#now-title")).to_have_text("本班目前")

    await page.goto(shop.base + "/counter")
    await search(page, "1333")  # 阿明: A×2 B×2 = 500
    await expect(page.locator("#panel-balance")).to_have_text("NT$500")
    await expect(page.locator("#round-off")).to_be_hidden()  # nothing to round off 500
    await page.click("#discount-toggle")
    await page.fill("#discount-amount", "13")
    await page.fill("#discount-reason", "老客人")
    await page.click("#discount-button")
    await expect(page.locator("#discount-amount + .field-error")).to_contain_text("10")  # over a cashier's limit
    await page.fill("#discount-amount", "3")
    await page.click("#discount-button")
    await expect(page.locator("#panel-balance")).to_have_text("NT$497")
    await page.click("#round-off")  # 抹零 NT$7
    await expect(page.locator("#panel-balance")).to_have_text("NT$490")
    await page.fill("#tendered", "1000")
    await page.click("#pay-button")
    await expect(page.locator("#pay-result-change")).to_have_text("NT$510")

    await page.click("nav >> text=班別結帳")
    await expect(page.locator("[data-expected]").first).to_have_text("NT$2,490")
    await page.fill("#counted", "2,480")
    await page.click("#close-form button[type=submit]")
    await expect(page.locator("#z-title")).to_contain_text("關班報表 (Z)")
    await expect(page.locator("[data-difference]")).to_have_text("NT$-10")
    await expect(page.locator(".difference")).to_have_class(re.compile(r"\bshort\b"))
    await page.click("#print-z")
    await expect(page.locator("#print-msg")).to_have_text("已列印")
    await page.screenshot(path=str(ROOT / "tests" / "output" / "shift.png"), full_page=True)  # docs/shift.png

    z_job = (await shop.printer.received(1))[-1]  # after the payment's receipt
    text = "\n".join(printed_lines(z_job))
    assert "關班報表 (Z)" in text and re.search(r"差額 +-\$10", text) and re.search(r"折扣合計 +-\$10", text)
    status, order = await shop.api("GET", "/api/lookup?q=1333")
    (found,) = [o for m in order["members"] for o in m["orders"]]
    assert (found["discount"], found["total"], found["balance"]) == (10, 490, 0)
    assert [d["kind"] for d in found["discounts"]] == ["discount", "rounding"]
    await done(page, watch)


async def test_a_walk_in_sale_adds_a_custom_amount_and_its_receipt_prints_it(browser, shop):
    page, watch = await new_page(browser)
    await sign_in(page, shop.base, path="/counter/sale")
    await page.click('.leftover:has-text("A 原味草莓大福")')
    await page.click("#custom-add")
    await expect(page.locator("#custom-name + .field-error")).to_have_text("請寫品名")
    await page.fill("#custom-name", "禮盒包裝")
    await page.fill("#custom-price", "３０")
    await page.press("#custom-price", "Enter")
    await expect(page.locator("#sale-total")).to_have_text("NT$150")
    await page.click('#cart-lines tr:has-text("禮盒包裝") button[aria-label="增加"]')
    await expect(page.locator("#sale-total")).to_have_text("NT$180")
    await page.click("#charge")

    await expect(page.locator("#done-text")).to_have_text(re.compile(r"^完成：訂單 #\d+$"))
    number = (await page.locator("#done-text").text_content()).split("#")[1]
    (job,) = await shop.printer.received(1)
    lines = printed_lines(job)
    assert any("禮盒包裝" in line and "$60" in line for line in lines) and "合計 $180" in lines
    status, order = await shop.api("GET", f"/api/orders/{number}")
    assert [(l["name"], l["qty"], l["source"]) for l in order["lines"]] == [
        ("原味草莓大福", 1, "walkin"), ("禮盒包裝", 2, "custom")]
    await done(page, watch)
