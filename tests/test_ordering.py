"""The stock rule under concurrency, cancellations and waitlist promotion."""
import asyncio
import random
from datetime import timedelta

import pytest

from commerce.campaigns import ItemSpec, close_campaign
from commerce.errors import CampaignClosed, InvalidInput, NotFound, OverLimit
from commerce.models import Item, Notification, Order, OrderLine, StockMovement
from commerce.commands import ItemRef
from commerce.ordering import Wanted, cancel, reserve, waitlist_position
from commerce.sales import add_on
from tests.factories import a_campaign, members


async def ledger_sum(item_id):
    return sum(m.delta for m in await StockMovement.filter(item_id=item_id))


async def test_500_concurrent_reservations_against_a_cap_of_50_reserve_exactly_50(db, now):
    campaign = await a_campaign(now, ItemSpec(label="A", name="原味", price=120, stock=50))
    buyers = await members(500)

    results = await asyncio.gather(*[
        reserve(campaign_id=campaign.id, member_id=m.id, wanted=[Wanted("A", 1)], now=now) for m in buyers
    ])

    statuses = [r.lines[0].status for r in results]
    item = await Item.get(campaign_id=campaign.id, label="A")
    assert item.sold == 50
    assert statuses.count("reserved") == 50 and statuses.count("waitlisted") == 450
    assert await OrderLine.filter(item_id=item.id, status="waitlisted").count() == 450
    assert await ledger_sum(item.id) == 50


async def test_mixed_quantities_never_exceed_the_cap(db, now):
    campaign = await a_campaign(now, ItemSpec(label="A", name="原味", price=120, stock=50))
    buyers = await members(200)
    rng = random.Random(7)
    qtys = [rng.randint(1, 5) for _ in buyers]

    results = await asyncio.gather(*[
        reserve(campaign_id=campaign.id, member_id=m.id, wanted=[Wanted("A", q)], now=now)
        for m, q in zip(buyers, qtys)
    ])

    item = await Item.get(id=results[0].lines[0].item_id)
    reserved = sum(r.lines[0].qty for r in results if r.lines[0].status == "reserved")
    assert item.sold == reserved <= 50
    assert await ledger_sum(item.id) == item.sold
    # Every refusal was real: whoever was waitlisted wanted more than was left at the end.
    waitlisted = [r.lines[0].qty for r in results if r.lines[0].status == "waitlisted"]
    assert all(q > 50 - item.sold for q in waitlisted)


async def test_cancelling_10_units_promotes_the_earliest_waitlisted_lines_and_queues_one_notice_each(db, now):
    campaign = await a_campaign(now, ItemSpec(label="A", name="原味", price=120, stock=20))
    buyers = await members(40)
    bookings = []
    for m in buyers:  # sequential, so waitlist order is known
        bookings.append(await reserve(campaign_id=campaign.id, member_id=m.id, wanted=[Wanted("A", 1)], now=now))
    later = now + timedelta(minutes=5)

    for b in bookings[:10]:
        await cancel(order_id=b.order_id, now=later)

    promoted = await OrderLine.filter(id__in=[b.lines[0].line_id for b in bookings[20:]], status="reserved")
    assert sorted(l.id for l in promoted) == [b.lines[0].line_id for b in bookings[20:30]]
    item = await Item.get(campaign_id=campaign.id)
    assert item.sold == 20 and await ledger_sum(item.id) == 20
    notes = await Notification.filter(template="waitlist_promoted").order_by("id")
    assert [n.recipient for n in notes] == [m.line_user_id for m in buyers[20:30]]
    assert all(n.params["qty"] == 1 for n in notes)
    assert await Order.filter(status="cancelled").count() == 10


async def test_a_freed_unit_goes_to_the_head_of_the_waitlist_even_when_only_part_of_its_line_fits(db, now):
    campaign = await a_campaign(now, ItemSpec(label="A", name="原味", price=120, stock=2))
    a, b, c = await members(3)
    first = await reserve(campaign_id=campaign.id, member_id=a.id, wanted=[Wanted("A", 2)], now=now)
    big = await reserve(campaign_id=campaign.id, member_id=b.id, wanted=[Wanted("A", 3)], now=now + timedelta(seconds=1))
    small = await reserve(campaign_id=campaign.id, member_id=c.id, wanted=[Wanted("A", 1)], now=now + timedelta(seconds=2))

    result = await cancel(order_id=first.order_id, qty=1, now=now + timedelta(seconds=3))

    [promotion] = result.promotions
    assert (promotion.order_id, promotion.qty) == (big.order_id, 1)
    lines = await OrderLine.filter(order_id=big.order_id).order_by("id").values_list("qty", "status")
    assert lines == [(2, "waitlisted"), (1, "reserved")]
    assert (await OrderLine.get(id=small.lines[0].line_id)).status == "waitlisted"
    assert (await Item.get(campaign_id=campaign.id)).sold == 2


async def test_an_order_bigger_than_what_is_left_reserves_what_is_left_and_waitlists_the_rest(db, now):
    campaign = await a_campaign(now, ItemSpec(label="B", name="抹茶", price=130, stock=3))
    a, b, c = await members(3)
    await reserve(campaign_id=campaign.id, member_id=a.id, wanted=[Wanted("B", 2)], now=now)

    two = await reserve(campaign_id=campaign.id, member_id=b.id, wanted=[Wanted("B", 2)], now=now + timedelta(seconds=1))
    later = await reserve(campaign_id=campaign.id, member_id=c.id, wanted=[Wanted("B", 1)], now=now + timedelta(seconds=2))

    assert [(line.qty, line.status) for line in two.lines] == [(1, "reserved"), (1, "waitlisted")]
    assert [(line.qty, line.status) for line in later.lines] == [(1, "waitlisted")]
    assert (await Item.get(campaign_id=campaign.id)).sold == 3
    assert await waitlist_position(two.lines[1].line_id) == 1 and await waitlist_position(later.lines[0].line_id) == 2


async def test_the_waitlist_is_served_in_stamp_order_not_in_the_order_lines_were_written(db, now):
    campaign = await a_campaign(now, ItemSpec(label="A", name="原味", price=120, stock=1))
    a, early, late = await members(3)
    first = await reserve(campaign_id=campaign.id, member_id=a.id, wanted=[Wanted("A", 1)], now=now)
    # The later stamp is written first (its webhook arrived first).
    await reserve(campaign_id=campaign.id, member_id=late.id, wanted=[Wanted("A", 1)], now=now + timedelta(seconds=2))
    stamped_first = await reserve(campaign_id=campaign.id, member_id=early.id, wanted=[Wanted("A", 1)],
                                  now=now + timedelta(seconds=1))

    result = await cancel(order_id=first.order_id, now=now + timedelta(seconds=3))

    assert [p.order_id for p in result.promotions] == [stamped_first.order_id]


async def test_cancelling_part_of_a_line_keeps_the_rest_reserved(db, now):
    campaign = await a_campaign(now, ItemSpec(label="A", name="原味", price=120, stock=10))
    (buyer,) = await members(1)
    booking = await reserve(campaign_id=campaign.id, member_id=buyer.id, wanted=[Wanted("A", 3)], now=now)

    await cancel(order_id=booking.order_id, label="a", qty=1, now=now)

    line = await OrderLine.get(id=booking.lines[0].line_id)
    assert (line.qty, line.status) == (2, "reserved")
    assert (await Item.get(campaign_id=campaign.id)).sold == 2
    assert (await Order.get(id=booking.order_id)).status == "open"


async def test_a_buyer_over_the_per_buyer_limit_is_refused_and_nothing_is_written(db, now):
    campaign = await a_campaign(now, ItemSpec(label="A", name="原味", price=120, stock=10, limit_per_buyer=2))
    (buyer,) = await members(1)
    await reserve(campaign_id=campaign.id, member_id=buyer.id, wanted=[Wanted("A", 2)], now=now)

    with pytest.raises(OverLimit):
        await reserve(campaign_id=campaign.id, member_id=buyer.id, wanted=[Wanted("A", 1)], now=now)

    assert await OrderLine.all().count() == 1
    assert (await Item.get(campaign_id=campaign.id)).sold == 2
    assert await StockMovement.all().count() == 1


async def test_a_reservation_after_closing_is_refused_and_writes_nothing(db, now):
    campaign = await a_campaign(now, ItemSpec(label="A", name="原味", price=120, stock=10))
    (buyer,) = await members(1)
    await close_campaign(campaign.id, now=now)

    with pytest.raises(CampaignClosed):
        await reserve(campaign_id=campaign.id, member_id=buyer.id, wanted=[Wanted("A", 1)], now=now)

    assert await Order.all().count() == 0
    assert await OrderLine.all().count() == 0
    assert (await Item.get(campaign_id=campaign.id)).sold == 0


async def test_a_reservation_past_the_deadline_is_refused_even_before_the_close_job_runs(db, now):
    campaign = await a_campaign(now, ItemSpec(label="A", name="原味", price=120))
    (buyer,) = await members(1)

    with pytest.raises(CampaignClosed):
        await reserve(campaign_id=campaign.id, member_id=buyer.id, wanted=[Wanted("A", 1)],
                      now=now + timedelta(days=4))

    assert await OrderLine.all().count() == 0


async def test_an_unknown_label_or_a_bad_quantity_is_refused_and_writes_nothing(db, now):
    campaign = await a_campaign(now, ItemSpec(label="A", name="原味", price=120, stock=10))
    (buyer,) = await members(1)

    with pytest.raises(NotFound):
        await reserve(campaign_id=campaign.id, member_id=buyer.id, wanted=[Wanted("A", 1), Wanted("Z", 1)], now=now)
    with pytest.raises(InvalidInput):
        await reserve(campaign_id=campaign.id, member_id=buyer.id, wanted=[Wanted("A", 100)], now=now)

    assert await Order.all().count() == 0
    assert (await Item.get(campaign_id=campaign.id)).sold == 0


async def test_a_second_message_joins_the_same_order_and_an_uncapped_item_never_waitlists(db, now):
    campaign = await a_campaign(now, ItemSpec(label="A", name="原味", price=120, stock=1), ItemSpec(label="B", name="抹茶", price=130))
    (buyer,) = await members(1)

    first = await reserve(campaign_id=campaign.id, member_id=buyer.id, wanted=[Wanted("A", 1)], now=now)
    second = await reserve(campaign_id=campaign.id, member_id=buyer.id, wanted=[Wanted("b", 40), Wanted("A", 1)], now=now)

    assert first.order_id == second.order_id
    assert {(l.label, l.status) for l in second.lines} == {("B", "reserved"), ("A", "waitlisted")}


async def test_a_buyers_cancel_in_chat_leaves_the_add_ons_staff_put_on_at_the_counter(db, now):
    campaign = await a_campaign(now, ItemSpec(label="A", name="原味", price=120, stock=5),
                                ItemSpec(label="B", name="抹茶", price=130, stock=5))
    [buyer] = await members(1)
    booking = await reserve(campaign_id=campaign.id, member_id=buyer.id, wanted=[Wanted("A", 1)], now=now)
    b = await Item.get(campaign=campaign, label="B")
    added = await add_on(booking.order_id, ItemRef(item_id=b.id), actor="staff:mei", now=now)

    await cancel(order_id=booking.order_id, now=now, actor="Ubuyer", require_open=True)  # 取消: the whole order

    lines = {l.id: l.status for l in await OrderLine.filter(order_id=booking.order_id)}
    assert lines == {booking.lines[0].line_id: "cancelled", added.id: "reserved"}
    assert [i.sold for i in await Item.filter(campaign=campaign).order_by("id")] == [0, 1]


async def test_cancelling_an_order_with_nothing_left_is_not_found(db, now):
    campaign = await a_campaign(now)
    (buyer,) = await members(1)
    booking = await reserve(campaign_id=campaign.id, member_id=buyer.id, wanted=[Wanted("A", 1)], now=now)
    await cancel(order_id=booking.order_id, now=now)

    with pytest.raises(NotFound):
        await cancel(order_id=booking.order_id, now=now)
