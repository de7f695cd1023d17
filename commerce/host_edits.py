"""A host changes a running campaign: adds an item, changes an item's name, price or stock.

Stock is the delicate part. A raise (or "no cap") gives the new units to the waitlist strictly
in stamp order (``ordering.promote_waitlist``). A cut below what is sold moves the newest
reserved units back to the waitlist, newest first, splitting a line when only part of it
must go; each of those buyers is told by one push (they were told "you got it"). Units that
can no longer move (handed over, or sold to a walk-in customer) set a floor: a cut below it is
refused, naming the field.

Every change marks the campaign's groups as owed a "changed" notice, told by the free reply to
their next message (``take_change_notices``), except the group answered there and then.

Lock order (commerce.ordering): the order rows of the item's reserved lines, in id order, then
the item row, then lines.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tortoise.transactions import in_transaction

from commerce import outbox, stock
from commerce.commands import ItemEdit, ItemSpec
from commerce.db import execute, fetch
from commerce.errors import InvalidInput, InvalidState, NotFound
from commerce.models import Campaign, CampaignGroup, Item, LineGroup, Order
from commerce.ordering import promote_waitlist
from commerce.states import CampaignStatus


@dataclass(frozen=True)
class StockChange:
    promoted: int = 0  # units moved from the waitlist to reserved
    cut: int = 0  # units moved from reserved to the waitlist


async def mark_changed(campaign_id: int, *, told_group: str | None = None, kind: str = "changed") -> None:
    """Owe each group of the campaign a notice of ``kind`` (changed|cancelled), told by the reply
    to its next message; ``told_group`` was answered there and then. A cancel outranks a change."""
    told = await LineGroup.filter(line_group_id=told_group).values_list("id", flat=True) if told_group else []
    rows = CampaignGroup.filter(campaign_id=campaign_id).exclude(group_id__in=told)
    if kind == "changed":
        rows = rows.exclude(change_notice="cancelled")
    await rows.update(change_notice=kind)


async def take_change_notices(line_group_id: str) -> list[tuple[int, str]]:
    """(campaign id, changed|cancelled) of each notice this group is owed; each is taken once
    (call inside the transaction of the message answered with it)."""
    due = await (CampaignGroup.filter(group__line_group_id=line_group_id, change_notice__in=("changed", "cancelled"))
                 .order_by("id").values_list("id", "campaign_id", "change_notice"))
    return [(campaign_id, kind) for row_id, campaign_id, kind in due
            if await CampaignGroup.filter(id=row_id, change_notice=kind).update(change_notice="told")]


async def _editable(campaign_id: int, *, open_only: bool = False) -> Campaign:
    campaign = await Campaign.select_for_update().get_or_none(id=campaign_id)
    if campaign is None:
        raise NotFound("no such campaign", field="id")
    if campaign.status == CampaignStatus.CANCELLED:
        raise InvalidState("this campaign was cancelled")
    if open_only and campaign.status != CampaignStatus.OPEN:
        raise InvalidState(f"only an open campaign takes new items; this one is {campaign.status}")
    return campaign


async def add_item(campaign_id: int, spec: ItemSpec, *, now: datetime, actor: str = "") -> Item:
    """A new item (a new flavour) in an open campaign, after the others. Raises InvalidInput
    (field ``label``: taken; ``barcode``: taken in this campaign), InvalidState, NotFound."""
    async with in_transaction():
        await _editable(campaign_id, open_only=True)
        if await Item.exists(campaign_id=campaign_id, label=spec.label):
            raise InvalidInput(f"label {spec.label} is taken in this campaign", field="label")
        if spec.barcode and await Item.exists(campaign_id=campaign_id, barcode=spec.barcode):
            raise InvalidInput("another item of this campaign has this barcode", field="barcode")
        last = await Item.filter(campaign_id=campaign_id).order_by("-position").first()
        item = await Item.create(campaign_id=campaign_id, label=spec.label, name=spec.name, price=spec.price,
                                 cap=spec.stock, limit_per_buyer=spec.limit_per_buyer, barcode=spec.barcode,
                                 position=(last.position + 1) if last else 0)
        await mark_changed(campaign_id)
    return item


_CUTTABLE = (
    "SELECT l.id, l.qty, l.order_id, l.unit_price, l.source, l.source_message_id, l.note, l.created_at,"
    " o.campaign_id, m.line_user_id, i.label, i.name"
    " FROM order_lines l JOIN orders o ON o.id = l.order_id JOIN items i ON i.id = l.item_id"
    " LEFT JOIN members m ON m.id = o.member_id"
    " WHERE l.item_id = ? AND l.status = 'reserved' AND o.status = 'open' AND o.campaign_id IS NOT NULL"
    " ORDER BY l.created_at DESC, l.id DESC"
)
_SPLIT_OFF = (
    "INSERT INTO order_lines (order_id, item_id, qty, unit_price, status, source, source_message_id, note,"
    " created_at) VALUES (?, ?, ?, ?, 'waitlisted', ?, ?, ?, ?) RETURNING id"
)


async def edit_item(campaign_id: int, item_id: int, edit: ItemEdit, *, now: datetime,
                    actor: str = "") -> StockChange:
    """Change an item's name, price or stock (see the module's note). Raises InvalidInput
    (field ``stock``: below what can no longer go back), InvalidState (a cancelled campaign),
    NotFound; writes nothing then."""
    async with in_transaction() as tx:
        await _editable(campaign_id)
        order_ids = await fetch(tx, "SELECT DISTINCT l.order_id FROM order_lines l WHERE l.item_id = ?"
                                    " AND l.status = 'reserved' ORDER BY l.order_id", item_id)
        if order_ids:  # lock order: orders, then the item, then lines
            await Order.select_for_update().filter(id__in=[r["order_id"] for r in order_ids]).order_by("id")
        item = await Item.select_for_update().get_or_none(id=item_id, campaign_id=campaign_id)
        if item is None:
            raise NotFound("no such item in this campaign", field="item_id")
        changes: dict[str, Any] = {}
        if edit.name is not None:
            changes["name"] = edit.name
        if edit.price is not None:
            changes["price"] = edit.price
        if edit.uncapped:
            changes["cap"] = None
        elif edit.stock is not None:
            changes["cap"] = edit.stock
        change = StockChange()
        if "cap" in changes and changes["cap"] is not None and changes["cap"] < item.sold:
            change = StockChange(cut=await _cut(tx, item, changes["cap"], now=now, actor=actor))
        await Item.filter(id=item_id).update(**changes)
        if "cap" in changes and (changes["cap"] is None or changes["cap"] > item.sold):
            promoted = await promote_waitlist(tx, item_id, now=now, actor=actor)
            change = StockChange(promoted=sum(p.qty for p in promoted))
        await mark_changed(campaign_id)
    return change


async def _cut(tx: Any, item: Item, cap: int, *, now: datetime, actor: str) -> int:
    """Move the newest reserved units of ``item`` to the waitlist until ``sold`` fits ``cap``."""
    excess = item.sold - cap
    lines = await fetch(tx, _CUTTABLE, item.id)
    movable = sum(line["qty"] for line in lines)
    if movable < excess:
        floor = item.sold - movable
        raise InvalidInput(f"{floor} are handed over or sold at the counter: the stock cannot go below {floor}",
                           field="stock")
    cut = 0
    for line in lines:
        if cut >= excess:
            break
        take = min(line["qty"], excess - cut)
        if take == line["qty"]:
            moved = await execute(tx, "UPDATE order_lines SET status = 'waitlisted' WHERE id = ?"
                                      " AND status = 'reserved'", line["id"])
            waiting_id = line["id"]
        else:  # the newest part of the line waits; the rest keeps its units
            moved = await execute(tx, "UPDATE order_lines SET qty = qty - ? WHERE id = ? AND status = 'reserved'"
                                      " AND qty > ?", take, line["id"], take)
            waiting_id = (await fetch(tx, _SPLIT_OFF, line["order_id"], item.id, take, line["unit_price"],
                                      line["source"], line["source_message_id"], line["note"],
                                      line["created_at"]))[0]["id"] if moved else None
        if not moved:
            raise InvalidState("an order of this item changed meanwhile; try again")
        await stock.release(tx, item.id, take)
        await stock.record(tx, item.id, waiting_id, -take, "stock_cut", actor, now)
        cut += take
        if line["line_user_id"]:
            await outbox.enqueue(outbox.Message(
                recipient_kind="member", recipient=line["line_user_id"], template="stock_cut",
                params={"order_number": str(line["order_id"]), "label": line["label"], "name": line["name"],
                        "qty": take},
                campaign_id=line["campaign_id"], dedupe_key=f"cut:{waiting_id}:{now.timestamp()}"), now=now)
    return cut
