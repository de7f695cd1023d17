"""The members pages under /manager/members: search by name or phone, and a buyer's page
with every order, what they spent and the staff's notes. Any signed-in staff (the counter
links here from a lookup). Read on the server (autoescape: buyer names are untrusted); the
note is written by static/people.js through /api like every other write."""
from __future__ import annotations

from typing import Any

from aiohttp import web

from commerce import buyers
from commerce.errors import InvalidInput, NotFound
from pickup_counter.web import ZONE, page

routes = web.RouteTableDef()
STAFF: dict[str, Any] = {"role": "cashier", "areas": ("manager", "people")}
PAGE = 50


def _zone_key(request: web.Request) -> str:
    zone = request.app[ZONE]
    return getattr(zone, "key", None) or str(zone)


@routes.get("/manager/members")
@page("manager_members.html", **STAFF)
async def members_page(request: web.Request) -> dict[str, Any]:
    q = request.query.get("q", "")[:100]
    raw = request.query.get("offset", "0")
    offset = int(raw) if raw.isdigit() and len(raw) < 10 else 0
    try:
        found = await buyers.search(q, offset=offset, limit=PAGE)
    except InvalidInput:
        found = {"members": [], "total": 0, "offset": 0, "next_offset": None}
    return {"q": q, "found": found, "previous": max(0, offset - PAGE) if offset else None,
            "zone_name": _zone_key(request)}


@routes.get(r"/manager/members/{id:\d{1,9}}")
@page("manager_member.html", **STAFF)
async def member_page(request: web.Request) -> dict[str, Any]:
    try:
        data = await buyers.buyer(int(request.match_info["id"]))
    except NotFound:
        raise web.HTTPNotFound() from None
    return {"buyer": data, "zone_name": _zone_key(request)}
