"""「一起結帳」 on the counter in a real headless Chromium against the real server process: a
buyer with two open orders (in two campaigns) pays both at once in cash, they are handed
over, and one receipt listing both prints on the fake TCP printer (Big5)."""
from __future__ import annotations

import asyncio

import aiohttp
from playwright.async_api import expect

from bot.sandbox import SANDBOX_GROUP
from tests.api_helpers import campaign_body
from tests.browser import needs_chromium
from tests.receipts import printed_lines
from tests.test_counter_browser import counter, done, search, shop  # noqa: F401  (shop: the fixture)

pytestmark = needs_chromium


async def test_a_buyer_with_two_open_orders_pays_them_together_and_gets_one_receipt(browser, shop):  # noqa: F811
    # 阿明 (0922-111-333) owes 500 on the demo's 草莓大福; he also says "+1" in a second campaign
    body = campaign_body(title="手工餅乾", group_ids=[SANDBOX_GROUP], announce=False, items=[
        {"label": "A", "name": "奶油餅乾", "price": 120, "stock": None, "limit_per_buyer": None, "barcode": None}])
    status, cookies = await shop.api("POST", "/api/campaigns", json=body)
    assert status == 201, cookies
    async with aiohttp.ClientSession() as session, session.post(
            shop.base + "/sandbox/api/send",
            json={"user_id": "Udemo02", "name": "阿明", "text": f"{cookies['code']} A+1"}) as resp:
        assert resp.status == 201
    for _ in range(150):
        status, found = await shop.api("GET", "/api/lookup?q=0922111333")
        if status == 200 and found["members"] and len(found["members"][0]["orders"]) == 2:
            break
        await asyncio.sleep(0.1)
    orders = found["members"][0]["orders"]
    assert sorted(o["balance"] for o in orders) == [120, 500]
    page, watch = await counter(browser, shop)

    await search(page, "1333")

    card = page.locator(".member").filter(has=page.locator(".member-name", has_text="阿明"))
    await card.locator(".checkout-toggle").click()
    await expect(card.locator(".checkout-order")).to_have_count(2)
    await expect(card.locator(".checkout-total")).to_have_text("2 筆訂單 · NT$620")
    await card.locator(".checkout-tendered").fill("1000")
    await expect(card.locator(".checkout-change")).to_have_text("找零 NT$380")
    await card.locator(".checkout-pay").click()

    await expect(page.locator("#toast")).to_have_text("已結帳 2 筆訂單，共 NT$620")
    await expect(page.locator(".member", has_text="阿明")).to_contain_text("沒有未取貨的訂單")
    for order in orders:
        status, now = await shop.api("GET", f"/api/orders/{order['number']}")
        assert (now["status"], now["balance"]) == ("picked_up", 0)
    (job,) = await shop.printer.received(1)
    lines = printed_lines(job)
    assert "合計 $620" in lines and "實收 $1,000" in lines and "找零 $380" in lines
    assert any("手工餅乾" in line for line in lines) and any("草莓大福" in line for line in lines)
    assert any("奶油餅乾" in line for line in lines) and any("抹茶草莓大福" in line for line in lines)
    await done(page, watch)


async def test_a_manager_splits_a_transfer_over_two_orders_and_refunds_credit_on_the_transfers_page(browser,
                                                                                                   shop):  # noqa: F811
    from tests.browser import new_page
    from tests.test_counter_browser import MANAGER, sign_in

    body = campaign_body(title="手工餅乾", group_ids=[SANDBOX_GROUP], announce=False, items=[
        {"label": "A", "name": "奶油餅乾", "price": 120, "stock": None, "limit_per_buyer": None, "barcode": None}])
    status, cookies = await shop.api("POST", "/api/campaigns", json=body)
    assert status == 201, cookies
    async with aiohttp.ClientSession() as session:  # 阿明 orders, then pays both orders with one transfer
        for text in (f"{cookies['code']} A+1", "已匯款 12345 620"):
            async with session.post(shop.base + "/sandbox/api/send",
                                    json={"user_id": "Udemo02", "name": "阿明", "text": text}) as resp:
                assert resp.status == 201
            await asyncio.sleep(0.3)
    for _ in range(150):
        status, listed = await shop.api("GET", "/api/transfers")
        mine = [t for t in listed["transfers"] if t["amount"] == 620]
        if mine:
            break
        await asyncio.sleep(0.1)
    (transfer,) = mine
    status, found = await shop.api("GET", "/api/lookup?q=0922111333")
    amin = found["members"][0]["orders"]
    status, mei = await shop.api("GET", "/api/lookup?q=0912345678")
    mei_order = mei["members"][0]["orders"][0]
    status, _ = await shop.api("PATCH", f"/api/orders/{mei_order['number']}/lines/{mei_order['lines'][0]['id']}",
                               json={"qty": 0})  # her paid unit taken back: 120 of credit
    assert status == 200
    page, watch = await new_page(browser, {"width": 1280, "height": 900})
    await sign_in(page, shop.base, MANAGER, "/manager/transfers")

    row = page.locator(f'tr.transfer[data-transfer="{transfer["id"]}"]')
    await row.locator('[data-action="split"]').click()
    shares = row.locator('.split-form input[name="share"]')
    await expect(shares).to_have_count(2)
    async with page.expect_navigation():  # the page is read again once it is said
        await row.locator('.split-form button[type="submit"]').click()
        await expect(page.locator("#toast")).to_have_text("已分到 2 筆訂單")
    await expect(row.locator('[data-action="split"]')).to_have_count(0)  # its parts wait now, it does not

    credit = page.locator(f'tr.credit[data-number="{mei_order["number"]}"]')
    await expect(credit).to_contain_text("NT$120")
    await credit.locator('input[name="reason"]').fill("退回多收")
    async with page.expect_navigation():
        await credit.locator('button[type="submit"]').click()
        await expect(page.locator("#toast")).to_have_text("已退款 NT$120")
    await expect(credit).to_have_count(0)

    for order in amin:
        status, now = await shop.api("GET", f"/api/orders/{order['number']}")
        assert now["reported"] == now["total"] and now["balance"] == now["total"]  # each its share, to confirm
    status, parent = await shop.api("GET", "/api/transfers?status=reported")
    assert transfer["id"] not in [t["id"] for t in parent["transfers"]]  # split: its parts wait, not it
    status, after = await shop.api("GET", f"/api/orders/{mei_order['number']}")
    assert after["balance"] == 0 and after["payments"][-1]["amount"] == -120
    await page.context.close()
    assert watch.errors == [] and watch.dialogs == []


async def test_a_manager_at_the_counter_moves_credit_to_the_buyers_other_open_order(browser, shop):  # noqa: F811
    from tests.test_counter_browser import MANAGER

    body = campaign_body(title="手工餅乾", group_ids=[SANDBOX_GROUP], announce=False, items=[
        {"label": "A", "name": "奶油餅乾", "price": 120, "stock": None, "limit_per_buyer": None, "barcode": None}])
    status, cookies = await shop.api("POST", "/api/campaigns", json=body)
    async with aiohttp.ClientSession() as session, session.post(
            shop.base + "/sandbox/api/send",
            json={"user_id": "Udemo02", "name": "阿明", "text": f"{cookies['code']} A+1"}) as resp:
        assert resp.status == 201
    for _ in range(150):
        status, found = await shop.api("GET", "/api/lookup?q=0922111333")
        if status == 200 and found["members"] and len(found["members"][0]["orders"]) == 2:
            break
        await asyncio.sleep(0.1)
    daifuku, biscuits = sorted(found["members"][0]["orders"], key=lambda o: -o["total"])
    await shop.api("POST", f"/api/orders/{daifuku['number']}/payments", json={"method": "cash", "amount": 500})
    b_line = next(line for line in daifuku["lines"] if line["label"] == "B")
    status, _ = await shop.api("PATCH", f"/api/orders/{daifuku['number']}/lines/{b_line['id']}", json={"qty": 1})
    assert status == 200  # one 抹茶 taken back after it was paid: 130 of credit
    page, watch = await counter(browser, shop, MANAGER)

    await search(page, "1333")
    await page.locator(f'.order[data-number="{daifuku["number"]}"]').click()

    await expect(page.locator("#due-box")).to_contain_text("溢收")
    await expect(page.locator("#credit-to option")).to_have_count(1)
    await page.fill("#refund-reason", "抵餅乾那筆")
    await page.click("#credit-move-button")

    await expect(page.locator("#toast")).to_have_text(f"已將 NT$120 移到訂單 #{biscuits['number']}")
    await expect(page.locator("#panel-balance")).to_have_text("NT$10")  # what is left to give back
    status, now = await shop.api("GET", f"/api/orders/{biscuits['number']}")
    assert now["balance"] == 0 and now["payments"][-1]["method"] == "credit"
    await done(page, watch)
