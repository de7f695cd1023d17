"""Members (buyers and hosts) and LINE groups."""
from __future__ import annotations

import secrets

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from commerce.errors import NotFound
from commerce.models import LineGroup, Member
from commerce.phones import normalise_phone, reversed_digits


def new_pickup_token() -> str:
    """Random, unguessable, and not derived from the LINE userId."""
    return secrets.token_urlsafe(12)


_UNKNOWN = object()


async def upsert_member(line_user_id: str, display_name: str | None = None, *, known=_UNKNOWN) -> Member:
    """The member for a LINE user, created on first sight; the display name is refreshed.
    ``known`` is the caller's lookup of the same member (None: not found), saving a query."""
    member = await Member.get_or_none(line_user_id=line_user_id) if known is _UNKNOWN else known
    if member is None:
        try:
            async with in_transaction():
                member = await Member.create(
                    line_user_id=line_user_id,
                    display_name=(display_name or "")[:200],
                    pickup_token=new_pickup_token(),
                )
        except IntegrityError:  # created concurrently by another event
            member = await Member.get(line_user_id=line_user_id)
    elif display_name and member.display_name != display_name:
        member.display_name = display_name[:200]
        await Member.filter(id=member.id).update(display_name=member.display_name)
    return member


async def member_by_line_id(line_user_id: str | None) -> Member | None:
    return await Member.get_or_none(line_user_id=line_user_id) if line_user_id else None


async def is_host(line_user_id: str | None) -> bool:
    return bool(line_user_id) and await Member.exists(line_user_id=line_user_id, is_host=True)


async def set_follows(member_id: int, follows: bool) -> None:
    await Member.filter(id=member_id).update(follows=follows)


async def set_follows_by_line_id(line_user_id: str, follows: bool) -> None:
    await Member.filter(line_user_id=line_user_id).update(follows=follows)


async def bind_phone(member_id: int, raw_phone: str) -> Member:
    """Bind (or change) a member's phone. Raises InvalidInput(field="phone")."""
    phone = normalise_phone(raw_phone)
    updated = await Member.filter(id=member_id).update(phone=phone, phone_rev=reversed_digits(phone))
    if not updated:
        raise NotFound("no such member", field="member_id")
    return await Member.get(id=member_id)


async def add_host(line_user_id: str, display_name: str | None = None) -> Member:
    member = await upsert_member(line_user_id, display_name)
    await Member.filter(id=member.id).update(is_host=True)
    member.is_host = True
    return member


async def ensure_group(line_group_id: str, name: str | None = None) -> LineGroup:
    group = await LineGroup.get_or_none(line_group_id=line_group_id)
    if group is None:
        try:
            async with in_transaction():
                group = await LineGroup.create(line_group_id=line_group_id, name=(name or "")[:200])
        except IntegrityError:
            group = await LineGroup.get(line_group_id=line_group_id)
    return group


async def unnamed_groups(line_group_ids: list[str]) -> list[str]:
    """Of these LINE groups, those not known yet or known without a name."""
    if not line_group_ids:
        return []
    named = set(await LineGroup.filter(line_group_id__in=line_group_ids).exclude(name="")
                .values_list("line_group_id", flat=True))
    return [g for g in line_group_ids if g not in named]


async def name_group(line_group_id: str, name: str) -> None:
    """Store a group's name as LINE gives it (a label: untrusted text)."""
    await ensure_group(line_group_id)
    await LineGroup.filter(line_group_id=line_group_id).update(name=name[:200])
