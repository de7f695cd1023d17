"""The counter pages: /counter (lookup, add-ons, payment, handover, receipt) and /counter/sale.

Thin: each renders its template; the page's script reads and writes through /api with the
session (pickup_counter/static/counter.js, sale.js).
"""
from __future__ import annotations

from typing import Any

from aiohttp import web

from commerce import discounts, shifts
from commerce.db import utcnow
from commerce.errors import NotFound
from commerce.states import Role
from pickup_counter import web as pages
from pickup_counter.api import actor

routes = web.RouteTableDef()


@routes.get("/counter")
@pages.page("counter.html", role=Role.CASHIER, areas=("counter", "people", "checkout"))
async def counter(request: web.Request) -> dict[str, Any]:
    """?q= runs that search on load (reload and back keep it); ?order= selects that order."""
    return {"q": request.query.get("q", "")[:200], "order": request.query.get("order", "")[:12],
            "discount_limit": discounts.CASHIER_LIMIT}


@routes.get("/counter/sale")
@pages.page("sale.html", role=Role.CASHIER, areas=("counter",))
async def sale(request: web.Request) -> dict[str, Any]:
    """The script lists /api/sales/leftovers?sold_out=1 (sold-out ones shown disabled)."""
    return {}


@routes.get("/counter/shift")
@pages.page("shift.html", role=Role.CASHIER, areas=("counter",))
async def shift(request: web.Request) -> dict[str, Any]:
    """The signed-in staff's shift: open it with a float, its figures so far, close it with the
    cash counted; ?z=ID shows that shift's Z report (just closed, or an earlier one)."""
    now = utcnow()
    current = await shifts.current_shift(actor(request))
    shown = None
    z = request.query.get("z", "")
    if z.isdigit() and len(z) < 10:
        try:
            shown = await shifts.shift_report(int(z), now=now)
        except NotFound:
            shown = None
    return {"current": await shifts.shift_report(current.id, now=now) if current else None, "shown": shown,
            "recent": await shifts.recent_shifts(), "methods": ("cash", "card", "linepay", "jkopay", "transfer")}
