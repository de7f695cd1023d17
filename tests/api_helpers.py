"""Helpers for tests that drive the running app over HTTP."""
from __future__ import annotations

from commerce.staff import create_token

CAMPAIGN = {
    "title": "草莓大福",
    "group_ids": ["Cgroup0001", "Cgroup0002"],
    "host_user_id": "Uhost0001",
    "closes_at": "2030-11-30T20:00:00+08:00",
    "pickup_from": "2030-12-02",
    "pickup_until": "2030-12-05",
    "pickup_place": "本店",
    "items": [
        {"label": "A", "name": "原味", "price": 120, "stock": 50, "limit_per_buyer": None, "barcode": None},
        {"label": "B", "name": "抹茶", "price": 130, "stock": None, "limit_per_buyer": 2, "barcode": "4710001"},
    ],
    "announce": True,
}


async def bearer(role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {await create_token(role, 'test')}"}
