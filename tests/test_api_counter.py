"""The counter and manager API over HTTP against the running app (real database, real middleware)."""
import asyncio
from datetime import timedelta
from zoneinfo import ZoneInfo

import aiohttp
import pytest

from commerce.campaigns import ItemSpec
from commerce.db import utcnow
from commerce.members import bind_phone, upsert_member
from commerce.models import (
    BankStatementLine,
    Handover,
    IdempotencyKey,
    Item,
    Order,
    OrderLine,
    Payment,
    StockMovement,
)
from commerce.ordering import Wanted, reserve
from commerce.commands import NewPayment
from commerce.payments import record_payment, report_transfer
from tests.api_helpers import assert_error, bearer
from tests.factories import a_campaign

TAIPEI = ZoneInfo("Asia/Taipei")


@pytest.fixture
async def shop(client):
    """A buyer (phone 0912-345-678) with an open order of A×2 = 240; A has 1 unit left."""
    now = utcnow()
    campaign = await a_campaign(now, ItemSpec(label="A", name="原味", price=120, stock=3, barcode="471A"),
                                ItemSpec(label="B", name="抹茶", price=130, stock=10, barcode="471B"))
    buyer = await upsert_member("Ubuyer", "小美")
    await bind_phone(buyer.id, "0912-345-678")
    booking = await reserve(campaign_id=campaign.id, member_id=buyer.id, wanted=[Wanted("A", 2)], now=now)
    return {"campaign": campaign, "buyer": buyer, "order": booking.order_id}


@pytest.fixture
async def cashier(client):
    return await bearer("cashier")


@pytest.fixture
async def manager(client):
    return await bearer("manager")


async def nothing_written(order_id):
    return (await OrderLine.filter(order_id=order_id).count(), await Payment.all().count(),
            await Handover.all().count(), (await Order.get(id=order_id)).status)


COUNTER = [("GET", "/api/lookup?q=5678", None), ("GET", "/api/orders/{order}", None),
           ("POST", "/api/orders/{order}/lines", {"barcode": "471A"}),
           ("POST", "/api/orders/{order}/payments", {"method": "cash", "amount": 240}),
           ("POST", "/api/orders/{order}/handover", {"force": True}),
           ("POST", "/api/sales", {"lines": [{"barcode": "471B"}], "payments": [{"method": "cash", "amount": 130}]}),
           ("GET", "/api/sales/leftovers", None)]


@pytest.mark.parametrize("method,path,data", COUNTER)
async def test_every_counter_route_is_401_without_a_token_and_writes_nothing(client, shop, method, path, data):
    before = await nothing_written(shop["order"])

    resp = await client.request(method, path.format(order=shop["order"]), json=data)

    assert resp.status == 401
    assert_error(await resp.json(), "unauthorized")
    assert await nothing_written(shop["order"]) == before
    assert await Order.all().count() == 1


# --- lookup and orders ----------------------------------------------------------------------

@pytest.mark.parametrize("q", ["5678", "0912345678", "0912-345-678", "小美"])
async def test_lookup_finds_the_buyer_with_open_orders_by_phone_digits_or_name(client, shop, cashier, q):
    resp = await client.get("/api/lookup", params={"q": q}, headers=cashier)

    body = await resp.json()
    assert resp.status == 200
    assert [(m["display_name"], m["phone"]) for m in body["members"]] == [("小美", "0912-345-678")]
    assert [(o["number"], o["total"], o["balance"]) for o in body["members"][0]["orders"]] == [
        (str(shop["order"]), 240, 240)]


async def test_lookup_by_order_number_finds_its_buyer(client, shop, cashier):
    resp = await client.get("/api/lookup", params={"q": f"#{shop['order']}"}, headers=cashier)

    assert [m["id"] for m in (await resp.json())["members"]] == [shop["buyer"].id]


async def test_a_handed_over_order_is_found_by_its_number_and_its_receipt_reprinted(client, shop, cashier):
    await record_payment(shop["order"], NewPayment(method="cash", amount=240), actor="mei", now=utcnow())
    assert (await client.post(f"/api/orders/{shop['order']}/handover", headers=cashier)).status == 201
    phone = await (await client.get("/api/lookup", params={"q": "0912345678"}, headers=cashier)).json()

    found = await (await client.get("/api/lookup", params={"q": f"#{shop['order']}"}, headers=cashier)).json()
    reprint = await client.post(f"/api/orders/{shop['order']}/receipt", json={"copy": True}, headers=cashier)

    assert phone["members"][0]["orders"] == []  # by phone: what is still to pick up
    [buyer] = found["members"]
    assert [(o["number"], o["status"]) for o in buyer["orders"]] == [(str(shop["order"]), "picked_up")]
    assert reprint.status == 201


async def test_lookup_refusals(client, shop, cashier):
    empty = await client.get("/api/lookup", params={"q": " "}, headers=cashier)
    anonymous = await client.get("/api/lookup", params={"q": "5678"})

    assert empty.status == 400
    assert_error(await empty.json(), "invalid", "q")
    assert anonymous.status == 401
    assert_error(await anonymous.json(), "unauthorized")


async def test_an_order_is_read_by_its_number(client, shop, cashier):
    resp = await client.get(f"/api/orders/{shop['order']}", headers=cashier)

    body = await resp.json()
    assert resp.status == 200
    assert (body["number"], body["status"], body["total"], body["paid"], body["balance"]) == (
        str(shop["order"]), "open", 240, 0, 240)
    assert [(l["label"], l["qty"], l["status"]) for l in body["lines"]] == [("A", 2, "reserved")]


@pytest.mark.parametrize("path", ["/api/orders/999", "/api/orders/abc", "/api/orders/99999999999"])
async def test_an_unknown_order_is_404(client, shop, cashier, path):
    resp = await client.get(path, headers=cashier)

    assert resp.status == 404
    assert_error(await resp.json(), "not_found", "number")


# --- add-ons --------------------------------------------------------------------------------

async def test_an_add_on_by_barcode_joins_the_order_and_takes_the_shared_stock(client, shop, cashier):
    resp = await client.post(f"/api/orders/{shop['order']}/lines", json={"barcode": "471A"}, headers=cashier)

    body = await resp.json()
    assert resp.status == 201
    assert (body["line"]["label"], body["line"]["qty"], body["line"]["source"]) == ("A", 1, "addon")
    assert (body["order"]["total"], body["order"]["balance"]) == (360, 360)
    assert (await Item.get(barcode="471A")).sold == 3


async def test_an_add_on_by_item_id_and_qty(client, shop, cashier):
    item = await Item.get(barcode="471B")

    resp = await client.post(f"/api/orders/{shop['order']}/lines", json={"item_id": item.id, "qty": 2}, headers=cashier)

    assert resp.status == 201
    assert (await resp.json())["order"]["total"] == 240 + 260


async def test_a_sold_out_add_on_is_409_and_writes_nothing(client, shop, cashier):
    before = await nothing_written(shop["order"])

    resp = await client.post(f"/api/orders/{shop['order']}/lines", json={"barcode": "471A", "qty": 2}, headers=cashier)

    assert resp.status == 409
    body = await resp.json()
    assert_error(body, "sold_out")
    assert body["error"]["available"] == 1
    assert await nothing_written(shop["order"]) == before
    assert (await Item.get(barcode="471A")).sold == 2
    assert await StockMovement.filter(reason="addon").count() == 0


@pytest.mark.parametrize("data,status,field", [
    ({"barcode": "471A", "qty": 0}, 400, "qty"), ({"barcode": "471A", "qty": "2"}, 400, "qty"),
    ({"item_id": "x"}, 400, "item_id"), ({"barcode": 471}, 400, "barcode"), ({}, 400, "barcode"),
    ({"barcode": "nope"}, 404, "barcode"), ({"item_id": 99999}, 404, "item_id"),
])
async def test_a_bad_add_on_names_the_field_and_writes_nothing(client, shop, cashier, data, status, field):
    before = await nothing_written(shop["order"])

    resp = await client.post(f"/api/orders/{shop['order']}/lines", json=data, headers=cashier)

    assert resp.status == status
    assert_error(await resp.json(), "invalid" if status == 400 else "not_found", field)
    assert await nothing_written(shop["order"]) == before


async def test_an_add_on_to_a_handed_over_order_is_409_invalid_state(client, shop, manager):
    await client.post(f"/api/orders/{shop['order']}/handover", json={"force": True}, headers=manager)
    lines = await OrderLine.all().count()

    resp = await client.post(f"/api/orders/{shop['order']}/lines", json={"barcode": "471B"}, headers=manager)

    assert resp.status == 409
    assert_error(await resp.json(), "invalid_state")
    assert await OrderLine.all().count() == lines
    assert (await Item.get(barcode="471B")).sold == 0


async def test_writes_to_an_unknown_order_are_404(client, shop, cashier):
    for path, data in (("lines", {"barcode": "471A"}), ("payments", {"method": "cash", "amount": 10}),
                       ("handover", {})):
        resp = await client.post(f"/api/orders/999/{path}", json=data, headers=cashier)
        assert resp.status == 404, path
        assert_error(await resp.json(), "not_found", "number")


# --- payments -------------------------------------------------------------------------------

async def test_cash_with_tendered_money_answers_the_change_and_the_balance(client, shop, cashier):
    resp = await client.post(f"/api/orders/{shop['order']}/payments",
                             json={"method": "cash", "amount": 200, "tendered": 500}, headers=cashier)

    body = await resp.json()
    assert resp.status == 201
    assert (body["method"], body["amount"], body["tendered"], body["change"], body["status"], body["balance"]) == (
        "cash", 200, 500, 300, "confirmed", 40)


@pytest.mark.parametrize("data,field", [
    ({"method": "bitcoin", "amount": 10}, "method"), ({"amount": 10}, "method"), ({"method": "cash"}, "amount"),
    ({"method": "cash", "amount": 1.5}, "amount"), ({"method": "cash", "amount": 100, "tendered": 50}, "tendered"),
    ({"method": "card", "amount": 100, "tendered": 200}, "tendered"),
])
async def test_a_bad_payment_names_the_field_and_writes_nothing(client, shop, cashier, data, field):
    resp = await client.post(f"/api/orders/{shop['order']}/payments", json=data, headers=cashier)

    assert resp.status == 400
    assert_error(await resp.json(), "invalid", field)
    assert await Payment.all().count() == 0


async def test_paying_more_than_is_due_is_409_overpayment(client, shop, cashier):
    resp = await client.post(f"/api/orders/{shop['order']}/payments", json={"method": "card", "amount": 241},
                             headers=cashier)

    assert resp.status == 409
    body = await resp.json()
    assert_error(body, "overpayment", "amount")
    assert body["error"]["balance"] == 240
    assert await Payment.all().count() == 0


async def test_a_payment_retried_with_the_same_idempotency_key_is_recorded_once(client, shop, cashier):
    headers = {**cashier, "Idempotency-Key": "pay-1"}
    data = {"method": "cash", "amount": 100, "tendered": 100}

    first = await client.post(f"/api/orders/{shop['order']}/payments", json=data, headers=headers)
    second = await client.post(f"/api/orders/{shop['order']}/payments", json=data, headers=headers)

    assert first.status == second.status == 201
    assert await first.json() == await second.json()
    assert second.headers.get("Idempotent-Replayed") == "true"
    assert await Payment.all().count() == 1
    assert await IdempotencyKey.filter(key="pay-1").count() == 1


async def test_a_double_clicked_full_payment_without_a_key_is_recorded_once(client, shop, cashier):
    data = {"method": "linepay", "amount": 240}

    responses = await asyncio.gather(*[client.post(f"/api/orders/{shop['order']}/payments", json=data, headers=cashier)
                                       for _ in range(2)])

    assert sorted(r.status for r in responses) == [201, 409]
    refused = next(r for r in responses if r.status == 409)
    assert_error(await refused.json(), "overpayment")
    assert await Payment.all().count() == 1


# --- handover -------------------------------------------------------------------------------

async def test_handover_with_a_balance_due_is_409_and_writes_nothing(client, shop, cashier):
    before = await nothing_written(shop["order"])

    resp = await client.post(f"/api/orders/{shop['order']}/handover", headers=cashier)

    assert resp.status == 409
    body = await resp.json()
    assert_error(body, "balance_due")
    assert body["error"]["balance"] == 240
    assert await nothing_written(shop["order"]) == before


async def test_a_cashier_may_not_force_a_handover(client, shop, cashier):
    before = await nothing_written(shop["order"])

    resp = await client.post(f"/api/orders/{shop['order']}/handover", json={"force": True}, headers=cashier)

    assert resp.status == 403
    assert_error(await resp.json(), "forbidden", "force")
    assert await nothing_written(shop["order"]) == before


async def test_a_forced_handover_with_an_idempotency_key_keeps_its_body(client, shop, manager):
    """The key's middleware reads the body first; the handler must still see force."""
    headers = manager | {"Idempotency-Key": "force-1"}
    resp = await client.post(f"/api/orders/{shop['order']}/handover", json={"force": True}, headers=headers)
    retry = await client.post(f"/api/orders/{shop['order']}/handover", json={"force": True}, headers=headers)
    assert resp.status == retry.status == 201
    assert (await resp.json())["handover"]["forced"] is True
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert await Handover.all().count() == 1


async def test_a_manager_forces_a_handover_once(client, shop, manager):
    resp = await client.post(f"/api/orders/{shop['order']}/handover", json={"force": True}, headers=manager)
    again = await client.post(f"/api/orders/{shop['order']}/handover", json={"force": True}, headers=manager)

    body = await resp.json()
    assert resp.status == 201
    assert (body["handover"]["forced"], body["handover"]["balance_at_handover"], body["order"]["status"]) == (
        True, 240, "picked_up")
    assert again.status == 409
    assert_error(await again.json(), "already_handed_over")
    assert await Handover.all().count() == 1


async def test_a_paid_order_is_handed_over(client, shop, cashier):
    await record_payment(shop["order"], NewPayment(method="cash", amount=240), actor="mei", now=utcnow())

    resp = await client.post(f"/api/orders/{shop['order']}/handover", headers=cashier)

    body = await resp.json()
    assert resp.status == 201
    assert (body["handover"]["forced"], body["order"]["status"], body["order"]["balance"]) == (False, "picked_up", 0)


async def test_handover_force_must_be_true_or_false(client, shop, manager):
    resp = await client.post(f"/api/orders/{shop['order']}/handover", json={"force": "yes"}, headers=manager)

    assert resp.status == 400
    assert_error(await resp.json(), "invalid", "force")
    assert await Handover.all().count() == 0


# --- walk-in sales --------------------------------------------------------------------------

async def test_a_walk_in_sale_is_paid_in_full_and_handed_over(client, shop, cashier):
    data = {"lines": [{"barcode": "471B", "qty": 2}, {"barcode": "471A"}],
            "payments": [{"method": "cash", "amount": 300, "tendered": 500}, {"method": "card", "amount": 80}]}

    resp = await client.post("/api/sales", json=data, headers=cashier)

    body = await resp.json()
    assert resp.status == 201
    assert (body["status"], body["member"], body["total"], body["paid"], body["balance"]) == (
        "picked_up", None, 380, 380, 0)
    assert [(p["method"], p["amount"], p["change"]) for p in body["payments"]] == [("cash", 300, 200), ("card", 80, None)]
    assert [i.sold for i in await Item.all().order_by("id")] == [3, 2]


async def test_the_pick_list_leaves_a_walk_in_sale_of_the_campaigns_item_out(client, shop, cashier):
    data = {"lines": [{"barcode": "471A"}], "payments": [{"method": "cash", "amount": 120}]}
    assert (await client.post("/api/sales", json=data, headers=cashier)).status == 201

    resp = await client.get(f"/api/campaigns/{shop['campaign'].id}/picklist", headers=cashier)
    csv_resp = await client.get(f"/api/campaigns/{shop['campaign'].id}/picklist?format=csv", headers=cashier)

    body = await resp.json()
    assert (resp.status, csv_resp.status) == (200, 200)
    assert [(i["label"], i["qty"]) for i in body["items"]] == [("A", 2), ("B", 0)]  # the buyer's two, not the walk-in
    assert [b["number"] for b in body["buyers"]] == [str(shop["order"])]


async def test_a_walk_in_sale_beyond_the_leftovers_is_409_and_sells_nothing(client, shop, cashier):
    data = {"lines": [{"barcode": "471B"}, {"barcode": "471A", "qty": 2}], "payments": [{"method": "cash", "amount": 370}]}

    resp = await client.post("/api/sales", json=data, headers=cashier)

    assert resp.status == 409
    assert_error(await resp.json(), "sold_out")
    assert await Order.filter(member_id=None).count() == 0
    assert [i.sold for i in await Item.all().order_by("id")] == [2, 0]


@pytest.mark.parametrize("data,field", [
    ({"lines": [{"barcode": "471B"}], "payments": [{"method": "cash", "amount": 100}]}, "payments"),
    ({"lines": "471B", "payments": []}, "lines"), ({"lines": [], "payments": []}, "lines"),
    ({"lines": [{"barcode": "471B"}, {"barcode": "471B", "qty": 0}], "payments": []}, "lines[1].qty"),
    ({"lines": ["471B"], "payments": []}, "lines[0]"), ({"lines": [{"barcode": "471B"}]}, "payments"),
    ({"lines": [{"barcode": "471B"}], "payments": [{"method": "gold", "amount": 130}]}, "payments[0].method"),
])
async def test_a_bad_walk_in_sale_names_the_field_and_writes_nothing(client, shop, cashier, data, field):
    resp = await client.post("/api/sales", json=data, headers=cashier)

    assert resp.status == 400
    assert_error(await resp.json(), "invalid", field)
    assert await Order.filter(member_id=None).count() == 0 and await Payment.all().count() == 0


async def test_leftovers_list_what_a_walk_in_may_buy(client, shop, cashier):
    resp = await client.get("/api/sales/leftovers", headers=cashier)

    assert resp.status == 200
    assert [(i["label"], i["left"], i["barcode"], i["campaign"]["title"]) for i in (await resp.json())["items"]] == [
        ("A", 1, "471A", "草莓大福"), ("B", 10, "471B", "草莓大福")]


async def test_an_item_with_no_cap_is_offered_to_walk_ins_and_sold(client, shop, cashier):
    campaign = await a_campaign(utcnow(), ItemSpec(label="A", name="手工餅乾", price=60, barcode="471C"), title="餅乾")

    offered = await (await client.get("/api/sales/leftovers", headers=cashier)).json()
    sale = await client.post("/api/sales", json={"lines": [{"barcode": "471C", "qty": 3}],
                                                 "payments": [{"method": "cash", "amount": 180}]}, headers=cashier)

    assert ("A", None, "471C") in [(i["label"], i["left"], i["barcode"]) for i in offered["items"]]
    assert sale.status == 201 and (await sale.json())["total"] == 180
    assert (await Item.get(campaign=campaign)).sold == 3


async def test_leftovers_can_include_the_sold_out_ones_for_the_counter_to_show_disabled(client, shop, cashier):
    await client.post(f"/api/orders/{shop['order']}/lines", json={"barcode": "471A"}, headers=cashier)  # last A

    hidden = await (await client.get("/api/sales/leftovers", headers=cashier)).json()
    shown = await (await client.get("/api/sales/leftovers?sold_out=1", headers=cashier)).json()

    assert [(i["label"], i["left"]) for i in hidden["items"]] == [("B", 10)]
    assert [(i["label"], i["left"]) for i in shown["items"]] == [("A", 0), ("B", 10)]


# --- transfers, bank statements, reports (manager) ------------------------------------------

MANAGER_ONLY = [("GET", "/api/transfers"), ("POST", "/api/transfers/1/confirm"), ("POST", "/api/transfers/1/void"),
                ("POST", "/api/bank-statements"), ("GET", "/api/reports/daily")]


@pytest.mark.parametrize("method,path", MANAGER_ONLY)
async def test_manager_actions_are_403_for_a_cashier_and_401_without_a_token(client, shop, cashier, method, path):
    refused = await client.request(method, path, headers=cashier, json={"reason": "x"})
    anonymous = await client.request(method, path, json={"reason": "x"})

    assert refused.status == 403
    assert_error(await refused.json(), "forbidden")
    assert anonymous.status == 401
    assert_error(await anonymous.json(), "unauthorized")
    assert await Payment.all().count() == 0 and await BankStatementLine.all().count() == 0


async def test_reported_transfers_are_listed_and_a_manager_confirms_one(client, shop, manager):
    report = await report_transfer(order_id=shop["order"], last5="12345", amount=240, actor="Ubuyer", now=utcnow())

    listed = await (await client.get("/api/transfers?status=reported", headers=manager)).json()
    resp = await client.post(f"/api/transfers/{report.id}/confirm", headers=manager)

    assert [(t["id"], t["amount"], t["last5"], t["order_number"], t["member"]["display_name"])
            for t in listed["transfers"]] == [(report.id, 240, "12345", str(shop["order"]), "小美")]
    assert resp.status == 200 and (await resp.json())["status"] == "confirmed"
    order = await (await client.get(f"/api/orders/{shop['order']}", headers=manager)).json()
    assert order["balance"] == 0
    assert (await (await client.get("/api/transfers", headers=manager)).json())["transfers"] == []


async def test_a_manager_voids_a_transfer_with_a_reason_and_it_cannot_be_confirmed_after(client, shop, manager):
    report = await report_transfer(order_id=shop["order"], last5="12345", amount=240, actor="Ubuyer", now=utcnow())

    no_reason = await client.post(f"/api/transfers/{report.id}/void", json={}, headers=manager)
    resp = await client.post(f"/api/transfers/{report.id}/void", json={"reason": "不在對帳單"}, headers=manager)
    confirm = await client.post(f"/api/transfers/{report.id}/confirm", headers=manager)

    assert no_reason.status == 400
    assert_error(await no_reason.json(), "invalid", "reason")
    assert resp.status == 200 and (await resp.json())["status"] == "void"
    assert confirm.status == 409
    assert_error(await confirm.json(), "invalid_state")
    assert (await Payment.get(id=report.id)).status == "void"


async def test_transfer_refusals(client, shop, manager):
    cash = await record_payment(shop["order"], NewPayment(method="cash", amount=10), actor="mei", now=utcnow())

    for path in ("/api/transfers/999/confirm", f"/api/transfers/{cash.id}/confirm", "/api/transfers/x/confirm",
                 "/api/transfers/999/void", f"/api/transfers/{cash.id}/void"):
        resp = await client.post(path, json={"reason": "no"}, headers=manager)
        assert resp.status == 404, path
        assert_error(await resp.json(), "not_found", "id")
    bad = await client.get("/api/transfers?status=maybe", headers=manager)
    assert bad.status == 400
    assert_error(await bad.json(), "invalid", "status")
    assert (await Payment.get(id=cash.id)).status == "confirmed"


def statement_csv() -> bytes:
    """A Big5 export with ROC dates: yesterday's 240 from an account ending 12345, a debit, a total."""
    today = utcnow().astimezone(TAIPEI).date()
    roc = f"{today.year - 1911}/{today.month:02d}/{today.day:02d}"
    return (f"存摺明細\n交易日期,摘要,支出金額,存入金額,備註,轉出帳號\n{roc},跨行轉入,,240,小美,822-****-12345\n"
            f"{roc},提款,\"1,000\",,,\n{roc},現金存入,,\"1,500\",,\n合計,,\"1,000\",\"1,740\",,\n").encode("cp950")


async def test_a_bank_statement_uploaded_as_a_file_confirms_the_matching_transfer(client, shop, manager):
    report = await report_transfer(order_id=shop["order"], last5="12345", amount=240, actor="Ubuyer", now=utcnow())
    form = aiohttp.FormData()
    form.add_field("file", statement_csv(), filename="statement.csv", content_type="text/csv")

    resp = await client.post("/api/bank-statements", data=form, headers=manager)

    body = await resp.json()
    assert resp.status == 200
    assert [(m["amount"], m["transfer"]["id"]) for m in body["matched"]] == [(240, report.id)]
    assert [u["amount"] for u in body["unmatched"]] == [1500]
    assert (body["ambiguous"], body["duplicates"]) == ([], 0)
    assert (await Payment.get(id=report.id)).status == "confirmed"


async def test_a_bank_statement_posted_raw_with_an_idempotency_key_then_again_is_counted_as_duplicates(
        client, shop, manager):
    headers = {**manager, "Content-Type": "text/csv", "Idempotency-Key": "stmt-1"}
    first = await client.post("/api/bank-statements", data=statement_csv(), headers=headers)
    replay = await client.post("/api/bank-statements", data=statement_csv(), headers=headers)

    again = await client.post("/api/bank-statements", data=statement_csv(), headers={**manager, "Content-Type": "text/csv"})

    assert first.status == replay.status == 200 and await first.json() == await replay.json()
    body = await again.json()
    assert (body["duplicates"], body["matched"], [u["amount"] for u in body["unmatched"]]) == (2, [], [240, 1500])
    assert await BankStatementLine.all().count() == 2


async def test_a_multipart_upload_with_an_idempotency_key_is_read(client, shop, manager):
    form = aiohttp.FormData()
    form.add_field("file", statement_csv(), filename="s.csv", content_type="text/csv")

    resp = await client.post("/api/bank-statements", data=form, headers={**manager, "Idempotency-Key": "up-1"})

    assert resp.status == 200 and len((await resp.json())["unmatched"]) == 2


@pytest.mark.parametrize("data,content_type", [(b"", "text/csv"), (b"just,words\nno,dates\n", "text/csv")])
async def test_a_bank_statement_that_is_empty_or_not_a_statement_is_400_naming_the_file(
        client, shop, manager, data, content_type):
    resp = await client.post("/api/bank-statements", data=data, headers={**manager, "Content-Type": content_type})

    assert resp.status == 400
    assert_error(await resp.json(), "invalid", "file")
    assert await BankStatementLine.all().count() == 0


async def test_a_multipart_form_without_a_file_is_400_naming_the_file(client, shop, manager):
    form = aiohttp.FormData()
    form.add_field("note", "hello")

    resp = await client.post("/api/bank-statements", data=form, headers=manager)

    assert resp.status == 400
    assert_error(await resp.json(), "invalid", "file")


async def test_the_daily_report_defaults_to_today_in_the_shops_zone(client, shop, manager):
    await record_payment(shop["order"], NewPayment(method="cash", amount=100), actor="mei", now=utcnow())
    today = utcnow().astimezone(TAIPEI).date()

    default = await (await client.get("/api/reports/daily", headers=manager)).json()
    tomorrow = await (await client.get(f"/api/reports/daily?date={today + timedelta(days=1)}", headers=manager)).json()

    assert (default["date"], default["takings"], default["orders"]) == (
        today.isoformat(), {"total": 100, "by_method": {"cash": 100}}, 1)
    assert (tomorrow["takings"]["total"], tomorrow["orders"]) == (0, 0)


@pytest.mark.parametrize("value", ["2026-13-01", "yesterday", "2026-1-5", ""])
async def test_a_bad_report_date_is_400_naming_date(client, shop, manager, value):
    resp = await client.get("/api/reports/daily", params={"date": value}, headers=manager)

    assert resp.status == 400
    assert_error(await resp.json(), "invalid", "date")
