"""/api for the counter: lookup, orders, add-ons, payments, handover, walk-in sales.

Thin: each route checks the role, unpacks its input, calls one commerce service and renders
the result. Refusals are domain errors, mapped to the one error shape by ``api.py``.
"""
from __future__ import annotations

from typing import Any

from aiohttp import web

from commerce import lookup as lookups
from commerce import orders, payments, pickup, sales
from commerce.db import utcnow
from commerce.errors import InvalidInput
from commerce.staff import role_at_least
from pickup_counter.api import actor, json_body, json_response, optional_json_body, require

routes = web.RouteTableDef()


def _order_id(request: web.Request) -> int:
    return orders.parse_number(request.match_info["number"])


_KINDS = {str: "text", int: "a whole number", bool: "true or false"}


def _optional(data: dict, name: str, kind: type, field: str) -> Any:
    """``data[name]`` if absent, null or of ``kind`` (a JSON true is not a number here)."""
    value = data.get(name)
    if value is not None and (not isinstance(value, kind) or (kind is int and isinstance(value, bool))):
        raise InvalidInput(f"{name} must be {_KINDS[kind]}", field=field)
    return value


def _item_ref(data: dict, at: str = "") -> tuple[str | None, int | None, int]:
    """(barcode, item_id, qty) of ``{"barcode"} | {"item_id", "qty"}``; qty defaults to 1."""
    barcode = _optional(data, "barcode", str, f"{at}barcode")
    item_id = _optional(data, "item_id", int, f"{at}item_id")
    qty = data.get("qty", 1)
    if barcode is None and item_id is None:
        raise InvalidInput("give a barcode or an item_id", field=f"{at}barcode")
    return barcode, item_id, qty


@routes.get("/api/lookup")
async def lookup(request: web.Request) -> web.Response:
    require(request, "cashier")
    return json_response(await lookups.lookup(request.query.get("q", "")))


@routes.get("/api/orders/{number}")
async def get_order(request: web.Request) -> web.Response:
    require(request, "cashier")
    return json_response(await orders.order_view(_order_id(request)))


@routes.post("/api/orders/{number}/lines")
async def add_line(request: web.Request) -> web.Response:
    """An add-on from the shared stock: 201 with the new line and the order; 409 sold_out."""
    require(request, "cashier")
    order_id = _order_id(request)
    barcode, item_id, qty = _item_ref(await json_body(request))
    line = await sales.add_on(order_id=order_id, barcode=barcode, item_id=item_id, qty=qty,
                              actor=actor(request), now=utcnow())
    view = await orders.order_view(order_id)
    return json_response({"line": next(l for l in view["lines"] if l["id"] == line.id), "order": view}, status=201)


def _payment_view(p) -> dict[str, Any]:
    return {"id": p.id, "order_number": str(p.order_id), "method": p.method, "amount": p.amount,
            "tendered": p.tendered, "change": p.change or 0, "status": p.status, "created_at": p.created_at}


@routes.post("/api/orders/{number}/payments")
async def take_payment(request: web.Request) -> web.Response:
    """201 with the payment, its change and the order's balance after it. Paying more than
    is due is 409 overpayment, which also makes a double-clicked full payment count once."""
    require(request, "cashier")
    order_id = _order_id(request)
    data = await json_body(request)
    payment = await payments.record_payment(order_id=order_id, method=data.get("method"), amount=data.get("amount"),
                                            tendered=data.get("tendered"), actor=actor(request), now=utcnow())
    return json_response(_payment_view(payment) | {"balance": await payments.balance_of(order_id)}, status=201)


@routes.post("/api/orders/{number}/handover")
async def hand_over(request: web.Request) -> web.Response:
    """201 with the handover and the order. 409 balance_due, unless a manager sends force."""
    role = require(request, "cashier")
    order_id = _order_id(request)
    data = await optional_json_body(request)
    force = _optional(data, "force", bool, "force") or False
    done = await pickup.hand_over(order_id=order_id, actor=actor(request), now=utcnow(), force=force,
                                  may_force=role_at_least(role, "manager"))
    handover = {"id": done.id, "forced": done.forced, "balance_at_handover": done.balance_at_handover,
                "actor": done.actor, "created_at": done.created_at}
    return json_response({"handover": handover, "order": await orders.order_view(order_id)}, status=201)


def _list(data: dict, name: str) -> list[dict]:
    value = data.get(name)
    if not isinstance(value, list):
        raise InvalidInput(f"{name} must be a list", field=name)
    for i, entry in enumerate(value):
        if not isinstance(entry, dict):
            raise InvalidInput(f"each of {name} is an object", field=f"{name}[{i}]")
    return value


@routes.post("/api/sales")
async def walk_in_sale(request: web.Request) -> web.Response:
    """A walk-in sale of leftovers, paid in full: 201 with the order (handed over)."""
    require(request, "cashier")
    data = await json_body(request)
    lines = []
    for i, raw in enumerate(_list(data, "lines")):
        barcode, item_id, qty = _item_ref(raw, f"lines[{i}].")
        lines.append(sales.SaleLine(qty=qty, barcode=barcode, item_id=item_id))
    pays = [sales.SalePayment(method=p.get("method"), amount=p.get("amount"), tendered=p.get("tendered"))
            for p in _list(data, "payments")]
    order = await sales.walk_in_sale(lines=lines, payments=pays, actor=actor(request), now=utcnow())
    return json_response(await orders.order_view(order.id), status=201)


@routes.get("/api/sales/leftovers")
async def leftovers(request: web.Request) -> web.Response:
    require(request, "cashier")
    sold_out = request.query.get("sold_out", "").lower() in ("1", "true", "yes")
    items = [
        {"id": r["id"], "label": r["label"], "name": r["name"], "price": r["price"], "barcode": r["barcode"],
         "left": r["left_qty"], "campaign": {"code": r["code"], "title": r["title"]}}
        for r in await sales.leftovers(include_sold_out=sold_out)
    ]
    return json_response({"items": items})
