"""Many "+1"s of one campaign booked in a few statements: the flash sale's hot path.

``reserve_many`` books a run of orders exactly as ``ordering.reserve`` would book them one
after another in that order (stock, partial reservations, waitlist, per-buyer limits), but
with a fixed number of statements per run instead of ~8 per order. It runs inside the
caller's transaction and writes nothing when any order of the run would be refused (a
closed campaign, an unknown label, a limit): the caller then books them one by one and
words each refusal. Lock order as in ``commerce.ordering``: order rows first, then items.
"""
from __future__ import annotations

from bisect import bisect_right, insort
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from commerce.db import execute, fetch, new_ids
from commerce.members import new_pickup_token
from commerce.ordering import MAX_QTY, BookedLine, Booking, Wanted
from commerce.rules import takes_orders
from commerce.states import CampaignStatus, LineStatus


@dataclass(frozen=True)
class Ask:
    """One buyer's order in a run: booked as happening ``at`` (its LINE stamp)."""

    member_id: int
    wanted: tuple[Wanted, ...]
    at: datetime
    message_id: str | None
    actor: str


@dataclass(frozen=True)
class Booked:
    booking: Booking
    total: int  # what the order's reserved lines cost, after this booking
    positions: dict[int, int]  # waitlisted line id -> its place in its item's waitlist


def _rows_sql(head: str, columns: int, rows: int, tail: str = "") -> str:
    one = "(" + ", ".join("?" * columns) + ")"
    return f"{head} VALUES {', '.join([one] * rows)}{tail}"


async def members_for(conn, users: Sequence[tuple[str, str]], now: datetime) -> dict[str, tuple[int, str]]:
    """(id, display name) per LINE user id, creating the members not seen before with the
    names given ((user id, name) pairs); a known member with no name takes the one given."""
    users = list(dict(users).items())
    if not users:
        return {}
    ids = [u for u, _ in users]
    marks = ", ".join("?" * len(ids))
    found = {r["line_user_id"]: (r["id"], r["display_name"]) for r in await fetch(
        conn, f"SELECT id, line_user_id, display_name FROM members WHERE line_user_id IN ({marks})", *ids)}
    new = [(u, name) for u, name in users if u not in found]
    if new:
        values = [v for u, name in new for v in (u, (name or "")[:200], new_pickup_token(), False, False, now)]
        await execute(conn, _rows_sql("INSERT INTO members (line_user_id, display_name, pickup_token, is_host,"
                                      " follows, created_at)", 6, len(new), " ON CONFLICT (line_user_id) DO NOTHING"),
                      *values)
        marks = ", ".join("?" * len(new))
        found |= {r["line_user_id"]: (r["id"], r["display_name"]) for r in await fetch(
            conn, f"SELECT id, line_user_id, display_name FROM members WHERE line_user_id IN ({marks})",
            *[u for u, _ in new])}
    for user, name in users:  # a name LINE could not give before (names.refresh sweeps the rest)
        member_id, have = found[user]
        if name and not have:
            await execute(conn, "UPDATE members SET display_name = ? WHERE id = ?", name[:200], member_id)
            found[user] = (member_id, name[:200])
    return found


async def sold_out(conn) -> frozenset[int]:
    """The items of open campaigns that are sold out: "+1"s for them can be answered before
    their reorder window ends (``bot.handlers.flash.apply_early``)."""
    return frozenset(r["id"] for r in await fetch(
        conn, "SELECT i.id FROM items i JOIN campaigns c ON c.id = i.campaign_id"
              " WHERE c.status = ? AND i.cap IS NOT NULL AND i.sold >= i.cap", CampaignStatus.OPEN.value))


async def reserve_many(conn, campaign_id: int, asks: Sequence[Ask], *,
                       waitlist_only: bool = False) -> list[Booked] | None:
    """Book ``asks`` in their order; None (nothing written) when any would be refused, or,
    with ``waitlist_only``, when any would take stock (orders answered before their reorder
    window ends must not: an earlier-stamped buyer may still be on the way)."""
    if not asks:
        return []
    campaign = await fetch(conn, "SELECT status, closes_at FROM campaigns WHERE id = ?", campaign_id)
    if not campaign or not all(takes_orders(campaign[0]["status"], campaign[0]["closes_at"], a.at) for a in asks):
        return None
    items = {r["label"].upper(): r for r in await fetch(
        conn, "SELECT id, label, name, price, cap, limit_per_buyer FROM items WHERE campaign_id = ?", campaign_id)}
    for ask in asks:
        if not ask.wanted or any(w.label.upper() not in items or isinstance(w.qty, bool)
                                 or not 1 <= w.qty <= MAX_QTY for w in ask.wanted):
            return None
    members = list(dict.fromkeys(a.member_id for a in asks))
    held = await _held(conn, campaign_id, members, [i["id"] for i in items.values() if i["limit_per_buyer"]])
    for ask in asks:
        for w in ask.wanted:
            item = items[w.label.upper()]
            key = (ask.member_id, item["id"])
            if item["limit_per_buyer"] is not None and held[key] + w.qty > item["limit_per_buyer"]:
                return None
            held[key] += w.qty

    # Writes, in the lock order: orders, then items.
    first_at = {m: min(a.at for a in asks if a.member_id == m) for m in members}
    last_at = {m: max(a.at for a in asks if a.member_id == m) for m in members}
    rows = await fetch(conn, _rows_sql(
        "INSERT INTO orders (campaign_id, member_id, status, created_at, updated_at)", 5, len(members),
        " ON CONFLICT (campaign_id, member_id) DO UPDATE SET status = 'open', updated_at = excluded.updated_at"
        " RETURNING id, member_id"), *[v for m in members for v in (campaign_id, m, "open", first_at[m], last_at[m])])
    order_of = {r["member_id"]: r["id"] for r in rows}
    lock = " FOR UPDATE" if conn.capabilities.dialect == "postgres" else ""
    stock = {r["id"]: r for r in await fetch(
        conn, f"SELECT id, cap, sold FROM items WHERE campaign_id = ? ORDER BY id{lock}", campaign_id)}
    free = {i: (None if r["cap"] is None else max(r["cap"] - r["sold"], 0)) for i, r in stock.items()}
    totals = await _totals(conn, list(order_of.values()))
    waiting = await _waitlists(conn, [i["id"] for i in items.values()], min(a.at for a in asks))

    planned: list[list[tuple[dict, Wanted, int, str]]] = []  # per ask: (item, wanted, qty, status)
    for ask in asks:
        parts = []
        for w in sorted(ask.wanted, key=lambda w: items[w.label.upper()]["id"]):
            item = items[w.label.upper()]
            left = free[item["id"]]
            if left is None or w.qty <= left:
                parts.append((item, w, w.qty, "reserved"))
                if left is not None:
                    free[item["id"]] = left - w.qty
            else:
                if left:
                    parts.append((item, w, left, "reserved"))
                    free[item["id"]] = 0
                parts.append((item, w, w.qty - left, "waitlisted"))
        planned.append(parts)
    if waitlist_only and any(status != LineStatus.WAITLISTED for parts in planned for *_, status in parts):
        return None

    count = sum(len(p) for p in planned)
    line_ids = iter(await new_ids(conn, "order_lines", count))
    lines, movements, booked = [], [], []
    taken: dict[int, int] = defaultdict(int)
    for ask, parts in zip(asks, planned):
        order_id = order_of[ask.member_id]
        out, positions = [], {}
        for item, w, qty, status in parts:
            line_id = next(line_ids)
            lines += [line_id, order_id, item["id"], qty, item["price"], status, "chat", ask.message_id,
                      w.note[:200], ask.at]
            if status == LineStatus.RESERVED:
                movements += [item["id"], line_id, qty, "reserve", ask.actor, ask.at]
                taken[item["id"]] += qty
                totals[order_id] += qty * item["price"]
            else:
                positions[line_id] = waiting[item["id"]].place(ask.at, line_id)
            out.append(BookedLine(line_id, item["id"], item["label"], item["name"], qty, item["price"], status))
        booked.append(Booked(Booking(order_id, tuple(out)), totals[order_id], positions))
    await execute(conn, _rows_sql("INSERT INTO order_lines (id, order_id, item_id, qty, unit_price, status, source,"
                                  " source_message_id, note, created_at)", 10, count), *lines)
    for item_id, qty in sorted(taken.items()):
        if await execute(conn, "UPDATE items SET sold = sold + ? WHERE id = ? AND (cap IS NULL OR sold + ? <= cap)",
                         qty, item_id, qty) != 1:
            raise RuntimeError(f"stock of item {item_id} moved under a locked run")
    if movements:
        await execute(conn, _rows_sql("INSERT INTO stock_movements (item_id, line_id, delta, reason, actor,"
                                      " created_at)", 6, len(movements) // 6), *movements)
    return booked


async def _held(conn, campaign_id: int, members: list[int], limited: list[int]) -> dict[tuple[int, int], int]:
    held: dict[tuple[int, int], int] = defaultdict(int)
    if not limited:
        return held
    rows = await fetch(
        conn, "SELECT o.member_id, l.item_id, SUM(l.qty) AS held FROM order_lines l JOIN orders o ON o.id = l.order_id"
        f" WHERE o.campaign_id = ? AND o.member_id IN ({', '.join('?' * len(members))})"
        f" AND l.item_id IN ({', '.join('?' * len(limited))}) AND l.status IN ('reserved', 'waitlisted')"
        " GROUP BY o.member_id, l.item_id", campaign_id, *members, *limited)
    for r in rows:
        held[(r["member_id"], r["item_id"])] = int(r["held"])
    return held


async def _totals(conn, orders: list[int]) -> dict[int, int]:
    totals: dict[int, int] = defaultdict(int)
    rows = await fetch(
        conn, "SELECT order_id, SUM(qty * unit_price) AS total FROM order_lines"
        f" WHERE order_id IN ({', '.join('?' * len(orders))}) AND status = 'reserved' GROUP BY order_id", *orders)
    for r in rows:
        totals[r["order_id"]] = int(r["total"])
    return totals


@dataclass
class _Waitlist:
    """An item's waitlist as far as placing a run's new lines needs it."""

    before: int  # lines waiting since before the run's first stamp: ahead of every new line
    since: list[tuple[datetime, int]]  # (created_at, id) of the others, new lines too, sorted

    def place(self, at: datetime, line_id: int) -> int:
        """Add a new line; its place in serving order (what ``ordering.waitlist_position`` counts)."""
        insort(self.since, (at, line_id))
        return self.before + bisect_right(self.since, (at, line_id))


async def _waitlists(conn, items: list[int], since: datetime) -> dict[int, _Waitlist]:
    """Each item's waitlist: a count of the lines from before ``since`` (the run's first stamp)
    and the rest one by one. Reading every waiting line per run would grow with the waitlist."""
    marks = ", ".join("?" * len(items))
    waiting = {i: _Waitlist(0, []) for i in items}
    for r in await fetch(conn, "SELECT item_id, COUNT(*) AS n FROM order_lines WHERE status = 'waitlisted'"
                               f" AND item_id IN ({marks}) AND created_at < ? GROUP BY item_id", *items, since):
        waiting[r["item_id"]].before = int(r["n"])
    for r in await fetch(conn, "SELECT item_id, id, created_at FROM order_lines WHERE status = 'waitlisted'"
                               f" AND item_id IN ({marks}) AND created_at >= ?", *items, since):
        waiting[r["item_id"]].since.append((_when(r["created_at"]), r["id"]))
    for waitlist in waiting.values():
        waitlist.since.sort()
    return waiting


def _when(value) -> datetime:
    return datetime.fromisoformat(value) if isinstance(value, str) else value
