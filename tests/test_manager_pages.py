"""The manager pages over HTTP against the running app: signed in through the real /login
form (session cookie), real database, real middleware."""
import csv
import io
import pathlib
import re
from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from commerce.campaigns import CampaignSpec, ItemSpec, open_campaign
from commerce.db import utcnow
from commerce.members import bind_phone, upsert_member
from commerce.models import Campaign, Payment
from commerce.ordering import Wanted, reserve
from commerce.commands import NewPayment
from commerce.payments import record_payment, report_transfer
from commerce.pickup import hand_over
from commerce.words import checkout as text_checkout
from commerce.words import common as text_common
from commerce.words import manager as text_manager
from commerce.words import people as text_people
from tests.api_helpers import CAMPAIGN, signed_in

ROOT = pathlib.Path(__file__).resolve().parent.parent
EVIL = "<script>alert(1)</script>"
CLOSE = datetime.fromisoformat(CAMPAIGN["closes_at"])  # a week from today, 20:00 in Taipei


@pytest.fixture
async def shop(client):
    """One open campaign (deadline a week from today, 20:00 Taipei): EVIL owes 240 for A×2 and has
    reported a transfer of 240 from an account ending 12345; 阿明 paid 120 cash for A×1 and
    picked it up; 小美 is waitlisted for B (sold out)."""
    now = utcnow()
    campaign = await open_campaign(CampaignSpec(
        title="草莓大福", items=[ItemSpec(label="A", name="原味", price=120, stock=50), ItemSpec(label="B", name="抹茶", price=130, stock=0)],
        closes_at=CLOSE, pickup_place="本店", pickup_from=CLOSE.date() + timedelta(days=2),
        pickup_until=CLOSE.date() + timedelta(days=5), announce=False,
    ), now=now)
    evil = await upsert_member("Uevil", EVIL)
    await bind_phone(evil.id, "0912-345-678")
    owing = await reserve(campaign_id=campaign.id, member_id=evil.id, wanted=[Wanted("A", 2)], now=now)
    transfer = await report_transfer(order_id=owing.order_id, last5="12345", amount=240, actor="Uevil", now=now)
    paid = await reserve(campaign_id=campaign.id, member_id=(await upsert_member("Uming", "阿明")).id,
                         wanted=[Wanted("A", 1)], now=now)
    await record_payment(paid.order_id, NewPayment(method="cash", amount=120, tendered=200), actor="t", now=now)
    await hand_over(order_id=paid.order_id, actor="t", now=now)
    await reserve(campaign_id=campaign.id, member_id=(await upsert_member("Umei", "小美")).id,
                  wanted=[Wanted("B", 1)], now=now)
    return {"campaign": campaign, "owing": owing.order_id, "paid": paid.order_id, "transfer": transfer}


def pages(shop) -> list[str]:
    cid = shop["campaign"].id
    return ["/manager/campaigns", f"/manager/campaigns/{cid}", f"/manager/campaigns/{cid}?show=unpaid",
            f"/manager/campaigns/{cid}?show=not_picked_up", f"/manager/campaigns/{cid}/picklist",
            "/manager/transfers", "/manager/reports", "/manager/reports?date=2026-01-05"]


# --- who may see the pages ---------------------------------------------------------------------

async def test_every_manager_page_renders_for_a_manager_with_the_strict_csp(client, shop):
    await signed_in(client, "manager", page="/manager/campaigns")

    for path in pages(shop):
        resp = await client.get(path)

        html = await resp.text()
        assert resp.status == 200, path
        assert resp.content_type == "text/html", path
        assert "script-src 'self'" in resp.headers["Content-Security-Policy"], path
        assert 'id="manager"' in html and "manager.js" in html, path
        assert "<script>" not in html.replace('<script type="application/json" id="strings">', ""), path
        assert " style=" not in html, path  # the CSP allows no inline style


async def test_a_cashier_gets_the_403_page_on_every_manager_page(client, shop):
    await signed_in(client, "cashier", page="/manager/campaigns")

    for path in pages(shop):
        resp = await client.get(path)

        html = await resp.text()
        assert resp.status == 403, path
        assert "這一頁需要店長權限" in html, path
        assert "草莓大福" not in html and "alert(1)" not in html, path


async def test_without_a_session_every_manager_page_sends_you_to_sign_in(client, shop):
    for path in pages(shop):
        resp = await client.get(path, allow_redirects=False)

        assert resp.status == 303, path
        location = urlsplit(resp.headers["Location"])
        assert (location.path, parse_qs(location.query)["next"]) == ("/login", [path]), path


async def test_an_unknown_campaign_is_404(client, shop):
    await signed_in(client, "manager", page="/manager/campaigns")

    assert (await client.get("/manager/campaigns/99999")).status == 404
    assert (await client.get("/manager/campaigns/99999/picklist")).status == 404
    assert (await client.get("/manager/campaigns/9999999999")).status == 404


async def test_manager_alone_goes_to_the_campaigns(client):
    await signed_in(client, "manager", page="/manager/campaigns")

    resp = await client.get("/manager", allow_redirects=False)

    assert resp.status == 303 and resp.headers["Location"] == "/manager/campaigns"


# --- what the pages show -------------------------------------------------------------------------

async def test_the_campaign_list_shows_deadline_in_the_shops_zone_window_orders_and_sold_over_stock(client, shop):
    await signed_in(client, "manager", page="/manager/campaigns")

    html = await (await client.get("/manager/campaigns")).text()

    card = html[html.index(f'data-campaign="{shop["campaign"].id}"'):]
    assert shop["campaign"].code in card
    assert f'<dd data-role="deadline">{CLOSE:%Y-%m-%d} 20:00</dd>' in card
    assert f'<dd data-role="pickup">{CLOSE.date() + timedelta(days=2)} – {CLOSE.date() + timedelta(days=5)} · 本店</dd>' in card
    assert "<dt>訂單數</dt><dd>3</dd>" in card
    assert re.search(r"<b>A</b> 原味 <span class=\"num\">3 / 50</span>", card)
    assert re.search(r"<b>B</b> 抹茶 <span class=\"num\">0 / 0</span> <span class=\"badge warn\">候補 1</span>", card)
    assert f'value="{CLOSE:%Y-%m-%d}T20:00"' in card  # the deadline input, in the shop's zone


async def test_orders_filter_to_unpaid_and_not_picked_up(client, shop):
    await signed_in(client, "manager", page="/manager/campaigns")
    cid = shop["campaign"].id

    everyone = await (await client.get(f"/manager/campaigns/{cid}")).text()
    unpaid = await (await client.get(f"/manager/campaigns/{cid}?show=unpaid")).text()
    not_picked_up = await (await client.get(f"/manager/campaigns/{cid}?show=not_picked_up")).text()

    def numbers(html):
        return re.findall(r'<tr data-order="(\d+)">', html)

    owing, paid = str(shop["owing"]), str(shop["paid"])
    assert numbers(everyone) == [owing, paid, str(int(paid) + 1)]
    assert numbers(unpaid) == [owing]  # 小美 is only waitlisted: nothing is due
    assert numbers(not_picked_up) == [owing, str(int(paid) + 1)]
    assert '<a href="/manager/campaigns/%d?show=unpaid#orders" aria-current="page">未付清</a>' % cid in unpaid
    assert "NT$240" in unpaid and "0912-345-678" in unpaid
    assert f'href="/api/campaigns/{cid}/picklist?format=csv"' in everyone


async def test_a_buyer_name_with_markup_is_escaped_on_the_orders_transfers_and_pick_list_pages(client, shop):
    await signed_in(client, "manager", page="/manager/campaigns")
    cid = shop["campaign"].id

    for path in (f"/manager/campaigns/{cid}", "/manager/transfers", f"/manager/campaigns/{cid}/picklist"):
        html = await (await client.get(path)).text()

        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, path
        assert EVIL not in html, path


async def test_the_transfers_page_lists_reports_awaiting_confirmation(client, shop):
    await signed_in(client, "manager", page="/manager/campaigns")

    html = await (await client.get("/manager/transfers")).text()

    row = re.search(r'<tr class="transfer" data-transfer="(\d+)">(.*?)</tr>', html, re.S)
    assert int(row.group(1)) == shop["transfer"].id
    assert f"#{shop['owing']}" in row.group(2) and "NT$240" in row.group(2) and "12345" in row.group(2)
    assert 'id="import-form"' in html and 'name="file"' in html
    assert "多" not in row.group(2)  # a report of what is due is not flagged


async def test_a_reported_transfer_above_what_the_order_owes_is_flagged_on_the_transfers_page(client, shop):
    await report_transfer(order_id=shop["owing"], last5="54321", amount=350, actor="Ubuyer", now=utcnow())
    await signed_in(client, "manager", page="/manager/campaigns")

    html = await (await client.get("/manager/transfers")).text()

    rows = re.findall(r'<tr class="transfer" data-transfer="\d+">(.*?)</tr>', html, re.S)
    assert [("54321" in r, "比待付 NT$240 多 NT$110" in r) for r in rows] == [(True, True)]


async def test_the_pick_list_page_has_per_item_totals_then_per_buyer_packing_and_a_print_button(client, shop):
    await signed_in(client, "manager", page="/manager/campaigns")

    html = await (await client.get(f"/manager/campaigns/{shop['campaign'].id}/picklist")).text()

    assert re.search(r"<td><b>A</b></td><td>原味</td><td class=\"num big-num\">3</td>", html)
    assert re.search(r"<td><b>B</b></td><td>抹茶</td><td class=\"num big-num\">0</td>", html)
    assert f"#{shop['owing']}" in html and "A 原味 ×2" in html and "阿明" in html
    assert "小美" not in html  # waitlisted: nothing to pack
    assert 'id="print-button"' in html


async def test_the_daily_report_shows_takings_by_method_as_bars_orders_pickups_and_the_months_pushes(client, shop):
    await signed_in(client, "manager", page="/manager/campaigns")
    now = utcnow()
    await record_payment(shop["owing"], NewPayment(method="linepay", amount=60), actor="t", now=now)

    html = await (await client.get("/manager/reports")).text()

    assert '<span class="stat-value" id="takings-total">NT$180</span>' in html
    assert '<span class="stat-value" id="orders-count">3</span>' in html
    assert '<span class="stat-value" id="pickups-count">1</span>' in html
    bars = re.findall(r'<div class="bar-row" data-method="(\w+)">.*?<rect width="([\d.]+)"', html, re.S)
    assert bars == [("cash", "100.0"), ("linepay", "50.0")]
    assert "這個月還沒有推播" in html


async def test_a_day_without_takings_has_no_chart_and_a_bad_date_falls_back_to_today(client, shop):
    await signed_in(client, "manager", page="/manager/campaigns")

    quiet = await (await client.get("/manager/reports?date=2026-01-05")).text()
    bad = await (await client.get("/manager/reports?date=yesterday")).text()

    assert "這天沒有收款" in quiet and 'id="takings-chart"' not in quiet
    assert "「yesterday」不是日期" in bad and 'id="takings-chart"' in bad


async def test_pages_speak_english_when_asked(client, shop):
    await signed_in(client, "manager", page="/manager/campaigns")

    html = await (await client.get("/manager/transfers?lang=en")).text()

    assert "Transfers reported in chat, to confirm" in html and "Import a bank statement" in html
    assert "待確認的轉帳" not in html


# --- writes go through the API with the session's CSRF token ---------------------------------------

async def test_the_pick_list_csv_downloads_with_the_session_cookie(client, shop):
    await signed_in(client, "manager", page="/manager/campaigns")

    resp = await client.get(f"/api/campaigns/{shop['campaign'].id}/picklist?format=csv")

    assert resp.status == 200 and resp.content_type == "text/csv"
    rows = list(csv.reader(io.StringIO((await resp.read()).decode("utf-8-sig"))))
    assert rows[0] == ["訂單編號", "買家", "電話", "A 原味", "B 抹茶"]
    assert rows[1] == [str(shop["owing"]), EVIL, "0912-345-678", "2", ""]
    assert rows[-1] == ["", "合計", "", "3", "0"]


async def test_a_write_with_the_session_but_without_the_csrf_token_is_refused_and_changes_nothing(client, shop):
    csrf = await signed_in(client, "manager", page="/manager/campaigns")
    cid = shop["campaign"].id

    no_token = await client.post(f"/api/campaigns/{cid}/close")
    wrong_token = await client.patch(f"/api/campaigns/{cid}", json={"pickup_place": "二樓"},
                                     headers={"X-CSRF-Token": "not-the-token"})
    no_token_confirm = await client.post(f"/api/transfers/{shop['transfer'].id}/confirm")

    assert (no_token.status, wrong_token.status, no_token_confirm.status) == (403, 403, 403)
    assert (await no_token.json())["error"]["code"] == "csrf"
    stored = await Campaign.get(id=cid)
    assert (stored.status, stored.pickup_place) == ("open", "本店")
    assert (await Payment.get(id=shop["transfer"].id)).status == "reported"
    # the same write with the page's token goes through
    with_token = await client.post(f"/api/campaigns/{cid}/close", headers={"X-CSRF-Token": csrf})
    assert with_token.status == 200 and (await Campaign.get(id=cid)).status == "closed"


async def test_a_manager_edits_a_deadline_through_the_api_with_the_session(client, shop):
    csrf = await signed_in(client, "manager", page="/manager/campaigns")
    cid = shop["campaign"].id
    headers = {"X-CSRF-Token": csrf, "Idempotency-Key": "edit-1"}

    past = await client.patch(f"/api/campaigns/{cid}", json={"closes_at": "2020-01-01T20:00:00+08:00"}, headers=headers)
    moved = await client.patch(f"/api/campaigns/{cid}", json={"closes_at": f"{CLOSE.date() + timedelta(days=1)}T21:00:00+08:00"},
                               headers={**headers, "Idempotency-Key": "edit-2"})

    assert past.status == 400 and (await past.json())["error"]["field"] == "closes_at"
    assert moved.status == 200
    html = await (await client.get("/manager/campaigns")).text()
    assert f'<dd data-role="deadline">{CLOSE.date() + timedelta(days=1)} 21:00</dd>' in html


# --- every word in both languages ----------------------------------------------------------------

def test_every_word_the_manager_pages_use_is_in_the_text_table_in_both_languages():
    templates = sorted((ROOT / "pickup_counter" / "templates").glob("manager_*.html"))
    script = (ROOT / "pickup_counter" / "static" / "manager.js").read_text(encoding="utf-8")
    used = set()
    for path in templates:
        used |= set(re.findall(r"\bt\('([\w.]+)'", path.read_text(encoding="utf-8")))
    used |= set(re.findall(r'\bt\("([\w.]+)"', script))
    used = {key for key in used if not key.endswith(".")}  # prefixes, checked below
    prefixes = set(re.findall(r"\bt\('([\w.]+\.)' \+", "".join(p.read_text(encoding="utf-8") for p in templates)))
    prefixes |= set(re.findall(r"\bt\(`([\w.]+\.)\$\{", script))
    known = text_manager.TEXT | text_common.TEXT | text_people.TEXT | text_checkout.TEXT  # members (#18); split and credit

    assert len(used) > 100 and prefixes == {"mgr.status.", "mgr.order.", "mgr.method.", "mgr.orders.filter."}
    assert sorted(used - set(known)) == []
    for prefix, names in (("mgr.status.", ("open", "closed", "cancelled", "reported", "confirmed", "void")),
                          ("mgr.order.", ("open", "picked_up", "cancelled")),
                          ("mgr.method.", ("cash", "card", "linepay", "jkopay", "transfer")),
                          ("mgr.orders.filter.", ("all", "unpaid", "not_picked_up"))):
        assert [prefix + n for n in names if prefix + n not in known] == []
    for key, (zh, en) in text_manager.TEXT.items():
        assert key.startswith("mgr.") and zh.strip() and en.strip(), key
