"""One checkout for several orders of one buyer, a transfer split over a buyer's orders, and
credit moved between them — through the API, on the real services and database."""
from __future__ import annotations

import asyncio

import pytest

from commerce.campaigns import ItemSpec
from commerce.commands import NewPayment
from commerce.db import utcnow
from commerce.members import upsert_member
from commerce.models import Checkout, Handover, Order, Payment, PrintJob
from commerce.ordering import Wanted, reserve
from commerce.payments import record_payment, report_transfer
from plusone.app import create_app
from plusone.settings import Settings
from tests.api_helpers import assert_error, bearer
from tests.factories import a_campaign
from tests.receipts import printed_lines


@pytest.fixture
async def shop(client):
    """Amy has two open orders (大福 A×3 = 360, 餅乾 C×2 = 140); Bob has one (大福 A×1 = 120)."""
    return await _shop()


async def _shop() -> dict:
    now = utcnow()
    daifuku = await a_campaign(now, ItemSpec(label="A", name="原味", price=120, stock=50), title="草莓大福")
    cookies = await a_campaign(now, ItemSpec(label="C", name="手工餅乾", price=70), title="餅乾", groups=("Cgroup2",))
    amy, bob = await upsert_member("Uamy", "Amy"), await upsert_member("Ubob", "Bob")
    first = await reserve(campaign_id=daifuku.id, member_id=amy.id, wanted=[Wanted("A", 3)], now=now)
    second = await reserve(campaign_id=cookies.id, member_id=amy.id, wanted=[Wanted("C", 2)], now=now)
    bobs = await reserve(campaign_id=daifuku.id, member_id=bob.id, wanted=[Wanted("A", 1)], now=now)
    return {"first": first.order_id, "second": second.order_id, "bob": bobs.order_id}


async def _nothing_written() -> None:
    assert await Payment.all().count() == 0 and await Checkout.all().count() == 0
    assert await Handover.all().count() == 0


async def test_two_orders_of_one_buyer_are_paid_at_once_with_cash_and_handed_over(client, shop):
    body = {"orders": [shop["second"], str(shop["first"])], "hand_over": True,
            "payments": [{"method": "cash", "amount": 500, "tendered": 1000}]}

    resp = await client.post("/api/checkouts", json=body, headers=await bearer("cashier"))

    done = await resp.json()
    assert resp.status == 201, done
    assert done["total"] == 500 and done["change"] == 500
    assert [(o["number"], o["balance"], o["status"]) for o in done["orders"]] == [
        (str(shop["first"]), 0, "picked_up"), (str(shop["second"]), 0, "picked_up")]
    rows = await Payment.all().order_by("id").values_list("order_id", "method", "amount", "checkout_id")
    assert rows == [(shop["first"], "cash", 360, done["id"]), (shop["second"], "cash", 140, done["id"])]
    assert (await client.get(f"/api/checkouts/{done['id']}", headers=await bearer("cashier"))).status == 200


async def test_one_payment_method_per_order_is_not_needed_a_card_and_cash_share_out_in_order(client, shop):
    body = {"orders": [shop["first"], shop["second"]],
            "payments": [{"method": "card", "amount": 400}, {"method": "cash", "amount": 100}]}

    resp = await client.post("/api/checkouts", json=body, headers=await bearer("cashier"))

    assert resp.status == 201
    rows = await Payment.all().order_by("id").values_list("order_id", "method", "amount")
    assert rows == [(shop["first"], "card", 360), (shop["second"], "card", 40), (shop["second"], "cash", 100)]
    assert await Order.filter(status="open").count() == 3  # not handed over unless asked


@pytest.mark.parametrize("case,status,code,field", [
    ("different buyers", 409, "other_buyer", "orders"),
    ("closed order", 409, "invalid_state", "orders[1]"),
    ("too little", 409, "payment_mismatch", "payments"),
    ("too much", 409, "payment_mismatch", "payments"),
    ("unknown order", 404, "not_found", "orders[1]"),
    ("named twice", 400, "invalid", "orders[1]"),
    ("no orders", 400, "invalid", "orders"),
    ("credit method", 400, "invalid", "payments[0].method"),
])
async def test_a_checkout_that_cannot_be_settled_in_full_is_refused_and_writes_nothing(client, shop, case, status,
                                                                                      code, field):
    first, second = shop["first"], shop["second"]
    if case == "closed order":
        await Order.filter(id=second).update(status="cancelled")
    orders = {"different buyers": [first, shop["bob"]], "unknown order": [first, 999999],
              "named twice": [first, f"#{first}"], "no orders": []}.get(case, [first, second])
    amount = {"too little": 499, "too much": 501, "different buyers": 480}.get(case, 500)
    method = "credit" if case == "credit method" else "cash"

    resp = await client.post("/api/checkouts", json={"orders": orders, "payments": [{"method": method,
                                                                                        "amount": amount}]},
                             headers=await bearer("cashier"))

    assert resp.status == status
    assert_error(await resp.json(), code, field)
    await _nothing_written()


async def test_a_retried_checkout_with_its_idempotency_key_is_recorded_once(client, shop):
    headers = await bearer("cashier") | {"Idempotency-Key": "chk-1"}
    body = {"orders": [shop["first"], shop["second"]], "payments": [{"method": "cash", "amount": 500}]}

    answers = [await client.post("/api/checkouts", json=body, headers=headers) for _ in range(2)]

    assert [a.status for a in answers] == [201, 201]
    assert answers[1].headers.get("Idempotent-Replayed") == "true"
    assert await Checkout.all().count() == 1 and await Payment.all().count() == 2


async def test_two_counters_checking_out_the_same_orders_at_once_record_one(client, shop):
    body = {"orders": [shop["second"], shop["first"]], "payments": [{"method": "cash", "amount": 500}]}
    one, two = await bearer("cashier"), await bearer("cashier")

    answers = await asyncio.gather(*(client.post("/api/checkouts", json=body, headers=h) for h in (one, two)))

    assert sorted(a.status for a in answers) == [201, 409]
    refused = next(a for a in answers if a.status == 409)
    assert_error(await refused.json(), "payment_mismatch", "payments")
    assert await Checkout.all().count() == 1
    assert sorted(await Payment.all().values_list("amount", flat=True)) == [140, 360]


async def test_the_checkout_receipt_shows_both_orders_and_one_total(aiohttp_client, db_url, printer):
    client = await aiohttp_client(create_app(Settings(database_url=db_url, printer=f"tcp://127.0.0.1:{printer.port}",
                                                      shop_name="小王商店")))
    shop = await _shop()
    await printer.start()
    cashier = await bearer("cashier")
    done = await (await client.post("/api/checkouts", json={
        "orders": [shop["first"], shop["second"]], "payments": [{"method": "cash", "amount": 500, "tendered": 600}]},
        headers=cashier)).json()

    resp = await client.post(f"/api/checkouts/{done['id']}/receipt", headers=cashier)

    job = await resp.json()
    assert resp.status == 201 and job["status"] == "printed", job
    (sent,) = await printer.received(1)
    lines = printed_lines(sent)
    text = "\n".join(lines)
    assert f"#{shop['first']} 草莓大福" in lines and f"#{shop['second']} 餅乾" in lines
    assert "原味" in text and "手工餅乾" in text
    assert "本單小計 $360" in lines and "本單小計 $140" in lines
    assert [line for line in lines if line.startswith("合計")] == ["合計 $500"]  # one total
    assert lines.index("本單小計 $140") < lines.index("合計 $500") < lines.index("現金 $500")
    assert "實收 $600" in lines and "找零 $100" in lines and "已付清" in lines
    again = await (await client.post(f"/api/checkouts/{done['id']}/receipt", headers=cashier)).json()
    assert (await PrintJob.get(id=again["id"])).is_copy  # the second one is a copy


async def test_a_receipt_for_an_unknown_checkout_is_not_found_and_queues_nothing(client):
    resp = await client.post("/api/checkouts/424242/receipt", headers=await bearer("cashier"))

    assert resp.status == 404
    assert_error(await resp.json(), "not_found", "id")
    assert await PrintJob.all().count() == 0


# --- a transfer split over the buyer's orders -----------------------------------------

async def _reported(shop, amount=500) -> Payment:
    return await report_transfer(order_id=shop["first"], last5="12345", amount=amount, actor="Uamy", now=utcnow())


async def test_a_transfer_for_two_orders_is_split_and_the_bank_import_confirms_it_once(client, shop):
    transfer = await _reported(shop)
    manager = await bearer("manager")

    resp = await client.post(f"/api/transfers/{transfer.id}/split", headers=manager, json={
        "orders": [{"number": shop["first"], "amount": 360}, {"number": shop["second"], "amount": 140}]})

    split = await resp.json()
    assert resp.status == 201, split
    assert split["transfer"]["status"] == "split" and split["transfer"]["amount"] == 500  # kept, not deleted
    assert [(p["order_number"], p["amount"], p["status"]) for p in split["parts"]] == [
        (str(shop["first"]), 360, "reported"), (str(shop["second"]), 140, "reported")]
    assert await Payment.filter(parent_id=transfer.id).count() == 2

    day = utcnow().strftime("%Y-%m-%d")
    csv = f"交易日期,存入金額,備註\n{day},500,12345\n".encode()
    imported = await (await client.post("/api/bank-statements", data=csv, headers=manager | {
        "Content-Type": "text/csv"})).json()

    assert len(imported["matched"]) == 1 and imported["matched"][0]["transfer"]["id"] == transfer.id
    for number in (shop["first"], shop["second"]):
        order = await (await client.get(f"/api/orders/{number}", headers=manager)).json()
        assert (order["balance"], order["paid"], order["reported"]) == (0, order["total"], 0)  # counted once
    again = await (await client.post("/api/bank-statements", data=csv, headers=manager | {
        "Content-Type": "text/csv"})).json()
    assert again["duplicates"] == 1 and not again["matched"]
    assert sum(await Payment.filter(status="confirmed").values_list("amount", flat=True)) == 500


async def test_a_confirmed_transfer_paying_two_orders_is_split_as_confirmed(client, shop):
    transfer = await _reported(shop)
    manager = await bearer("manager")
    await client.post(f"/api/transfers/{transfer.id}/confirm", headers=manager)
    assert (await (await client.get(f"/api/orders/{shop['first']}", headers=manager)).json())["balance"] == -140

    resp = await client.post(f"/api/transfers/{transfer.id}/split", headers=manager, json={
        "orders": [{"number": shop["first"], "amount": 360}, {"number": shop["second"], "amount": 140}]})

    assert resp.status == 201
    first = await (await client.get(f"/api/orders/{shop['first']}", headers=manager)).json()
    second = await (await client.get(f"/api/orders/{shop['second']}", headers=manager)).json()
    assert (first["balance"], second["balance"]) == (0, 0)


@pytest.mark.parametrize("case,status,code,field", [
    ("over the balance", 409, "overpayment", "orders[1].amount"),
    ("not the transfer", 409, "payment_mismatch", "orders"),
    ("another buyer", 409, "other_buyer", "orders[1].number"),
    ("a cashier", 403, "forbidden", None),
])
async def test_a_split_that_does_not_fit_is_refused_and_writes_nothing(client, shop, case, status, code, field):
    transfer = await _reported(shop, amount=600 if case == "over the balance" else 500)
    parts = {"over the balance": [360, 240], "not the transfer": [360, 100]}.get(case, [360, 140])
    second = shop["bob"] if case == "another buyer" else shop["second"]

    resp = await client.post(f"/api/transfers/{transfer.id}/split", headers=await bearer(
        "cashier" if case == "a cashier" else "manager"), json={
        "orders": [{"number": shop["first"], "amount": parts[0]}, {"number": second, "amount": parts[1]}]})

    assert resp.status == status
    assert_error(await resp.json(), code, field)
    assert (await Payment.get(id=transfer.id)).status == "reported"
    assert await Payment.all().count() == 1


# --- credit ---------------------------------------------------------------------------

async def _credit_on_first(shop) -> None:
    """Amy reported a transfer of 360, paid cash at pickup, and the bank confirmed the transfer."""
    transfer = await _reported(shop, amount=360)
    await record_payment(shop["first"], NewPayment(method="cash", amount=360), actor="mei", now=utcnow())
    from commerce.payments import confirm_transfer
    await confirm_transfer(transfer.id, actor="bank import", now=utcnow())


async def test_credit_is_moved_to_another_open_order_of_the_buyer_in_two_rows(client, shop):
    await _credit_on_first(shop)

    resp = await client.post(f"/api/orders/{shop['first']}/credit-moves", headers=await bearer("manager"),
                             json={"to": shop["second"], "amount": 140, "reason": "買家說抵下一筆"})

    moved = await resp.json()
    assert resp.status == 201, moved
    assert (moved["source"]["balance"], moved["target"]["balance"]) == (-220, 0)
    rows = await Payment.filter(method="credit").order_by("id").values_list("order_id", "amount", "reason")
    assert [(o, a) for o, a, _ in rows] == [(shop["first"], -140), (shop["second"], 140)]
    assert all("買家說抵下一筆" in why for _, _, why in rows)


@pytest.mark.parametrize("case,status,code,field", [
    ("beyond the credit", 409, "credit_too_large", "amount"),
    ("beyond what it owes", 409, "overpayment", "amount"),
    ("another buyer", 409, "other_buyer", "to"),
    ("the same order", 400, "invalid", "to"),
    ("a cashier", 403, "forbidden", None),
])
async def test_a_credit_move_that_does_not_fit_is_refused_and_writes_nothing(client, shop, case, status, code,
                                                                            field):
    await _credit_on_first(shop)
    before = await Payment.all().count()
    to = {"another buyer": shop["bob"], "the same order": shop["first"]}.get(case, shop["second"])
    amount = {"beyond the credit": 361, "beyond what it owes": 141}.get(case, 100)

    resp = await client.post(f"/api/orders/{shop['first']}/credit-moves", headers=await bearer(
        "cashier" if case == "a cashier" else "manager"), json={"to": to, "amount": amount, "reason": "x"})

    assert resp.status == status
    assert_error(await resp.json(), code, field)
    assert await Payment.all().count() == before


async def test_the_hosts_reconciliation_lists_credit_to_give_back(client, shop):
    from zoneinfo import ZoneInfo

    from bot.messages import _reconciliation
    from commerce.reconciliation import host_reports

    await _credit_on_first(shop)
    reports = await host_reports(utcnow().astimezone(ZoneInfo("Asia/Taipei")).date(), ZoneInfo("Asia/Taipei"))

    (report,) = reports.values()
    daifuku = next(c for c in report["campaigns"] if c["title"] == "草莓大福")
    assert daifuku["credit"]["count"] == 1 and daifuku["credit"]["amount"] == 360
    text = "\n".join(m["text"] for m in _reconciliation({"report": report}, "zh-TW", None, ZoneInfo("Asia/Taipei")))
    assert "溢收待退 1 筆 $360" in text and f"#{shop['first']} Amy $360" in text


async def test_the_transfers_page_offers_the_split_and_lists_credit_with_its_actions(client, shop):
    from tests.api_helpers import signed_in

    await report_transfer(order_id=shop["second"], last5="12345", amount=500, actor="Uamy", now=utcnow())
    await record_payment(shop["bob"], NewPayment(method="cash", amount=120), actor="mei", now=utcnow())
    await client.post(f"/api/orders/{shop['bob']}/lines", json={"item_id": 1, "qty": 1},
                      headers=await bearer("cashier"))
    await Payment.create(order_id=shop["bob"], method="card", amount=240, status="confirmed", actor="mei",
                         created_at=utcnow(), decided_at=utcnow())  # paid 360 on 240: 120 of credit
    await signed_in(client, "manager", page="/manager/transfers")

    html = await (await client.get("/manager/transfers")).text()

    assert 'class="split-form"' in html and 'data-amount="500"' in html
    assert f'data-number="{shop["second"]}" inputmode="numeric" value="140"' in html  # its own order first
    assert f'data-number="{shop["first"]}" inputmode="numeric" value="360"' in html
    assert f'<tr class="credit" data-number="{shop["bob"]}" data-credit="120" data-method="card">' in html
    assert "溢收待處理" in html and "credit.js" in html


async def test_credit_moved_between_orders_is_no_takings_in_the_daily_report(client, shop):
    await _credit_on_first(shop)
    manager = await bearer("manager")
    await client.post(f"/api/orders/{shop['first']}/credit-moves", headers=manager,
                      json={"to": shop["second"], "amount": 140, "reason": "抵下一筆"})

    resp = await client.get("/api/reports/daily", headers=manager)

    report = await resp.json()
    assert resp.status == 200 and report["takings"]["by_method"] == {"cash": 360, "transfer": 360}


async def test_the_nightly_reconciliation_finds_the_parts_of_a_split_transfer_the_bank_shows(client, shop):
    from zoneinfo import ZoneInfo

    from commerce.reconciliation import host_reports

    manager = await bearer("manager")
    day = utcnow().astimezone(ZoneInfo("Asia/Taipei")).strftime("%Y-%m-%d")
    await client.post("/api/bank-statements", data=f"交易日期,存入金額,備註\n{day},500,12345\n".encode(),
                      headers=manager | {"Content-Type": "text/csv"})  # imported before the buyer reports it
    transfer = await _reported(shop)
    await client.post(f"/api/transfers/{transfer.id}/split", headers=manager, json={
        "orders": [{"number": shop["first"], "amount": 360}, {"number": shop["second"], "amount": 140}]})

    reports = await host_reports(utcnow().astimezone(ZoneInfo("Asia/Taipei")).date(), ZoneInfo("Asia/Taipei"))

    (report,) = reports.values()
    assert [c["not_found"]["count"] for c in report["campaigns"]] == [0, 0]
    assert sorted(c["reported"]["amount"] for c in report["campaigns"]) == [140, 360]
