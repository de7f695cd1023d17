"""Staff sign-in sessions and the login rate limit.

A session is a random token (the browser's cookie) whose SHA-256 is stored with the user,
a CSRF token and two clocks: it ends after ``IDLE`` without use or ``LIFETIME`` after
sign-in, whichever comes first. Rows live in the database, so every process sees a
logout at once. Failed sign-ins are counted per username and per address: after
``MAX_FAILS_PER_USER`` (or ``MAX_FAILS_PER_ADDRESS``) failures in ``WINDOW`` the next try is
refused until the oldest of them ages out, whatever the password.

The limit holds under a burst: an attempt is written down (as a failure) *before* its
password is checked, then the failures are counted with it included; one over the limit is
taken back and refused without hashing. Every attempt that is checked has seen every earlier
checked attempt's row, so at most the limit are ever checked, across processes too; within a
process the write-and-count is serialised so a burst checks exactly the limit.
"""
from __future__ import annotations

import asyncio
import hashlib
import secrets
import weakref
from dataclasses import dataclass
from datetime import datetime, timedelta

from tortoise.transactions import in_transaction

from commerce.errors import DomainError
from commerce.states import ErrorCode
from commerce.models import LoginAttempt, StaffSession, StaffUser
from commerce.staff import check_login

IDLE = timedelta(hours=4)
LIFETIME = timedelta(hours=12)
TOUCH_EVERY = timedelta(minutes=1)  # write last_seen_at at most this often
WINDOW = timedelta(minutes=15)
MAX_FAILS_PER_USER = 5
MAX_FAILS_PER_ADDRESS = 20


class TooManyAttempts(DomainError):
    code = ErrorCode.TOO_MANY_ATTEMPTS
    status = 429


@dataclass(frozen=True)
class Session:
    id: int
    user_id: int
    username: str
    role: str
    csrf: str


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def _fails(now: datetime, **where) -> list[datetime]:
    since = now - WINDOW
    last_ok = await LoginAttempt.filter(ok=True, at__gte=since, **where).order_by("-at").first()
    if last_ok is not None:
        since = last_ok.at
    return [a.at for a in await LoginAttempt.filter(ok=False, at__gte=since, **where).order_by("at")]


async def retry_after(username: str, address: str, *, now: datetime) -> int:
    """Seconds until this username and address may try again (0: now)."""
    waits = [0.0]
    for fails, limit in ((await _fails(now, username=username.strip()[:64]), MAX_FAILS_PER_USER),
                         (await _fails(now, address=address[:64]), MAX_FAILS_PER_ADDRESS)):
        if len(fails) >= limit:
            waits.append((fails[-limit] + WINDOW - now).total_seconds())
    return max(0, int(max(waits)) + (1 if max(waits) > 0 else 0))


_claim_locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = weakref.WeakKeyDictionary()


def _claim_lock() -> asyncio.Lock:
    loop = asyncio.get_running_loop()
    lock = _claim_locks.get(loop)
    if lock is None:
        lock = _claim_locks[loop] = asyncio.Lock()
    return lock


async def _claim_attempt(username: str, address: str, *, now: datetime) -> int:
    """Write this attempt down as a failure, then count: the id of its row, or TooManyAttempts
    (the row taken back) when it makes one too many for the username or the address."""
    async with _claim_lock():
        row = await LoginAttempt.create(username=username, address=address, ok=False, at=now)
        over = (len(await _fails(now, username=username)) > MAX_FAILS_PER_USER
                or len(await _fails(now, address=address)) > MAX_FAILS_PER_ADDRESS)
        if over:
            await LoginAttempt.filter(id=row.id).delete()
    if over:
        wait = await retry_after(username, address, now=now)
        raise TooManyAttempts("too many failed sign-ins; try again later", retry_after=max(1, wait))
    return row.id


async def sign_in(username: str, password: str, *, address: str, now: datetime) -> tuple[str, Session] | None:
    """(cookie token, session) for a right password; None for a wrong one.

    Raises TooManyAttempts (with ``retry_after`` seconds) while rate-limited; the password
    is then not even checked, so guessing gains nothing."""
    username = (username or "").strip()[:64]
    wait = await retry_after(username, address, now=now)
    if wait:
        raise TooManyAttempts("too many failed sign-ins; try again later", retry_after=wait)
    attempt = await _claim_attempt(username, address[:64], now=now)
    user = await check_login(username, password)
    if user is None:
        return None
    token = secrets.token_urlsafe(32)
    # The login's row is locked while its session is made, and must still be enabled with the
    # password just checked: an admin's disable or password reset (which lock the row and end
    # its sessions) is either before this, and refuses it, or after, and ends this session too.
    async with in_transaction():
        if await StaffUser.select_for_update().get_or_none(id=user.id, active=True,
                                                           password_hash=user.password_hash) is None:
            return None
        row = await StaffSession.create(token_hash=_digest(token), user=user, csrf=secrets.token_urlsafe(24),
                                        created_at=now, last_seen_at=now, expires_at=now + LIFETIME)
    await LoginAttempt.filter(id=attempt).update(ok=True)
    return token, Session(row.id, user.id, user.username, user.role, row.csrf)


async def session_for(token: str, *, now: datetime) -> Session | None:
    """The live session of this cookie token, touched; None if unknown, idle or expired."""
    if not token:
        return None
    row = await StaffSession.get_or_none(token_hash=_digest(token)).prefetch_related("user")
    if row is None or row.expires_at <= now or row.last_seen_at + IDLE <= now or not row.user.active:
        return None
    if now - row.last_seen_at >= TOUCH_EVERY:
        await StaffSession.filter(id=row.id).update(last_seen_at=now)
    return Session(row.id, row.user_id, row.user.username, row.user.role, row.csrf)


async def sign_out(token: str) -> None:
    await StaffSession.filter(token_hash=_digest(token)).delete()


async def purge(now: datetime) -> int:
    """Forget ended sessions and old attempts (housekeeping)."""
    gone = await StaffSession.filter(expires_at__lte=now).delete()
    gone += await StaffSession.filter(last_seen_at__lte=now - IDLE).delete()
    return gone + await LoginAttempt.filter(at__lt=now - WINDOW * 4).delete()
