"""A host changes a running campaign over HTTP (#18): items added and changed, stock raised and
cut, title and note, a cancel with its refund list; each refusal writes nothing."""
from datetime import timedelta

import pytest

from commerce.campaigns import ItemSpec
from commerce.commands import NewPayment
from commerce.db import utcnow
from commerce.models import Campaign, CampaignGroup, Item, Notification, OrderLine, StockMovement
from commerce.ordering import Wanted, reserve
from commerce.payments import record_payment
from commerce.pickup import hand_over
from tests.api_helpers import assert_error, bearer
from tests.factories import a_campaign, members


async def _booked(stock: int, buyers: int, qty: int = 1, **kw):
    """A campaign with item A (``stock``) and ``buyers`` who each asked for ``qty``, one second apart."""
    now = utcnow()
    campaign = await a_campaign(now, ItemSpec(label="A", name="原味", price=120, stock=stock), **kw)
    people = await members(buyers)
    bookings = [await reserve(campaign_id=campaign.id, member_id=m.id, wanted=[Wanted("A", qty)],
                              now=now + timedelta(seconds=i)) for i, m in enumerate(people)]
    item = await Item.get(campaign_id=campaign.id)
    return campaign, item, people, bookings


async def _statuses(item_id: int) -> list[tuple[str, int, str]]:
    lines = await OrderLine.filter(item_id=item_id).prefetch_related("order__member").order_by("created_at", "id")
    return [(line.order.member.line_user_id, line.qty, line.status) for line in lines]


async def test_a_stock_raise_gives_the_new_units_to_the_waitlist_in_stamp_order(client):
    campaign, item, people, _ = await _booked(stock=2, buyers=5)

    resp = await client.patch(f"/api/campaigns/{campaign.id}/items/{item.id}", json={"stock": 4},
                              headers=await bearer("manager"))

    assert resp.status == 200
    body = await resp.json()
    assert (body["promoted"], body["cut"]) == (2, 0)
    assert [(i["stock"], i["sold"], i["waitlisted"]) for i in body["items"]] == [(4, 4, 1)]
    assert [s for _, _, s in await _statuses(item.id)] == ["reserved"] * 4 + ["waitlisted"]
    told = await Notification.filter(template="waitlist_promoted").values_list("recipient", flat=True)
    assert sorted(told) == ["Ubuyer00002", "Ubuyer00003"]


async def test_no_cap_any_more_gives_every_waiting_buyer_their_units(client):
    campaign, item, _, _ = await _booked(stock=1, buyers=3, qty=2)

    resp = await client.patch(f"/api/campaigns/{campaign.id}/items/{item.id}", json={"uncapped": True},
                              headers=await bearer("manager"))

    assert resp.status == 200 and (await resp.json())["promoted"] == 5
    stored = await Item.get(id=item.id)
    assert (stored.cap, stored.sold) == (None, 6)


async def test_a_stock_cut_below_sold_waitlists_the_newest_units_splitting_a_line_and_tells_those_buyers(client):
    campaign, item, _, _ = await _booked(stock=9, buyers=3, qty=3)

    resp = await client.patch(f"/api/campaigns/{campaign.id}/items/{item.id}", json={"stock": 5},
                              headers=await bearer("manager"))

    assert resp.status == 200
    assert ((await resp.json())["cut"], (await Item.get(id=item.id)).sold) == (4, 5)
    assert sorted(await _statuses(item.id)) == [
        ("Ubuyer00000", 3, "reserved"), ("Ubuyer00001", 1, "waitlisted"), ("Ubuyer00001", 2, "reserved"),
        ("Ubuyer00002", 3, "waitlisted")]
    cut = await Notification.filter(template="stock_cut").order_by("recipient")
    assert [(n.recipient, n.params["qty"]) for n in cut] == [("Ubuyer00001", 1), ("Ubuyer00002", 3)]
    assert sum(m.delta for m in await StockMovement.filter(item_id=item.id, reason="stock_cut")) == -4

    # Raised again: the cut units come back first, in stamp order.
    resp = await client.patch(f"/api/campaigns/{campaign.id}/items/{item.id}", json={"stock": 6},
                              headers=await bearer("manager"))
    assert (await resp.json())["promoted"] == 1
    assert ("Ubuyer00001", 1, "reserved") in await _statuses(item.id)


async def test_a_cut_below_what_was_handed_over_is_refused_naming_stock_and_changes_nothing(client):
    campaign, item, _, bookings = await _booked(stock=3, buyers=3)

    for booking in bookings[:2]:
        await record_payment(booking.order_id, NewPayment(method="cash", amount=120), actor="t", now=utcnow())
        await hand_over(order_id=booking.order_id, actor="t", now=utcnow())
    before = await _statuses(item.id)

    resp = await client.patch(f"/api/campaigns/{campaign.id}/items/{item.id}", json={"stock": 1},
                              headers=await bearer("manager"))

    assert resp.status == 400
    assert_error(await resp.json(), "invalid", "stock")
    assert await _statuses(item.id) == before and (await Item.get(id=item.id)).cap == 3
    assert not await Notification.filter(template="stock_cut").exists()


async def test_name_and_price_change_and_an_item_is_added_and_the_groups_are_owed_a_notice(client):
    campaign, item, _, _ = await _booked(stock=5, buyers=1)
    manager = await bearer("manager")

    resp = await client.patch(f"/api/campaigns/{campaign.id}/items/{item.id}", json={"name": "大顆原味", "price": 150},
                              headers=manager)
    assert resp.status == 200
    resp = await client.post(f"/api/campaigns/{campaign.id}/items", headers=manager,
                             json={"label": "b", "name": "抹茶", "price": 130, "stock": 10})

    assert resp.status == 201
    body = await resp.json()
    assert [(i["label"], i["name"], i["price"], i["stock"]) for i in body["items"]] == [
        ("A", "大顆原味", 150, 5), ("B", "抹茶", 130, 10)]
    assert (await OrderLine.get(item_id=item.id)).unit_price == 120  # the buyer keeps the price they said +1 to
    assert await CampaignGroup.filter(campaign_id=campaign.id).values_list("change_notice", flat=True) == ["changed"]


async def test_title_and_note_change(client):
    campaign, _, _, _ = await _booked(stock=5, buyers=0)

    resp = await client.patch(f"/api/campaigns/{campaign.id}", json={"title": "草莓大福（第二批）", "note": "要預付喔"},
                              headers=await bearer("manager"))

    assert resp.status == 200
    assert ((await resp.json())["title"], (await Campaign.get(id=campaign.id)).note) == ("草莓大福（第二批）", "要預付喔")


@pytest.mark.parametrize("body,field", [
    ({"label": "A", "name": "again", "price": 10}, "label"),
    ({"label": "a b", "name": "x", "price": 10}, "label"),
    ({"label": "C", "name": "", "price": 10}, "name"),
    ({"label": "C", "name": "x", "price": -1}, "price"),
    ({"label": "C", "name": "x"}, "price"),
])
async def test_a_bad_new_item_is_a_400_naming_the_field_and_adds_nothing(client, body, field):
    campaign, _, _, _ = await _booked(stock=5, buyers=0)

    resp = await client.post(f"/api/campaigns/{campaign.id}/items", json=body, headers=await bearer("manager"))

    assert resp.status == 400
    assert_error(await resp.json(), "invalid", field)
    assert await Item.filter(campaign_id=campaign.id).count() == 1


@pytest.mark.parametrize("body,field", [
    ({}, "body"), ({"stock": -1}, "stock"), ({"price": "free"}, "price"), ({"stock": 3, "uncapped": True}, "stock"),
    ({"sold": 0}, "sold"),
])
async def test_a_bad_item_change_is_a_400_naming_the_field_and_changes_nothing(client, body, field):
    campaign, item, _, _ = await _booked(stock=5, buyers=2)

    resp = await client.patch(f"/api/campaigns/{campaign.id}/items/{item.id}", json=body,
                              headers=await bearer("manager"))

    assert resp.status == 400
    assert_error(await resp.json(), "invalid", field)
    stored = await Item.get(id=item.id)
    assert (stored.cap, stored.price, stored.sold) == (5, 120, 2)


async def test_a_cashier_may_change_nothing_of_a_campaign(client):
    campaign, item, _, _ = await _booked(stock=5, buyers=1)
    cashier = await bearer("cashier")

    answers = [
        await client.patch(f"/api/campaigns/{campaign.id}/items/{item.id}", json={"stock": 1}, headers=cashier),
        await client.post(f"/api/campaigns/{campaign.id}/items", json={"label": "B", "name": "x", "price": 1},
                          headers=cashier),
        await client.post(f"/api/campaigns/{campaign.id}/cancel", json={"reason": "x"}, headers=cashier),
    ]

    assert [r.status for r in answers] == [403, 403, 403]
    assert (await Campaign.get(id=campaign.id)).status == "open" and await Item.filter(campaign_id=campaign.id).count() == 1
    assert (await Item.get(id=item.id)).cap == 5


async def test_an_unknown_item_or_campaign_is_a_404(client):
    campaign, item, _, _ = await _booked(stock=5, buyers=0)
    other = await a_campaign(utcnow(), title="other")
    other_item = await Item.get(campaign_id=other.id)
    manager = await bearer("manager")

    answers = [
        await client.patch(f"/api/campaigns/{campaign.id}/items/{other_item.id}", json={"stock": 1}, headers=manager),
        await client.patch(f"/api/campaigns/999999/items/{item.id}", json={"stock": 1}, headers=manager),
        await client.post("/api/campaigns/999999/cancel", json={"reason": "x"}, headers=manager),
    ]

    assert [r.status for r in answers] == [404, 404, 404]
    assert (await Item.get(id=other_item.id)).cap == 50


async def test_a_cancel_returns_stock_lists_paid_buyers_and_owes_each_group_one_notice(client):
    campaign, item, people, bookings = await _booked(stock=2, buyers=3, groups=("Cgroup1", "Cgroup2"))
    await record_payment(bookings[0].order_id, NewPayment(method="cash", amount=120), actor="t", now=utcnow())

    resp = await client.post(f"/api/campaigns/{campaign.id}/cancel", json={"reason": "廠商缺貨"},
                             headers=await bearer("manager"))

    assert resp.status == 200
    body = await resp.json()
    assert (body["campaign"]["status"], body["campaign"]["cancel_reason"]) == ("cancelled", "廠商缺貨")
    assert [(r["order_number"], r["display_name"], r["paid"]) for r in body["refunds"]] == [
        (str(bookings[0].order_id), "買家0", 120)]
    assert body["refund_total"] == 120
    assert (await Item.get(id=item.id)).sold == 0
    assert {s for _, _, s in await _statuses(item.id)} == {"cancelled"}
    assert await CampaignGroup.filter(campaign_id=campaign.id).values_list("change_notice", flat=True) == [
        "cancelled", "cancelled"]
    assert not await Notification.filter(template="campaign_cancelled_group").exists()  # by reply: free


async def test_a_cancel_told_by_push_queues_one_push_per_group(client):
    campaign, _, _, _ = await _booked(stock=2, buyers=1, groups=("Cgroup1", "Cgroup2"))

    resp = await client.post(f"/api/campaigns/{campaign.id}/cancel", json={"reason": "颱風", "notify": "push"},
                             headers=await bearer("manager"))

    assert resp.status == 200
    pushes = await Notification.filter(template="campaign_cancelled_group").order_by("recipient")
    assert [p.recipient for p in pushes] == ["Cgroup1", "Cgroup2"]
    assert set(await CampaignGroup.filter(campaign_id=campaign.id).values_list("change_notice", flat=True)) == {"told"}


@pytest.mark.parametrize("body,field", [({}, "reason"), ({"reason": "  "}, "reason"),
                                        ({"reason": "x", "notify": "sms"}, "notify")])
async def test_a_cancel_without_a_reason_is_a_400_and_cancels_nothing(client, body, field):
    campaign, item, _, _ = await _booked(stock=2, buyers=1)

    resp = await client.post(f"/api/campaigns/{campaign.id}/cancel", json=body, headers=await bearer("manager"))

    assert resp.status == 400
    assert_error(await resp.json(), "invalid", field)
    assert (await Campaign.get(id=campaign.id)).status == "open" and (await Item.get(id=item.id)).sold == 1


async def test_a_cancelled_campaign_takes_no_second_cancel_and_no_edit(client):
    campaign, item, _, _ = await _booked(stock=2, buyers=1)
    manager = await bearer("manager")
    await client.post(f"/api/campaigns/{campaign.id}/cancel", json={"reason": "first"}, headers=manager)

    answers = [
        await client.post(f"/api/campaigns/{campaign.id}/cancel", json={"reason": "again"}, headers=manager),
        await client.patch(f"/api/campaigns/{campaign.id}/items/{item.id}", json={"stock": 9}, headers=manager),
        await client.post(f"/api/campaigns/{campaign.id}/items", json={"label": "B", "name": "x", "price": 1},
                          headers=manager),
        await client.patch(f"/api/campaigns/{campaign.id}", json={"title": "x"}, headers=manager),
    ]

    assert [r.status for r in answers] == [409, 409, 409, 409]
    assert [(await r.json())["error"]["code"] for r in answers] == ["invalid_state"] * 4
    stored = await Campaign.get(id=campaign.id)
    assert (stored.cancel_reason, (await Item.get(id=item.id)).cap) == ("first", 2)
    assert await Item.filter(campaign_id=campaign.id).count() == 1


async def test_a_closed_campaign_takes_no_new_item(client):
    campaign, _, _, _ = await _booked(stock=2, buyers=0)
    manager = await bearer("manager")
    await client.post(f"/api/campaigns/{campaign.id}/close", headers=manager)

    resp = await client.post(f"/api/campaigns/{campaign.id}/items", json={"label": "B", "name": "x", "price": 1},
                             headers=manager)

    assert resp.status == 409 and await Item.filter(campaign_id=campaign.id).count() == 1
