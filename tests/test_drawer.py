"""POST /api/drawer/open: the cash drawer opens now, on record, or not at all (never later)."""
from datetime import timedelta

import pytest

from commerce.db import utcnow
from commerce.members import upsert_member
from commerce.models import PrintJob
from commerce.ordering import Wanted, reserve
from devices.print_queue import PrintQueue, ReceiptOptions, enqueue_drawer
from devices.printers import TcpPrinter
from plusone.app import create_app
from plusone.settings import Settings
from tests.api_helpers import CAMPAIGN, bearer, signed_in
from tests.line_app import ticks_pass
from tests.fake_printer import FakePrinter

DRAWER_PULSE = b"\x1bp\x00\x32\x32"  # ESC p, pin 2


@pytest.fixture
async def client(aiohttp_client, db_url, printer):
    settings = Settings(database_url=db_url, printer=f"tcp://127.0.0.1:{printer.port}")
    return await aiohttp_client(create_app(settings, print_retry_s=0.1))


async def test_without_credentials_it_is_401_and_nothing_opens(client, printer):
    await printer.start()

    anonymous = await client.post("/api/drawer/open")
    bad_token = await client.post("/api/drawer/open", headers={"Authorization": "Bearer po_nope"})

    assert anonymous.status == bad_token.status == 401
    assert (await anonymous.json())["error"]["code"] == "unauthorized"
    assert await PrintJob.all().count() == 0
    assert await printer.received(0) == []


async def test_a_signed_in_page_without_its_csrf_token_is_403_and_nothing_opens(client, printer):
    await printer.start()
    await signed_in(client)

    resp = await client.post("/api/drawer/open")

    assert resp.status == 403
    assert (await resp.json())["error"]["code"] == "csrf"
    assert await PrintJob.all().count() == 0
    assert await printer.received(0) == []


async def test_a_cashier_opens_the_drawer_the_printer_gets_just_the_pulse_and_who_asked_is_on_record(
        client, printer):
    await printer.start()
    csrf = await signed_in(client, username="mei")

    resp = await client.post("/api/drawer/open", headers={"X-CSRF-Token": csrf})

    body = await resp.json()
    assert resp.status == 201 and body["status"] == "printed" and body["error"] is None
    (job,) = await printer.received(1)
    assert DRAWER_PULSE in job
    assert b"\x1c\x26" not in job and b"\x1dV" not in job and b"\x1d(k" not in job  # no text, no cut, no QR
    row = await PrintJob.get(id=body["id"])
    assert (row.kind, row.order_id, row.open_drawer, row.actor, row.attempts) == (
        "drawer", None, True, "staff:mei", 1)


async def test_a_retried_request_with_the_same_idempotency_key_opens_the_drawer_once(client, printer):
    await printer.start()
    headers = await bearer("cashier") | {"Idempotency-Key": "drawer-1"}

    first = await client.post("/api/drawer/open", headers=headers)
    second = await client.post("/api/drawer/open", headers=headers)

    assert first.status == second.status == 201
    assert await first.json() == await second.json()
    assert len(await printer.received(1)) == 1
    assert await PrintJob.filter(kind="drawer").count() == 1


async def test_with_the_printer_off_it_is_a_visible_error_the_job_fails_and_never_opens_later(client, printer):
    headers = await bearer("cashier")

    resp = await client.post("/api/drawer/open", headers=headers)

    body = await resp.json()
    assert resp.status == 503
    assert body["error"]["code"] == "printer_unavailable"
    assert f"127.0.0.1:{printer.port}" in body["error"]["message"]
    assert body["error"]["job"]["status"] == "failed" and body["error"]["job"]["error"]
    job_id = body["error"]["job"]["id"]
    row = await PrintJob.get(id=job_id)
    assert (row.kind, row.status, row.attempts) == ("drawer", "failed", 0)

    await printer.start()  # the printer is back; the retry loop runs every 0.1 s
    await ticks_pass(5, 0.1)

    assert printer.jobs == []
    assert (await PrintJob.get(id=job_id)).status == "failed"
    status = await (await client.get(f"/api/print-jobs/{job_id}", headers=headers)).json()
    assert status["status"] == "failed" and status["error"] and status["order_number"] is None


async def test_a_receipt_asked_with_an_idempotency_key_still_opens_the_drawer(client, printer):
    # Every page request carries an Idempotency-Key; its middleware reads the body first.
    await printer.start()
    buyer = await upsert_member("Ubuyer", "小美")
    opened = await (await client.post("/api/campaigns", json=CAMPAIGN, headers=await bearer("manager"))).json()
    booking = await reserve(campaign_id=opened["id"], member_id=buyer.id, wanted=[Wanted("A", 1)], now=utcnow())
    headers = await bearer("cashier") | {"Idempotency-Key": "receipt-1"}

    resp = await client.post(f"/api/orders/{booking.order_id}/receipt", json={"open_drawer": True}, headers=headers)

    assert resp.status == 201 and (await resp.json())["status"] == "printed"
    (job,) = await printer.received(1)
    assert DRAWER_PULSE in job
    assert (await PrintJob.get(id=(await resp.json())["id"])).open_drawer is True


def a_queue(printer: FakePrinter) -> PrintQueue:
    return PrintQueue(TcpPrinter("127.0.0.1", printer.port, 2.0), encoding="big5", width_cols=32,
                      receipt=ReceiptOptions(shop_name="小店"), worker_id="w1", timeout=2.0)


async def test_a_drawer_job_left_queued_is_failed_by_the_retry_loop_not_sent(db, printer):
    await printer.start()
    queue = a_queue(printer)
    job = await enqueue_drawer(actor="staff:mei", now=utcnow())  # e.g. its request died before sending

    printed = await queue.retry_due()

    assert printed == 0
    assert await printer.received(0) == []
    row = await PrintJob.get(id=job.id)
    assert row.status == "failed" and "never later" in row.last_error


async def test_a_drawer_job_asked_for_too_long_ago_is_not_sent(db, printer):
    await printer.start()
    queue = a_queue(printer)
    job = await enqueue_drawer(actor="staff:mei", now=utcnow() - timedelta(minutes=5))

    row = await queue.print_job(job.id)

    assert row.status == "failed"
    assert await printer.received(0) == []


async def test_the_drawer_route_is_in_the_openapi_document(client):
    doc = await (await client.get("/api/openapi.json")).json()

    assert "post" in doc["paths"]["/api/drawer/open"]


async def test_a_keyed_receipt_retried_after_the_printer_came_back_is_the_same_job_printed_once(client, printer):
    buyer = await upsert_member("Ubuyer", "小美")
    opened = await (await client.post("/api/campaigns", json=CAMPAIGN, headers=await bearer("manager"))).json()
    booking = await reserve(campaign_id=opened["id"], member_id=buyer.id, wanted=[Wanted("A", 1)], now=utcnow())
    headers = await bearer("cashier") | {"Idempotency-Key": "receipt-off"}

    first = await client.post(f"/api/orders/{booking.order_id}/receipt", headers=headers)
    await printer.start()
    again = await client.post(f"/api/orders/{booking.order_id}/receipt", headers=headers)

    one, two = await first.json(), await again.json()
    assert first.status == again.status == 201
    assert one["status"] == "queued" and one["error"]
    assert two["id"] == one["id"] and again.headers.get("Idempotent-Replayed") == "true"
    assert two["status"] in {"printed", "queued"}  # the retry loop may hold it this very moment
    assert len(await printer.received(1)) == 1
    assert await PrintJob.filter(kind="receipt").count() == 1
    assert (await PrintJob.get(id=one["id"])).status == "printed"
