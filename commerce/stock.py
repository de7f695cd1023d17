"""The stock rule, in one module: every change of ``items.sold`` is a conditional
update whose row count decides, followed by a ledger row. No read-modify-write.

All functions take the transaction's connection and run inside the caller's transaction.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from commerce.db import execute, fetch
from commerce.rules import OPEN_SQL

_CLAIM = (
    "UPDATE items SET sold = sold + ? WHERE id = ? AND (cap IS NULL OR sold + ? <= cap)"
)
# The same claim, refused unless the campaign still takes orders.
_CLAIM_OPEN = (
    "UPDATE items SET sold = sold + ? WHERE id = ? AND (cap IS NULL OR sold + ? <= cap)"
    f" AND EXISTS (SELECT 1 FROM campaigns c WHERE c.id = items.campaign_id AND {OPEN_SQL})"
)
_RELEASE = "UPDATE items SET sold = sold - ? WHERE id = ? AND sold >= ?"
_MOVEMENT = (
    "INSERT INTO stock_movements (item_id, line_id, delta, reason, actor, created_at)"
    " VALUES (?, ?, ?, ?, ?, ?)"
)


async def claim(conn: Any, item_id: int, qty: int, *, open_at: datetime | None = None) -> bool:
    """Take ``qty`` units if they fit under the cap (and, with ``open_at``, only while the
    campaign is open at that time). True when taken."""
    if open_at is None:
        return await execute(conn, _CLAIM, qty, item_id, qty) == 1
    return await execute(conn, _CLAIM_OPEN, qty, item_id, qty, open_at) == 1


async def release(conn: Any, item_id: int, qty: int) -> None:
    if await execute(conn, _RELEASE, qty, item_id, qty) != 1:
        raise RuntimeError(f"stock ledger out of step: cannot release {qty} of item {item_id}")


async def record(
    conn: Any, item_id: int, line_id: int | None, delta: int, reason: str, actor: str, now: datetime
) -> None:
    await execute(conn, _MOVEMENT, item_id, line_id, delta, reason, actor, now)


async def free_units(conn: Any, item_id: int) -> int | None:
    """Units still free (None: no cap). A read for planning only; claims decide."""
    rows = await fetch(conn, "SELECT cap, sold FROM items WHERE id = ?", item_id)
    cap, sold = rows[0]["cap"], rows[0]["sold"]
    return None if cap is None else max(cap - sold, 0)
