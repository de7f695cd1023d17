"""Ordering: the "+1" reservation, cancellations and waitlist promotion.

Each service is one transaction. The hot path (``reserve``) is written as a few
plain SQL statements: a flash sale runs it thousands of times a second.
Lock order on PostgreSQL, for every writer: order rows first (reserve's upsert, cancel's
FOR UPDATE, a campaign cancel's FOR UPDATE in id order), then item rows, then lines.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from tortoise import connections
from tortoise.transactions import in_transaction

from commerce import outbox, stock
from commerce.db import execute, fetch
from commerce.errors import CampaignClosed, InvalidInput, NotFound, OverLimit
from commerce.models import Order, OrderLine
from commerce.states import LineStatus
from commerce.rules import takes_orders

MAX_QTY = 99
ACTIVE = ("reserved", "waitlisted")


@dataclass(frozen=True)
class Wanted:
    label: str
    qty: int
    note: str = ""


@dataclass(frozen=True)
class BookedLine:
    line_id: int
    item_id: int
    label: str
    name: str
    qty: int
    unit_price: int
    status: str  # reserved|waitlisted


@dataclass(frozen=True)
class Booking:
    order_id: int
    lines: tuple[BookedLine, ...]

    @property
    def number(self) -> str:
        return str(self.order_id)


_UPSERT_ORDER = (
    "INSERT INTO orders (campaign_id, member_id, status, created_at, updated_at)"
    " VALUES (?, ?, 'open', ?, ?)"
    " ON CONFLICT (campaign_id, member_id) DO UPDATE SET status = 'open', updated_at = excluded.updated_at"
    " RETURNING id"
)
_INSERT_LINE = (
    "INSERT INTO order_lines (order_id, item_id, qty, unit_price, status, source,"
    " source_message_id, note, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id"
)
_HELD = (
    "SELECT COALESCE(SUM(qty), 0) AS held FROM order_lines"
    " WHERE order_id = ? AND item_id = ? AND status IN ('reserved', 'waitlisted')"
)


def _check_qty(qty: int) -> None:
    if isinstance(qty, bool) or not isinstance(qty, int) or not 1 <= qty <= MAX_QTY:
        raise InvalidInput(f"quantity must be 1–{MAX_QTY}", field="qty")


async def reserve(
    *,
    campaign_id: int,
    member_id: int,
    wanted: Sequence[Wanted],
    now: datetime,
    source: str = "chat",
    source_message_id: str | None = None,
    actor: str = "",
) -> Booking:
    """Book ``wanted`` for a buyer: each line is reserved if its stock fits, else waitlisted.

    Raises NotFound (unknown label), InvalidInput (qty), OverLimit (per-buyer limit) or
    CampaignClosed; a refusal writes nothing.
    """
    if not wanted:
        raise InvalidInput("nothing to order", field="items")
    for w in wanted:
        _check_qty(w.qty)
    async with in_transaction() as conn:
        items = {
            row["label"].upper(): row
            for row in await fetch(
                conn,
                "SELECT id, label, name, price, cap, limit_per_buyer FROM items WHERE campaign_id = ?",
                campaign_id,
            )
        }
        picked = []
        for w in wanted:
            item = items.get(w.label.upper())
            if item is None:
                raise NotFound(f"no item {w.label}", field="label", label=w.label)
            picked.append((item, w))
        order_id = (await fetch(conn, _UPSERT_ORDER, campaign_id, member_id, now, now))[0]["id"]
        booked = []
        for item, w in sorted(picked, key=lambda p: p[0]["id"]):
            limit = item["limit_per_buyer"]
            if limit is not None:
                held = (await fetch(conn, _HELD, order_id, item["id"]))[0]["held"]
                if held + w.qty > limit:
                    raise OverLimit(
                        f"{item['label']} is limited to {limit} per buyer",
                        label=item["label"], limit=limit, held=held,
                    )
            # What fits is reserved; the rest waits its turn (a line bigger than what is left
            # takes what is left, so a later, smaller order cannot jump ahead of it).
            parts: list[tuple[int, str]] = []
            if await stock.claim(conn, item["id"], w.qty, open_at=now):
                parts.append((w.qty, "reserved"))
            else:
                await _refuse_if_closed(conn, campaign_id, now)
                free = await stock.free_units(conn, item["id"])
                if free and free < w.qty and await stock.claim(conn, item["id"], free, open_at=now):
                    parts.append((free, "reserved"))
                parts.append((w.qty - sum(q for q, _ in parts), "waitlisted"))
            for qty, status in parts:
                line_id = (
                    await fetch(
                        conn, _INSERT_LINE, order_id, item["id"], qty, item["price"], status,
                        source, source_message_id, w.note[:200], now,
                    )
                )[0]["id"]
                if status == LineStatus.RESERVED:
                    await stock.record(conn, item["id"], line_id, qty, "reserve", actor, now)
                booked.append(
                    BookedLine(line_id, item["id"], item["label"], item["name"], qty, item["price"], status)
                )
    return Booking(order_id=order_id, lines=tuple(booked))


async def _refuse_if_closed(conn, campaign_id: int, now: datetime) -> None:
    rows = await fetch(conn, "SELECT status, closes_at FROM campaigns WHERE id = ?", campaign_id)
    if not rows:
        raise NotFound("no such campaign", field="campaign_id")
    if not takes_orders(rows[0]["status"], rows[0]["closes_at"], now):
        raise CampaignClosed("this group buy is closed", campaign_id=campaign_id)


@dataclass(frozen=True)
class Promotion:
    line_id: int
    order_id: int
    member_id: int | None
    item_id: int
    qty: int


@dataclass(frozen=True)
class Cancellation:
    order_id: int
    cancelled_units: int
    promotions: tuple[Promotion, ...]
    order_cancelled: bool


async def cancel(
    *,
    order_id: int,
    now: datetime,
    label: str | None = None,
    qty: int | None = None,
    line_id: int | None = None,
    actor: str = "",
    require_open: bool = False,
) -> Cancellation:
    """Cancel units of an order, newest first: ``qty`` of ``label`` (or of any item when no
    label), a whole label (``qty`` None), one line (``line_id``), or the whole order (all None).

    Freed stock is offered to the earliest waitlisted lines that fit; each promoted buyer
    gets a notification queued in the same transaction. Raises NotFound when there is
    nothing to cancel, and with ``require_open`` (a buyer's own change) CampaignClosed
    once the campaign no longer takes changes; a buyer's change never touches the add-ons
    staff put on at the counter. Writes nothing when it raises.
    """
    if qty is not None:
        _check_qty(qty)
    async with in_transaction() as conn:
        # Lock order (see module docstring): the order row first, then items and lines.
        await Order.select_for_update().filter(id=order_id)  # (values_list would drop FOR UPDATE)
        if require_open:
            rows = await fetch(conn, "SELECT campaign_id FROM orders WHERE id = ?", order_id)
            if not rows:
                raise NotFound("no such order", field="number")
            if rows[0]["campaign_id"] is not None:
                await _refuse_if_closed(conn, rows[0]["campaign_id"], now)
        sql = (
            "SELECT l.id, l.item_id, l.qty, l.status FROM order_lines l JOIN items i ON i.id = l.item_id"
            " WHERE l.order_id = ? AND l.status IN ('reserved', 'waitlisted')"
        )
        args: list = [order_id]
        if label is not None:
            sql += " AND UPPER(i.label) = ?"
            args.append(label.upper())
        if line_id is not None:
            sql += " AND l.id = ?"
            args.append(line_id)
        if require_open:  # a buyer's own change: what staff added at the counter is theirs to undo
            sql += " AND l.source <> 'addon'"
        # Waitlisted units go first (they cost nobody anything), then the newest.
        sql += " ORDER BY CASE WHEN l.status = 'waitlisted' THEN 0 ELSE 1 END, l.id DESC"
        lines = await fetch(conn, sql, *args)
        if not lines:
            raise NotFound("nothing to cancel", field="label" if label else None)
        remaining = qty if qty is not None else sum(line["qty"] for line in lines)
        freed: dict[int, int] = {}
        cancelled = 0
        for line in lines:
            if remaining <= 0:
                break
            take = min(remaining, line["qty"])
            if take == line["qty"]:
                changed = await execute(
                    conn, "UPDATE order_lines SET status = 'cancelled' WHERE id = ? AND status = ?",
                    line["id"], line["status"],
                )
            else:
                changed = await execute(
                    conn, "UPDATE order_lines SET qty = qty - ? WHERE id = ? AND status = ? AND qty > ?",
                    take, line["id"], line["status"], take,
                )
            if not changed:
                continue  # promoted or cancelled meanwhile: leave it
            if line["status"] == LineStatus.RESERVED:
                await stock.release(conn, line["item_id"], take)
                await stock.record(conn, line["item_id"], line["id"], -take, "cancel", actor, now)
                freed[line["item_id"]] = freed.get(line["item_id"], 0) + take
            remaining -= take
            cancelled += take
        left = await fetch(
            conn,
            "SELECT COUNT(*) AS n FROM order_lines WHERE order_id = ? AND status IN ('reserved', 'waitlisted')",
            order_id,
        )
        order_cancelled = left[0]["n"] == 0
        await execute(
            conn,
            "UPDATE orders SET status = ?, updated_at = ? WHERE id = ?",
            "cancelled" if order_cancelled else "open", now, order_id,
        )
        promotions: list[Promotion] = []
        for item_id in sorted(freed):
            promotions += await promote_waitlist(conn, item_id, now=now, actor=actor)
    return Cancellation(order_id, cancelled, tuple(promotions), order_cancelled)


async def promote_waitlist(conn, item_id: int, *, now: datetime, actor: str = "") -> list[Promotion]:
    """Within the caller's transaction: give the free stock of ``item_id`` to its waitlisted
    lines strictly in the order they were stamped (a line only partly covered is split), and
    queue a notification to each buyer."""
    promoted: list[Promotion] = []
    free = await stock.free_units(conn, item_id)
    if free == 0:
        return promoted
    waiting = await fetch(
        conn,
        "SELECT l.id, l.qty, l.order_id, l.unit_price, l.source, l.source_message_id, l.note, l.created_at,"
        " o.member_id, o.campaign_id, m.line_user_id, i.label, i.name"
        " FROM order_lines l JOIN orders o ON o.id = l.order_id JOIN items i ON i.id = l.item_id"
        " LEFT JOIN members m ON m.id = o.member_id"
        " WHERE l.item_id = ? AND l.status = 'waitlisted' ORDER BY l.created_at, l.id LIMIT 200",
        item_id,
    )
    for line in waiting:
        # Strictly in stamp order: the head of the queue gets what is free, even if only part
        # of its line fits (that part is split off and reserved; the rest keeps its place).
        take = line["qty"] if free is None else min(line["qty"], free)
        if take <= 0 or not await stock.claim(conn, item_id, take):
            break
        if take == line["qty"]:
            won = await execute(
                conn, "UPDATE order_lines SET status = 'reserved' WHERE id = ? AND status = 'waitlisted'",
                line["id"],
            )
            promoted_id = line["id"]
        else:
            won = await execute(
                conn, "UPDATE order_lines SET qty = qty - ? WHERE id = ? AND status = 'waitlisted' AND qty > ?",
                take, line["id"], take,
            )
            promoted_id = None
            if won:
                promoted_id = (await fetch(
                    conn, _INSERT_LINE, line["order_id"], item_id, take, line["unit_price"], "reserved",
                    line["source"], line["source_message_id"], line["note"], line["created_at"],
                ))[0]["id"]
        if not won:  # cancelled by its buyer meanwhile: give the units back
            await stock.release(conn, item_id, take)
            continue
        await stock.record(conn, item_id, promoted_id, take, "promote", actor, now)
        promoted.append(Promotion(promoted_id, line["order_id"], line["member_id"], item_id, take))
        if line["line_user_id"]:
            await outbox.enqueue(
                outbox.Message(
                    recipient_kind="member",
                    recipient=line["line_user_id"],
                    template="waitlist_promoted",
                    params={
                        "order_number": str(line["order_id"]),
                        "label": line["label"],
                        "name": line["name"],
                        "qty": take,
                    },
                    campaign_id=line["campaign_id"],
                    dedupe_key=f"promoted:{promoted_id}",
                ),
                now=now,
            )
        if free is not None:
            free -= take
            if free <= 0:
                break
    return promoted


async def reserved_total(order_id: int) -> int:
    """What an order's reserved lines cost (one statement: the chat's hot path uses it)."""
    rows = await fetch(
        connections.get("default"),
        "SELECT COALESCE(SUM(qty * unit_price), 0) AS total FROM order_lines WHERE order_id = ? AND status = 'reserved'",
        order_id,
    )
    return int(rows[0]["total"])


async def waitlist_position(line_id: int) -> int | None:
    """1 for the first waitlisted line of its item; None when the line is not waitlisted."""
    rows = await fetch(
        connections.get("default"),
        "SELECT COUNT(*) AS n FROM order_lines w JOIN order_lines l ON l.id = ? AND w.item_id = l.item_id"
        " WHERE w.status = 'waitlisted' AND l.status = 'waitlisted'"
        " AND (w.created_at < l.created_at OR (w.created_at = l.created_at AND w.id <= l.id))",
        line_id,
    )
    return int(rows[0]["n"]) or None


# --- a buyer's message, edited or unsent --------------------------------------------------

async def lines_of_message(message_id: str | None, line_user_id: str | None) -> list[OrderLine]:
    """The active lines the buyer's message booked (with their items), oldest first."""
    if not message_id or not line_user_id:
        return []
    return await OrderLine.filter(source_message_id=message_id, status__in=ACTIVE,
                                  order__member__line_user_id=line_user_id).prefetch_related("item").order_by("id")


async def amend(lines: Sequence[OrderLine], wanted: Sequence[Wanted], *, message_id: str, now: datetime,
                actor: str = "") -> None:
    """Make the lines one message booked (``lines``, of one order) hold what ``wanted`` sums to
    per label: a surplus is cancelled as ``cancel`` does (waitlisted units first, then the
    newest), a shortfall reserved under the message with the label's first note; ``[]`` cancels
    them all (an unsent message). All or nothing; raises as ``cancel(require_open=True)``, ``reserve``."""
    units: dict[str, int] = defaultdict(int)
    for w in wanted:
        units[w.label.upper()] += w.qty
    notes = {w.label.upper(): w.note for w in reversed(wanted)}
    by_label: dict[str, list[OrderLine]] = defaultdict(list)
    for line in lines:
        by_label[line.item.label.upper()].append(line)
    held = {label: sum(line.qty for line in group) for label, group in by_label.items()}
    order_id = lines[0].order_id
    async with in_transaction():
        for label, group in by_label.items():
            surplus = held[label] - units.get(label, 0)
            for line in sorted(group, key=lambda l: (l.status != LineStatus.WAITLISTED, -l.id)):
                if surplus <= 0:
                    break
                take = min(surplus, line.qty)
                try:
                    await cancel(order_id=order_id, line_id=line.id, qty=take, now=now, actor=actor, require_open=True)
                except NotFound:  # cancelled meanwhile: those units are gone all the same
                    pass
                surplus -= take
        extra = [Wanted(label, qty - held.get(label, 0), notes.get(label, ""))
                 for label, qty in units.items() if qty > held.get(label, 0)]
        if extra:
            await reserve(campaign_id=lines[0].item.campaign_id, member_id=(await Order.get(id=order_id)).member_id,
                          wanted=extra, now=now, source="chat", source_message_id=message_id, actor=actor)

