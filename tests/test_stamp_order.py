"""First come, first served by LINE's clock, through the real webhook: stock and the waitlist
follow each event's `timestamp`, whatever order the webhook requests arrive in."""
import asyncio
import random
from datetime import timedelta

from tortoise import connections

from bot.inbound import InboundWorker, store
from bot.intake import InFlight
from commerce import leases, reminders
from commerce.campaigns import ItemSpec
from commerce.db import utcnow
from commerce.models import Campaign, InboundEvent, Item, OrderLine
from scheduler.jobs import close_due
from tests.factories import a_campaign
from tests.fake_line import GROUP_ID, text_event
from tests.line_app import eventually, line_app, post_events, settled


def ms(at) -> int:
    return int(at.timestamp() * 1000)


async def reserved_and_waiting(item_id: int) -> tuple[list[str], list[str]]:
    """Buyers holding stock, and the waitlist in the order it will be served."""
    lines = await (OrderLine.filter(item_id=item_id).prefetch_related("order__member").order_by("created_at", "id"))
    by = {"reserved": [], "waitlisted": []}
    for line in lines:
        by.setdefault(line.status, []).append(line.order.member.line_user_id)
    return sorted(by["reserved"]), by["waitlisted"]


async def test_buyers_2_ms_apart_get_stock_in_stamp_order_though_their_webhooks_arrive_shuffled(
        aiohttp_client, db_url, fake_line):
    # Requests travel 0-200 ms here; the window is wider than the default so that a loaded CI
    # machine's own delays stay inside it (bench/flash_sale.py measures the default).
    client = await aiohttp_client(line_app(db_url, fake_line, reorder_window_ms=1000))
    campaign = await a_campaign(utcnow(), ItemSpec(label="A", name="草莓大福", price=120, stock=20), groups=(GROUP_ID,))
    start = ms(utcnow()) - 200  # LINE stamped them (2 ms apart) just before sending
    buyers = [f"Ubuyer{i:03d}" for i in range(80)]
    events = [text_event("+1", user_id=u, timestamp=start + 2 * i) for i, u in enumerate(buyers)]
    shuffled = random.Random(7).sample(events, len(events))

    async def late(event, delay_ms):  # each request travels 0-200 ms, as LINE's do
        await asyncio.sleep(delay_ms / 1000)
        return await post_events(client, [event])

    rng = random.Random(11)
    responses = await asyncio.gather(*[late(e, rng.uniform(0, 200)) for e in shuffled])
    await settled()

    assert {r.status for r in responses} == {200}
    item = await Item.get(campaign_id=campaign.id)
    reserved, waiting = await reserved_and_waiting(item.id)
    assert item.sold == 20
    assert reserved == buyers[:20]
    assert waiting == buyers[20:]


async def test_a_plus_one_stamped_before_the_deadline_books_though_it_is_applied_after_it(
        aiohttp_client, db_url, fake_line):
    client = await aiohttp_client(line_app(db_url, fake_line))
    deadline = utcnow() + timedelta(seconds=0.5)
    campaign = await a_campaign(utcnow(), ItemSpec(label="A", name="草莓大福", price=120, stock=None), groups=(GROUP_ID,))
    await Campaign.filter(id=campaign.id).update(closes_at=deadline)
    before = [text_event("+1", user_id=f"Uearly{i}", timestamp=ms(deadline) - 50 + i) for i in range(5)]
    after = [text_event("+1", user_id=f"Ulate{i}", timestamp=ms(deadline) + 1 + i) for i in range(5)]

    await asyncio.sleep((deadline - utcnow()).total_seconds() + 0.1)  # they all arrive after it
    responses = await asyncio.gather(*[post_events(client, [e]) for e in after + before])
    await settled()
    await close_due(utcnow(), in_flight=timedelta(seconds=0.5))

    assert {r.status for r in responses} == {200}
    booked = {line.order.member.line_user_id for line in
              await OrderLine.filter(order__campaign_id=campaign.id).prefetch_related("order__member")}
    assert booked == {f"Uearly{i}" for i in range(5)}
    answers = {r.body["replyToken"]: r.body["messages"][0]["text"] for r in fake_line.replies}
    assert all("已結單" in answers[e["replyToken"]] for e in after)
    assert all("已保留" in answers[e["replyToken"]] for e in before)


async def test_the_scheduled_close_waits_for_plus_ones_stamped_before_the_deadline(db, live_now):
    deadline = live_now - timedelta(seconds=5)
    campaign = await a_campaign(live_now - timedelta(hours=1), ItemSpec(label="A", name="草莓大福", price=120, stock=None),
                                groups=(GROUP_ID,))
    await Campaign.filter(id=campaign.id).update(closes_at=deadline)
    await store([text_event("+1", user_id="Uontime", timestamp=ms(deadline) - 10)], now=live_now)

    while_pending = await reminders.close_due(live_now, in_flight=timedelta(seconds=0.5))
    await InboundEvent.all().update(status="done")  # (as the applier would, once it has booked it)
    once_applied = await reminders.close_due(live_now, in_flight=timedelta(seconds=0.5))

    assert (while_pending.campaign_ids, once_applied.campaign_ids) == ([], [campaign.id])
    assert (await Campaign.get(id=campaign.id)).status == "closed"


async def test_a_plus_one_stamped_long_before_it_arrives_is_a_replay_and_books_nothing(
        aiohttp_client, db_url, fake_line):
    client = await aiohttp_client(line_app(db_url, fake_line))
    await a_campaign(utcnow() - timedelta(hours=1), ItemSpec(label="A", name="草莓大福", price=120, stock=None), groups=(GROUP_ID,))
    replay = text_event("+1", user_id="Ureplay", timestamp=ms(utcnow() - timedelta(minutes=30)))

    response = await post_events(client, [replay])
    await settled()

    assert response.status == 200
    assert (await InboundEvent.get(event_id=replay["webhookEventId"])).status == "refused"
    assert await OrderLine.all().count() == 0
    assert fake_line.replies == []


async def test_the_applier_holds_back_events_stamped_after_one_the_webhook_is_still_storing(db, live_now):
    applied: list[str] = []

    async def apply(event, prepared, at):
        applied.append(event["source"]["userId"])
        return []

    in_flight = InFlight()
    worker = InboundWorker(apply, worker_id="w1", in_flight=in_flight)
    now = ms(live_now)
    slow = in_flight.add([now - 500])  # parsed, still waiting for its insert
    await store([text_event("+1", user_id="Ulater", timestamp=now - 400)], now=live_now, window_ms=0)
    await leases.take(connections.get("default"), "inbound", "w1", now_ms=now, ttl_ms=3000)

    held, _ = await worker.drain()
    await store([text_event("+1", user_id="Uearlier", timestamp=now - 500)], now=live_now, window_ms=0)
    in_flight.done(slow)
    released, _ = await worker.drain()

    assert (held, released) == (0, 2)
    assert applied == ["Uearlier", "Ulater"]


async def test_a_new_buyers_name_is_asked_of_line_while_the_order_waits_out_the_window(
        aiohttp_client, db_url, fake_line):
    client = await aiohttp_client(line_app(db_url, fake_line, reorder_window_ms=600))
    await a_campaign(utcnow(), ItemSpec(label="A", name="草莓大福", price=120, stock=5), groups=(GROUP_ID,))
    fake_line.set_profile("Unewbuyer", "小美")
    sent = asyncio.get_running_loop().time()
    await post_events(client, [text_event("+1", user_id="Unewbuyer")])
    await settled()

    asked = [a for a in fake_line.requests if a.path.endswith("/member/Unewbuyer")]
    assert len(asked) == 1  # asked once: the applier took the answer, it did not ask again
    assert asked[0].at - sent < 0.4  # during the window, not after it
    (reply,) = fake_line.replies
    assert reply.at - sent >= 0.6
    assert "小美" in reply.messages[0]["text"]


async def _sold_out_campaign(client, fake_line, labels=(("A", 1),)):
    """A campaign whose item A has one unit, already taken by Ufirst (stamped well before now)."""
    campaign = await a_campaign(utcnow(), *[ItemSpec(label=lab, name=f"品項{lab}", price=100, stock=n)
                                            for lab, n in labels], groups=(GROUP_ID,))
    await post_events(client, [text_event("A+1", user_id="Ufirst", timestamp=ms(utcnow()) - 3000)])
    await settled()
    return campaign


async def test_a_plus_one_for_a_sold_out_item_is_answered_before_its_window_ends(aiohttp_client, db_url, fake_line):
    client = await aiohttp_client(line_app(db_url, fake_line, reorder_window_ms=3000))
    campaign = await _sold_out_campaign(client, fake_line)
    sent = asyncio.get_running_loop().time()
    await post_events(client, [text_event("A+1", user_id="Ulate")])
    await eventually(lambda: len(fake_line.replies), lambda n: n == 2, timeout=2.5)

    assert fake_line.replies[-1].at - sent < 2.0  # not held for the 3 s window: nobody's outcome could change
    item = await Item.get(campaign_id=campaign.id, label="A")
    assert item.sold == 1
    assert await reserved_and_waiting(item.id) == (["Ufirst"], ["Ulate"])


async def test_an_earlier_stamped_plus_one_arriving_after_an_early_answer_is_still_served_first(
        aiohttp_client, db_url, fake_line):
    client = await aiohttp_client(line_app(db_url, fake_line, reorder_window_ms=1000))
    campaign = await _sold_out_campaign(client, fake_line)
    stamp = ms(utcnow())
    await post_events(client, [text_event("A+1", user_id="Ulater", timestamp=stamp)])
    await eventually(lambda: len(fake_line.replies), lambda n: n == 2, timeout=0.9)  # answered early
    await post_events(client, [text_event("A+1", user_id="Uearlier", timestamp=stamp - 100)])
    await settled()
    item = await Item.get(campaign_id=campaign.id, label="A")
    assert await reserved_and_waiting(item.id) == (["Ufirst"], ["Uearlier", "Ulater"])  # the waitlist serves by stamp


async def test_orders_with_stock_left_and_a_buyers_later_messages_wait_for_the_window(
        aiohttp_client, db_url, fake_line):
    client = await aiohttp_client(line_app(db_url, fake_line, reorder_window_ms=1500))
    await _sold_out_campaign(client, fake_line, labels=(("A", 1), ("B", 5)))
    sent = asyncio.get_running_loop().time()
    stamp = ms(utcnow())
    # B has stock: its order waits; the same buyer's later A+1 must not jump it.
    await post_events(client, [text_event("B+1", user_id="Ubuyer", timestamp=stamp),
                               text_event("A+1", user_id="Ubuyer", timestamp=stamp + 1)])
    await settled()
    answers = fake_line.replies[1:]
    assert len(answers) == 2
    assert all(a.at - sent >= 1.4 for a in answers)
