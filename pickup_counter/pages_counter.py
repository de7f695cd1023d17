"""The counter pages: /counter (lookup, add-ons, payment, handover, receipt) and /counter/sale."""
from __future__ import annotations

from aiohttp import web

routes = web.RouteTableDef()
