"""The JSON API's plumbing: operations, one error shape, bearer-token roles, Idempotency-Key.

Every route is declared by ``operation``: its role, its command (the JSON body) and query
models, and the view it answers with. The route's function gets the parsed command; the
OpenAPI document (``openapi.py``) is generated from the same declarations.

Errors are ``{"error": {"code", "message", "field"?, "fields"?}}`` with a 4xx (or 5xx)
status, for every path under /api, including unknown routes and unexpected failures.
"""
from __future__ import annotations

import hashlib
import json
import logging
from datetime import date, datetime
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from pydantic import BaseModel

from commerce import idempotency
from commerce.commands import parse
from commerce.db import utcnow
from commerce.errors import DomainError, Forbidden, InvalidInput, NotFound, Unauthorized
from commerce.staff import role_at_least, token_role
from commerce.states import ErrorCode

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


@dataclass(frozen=True)
class Operation:
    """One route of /api as the OpenAPI document describes it."""
    method: str
    path: str
    summary: str
    role: str | None
    answers: dict[int, type[BaseModel] | None]  # status -> view (None: not JSON, see ``content``)
    errors: tuple[int, ...]
    body: type[BaseModel] | None = None
    body_required: bool = True
    query: type[BaseModel] | None = None
    content: dict[str, Any] = field(default_factory=dict)  # hand-written request/answer content


OPERATIONS: dict[tuple[str, str], Operation] = {}
# Routes whose body holds a password: their Idempotency-Key is not kept, since the key's row
# would store a fast hash of the body (and so of the password) beside the argon2 one.
UNKEYED: set[tuple[str, str]] = set()
# What a keyed route stores for its replay instead of its answer (an answer holding a secret
# shown once: the replay names what was made, without the secret).
REPLAY_AS = web.RequestKey("replay_as", object)
Route = Callable[..., Awaitable[web.StreamResponse]]


def operation(table: web.RouteTableDef, method: str, path: str, *, summary: str, role: str | None,
              answer: type[BaseModel] | None, status: int = 200, body: type[BaseModel] | None = None,
              body_required: bool = True, query: type[BaseModel] | None = None,
              errors: tuple[int, ...] | None = None, keyed: bool = True, **content: Any) -> Callable[[Route], Route]:
    """Declare and route ``method path``: the caller needs ``role``; the query string is parsed
    as ``query`` and the JSON body as ``body`` (every bad field answered at once, 400), and
    ``route(request, query=…, body=…)`` answers ``answer`` with ``status``. ``keyed=False``:
    an Idempotency-Key is ignored (a body with a password; see UNKEYED)."""
    if errors is None:
        errors = ((400,) + ((401, 403) if role else ()) + ((404,) if "{" in path else ())
                  + ((409,) if method != "GET" else ()))

    def register(route: Route) -> Route:
        async def handle(request: web.Request) -> web.StreamResponse:
            if role:
                require(request, role)
            given: dict[str, Any] = {}
            if query is not None:
                given["query"] = parse(query, dict(request.query))
            if body is not None:
                given["body"] = parse(body, await json_body(request) if body_required
                                      else await optional_json_body(request))
            return await route(request, **given)

        if not keyed:
            UNKEYED.add((method, path))
        OPERATIONS[(method, path)] = Operation(method, path, summary, role, {status: answer}, errors, body,
                                               body_required, query, content)
        table.route(method, path)(handle)
        return route
    return register


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
        code = {404: ErrorCode.NOT_FOUND, 405: ErrorCode.METHOD_NOT_ALLOWED,
                413: ErrorCode.TOO_LARGE}.get(exc.status, ErrorCode.HTTP_ERROR)
        return error_response(exc.status, code, exc.reason)
    except Exception:
        log.exception("unexpected error on %s %s", request.method, request.path)
        return error_response(500, ErrorCode.INTERNAL, "something went wrong; nothing was half-written")


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


# Routes that answer with what a device did. Their write (the print job) commits with the
# key; the device is talked to after the commit, never inside a transaction
# (PrintQueue.print_job). The stored answer names the job, and every answer, a replay
# included, reports the job as it stands: a retry after a crash prints nothing twice.
Finisher = Callable[[web.Request, int], Awaitable[web.Response]]
_FINISHERS: dict[str, Finisher] = {}
_THEN = web.RequestKey("then", object)
_KEYED = web.RequestKey("keyed", bool)


def device_answer(path: str) -> Callable[[Finisher], Finisher]:
    """Register how route ``path`` answers once its job is committed: ``finish(request, job_id)``."""
    def register(finish: Finisher) -> Finisher:
        _FINISHERS[path] = finish
        return finish
    return register


async def after_write(request: web.Request, job_id: int) -> web.Response:
    """A device route's answer for the job it just queued: at once without a key; with one,
    after the key's transaction commits (the middleware calls the route's finisher)."""
    finish = _FINISHERS[request.match_info.route.resource.canonical]
    if not request.get(_KEYED):
        return await finish(request, job_id)
    request[_THEN] = job_id
    return json_response({"job": job_id}, status=202)  # what the key stores, never shown


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
    resource = request.match_info.route.resource
    if (not key or request.method not in WRITE_METHODS or not request.path.startswith("/api")
            or ROLE not in request or (resource is not None and (request.method, resource.canonical) in UNKEYED)):
        return await handler(request)
    body = await request.read()
    scope = f"{request.get(ACTOR, 'anon')}:{request.method}:{request.path}"
    digest = idempotency.request_hash(request.method, request.path_qs, body)
    request[_KEYED] = True

    async def work() -> tuple[web.StreamResponse, idempotency.Replay | None]:
        response = await errors_middleware(request, handler)
        if response.status >= 500 or response.status in NOT_STORED:
            raise idempotency.Undo(response)  # "nothing was half-written", and no key row
        stored = _stored(response)
        if stored is not None and REPLAY_AS in request:
            stored = idempotency.Replay(stored.status, request[REPLAY_AS])
        return response, stored

    answer, replayed = await idempotency.run_once(scope, key, digest, work, now=utcnow())
    route = request.match_info.route.resource
    finish = _FINISHERS.get(route.canonical) if route is not None else None
    if finish is not None and replayed and isinstance(answer.body, dict) and "job" in answer.body:
        response = await finish(request, answer.body["job"])
        response.headers["Idempotent-Replayed"] = "true"
        return response
    if finish is not None and _THEN in request:
        return await finish(request, request[_THEN])
    return _replayed(answer) if replayed else answer
