"""The campaigns API over HTTP against the running app (real database, real middleware)."""
import asyncio
import copy
import csv
import io
import uuid
from datetime import datetime, time, timedelta, timezone

import pytest

from commerce.db import utcnow
from commerce.members import upsert_member
from commerce.models import Campaign, IdempotencyKey, Item, Notification
from commerce.ordering import Wanted, reserve
from tests.api_helpers import CAMPAIGN, TAIPEI, assert_error, bearer

CLOSE = datetime.fromisoformat(CAMPAIGN["closes_at"])  # a week from today, 20:00 in Taipei


def day(n: int, hour: int = 20, minute: int = 0) -> datetime:
    """`n` days after CAMPAIGN's deadline, at `hour`:`minute` in Taipei."""
    return datetime.combine(CLOSE.date() + timedelta(days=n), time(hour, minute), tzinfo=TAIPEI)


def local(at: datetime) -> str:
    return at.isoformat()


def utc(at: datetime) -> str:
    return at.astimezone(timezone.utc).isoformat()


def date_(n: int) -> str:
    return (CLOSE.date() + timedelta(days=n)).isoformat()


async def test_a_manager_opens_a_campaign_and_its_announcement_is_queued_for_each_group(client):
    resp = await client.post("/api/campaigns", json=CAMPAIGN, headers=await bearer("manager"))

    assert resp.status == 201
    body = await resp.json()
    assert body["status"] == "open" and len(body["code"]) == 4 and body["title"] == "草莓大福"
    assert [(i["label"], i["stock"], i["sold"], i["waitlisted"]) for i in body["items"]] == [("A", 50, 0, 0), ("B", None, 0, 0)]
    assert all(isinstance(i["id"], int) for i in body["items"])
    notes = await Notification.filter(template="campaign_announcement").order_by("recipient")
    assert [(n.recipient_kind, n.recipient, n.params["campaign_id"]) for n in notes] == [
        ("group", "Cgroup0001", body["id"]), ("group", "Cgroup0002", body["id"])]


async def test_a_campaign_opened_without_announce_queues_nothing(client):
    resp = await client.post("/api/campaigns", json={**CAMPAIGN, "announce": False}, headers=await bearer("admin"))

    assert resp.status == 201
    assert await Notification.all().count() == 0


async def test_a_cashier_may_not_open_a_campaign_and_nothing_is_written(client):
    resp = await client.post("/api/campaigns", json=CAMPAIGN, headers=await bearer("cashier"))

    assert resp.status == 403
    assert_error(await resp.json(), "forbidden")
    assert await Campaign.all().count() == 0


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic abc"}])
async def test_no_or_a_bad_token_is_401(client, headers):
    resp = await client.get("/api/campaigns/1", headers=headers)

    assert resp.status == 401
    assert_error(await resp.json(), "unauthorized")


@pytest.mark.parametrize("price", [-1, 1.5, "120", None, True])
async def test_a_negative_or_non_integer_price_is_a_400_naming_price_and_writes_nothing(client, price):
    data = copy.deepcopy(CAMPAIGN)
    data["items"][1]["price"] = price

    resp = await client.post("/api/campaigns", json=data, headers=await bearer("manager"))

    assert resp.status == 400
    assert_error(await resp.json(), "invalid", "items[1].price")
    assert await Campaign.all().count() == 0 and await Item.all().count() == 0


@pytest.mark.parametrize("change,field", [
    ({"title": ""}, "title"), ({"closes_at": "2020-01-01T00:00:00+08:00"}, "closes_at"),
    ({"closes_at": "2030-11-30 20:00"}, "closes_at"), ({"items": []}, "items"),
    ({"group_ids": "C1"}, "group_ids"), ({"pickup_from": "12/2"}, "pickup_from"),
])
async def test_each_bad_field_is_named_in_the_error(client, change, field):
    resp = await client.post("/api/campaigns", json={**CAMPAIGN, **change}, headers=await bearer("manager"))

    assert resp.status == 400
    assert_error(await resp.json(), "invalid", field)
    assert await Campaign.all().count() == 0


async def test_a_body_that_is_not_json_is_a_400(client):
    resp = await client.post("/api/campaigns", data=b"{nope", headers=await bearer("manager"))

    assert resp.status == 400
    assert_error(await resp.json(), "invalid", "body")


@pytest.mark.parametrize("path", ["/api/campaigns/999", "/api/campaigns/abc", "/api/campaigns/999/orders",
                                  "/api/campaigns/999/picklist", "/api/nowhere"])
async def test_unknown_ids_and_routes_are_404_in_the_one_error_shape(client, path):
    resp = await client.get(path, headers=await bearer("cashier"))

    assert resp.status == 404
    assert_error(await resp.json(), "not_found")


async def test_closing_a_campaign_refuses_later_orders(client):
    headers = await bearer("manager")
    opened = await (await client.post("/api/campaigns", json=CAMPAIGN, headers=headers)).json()

    resp = await client.post(f"/api/campaigns/{opened['id']}/close", headers=headers)

    assert resp.status == 200 and (await resp.json())["status"] == "closed"
    assert await Notification.filter(template="pick_list", recipient="Uhost0001").count() == 1


async def test_orders_and_pick_list_show_what_buyers_reserved(client):
    headers = await bearer("manager")
    opened = await (await client.post("/api/campaigns", json=CAMPAIGN, headers=headers)).json()
    amy = await upsert_member("Uamy", "Amy <b>")
    bob = await upsert_member("Ubob", "阿明")
    now = utcnow()
    await reserve(campaign_id=opened["id"], member_id=amy.id, wanted=[Wanted("A", 2), Wanted("B", 1)], now=now)
    await reserve(campaign_id=opened["id"], member_id=bob.id, wanted=[Wanted("A", 1)], now=now)

    orders = (await (await client.get(f"/api/campaigns/{opened['id']}/orders", headers=headers)).json())["orders"]
    picklist = await (await client.get(f"/api/campaigns/{opened['id']}/picklist", headers=headers)).json()
    csv_resp = await client.get(f"/api/campaigns/{opened['id']}/picklist?format=csv", headers=headers)

    assert [(o["member"]["display_name"], o["total"], o["paid"], o["balance"], o["status"]) for o in orders] == [
        ("Amy <b>", 370, 0, 370, "open"), ("阿明", 120, 0, 120, "open")]
    assert [(l["label"], l["qty"], l["status"]) for l in orders[0]["lines"]] == [("A", 2, "reserved"), ("B", 1, "reserved")]
    assert [(i["label"], i["qty"]) for i in picklist["items"]] == [("A", 3), ("B", 1)]
    raw = await csv_resp.read()
    assert csv_resp.content_type == "text/csv" and raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0] == ["訂單編號", "買家", "電話", "A 原味", "B 抹茶"]
    assert rows[-1] == ["", "合計", "", "3", "1"]


async def test_a_retried_open_with_the_same_idempotency_key_is_recorded_once(client):
    headers = {**await bearer("manager"), "Idempotency-Key": "k-123"}

    first = await client.post("/api/campaigns", json=CAMPAIGN, headers=headers)
    second = await client.post("/api/campaigns", json=CAMPAIGN, headers=headers)

    assert first.status == second.status == 201
    assert (await first.json()) == (await second.json())
    assert second.headers.get("Idempotent-Replayed") == "true"
    assert await Campaign.all().count() == 1
    assert await Notification.all().count() == 2


async def test_concurrent_requests_with_one_idempotency_key_write_once(client):
    headers = {**await bearer("manager"), "Idempotency-Key": "double-click"}

    responses = await asyncio.gather(*[client.post("/api/campaigns", json=CAMPAIGN, headers=headers) for _ in range(5)])

    statuses = sorted(r.status for r in responses)
    assert statuses.count(201) >= 1 and set(statuses) <= {201, 409}
    assert await Campaign.all().count() == 1


async def test_a_reused_idempotency_key_with_another_body_is_refused(client):
    headers = {**await bearer("manager"), "Idempotency-Key": "k-1"}
    await client.post("/api/campaigns", json=CAMPAIGN, headers=headers)

    resp = await client.post("/api/campaigns", json={**CAMPAIGN, "title": "other"}, headers=headers)

    assert resp.status == 409
    assert_error(await resp.json(), "idempotency_conflict", "Idempotency-Key")
    assert await Campaign.all().count() == 1


async def test_a_refusal_is_replayed_the_same_way(client):
    headers = {**await bearer("manager"), "Idempotency-Key": "k-bad"}
    bad = {**CAMPAIGN, "title": ""}

    first = await client.post("/api/campaigns", json=bad, headers=headers)
    second = await client.post("/api/campaigns", json=bad, headers=headers)

    assert first.status == second.status == 400
    assert await first.json() == await second.json()
    assert await IdempotencyKey.filter(key="k-bad").count() == 1


async def test_the_openapi_document_lists_every_campaign_route(client):
    resp = await client.get("/api/openapi.json")

    doc = await resp.json()
    assert resp.status == 200 and doc["openapi"].startswith("3.")
    routes = {(r.method, r.resource.canonical) for r in client.app.router.routes() if r.resource.canonical.startswith("/api")}
    for method, path in routes:
        if method != "HEAD":
            assert method.lower() in doc["paths"][path], (method, path)


# --- listing and editing campaigns ---------------------------------------------------------

async def _opened(client, headers, **change):
    resp = await client.post("/api/campaigns", json={**CAMPAIGN, "announce": False, **change}, headers=headers)
    assert resp.status == 201
    return await resp.json()


async def test_the_campaign_list_shows_each_campaign_with_its_orders_and_per_item_sold_and_stock(client):
    manager = await bearer("manager")
    first = await _opened(client, manager, title="草莓大福")
    second = await _opened(client, manager, title="檸檬塔", closes_at=local(day(10)))
    await client.post(f"/api/campaigns/{second['id']}/close", headers=manager)
    amy, bob = await upsert_member("Uamy", "Amy"), await upsert_member("Ubob", "阿明")
    now = utcnow()
    await reserve(campaign_id=first["id"], member_id=amy.id, wanted=[Wanted("A", 2), Wanted("B", 1)], now=now)
    await reserve(campaign_id=first["id"], member_id=bob.id, wanted=[Wanted("A", 1)], now=now)

    resp = await client.get("/api/campaigns", headers=await bearer("cashier"))

    body = await resp.json()
    assert resp.status == 200
    assert [(c["title"], c["status"], c["orders"]) for c in body["campaigns"]] == [
        ("草莓大福", "open", 2), ("檸檬塔", "closed", 0)]
    listed = body["campaigns"][0]
    assert (listed["id"], listed["code"], listed["closes_at"], listed["pickup_from"], listed["pickup_until"],
            listed["pickup_place"]) == (first["id"], first["code"], utc(day(0)), date_(2),
                                        date_(5), "本店")
    assert [(i["label"], i["stock"], i["sold"], i["waitlisted"]) for i in listed["items"]] == [
        ("A", 50, 3, 0), ("B", None, 1, 0)]


async def test_the_campaign_list_filters_by_status_and_names_a_bad_status(client):
    manager = await bearer("manager")
    await _opened(client, manager, title="草莓大福")
    closed = await _opened(client, manager, title="檸檬塔")
    await client.post(f"/api/campaigns/{closed['id']}/close", headers=manager)

    only_closed = await client.get("/api/campaigns?status=closed", headers=manager)
    bad = await client.get("/api/campaigns?status=maybe", headers=manager)

    assert [c["title"] for c in (await only_closed.json())["campaigns"]] == ["檸檬塔"]
    assert bad.status == 400
    assert_error(await bad.json(), "invalid", "status")


@pytest.mark.parametrize("method,path", [("GET", "/api/campaigns"), ("PATCH", "/api/campaigns/1")])
async def test_listing_and_editing_campaigns_need_credentials(client, method, path):
    resp = await client.request(method, path, json={"pickup_place": "二樓"})

    assert resp.status == 401
    assert_error(await resp.json(), "unauthorized")


async def test_a_manager_moves_an_open_campaigns_deadline_and_pickup_window(client):
    manager = await bearer("manager")
    opened = await _opened(client, manager)

    resp = await client.patch(f"/api/campaigns/{opened['id']}", headers=manager, json={
        "closes_at": local(day(1, 21, 30)), "pickup_until": date_(8), "pickup_place": "二樓櫃台"})

    body = await resp.json()
    assert resp.status == 200
    assert (body["closes_at"], body["pickup_from"], body["pickup_until"], body["pickup_place"]) == (
        utc(day(1, 21, 30)), date_(2), date_(8), "二樓櫃台")
    stored = await Campaign.get(id=opened["id"])
    assert (stored.closes_at.isoformat(), stored.status) == (utc(day(1, 21, 30)), "open")


async def test_a_cashier_may_not_edit_a_campaign_and_nothing_changes(client):
    opened = await _opened(client, await bearer("manager"))

    resp = await client.patch(f"/api/campaigns/{opened['id']}", headers=await bearer("cashier"),
                              json={"closes_at": local(day(1, 21, 30))})

    assert resp.status == 403
    assert_error(await resp.json(), "forbidden")
    assert (await Campaign.get(id=opened["id"])).closes_at.isoformat() == utc(day(0))


@pytest.mark.parametrize("path", ["/api/campaigns/999", "/api/campaigns/abc"])
async def test_editing_an_unknown_campaign_is_404(client, path):
    resp = await client.patch(path, headers=await bearer("manager"), json={"pickup_place": "二樓"})

    assert resp.status == 404
    assert_error(await resp.json(), "not_found")


async def test_a_closed_campaigns_deadline_cannot_move_and_nothing_changes(client):
    manager = await bearer("manager")
    opened = await _opened(client, manager)
    await client.post(f"/api/campaigns/{opened['id']}/close", headers=manager)

    resp = await client.patch(f"/api/campaigns/{opened['id']}", headers=manager,
                              json={"closes_at": local(day(1, 21, 30)), "pickup_place": "二樓"})

    assert resp.status == 409
    assert_error(await resp.json(), "invalid_state")
    stored = await Campaign.get(id=opened["id"])
    assert (stored.status, stored.closes_at.isoformat(), stored.pickup_place) == (
        "closed", utc(day(0)), "本店")


async def test_a_closed_campaigns_pickup_place_can_still_change(client):
    manager = await bearer("manager")
    opened = await _opened(client, manager)
    await client.post(f"/api/campaigns/{opened['id']}/close", headers=manager)

    resp = await client.patch(f"/api/campaigns/{opened['id']}", headers=manager, json={"pickup_place": "二樓"})

    assert resp.status == 200 and (await resp.json())["pickup_place"] == "二樓"


@pytest.mark.parametrize("body,field", [
    ({"closes_at": "2020-01-01T00:00:00+08:00"}, "closes_at"),
    ({"closes_at": "2030-12-01 21:30"}, "closes_at"),
    ({"closes_at": "soon"}, "closes_at"),
    ({"pickup_until": date_(1)}, "pickup_until"),
    ({"pickup_from": date_(9)}, "pickup_from"),
    ({"pickup_from": "12/2"}, "pickup_from"),
    ({"pickup_place": 12}, "pickup_place"),
    ({"title": "  "}, "title"),
    ({"note": "x" * 1001}, "note"),
    ({}, "body"),
])
async def test_a_bad_edit_is_a_400_naming_the_field_and_changes_nothing(client, body, field):
    manager = await bearer("manager")
    opened = await _opened(client, manager)

    resp = await client.patch(f"/api/campaigns/{opened['id']}", headers=manager, json=body)

    assert resp.status == 400
    assert_error(await resp.json(), "invalid", field)
    stored = await Campaign.get(id=opened["id"])
    assert (stored.title, stored.closes_at.isoformat(), stored.pickup_from.isoformat(),
            stored.pickup_until.isoformat(), stored.pickup_place) == (
        "草莓大福", utc(day(0)), date_(2), date_(5), "本店")


async def test_a_retried_edit_with_the_same_idempotency_key_is_applied_once(client):
    manager = await bearer("manager")
    opened = await _opened(client, manager)
    path = f"/api/campaigns/{opened['id']}"
    edit = {"closes_at": local(day(1, 21, 30))}

    first = await client.patch(path, json=edit, headers={**manager, "Idempotency-Key": "move-1"})
    # someone moves it again in between; the retry must not undo that
    await client.patch(path, json={"closes_at": local(day(3))}, headers=manager)
    retry = await client.patch(path, json=edit, headers={**manager, "Idempotency-Key": "move-1"})

    assert first.status == retry.status == 200
    assert retry.headers.get("Idempotent-Replayed") == "true" and "Idempotent-Replayed" not in first.headers
    assert await retry.json() == await first.json()
    assert (await Campaign.get(id=opened["id"])).closes_at.isoformat() == utc(day(3))
    assert await IdempotencyKey.filter(key="move-1").count() == 1


# --- the month's LINE pushes ----------------------------------------------------------------

async def _sent(template, sent_at, billed, kind="push"):
    await Notification.create(channel=kind, recipient_kind="group", recipient="Cg", template=template, params={},
                              retry_key=uuid.uuid4(), status="sent", next_attempt_at=sent_at, created_at=sent_at,
                              sent_at=sent_at, billed=billed)


async def test_the_push_report_counts_one_months_pushes_by_template_in_the_shops_zone(client):
    # 2026-10-31 23:30 in Taipei is still October there (15:30 UTC)
    await _sent("campaign_announcement", datetime(2026, 10, 31, 15, 30, tzinfo=timezone.utc), 200)
    await _sent("campaign_announcement", datetime(2026, 10, 31, 16, 30, tzinfo=timezone.utc), 150)  # Nov 1st 00:30
    await _sent("waitlist_promoted", datetime(2026, 11, 20, 4, 0, tzinfo=timezone.utc), 1)
    await _sent("waitlist_promoted", datetime(2026, 11, 21, 4, 0, tzinfo=timezone.utc), 1)
    await _sent("reply", datetime(2026, 11, 21, 4, 0, tzinfo=timezone.utc), 0, kind="reply")  # free, not counted
    await _sent("pick_list", datetime(2026, 12, 1, 4, 0, tzinfo=timezone.utc), 1)

    resp = await client.get("/api/reports/pushes?month=2026-11", headers=await bearer("manager"))

    assert resp.status == 200
    assert await resp.json() == {
        "month": "2026-11", "pushes": 3, "billed": 152, "quota": None, "used_by_line": None, "checked_at": None,
        "limit_reached": False, "budget": None, "held": 0,
        "templates": {"campaign_announcement": {"pushes": 1, "billed": 150}, "waitlist_promoted": {"pushes": 2, "billed": 2}},
        "by_template": [{"template": "campaign_announcement", "pushes": 1, "billed": 150},
                        {"template": "waitlist_promoted", "pushes": 2, "billed": 2}]}


async def test_the_push_report_is_for_managers_and_names_a_bad_month(client):
    cashier = await client.get("/api/reports/pushes", headers=await bearer("cashier"))
    bad = await client.get("/api/reports/pushes?month=2026-13", headers=await bearer("manager"))

    assert cashier.status == 403
    assert bad.status == 400
    assert_error(await bad.json(), "invalid", "month")
