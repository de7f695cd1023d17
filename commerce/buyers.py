"""Members as the host and the staff see them: search, a buyer with every order (past ones
too) and what they spent, and staff notes (audited rows, never deleted)."""
from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from typing import Any

from tortoise.functions import Count

from commerce.commands import NewNote
from commerce.errors import InvalidInput, NotFound
from commerce.models import Member, MemberNote, Order
from commerce.orders import member_view, order_views
from commerce.phones import normalise_phone

MIN_SUFFIX = 3  # "last 3 digits" is how the counter asks; fewer would match half the shop


def _clean(q: str) -> str:
    text = unicodedata.normalize("NFKC", q or "")
    return "".join(c for c in text if unicodedata.category(c) not in ("Cc", "Cf", "Cs") or c == "\u200d").strip()


def _matching(q: str):
    """The members ``q`` names: a full phone, its last 3+ digits, else a part of the name."""
    text = _clean(q)
    query = Member.all()
    if not text:
        return query
    digits = re.sub(r"[\s\-()]", "", text.lstrip("+"))
    if digits.isdigit() and len(digits) >= MIN_SUFFIX:
        try:
            return query.filter(phone=normalise_phone(text))
        except InvalidInput:
            pass
        prefix = digits[::-1]  # phone_rev holds the digits reversed: a suffix is an indexed prefix
        return query.filter(phone_rev__startswith=prefix)
    return query.filter(display_name__icontains=text)


def _row(member: Member, orders: int) -> dict[str, Any]:
    return {**member_view(member), "is_host": member.is_host, "orders": int(orders)}


async def search(q: str = "", *, offset: int = 0, limit: int = 50) -> dict[str, Any]:
    """A page of members matching ``q`` (see ``_matching``), newest first, each with their
    order count; ``next_offset`` is None on the last page."""
    query = _matching(q)
    total = await query.count()
    found = await query.order_by("-id").offset(offset).limit(limit)
    counts = dict(await Order.filter(member_id__in=[m.id for m in found]).annotate(n=Count("id"))
                  .group_by("member_id").values_list("member_id", "n")) if found else {}
    return {
        "members": [_row(m, counts.get(m.id, 0)) for m in found],
        "total": total,
        "offset": offset,
        "next_offset": offset + len(found) if offset + len(found) < total else None,
    }


def _note(note: MemberNote) -> dict[str, Any]:
    return {"id": note.id, "text": note.text, "actor": note.actor, "created_at": note.created_at.isoformat()}


async def buyer(member_id: int) -> dict[str, Any]:
    """The buyer with every order (newest first, handed over and cancelled too), what they
    spent (paid net of refunds) and the staff's notes. Raises NotFound(field="id")."""
    member = await Member.get_or_none(id=member_id)
    if member is None:
        raise NotFound("no such member", field="id")
    views = await order_views(await Order.filter(member_id=member_id).order_by("-id"))
    notes = await MemberNote.filter(member_id=member_id).order_by("-id")
    return {
        "member": _row(member, len(views)),
        "orders": views,
        "total_spent": sum(v["paid"] for v in views),
        "notes": [_note(n) for n in notes],
    }


async def add_note(member_id: int, note: NewNote, *, actor: str, now: datetime) -> dict[str, Any]:
    """Keep a staff note on a buyer, with who and when. Raises NotFound(field="id"); writes
    nothing then."""
    if not await Member.exists(id=member_id):
        raise NotFound("no such member", field="id")
    row = await MemberNote.create(member_id=member_id, text=note.text, actor=actor[:100], created_at=now)
    return _note(row)


async def hosts() -> list[dict[str, Any]]:
    """The registered hosts by display name, for the new-campaign page's choice."""
    return [{"line_user_id": m.line_user_id, "display_name": m.display_name}
            for m in await Member.filter(is_host=True).exclude(line_user_id=None).order_by("display_name", "id")]
