"""Staff logins (argon2 password hashes) and API tokens (stored as SHA-256 digests), and their
management by admins.

Every change — a login added, a role changed, a password reset, a login disabled or enabled,
a token created or revoked — writes one ``StaffChange`` row (who, when, what) in the same
transaction as the change. Disabling a login or resetting its password deletes its sessions
in that transaction too, so its next request, in any process, is signed out.

Raises InvalidInput (bad fields), UsernameTaken (409, field username), NotFound (404) and
LastAdmin (409: the change would leave no enabled admin).
"""
from __future__ import annotations

import asyncio
import hashlib
import secrets
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from commerce.commands import NewPassword, NewStaff, NewToken, StaffEdit, parse
from commerce.db import utcnow
from commerce.errors import DomainError, InvalidInput, NotFound
from commerce.models import ApiToken, StaffChange, StaffSession, StaffUser
from commerce.states import ErrorCode, Role, StaffAction

ROLES = tuple(Role)
CLI = "cli"  # the actor of changes made with `plusone staff add` / `plusone token create`
TOUCH_EVERY = timedelta(minutes=1)  # a token's last_used_at is written at most this often
_hasher = PasswordHasher()
# argon2 takes tens of milliseconds of CPU and memory per call: it runs here, never on the
# event loop, and at most this many at once (a login burst queues instead of starving webhooks).
_ARGON2_POOL = ThreadPoolExecutor(max_workers=2, thread_name_prefix="argon2")


class LastAdmin(DomainError):
    code = ErrorCode.LAST_ADMIN


class UsernameTaken(InvalidInput):
    code = ErrorCode.USERNAME_TAKEN
    status = 409


async def _off_loop(fn, *args):
    return await asyncio.get_running_loop().run_in_executor(_ARGON2_POOL, fn, *args)


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def role_at_least(role: str, needed: str) -> bool:
    return role in ROLES and ROLES.index(role) >= ROLES.index(needed)


def _login(user: StaffUser) -> dict[str, Any]:
    return {"id": user.id, "username": user.username, "role": user.role, "disabled": not user.active,
            "created_at": user.created_at}


def _token(row: ApiToken) -> dict[str, Any]:
    return {"id": row.id, "name": row.name, "role": row.role, "created_at": row.created_at,
            "last_used_at": row.last_used_at, "revoked": row.revoked, "revoked_at": row.revoked_at}


async def _audit(action: StaffAction, *, actor: str, now: datetime, username: str = "", token_id: int | None = None,
                 detail: str = "") -> None:
    await StaffChange.create(at=now, actor=actor[:100], action=action, username=username, token_id=token_id,
                             detail=detail[:200])


# --- logins ----------------------------------------------------------------------------------

async def list_logins() -> list[dict[str, Any]]:
    return [_login(u) for u in await StaffUser.all().order_by("username")]


async def create_login(cmd: NewStaff, *, actor: str, now: datetime) -> dict[str, Any]:
    """A new login. UsernameTaken when the name is in use (the unique index decides, so two
    concurrent adds of one name make one login)."""
    if await StaffUser.exists(username=cmd.username):  # spare the argon2 hash when it is plainly taken
        raise UsernameTaken("that username is taken", field="username")
    hashed = await _off_loop(_hasher.hash, cmd.password)
    try:
        async with in_transaction():
            user = await StaffUser.create(username=cmd.username, password_hash=hashed, role=cmd.role)
            await _audit(StaffAction.CREATED, actor=actor, now=now, username=user.username, detail=str(cmd.role))
    except IntegrityError:
        raise UsernameTaken("that username is taken", field="username") from None
    return _login(await StaffUser.get(id=user.id))


async def add_staff(username: str, password: str, role: str, *, actor: str = CLI) -> StaffUser:
    """``plusone staff add``: create a login, or reset an existing one's password and role and
    enable it (ending its sessions). The password rule is NewStaff's, as on the staff page."""
    cmd = parse(NewStaff, {"username": username, "password": password, "role": role})
    hashed = await _off_loop(_hasher.hash, cmd.password)
    now = utcnow()
    async with in_transaction():  # a reset and the end of its sign-ins, together
        user = await StaffUser.select_for_update().get_or_none(username=cmd.username)
        if user is None:
            user = await StaffUser.create(username=cmd.username, password_hash=hashed, role=cmd.role)
            await _audit(StaffAction.CREATED, actor=actor, now=now, username=user.username, detail=str(cmd.role))
            return user
        await StaffUser.filter(id=user.id).update(password_hash=hashed, role=cmd.role, active=True)
        await StaffSession.filter(user_id=user.id).delete()
        await _audit(StaffAction.PASSWORD_RESET, actor=actor, now=now, username=user.username)
        if user.role != cmd.role:
            await _audit(StaffAction.ROLE_CHANGED, actor=actor, now=now, username=user.username,
                         detail=f"{user.role} → {cmd.role}")
        if not user.active:
            await _audit(StaffAction.ENABLED, actor=actor, now=now, username=user.username)
        return await StaffUser.get(id=user.id)


async def edit_login(user_id: int, cmd: StaffEdit, *, actor: str, now: datetime) -> dict[str, Any]:
    """Change a login's role and/or disable or enable it. LastAdmin when it would leave no
    enabled admin. Disabling deletes its sessions.

    The login and every enabled admin are locked, in id order, before the count: two admins
    disabling each other at once on PostgreSQL are serialised, and the second is refused."""
    async with in_transaction():
        rows = await (StaffUser.filter(Q(id=user_id) | Q(role=Role.ADMIN, active=True))
                      .order_by("id").select_for_update())
        user = next((r for r in rows if r.id == user_id), None)
        if user is None:
            raise NotFound("no such login", field="id")
        role = cmd.role if cmd.role is not None else Role(user.role)
        active = (not cmd.disabled) if cmd.disabled is not None else user.active
        steps_down = user.role == Role.ADMIN and user.active and not (role == Role.ADMIN and active)
        if steps_down and not any(r.id != user.id and r.role == Role.ADMIN and r.active for r in rows):
            raise LastAdmin("this is the last enabled admin: make another admin first")
        if role != user.role:
            await StaffUser.filter(id=user.id).update(role=role)
            await _audit(StaffAction.ROLE_CHANGED, actor=actor, now=now, username=user.username,
                         detail=f"{user.role} → {role}")
        if active != user.active:
            await StaffUser.filter(id=user.id).update(active=active)
            if not active:
                await StaffSession.filter(user_id=user.id).delete()
            await _audit(StaffAction.ENABLED if active else StaffAction.DISABLED, actor=actor, now=now,
                         username=user.username)
        return _login(await StaffUser.get(id=user.id))


async def reset_password(user_id: int, cmd: NewPassword, *, actor: str, now: datetime) -> dict[str, Any]:
    """A new password for a login; its sessions end (a reset of one's own signs one out too)."""
    if not await StaffUser.exists(id=user_id):
        raise NotFound("no such login", field="id")
    hashed = await _off_loop(_hasher.hash, cmd.password)
    async with in_transaction():
        user = await StaffUser.select_for_update().get_or_none(id=user_id)
        if user is None:
            raise NotFound("no such login", field="id")
        await StaffUser.filter(id=user.id).update(password_hash=hashed)
        await StaffSession.filter(user_id=user.id).delete()
        await _audit(StaffAction.PASSWORD_RESET, actor=actor, now=now, username=user.username)
        return _login(user)


async def check_login(username: str, password: str) -> StaffUser | None:
    user = await StaffUser.get_or_none(username=(username or "").strip(), active=True)
    if user is None:
        await _off_loop(_hasher.hash, password or "x")  # same cost for unknown (or disabled) users
        return None
    return user if await _off_loop(_verify, user.password_hash, password or "") else None


# --- API tokens --------------------------------------------------------------------------------

def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def list_tokens() -> list[dict[str, Any]]:
    return [_token(r) for r in await ApiToken.all().order_by("-id")]


async def issue_token(cmd: NewToken, *, actor: str, now: datetime) -> tuple[dict[str, Any], str]:
    """A new API token: (its view, its secret). Only the secret's digest is stored."""
    secret = "po_" + secrets.token_urlsafe(32)
    async with in_transaction():
        row = await ApiToken.create(token_hash=_digest(secret), role=cmd.role, name=cmd.name)
        await _audit(StaffAction.TOKEN_CREATED, actor=actor, now=now, token_id=row.id,
                     detail=f"{cmd.name} ({cmd.role})" if cmd.name else str(cmd.role))
    return _token(await ApiToken.get(id=row.id)), secret


async def create_token(role: str, name: str = "", *, actor: str = CLI) -> str:
    """``plusone token create``: the new token's secret (shown once)."""
    _, secret = await issue_token(parse(NewToken, {"role": role, "name": name}), actor=actor, now=utcnow())
    return secret


async def revoke_token(token_id: int, *, actor: str, now: datetime) -> dict[str, Any]:
    """Revoke a token: its next request is refused (401). Revoking twice changes nothing more."""
    async with in_transaction():
        row = await ApiToken.get_or_none(id=token_id)
        if row is None:
            raise NotFound("no such token", field="id")
        if await ApiToken.filter(id=token_id, revoked=False).update(revoked=True, revoked_at=now):
            await _audit(StaffAction.TOKEN_REVOKED, actor=actor, now=now, token_id=token_id, detail=row.name)
    return _token(await ApiToken.get(id=token_id))


async def token_role(token: str, *, now: datetime | None = None) -> str | None:
    """The role of a live (unrevoked) token, None otherwise; notes when it was last used."""
    if not token:
        return None
    row = await ApiToken.get_or_none(token_hash=_digest(token), revoked=False)
    if row is None:
        return None
    now = now or utcnow()
    if row.last_used_at is None or now - row.last_used_at >= TOUCH_EVERY:
        await ApiToken.filter(id=row.id).update(last_used_at=now)  # one write a minute at most
    return row.role


# --- the record --------------------------------------------------------------------------------

async def recent_changes(limit: int = 50) -> list[dict[str, Any]]:
    rows = await StaffChange.all().order_by("-id").limit(limit)
    return [{"id": r.id, "at": r.at, "actor": r.actor, "action": r.action, "username": r.username,
             "token_id": r.token_id, "detail": r.detail} for r in rows]
