"""Issue #12: a run of plain "+1"s booked together (`bot.handlers.flash`) ends exactly where
the same events applied one by one through `handle` end: the same lines, stock, waitlist
places and answers, word for word. Two identical campaigns in two groups get the same
events, one group through each path, on a real database."""
import random
import re
from datetime import timedelta

import pytest
from tortoise import connections
from tortoise.transactions import in_transaction

from bot.events import Incoming
from bot.handlers import handle
from bot.handlers.flash import RunRefused, apply_run
from commerce.campaigns import ItemSpec
from commerce.models import Item, OrderLine, StockMovement
from tests.bot_helpers import FakeProfiles, context
from tests.factories import a_campaign

SLOW, FAST = "Cslowgroup", "Cfastgroup"
ITEMS = (ItemSpec(label="A", name="原味大福", price=120, stock=7), ItemSpec(label="B", name="抹茶大福", price=130, stock=3, limit_per_buyer=4),
         ItemSpec(label="C", name="保冷袋", price=10, stock=None))
SAID = ["+1", "+2", "A+1", "B+1", "B+2", "A+1 B+1", "C+3", "+1 紅色", "A+3", "我要+1", "謝謝團媽", "好期待",
        "A+1 A+1", "b 2", "+5"]


def incoming(group: str, n: int, user: str, text: str) -> Incoming:
    return Incoming(kind="message", event_id=f"E{group}{n}", source="group", group_id=group, user_id=user,
                    message_id=f"m{group}{n}", text=text, reply_token=f"rt{group}{n}")


async def state(campaign_id: int) -> list[tuple]:
    lines = await OrderLine.filter(item__campaign_id=campaign_id).prefetch_related("item", "order__member") \
        .order_by("id")
    sold = await Item.filter(campaign_id=campaign_id).order_by("label").values_list("label", "sold")
    moved = await StockMovement.filter(item__campaign_id=campaign_id).count()
    return [(l.order.member.line_user_id, l.item.label, l.qty, l.status, l.note, l.source_message_id[len("m") + 10:])
            for l in lines] + [tuple(sold), moved]


def text_of(replies: list[dict]) -> list[str]:
    return [re.sub(r"#\d+", "#N", m["text"]) for m in replies]


ONE_ITEM = (ItemSpec(label="A", name="草莓大福", price=120, stock=9, limit_per_buyer=5),)


async def both_ways(now, said: list[tuple[str, str]], *, names: dict[str, str] | None = None, items=ITEMS):
    """(slow answers, fast answers, slow state, fast state, events the run applied)."""
    slow = await a_campaign(now, *items, groups=(SLOW,))
    fast = await a_campaign(now, *items, groups=(FAST,))
    profiles = FakeProfiles(names or {})
    at = [now + timedelta(milliseconds=5 * i) for i in range(len(said))]
    slow_out = []
    for n, ((user, text), when) in enumerate(zip(said, at)):
        async with in_transaction():
            slow_out.append(text_of(await handle(incoming(SLOW, n, user, text), context(when, profiles=profiles))))
    events = [(incoming(FAST, n, user, text), context(when, profiles=profiles))
              for n, ((user, text), when) in enumerate(zip(said, at))]
    try:
        async with in_transaction():  # the applier's savepoint around the run
            run = await apply_run(connections.get("default"), events)
    except RunRefused:
        run = []
    fast_out = [text_of(r) for r in run]
    for event, ctx in events[len(run):]:
        async with in_transaction():
            fast_out.append(text_of(await handle(event, ctx)))
    return slow_out, fast_out, await state(slow.id), await state(fast.id), len(run)


async def test_a_flash_sale_run_books_what_one_by_one_books_and_says_the_same(db, now):
    rng = random.Random(7)
    said = [(f"Ubuyer{i:02d}", "+2") for i in range(4)] + [("Ubuyer04", "A+3")]  # 8 of 9 taken, then a split
    said += [(f"Ubuyer{i:02d}", rng.choice(["+1", "+2", "我要+1", "+1 謝謝", "A+3", "好期待"])) for i in range(5, 40)]

    slow_out, fast_out, slow_state, fast_state, applied = await both_ways(now, said, items=ONE_ITEM)

    assert applied == len(said)
    assert fast_out == slow_out
    assert fast_state == slow_state
    assert sum(1 for out in slow_out if out and "候補" in out[0]) >= 20  # the run went deep into the waitlist
    assert any("已保留" in out[0] and "候補" in out[0] for out in slow_out if out)  # a split order


async def test_a_mixed_run_over_several_items_agrees_with_one_by_one(db, now):
    rng = random.Random(7)
    said = [(f"Ubuyer{rng.randrange(12):02d}", rng.choice(SAID)) for _ in range(80)]

    slow_out, fast_out, slow_state, fast_state, applied = await both_ways(now, said)

    assert fast_out == slow_out
    assert fast_state == slow_state


async def test_a_run_with_a_refusal_is_applied_one_by_one_and_still_agrees(db, now):
    # B is limited to 4 per buyer: the fifth B of one buyer is refused, so the run gives way.
    said = [("Umei", "B+2"), ("Uming", "A+1"), ("Umei", "B+2"), ("Umei", "B+1"), ("Uhua", "+1")]

    slow_out, fast_out, slow_state, fast_state, applied = await both_ways(now, said)

    assert applied == 0
    assert fast_out == slow_out and fast_state == slow_state
    assert "每人限購 4 份" in slow_out[3][0]


async def test_a_run_stops_at_the_first_message_it_must_ask_about(db, now):
    said = [("Umei", "A+1"), ("Uming", "+1 x"), ("Uhua", "取消"), ("Ujo", "A+1")]

    slow_out, fast_out, slow_state, fast_state, applied = await both_ways(now, said)

    assert applied == 1  # "+1 x" with three items: the bot asks which
    assert fast_out == slow_out and fast_state == slow_state


@pytest.mark.parametrize("names", [{}, {"Unew01": "新朋友"}])
async def test_buyers_seen_the_first_time_are_created_once_with_their_names(db, now, names):
    said = [("Unew01", "A+1"), ("Unew02", "B+1"), ("Unew01", "C+2")]

    slow_out, fast_out, slow_state, fast_state, applied = await both_ways(now, said, names=names)

    assert applied == 3
    assert fast_out == slow_out and fast_state == slow_state


@pytest.mark.parametrize("seed", range(8))
async def test_any_mix_of_buyers_and_messages_agrees_with_one_by_one(db, now, seed):
    rng = random.Random(seed)
    said = [(rng.choice(["Ua", "Ub", "Uc", "Ud"]), rng.choice(SAID)) for _ in range(rng.randrange(1, 40))]

    slow_out, fast_out, slow_state, fast_state, _ = await both_ways(now, said, items=ONE_ITEM if seed % 2 else ITEMS)

    assert fast_out == slow_out and fast_state == slow_state


async def test_waitlist_places_agree_when_lines_stamped_after_the_run_already_wait(db, now):
    # Answers given early (an item sold out) put later-stamped lines on the waitlist before
    # earlier-stamped ones are applied: places must count them by stamp on both paths.
    items = (ItemSpec(label="A", name="草莓大福", price=120, stock=2),)
    slow = await a_campaign(now, *items, groups=(SLOW,))
    fast = await a_campaign(now, *items, groups=(FAST,))
    rounds = [[("Ua", "+2", 0)], [("Ub", "+1", 100), ("Uc", "+1", 110)],
              [("Ud", "+1", 50), ("Ue", "+1", 105), ("Uf", "+2", 200)]]
    slow_out, fast_out, n = [], [], 0
    for said in rounds:
        events = {}
        for group in (SLOW, FAST):
            events[group] = [(incoming(group, n + i, user, text), context(now + timedelta(milliseconds=ms)))
                             for i, (user, text, ms) in enumerate(said)]
        n += len(said)
        for event, ctx in events[SLOW]:
            async with in_transaction():
                slow_out.append(text_of(await handle(event, ctx)))
        async with in_transaction():
            run = await apply_run(connections.get("default"), events[FAST])
        assert len(run) == len(said)
        fast_out += [text_of(r) for r in run]

    assert fast_out == slow_out
    assert await state(fast.id) == await state(slow.id)
    places = [re.search(r"候補第 (\d+) 位", out[0]).group(1) for out in slow_out[1:]]
    assert places == ["1", "2", "1", "3", "5"]  # Ud (stamped 50) ahead of Ub (100); Uf after all
