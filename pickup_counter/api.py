"""The JSON API's plumbing: one error shape, bearer-token roles, Idempotency-Key.

Errors are ``{"error": {"code", "message", "field"?}}`` with a 4xx (or 5xx) status,
for every path under /api, including unknown routes and unexpected failures.
"""
from __future__ import annotations

import hashlib
import json
import logging
from datetime import date, datetime
from typing import Any

from aiohttp import web

from commerce import idempotency
from commerce.db import utcnow
from commerce.errors import DomainError, InvalidInput, NotFound
from commerce.staff import role_at_least, token_role

log = logging.getLogger(__name__)
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
ROLE = web.RequestKey("role", str)
ACTOR = web.RequestKey("actor", str)
PUBLIC_PATHS = {"/api/openapi.json"}


def error_response(status: int, code: str, message: str, field: str | None = None, **extra) -> web.Response:
    body: dict[str, Any] = {"code": code, "message": message}
    if field:
        body["field"] = field
    body.update(extra)
    return web.json_response({"error": body}, status=status)


def _default(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    raise TypeError(f"not JSON: {type(value).__name__}")


def json_response(data: Any, status: int = 200) -> web.Response:
    return web.json_response(data, status=status, dumps=lambda d: json.dumps(d, ensure_ascii=False, default=_default))


class Unauthorized(DomainError):
    code = "unauthorized"
    status = 401


class Forbidden(DomainError):
    code = "forbidden"
    status = 403


def require(request: web.Request, role: str) -> str:
    """The caller's role, if at least ``role``; 401 without credentials, 403 below it."""
    have = request.get(ROLE)
    if have is None:
        raise Unauthorized("sign in, or send Authorization: Bearer TOKEN")
    if not role_at_least(have, role):
        raise Forbidden(f"this needs the {role} role")
    return have


def actor(request: web.Request) -> str:
    return request.get(ACTOR, "")


def path_int(request: web.Request, name: str = "id") -> int:
    value = request.match_info.get(name, "")
    if not value.isdigit() or len(value) > 10 or int(value) >= 2**31:
        raise NotFound(f"no such {name}", field=name)
    return int(value)


async def json_body(request: web.Request) -> dict[str, Any]:
    try:
        data = await request.json(loads=json.loads)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise InvalidInput("the body must be JSON", field="body") from None
    if not isinstance(data, dict):
        raise InvalidInput("the body must be a JSON object", field="body")
    return data


async def optional_json_body(request: web.Request) -> dict[str, Any]:
    """The JSON object sent, or {} when there is no body. Asks body_exists, not can_read_body:
    the Idempotency-Key middleware may have read the body already."""
    return await json_body(request) if request.body_exists else {}


@web.middleware
async def errors_middleware(request: web.Request, handler):
    if not request.path.startswith("/api"):
        return await handler(request)
    try:
        return await handler(request)
    except DomainError as err:
        return web.json_response({"error": err.as_dict()}, status=err.status)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        code = {404: "not_found", 405: "method_not_allowed", 413: "too_large"}.get(exc.status, "http_error")
        return error_response(exc.status, code, exc.reason)
    except Exception:
        log.exception("unexpected error on %s %s", request.method, request.path)
        return error_response(500, "internal", "something went wrong; nothing was half-written")


@web.middleware
async def auth_middleware(request: web.Request, handler):
    """Bearer tokens for scripts; the counter's session login sets the same keys."""
    if request.path.startswith("/api") and request.path not in PUBLIC_PATHS and ROLE not in request:
        header = request.headers.get("Authorization", "")
        if header.startswith("Bearer "):
            token = header[7:].strip()
            role = await token_role(token)
            if role is None:
                raise Unauthorized("this token is not valid")
            request[ROLE] = role
            request[ACTOR] = f"token:{hashlib.sha256(token.encode()).hexdigest()[:8]}"
    return await handler(request)


# Routes that answer with what the printer did: a transaction must not stay open while the
# printer is talked to (PrintQueue.print_job), so their key is claimed and answered in two
# steps. A crash between the steps leaves the key in flight (409, then run again after
# idempotency.IN_FLIGHT_TIMEOUT): at worst a second print job, never a second payment.
DEVICE_ROUTES = {"/api/orders/{number}/receipt", "/api/drawer/open"}

# Refusals of who is asking, not of what was asked: never stored, so they cost no row.
NOT_STORED = {401, 403}


def _stored(response: web.StreamResponse) -> idempotency.Replay | None:
    """What to replay for ``response``; None for an answer that cannot be replayed."""
    if (not isinstance(response, web.Response) or not isinstance(response.body, bytes)
            or response.content_type != "application/json"):
        return None
    return idempotency.Replay(response.status, json.loads(response.body))


def _replayed(replay: idempotency.Replay) -> web.Response:
    response = web.json_response(replay.body, status=replay.status)
    response.headers["Idempotent-Replayed"] = "true"
    return response


@web.middleware
async def idempotency_middleware(request: web.Request, handler):
    """A write with an Idempotency-Key is done once; a retry gets the first answer.

    Only a signed-in caller's key is kept: auth runs first, an anonymous request goes
    straight to its handler (401), and a 401/403 or 5xx answer is not stored. The key's
    answer commits in the same transaction as the write (``idempotency.run_once``); the
    body is read before that transaction opens."""
    key = request.headers.get("Idempotency-Key")
    if (not key or request.method not in WRITE_METHODS or not request.path.startswith("/api")
            or ROLE not in request):
        return await handler(request)
    body = await request.read()
    scope = f"{request.get(ACTOR, 'anon')}:{request.method}:{request.path}"
    digest = idempotency.request_hash(request.method, request.path_qs, body)
    route = request.match_info.route.resource
    if route is not None and route.canonical in DEVICE_ROUTES:
        return await _in_two_steps(request, handler, scope, key, digest)

    async def work() -> tuple[web.StreamResponse, idempotency.Replay | None]:
        response = await errors_middleware(request, handler)
        if response.status >= 500 or response.status in NOT_STORED:
            raise idempotency.Undo(response)  # "nothing was half-written", and no key row
        return response, _stored(response)

    answer, replayed = await idempotency.run_once(scope, key, digest, work, now=utcnow())
    return _replayed(answer) if replayed else answer


async def _in_two_steps(request: web.Request, handler, scope: str, key: str, digest: str) -> web.StreamResponse:
    replay = await idempotency.begin(scope, key, digest, now=utcnow())
    if replay is not None:
        return _replayed(replay)
    try:
        response = await errors_middleware(request, handler)
    except BaseException:
        await idempotency.abandon(scope, key)
        raise
    record = None if response.status >= 500 or response.status in NOT_STORED else _stored(response)
    if record is None:
        await idempotency.abandon(scope, key)
    else:
        await idempotency.finish(scope, key, record.status, record.body)
    return response
