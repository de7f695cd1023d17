"""Staff management by admins over HTTP (/api/staff, /api/tokens): every refusal with nothing
written, sessions that end at once on disable and on a password reset, revoked tokens."""
from __future__ import annotations

import asyncio
import pathlib
import re

import pytest
from aiohttp.test_utils import TestClient

from commerce import words
from commerce.commands import StaffEdit
from commerce.models import (
    ApiToken,
    IdempotencyKey,
    StaffChange,
    StaffSession,
    StaffUser,
)
from commerce.staff import LastAdmin, add_staff, create_token, edit_login
from commerce.states import Role, StaffAction
from tests.api_helpers import (
    PASSWORD,
    assert_error,
    bearer,
    page_csrf,
    post_login,
    signed_in,
)
from tests.browser import plusone_cli

NEW_PASSWORD = "battery staple"


async def admin_headers() -> dict[str, str]:
    return await bearer("admin")


async def snapshot() -> tuple:
    """Everything staff management writes, to show a refusal wrote nothing."""
    users = [(u.id, u.username, u.role, u.active, u.password_hash) for u in await StaffUser.all().order_by("id")]
    tokens = [(k.id, k.role, k.revoked) for k in await ApiToken.all().order_by("id")]
    return (users, tokens, await StaffChange.all().count(), await StaffSession.all().count())


async def second_client(client) -> TestClient:
    """Another browser on the same running app (its own cookie jar)."""
    other = TestClient(client.server)
    await other.start_server()
    return other


async def test_an_admin_adds_a_login_that_can_sign_in_and_the_change_is_recorded(client):
    csrf = await signed_in(client, "admin", "boss", page="/manager/staff")

    resp = await client.post("/api/staff", json={"username": " mei ", "role": "cashier", "password": PASSWORD},
                             headers={"X-CSRF-Token": csrf})

    assert resp.status == 201
    body = await resp.json()
    assert body["username"] == "mei" and body["role"] == "cashier" and body["disabled"] is False
    assert "password" not in body and "password_hash" not in body
    listed = await (await client.get("/api/staff")).json()
    assert [(u["username"], u["role"]) for u in listed["logins"]] == [("boss", "admin"), ("mei", "cashier")]
    change = await StaffChange.get(action=StaffAction.CREATED, username="mei")
    assert change.actor == "staff:boss" and change.detail == "cashier"
    browser = await second_client(client)
    try:
        assert (await post_login(browser, "mei")).status == 303
    finally:
        await browser.close()


@pytest.mark.parametrize("role", ["cashier", "manager"])
async def test_below_admin_every_staff_endpoint_is_forbidden_and_writes_nothing(client, role):
    user = await add_staff("target", PASSWORD, "cashier")
    token_id = (await ApiToken.create(token_hash="x" * 64, role="cashier", name="t")).id
    headers = await bearer(role)
    before = await snapshot()
    calls = [
        ("GET", "/api/staff", None), ("GET", "/api/staff/changes", None), ("GET", "/api/tokens", None),
        ("POST", "/api/staff", {"username": "eve", "role": "admin", "password": PASSWORD}),
        ("PATCH", f"/api/staff/{user.id}", {"role": "admin"}),
        ("PATCH", f"/api/staff/{user.id}", {"disabled": True}),
        ("POST", f"/api/staff/{user.id}/password", {"password": NEW_PASSWORD}),
        ("POST", "/api/tokens", {"name": "mine", "role": "admin"}),
        ("POST", f"/api/tokens/{token_id}/revoke", None),
    ]
    for method, path, body in calls:
        resp = await client.request(method, path, json=body, headers=headers)
        assert resp.status == 403, (method, path)
        assert_error(await resp.json(), "forbidden")
    assert await snapshot() == before


async def test_a_manager_session_gets_the_forbidden_page_and_no_staff_link(client):
    await signed_in(client, "manager", "mgr")

    resp = await client.get("/manager/staff")
    campaigns = await (await client.get("/manager/campaigns")).text()

    assert resp.status == 403 and "管理員" in await resp.text()
    assert 'href="/manager/staff"' not in campaigns


async def test_an_admin_sees_the_staff_page_linked_in_the_navigation_with_no_secret_on_it(client):
    await create_token("manager", "nightly export")
    digest = (await ApiToken.get(name="nightly export")).token_hash
    await signed_in(client, "admin", "boss")

    resp = await client.get("/manager/staff")
    html = await resp.text()

    assert resp.status == 200
    assert 'href="/manager/staff"' in html and "nightly export" in html and "boss" in html
    assert digest not in html and "po_" not in html
    english = await (await client.get("/manager/staff?lang=en")).text()
    assert "<h1>Staff and API tokens</h1>" in english and ">Disable</button>" in english


@pytest.mark.parametrize(("method", "path", "body"), [
    ("PATCH", "/api/staff/999", {"role": "manager"}),
    ("POST", "/api/staff/999/password", {"password": NEW_PASSWORD}),
    ("POST", "/api/tokens/999/revoke", None),
])
async def test_an_unknown_id_is_404_and_writes_nothing(client, method, path, body):
    headers = await admin_headers()
    before = await snapshot()

    resp = await client.request(method, path, json=body, headers=headers)

    assert resp.status == 404
    assert_error(await resp.json(), "not_found")
    assert await snapshot() == before


async def test_a_taken_username_is_a_field_error_and_writes_nothing(client):
    await add_staff("mei", PASSWORD, "cashier")
    headers = await admin_headers()
    before = await snapshot()

    resp = await client.post("/api/staff", json={"username": "mei", "role": "manager", "password": NEW_PASSWORD},
                             headers=headers)

    assert resp.status == 409
    assert_error(await resp.json(), "username_taken", field="username")
    assert await snapshot() == before


@pytest.mark.parametrize(("method", "path", "body", "field"), [
    ("POST", "/api/staff", {"username": "eve", "role": "owner", "password": PASSWORD}, "role"),
    ("POST", "/api/staff", {"username": "eve", "role": "cashier", "password": "short"}, "password"),
    ("POST", "/api/staff", {"username": "  ", "role": "cashier", "password": PASSWORD}, "username"),
    ("PATCH", "/api/staff/{id}", {"role": "superuser"}, "role"),
    ("PATCH", "/api/staff/{id}", {"disabled": "yes"}, "disabled"),
    ("PATCH", "/api/staff/{id}", {}, "body"),
    ("POST", "/api/staff/{id}/password", {"password": "1234567"}, "password"),
    ("POST", "/api/tokens", {"name": "x", "role": "root"}, "role"),
])
async def test_a_bad_field_is_named_and_writes_nothing(client, method, path, body, field):
    user = await add_staff("mei", PASSWORD, "cashier")
    headers = await admin_headers()
    before = await snapshot()

    resp = await client.request(method, path.format(id=user.id), json=body, headers=headers)

    assert resp.status == 400
    assert_error(await resp.json(), "invalid", field=field)
    assert await snapshot() == before


async def test_the_last_enabled_admin_cannot_disable_or_demote_themself(client):
    csrf = await signed_in(client, "admin", "boss", page="/manager/staff")
    me = await StaffUser.get(username="boss")
    await add_staff("old", PASSWORD, "admin")
    headers = {"X-CSRF-Token": csrf}
    other = await client.patch(f"/api/staff/{(await StaffUser.get(username='old')).id}", json={"disabled": True},
                               headers=headers)
    assert other.status == 200  # while boss was not the last
    before = await snapshot()

    for body in ({"disabled": True}, {"role": "manager"}, {"role": "cashier", "disabled": True}):
        resp = await client.patch(f"/api/staff/{me.id}", json=body, headers=headers)
        assert resp.status == 409, body
        assert_error(await resp.json(), "last_admin")
    assert await snapshot() == before
    assert (await client.get("/api/staff")).status == 200  # still signed in, still an admin


async def test_with_another_enabled_admin_an_admin_may_step_down(client):
    csrf = await signed_in(client, "admin", "boss", page="/manager/staff")
    me = await StaffUser.get(username="boss")
    await add_staff("second", PASSWORD, "admin")

    resp = await client.patch(f"/api/staff/{me.id}", json={"role": "manager"}, headers={"X-CSRF-Token": csrf})

    assert resp.status == 200 and (await resp.json())["role"] == "manager"
    assert (await client.get("/api/staff")).status == 403  # the session's role is the login's, at once
    change = await StaffChange.get(action=StaffAction.ROLE_CHANGED)
    assert (change.actor, change.username, change.detail) == ("staff:boss", "boss", "admin → manager")


async def test_a_disabled_login_is_signed_out_at_once_cannot_sign_in_and_can_be_enabled_again(client):
    user = await add_staff("mei", PASSWORD, "cashier")
    assert (await post_login(client, "mei")).status == 303
    assert (await client.get("/api/lookup?q=1234")).status == 200
    headers = await admin_headers()

    resp = await client.patch(f"/api/staff/{user.id}", json={"disabled": True}, headers=headers)

    assert resp.status == 200 and (await resp.json())["disabled"] is True
    assert await StaffSession.filter(user_id=user.id).count() == 0
    refused = await client.get("/api/lookup?q=1234")
    assert refused.status == 401
    assert_error(await refused.json(), "unauthorized")
    page = await client.get("/counter", allow_redirects=False)
    assert page.status == 303 and page.headers["Location"].startswith("/login")
    assert (await post_login(client, "mei")).status == 401
    assert await StaffSession.filter(user_id=user.id).count() == 0

    again = await client.patch(f"/api/staff/{user.id}", json={"disabled": False}, headers=headers)

    assert again.status == 200 and (await again.json())["disabled"] is False
    assert (await post_login(client, "mei")).status == 303
    actions = [c.action for c in await StaffChange.filter(username="mei").order_by("id")]
    assert actions == [StaffAction.CREATED, StaffAction.DISABLED, StaffAction.ENABLED]


async def test_a_password_reset_ends_the_logins_sessions_and_only_the_new_password_works(client):
    user = await add_staff("mei", PASSWORD, "cashier")
    assert (await post_login(client, "mei")).status == 303
    await page_csrf(client)
    headers = await admin_headers()

    resp = await client.post(f"/api/staff/{user.id}/password", json={"password": NEW_PASSWORD},
                             headers=headers | {"Idempotency-Key": "reset-1"})

    assert resp.status == 200
    assert (await client.get("/api/lookup?q=1234")).status == 401
    assert (await post_login(client, "mei", PASSWORD)).status == 401
    assert (await post_login(client, "mei", NEW_PASSWORD)).status == 303
    assert (await client.get("/api/lookup?q=1234")).status == 200
    assert await IdempotencyKey.all().count() == 0  # a body with a password keeps no key (nor its hash)
    assert await StaffChange.filter(action=StaffAction.PASSWORD_RESET, username="mei").count() == 1


async def test_a_token_is_shown_once_listed_without_its_secret_and_revoked_gets_401(client):
    headers = await admin_headers()

    resp = await client.post("/api/tokens", json={"name": "till 2", "role": "cashier"}, headers=headers)

    assert resp.status == 201
    made = await resp.json()
    secret = made["secret"]
    assert secret.startswith("po_") and made["token"]["name"] == "till 2" and made["token"]["last_used_at"] is None
    script = {"Authorization": f"Bearer {secret}"}
    assert (await client.get("/api/lookup?q=1234", headers=script)).status == 200
    listed = await (await client.get("/api/tokens", headers=headers)).text()
    row = await ApiToken.get(id=made["token"]["id"])
    assert secret not in listed and row.token_hash not in listed
    assert row.last_used_at is not None

    revoked = await client.post(f"/api/tokens/{row.id}/revoke", headers=headers)

    assert revoked.status == 200 and (await revoked.json())["revoked"] is True
    refused = await client.get("/api/lookup?q=1234", headers=script)
    assert refused.status == 401
    assert_error(await refused.json(), "unauthorized")
    twice = await client.post(f"/api/tokens/{row.id}/revoke", headers=headers)
    assert twice.status == 200
    actions = [c.action for c in await StaffChange.filter(token_id=row.id).order_by("id")]
    assert actions == [StaffAction.TOKEN_CREATED, StaffAction.TOKEN_REVOKED]


async def test_a_retried_token_creation_makes_one_token_and_never_stores_or_replays_the_secret(client):
    headers = await admin_headers() | {"Idempotency-Key": "token-1"}
    body = {"name": "scale", "role": "manager"}

    first = await (await client.post("/api/tokens", json=body, headers=headers)).json()
    again = await client.post("/api/tokens", json=body, headers=headers)

    assert again.status == 201 and again.headers["Idempotent-Replayed"] == "true"
    replay = await again.json()
    assert replay["secret"] is None and replay["token"]["id"] == first["token"]["id"]
    assert await ApiToken.filter(name="scale").count() == 1
    assert all(first["secret"] not in str(k.response) for k in await IdempotencyKey.all())


async def test_a_role_change_is_recorded_and_holds_for_an_open_session_at_once(client):
    user = await add_staff("mei", PASSWORD, "cashier")
    assert (await post_login(client, "mei")).status == 303
    assert (await client.get("/api/transfers")).status == 403
    headers = await admin_headers()

    resp = await client.patch(f"/api/staff/{user.id}", json={"role": "manager"}, headers=headers)

    assert resp.status == 200 and (await resp.json())["role"] == "manager"
    assert (await client.get("/api/transfers")).status == 200
    changes = (await (await client.get("/api/staff/changes", headers=headers)).json())["changes"]
    assert changes[0]["action"] == "role_changed" and changes[0]["detail"] == "cashier → manager"
    assert changes[0]["actor"].startswith("token:") and changes[0]["username"] == "mei"


async def test_two_admins_disabling_each_other_at_once_leave_one_enabled_admin(db, now):

    a = await add_staff("ann", PASSWORD, "admin")
    b = await add_staff("ben", PASSWORD, "admin")

    results = await asyncio.gather(edit_login(a.id, StaffEdit(disabled=True), actor="staff:ben", now=now),
                                   edit_login(b.id, StaffEdit(disabled=True), actor="staff:ann", now=now),
                                   return_exceptions=True)

    assert sorted(type(r).__name__ for r in results) == ["LastAdmin", "dict"]
    assert not any(isinstance(r, Exception) and not isinstance(r, LastAdmin) for r in results)
    assert await StaffUser.filter(role="admin", active=True).count() == 1
    assert await StaffChange.filter(action=StaffAction.DISABLED).count() == 1


def test_every_word_the_staff_page_uses_is_in_the_catalogue_in_both_languages():
    root = pathlib.Path(__file__).resolve().parent.parent / "pickup_counter"
    template = (root / "templates" / "staff.html").read_text(encoding="utf-8")
    script = (root / "static" / "staff.js").read_text(encoding="utf-8")
    used = set(re.findall(r"\bt\('([\w.]+)'", template)) | set(re.findall(r'\bt\("([\w.]+)"', script))
    used |= set(re.findall(r'"((?:staff|mgr)\.[\w.]+)"', script))  # the refusal words, by code and field
    prefixes = set(re.findall(r"\bt\('([\w.]+\.)' \+", template))

    assert prefixes == {"role.", "staff.act."}
    asked = {k for k in used if not k.endswith(".")} | {f"role.{r}" for r in Role} | {
        f"staff.act.{a}" for a in StaffAction}
    assert len(asked) > 50 and sorted(asked - words.CATALOGUE.keys()) == []
    assert all(key.startswith(("staff.", "nav.")) for key in words.AREAS["staff"])


async def test_the_cli_adds_resets_and_makes_tokens_through_the_same_functions_and_record(db, db_url):
    await plusone_cli("staff", "add", "mei", "--role", "cashier", "--password-stdin", db=db_url, stdin=PASSWORD + "\n")
    await plusone_cli("staff", "add", "mei", "--role", "manager", "--password-stdin", db=db_url,
                      stdin=NEW_PASSWORD + "\n")
    await plusone_cli("token", "create", "--role", "manager", "--name", "export", db=db_url)

    changes = [(c.actor, c.action, c.username, c.detail) for c in await StaffChange.all().order_by("id")]
    token = await ApiToken.get(name="export")
    assert changes == [("cli", StaffAction.CREATED, "mei", "cashier"), ("cli", StaffAction.PASSWORD_RESET, "mei", ""),
                       ("cli", StaffAction.ROLE_CHANGED, "mei", "cashier → manager"),
                       ("cli", StaffAction.TOKEN_CREATED, "", "export (manager)")]
    assert (await StaffChange.get(action=StaffAction.TOKEN_CREATED)).token_id == token.id
