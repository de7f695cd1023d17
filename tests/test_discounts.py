"""Discounts and 抹零 at the counter, a line voided with why, any order found again, and the
daily report netting refunds — through the API, each refusal leaving nothing written."""
from __future__ import annotations

from datetime import date

import pytest

from commerce.campaigns import ItemSpec
from commerce.commands import NewPayment
from commerce.db import utcnow
from commerce.members import bind_phone, upsert_member
from commerce.models import AuditEntry, Discount
from commerce.ordering import Wanted, reserve
from commerce.payments import record_payment
from tests.api_helpers import assert_error, bearer
from tests.factories import a_campaign


@pytest.fixture
async def order(client) -> int:
    """小美's order of A×2 at 617 each: 1,234 due."""
    campaign = await a_campaign(utcnow(), ItemSpec(label="A", name="原味", price=617, stock=None))
    buyer = await upsert_member("Umei", "小美")
    await bind_phone(buyer.id, "0912345678")
    return (await reserve(campaign_id=campaign.id, member_id=buyer.id, wanted=[Wanted("A", 2)],
                          now=utcnow())).order_id


async def test_a_cashier_lets_the_odd_dollars_go_and_the_balance_follows(client, order):
    resp = await client.post(f"/api/orders/{order}/discounts", json={"amount": 4, "kind": "rounding",
                                                                      "reason": "抹零"}, headers=await bearer("cashier"))

    body = await resp.json()
    assert resp.status == 201
    assert (body["discount"]["amount"], body["discount"]["kind"], body["discount"]["actor"][:6]) == (4, "rounding",
                                                                                                    "token:")
    assert (body["order"]["discount"], body["order"]["total"], body["order"]["balance"]) == (4, 1230, 1230)


async def test_more_than_a_cashiers_limit_is_a_managers_and_nothing_is_written(client, order):
    cashier, manager = await bearer("cashier"), await bearer("manager")
    await client.post(f"/api/orders/{order}/discounts", json={"amount": 4, "reason": "抹零"}, headers=cashier)

    over = await client.post(f"/api/orders/{order}/discounts", json={"amount": 7, "reason": "老客人"}, headers=cashier)
    by_manager = await client.post(f"/api/orders/{order}/discounts", json={"amount": 230, "reason": "老客人"},
                                   headers=manager)

    assert over.status == 403
    assert_error(await over.json(), "forbidden", "amount")
    assert by_manager.status == 201 and (await by_manager.json())["order"]["balance"] == 1000
    assert await Discount.all().count() == 2


@pytest.mark.parametrize("body,status,code,field", [
    ({"amount": 1235, "reason": "x"}, 409, "discount_too_large", "amount"),
    ({"amount": 0, "reason": "x"}, 400, "invalid", "amount"),
    ({"amount": 5}, 400, "invalid", "reason"),
    ({"amount": 5, "reason": "   "}, 400, "invalid", "reason"),
    ({"amount": 5, "reason": "x", "kind": "gift"}, 400, "invalid", "kind"),
])
async def test_a_bad_discount_is_refused_naming_the_field(client, order, body, status, code, field):
    resp = await client.post(f"/api/orders/{order}/discounts", json=body, headers=await bearer("manager"))

    assert resp.status == status
    assert_error(await resp.json(), code, field)
    assert await Discount.all().count() == 0


async def test_a_discount_never_takes_back_what_was_paid(client, order):
    await record_payment(order, NewPayment(method="cash", amount=1000), actor="mei", now=utcnow())

    resp = await client.post(f"/api/orders/{order}/discounts", json={"amount": 300, "reason": "x"},
                             headers=await bearer("manager"))

    assert resp.status == 409
    assert_error(await resp.json(), "discount_too_large", "amount")
    assert (await resp.json())["error"]["balance"] == 234 and await Discount.all().count() == 0


async def test_a_manager_voids_a_discount_with_why_and_it_stays_on_record(client, order):
    given = await (await client.post(f"/api/orders/{order}/discounts", json={"amount": 4, "reason": "抹零"},
                                     headers=await bearer("cashier"))).json()
    path = f"/api/discounts/{given['discount']['id']}/void"

    by_cashier = await client.post(path, json={"reason": "oops"}, headers=await bearer("cashier"))
    voided = await client.post(path, json={"reason": "oops"}, headers=await bearer("manager"))
    again = await client.post(path, json={"reason": "oops"}, headers=await bearer("manager"))

    assert by_cashier.status == 403 and again.status == 409
    body = await voided.json()
    assert voided.status == 200 and body["discount"]["status"] == "void" and body["order"]["balance"] == 1234
    assert [d["status"] for d in body["order"]["discounts"]] == ["void"]
    assert (await AuditEntry.get(action="discount_voided")).detail == "oops"


async def test_a_handed_over_order_takes_no_discount(client, order):
    await record_payment(order, NewPayment(method="cash", amount=1234), actor="mei", now=utcnow())
    await client.post(f"/api/orders/{order}/handover", headers=await bearer("cashier"))

    resp = await client.post(f"/api/orders/{order}/discounts", json={"amount": 4, "reason": "x"},
                             headers=await bearer("manager"))

    assert resp.status == 409 and await Discount.all().count() == 0


async def test_a_line_is_voided_with_why_and_voiding_what_is_paid_is_a_managers(client, order):
    line = (await (await client.get(f"/api/orders/{order}", headers=await bearer("cashier"))).json())["lines"][0]
    path = f"/api/orders/{order}/lines/{line['id']}/void"
    await record_payment(order, NewPayment(method="cash", amount=617), actor="mei", now=utcnow())

    by_cashier = await client.post(path, json={"reason": "客人不要了"}, headers=await bearer("cashier"))
    by_manager = await client.post(path, json={"reason": "客人不要了"}, headers=await bearer("manager"))

    assert by_cashier.status == 403
    body = await by_manager.json()
    assert by_manager.status == 200 and body["lines"][0]["status"] == "cancelled" and body["balance"] == -617
    (entry,) = await AuditEntry.filter(action="line_changed")
    assert entry.subject_id == line["id"] and entry.detail == "qty 2 → 0: 客人不要了"


async def test_any_order_is_found_again_past_ones_too(client, order):
    await record_payment(order, NewPayment(method="cash", amount=1234), actor="mei", now=utcnow())
    cashier = await bearer("cashier")
    await client.post(f"/api/orders/{order}/handover", headers=cashier)
    sale = await (await client.post("/api/sales", json={"lines": [{"item_id": 1}], "payments": [
        {"method": "cash", "amount": 617}]}, headers=cashier)).json()

    by_phone = await (await client.get("/api/orders", params={"q": "678", "status": "picked_up"},
                                       headers=cashier)).json()
    still_open = await (await client.get("/api/orders", params={"q": "0912345678", "status": "open"},
                                         headers=cashier)).json()
    latest = await (await client.get("/api/orders", headers=cashier)).json()
    bad = await client.get("/api/orders", params={"status": "lost"}, headers=cashier)

    assert [o["number"] for o in by_phone["orders"]] == [str(order)] and still_open["orders"] == []
    assert [o["number"] for o in latest["orders"]] == [sale["number"], str(order)]  # newest first
    assert bad.status == 400
    assert_error(await bad.json(), "invalid", "status")


async def test_the_daily_report_nets_refunds_and_shows_them_and_the_discounts(client, order):
    manager = await bearer("manager")
    await client.post(f"/api/orders/{order}/discounts", json={"amount": 34, "reason": "老客人"}, headers=manager)
    await client.post(f"/api/orders/{order}/payments", json={"method": "cash", "amount": 1200}, headers=manager)
    await client.post(f"/api/orders/{order}/refunds", json={"method": "cash", "amount": 200, "reason": "少一盒"},
                      headers=manager)
    today = utcnow().astimezone(__import__("zoneinfo").ZoneInfo("Asia/Taipei")).date()

    report = await (await client.get("/api/reports/daily", params={"date": today.isoformat()},
                                     headers=manager)).json()

    assert report["takings"] == {"total": 1000, "by_method": {"cash": 1000}}
    assert report["refunds"] == {"total": 200, "by_method": {"cash": 200}} and report["discounts"] == 34
    assert isinstance(date.fromisoformat(report["date"]), date)


async def test_a_walk_in_sale_takes_a_custom_amount_beside_an_item_and_its_receipt_names_it(client, order):
    cashier = await bearer("cashier")
    body = {"lines": [{"item_id": 1, "qty": 1}, {"name": "禮盒包裝", "price": "50", "qty": 2},
                      {"name": "<b>提袋</b>", "price": 5}],
            "payments": [{"method": "cash", "amount": 617 + 100 + 5, "tendered": 1000}]}

    resp = await client.post("/api/sales", json=body, headers=cashier)

    sale = await resp.json()
    assert resp.status == 201 and sale["total"] == 722 and sale["balance"] == 0
    assert [(l["item_id"], l["label"], l["name"], l["qty"], l["source"]) for l in sale["lines"]] == [
        (1, "A", "原味", 1, "walkin"), (None, "", "禮盒包裝", 2, "custom"), (None, "", "<b>提袋</b>", 1, "custom")]
    from devices.receipt_data import receipt_for_order

    receipt = await receipt_for_order(int(sale["number"]), shop_name="小王商店", shop_address="", zone="Asia/Taipei",
                                      locale="zh-TW", now=utcnow())
    assert [(l.label, l.name, l.qty, l.line_total) for l in receipt.lines] == [
        ("A", "原味", 1, 617), ("", "禮盒包裝", 2, 100), ("", "<b>提袋</b>", 1, 5)]
    today = utcnow().astimezone(__import__("zoneinfo").ZoneInfo("Asia/Taipei")).date()
    report = await (await client.get("/api/reports/daily", params={"date": today.isoformat()},
                                     headers=await bearer("manager"))).json()
    assert {(i["name"], i["amount"]) for i in report["by_item"]} >= {("禮盒包裝", 100), ("<b>提袋</b>", 5)}


@pytest.mark.parametrize("line,field", [
    ({"name": "包裝"}, "lines[0].price"), ({"price": 50}, "lines[0].name"),
    ({"item_id": 1, "name": "x", "price": 5}, "lines[0].name"), ({"name": " ", "price": 5}, "lines[0].name"),
    ({"name": "x", "price": 0}, "lines[0].price"), ({}, "lines[0].barcode"),
])
async def test_a_bad_custom_line_is_refused_naming_the_field_and_sells_nothing(client, order, line, field):
    from commerce.models import Order

    before = await Order.all().count()
    resp = await client.post("/api/sales", json={"lines": [line], "payments": [{"method": "cash", "amount": 5}]},
                             headers=await bearer("cashier"))

    assert resp.status == 400
    assert_error(await resp.json(), "invalid", field)
    assert await Order.all().count() == before
