"""Receipts through the API to a fake TCP printer; QR images; `plusone printer test`."""
import asyncio
import os
import re
import sys

import pytest

from commerce.db import utcnow
from commerce.members import upsert_member
from commerce.models import Order, OrderLine, Payment, PrintJob
from commerce.ordering import Wanted, reserve
from commerce.commands import NewPayment
from commerce.payments import record_payment
from plusone.app import create_app
from plusone.settings import Settings
from tests.api_helpers import CAMPAIGN, bearer, signed_in
from tests.receipts import big5_text


@pytest.fixture
async def client(aiohttp_client, db_url, printer):
    settings = Settings(database_url=db_url, printer=f"tcp://127.0.0.1:{printer.port}", shop_name="小王商店")
    return await aiohttp_client(create_app(settings, print_retry_s=0.2))


async def a_paid_order(client) -> int:
    opened = await (await client.post("/api/campaigns", json=CAMPAIGN, headers=await bearer("manager"))).json()
    buyer = await upsert_member("Ubuyer", "小美")
    booking = await reserve(campaign_id=opened["id"], member_id=buyer.id, wanted=[Wanted("A", 2)], now=utcnow())
    await record_payment(booking.order_id, NewPayment(method="cash", amount=240, tendered=300), actor="mei", now=utcnow())
    return booking.order_id


async def test_a_receipt_prints_on_the_network_printer_in_big5(client, printer):
    await printer.start()
    order_id = await a_paid_order(client)

    resp = await client.post(f"/api/orders/{order_id}/receipt", headers=await bearer("cashier"))

    body = await resp.json()
    assert resp.status == 201 and body["status"] == "printed" and body["error"] is None
    (job,) = await printer.received(1)
    text = big5_text(job)
    assert "小王商店" in text and "原味" in text and "$240" in text
    assert b"\x1d\x28\x6b" in job and b"\x1dV" in job  # QR and cut


async def test_the_receipt_handed_over_names_the_clerk_and_carries_no_pickup_qr(client, printer):
    await printer.start()
    order_id = await a_paid_order(client)
    csrf = await signed_in(client, "cashier", username="mei")
    assert (await client.post(f"/api/orders/{order_id}/handover", headers={"X-CSRF-Token": csrf})).status == 201

    resp = await client.post(f"/api/orders/{order_id}/receipt", headers={"X-CSRF-Token": csrf})

    assert resp.status == 201 and (await resp.json())["status"] == "printed"
    (job,) = await printer.received(1)
    text = big5_text(job)
    assert re.search(r"經手人 +mei\n", text) and "staff:" not in text  # the clerk's login, not our internal id
    assert b"\x1d\x28\x6b" not in job and "取貨時請出示此 QR 碼" not in text  # picked up: nothing to show


async def test_the_order_says_once_its_original_receipt_is_printed_or_queued(client, printer):
    """So the counter prints a copy (重印) next time, whichever browser asks."""
    order_id = await a_paid_order(client)
    cashier = await bearer("cashier")
    before = await (await client.get(f"/api/orders/{order_id}", headers=cashier)).json()
    await client.post(f"/api/orders/{order_id}/receipt", headers=cashier)  # printer off: queued
    after = await (await client.get(f"/api/orders/{order_id}", headers=cashier)).json()
    assert (before["receipt_printed"], after["receipt_printed"]) == (False, True)


async def test_with_the_printer_off_the_job_is_queued_with_its_error_then_prints_once_when_it_is_back(client, printer):
    order_id = await a_paid_order(client)
    lines_before = await OrderLine.filter(order_id=order_id).count()

    resp = await client.post(f"/api/orders/{order_id}/receipt", headers=await bearer("cashier"))

    body = await resp.json()
    assert resp.status == 201 and body["status"] == "queued" and body["error"]
    assert await Payment.filter(order_id=order_id).count() == 1
    assert await OrderLine.filter(order_id=order_id).count() == lines_before
    assert (await Order.get(id=order_id)).status == "open"

    await printer.start()  # the background retry picks it up after its backoff (5 s)
    for _ in range(100):
        if (await PrintJob.get(id=body["id"])).status == "printed":
            break
        await asyncio.sleep(0.1)
    jobs = await printer.received(1)
    assert len(jobs) == 1
    status = await (await client.get(f"/api/print-jobs/{body['id']}", headers=await bearer("cashier"))).json()
    assert (status["status"], status["attempts"], status["error"]) == ("printed", 2, None)


async def test_a_receipt_that_waited_for_the_printer_is_tried_again_not_printed_twice(client, printer):
    order_id = await a_paid_order(client)
    cashier = await bearer("cashier")
    job = await (await client.post(f"/api/orders/{order_id}/receipt", headers=cashier)).json()  # printer off
    waiting = await (await client.get(f"/api/orders/{order_id}", headers=cashier)).json()
    await printer.start()

    resp = await client.post(f"/api/print-jobs/{job['id']}/retry", headers=cashier)
    again = await client.post(f"/api/print-jobs/{job['id']}/retry", headers=cashier)
    after = await (await client.get(f"/api/orders/{order_id}", headers=cashier)).json()

    assert (job["status"], waiting["receipt_queued"], waiting["receipt_printed"]) == ("queued", job["id"], True)
    assert (resp.status, (await resp.json())["status"], (await again.json())["status"]) == (200, "printed", "printed")
    assert (after["receipt_queued"], after["receipt_printed"]) == (None, True)
    assert len(await printer.received(1)) == 1  # the original, once
    assert (await client.post("/api/print-jobs/999/retry", headers=cashier)).status == 404


async def test_a_reprint_is_marked_copy(client, printer):
    await printer.start()
    order_id = await a_paid_order(client)

    resp = await client.post(f"/api/orders/{order_id}/receipt", json={"copy": True}, headers=await bearer("cashier"))

    assert (await resp.json())["status"] == "printed"
    (job,) = await printer.received(1)
    assert "重印 / COPY" in big5_text(job)
    assert b"\x1bp" not in job  # a copy never opens the drawer


async def test_receipt_refusals(client):
    headers = await bearer("cashier")
    assert (await client.post("/api/orders/999/receipt", headers=headers)).status == 404
    assert (await client.post("/api/orders/1/receipt", json={"copy": "yes"}, headers=headers)).status == 400
    assert (await client.get("/api/print-jobs/5", headers=headers)).status == 404
    assert (await client.post("/api/orders/1/receipt")).status == 401


async def test_the_pickup_qr_is_served_as_a_png_for_a_known_token_only(client):
    buyer = await upsert_member("Uqr", "Q")

    resp = await client.get(f"/qr/{buyer.pickup_token}.png")
    missing = await client.get("/qr/not-a-token.png")

    assert resp.status == 200 and resp.content_type == "image/png"
    assert (await resp.read()).startswith(b"\x89PNG")
    assert missing.status == 404


async def run_cli(*args, env):
    proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "plusone.cli", *args, env={**os.environ, **env},
                                                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await proc.communicate()
    return proc.returncode, out.decode(), err.decode()


async def test_printer_test_sends_a_test_page_and_says_what_it_sent(printer, tmp_path):
    await printer.start()

    code, out, err = await run_cli("printer", "test", env={"PLUSONE_PRINTER": f"tcp://127.0.0.1:{printer.port}",
                                                             "PLUSONE_DATABASE_URL": f"sqlite://{tmp_path}/x.db"})

    assert code == 0, err
    (job,) = await printer.received(1)
    assert f"{len(job):,} bytes" in out and "Big5" in out
    assert b"\x1c\x26" in job and b"\x1d\x28\x6b" in job and b"\x1dV" in job


async def test_printer_test_with_the_printer_off_says_so(printer, tmp_path):
    code, out, err = await run_cli("printer", "test", env={"PLUSONE_PRINTER": f"tcp://127.0.0.1:{printer.port}",
                                                             "PLUSONE_DATABASE_URL": f"sqlite://{tmp_path}/x.db"})

    assert code == 1 and f"tcp://127.0.0.1:{printer.port}" in err
