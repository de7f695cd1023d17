"""The counter pages: /counter (lookup, add-ons, payment, handover, receipt) and /counter/sale.

Thin: each renders its template; the page's script reads and writes through /api with the
session (pickup_counter/static/counter.js, sale.js).
"""
from __future__ import annotations

from typing import Any

from aiohttp import web

from commerce.states import Role
from pickup_counter import web as pages

routes = web.RouteTableDef()


@routes.get("/counter")
@pages.page("counter.html", role=Role.CASHIER, areas=("counter", "checkout"))
async def counter(request: web.Request) -> dict[str, Any]:
    """?q= runs that search on load (reload and back keep it); ?order= selects that order."""
    return {"q": request.query.get("q", "")[:200], "order": request.query.get("order", "")[:12]}


@routes.get("/counter/sale")
@pages.page("sale.html", role=Role.CASHIER, areas=("counter",))
async def sale(request: web.Request) -> dict[str, Any]:
    """The script lists /api/sales/leftovers?sold_out=1 (sold-out ones shown disabled)."""
    return {}
