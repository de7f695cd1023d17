"""POST /line/webhook: signatures, bodies, durable storage and de-duplication."""
import json

import pytest

from commerce.models import InboundEvent
from plusone.app import create_app
from plusone.settings import Settings
from tests.fake_line import (  # noqa: F401
    ACCESS_TOKEN,
    CHANNEL_SECRET,
    make_webhook_body,
    text_event,
    webhook_headers,
)


@pytest.fixture
async def client(aiohttp_client, db_url, fake_line):
    settings = Settings(database_url=db_url, line_channel_secret=CHANNEL_SECRET,
                        line_channel_access_token=ACCESS_TOKEN, line_api_base=fake_line.base_url)
    return await aiohttp_client(create_app(settings))


async def test_the_consoles_signed_empty_check_gets_200(client):
    body = json.dumps({"destination": "U1", "events": []}).encode()

    resp = await client.post("/line/webhook", data=body, headers=webhook_headers(body))

    assert resp.status == 200


@pytest.mark.parametrize("headers", [{}, {"X-Line-Signature": "bm9wZQ=="}, {"X-Line-Signature": ""}])
async def test_a_missing_or_bad_signature_is_400_and_stores_nothing(client, headers):
    body = make_webhook_body([text_event("+1")])

    resp = await client.post("/line/webhook", data=body, headers=headers)

    assert resp.status == 400
    assert await InboundEvent.all().count() == 0


async def test_a_signature_made_with_another_secret_is_refused(client):
    body = make_webhook_body([text_event("+1")])

    resp = await client.post("/line/webhook", data=body, headers=webhook_headers(body, secret="other-secret"))

    assert resp.status == 400
    assert await InboundEvent.all().count() == 0


@pytest.mark.parametrize("payload", [b"not json", b"[]", b'{"events": {}}', b'{"events": [{"type": "message"}]}',
                                     b'{"events": [42]}'])
async def test_a_signed_body_that_is_not_a_webhook_is_400(client, payload):
    resp = await client.post("/line/webhook", data=payload, headers=webhook_headers(payload))

    assert resp.status == 400
    assert await InboundEvent.all().count() == 0


async def test_a_redelivered_event_is_stored_once(client):
    event = text_event("今天天氣真好")
    body = make_webhook_body([event])
    again = make_webhook_body([{**event, "deliveryContext": {"isRedelivery": True}}])

    first = await client.post("/line/webhook", data=body, headers=webhook_headers(body))
    second = await client.post("/line/webhook", data=again, headers=webhook_headers(again))

    assert first.status == second.status == 200
    assert await InboundEvent.filter(event_id=event["webhookEventId"]).count() == 1
