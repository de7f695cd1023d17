"""A manager runs a campaign from its own page (#18), in a real headless Chromium against the
real server process, on the backend under test (SQLite, or PostgreSQL when
PLUSONE_TEST_POSTGRES_URL is set).

The shop is built with the services in this process (tests/factories.py) on a fresh migrated
database, then `plusone serve` runs on that database; what the page did is read back from it.
Times come from the real clock (the server reads it), so nothing here depends on today's date.
"""
from __future__ import annotations

import pathlib
from datetime import timedelta

import pytest
from playwright.async_api import Page, expect

from commerce.campaigns import ItemSpec
from commerce.commands import NewPayment
from commerce.members import upsert_member
from commerce.models import Campaign, Item, LineGroup, OrderLine
from commerce.ordering import Wanted, reserve
from commerce.payments import record_payment
from tests.browser import Watch, needs_chromium, new_page, plusone_cli, serve_app
from tests.factories import a_campaign

pytestmark = needs_chromium

OUT = pathlib.Path(__file__).resolve().parent / "output"
PASSWORD = "manager-pass-1"
EVIL = "<b>x</b>"


@pytest.fixture
async def shop(tmp_path, db, live_now):
    """草莓大福 (A 原味 at 120, 2 in stock) in two groups, one of 25 members and one of unknown
    size: EVIL took both units and paid 240 in cash; Bob, a second later, is waitlisted for one."""
    campaign = await a_campaign(live_now, ItemSpec(label="A", name="原味", price=120, stock=2),
                                groups=("Cgroup1", "Cgroup2"))
    await LineGroup.filter(line_group_id="Cgroup1").update(member_count=25)
    evil, bob = await upsert_member("Uevil", EVIL), await upsert_member("Ubob", "Bob")
    first = await reserve(campaign_id=campaign.id, member_id=evil.id, wanted=[Wanted("A", 2)], now=live_now)
    await record_payment(first.order_id, NewPayment(method="cash", amount=240), actor="t", now=live_now)
    waiting = await reserve(campaign_id=campaign.id, member_id=bob.id, wanted=[Wanted("A", 1)],
                            now=live_now + timedelta(seconds=1))
    assert [line.status for line in waiting.lines] == ["waitlisted"]
    await plusone_cli("staff", "add", "mgr1", "--role", "manager", "--password-stdin", db=db, stdin=PASSWORD + "\n")
    async with serve_app(tmp_path, env={"PLUSONE_DATABASE_URL": db}, demo=False) as base:
        yield {"base": base, "campaign": campaign, "evil": evil, "paid_order": first.order_id,
               "bob_line": waiting.lines[0].line_id}


async def campaign_page(browser, shop) -> tuple[Page, Watch]:
    path = f"/manager/campaigns/{shop['campaign'].id}"
    page, watch = await new_page(browser)
    await page.goto(f"{shop['base']}/login?next={path}")
    await page.fill("#username", "mgr1")
    await page.fill("#password", PASSWORD)
    await page.click("button[type=submit]")
    await page.wait_for_url(f"{shop['base']}{path}")
    return page, watch


def figures(page: Page, label: str):
    row = page.locator("#items tr.item").filter(has=page.locator('[data-role="label"]', has_text=label))
    return {role: row.locator(f'[data-role="{role}"]') for role in ("stock", "sold", "left", "waitlisted", "price", "name")}


async def expect_figures(page: Page, label: str, stock: str, sold: str, left: str, waitlisted: str) -> None:
    cells = figures(page, label)
    for role, value in (("stock", stock), ("sold", sold), ("left", left), ("waitlisted", waitlisted)):
        await expect(cells[role]).to_have_text(value)


async def done(page: Page, watch: Watch) -> None:
    await page.context.close()
    assert watch.errors == [] and watch.dialogs == []


async def test_a_stock_raise_reserves_the_waitlisted_buyer_and_a_cut_waitlists_the_newest(browser, shop):
    page, watch = await campaign_page(browser, shop)
    await expect_figures(page, "A", stock="2", sold="2", left="0", waitlisted="1")
    row = page.locator("#items tr.item").first
    edit = page.locator("#items tr.item-edit").first

    # when the manager raises A's stock to 3
    await row.locator('[data-action="edit-item"]').click()
    await expect(edit.locator('[name="name"]')).to_be_focused()
    await expect(edit).to_contain_text("新價格只適用於之後的訂單")
    await edit.locator('[name="stock"]').fill("3")
    await edit.locator("button[type=submit]").click()

    # then Bob's waitlisted unit is reserved, on the page and in the database
    await expect_figures(page, "A", stock="3", sold="3", left="0", waitlisted="0")
    await expect(page.locator("#toast")).to_contain_text("1 份候補改為保留")
    await expect(edit).to_be_hidden()
    await expect(page.locator("#orders-changed")).to_be_visible()
    assert (await OrderLine.get(id=shop["bob_line"])).status == "reserved"
    item = await Item.get(campaign_id=shop["campaign"].id, label="A")
    assert (item.cap, item.sold) == (3, 3)

    # when the stock is cut to 2, below the 3 sold
    await row.locator('[data-action="edit-item"]').click()
    await expect(edit.locator('[name="stock"]')).to_have_value("3")
    await edit.locator('[name="stock"]').fill("2")
    await edit.locator("button[type=submit]").click()

    # then the newest buyer (Bob) waits again and the first keeps both units
    await expect_figures(page, "A", stock="2", sold="2", left="0", waitlisted="1")
    await expect(page.locator("#toast")).to_contain_text("1 份改為候補，買家會收到通知")
    assert (await OrderLine.get(id=shop["bob_line"])).status == "waitlisted"
    kept = await OrderLine.filter(order_id=shop["paid_order"]).values_list("qty", "status")
    assert kept == [(2, "reserved")]
    item = await Item.get(id=item.id)
    assert (item.cap, item.sold) == (2, 2)

    # "no cap" gives Bob the unit again; the price and name change for what comes next
    await row.locator('[data-action="edit-item"]').click()
    await edit.locator('[name="uncapped"]').check()
    await expect(edit.locator('[name="stock"]')).to_be_disabled()
    await edit.locator('[name="price"]').fill("150")
    await edit.locator('[name="name"]').fill("原味大福")
    await edit.locator("button[type=submit]").click()
    await expect_figures(page, "A", stock="不限", sold="3", left="—", waitlisted="0")
    await expect(figures(page, "A")["price"]).to_have_text("NT$150")
    await expect(figures(page, "A")["name"]).to_have_text("原味大福")
    item = await Item.get(id=item.id)
    assert (item.cap, item.sold, item.price, item.name) == (None, 3, 150, "原味大福")
    assert (await OrderLine.get(id=shop["bob_line"])).unit_price == 120  # Bob keeps the price he said +1 to

    # a new item, stock left blank (no cap), appears in the table with its own edit button
    await page.click("#add-item summary")
    form = page.locator("#add-item-form")
    await expect(form.locator('[name="label"]')).to_have_value("B")
    await form.locator('[name="name"]').fill("抹茶")
    await form.locator('[name="price"]').fill("130")
    await form.locator("button[type=submit]").click()
    await expect(page.locator("#items tr.item")).to_have_count(2)
    await expect_figures(page, "B", stock="不限", sold="0", left="—", waitlisted="0")
    await expect(form.locator('[name="label"]')).to_have_value("C")
    added = await Item.get(campaign_id=shop["campaign"].id, label="B")
    assert (added.name, added.price, added.cap) == ("抹茶", 130, None)
    new_row = page.locator("#items tr.item").nth(1)
    await row.locator('[data-action="edit-item"]').click()
    await new_row.locator('[data-action="edit-item"]').click()  # one edit form at a time: A's closes
    await expect(page.locator("#items tr.item-edit")).to_have_count(1)
    await expect(edit.locator('[name="name"]')).to_have_value("抹茶")
    await expect(edit.locator('[name="uncapped"]')).to_be_checked()
    await edit.locator('[data-action="edit-item-cancel"]').click()
    await expect(page.locator("#items tr.item-edit")).to_have_count(0)

    # the title and a two-line note are saved and shown
    await page.click("#edit-campaign summary")
    await page.fill('#campaign-form [name="title"]', "草莓大福 第二批")
    await page.fill('#campaign-form [name="note"]', "週六下午到貨\n請帶保冷袋")
    await page.click("#campaign-form button[type=submit]")
    await expect(page.locator('#campaign-head [data-role="title"]')).to_have_text("草莓大福 第二批")
    await expect(page.locator('#campaign [data-role="note"]')).to_have_text("週六下午到貨\n請帶保冷袋")
    saved = await Campaign.get(id=shop["campaign"].id)
    assert (saved.title, saved.note) == ("草莓大福 第二批", "週六下午到貨\n請帶保冷袋")
    await done(page, watch)


async def test_a_manager_cancels_with_a_reason_sees_the_push_cost_and_whom_to_refund(browser, shop):
    page, watch = await campaign_page(browser, shop)
    await page.click("#cancel-campaign summary")
    form = page.locator("#cancel-form")
    confirm = form.locator(".confirm-cancel")

    # by reply (the default) it is free; by push it costs the known groups' members
    await form.locator('[name="reason"]').fill("廠商缺貨，下次再開")
    await form.locator("button[type=submit]").click()
    await expect(confirm).to_be_visible()
    await expect(confirm.locator('[data-role="ask"]')).to_have_text("確定取消「草莓大福」？")
    await expect(confirm.locator('[data-role="told"]')).to_have_text("2 個群組會在下次有人發言時，由機器人回覆告知（免費）。")
    await form.locator('[name="notify"][value="push"]').check()
    await expect(confirm.locator('[data-role="told"]')).to_have_text("現在推播告知 2 個群組，約計費 25 則。")
    await expect(confirm.locator('[data-role="unknown"]')).to_have_text("其中 1 個群組的人數還不知道，實際計費可能更多。")
    # going back changes nothing
    await confirm.locator('[data-action="cancel-back"]').click()
    await expect(confirm).to_be_hidden()
    assert (await Campaign.get(id=shop["campaign"].id)).status == "open"

    # when the manager confirms
    await form.locator("button[type=submit]").click()
    await expect(confirm.locator('[data-role="told"]')).to_contain_text("約計費 25 則")
    OUT.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(OUT / "campaign_cancel.png"), full_page=True)
    await confirm.locator('[data-action="cancel-confirm"]').click()

    # then the buyer who paid is listed to refund, the name shown as text, not markup
    refunds = page.locator("#refunds")
    await expect(refunds).to_be_visible()
    rows = refunds.locator("tbody tr")
    await expect(rows).to_have_count(1)
    buyer = rows.locator("td.buyer")
    await expect(buyer).to_have_text(EVIL)
    await expect(buyer.locator("b")).to_have_count(0)
    await expect(buyer.locator("a")).to_have_attribute("href", f"/manager/members/{shop['evil'].id}")
    number = str(shop["paid_order"])
    await expect(rows.locator("td").first.locator("a")).to_have_attribute("href", f"/counter?q={number}&order={number}")
    await expect(rows.locator("td").first).to_have_text(f"#{number}")
    await expect(rows.locator("td.num")).to_have_text("NT$240")
    await expect(refunds.locator('[data-role="refund-total"]')).to_have_text("NT$240")
    await expect(page.locator('#campaign-head [data-role="status"]')).to_have_text("已取消")
    await expect(page.locator('#campaign [data-role="cancel-reason"]')).to_have_text("廠商缺貨，下次再開")
    await expect(page.locator("#cancel-campaign, #edit-campaign, #add-item, [data-action='edit-item']")).to_have_count(0)
    await expect_figures(page, "A", stock="2", sold="0", left="2", waitlisted="0")
    campaign = await Campaign.get(id=shop["campaign"].id)
    assert (campaign.status, campaign.cancel_reason) == ("cancelled", "廠商缺貨，下次再開")
    assert await OrderLine.filter(order__campaign_id=campaign.id).exclude(status="cancelled").count() == 0

    await expect(page.locator("#toast")).to_be_hidden(timeout=6000)
    await page.screenshot(path=str(OUT / "campaign_refunds.png"), full_page=True)

    # a reload shows the campaign cancelled, with its reason, and nothing left to edit
    await page.reload()
    await expect(page.locator('#campaign [data-role="cancel-reason"]')).to_have_text("廠商缺貨，下次再開")
    await expect(page.locator("#cancel-campaign, #edit-campaign, [data-action='edit-item']")).to_have_count(0)
    await done(page, watch)


async def test_an_empty_reason_a_bad_price_and_an_empty_title_are_refused_next_to_the_field(browser, shop):
    page, watch = await campaign_page(browser, shop)

    # an empty reason: said next to it, no confirm, nothing cancelled
    await page.click("#cancel-campaign summary")
    form = page.locator("#cancel-form")
    await form.locator('[name="reason"]').fill("   ")
    await form.locator("button[type=submit]").click()
    await expect(form.locator('[name="reason"] + .field-error')).to_have_text("請寫下取消原因（最多 500 字）")
    await expect(form.locator('[name="reason"]')).to_have_attribute("aria-invalid", "true")
    await expect(form.locator(".confirm-cancel")).to_be_hidden()

    # a bad price, then a negative one, each refused by the API and said next to the price
    await page.locator("#items tr.item").first.locator('[data-action="edit-item"]').click()
    edit = page.locator("#items tr.item-edit").first
    for typed in ("九十", "-5"):
        await edit.locator('[name="price"]').fill(typed)
        await edit.locator("button[type=submit]").click()
        await expect(edit.locator('[name="price"] + .field-error')).to_have_text("價格是 0 以上的整數")
        await expect(edit.locator(".field-error")).to_have_count(1)
    await expect(figures(page, "A")["price"]).to_have_text("NT$120")

    # a stock cap with no number is refused before it is sent
    await edit.locator('[name="price"]').fill("120")
    await edit.locator('[name="stock"]').fill("")
    await edit.locator("button[type=submit]").click()
    await expect(edit.locator('[name="stock"] + .field-error')).to_have_text("庫存是 0 以上的整數，留空表示不限")

    # an empty title: the API's refusal, next to the title
    await page.click("#edit-campaign summary")
    await page.fill('#campaign-form [name="title"]', "")
    await page.click("#campaign-form button[type=submit]")
    await expect(page.locator('#campaign-form [name="title"] + .field-error')).to_have_text("請填寫活動名稱（最多 200 字）")

    # a label already taken: next to the label
    await page.click("#add-item summary")
    add = page.locator("#add-item-form")
    await add.locator('[name="label"]').fill("a")
    await add.locator('[name="name"]').fill("重複")
    await add.locator('[name="price"]').fill("10")
    await add.locator("button[type=submit]").click()
    await expect(add.locator('[name="label"] + .field-error')).to_have_text("代號是 1–8 個英文字母或數字，且不可重複")

    # and nothing changed
    campaign = await Campaign.get(id=shop["campaign"].id)
    assert (campaign.status, campaign.title, campaign.cancel_reason) == ("open", "草莓大福", "")
    items = await Item.filter(campaign_id=campaign.id).values_list("label", "name", "price", "cap", "sold")
    assert items == [("A", "原味", 120, 2, 2)]
    assert (await OrderLine.get(id=shop["bob_line"])).status == "waitlisted"
    await done(page, watch)
