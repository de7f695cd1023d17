"""Hardening (issue #15) over HTTP against the running app: the login burst, redirects that
stay on the site, spreadsheet-safe CSV exports, and the sandbox API kept to this machine."""
import asyncio
import csv
import io
import threading
from datetime import datetime, timedelta

import pytest
from aiohttp import web
from yarl import URL

from commerce import sessions, staff
from commerce.campaigns import CampaignSpec, ItemSpec, open_campaign
from commerce.db import utcnow
from commerce.members import bind_phone, upsert_member
from commerce.models import InboundEvent, LoginAttempt
from commerce.ordering import Wanted, reserve
from commerce.staff import add_staff
from plusone.app import create_app
from plusone.settings import Settings
from tests.api_helpers import CAMPAIGN, PASSWORD, assert_error, login_csrf, post_login, signed_in

BURST = 100


@pytest.fixture
def verifications(monkeypatch):
    """Every argon2 verification the server runs, with the thread it ran on."""
    ran: list[threading.Thread] = []
    real = staff._verify

    def counting(password_hash, password):
        ran.append(threading.current_thread())
        return real(password_hash, password)

    monkeypatch.setattr(staff, "_verify", counting)
    return ran


async def burst(client, usernames, csrf):
    """``len(usernames)`` wrong sign-ins at once (one client, one address), with a health check
    in the middle of them; returns (statuses, health status)."""
    async def attempt(username):
        resp = await client.post("/login?next=/counter", allow_redirects=False,
                                 data={"username": username, "password": "a wrong guess", "csrf": csrf})
        return resp.status

    async def health():
        await asyncio.sleep(0)  # let the burst start first
        return (await client.get("/healthz")).status

    *statuses, health_status = await asyncio.gather(*(attempt(u) for u in usernames), health())
    return statuses, health_status


# --- 1. a burst of wrong sign-ins -------------------------------------------------------------------

async def test_a_burst_of_wrong_passwords_for_one_user_checks_at_most_the_limit(client, verifications):
    await add_staff("amy", PASSWORD, "cashier")
    csrf = await login_csrf(client)

    statuses, health = await burst(client, ["amy"] * BURST, csrf)

    checked, refused = statuses.count(401), statuses.count(429)
    assert checked + refused == BURST
    assert 1 <= checked <= sessions.MAX_FAILS_PER_USER
    assert refused >= BURST - sessions.MAX_FAILS_PER_USER
    assert len(verifications) == checked  # a refused attempt never reaches argon2
    assert all(t is not threading.main_thread() for t in verifications)  # argon2 runs off the event loop
    assert health == 200
    assert await LoginAttempt.filter(username="amy", ok=False).count() == checked
    assert await LoginAttempt.filter(ok=True).count() == 0
    # the username is now locked, even for the right password
    assert (await post_login(client, "amy")).status == 429


async def test_a_burst_over_many_usernames_from_one_address_checks_at_most_the_address_limit(client):
    csrf = await login_csrf(client)

    statuses, health = await burst(client, [f"guess{i}" for i in range(BURST)], csrf)

    checked, refused = statuses.count(401), statuses.count(429)
    assert checked + refused == BURST
    assert 1 <= checked <= sessions.MAX_FAILS_PER_ADDRESS
    assert health == 200
    assert await LoginAttempt.filter(address="127.0.0.1").count() == checked


async def test_a_refused_attempt_does_not_extend_the_lock(client):
    await add_staff("amy", PASSWORD, "cashier")
    csrf = await login_csrf(client)
    statuses, _ = await burst(client, ["amy"] * 20, csrf)
    assert statuses.count(401) == sessions.MAX_FAILS_PER_USER  # one process: exactly the limit is checked
    await LoginAttempt.all().update(at=utcnow() - sessions.WINDOW - timedelta(seconds=1))

    resp = await post_login(client, "amy")

    assert resp.status == 303 and resp.headers["Location"] == "/counter"
    assert await LoginAttempt.filter(ok=True).count() == 1


async def test_the_right_password_still_signs_in_off_the_event_loop(client, verifications):
    await add_staff("amy", PASSWORD, "cashier")

    resp = await post_login(client, "amy")

    assert resp.status == 303
    assert len(verifications) == 1 and verifications[0] is not threading.main_thread()
    assert await LoginAttempt.filter(username="amy", ok=True).count() == 1
    assert await LoginAttempt.filter(ok=False).count() == 0


# --- 2. redirects stay on the site ----------------------------------------------------------------

UNSAFE_NEXT = ["//evil.example", "/%5Cevil.example", "/%5C/evil.example", "/%09/evil.example",
               "%09//evil.example", "https://evil.example", "https:%2F%2Fevil.example", "/%0d%0aSet-Cookie:x",
               "/%20/evil.example", "/x%00y", "%2F%2Fevil.example"]


def raw(path: str) -> URL:
    """A path sent exactly as written (no re-encoding by the client)."""
    return URL(path, encoded=True)


@pytest.mark.parametrize("target", UNSAFE_NEXT)
async def test_the_language_switch_never_redirects_off_the_site(client, target):
    resp = await client.get(raw(f"/lang/en?next={target}"), allow_redirects=False)

    assert resp.status == 303
    assert resp.headers["Location"] == "/"
    assert "Set-Cookie: x" not in resp.headers.getall("Set-Cookie", [])


@pytest.mark.parametrize("target", UNSAFE_NEXT)
async def test_sign_in_never_redirects_off_the_site(client, target):
    await add_staff("amy", PASSWORD, "cashier")
    csrf = await login_csrf(client)

    resp = await client.post(raw(f"/login?next={target}"), allow_redirects=False,
                             data={"username": "amy", "password": PASSWORD, "csrf": csrf})

    assert resp.status == 303 and resp.headers["Location"] == "/counter"


async def test_a_local_next_is_kept(client):
    resp = await client.get(raw("/lang/en?next=/manager/campaigns%3Fshow%3Dunpaid"), allow_redirects=False)
    assert resp.status == 303 and resp.headers["Location"] == "/manager/campaigns?show=unpaid"


async def test_a_page_with_a_space_in_its_query_comes_back_after_sign_in(client):
    await add_staff("amy", PASSWORD, "cashier")
    resp = await client.get(raw("/counter?q=%E7%8E%8B%20%E5%B0%8F%E6%98%8E"), allow_redirects=False)
    back = URL(resp.headers["Location"]).query["next"]
    csrf = await login_csrf(client)

    resp = await client.post(URL("/login").with_query(next=back), allow_redirects=False,
                             data={"username": "amy", "password": PASSWORD, "csrf": csrf})

    assert resp.status == 303
    assert URL(resp.headers["Location"]).query["q"] == "王 小明"


# --- 3. CSV exports are safe to open in a spreadsheet ----------------------------------------------

FORMULAS = ['=HYPERLINK("http://evil")', "+1", "-2+3", "@SUM(A1)", "\tx", "\r=1"]


async def test_buyer_names_that_look_like_formulas_are_exported_as_text(client):
    now = utcnow()
    closes = datetime.fromisoformat(CAMPAIGN["closes_at"])
    campaign = await open_campaign(CampaignSpec(
        title="草莓大福", items=[ItemSpec(label="A", name="原味", price=120, stock=50)], closes_at=closes, pickup_place="本店",
        pickup_from=closes.date() + timedelta(days=2), pickup_until=closes.date() + timedelta(days=5),
        announce=False,
    ), now=now)
    orders = []
    for i, name in enumerate(FORMULAS):
        member = await upsert_member(f"Uformula{i}", name)
        orders.append((await reserve(campaign_id=campaign.id, member_id=member.id, wanted=[Wanted("A", 1)],
                                     now=now)).order_id)
    plain = await upsert_member("Uplain", "阿明")
    await bind_phone(plain.id, "0912-345-678")
    plain_order = (await reserve(campaign_id=campaign.id, member_id=plain.id, wanted=[Wanted("A", 2)],
                                 now=now)).order_id
    await signed_in(client, "manager", page="/manager/campaigns")

    resp = await client.get(f"/api/campaigns/{campaign.id}/picklist?format=csv")

    assert resp.status == 200 and resp.content_type == "text/csv"
    rows = list(csv.reader(io.StringIO((await resp.read()).decode("utf-8-sig"), newline="")))
    by_order = {row[0]: row for row in rows[1:-1]}
    for order_id, name in zip(orders, FORMULAS):
        assert by_order[str(order_id)][1] == "'" + name
    assert by_order[str(plain_order)] == [str(plain_order), "阿明", "0912-345-678", "2"]  # ordinary cells unchanged
    assert rows[0] == ["訂單編號", "買家", "電話", "A 原味"]
    assert rows[-1] == ["", "合計", "", str(len(FORMULAS) + 2)]


# --- 4. the sandbox API answers only on this machine ------------------------------------------------

SAY = {"user_id": "Udemo01", "name": "小美", "text": "+1"}


@web.middleware
async def from_elsewhere(request, handler):
    """Makes every request look as if it came from another machine."""
    return await handler(request.clone(remote="203.0.113.7"))


@pytest.fixture
async def remote_client(aiohttp_client, db_url):
    app = create_app(Settings(database_url=db_url))
    app.middlewares.insert(0, from_elsewhere)
    return await aiohttp_client(app)


async def test_the_sandbox_takes_messages_from_this_machine(client):
    resp = await client.post("/sandbox/api/send", json=SAY)

    assert resp.status == 201
    assert await InboundEvent.all().count() == 1


@pytest.mark.parametrize("method,path", [("POST", "/sandbox/api/send"), ("GET", "/sandbox/api/messages"),
                                         ("GET", "/sandbox/api/people")])
async def test_the_sandbox_refuses_a_caller_on_another_machine(remote_client, method, path):
    resp = await remote_client.request(method, path, json=SAY if method == "POST" else None)

    assert resp.status == 403
    assert_error(await resp.json(), "forbidden")
    assert await InboundEvent.all().count() == 0


@pytest.mark.parametrize("header", ["X-Forwarded-For", "X-Real-IP", "Forwarded"])
async def test_the_sandbox_refuses_a_caller_relayed_by_a_proxy(client, header):
    value = "for=203.0.113.7" if header == "Forwarded" else "203.0.113.7"

    resp = await client.post("/sandbox/api/send", json=SAY, headers={header: value})

    assert resp.status == 403
    assert_error(await resp.json(), "forbidden")
    assert await InboundEvent.all().count() == 0
