"""Counter lookup: one search box for a phone (full or last 3+ digits), an order
number, a pickup QR token or a name."""
from __future__ import annotations

import re
import unicodedata
from typing import Any

from tortoise.expressions import Q

from commerce.errors import InvalidInput, NotFound
from commerce.models import Member, Order
from commerce.orders import member_view, order_views
from commerce.states import OrderStatus
from commerce.phones import normalise_phone, reversed_digits

MAX_MEMBERS = 20
MAX_ORDERS = 50  # orders one search shows, newest first
MAX_ID = 2**31  # ids are 32-bit integers
MAX_QUERY = 100  # a phone, an order number, a QR token (at most 64) or a name
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def _kept(c: str) -> bool:
    """Not a control character, an invisible format mark (the emoji joiner stays) or a lone surrogate."""
    return c == "\u200d" or unicodedata.category(c) not in ("Cc", "Cf", "Cs")


def _next_prefix(prefix: str) -> str:
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


def _cleaned(q: str) -> str:
    """The query with control characters and lone surrogates dropped; InvalidInput when it is
    then empty, or longer than ``MAX_QUERY``."""
    if len(q or "") > 4 * MAX_QUERY:
        raise InvalidInput(f"a search is at most {MAX_QUERY} characters", field="q")
    text = "".join(c for c in unicodedata.normalize("NFKC", q or "") if _kept(c)).strip()
    if not text:
        raise InvalidInput("type a phone, its last digits, an order number or a name", field="q")
    if len(text) > MAX_QUERY:
        raise InvalidInput(f"a search is at most {MAX_QUERY} characters", field="q")
    return text


async def _matches(text: str) -> tuple[list[Member], list[Order]]:
    """The buyers ``text`` names (by QR token, phone or its last digits, or name) and the
    order it numbers; the buyer of a numbered order comes first."""
    members: list[Member] = []
    orders: list[Order] = []
    digits = re.sub(r"[\s\-]", "", text.lstrip("#+"))
    if _TOKEN.match(text) and not text.isdigit():
        members = await Member.filter(pickup_token=text).limit(1)
    if text.startswith("#") or (digits.isdigit() and len(digits) < 3):
        # "#12", or too few digits to be a phone: an order number only.
        if not digits.isdigit():
            raise InvalidInput("an order number is digits", field="q")
        order = await Order.get_or_none(id=int(digits)) if int(digits) < MAX_ID else None
        orders = [order] if order else []
    elif not members and digits.isdigit():
        try:
            members = await Member.filter(phone=normalise_phone(text)).limit(MAX_MEMBERS)
        except InvalidInput:
            pass
        if not members and len(digits) <= 9:
            prefix = digits[::-1]
            members = await Member.filter(phone_rev__gte=prefix, phone_rev__lt=_next_prefix(prefix)).limit(MAX_MEMBERS)
        if int(digits) < MAX_ID:
            order = await Order.get_or_none(id=int(digits))
            if order is not None:
                orders = [order]
    if not members and not orders and not digits.isdigit():
        members = await Member.filter(Q(display_name__icontains=text)).limit(MAX_MEMBERS)
    known = {m.id for m in members}
    owners = [o.member_id for o in orders if o.member_id and o.member_id not in known]
    if owners:
        members = list(await Member.filter(id__in=owners)) + members
    return members, orders


async def lookup(q: str) -> dict[str, Any]:
    """``{"members": [{...member, "orders": [open orders]}], "orders": [walk-in or
    other orders matched by number]}``. Control characters and lone surrogates are dropped
    first. Raises InvalidInput for a query that is then empty, or longer than ``MAX_QUERY``."""
    members, orders = await _matches(_cleaned(q))
    # Every buyer's open orders with one set of queries (indexed on orders.member_id),
    # however many buyers matched.
    loose = [o for o in orders if not o.member_id]
    # An order asked for by its number is shown with its buyer whatever its state: a handed-over
    # one too, so a lost receipt can be reprinted.
    open_orders = [o for o in orders if o.member_id and o.status != OrderStatus.OPEN]
    if members:
        # Sorted here, not by the query: "ORDER BY id" made SQLite walk the status index.
        open_orders = sorted([*open_orders, *await Order.filter(member_id__in=[m.id for m in members],
                                                                 status=OrderStatus.OPEN)], key=lambda o: o.id)
    views = await order_views([*open_orders, *loose])
    by_member: dict[int, list[dict]] = {m.id: [] for m in members}
    for view in views[:len(open_orders)]:
        by_member[view["member"]["id"]].append(view)
    return {"members": [{**member_view(m), "orders": by_member[m.id]} for m in members],
            "orders": views[len(open_orders):]}


async def find_orders(q: str | None, status: OrderStatus | None, *, limit: int = MAX_ORDERS) -> dict[str, Any]:
    """Any order, past ones too, newest first: those of the buyers ``q`` names and the one it
    numbers (as ``lookup`` reads it), or with no ``q`` the latest orders (a walk-in's receipt
    reprinted). ``status`` None is every state. ``{"orders": [order views]}``."""
    if q is None or not q.strip():
        query = Order.all() if status is None else Order.filter(status=status)
        found = list(await query.order_by("-id").limit(limit))
    else:
        members, numbered = await _matches(_cleaned(q))
        found = [o for o in numbered if status is None or o.status == status]
        if members:
            query = Order.filter(member_id__in=[m.id for m in members])
            if status is not None:
                query = query.filter(status=status)
            seen = {o.id for o in found}
            found += [o for o in await query.order_by("-id").limit(limit) if o.id not in seen]
        found = sorted(found, key=lambda o: -o.id)[:limit]
    return {"orders": await order_views(found)}


async def member_by_token(token: str) -> Member:
    """Raises NotFound, also for what cannot be a token (too long, other characters)."""
    member = await Member.get_or_none(pickup_token=token) if _TOKEN.match(token) else None
    if member is None:
        raise NotFound("no such pickup code", field="token")
    return member


__all__ = ["find_orders", "lookup", "member_by_token", "reversed_digits"]
