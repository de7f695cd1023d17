"""Host tools, part 2 (#18) over HTTP: the orders CSV, the pick list CSV's language, members
search, the buyer with every order and notes — and each refusal, with nothing written."""
import csv
import io

import pytest

from commerce.campaigns import ItemSpec
from commerce.db import utcnow
from commerce.members import bind_phone, upsert_member
from commerce.models import MemberNote
from commerce.ordering import Wanted, reserve
from tests.api_helpers import assert_error, bearer
from tests.factories import a_campaign

EVIL = "=HYPERLINK(\"http://x\")<script>"


@pytest.fixture
async def shop(client):
    """A (stock 2) and B: 小美 (0912-345-678) A×2 B×1; a hostile name A×1 waitlisted."""
    now = utcnow()
    campaign = await a_campaign(now, ItemSpec(label="A", name="原味", price=120, stock=2),
                                ItemSpec(label="B", name="抹茶", price=130))
    mei = await upsert_member("Umei", "小美")
    await bind_phone(mei.id, "0912-345-678")
    evil = await upsert_member("Uevil", EVIL)
    first = await reserve(campaign_id=campaign.id, member_id=mei.id, wanted=[Wanted("A", 2), Wanted("B", 1)], now=now)
    second = await reserve(campaign_id=campaign.id, member_id=evil.id, wanted=[Wanted("A", 1)], now=now)
    return {"campaign": campaign, "mei": mei, "evil": evil, "mei_order": first.order_id, "evil_order": second.order_id}


def rows_of(raw: bytes) -> list[list[str]]:
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with a BOM: Excel keeps the Chinese
    text = raw.decode("utf-8-sig")
    assert "\r\n" in text and "\n" not in text.replace("\r\n", "")  # CRLF rows
    return list(csv.reader(io.StringIO(text, newline="")))


async def test_the_orders_csv_has_one_row_per_order_headers_in_chinese_and_formula_safe_names(client, shop):
    resp = await client.get(f"/api/campaigns/{shop['campaign'].id}/orders?format=csv", headers=await bearer("cashier"))

    assert resp.status == 200 and resp.content_type == "text/csv"
    assert resp.headers["Content-Disposition"] == f'attachment; filename="orders-{shop["campaign"].code}.csv"'
    rows = rows_of(await resp.read())
    assert rows[0] == ["訂單編號", "買家", "電話", "LINE ID", "A 原味", "B 抹茶", "候補", "合計", "已付", "待付", "狀態",
                       "下單時間"]
    mei, evil = rows[1], rows[2]
    assert mei[:10] == [str(shop["mei_order"]), "小美", "0912-345-678", "Umei", "2", "1", "", "370", "0", "370"]
    assert mei[10] == "未取貨"
    assert evil[:10] == [str(shop["evil_order"]), "'" + EVIL, "", "Uevil", "", "", "A ×1", "0", "0", "0"]
    assert len(rows) == 3


async def test_the_orders_csv_headers_follow_lang_and_the_signed_in_pages_language(client, shop):
    path = f"/api/campaigns/{shop['campaign'].id}/orders?format=csv"
    headers = await bearer("cashier")

    english = rows_of(await (await client.get(path + "&lang=en", headers=headers)).read())
    client.session.cookie_jar.update_cookies({"plusone_lang": "en"})
    by_cookie = rows_of(await (await client.get(path, headers=headers)).read())

    assert english[0][:4] == ["Order", "Buyer", "Phone", "LINE id"]
    assert english[0][-6:] == ["Waitlisted", "Total", "Paid", "Balance due", "Status", "Ordered at"]
    assert english[1][10] == "Not picked up"
    assert by_cookie[0] == english[0]


async def test_the_orders_json_is_unchanged_without_format(client, shop):
    resp = await client.get(f"/api/campaigns/{shop['campaign'].id}/orders", headers=await bearer("cashier"))

    assert resp.status == 200
    assert [o["number"] for o in (await resp.json())["orders"]] == [str(shop["mei_order"]), str(shop["evil_order"])]


async def test_the_pick_list_csv_speaks_the_shops_language_whatever_the_page_asks(client, shop):
    resp = await client.get(f"/api/campaigns/{shop['campaign'].id}/picklist?format=csv&lang=en",
                            headers=await bearer("cashier"))

    rows = rows_of(await resp.read())
    assert rows[0] == ["訂單編號", "買家", "電話", "A 原味", "B 抹茶"]
    assert rows[-1] == ["", "合計", "", "2", "1"]


@pytest.mark.parametrize(("query", "status", "code", "field"), [
    ("format=xml", 400, "invalid", "format"), ("format=csv&lang=fr", 400, "invalid", "lang")])
async def test_a_bad_export_query_is_refused_naming_the_field(client, shop, query, status, code, field):
    resp = await client.get(f"/api/campaigns/{shop['campaign'].id}/orders?{query}", headers=await bearer("cashier"))

    assert resp.status == status
    assert_error(await resp.json(), code, field)


async def test_the_export_of_an_unknown_campaign_is_404_and_without_credentials_401(client, shop):
    missing = await client.get("/api/campaigns/99999/orders?format=csv", headers=await bearer("cashier"))
    anonymous = await client.get(f"/api/campaigns/{shop['campaign'].id}/orders?format=csv")

    assert missing.status == 404
    assert_error(await missing.json(), "not_found", "id")
    assert anonymous.status == 401
    assert_error(await anonymous.json(), "unauthorized")


# --- members --------------------------------------------------------------------------------

async def test_members_are_found_by_name_phone_and_phone_suffix(client, shop):
    headers = await bearer("cashier")
    other = await upsert_member("Uother", "阿明")
    await bind_phone(other.id, "0987-000-678")

    async def ids(q):
        resp = await client.get("/api/members", params={"q": q}, headers=headers)
        assert resp.status == 200
        return [m["id"] for m in (await resp.json())["members"]]

    assert await ids("小美") == [shop["mei"].id]
    assert await ids("0912345678") == await ids("+886 912 345 678") == [shop["mei"].id]
    assert await ids("678") == [other.id, shop["mei"].id]  # newest first
    assert await ids("5678") == [shop["mei"].id]
    assert await ids("nobody") == []


async def test_the_members_list_is_paged_with_order_counts(client, shop):
    headers = await bearer("cashier")

    first = await (await client.get("/api/members?limit=1", headers=headers)).json()
    second = await (await client.get(f"/api/members?limit=1&offset={first['next_offset']}", headers=headers)).json()

    assert first["total"] == 3 and first["next_offset"] == 1  # the host, 小美, the hostile name
    assert [m["display_name"] for m in first["members"]] == [EVIL]
    assert first["members"][0]["orders"] == 1
    assert second["members"][0]["display_name"] == "小美" and second["next_offset"] == 2


@pytest.mark.parametrize(("query", "field"), [("limit=0", "limit"), ("limit=101", "limit"), ("offset=-1", "offset"),
                                              ("q=" + "x" * 101, "q")])
async def test_a_bad_members_query_names_the_field(client, shop, query, field):
    resp = await client.get(f"/api/members?{query}", headers=await bearer("cashier"))

    assert resp.status == 400
    assert_error(await resp.json(), "invalid", field)


async def test_the_buyer_shows_every_order_past_ones_too_and_spent_net_of_refunds(client, shop):
    manager = await bearer("manager")
    number = shop["mei_order"]
    await client.post(f"/api/orders/{number}/payments", json={"method": "cash", "amount": 370}, headers=manager)
    await client.post(f"/api/orders/{number}/handover", headers=manager)
    refund = await client.post(f"/api/orders/{number}/refunds", json={"method": "cash", "amount": 20, "reason": "破損"},
                               headers=manager)
    assert refund.status == 201
    later = await a_campaign(utcnow(), ItemSpec(label="A", name="布丁", price=80), title="布丁")
    await reserve(campaign_id=later.id, member_id=shop["mei"].id, wanted=[Wanted("A", 1)], now=utcnow())

    resp = await client.get(f"/api/members/{shop['mei'].id}", headers=await bearer("cashier"))

    assert resp.status == 200
    body = await resp.json()
    assert body["member"]["display_name"] == "小美" and body["member"]["phone"] == "0912-345-678"
    assert [(o["campaign"]["title"], o["status"]) for o in body["orders"]] == [("布丁", "open"), ("草莓大福", "picked_up")]
    assert body["total_spent"] == 350
    assert body["member"]["orders"] == 2 and body["notes"] == []


async def test_a_cashier_adds_notes_kept_with_who_and_when_newest_first(client, shop):
    headers = await bearer("cashier")
    path = f"/api/members/{shop['mei'].id}/notes"

    first = await client.post(path, json={"text": "  喜歡付現  "}, headers=headers)
    second = await client.post(path, json={"text": "<b>代姊姊取貨</b>"}, headers={**headers, "Idempotency-Key": "n1"})
    again = await client.post(path, json={"text": "<b>代姊姊取貨</b>"}, headers={**headers, "Idempotency-Key": "n1"})
    buyer = await (await client.get(f"/api/members/{shop['mei'].id}", headers=headers)).json()

    assert first.status == 201 and second.status == 201 and again.status == 201
    assert (await first.json())["text"] == "喜歡付現"
    assert [n["text"] for n in buyer["notes"]] == ["<b>代姊姊取貨</b>", "喜歡付現"]
    assert all(n["actor"].startswith("token:") and n["created_at"] for n in buyer["notes"])
    assert await MemberNote.filter(member_id=shop["mei"].id).count() == 2


@pytest.mark.parametrize(("body", "field"), [({"text": "   "}, "text"), ({"text": "x" * 501}, "text"), ({}, "text"),
                                             ({"text": "ok", "pin": True}, "pin"), ({"text": 5}, "text")])
async def test_a_bad_note_is_refused_naming_the_field_and_nothing_is_written(client, shop, body, field):
    resp = await client.post(f"/api/members/{shop['mei'].id}/notes", json=body, headers=await bearer("cashier"))

    assert resp.status == 400
    assert_error(await resp.json(), "invalid", field)
    assert await MemberNote.all().count() == 0


async def test_notes_and_buyers_of_unknown_members_are_404_and_without_credentials_401(client, shop):
    headers = await bearer("cashier")

    missing = await client.get("/api/members/99999", headers=headers)
    note = await client.post("/api/members/99999/notes", json={"text": "hi"}, headers=headers)
    bad_id = await client.get("/api/members/abc", headers=headers)
    anonymous = await client.post(f"/api/members/{shop['mei'].id}/notes", json={"text": "hi"})
    anonymous_list = await client.get("/api/members")

    for resp in (missing, note, bad_id):
        assert resp.status == 404
        assert_error(await resp.json(), "not_found", "id")
    assert anonymous.status == anonymous_list.status == 401
    assert await MemberNote.all().count() == 0


async def test_the_openapi_document_describes_the_orders_csv_and_the_members_routes(client):
    doc = await (await client.get("/api/openapi.json")).json()

    answer = doc["paths"]["/api/campaigns/{id}/orders"]["get"]["responses"]["200"]["content"]
    assert set(answer) == {"application/json", "text/csv"}
    assert {"format", "lang"} <= {p["name"] for p in doc["paths"]["/api/campaigns/{id}/orders"]["get"]["parameters"]}
    assert {"/api/members", "/api/members/{id}", "/api/members/{id}/notes"} <= set(doc["paths"])
    assert "201" in doc["paths"]["/api/members/{id}/notes"]["post"]["responses"]
