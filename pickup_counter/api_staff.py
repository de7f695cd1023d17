"""/api for admins: staff logins, API tokens and the record of changes to them.

Every route needs the admin role (a manager or a cashier gets 403). Adding a login and
resetting a password carry a password, so they keep no Idempotency-Key (``keyed=False``): a
retry is harmless (a second add is refused as taken; a second reset sets the same password).
Creating a token is keyed, and its replay names the token without the secret, which is shown
once and never stored.
"""
from __future__ import annotations

from aiohttp import web

from commerce import commands, staff, views
from commerce.db import utcnow
from commerce.states import Role
from pickup_counter.api import REPLAY_AS, actor, json_response, operation, path_int

routes = web.RouteTableDef()


@operation(routes, "GET", "/api/staff", role=Role.ADMIN, answer=views.StaffList, summary="Staff logins")
async def list_staff(request: web.Request) -> web.Response:
    return json_response({"logins": await staff.list_logins()})


@operation(routes, "POST", "/api/staff", role=Role.ADMIN, body=commands.NewStaff, answer=views.StaffLogin, status=201,
           keyed=False, summary="Add a staff login (409 username_taken, field username, when the name is in use)")
async def add_staff(request: web.Request, body: commands.NewStaff) -> web.Response:
    return json_response(await staff.create_login(body, actor=actor(request), now=utcnow()), status=201)


@operation(routes, "PATCH", "/api/staff/{id}", role=Role.ADMIN, body=commands.StaffEdit, answer=views.StaffLogin,
           summary="Change a login's role, or disable it (its sessions end at once) or enable it; 409 last_admin "
                   "when no enabled admin would be left")
async def edit_staff(request: web.Request, body: commands.StaffEdit) -> web.Response:
    return json_response(await staff.edit_login(path_int(request), body, actor=actor(request), now=utcnow()))


@operation(routes, "POST", "/api/staff/{id}/password", role=Role.ADMIN, body=commands.NewPassword,
           answer=views.StaffLogin, keyed=False, summary="Reset a login's password (its sessions end)")
async def reset_password(request: web.Request, body: commands.NewPassword) -> web.Response:
    return json_response(await staff.reset_password(path_int(request), body, actor=actor(request), now=utcnow()))


@operation(routes, "GET", "/api/staff/changes", role=Role.ADMIN, answer=views.StaffChanges,
           summary="The latest 50 changes to logins and tokens: who, when, what")
async def staff_changes(request: web.Request) -> web.Response:
    return json_response({"changes": await staff.recent_changes()})


@operation(routes, "GET", "/api/tokens", role=Role.ADMIN, answer=views.TokenList,
           summary="API tokens (never their secrets)")
async def list_tokens(request: web.Request) -> web.Response:
    return json_response({"tokens": await staff.list_tokens()})


@operation(routes, "POST", "/api/tokens", role=Role.ADMIN, body=commands.NewToken, answer=views.NewTokenView,
           status=201, summary="Create an API token; its secret is in this answer only")
async def create_token(request: web.Request, body: commands.NewToken) -> web.Response:
    token, secret = await staff.issue_token(body, actor=actor(request), now=utcnow())
    request[REPLAY_AS] = {"token": json_safe(token), "secret": None}
    return json_response({"token": token, "secret": secret}, status=201)


@operation(routes, "POST", "/api/tokens/{id}/revoke", role=Role.ADMIN, answer=views.TokenView,
           summary="Revoke an API token: its next request gets 401")
async def revoke_token(request: web.Request) -> web.Response:
    return json_response(await staff.revoke_token(path_int(request), actor=actor(request), now=utcnow()))


def json_safe(data: dict) -> dict:
    return {k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in data.items()}
