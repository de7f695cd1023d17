"""The admins' staff page, /manager/staff: logins, API tokens, the record of changes.

Rendered on the server from the services /api/staff and /api/tokens use; every write goes
from static/staff.js through those endpoints (session, CSRF token). A manager or a cashier
gets the forbidden page.
"""
from __future__ import annotations

from typing import Any

from aiohttp import web

from commerce import staff
from commerce.states import Role
from pickup_counter.web import SESSION, ZONE, page

routes = web.RouteTableDef()


@routes.get("/manager/staff")
@page("staff.html", role=Role.ADMIN, areas=("manager", "staff"))
async def staff_page(request: web.Request) -> dict[str, Any]:
    return {"logins": await staff.list_logins(), "tokens": await staff.list_tokens(),
            "changes": await staff.recent_changes(), "roles": list(Role), "me": request[SESSION].user_id,
            "zone_name": getattr(request.app[ZONE], "key", None) or str(request.app[ZONE])}
