"""Issue #14: a buyer who answers the bot's own question ("which campaign?", "which item?") by
replying to it is understood. Through the running app: signed webhooks in, the real SDK's
replies out to the fake LINE API, whose message ids are what the buyer quotes."""
from commerce.campaigns import ItemSpec
from commerce.db import utcnow
from commerce.models import OrderLine
from tests.factories import a_campaign
from tests.fake_line import GROUP_ID, text_event
from tests.line_app import exchange, line_app, post_events, settled


async def booked():
    return [(l.item.campaign_id, l.item.label, l.qty, l.note or None)
            for l in await OrderLine.filter(status__in=("reserved", "waitlisted")).prefetch_related("item")
            .order_by("id")]


async def test_replying_to_which_campaign_with_a_name_or_a_code_books_the_first_message_there(
        aiohttp_client, db_url, fake_line):
    client = await aiohttp_client(line_app(db_url, fake_line))
    now = utcnow()
    sweets = await a_campaign(now, ItemSpec(label="A", name="草莓大福", price=120), title="大福", groups=(GROUP_ID,))
    snacks = await a_campaign(now, ItemSpec(label="A", name="芒果乾", price=200), title="果乾", groups=(GROUP_ID,))

    question, asked_id = await exchange(client, fake_line, "+2", user_id="Umei")
    assert "幾團同時進行" in question and sweets.code in question and snacks.code in question
    assert await booked() == []

    confirmed, _ = await exchange(client, fake_line, "果乾", user_id="Umei", quoted_message_id=asked_id)
    assert "芒果乾 ×2 已保留" in confirmed
    assert await booked() == [(snacks.id, "A", 2, None)]

    # the same, answered with the code the bot listed, in lower case
    _, asked_again = await exchange(client, fake_line, "+1", user_id="Uming")
    await exchange(client, fake_line, sweets.code.lower(), user_id="Uming", quoted_message_id=asked_again)
    assert await booked() == [(snacks.id, "A", 2, None), (sweets.id, "A", 1, None)]


async def test_an_answer_that_picks_nothing_asks_again_and_that_question_can_be_answered(
        aiohttp_client, db_url, fake_line):
    client = await aiohttp_client(line_app(db_url, fake_line))
    now = utcnow()
    await a_campaign(now, ItemSpec(label="A", name="草莓大福", price=120), title="大福", groups=(GROUP_ID,))
    snacks = await a_campaign(now, ItemSpec(label="A", name="芒果乾", price=200), title="果乾", groups=(GROUP_ID,))

    _, asked_id = await exchange(client, fake_line, "+1", user_id="Umei")
    again, again_id = await exchange(client, fake_line, "都可以", user_id="Umei", quoted_message_id=asked_id)
    assert "幾團同時進行" in again and await booked() == []
    await exchange(client, fake_line, "2", user_id="Umei", quoted_message_id=again_id)  # its place in the list

    assert await booked() == [(snacks.id, "A", 1, None)]


async def test_replying_to_which_item_with_a_label_or_a_name_books_that_item(aiohttp_client, db_url, fake_line):
    client = await aiohttp_client(line_app(db_url, fake_line))
    campaign = await a_campaign(utcnow(), ItemSpec(label="A", name="原味", price=120), ItemSpec(label="B", name="抹茶", price=130),
                                groups=(GROUP_ID,))

    question, asked_id = await exchange(client, fake_line, "+3", user_id="Umei")
    assert "要哪一項呢" in question
    confirmed, _ = await exchange(client, fake_line, "抹茶", user_id="Umei", quoted_message_id=asked_id)
    assert "B 抹茶 ×3 已保留" in confirmed

    _, asked_id = await exchange(client, fake_line, "+1", user_id="Uming")
    await exchange(client, fake_line, "我要a", user_id="Uming", quoted_message_id=asked_id)

    assert await booked() == [(campaign.id, "B", 3, None), (campaign.id, "A", 1, None)]


async def test_someone_else_answering_a_buyers_question_and_thanks_quoting_a_confirmation_stay_quiet(
        aiohttp_client, db_url, fake_line):
    client = await aiohttp_client(line_app(db_url, fake_line))
    campaign = await a_campaign(utcnow(), ItemSpec(label="A", name="原味", price=120), ItemSpec(label="B", name="抹茶", price=130),
                                groups=(GROUP_ID,))
    _, asked_id = await exchange(client, fake_line, "+1", user_id="Umei")
    _, confirmed_id = await exchange(client, fake_line, "A+1", user_id="Uming")
    replies = len(fake_line.replies)

    await post_events(client, [text_event("B", user_id="Uming", quoted_message_id=asked_id),
                               text_event("謝謝", user_id="Uming", quoted_message_id=confirmed_id)])
    await settled()

    assert len(fake_line.replies) == replies
    assert await booked() == [(campaign.id, "A", 1, None)]
