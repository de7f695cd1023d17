"""The manager pages under /manager: campaigns, orders, pick list, transfers, bank import, report."""
from __future__ import annotations

from aiohttp import web

routes = web.RouteTableDef()
