"""Shifts through the API: a float in, payments and refunds taken, the cash counted out, and
the Z report kept, shown and printed (decoded from the fake printer's Big5 bytes)."""
from __future__ import annotations

import asyncio
import re

import pytest

from commerce.campaigns import ItemSpec
from commerce.db import utcnow
from commerce.members import upsert_member
from commerce.models import Shift
from commerce.ordering import Wanted, reserve
from plusone.app import create_app
from plusone.settings import Settings
from tests.api_helpers import assert_error, bearer
from tests.factories import a_campaign
from tests.receipts import big5_text


@pytest.fixture
async def client(aiohttp_client, db_url, printer):
    settings = Settings(database_url=db_url, printer=f"tcp://127.0.0.1:{printer.port}", shop_name="小王商店")
    return await aiohttp_client(create_app(settings, print_retry_s=0.2))


async def orders(n: int, price: int = 360) -> list[int]:
    now = utcnow()
    campaign = await a_campaign(now, ItemSpec(label="A", name="原味", price=price, stock=None))
    booked = []
    for i in range(n):
        buyer = await upsert_member(f"Ubuyer{i}", f"Buyer {i}")
        booked.append((await reserve(campaign_id=campaign.id, member_id=buyer.id, wanted=[Wanted("A", 1)],
                                     now=now)).order_id)
    return booked


async def test_a_shift_counts_what_its_clerk_took_and_the_refund_given_from_its_drawer(client):
    clerk, manager = await bearer("cashier"), await bearer("manager")
    first, second, third = await orders(3)
    opened = await client.post("/api/shifts", json={"float": "2,000"}, headers=clerk)
    assert opened.status == 201 and (await opened.json())["float"] == 2000

    await client.post(f"/api/orders/{first}/payments", json={"method": "cash", "amount": 360, "tendered": 500},
                      headers=clerk)
    await client.post(f"/api/orders/{second}/payments", json={"method": "card", "amount": 360}, headers=clerk)
    mistake = await (await client.post(f"/api/orders/{third}/payments", json={"method": "cash", "amount": 360},
                                       headers=clerk)).json()
    await client.post(f"/api/payments/{mistake['id']}/void", json={"reason": "wrong order"}, headers=manager)
    await client.post(f"/api/orders/{first}/refunds", json={"method": "cash", "amount": 100, "reason": "broken"},
                      headers=manager)  # the manager has no drawer of their own: the one open drawer pays it
    so_far = await (await client.get("/api/shifts", headers=clerk)).json()

    closed = await client.post("/api/shifts/current/close", json={"counted_cash": "２２５０"}, headers=clerk)

    z = await closed.json()
    assert closed.status == 200
    assert z["takings"] == {"cash": 360, "card": 360} and z["takings_total"] == 720
    assert (z["refunds"], z["refunds_by_method"], z["voided"], z["payments"]) == (100, {"cash": 100}, 1, 3)
    assert (z["expected_cash"], z["counted_cash"], z["difference"]) == (2000 + 360 - 100, 2250, -10)
    assert z["closed_at"] is not None
    assert so_far["current"]["expected_cash"] == 2260 and so_far["current"]["counted_cash"] is None
    # A closed day is not rewritten: the report stands as it was counted.
    card = next(p for p in (await (await client.get(f"/api/orders/{second}", headers=clerk)).json())["payments"])
    await client.post(f"/api/payments/{card['id']}/void", json={"reason": "late fix"}, headers=manager)
    assert await (await client.get(f"/api/shifts/{z['id']}", headers=clerk)).json() == z
    listed = await (await client.get("/api/shifts", headers=clerk)).json()
    assert listed["current"] is None and listed["shifts"][0]["difference"] == -10


async def test_another_clerks_payments_stay_out_of_a_shift(client):
    mei, lin = await bearer("cashier"), await bearer("cashier")
    first, second = await orders(2)
    await client.post("/api/shifts", json={"float": 1000}, headers=mei)
    await client.post("/api/shifts", json={"float": 500}, headers=lin)
    await client.post(f"/api/orders/{first}/payments", json={"method": "cash", "amount": 360}, headers=mei)
    await client.post(f"/api/orders/{second}/payments", json={"method": "cash", "amount": 360}, headers=lin)

    mine = await (await client.post("/api/shifts/current/close", json={"counted_cash": 1360}, headers=mei)).json()
    theirs = await (await client.post("/api/shifts/current/close", json={"counted_cash": 860}, headers=lin)).json()

    assert (mine["expected_cash"], mine["difference"]) == (1360, 0)
    assert (theirs["expected_cash"], theirs["difference"]) == (860, 0)


async def test_one_open_shift_per_clerk_even_when_two_tabs_open_it_at_once(client):
    clerk = await bearer("cashier")
    answers = await asyncio.gather(*(client.post("/api/shifts", json={"float": 1000}, headers=clerk)
                                     for _ in range(4)))

    assert sorted(r.status for r in answers) == [201, 409, 409, 409]
    refused = next(r for r in answers if r.status == 409)
    assert_error(await refused.json(), "shift_open")
    assert await Shift.filter(open_key__not_isnull=True).count() == 1


async def test_closing_without_an_open_shift_is_refused_and_closing_twice_closes_once(client):
    clerk = await bearer("cashier")
    none_open = await client.post("/api/shifts/current/close", json={"counted_cash": 0}, headers=clerk)
    await client.post("/api/shifts", json={"float": 0}, headers=clerk)
    twice = await asyncio.gather(*(client.post("/api/shifts/current/close", json={"counted_cash": 0},
                                               headers=clerk) for _ in range(2)))

    assert none_open.status == 409
    assert_error(await none_open.json(), "no_shift")
    assert sorted(r.status for r in twice) == [200, 409]
    assert await Shift.filter(closed_at__not_isnull=True).count() == 1


@pytest.mark.parametrize("path,body,field", [
    ("/api/shifts", {"float": -1}, "float"), ("/api/shifts", {"float": "abc"}, "float"),
    ("/api/shifts", {}, "float"), ("/api/shifts/current/close", {"counted_cash": 1.5}, "counted_cash"),
])
async def test_a_bad_amount_is_refused_naming_the_field(client, path, body, field):
    clerk = await bearer("cashier")
    if path.endswith("close"):
        await client.post("/api/shifts", json={"float": 100}, headers=clerk)

    resp = await client.post(path, json=body, headers=clerk)

    assert resp.status == 400
    assert_error(await resp.json(), "invalid", field)
    assert await Shift.filter(closed_at__not_isnull=True).count() == 0
    assert await Shift.all().count() == (1 if path.endswith("close") else 0)


async def test_the_z_report_prints_in_big5_and_waits_in_the_queue_while_the_printer_is_off(client, printer):
    clerk = await bearer("cashier")
    (order,) = await orders(1)
    await client.post("/api/shifts", json={"float": 2000}, headers=clerk)
    await client.post(f"/api/orders/{order}/payments", json={"method": "cash", "amount": 360}, headers=clerk)
    z = await (await client.post("/api/shifts/current/close", json={"counted_cash": 2350}, headers=clerk)).json()

    off = await client.post(f"/api/shifts/{z['id']}/print", headers=clerk)
    await printer.start()
    job = await off.json()
    retried = await client.post(f"/api/print-jobs/{job['id']}/retry", headers=clerk)

    assert off.status == 201 and job["status"] == "queued" and job["error"]
    assert (await retried.json())["status"] == "printed"
    (sent,) = await printer.received(1)
    text = big5_text(sent)
    assert "小王商店" in text and "關班報表 (Z)" in text
    assert re.search(r"應有現金 +\$2,360", text) and re.search(r"實點現金 +\$2,350", text)
    assert re.search(r"差額 +-\$10", text) and re.search(r"現金 +\$360", text)


async def test_a_cashier_cannot_read_an_unknown_shift_or_print_it(client):
    clerk = await bearer("cashier")
    assert (await client.get("/api/shifts/999", headers=clerk)).status == 404
    assert (await client.post("/api/shifts/999/print", headers=clerk)).status == 404
    assert (await client.post("/api/shifts", json={"float": 1})).status == 401
