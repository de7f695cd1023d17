"""Payments, handover, add-ons, walk-in sales, lookup and reports through the services."""
import asyncio
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from commerce.campaigns import ItemSpec, cancel_campaign
from commerce.errors import AlreadyHandedOver, BalanceDue, Forbidden, InvalidInput, InvalidState, NotFound, SoldOut
from commerce.idempotency import KeyInUse, begin, finish
from commerce.lookup import lookup
from commerce.members import bind_phone
from commerce.models import Handover, Item, Order, OrderLine, Payment, StockMovement
from commerce.orders import order_view
from commerce.ordering import Wanted, reserve
from commerce.commands import ItemRef, NewPayment, NewSale, SaleLine, parse
from commerce.payments import Overpayment, confirm_transfer, record_payment, report_transfer, void_payment
from commerce.pickup import hand_over
from commerce.reports import daily_report, pick_list
from commerce.sales import add_on, walk_in_sale
from tests.factories import a_campaign, members


@pytest.fixture
async def shop(db, now):
    campaign = await a_campaign(now, ItemSpec(label="A", name="原味", price=120, stock=3, barcode="471A"),
                                ItemSpec(label="B", name="抹茶", price=130, stock=10, barcode="471B"))
    buyer, other = await members(2)
    await bind_phone(buyer.id, "0912-345-678")
    booking = await reserve(campaign_id=campaign.id, member_id=buyer.id, wanted=[Wanted("A", 2)], now=now)
    return campaign, buyer, other, booking.order_id


async def test_cash_with_tendered_money_records_the_change(shop, now):
    _, _, _, order_id = shop

    payment = await record_payment(order_id, NewPayment(method="cash", amount=240, tendered=500), actor="mei", now=now)

    assert (payment.amount, payment.tendered, payment.change, payment.status) == (240, 500, 260, "confirmed")
    view = await order_view(order_id)
    assert (view["total"], view["paid"], view["balance"]) == (240, 240, 0)


async def test_a_double_clicked_payment_is_recorded_once(shop, now):
    _, _, _, order_id = shop

    results = await asyncio.gather(
        *[record_payment(order_id, NewPayment(method="card", amount=240), actor="mei", now=now) for _ in range(2)],
        return_exceptions=True,
    )

    assert sorted(type(r).__name__ for r in results) == ["Overpayment", "Payment"]
    assert await Payment.filter(order_id=order_id).count() == 1


@pytest.mark.parametrize("kwargs,field", [
    ({"method": "bitcoin", "amount": 10}, "method"), ({"method": "cash", "amount": -5}, "amount"),
    ({"method": "cash", "amount": 100, "tendered": 50}, "tendered"), ({"method": "card", "amount": 10, "tendered": 50}, "tendered"),
])
async def test_bad_payments_are_refused_naming_the_field_and_write_nothing(shop, now, kwargs, field):
    _, _, _, order_id = shop

    with pytest.raises(InvalidInput) as err:
        await record_payment(order_id, parse(NewPayment, kwargs), actor="mei", now=now)

    assert err.value.field == field
    assert await Payment.all().count() == 0


async def test_paying_more_than_is_due_is_refused(shop, now):
    with pytest.raises(Overpayment):
        await record_payment(shop[3], NewPayment(method="cash", amount=241), actor="mei", now=now)
    assert await Payment.all().count() == 0


async def test_a_reported_transfer_counts_once_confirmed_and_not_when_void(shop, now):
    order_id = shop[3]
    report = await report_transfer(order_id=order_id, last5="12345", amount=240, actor="Ubuyer", now=now)
    again = await report_transfer(order_id=order_id, last5="12345", amount=240, actor="Ubuyer", now=now)
    assert again.id == report.id
    assert (await order_view(order_id))["reported"] == 240 and (await order_view(order_id))["paid"] == 0

    await confirm_transfer(report.id, actor="boss", now=now)
    assert (await order_view(order_id))["balance"] == 0

    await void_payment(report.id, actor="boss", reason="not in the statement", now=now)
    assert (await order_view(order_id))["balance"] == 240
    with pytest.raises(InvalidState):
        await confirm_transfer(report.id, actor="boss", now=now)


async def test_handover_is_refused_while_a_balance_is_due_and_writes_nothing(shop, now):
    order_id = shop[3]

    with pytest.raises(BalanceDue) as err:
        await hand_over(order_id=order_id, actor="mei", now=now)

    assert err.value.data["balance"] == 240
    assert await Handover.all().count() == 0
    assert (await Order.get(id=order_id)).status == "open"


async def test_only_a_manager_may_force_a_handover_with_a_balance(shop, now):
    order_id = shop[3]
    with pytest.raises(Forbidden):
        await hand_over(order_id=order_id, actor="mei", now=now, force=True, may_force=False)

    handover = await hand_over(order_id=order_id, actor="boss", now=now, force=True, may_force=True)

    assert (handover.forced, handover.balance_at_handover) == (True, 240)
    assert (await Order.get(id=order_id)).status == "picked_up"
    with pytest.raises(AlreadyHandedOver):
        await hand_over(order_id=order_id, actor="boss", now=now, force=True, may_force=True)


async def test_a_paid_order_is_handed_over(shop, now):
    order_id = shop[3]
    await record_payment(order_id, NewPayment(method="linepay", amount=240), actor="mei", now=now)

    await hand_over(order_id=order_id, actor="mei", now=now)

    assert (await Order.get(id=order_id)).status == "picked_up"


async def test_an_add_on_by_barcode_joins_the_order_and_takes_shared_stock(shop, now):
    order_id = shop[3]

    line = await add_on(order_id, ItemRef(barcode="471A", qty=1), actor="mei", now=now)

    assert (line.qty, line.status, line.source) == (1, "reserved", "addon")
    assert (await Item.get(barcode="471A")).sold == 3
    assert (await order_view(order_id))["total"] == 360


async def test_a_sold_out_add_on_is_refused_and_writes_nothing(shop, now):
    order_id = shop[3]
    before = await OrderLine.all().count()

    with pytest.raises(SoldOut) as err:
        await add_on(order_id, ItemRef(barcode="471A", qty=2), actor="mei", now=now)

    assert err.value.data["available"] == 1
    assert await OrderLine.all().count() == before
    assert (await Item.get(barcode="471A")).sold == 2
    assert await StockMovement.filter(reason="addon").count() == 0


async def test_a_walk_in_sale_sells_leftovers_paid_in_full(shop, now):
    order = await walk_in_sale(NewSale(lines=[SaleLine(qty=2, barcode="471B")],
                               payments=[NewPayment(method="cash", amount=260, tendered=300)]), actor="mei", now=now)

    view = await order_view(order.id)
    assert (view["status"], view["total"], view["paid"], view["member"]) == ("picked_up", 260, 260, None)
    assert view["payments"][0]["change"] == 40
    assert (await Item.get(barcode="471B")).sold == 2


async def test_a_walk_in_sale_beyond_the_leftovers_is_refused_whole(shop, now):
    with pytest.raises(SoldOut):
        await walk_in_sale(NewSale(lines=[SaleLine(qty=1, barcode="471B"), SaleLine(qty=5, barcode="471A")],
                           payments=[NewPayment(method="cash", amount=730)]), actor="mei", now=now)

    assert await Order.filter(member_id=None).count() == 0
    assert (await Item.get(barcode="471B")).sold == 0


async def test_a_walk_in_sale_whose_payments_do_not_add_up_is_refused(shop, now):
    with pytest.raises(InvalidInput) as err:
        await walk_in_sale(NewSale(lines=[SaleLine(qty=1, barcode="471B")], payments=[NewPayment(method="cash", amount=100)]),
                           actor="mei", now=now)
    assert err.value.field == "payments"
    assert await Payment.all().count() == 0


@pytest.mark.parametrize("query", ["678", "5678", "0912345678", "0912-345-678", "+886 912 345 678", "買家0"])
async def test_lookup_finds_a_buyer_by_phone_digits_or_name(shop, query):
    _, buyer, _, order_id = shop

    found = await lookup(query)

    assert [m["id"] for m in found["members"]] == [buyer.id]
    assert [o["number"] for o in found["members"][0]["orders"]] == [str(order_id)]


async def test_lookup_by_order_number_and_pickup_token(shop):
    _, buyer, _, order_id = shop

    assert [m["id"] for m in (await lookup(f"#{order_id}"))["members"]] == [buyer.id]
    assert [m["id"] for m in (await lookup(buyer.pickup_token))["members"]] == [buyer.id]


async def test_lookup_takes_few_digits_as_an_order_number_and_finds_nothing_for_a_stranger(shop):
    _, buyer, _, order_id = shop
    assert [m["id"] for m in (await lookup(str(order_id)))["members"]] == [buyer.id]
    assert (await lookup("99"))["members"] == []
    assert (await lookup("0999999999"))["members"] == []
    with pytest.raises(InvalidInput):
        await lookup("  ")


async def test_pick_list_counts_reserved_units_per_item_and_buyer(shop, now):
    campaign, buyer, other, _ = shop
    await reserve(campaign_id=campaign.id, member_id=other.id, wanted=[Wanted("A", 2), Wanted("B", 1)], now=now)

    data = await pick_list(campaign.id)

    # The second buyer's A+2 found 1 left: that one is packed, the waitlisted other is not.
    assert [(i["label"], i["qty"]) for i in data["items"]] == [("A", 3), ("B", 1)]
    assert [[(l["label"], l["qty"]) for l in b["lines"]] for b in data["buyers"]] == [[("A", 2)], [("A", 1), ("B", 1)]]


async def test_the_daily_report_sums_takings_by_method(shop, now):
    order_id = shop[3]
    await record_payment(order_id, NewPayment(method="cash", amount=100), actor="mei", now=now)
    await record_payment(order_id, NewPayment(method="jkopay", amount=140), actor="mei", now=now)

    report = await daily_report(now.astimezone(ZoneInfo("Asia/Taipei")).date(), ZoneInfo("Asia/Taipei"))
    tomorrow = await daily_report((now + timedelta(days=1)).astimezone(ZoneInfo("Asia/Taipei")).date(), ZoneInfo("Asia/Taipei"))

    assert report["takings"] == {"total": 240, "by_method": {"cash": 100, "jkopay": 140}}
    assert report["orders"] == 1 and report["by_item"][0]["qty"] == 2
    assert tomorrow["takings"]["total"] == 0


async def test_cancelling_a_campaign_returns_all_stock(shop, now):
    campaign = shop[0]

    await cancel_campaign(campaign.id, now=now)

    assert [i.sold for i in await Item.filter(campaign_id=campaign.id)] == [0, 0]
    assert await OrderLine.filter(status__in=("reserved", "waitlisted")).count() == 0
    with pytest.raises(NotFound):
        await cancel_campaign(9999, now=now)


async def test_an_idempotency_key_is_claimed_once_and_then_replayed(db, now):
    assert await begin("s", "k", "h1", now=now) is None
    with pytest.raises(KeyInUse):
        await begin("s", "k", "h1", now=now)  # still in flight
    await finish("s", "k", 201, {"id": 7})

    replay = await begin("s", "k", "h1", now=now)

    assert (replay.status, replay.body) == (201, {"id": 7})
    with pytest.raises(KeyInUse):
        await begin("s", "k", "other-body", now=now)


async def test_cancelling_a_campaign_while_buyers_cancel_releases_each_unit_once(db, now):
    campaign = await a_campaign(now, ItemSpec(label="A", name="原味", price=120, stock=40))
    buyers = await members(30)
    bookings = [await reserve(campaign_id=campaign.id, member_id=m.id, wanted=[Wanted("A", 1)], now=now)
                for m in buyers]
    from commerce.ordering import cancel

    results = await asyncio.gather(
        cancel_campaign(campaign.id, now=now),
        *[cancel(order_id=b.order_id, now=now) for b in bookings],
        return_exceptions=True,
    )

    assert not [r for r in results if isinstance(r, Exception) and not isinstance(r, NotFound)]
    item = await Item.get(campaign_id=campaign.id)
    assert item.sold == 0
    assert sum(m.delta for m in await StockMovement.filter(item_id=item.id)) == 0


async def test_an_add_on_to_an_order_already_handed_over_is_refused_and_writes_nothing(shop, now):
    order_id = shop[3]
    await record_payment(order_id, NewPayment(method="cash", amount=240), actor="mei", now=now)
    await hand_over(order_id=order_id, actor="mei", now=now)

    with pytest.raises(InvalidState):
        await add_on(order_id, ItemRef(barcode="471B", qty=1), actor="mei", now=now)

    assert (await Item.get(barcode="471B")).sold == 0
    assert await OrderLine.filter(order_id=order_id, source="addon").count() == 0


async def test_a_transfer_report_goes_to_the_order_that_owes_exactly_that_amount(shop, now):
    campaign, buyer, _, first_order = shop
    second = await a_campaign(now, ItemSpec(label="X", name="蛋糕", price=500, stock=5), title="蛋糕")
    later = await reserve(campaign_id=second.id, member_id=buyer.id, wanted=[Wanted("X", 1)], now=now)
    from commerce.payments import order_for_transfer

    assert await order_for_transfer(buyer.id, 240) == first_order  # owes exactly 240
    assert await order_for_transfer(buyer.id, 999) == later.order_id  # no exact match: the newest
    assert await order_for_transfer(buyer.id, 500, {campaign.id}) == first_order  # scoped to one campaign
    assert await order_for_transfer(buyer.id, 240, {9999}) is None
