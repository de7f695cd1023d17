"""Amending what one chat message booked (commerce.ordering.amend): the rule behind an edited
"+1", on a real database."""
from datetime import timedelta

import pytest

from commerce.campaigns import ItemSpec
from commerce.errors import CampaignClosed, OverLimit
from commerce.models import Item, Notification, OrderLine
from commerce.ordering import Wanted, amend, lines_of_message, reserve
from tests.factories import a_campaign, members


async def _booked(now):
    campaign = await a_campaign(now, ItemSpec(label="A", name="原味", price=120, stock=5), ItemSpec(label="B", name="抹茶", price=130, limit_per_buyer=2))
    (buyer,) = await members(1)
    await reserve(campaign_id=campaign.id, member_id=buyer.id, wanted=[Wanted("A", 2), Wanted("B", 1)], now=now,
                  source="chat", source_message_id="m1")
    return campaign, buyer


async def _held():
    return sorted((l.item.label, l.qty, l.status) for l in await OrderLine.all().prefetch_related("item"))


async def test_an_amendment_cuts_one_label_drops_another_and_adds_a_third_under_the_message(db, now):
    campaign, buyer = await _booked(now)
    await Item.create(campaign_id=campaign.id, label="C", name="紅豆", price=100, position=3)
    wanted = [Wanted("A", 1), Wanted("C", 1, "大份"), Wanted("C", 1, "小份")]

    await amend(await lines_of_message("m1", buyer.line_user_id), wanted, message_id="m1", now=now + timedelta(minutes=1))

    assert await _held() == [("A", 1, "reserved"), ("B", 1, "cancelled"), ("C", 2, "reserved")]
    assert [(l.qty, l.note) for l in await lines_of_message("m1", buyer.line_user_id)] == [(1, ""), (2, "大份")]
    assert (await Item.get(campaign_id=campaign.id, label="A")).sold == 1


async def test_an_amendment_over_a_limit_changes_nothing_not_even_the_cut_that_came_first(db, now):
    _, buyer = await _booked(now)

    with pytest.raises(OverLimit):
        await amend(await lines_of_message("m1", buyer.line_user_id), [Wanted("A", 1), Wanted("B", 3)],
                    message_id="m1", now=now + timedelta(minutes=1))

    assert await _held() == [("A", 2, "reserved"), ("B", 1, "reserved")]


async def test_after_the_deadline_an_amendment_is_refused(db, now):
    campaign, buyer = await _booked(now)

    with pytest.raises(CampaignClosed):
        await amend(await lines_of_message("m1", buyer.line_user_id), [Wanted("A", 1)],
                    message_id="m1", now=campaign.closes_at)

    assert await _held() == [("A", 2, "reserved"), ("B", 1, "reserved")]


async def test_unsending_a_message_that_is_partly_waitlisted_promotes_the_next_buyer_and_never_the_sender(db, now):
    # Given stock 2: the sender's "A+3" holds 2 and waits for 1, then another buyer waits for 1.
    campaign = await a_campaign(now, ItemSpec(label="A", name="原味", price=120, stock=2))
    sender, other = await members(2)
    await reserve(campaign_id=campaign.id, member_id=sender.id, wanted=[Wanted("A", 3)], now=now,
                  source="chat", source_message_id="m1")
    await reserve(campaign_id=campaign.id, member_id=other.id, wanted=[Wanted("A", 1)],
                  now=now + timedelta(seconds=1))

    await amend(await lines_of_message("m1", sender.line_user_id), [], message_id="m1",
                now=now + timedelta(minutes=1))

    assert await _held() == [("A", 1, "cancelled"), ("A", 1, "reserved"), ("A", 2, "cancelled")]
    assert [n.recipient for n in await Notification.filter(template="waitlist_promoted")] == [other.line_user_id]
