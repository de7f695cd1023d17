"""Staff sign-in over HTTP against the running app: sessions, CSRF, rate limit, expiry."""
import re
from datetime import timedelta

import pytest
from yarl import URL

from commerce import sessions
from commerce.db import utcnow
from commerce.models import LoginAttempt, StaffSession
from commerce.staff import add_staff
from tests.api_helpers import PASSWORD, bearer, page_csrf, post_login


@pytest.fixture
async def client(client):
    await add_staff("amy", PASSWORD, "cashier")
    await add_staff("boss", PASSWORD, "manager")
    return client


async def sign_in(client, username="amy", password=PASSWORD, next_path="/counter"):
    return await post_login(client, username, password, next_path)


def session_cookie(client) -> str | None:
    cookie = client.session.cookie_jar.filter_cookies(client.make_url("/")).get("plusone_session")
    return cookie.value if cookie else None


async def test_a_page_without_a_session_goes_to_sign_in(client):
    resp = await client.get("/counter?q=5678", allow_redirects=False)
    assert resp.status == 303
    location = URL(resp.headers["Location"])
    assert location.path == "/login" and location.query["next"] == "/counter?q=5678"


async def test_the_right_password_signs_in_with_a_safe_cookie(client):
    resp = await sign_in(client)
    assert resp.status == 303 and resp.headers["Location"] == "/counter"
    cookie = resp.cookies["plusone_session"]
    assert cookie["httponly"] and cookie["samesite"] == "Lax" and cookie["path"] == "/"
    assert await StaffSession.filter(user__username="amy").count() == 1
    page = await client.get("/counter")
    assert page.status == 200
    assert "amy" in await page.text()
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]


async def test_a_wrong_password_is_told_next_to_the_field_and_signs_nobody_in(client):
    resp = await sign_in(client, password="not it")
    assert resp.status == 401
    html = await resp.text()
    assert re.search(r'id="password-error"[^>]*>帳號或密碼錯誤<', html)
    assert 'value="amy"' in html  # the username is kept
    assert "plusone_session" not in resp.cookies and session_cookie(client) is None
    assert await StaffSession.all().count() == 0
    assert (await client.get("/api/lookup?q=1234")).status == 401


async def test_an_unknown_user_gets_the_same_answer_as_a_wrong_password(client):
    wrong = await sign_in(client, password="not it")
    unknown = await sign_in(client, username="nobody", password="not it")
    assert wrong.status == unknown.status == 401
    assert "帳號或密碼錯誤" in await unknown.text()


async def test_an_empty_field_is_named(client):
    resp = await sign_in(client, username="  ", password="x")
    assert resp.status == 400
    assert 'id="username-error"' in await resp.text()


async def test_sign_in_without_the_form_token_is_refused(client):
    await client.get("/login")
    resp = await client.post("/login", data={"username": "amy", "password": PASSWORD, "csrf": "forged"},
                             allow_redirects=False)
    assert resp.status == 400
    assert await StaffSession.all().count() == 0


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/", "/\\evil.example"])
async def test_next_never_leaves_the_site(client, target):
    resp = await sign_in(client, next_path=target.replace("/", "%2F").replace("\\", "%5C").replace(":", "%3A"))
    assert resp.status == 303
    assert resp.headers["Location"] == "/counter"


async def test_the_session_authorises_the_api_and_writes_need_the_csrf_token(client):
    await sign_in(client)
    csrf = await page_csrf(client)
    assert (await client.get("/api/lookup?q=1234")).status == 200
    refused = await client.post("/api/sales", json={"lines": [], "payments": []})
    assert refused.status == 403
    assert (await refused.json())["error"]["code"] == "csrf"
    wrong = await client.post("/api/sales", json={"lines": [], "payments": []}, headers={"X-CSRF-Token": csrf + "x"})
    assert wrong.status == 403
    allowed = await client.post("/api/sales", json={"lines": [], "payments": []}, headers={"X-CSRF-Token": csrf})
    assert allowed.status == 400  # past CSRF and auth, refused by the sale's own rules
    assert (await allowed.json())["error"]["field"] in ("lines", "payments")


async def test_a_cashier_session_gets_403_on_manager_actions(client):
    await sign_in(client)
    csrf = await page_csrf(client)
    resp = await client.post("/api/transfers/1/confirm", headers={"X-CSRF-Token": csrf})
    assert resp.status == 403
    assert (await resp.json())["error"]["code"] == "forbidden"


async def test_bearer_callers_need_no_csrf_token_and_ignore_cookies(client):
    await sign_in(client)  # a cashier cookie rides along
    headers = await bearer("manager")
    resp = await client.post("/api/transfers/999/confirm", headers=headers)
    assert resp.status == 404  # a manager, no CSRF asked: the transfer simply does not exist


async def test_sign_out_ends_the_session_everywhere(client):
    await sign_in(client)
    token = session_cookie(client)
    csrf = await page_csrf(client)
    forged = await client.post("/logout", data={"csrf": "nope"}, allow_redirects=False)
    assert forged.status == 403
    assert await StaffSession.all().count() == 1
    resp = await client.post("/logout", data={"csrf": csrf}, allow_redirects=False)
    assert resp.status == 303 and resp.headers["Location"] == "/login?bye=1"
    assert await StaffSession.all().count() == 0
    replay = await client.get("/api/lookup?q=1234", cookies={"plusone_session": token})
    assert replay.status == 401
    assert "expired" in (await replay.json())["error"]["message"]


async def test_repeated_failures_lock_the_username_even_for_the_right_password(client):
    for _ in range(sessions.MAX_FAILS_PER_USER):
        assert (await sign_in(client, password="guess")).status == 401
    locked = await sign_in(client)
    assert locked.status == 429
    assert int(locked.headers["Retry-After"]) > 0
    assert "15 分鐘" in await locked.text()
    assert await StaffSession.all().count() == 0
    # Another login from the same address still works: the username is what is locked.
    assert (await sign_in(client, username="boss")).status == 303


async def test_the_lock_ends_when_the_failures_age_out(client):
    for _ in range(sessions.MAX_FAILS_PER_USER):
        await sign_in(client, password="guess")
    await LoginAttempt.all().update(at=utcnow() - sessions.WINDOW - timedelta(seconds=1))
    assert (await sign_in(client)).status == 303


async def test_an_address_that_guesses_many_usernames_is_locked(client):
    for i in range(sessions.MAX_FAILS_PER_ADDRESS):
        await sign_in(client, username=f"user{i}", password="guess")
    assert (await sign_in(client, username="boss")).status == 429


async def test_an_idle_session_expires(client):
    await sign_in(client)
    await StaffSession.all().update(last_seen_at=utcnow() - sessions.IDLE - timedelta(seconds=1))
    assert (await client.get("/counter", allow_redirects=False)).status == 303
    assert (await client.get("/api/lookup?q=1234")).status == 401


async def test_a_session_ends_after_its_lifetime_however_busy(client):
    await sign_in(client)
    await StaffSession.all().update(expires_at=utcnow() - timedelta(seconds=1))
    assert (await client.get("/api/lookup?q=1234")).status == 401


async def test_a_password_reset_ends_open_sessions(client):
    await sign_in(client)
    await add_staff("amy", "a new password", "cashier")
    assert (await client.get("/api/lookup?q=1234")).status == 401


async def test_the_session_carries_the_role_of_its_user(client):
    await sign_in(client, username="boss")
    page = await client.get("/counter")
    assert "店長" in await page.text()


async def test_english_is_one_click_away(client):
    await sign_in(client)
    resp = await client.get("/lang/en?next=/counter", allow_redirects=False)
    assert resp.status == 303 and resp.headers["Location"] == "/counter"
    page = await (await client.get("/counter")).text()
    assert '<html lang="en">' in page and "Sign out" in page
    assert (await client.get("/lang/fr")).status == 404


async def test_purge_forgets_ended_sessions_and_old_attempts(client):
    await sign_in(client, username="boss", password="guess")
    await sign_in(client)
    now = utcnow()
    assert await sessions.purge(now) == 0
    later = now + sessions.LIFETIME + timedelta(hours=1)
    assert await sessions.purge(later) == 1 + 2  # one session, both attempts
    assert await StaffSession.all().count() == 0 and await LoginAttempt.all().count() == 0

