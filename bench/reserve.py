"""Reservations per second through commerce.ordering.reserve.

    python bench/reserve.py [--n 5000] [--concurrency 64] [--backend sqlite|postgres|both]

Prints sequential and concurrent figures for one hot item and for 20 items, and checks
that nothing was oversold (sold <= cap, ledger == sold).
"""
from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench._db import fresh_database  # noqa: E402
from commerce.campaigns import CampaignSpec, ItemSpec, open_campaign  # noqa: E402
from commerce.db import close_db, fetch, init_db  # noqa: E402
from commerce.models import Member  # noqa: E402
from commerce.ordering import Wanted, reserve  # noqa: E402


async def run_case(url: str, n: int, concurrency: int, items: int) -> dict:
    await init_db(url)
    try:
        now = datetime.now(timezone.utc)
        labels = [chr(ord("A") + i) for i in range(items)]
        cap = max(n // (2 * items), 1)  # half the demand fits: both paths are exercised
        campaign = await open_campaign(
            CampaignSpec(title="bench", items=[ItemSpec(label=lb, name=f"item {lb}", price=100, stock=cap) for lb in labels],
                         closes_at=now + timedelta(days=1), announce=False),
            now=now,
        )
        await Member.bulk_create([Member(line_user_id=f"U{i:08d}", pickup_token=f"t{i}") for i in range(n)])
        member_ids = [m for m in await Member.all().order_by("id").values_list("id", flat=True)]
        queue = list(enumerate(member_ids))
        latencies: list[float] = []

        async def worker():
            while queue:
                i, mid = queue.pop()
                t0 = time.perf_counter()
                await reserve(campaign_id=campaign.id, member_id=mid, wanted=[Wanted(labels[i % items], 1)], now=now)
                latencies.append(time.perf_counter() - t0)

        start = time.perf_counter()
        await asyncio.gather(*[worker() for _ in range(concurrency)])
        elapsed = time.perf_counter() - start
        from tortoise import connections

        conn = connections.get("default")
        rows = await fetch(conn, "SELECT id, cap, sold FROM items WHERE campaign_id = ?", campaign.id)
        ledger = await fetch(conn, "SELECT item_id, SUM(delta) AS s FROM stock_movements GROUP BY item_id")
        ledger_by_item = {r["item_id"]: int(r["s"]) for r in ledger}
        oversold = sum(max(r["sold"] - r["cap"], 0) for r in rows)
        ledger_ok = all(ledger_by_item.get(r["id"], 0) == r["sold"] for r in rows)
        latencies.sort()
        return {
            "per_s": n / elapsed,
            "p50_ms": latencies[len(latencies) // 2] * 1000,
            "p99_ms": latencies[int(len(latencies) * 0.99)] * 1000,
            "sold": sum(r["sold"] for r in rows),
            "cap": sum(r["cap"] for r in rows),
            "oversold": oversold,
            "ledger_ok": ledger_ok,
        }
    finally:
        await close_db()


HEADER = f"{'backend':9} {'items':>5} {'tasks':>5} {'res/s':>8} {'p50 ms':>7} {'p99 ms':>7} {'sold/cap':>11} oversold ledger"


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=5000)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--rows-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.backend == "both":
        # Tortoise cannot switch dialects inside one process: one child per backend.
        print(f"command: python bench/reserve.py --n {args.n} --concurrency {args.concurrency} --backend both")
        print(HEADER)
        for backend in ("sqlite", "postgres"):
            subprocess.run([sys.executable, __file__, "--n", str(args.n), "--concurrency", str(args.concurrency),
                            "--backend", backend, "--rows-only"], check=True)
        return
    if not args.rows_only:
        print(f"command: python bench/reserve.py --n {args.n} --concurrency {args.concurrency} --backend {args.backend}")
        print(HEADER)
    for backend in [args.backend]:
        for items in (1, 20):
            for conc in (1, args.concurrency):
                async with fresh_database(backend) as url:
                    r = await run_case(url, args.n, conc, items)
                print(flush=True, end="")
                print(f"{backend:9} {items:>5} {conc:>5} {r['per_s']:>8.0f} {r['p50_ms']:>7.2f} {r['p99_ms']:>7.2f}"
                      f" {r['sold']:>5}/{r['cap']:<5} {r['oversold']:>8} {'ok' if r['ledger_ok'] else 'MISMATCH'}")


if __name__ == "__main__":
    asyncio.run(main())
