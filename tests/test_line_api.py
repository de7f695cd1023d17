"""LineApi over the real line-bot-sdk against the fake LINE server; and the webhook builders."""

import asyncio
import time
import uuid
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from linebot.v3 import WebhookParser
from linebot.v3.webhooks import (
    FollowEvent,
    GroupSource,
    JoinEvent,
    MemberJoinedEvent,
    MessageEditedEvent,
    MessageEvent,
    TextMessageContent,
    UnsendEvent,
    UserSource,
)

from bot.line_api import LineApi, LinePermanent, LineRetryable
from tests.fake_line import (
    ACCESS_TOKEN,
    CHANNEL_SECRET,
    GROUP_ID,
    USER_ID,
    FakeLine,
    follow_event,
    join_event,
    make_webhook_body,
    member_joined_event,
    message_edited_event,
    sign,
    text_event,
    unsend_event,
    user_mentionee,
)


@pytest_asyncio.fixture
async def line(fake_line: FakeLine) -> AsyncIterator[LineApi]:
    api = LineApi(ACCESS_TOKEN, api_base=fake_line.base_url, timeout=2.0)
    await api.start()
    try:
        yield api
    finally:
        await api.close()


def parse(events: list[dict]) -> list:
    body = make_webhook_body(events)
    return WebhookParser(CHANNEL_SECRET).parse(body.decode("utf-8"), sign(body, CHANNEL_SECRET))


# -- reply ---------------------------------------------------------------------------------


async def test_reply_returns_the_sent_ids_and_the_fake_records_the_messages(
    line: LineApi, fake_line: FakeLine
) -> None:
    ids = await line.reply(
        "token-1",
        [
            {"type": "text", "text": "已登記 +1", "quote_token": "q-abc"},
            {
                "type": "image",
                "url": "https://x.test/a.jpg",
                "preview_url": "https://x.test/a_s.jpg",
            },
        ],
    )

    assert len(fake_line.replies) == 1
    delivery = fake_line.replies[0]
    assert ids == delivery.sent_ids
    assert len(ids) == 2 and all(i.isdigit() for i in ids) and ids[0] != ids[1]
    assert delivery.body["replyToken"] == "token-1"
    assert delivery.messages == [
        {"type": "text", "text": "已登記 +1", "quoteToken": "q-abc"},
        {
            "type": "image",
            "originalContentUrl": "https://x.test/a.jpg",
            "previewImageUrl": "https://x.test/a_s.jpg",
        },
    ]
    assert delivery.headers["Authorization"] == f"Bearer {ACCESS_TOKEN}"
    # Sent one level below the SDK's reply_message: the body is still exactly its model's.
    from linebot.v3.messaging import ImageMessage, ReplyMessageRequest, TextMessage

    assert delivery.body == ReplyMessageRequest(reply_token="token-1", messages=[
        TextMessage(text="已登記 +1", quote_token="q-abc"),
        ImageMessage(original_content_url="https://x.test/a.jpg", preview_image_url="https://x.test/a_s.jpg"),
    ]).to_dict()


async def test_reply_never_carries_a_retry_key(line: LineApi, fake_line: FakeLine) -> None:
    await line.reply("token-1", [{"type": "text", "text": "ok"}])

    assert fake_line.replies[0].retry_key is None
    assert "X-Line-Retry-Key" not in fake_line.requests[0].headers


async def test_a_reused_reply_token_is_a_permanent_error_and_nothing_more_is_delivered(
    line: LineApi, fake_line: FakeLine
) -> None:
    await line.reply("token-1", [{"type": "text", "text": "first"}])

    with pytest.raises(LinePermanent) as caught:
        await line.reply("token-1", [{"type": "text", "text": "second"}])

    assert caught.value.status == 400
    assert "Invalid reply token" in str(caught.value)
    assert [d.messages[0]["text"] for d in fake_line.replies] == ["first"]


async def test_more_than_five_messages_are_refused_before_anything_is_sent(
    line: LineApi, fake_line: FakeLine
) -> None:
    six = [{"type": "text", "text": str(i)} for i in range(6)]

    with pytest.raises(ValueError):
        await line.reply("token-1", six)
    with pytest.raises(ValueError):
        await line.push(GROUP_ID, six, retry_key=str(uuid.uuid4()))

    assert fake_line.requests == []


async def test_a_text_over_5000_characters_is_a_permanent_error(
    line: LineApi, fake_line: FakeLine
) -> None:
    with pytest.raises(LinePermanent) as caught:
        await line.reply("token-1", [{"type": "text", "text": "+" * 5001}])

    assert caught.value.status == 400
    assert fake_line.replies == []


async def test_a_wrong_access_token_is_a_permanent_401(fake_line: FakeLine) -> None:
    async with LineApi("wrong-token", api_base=fake_line.base_url) as api:
        with pytest.raises(LinePermanent) as caught:
            await api.reply("token-1", [{"type": "text", "text": "hi"}])

    assert caught.value.status == 401
    assert fake_line.replies == []


# -- push ----------------------------------------------------------------------------------


async def test_push_carries_the_retry_key(line: LineApi, fake_line: FakeLine) -> None:
    key = str(uuid.uuid4())

    ids = await line.push(GROUP_ID, [{"type": "text", "text": "今天 18:00 取貨"}], retry_key=key)

    assert fake_line.pushes[0].retry_key == key
    assert fake_line.pushes[0].body["to"] == GROUP_ID
    assert ids == fake_line.pushes[0].sent_ids


async def test_a_repeated_push_with_the_same_key_returns_the_same_ids_and_delivers_once(
    line: LineApi, fake_line: FakeLine
) -> None:
    key = str(uuid.uuid4())
    messages = [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}]

    first = await line.push(GROUP_ID, messages, retry_key=key)
    second = await line.push(GROUP_ID, messages, retry_key=key)

    assert second == first
    assert len(fake_line.pushes) == 1
    assert [a.status for a in fake_line.requests] == [200, 409]
    assert fake_line.quota_used == 1


async def test_a_push_lost_after_acceptance_is_retried_safely_with_its_key(
    line: LineApi, fake_line: FakeLine
) -> None:
    key = str(uuid.uuid4())
    fake_line.fail_next(500, after_accept=True)

    with pytest.raises(LineRetryable) as caught:
        await line.push(USER_ID, [{"type": "text", "text": "到貨"}], retry_key=key)
    ids = await line.push(USER_ID, [{"type": "text", "text": "到貨"}], retry_key=key)

    assert caught.value.status == 500
    assert len(fake_line.pushes) == 1
    assert ids == fake_line.pushes[0].sent_ids


# -- errors --------------------------------------------------------------------------------


async def test_a_500_is_retryable_and_nothing_is_delivered(
    line: LineApi, fake_line: FakeLine
) -> None:
    fake_line.fail_next(500)

    with pytest.raises(LineRetryable) as caught:
        await line.push(GROUP_ID, [{"type": "text", "text": "x"}], retry_key=str(uuid.uuid4()))

    assert caught.value.status == 500
    assert caught.value.retry_after is None
    assert fake_line.pushes == []


async def test_a_429_is_retryable_with_its_retry_after(
    line: LineApi, fake_line: FakeLine
) -> None:
    fake_line.fail_next(429, retry_after=7)

    with pytest.raises(LineRetryable) as caught:
        await line.reply("token-1", [{"type": "text", "text": "x"}])

    assert caught.value.status == 429
    assert caught.value.retry_after == 7.0
    assert fake_line.replies == []


async def test_injected_failures_last_for_their_count_then_calls_succeed(
    line: LineApi, fake_line: FakeLine
) -> None:
    fake_line.fail_next(503, count=2)

    for _ in range(2):
        with pytest.raises(LineRetryable):
            await line.reply("token-1", [{"type": "text", "text": "x"}])
    await line.reply("token-1", [{"type": "text", "text": "x"}])

    assert [a.status for a in fake_line.requests] == [503, 503, 200]
    assert len(fake_line.replies) == 1


async def test_a_down_server_is_retryable_at_once(fake_line: FakeLine) -> None:
    async with LineApi(ACCESS_TOKEN, api_base=fake_line.base_url, timeout=5.0) as api:
        await api.reply("token-1", [{"type": "text", "text": "warm the pool"}])
        await fake_line.down()
        started = time.monotonic()

        with pytest.raises(LineRetryable) as caught:
            await api.reply("token-2", [{"type": "text", "text": "x"}])

        elapsed = time.monotonic() - started
        await fake_line.up()
        await api.reply("token-3", [{"type": "text", "text": "back"}])

    assert caught.value.status is None
    assert elapsed < 1.0
    assert [d.body["replyToken"] for d in fake_line.replies] == ["token-1", "token-3"]


async def test_a_slow_server_is_retryable_after_our_timeout(fake_line: FakeLine) -> None:
    fake_line.latency = 3.0
    async with LineApi(ACCESS_TOKEN, api_base=fake_line.base_url, timeout=0.3) as api:
        started = time.monotonic()

        with pytest.raises(LineRetryable) as caught:
            await api.push(USER_ID, [{"type": "text", "text": "x"}], retry_key=str(uuid.uuid4()))

        elapsed = time.monotonic() - started

    assert caught.value.status is None
    assert 0.3 <= elapsed < 1.5


# -- profiles ------------------------------------------------------------------------------


async def test_display_name_in_a_group_comes_from_the_group_member_profile(
    line: LineApi, fake_line: FakeLine
) -> None:
    fake_line.set_profile(USER_ID, "王小明")

    name = await line.display_name(USER_ID, group_id=GROUP_ID)

    assert name == "王小明"
    assert fake_line.requests[0].path == f"/v2/bot/group/{GROUP_ID}/member/{USER_ID}"


async def test_display_name_without_a_group_comes_from_the_profile(
    line: LineApi, fake_line: FakeLine
) -> None:
    name = await line.display_name("U0123456789abcdef0123456789ab7cb8")

    assert name == "User 7cb8"
    assert fake_line.requests[0].path == "/v2/bot/profile/U0123456789abcdef0123456789ab7cb8"


async def test_display_name_is_none_when_line_answers_404(
    line: LineApi, fake_line: FakeLine
) -> None:
    fake_line.set_profile(USER_ID, None)

    assert await line.display_name(USER_ID, group_id=GROUP_ID) is None
    assert await line.display_name(USER_ID) is None
    assert [a.status for a in fake_line.requests] == [404, 404]


# -- concurrency ---------------------------------------------------------------------------


async def test_200_concurrent_replies_all_succeed_and_are_all_recorded(
    line: LineApi, fake_line: FakeLine
) -> None:
    async def reply(n: int) -> tuple[str, list[str]]:
        return f"token-{n}", await line.reply(f"token-{n}", [{"type": "text", "text": f"#{n}"}])

    results = await asyncio.gather(*(reply(n) for n in range(200)))

    assert len(fake_line.replies) == 200
    recorded = {d.body["replyToken"]: d.sent_ids for d in fake_line.replies}
    assert dict(results) == recorded
    assert len({i for _, ids in results for i in ids}) == 200


# -- webhook helpers -----------------------------------------------------------------------


def test_sign_matches_lines_test_vector() -> None:
    body = b'{"destination":"U8e742f61d673b39c7fff3cecb7536ef0","events":[]}'

    assert sign(body, "8c570fa6dd201bb328f1c1eac23a96d8") == (
        "GhRKmvmHys4Pi8DxkF4+EayaH0OqtJtaZxgTD9fMDLs="
    )


def test_a_group_text_event_parses_as_a_message_event_with_every_field() -> None:
    event = text_event(
        "@PlusOne +2",
        message_id="600000000000000042",
        reply_token="rt-1",
        quote_token="qt-1",
        quoted_message_id="600000000000000001",
        mentionees=[user_mentionee(0, 8, "U0b07b07b07b07b07b07b07b07b07b07b", is_self=True)],
        timestamp=1_700_000_000_000,
        webhook_event_id="01HF0000000000000000000000",
        is_redelivery=True,
    )

    [parsed] = parse([event])

    assert isinstance(parsed, MessageEvent)
    assert isinstance(parsed.source, GroupSource)
    assert (parsed.source.group_id, parsed.source.user_id) == (GROUP_ID, USER_ID)
    assert parsed.reply_token == "rt-1"
    assert parsed.timestamp == 1_700_000_000_000
    assert parsed.webhook_event_id == "01HF0000000000000000000000"
    assert parsed.delivery_context.is_redelivery is True
    assert isinstance(parsed.message, TextMessageContent)
    assert parsed.message.id == "600000000000000042"
    assert parsed.message.text == "@PlusOne +2"
    assert parsed.message.quote_token == "qt-1"
    assert parsed.message.quoted_message_id == "600000000000000001"
    assert parsed.message.mention.mentionees[0].is_self is True


def test_a_one_to_one_standby_text_event_has_a_user_source_and_no_reply_token() -> None:
    [parsed] = parse([text_event("hi", group_id=None, mode="standby")])

    assert isinstance(parsed, MessageEvent)
    assert isinstance(parsed.source, UserSource)
    assert parsed.reply_token is None


def test_default_webhook_event_ids_are_unique_26_character_ulids() -> None:
    ids = {text_event("+1")["webhookEventId"] for _ in range(1000)}

    assert len(ids) == 1000
    assert all(len(i) == 26 and i.isalnum() and i.isupper() for i in ids)


def test_a_message_edited_event_parses_as_message_edited_event() -> None:
    [parsed] = parse([message_edited_event("+2", message_id="600000000000000042")])

    assert isinstance(parsed, MessageEditedEvent)
    assert parsed.message.id == "600000000000000042"
    assert parsed.message.text == "+2"
    assert parsed.reply_token is not None


def test_an_unsend_event_parses_as_unsend_event() -> None:
    [parsed] = parse([unsend_event("600000000000000042")])

    assert isinstance(parsed, UnsendEvent)
    assert parsed.unsend.message_id == "600000000000000042"


def test_a_join_event_parses_as_join_event() -> None:
    [parsed] = parse([join_event()])

    assert isinstance(parsed, JoinEvent)
    assert parsed.source.group_id == GROUP_ID


def test_a_follow_event_parses_as_follow_event() -> None:
    [parsed] = parse([follow_event(is_unblocked=True)])

    assert isinstance(parsed, FollowEvent)
    assert parsed.follow.is_unblocked is True


def test_a_member_joined_event_parses_as_member_joined_event() -> None:
    [parsed] = parse([member_joined_event(["Uaaa", "Ubbb"])])

    assert isinstance(parsed, MemberJoinedEvent)
    assert [m.user_id for m in parsed.joined.members] == ["Uaaa", "Ubbb"]
