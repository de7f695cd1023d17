"""Nothing acknowledged is lost: the server is SIGKILLed in the middle of a burst."""
import asyncio
import signal

import aiohttp

from commerce.campaigns import ItemSpec
from commerce.models import InboundEvent, OrderLine
from tests.factories import a_campaign
from tests.fake_line import GROUP_ID, make_webhook_body, text_event, webhook_headers  # noqa: F401
from tests.api_helpers import free_port
from tests.line_app import serve_line_mode


async def post(session, url, event) -> int:
    body = make_webhook_body([event])
    try:
        async with session.post(url, data=body, headers=webhook_headers(body)) as resp:
            return resp.status
    except (aiohttp.ClientError, asyncio.TimeoutError):
        return 0


async def wait_applied(timeout=60):
    for _ in range(int(timeout * 10)):
        if not await InboundEvent.filter(status="pending").count():
            return
        await asyncio.sleep(0.1)
    raise AssertionError("events still pending")


async def test_every_acknowledged_event_survives_a_sigkill_and_the_rest_apply_once_when_posted_again(db, fake_line, live_now):
    await a_campaign(live_now, ItemSpec(label="A", name="草莓大福", price=120, stock=None), groups=(GROUP_ID,))
    port = free_port()
    url = f"http://127.0.0.1:{port}/line/webhook"
    events = [text_event("+1", user_id=f"Ucrash{i:04d}") for i in range(400)]
    server = await serve_line_mode(db, fake_line, port)

    statuses: dict[str, int] = {}
    killed = False
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session:
        sem = asyncio.Semaphore(32)

        async def one(event):
            nonlocal killed
            async with sem:
                statuses[event["webhookEventId"]] = await post(session, url, event)
                if not killed and sum(1 for s in statuses.values() if s == 200) >= 120:
                    killed = True
                    server.send_signal(signal.SIGKILL)

        await asyncio.gather(*[one(e) for e in events])
    await server.wait()
    acked = [e for e in events if statuses[e["webhookEventId"]] == 200]
    lost = [e for e in events if statuses[e["webhookEventId"]] != 200]
    assert 120 <= len(acked) < 400 and lost, "the kill must land mid-burst"

    server = await serve_line_mode(db, fake_line, port)
    try:
        await wait_applied()
        for event in acked:
            assert await OrderLine.filter(source_message_id=event["message"]["id"]).count() == 1

        async with aiohttp.ClientSession() as session:
            again = await asyncio.gather(*[post(session, url, e) for e in lost + acked[:20]])
        await wait_applied()
    finally:
        server.send_signal(signal.SIGTERM)
        await server.wait()

    assert set(again) == {200}
    for event in events:
        assert await OrderLine.filter(source_message_id=event["message"]["id"]).count() == 1
