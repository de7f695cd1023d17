"""Staff users (argon2 password hashes) and API tokens (stored as SHA-256 digests)."""
from __future__ import annotations

import asyncio
import hashlib
import secrets
from concurrent.futures import ThreadPoolExecutor

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from tortoise.transactions import in_transaction

from commerce.errors import InvalidInput
from commerce.models import ApiToken, StaffSession, StaffUser

ROLES = ("cashier", "manager", "admin")
_hasher = PasswordHasher()
# argon2 takes tens of milliseconds of CPU and memory per call: it runs here, never on the
# event loop, and at most this many at once (a login burst queues instead of starving webhooks).
_ARGON2_POOL = ThreadPoolExecutor(max_workers=2, thread_name_prefix="argon2")


async def _off_loop(fn, *args):
    return await asyncio.get_running_loop().run_in_executor(_ARGON2_POOL, fn, *args)


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def role_at_least(role: str, needed: str) -> bool:
    return role in ROLES and ROLES.index(role) >= ROLES.index(needed)


def _role(role: str) -> str:
    if role not in ROLES:
        raise InvalidInput(f"role must be one of {', '.join(ROLES)}", field="role")
    return role


async def add_staff(username: str, password: str, role: str) -> StaffUser:
    """Create a staff login, or reset its password and role (ending its sessions). Passwords: 8+ characters."""
    username = (username or "").strip()
    if not username or len(username) > 64:
        raise InvalidInput("username is required", field="username")
    if len(password or "") < 8:
        raise InvalidInput("password needs at least 8 characters", field="password")
    hashed = await _off_loop(_hasher.hash, password)
    async with in_transaction():  # a reset and the end of its sign-ins, together
        user, created = await StaffUser.get_or_create(
            username=username, defaults={"password_hash": hashed, "role": _role(role)}
        )
        if not created:
            await StaffUser.filter(id=user.id).update(password_hash=hashed, role=_role(role), active=True)
            await StaffSession.filter(user_id=user.id).delete()
        return await StaffUser.get(id=user.id)


async def check_login(username: str, password: str) -> StaffUser | None:
    user = await StaffUser.get_or_none(username=(username or "").strip(), active=True)
    if user is None:
        await _off_loop(_hasher.hash, password or "x")  # same cost for unknown users
        return None
    return user if await _off_loop(_verify, user.password_hash, password or "") else None


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def create_token(role: str, name: str = "") -> str:
    """A new API token (shown once; only its digest is stored)."""
    token = "po_" + secrets.token_urlsafe(32)
    await ApiToken.create(token_hash=_digest(token), role=_role(role), name=name[:100])
    return token


async def token_role(token: str) -> str | None:
    if not token:
        return None
    row = await ApiToken.get_or_none(token_hash=_digest(token), revoked=False)
    return row.role if row else None
