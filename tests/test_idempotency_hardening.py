"""Issue #15: an Idempotency-Key's answer commits with its write, and only signed-in callers
store keys. Over HTTP against the running app; the crash is a real SIGKILL of `plusone serve`."""
import asyncio
import signal

import aiohttp
import pytest

from commerce.campaigns import ItemSpec
from commerce.members import upsert_member
from commerce.models import IdempotencyKey, Payment, PrintJob
from commerce.ordering import Wanted, reserve
from commerce.staff import create_token
from tests.api_helpers import CAMPAIGN, assert_error, bearer, free_port, signed_in
from tests.conftest import BACKEND
from tests.factories import a_campaign
from tests.fake_printer import FakePrinter
from tests.line_app import serve_line_mode

PRICE = 100_000  # an order big enough that a doubled payment is not refused as an overpayment


async def open_orders(now, n: int) -> list[int]:
    campaign = await a_campaign(now, ItemSpec(label="A", name="禮盒", price=PRICE, stock=None))
    orders = []
    for i in range(n):
        buyer = await upsert_member(f"Upayer{i:03d}", f"買家{i}")
        booking = await reserve(campaign_id=campaign.id, member_id=buyer.id, wanted=[Wanted("A", 1)], now=now)
        orders.append(booking.order_id)
    return orders


async def pay(session, base: str, token: str, order_id: int, key: str, amount: int) -> tuple[int, dict | None]:
    """(status, body) of one keyed payment; (0, None) when the server is gone."""
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": key}
    try:
        async with session.post(f"{base}/api/orders/{order_id}/payments", json={"method": "cash", "amount": amount},
                                headers=headers) as resp:
            return resp.status, await resp.json()
    except (aiohttp.ClientError, asyncio.TimeoutError):
        return 0, None


# --- only signed-in callers store keys --------------------------------------------------------

async def test_a_burst_of_anonymous_keyed_posts_is_refused_and_stores_no_key(client):
    responses = await asyncio.gather(*[
        client.post("/api/orders/1/payments", json={"method": "cash", "amount": 1}, headers={"Idempotency-Key": f"a{i}"})
        for i in range(300)])

    assert {r.status for r in responses} == {401}
    assert_error(await responses[0].json(), "unauthorized")
    assert await IdempotencyKey.all().count() == 0


async def test_a_keyed_post_with_a_bad_token_stores_no_key(client):
    resp = await client.post("/api/campaigns", json=CAMPAIGN,
                             headers={"Authorization": "Bearer nope", "Idempotency-Key": "bad-token"})

    assert resp.status == 401
    assert await IdempotencyKey.all().count() == 0


async def test_a_keyed_post_below_the_route_role_is_403_and_stores_no_key(client):
    headers = await bearer("cashier") | {"Idempotency-Key": "not-mine"}

    first = await client.post("/api/campaigns", json=CAMPAIGN, headers=headers)
    again = await client.post("/api/campaigns", json=CAMPAIGN, headers=headers)

    assert first.status == again.status == 403
    assert "Idempotent-Replayed" not in again.headers
    assert_error(await again.json(), "forbidden")
    assert await IdempotencyKey.all().count() == 0


async def test_a_signed_in_write_without_its_csrf_token_stores_no_key(client):
    await signed_in(client, "manager", page="/manager")

    resp = await client.post("/api/campaigns", json=CAMPAIGN, headers={"Idempotency-Key": "no-csrf"})

    assert resp.status == 403
    assert await IdempotencyKey.all().count() == 0


# --- one write per key, its answer with it ------------------------------------------------------

async def test_concurrent_payments_with_one_key_wait_for_the_first_and_replay_its_answer(client, live_now):
    (order_id,) = await open_orders(live_now, 1)
    headers = await bearer("cashier") | {"Idempotency-Key": "double-tap"}

    responses = await asyncio.gather(*[
        client.post(f"/api/orders/{order_id}/payments", json={"method": "cash", "amount": 70}, headers=headers)
        for _ in range(8)])

    assert [r.status for r in responses] == [201] * 8
    bodies = [await r.json() for r in responses]
    assert all(b == bodies[0] for b in bodies)
    assert sum(1 for r in responses if r.headers.get("Idempotent-Replayed") == "true") == 7
    assert await Payment.filter(order_id=order_id).count() == 1
    row = await IdempotencyKey.get(key="double-tap")
    assert (row.status, row.response) == (201, bodies[0])


async def test_a_refused_payment_keeps_neither_a_payment_nor_an_unanswered_key(client, live_now):
    (order_id,) = await open_orders(live_now, 1)
    headers = await bearer("cashier") | {"Idempotency-Key": "too-much"}

    first = await client.post(f"/api/orders/{order_id}/payments", json={"method": "cash", "amount": PRICE + 1},
                              headers=headers)
    again = await client.post(f"/api/orders/{order_id}/payments", json={"method": "cash", "amount": PRICE + 1},
                              headers=headers)

    assert first.status == again.status == 409
    assert await first.json() == await again.json()
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert await Payment.all().count() == 0
    assert await IdempotencyKey.filter(status__isnull=True).count() == 0


# --- a crash between the write and its answer ---------------------------------------------------

async def test_payments_cut_off_by_a_sigkill_are_recorded_once_per_key_when_retried_after_restart(
        db, fake_line, live_now):
    orders = await open_orders(live_now, 8)
    token = await create_token("cashier", "crash-test")
    keys = [(f"pay-{i:04d}", orders[i % len(orders)]) for i in range(400)]
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = await serve_line_mode(db, fake_line, port)

    answers: dict[str, tuple[int, dict | None]] = {}
    killed = False
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session:
        sem = asyncio.Semaphore(32)

        async def one(key: str, order_id: int):
            nonlocal killed
            async with sem:
                answers[key] = await pay(session, base, token, order_id, key, 7)
                if not killed and sum(1 for s, _ in answers.values() if s == 201) >= 100:
                    killed = True
                    server.send_signal(signal.SIGKILL)

        await asyncio.gather(*[one(k, o) for k, o in keys])
    await server.wait()
    acked = {k: body for k, (s, body) in answers.items() if s == 201}
    assert 100 <= len(acked) < len(keys), "the kill must land mid-burst"
    assert {s for s, _ in answers.values()} <= {201, 0}

    server = await serve_line_mode(db, fake_line, port)
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session:
            sem = asyncio.Semaphore(32)

            async def retry(key: str, order_id: int):
                async with sem:
                    return key, await pay(session, base, token, order_id, key, 7)

            again = dict(await asyncio.gather(*[retry(k, o) for k, o in keys]))
    finally:
        server.send_signal(signal.SIGTERM)
        await server.wait()

    assert {k: s for k, (s, _) in again.items() if s != 201} == {}  # none is stuck "in flight"
    assert all(again[k][1] == body for k, body in acked.items())  # an answered key replays its answer
    assert len({body["id"] for _, body in again.values()}) == len(keys)
    assert await Payment.all().count() == len(keys)
    for order_id in orders:
        expected = 7 * sum(1 for _, o in keys if o == order_id)
        assert sum(await Payment.filter(order_id=order_id).values_list("amount", flat=True)) == expected
    assert await IdempotencyKey.filter(status=201).count() == len(keys)
    assert await IdempotencyKey.all().count() == len(keys)


class HangingPrinter(FakePrinter):
    """A printer that takes the connection and never finishes reading it."""

    def __init__(self) -> None:
        super().__init__()
        self.connected = asyncio.Event()

    async def _on_connect(self, reader, writer) -> None:
        self.connected.set()
        self.jobs.append(await reader.read())
        writer.close()


async def test_a_receipt_cut_off_by_a_sigkill_while_printing_is_one_job_when_retried(db, fake_line, live_now):
    (order_id,) = await open_orders(live_now, 1)
    token = await create_token("cashier", "crash-receipt")
    printer = HangingPrinter()
    await printer.start()
    port = free_port()
    url = f"http://127.0.0.1:{port}/api/orders/{order_id}/receipt"
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": "receipt-crash"}
    server = await serve_line_mode(db, fake_line, port, PLUSONE_PRINTER=f"tcp://127.0.0.1:{printer.port}")
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=20)) as session:
            first = asyncio.create_task(session.post(url, headers=headers))
            await asyncio.wait_for(printer.connected.wait(), 10)  # the job is committed, the printer is talking
            server.send_signal(signal.SIGKILL)
            await server.wait()
            try:  # usually cut off by the kill; the answer may have left just before it
                (await first).release()
            except aiohttp.ClientError:
                pass
            server = await serve_line_mode(db, fake_line, port, PLUSONE_PRINTER=f"tcp://127.0.0.1:{printer.port}")
            async with session.post(url, headers=headers) as resp:
                status, body = resp.status, await resp.json()
    finally:
        server.send_signal(signal.SIGTERM)
        await server.wait()
        await printer.stop()

    (job,) = await PrintJob.all()
    assert status == 201 and body["id"] == job.id  # the retry reports the job it started, not a new one
    # Not printed again by the retry: queued until its dead worker's claim lapses and the retry
    # loop prints it (which may already have happened when the restart was slow).
    assert body["status"] in ("queued", "printed")
    assert (await IdempotencyKey.get(key="receipt-crash")).status == 202


# --- several processes on one PostgreSQL database ---------------------------------------------

@pytest.mark.skipif(BACKEND != "postgres", reason="several app processes need PostgreSQL")
async def test_two_processes_given_the_same_keys_at_once_record_each_payment_once(db, fake_line, live_now):
    orders = await open_orders(live_now, 4)
    token = await create_token("cashier", "two-processes")
    keys = [(f"both-{i:03d}", orders[i % len(orders)]) for i in range(60)]
    ports = [free_port(), free_port()]
    servers = [await serve_line_mode(db, fake_line, port) for port in ports]
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session:
            answers = await asyncio.gather(*[
                pay(session, f"http://127.0.0.1:{port}", token, order_id, key, 5)
                for key, order_id in keys for port in ports])
    finally:
        for server in servers:
            server.send_signal(signal.SIGTERM)
        for server in servers:
            await server.wait()

    assert {s for s, _ in answers} == {201}
    for i in range(len(keys)):
        assert answers[2 * i][1] == answers[2 * i + 1][1]
    assert await Payment.all().count() == len(keys)
    assert await IdempotencyKey.filter(status=201).count() == len(keys)
