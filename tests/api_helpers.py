"""Helpers for tests that drive the running app over HTTP: a campaign body, tokens, the error
shape, and signing staff in through the real /login form."""
from __future__ import annotations

import re
import socket
from datetime import timedelta
from zoneinfo import ZoneInfo

from commerce.db import utcnow
from commerce.staff import add_staff, create_token

TAIPEI = ZoneInfo("Asia/Taipei")
PASSWORD = "correct horse"


def campaign_body(**changes) -> dict:
    """A campaign to POST to /api/campaigns: closes in a week, picked up the week after (all
    from the real clock, since the server reads it)."""
    closes = (utcnow() + timedelta(days=7)).astimezone(TAIPEI).replace(hour=20, minute=0, second=0, microsecond=0)
    body = {
        "title": "草莓大福",
        "group_ids": ["Cgroup0001", "Cgroup0002"],
        "host_user_id": "Uhost0001",
        "closes_at": closes.isoformat(),
        "pickup_from": (closes.date() + timedelta(days=2)).isoformat(),
        "pickup_until": (closes.date() + timedelta(days=5)).isoformat(),
        "pickup_place": "本店",
        "items": [
            {"label": "A", "name": "原味", "price": 120, "stock": 50, "limit_per_buyer": None, "barcode": None},
            {"label": "B", "name": "抹茶", "price": 130, "stock": None, "limit_per_buyer": 2, "barcode": "4710001"},
        ],
        "announce": True,
    }
    body.update(changes)
    return body


async def bearer(role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {await create_token(role, 'test')}"}


def assert_error(body, code, field=None):
    """The one error shape: `{"error": {"code", "message", "field"?}}`."""
    assert set(body) == {"error"}
    assert body["error"]["code"] == code and body["error"]["message"]
    if field:
        assert body["error"]["field"] == field


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def login_csrf(client, next_path: str = "/counter") -> str:
    """The CSRF token of the /login form."""
    resp = await client.get(f"/login?next={next_path}")
    assert resp.status == 200
    return re.search(r'name="csrf" value="([^"]+)"', await resp.text()).group(1)


async def post_login(client, username: str, password: str = PASSWORD, next_path: str = "/counter"):
    """Submit the /login form as a person would; returns the response (not followed)."""
    csrf = await login_csrf(client, next_path)
    return await client.post(f"/login?next={next_path}", data={"username": username, "password": password, "csrf": csrf},
                             allow_redirects=False)


async def page_csrf(client, path: str = "/counter") -> str:
    """The CSRF token a signed-in page carries for its API writes."""
    resp = await client.get(path)
    assert resp.status in (200, 403), await resp.text()  # a refused page carries the token too
    return re.search(r'<meta name="csrf-token" content="([^"]+)"', await resp.text()).group(1)


async def signed_in(client, role: str = "cashier", username: str | None = None, page: str = "/counter") -> str:
    """A new staff login of ``role`` signed in through the form (the client keeps the cookie);
    returns the CSRF token of ``page``."""
    username = username or f"{role}1"
    await add_staff(username, PASSWORD, role)
    resp = await post_login(client, username, next_path=page)
    assert resp.status == 303 and resp.headers["Location"] == page
    return await page_csrf(client, page)
CAMPAIGN = campaign_body()  # computed at import, from the real clock of this run
