"""/api/members: find a buyer, see every order they placed and what they spent, keep staff
notes. Thin: the operation parses, one service acts, the view is rendered."""
from __future__ import annotations

from aiohttp import web

from commerce import buyers, commands, views
from commerce.db import utcnow
from commerce.states import Role
from pickup_counter.api import actor, json_response, operation, path_int

routes = web.RouteTableDef()


@operation(routes, "GET", "/api/members", role=Role.CASHIER, answer=views.MemberPage, query=commands.MembersQuery,
           summary="Members by name, phone or its last 3+ digits (empty q: everyone), newest first, paged by "
                   "offset and limit")
async def list_members(request: web.Request, query: commands.MembersQuery) -> web.Response:
    return json_response(await buyers.search(query.q, offset=query.offset, limit=query.limit))


@operation(routes, "GET", "/api/members/{id}", role=Role.CASHIER, answer=views.BuyerView,
           summary="A buyer with every order (past ones included), total spent (paid net of refunds) and staff notes")
async def get_member(request: web.Request) -> web.Response:
    return json_response(await buyers.buyer(path_int(request)))


@operation(routes, "POST", "/api/members/{id}/notes", role=Role.CASHIER, body=commands.NewNote, answer=views.NoteView,
           status=201, summary="Keep a staff note on a buyer (who and when are recorded; notes are never deleted)")
async def add_note(request: web.Request, body: commands.NewNote) -> web.Response:
    note = await buyers.add_note(path_int(request), body, actor=actor(request), now=utcnow())
    return json_response(note, status=201)
