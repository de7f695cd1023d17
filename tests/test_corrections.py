"""Counter corrections through the API: a mistaken tap removed, a quantity lowered; the
stock comes back to the earliest waitlisted buyer; a cashier corrects only before money."""
from __future__ import annotations

import pytest

from commerce.campaigns import ItemSpec
from commerce.commands import NewPayment
from commerce.db import utcnow
from commerce.members import upsert_member
from commerce.models import Item, Notification, OrderLine, StockMovement
from commerce.ordering import Wanted, reserve
from commerce.payments import record_payment
from tests.api_helpers import assert_error, bearer
from tests.factories import a_campaign


@pytest.fixture
async def shop(client):
    """A buyer with A×2 (the last two units) and a waitlisted buyer behind her."""
    now = utcnow()
    campaign = await a_campaign(now, ItemSpec(label="A", name="原味", price=120, stock=2, barcode="471A"))
    amy, bob = await upsert_member("Uamy", "Amy"), await upsert_member("Ubob", "Bob")
    first = await reserve(campaign_id=campaign.id, member_id=amy.id, wanted=[Wanted("A", 2)], now=now)
    later = await reserve(campaign_id=campaign.id, member_id=bob.id, wanted=[Wanted("A", 1)], now=now)
    return {"order": first.order_id, "line": first.lines[0].line_id, "waiting": later.order_id}


async def test_four_taps_on_an_add_on_are_taken_back_to_one_and_the_stock_returns(client, shop):
    cashier = await bearer("cashier")
    item = await Item.get(label="A")
    await Item.filter(id=item.id).update(cap=10)  # the supplier's delivery: room for add-ons
    for _ in range(4):
        await client.post(f"/api/orders/{shop['order']}/lines", json={"barcode": "471A"}, headers=cashier)
    taps = await OrderLine.filter(order_id=shop["order"], source="addon").order_by("id")

    removed = [await client.patch(f"/api/orders/{shop['order']}/lines/{t.id}", json={"qty": 0}, headers=cashier)
               for t in taps[1:]]

    order = await removed[-1].json()
    assert [r.status for r in removed] == [200, 200, 200]
    assert [(line["qty"], line["status"]) for line in order["lines"] if line["source"] == "addon"] == [
        (1, "reserved"), (1, "cancelled"), (1, "cancelled"), (1, "cancelled")]  # nothing deleted
    assert order["total"] == 3 * 120 and (await Item.get(id=item.id)).sold == 4  # 2 + 1 add-on + Bob's 1


async def test_lowering_a_line_gives_the_freed_unit_to_the_waitlisted_buyer(client, shop):
    resp = await client.patch(f"/api/orders/{shop['order']}/lines/{shop['line']}", json={"qty": 1},
                              headers=await bearer("cashier"))

    order = await resp.json()
    assert resp.status == 200 and [(l["qty"], l["status"]) for l in order["lines"]] == [(1, "reserved")]
    waiting = await OrderLine.get(order_id=shop["waiting"])
    assert waiting.status == "reserved"  # Bob was next in line
    assert await Notification.filter(template="waitlist_promoted").count() == 1
    movement = await StockMovement.filter(line_id=shop["line"]).order_by("-id").first()
    assert (movement.delta, movement.actor.startswith("token:")) == (-1, True)  # who did it, on the ledger


async def test_a_cashier_takes_back_only_what_is_not_paid_for_and_a_manager_the_rest(client, shop):
    path = f"/api/orders/{shop['order']}/lines/{shop['line']}"
    await record_payment(shop["order"], NewPayment(method="cash", amount=120), actor="mei", now=utcnow())

    unpaid_unit = await client.patch(path, json={"qty": 1}, headers=await bearer("cashier"))  # 120 paid, 120 left
    paid_unit = await client.patch(path, json={"qty": 0}, headers=await bearer("cashier"))  # would refund 120
    by_manager = await client.patch(path, json={"qty": 0}, headers=await bearer("manager"))

    assert unpaid_unit.status == 200 and (await unpaid_unit.json())["balance"] == 0
    assert paid_unit.status == 403
    assert_error(await paid_unit.json(), "forbidden")
    assert by_manager.status == 200 and (await by_manager.json())["balance"] == -120  # owed back to her


@pytest.mark.parametrize("body,status,code,field", [
    ({"qty": 2}, 400, "invalid", "qty"), ({"qty": -1}, 400, "invalid", "qty"), ({}, 400, "invalid", "qty"),
    ({"qty": 0, "why": "x"}, 400, "invalid", "why"),
])
async def test_a_bad_correction_is_refused_naming_the_field_and_changes_nothing(client, shop, body, status, code,
                                                                              field):
    resp = await client.patch(f"/api/orders/{shop['order']}/lines/{shop['line']}", json=body,
                              headers=await bearer("cashier"))

    assert resp.status == status
    assert_error(await resp.json(), code, field)
    assert [(l.qty, l.status) for l in await OrderLine.filter(order_id=shop["order"])] == [(2, "reserved")]


async def test_a_line_of_another_order_or_a_handed_over_order_cannot_be_corrected(client, shop):
    cashier = await bearer("cashier")
    other = await client.patch(f"/api/orders/{shop['waiting']}/lines/{shop['line']}", json={"qty": 0},
                               headers=cashier)
    await record_payment(shop["order"], NewPayment(method="cash", amount=240), actor="mei", now=utcnow())
    await client.post(f"/api/orders/{shop['order']}/handover", headers=cashier)
    handed = await client.patch(f"/api/orders/{shop['order']}/lines/{shop['line']}", json={"qty": 0},
                                headers=await bearer("manager"))

    assert other.status == 404 and handed.status == 409
    assert_error(await handed.json(), "invalid_state")


async def test_a_manager_refunds_with_a_reason_and_the_days_takings_net_it(client, shop):
    await record_payment(shop["order"], NewPayment(method="cash", amount=240), actor="mei", now=utcnow())
    manager = await bearer("manager")
    path = f"/api/orders/{shop['order']}/refunds"

    by_cashier = await client.post(path, json={"method": "cash", "amount": 120, "reason": "壞了一盒"},
                                   headers=await bearer("cashier"))
    too_much = await client.post(path, json={"method": "cash", "amount": 241, "reason": "x"}, headers=manager)
    no_reason = await client.post(path, json={"method": "cash", "amount": 120}, headers=manager)
    given = await client.post(path, json={"method": "cash", "amount": 120, "reason": "壞了一盒"}, headers=manager)
    report = await (await client.get("/api/reports/daily", headers=manager)).json()

    assert (by_cashier.status, too_much.status, no_reason.status, given.status) == (403, 409, 400, 201)
    assert_error(await too_much.json(), "refund_too_large", "amount")
    assert_error(await no_reason.json(), "invalid", "reason")
    body = await given.json()
    assert (body["payment"]["amount"], body["order"]["paid"], body["order"]["balance"]) == (-120, 120, 120)
    assert report["takings"]["by_method"]["cash"] == 120  # 240 taken, 120 given back


async def test_a_payment_taken_by_mistake_is_voided_by_a_manager_with_why_and_stays_on_record(client, shop):
    taken = await record_payment(shop["order"], NewPayment(method="card", amount=240), actor="mei", now=utcnow())

    by_cashier = await client.post(f"/api/payments/{taken.id}/void", json={"reason": "應該是現金"},
                                   headers=await bearer("cashier"))
    voided = await client.post(f"/api/payments/{taken.id}/void", json={"reason": "應該是現金"},
                               headers=await bearer("manager"))

    body = await voided.json()
    assert (by_cashier.status, voided.status) == (403, 200)
    assert (body["payment"]["status"], body["order"]["paid"], body["order"]["balance"]) == ("void", 0, 240)
    assert [p["status"] for p in body["order"]["payments"]] == ["void"]  # nothing deleted
