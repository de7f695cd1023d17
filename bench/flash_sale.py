"""A flash sale through the real server: N signed "+1" webhooks against a stock cap.

    python bench/flash_sale.py [--buyers 5000] [--concurrency 64] [--cap 500] [--backend sqlite|postgres|both]

Starts `plusone serve` (LINE mode) against a fake Messaging API on 127.0.0.1, sends one
event per request, and prints acknowledged events/s, ack latency p50/p99, replies
delivered, sold vs cap, and the command line.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import signal
import socket
import sys
import time
from datetime import datetime, timedelta, timezone

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import aiohttp  # noqa: E402

from bench._db import fresh_database  # noqa: E402
from commerce.campaigns import CampaignSpec, ItemSpec, open_campaign  # noqa: E402
from commerce.db import close_db, init_db  # noqa: E402
from commerce.models import InboundEvent, Item, Notification  # noqa: E402
from tests.fake_line import (ACCESS_TOKEN, CHANNEL_SECRET, GROUP_ID, FakeLine, make_webhook_body,  # noqa: E402
                             text_event, webhook_headers)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def run(backend: str, buyers: int, concurrency: int, cap: int) -> dict:
    async with fresh_database(backend) as url:
        await init_db(url)
        now = datetime.now(timezone.utc)
        campaign = await open_campaign(CampaignSpec(
            title="flash", items=[ItemSpec("A", "草莓大福", 120, stock=cap)], closes_at=now + timedelta(days=1),
            group_ids=[GROUP_ID], announce=False), now=now)
        fake = FakeLine()
        await fake.start()
        port = free_port()
        env = {**os.environ, "PLUSONE_DATABASE_URL": url, "LINE_CHANNEL_SECRET": CHANNEL_SECRET,
               "LINE_CHANNEL_ACCESS_TOKEN": ACCESS_TOKEN, "PLUSONE_LINE_API_BASE": fake.base_url,
               "PLUSONE_SCHEDULER": "off"}
        server = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "plusone.cli", "serve", "--port", str(port), env=env,
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
        try:
            base = f"http://127.0.0.1:{port}"
            async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=concurrency)) as session:
                for _ in range(300):
                    try:
                        async with session.get(f"{base}/healthz") as r:
                            if r.status == 200:
                                break
                    except aiohttp.ClientError:
                        await asyncio.sleep(0.1)
                bodies = [make_webhook_body([text_event("+1", user_id=f"Ub{i:06d}")]) for i in range(buyers)]
                latencies: list[float] = []
                failures = 0
                queue = list(reversed(bodies))

                async def worker():
                    nonlocal failures
                    while queue:
                        body = queue.pop()
                        t0 = time.perf_counter()
                        async with session.post(f"{base}/line/webhook", data=body, headers=webhook_headers(body)) as r:
                            await r.read()
                            if r.status != 200:
                                failures += 1
                        latencies.append(time.perf_counter() - t0)

                start = time.perf_counter()
                await asyncio.gather(*[worker() for _ in range(concurrency)])
                acked_in = time.perf_counter() - start
                while await InboundEvent.filter(status="pending").count() or \
                        await Notification.filter(status="pending").count():
                    await asyncio.sleep(0.05)
                answered_in = time.perf_counter() - start
            latencies.sort()
            item = await Item.get(campaign_id=campaign.id)
            return {
                "events_s": buyers / acked_in, "p50": latencies[len(latencies) // 2] * 1000,
                "p99": latencies[int(len(latencies) * 0.99)] * 1000, "failures": failures,
                "replies": len(fake.replies), "answered_s": answered_in, "sold": item.sold, "cap": cap,
            }
        finally:
            server.send_signal(signal.SIGTERM)
            await server.wait()
            await fake.stop()
            await close_db()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--buyers", type=int, default=5000)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--cap", type=int, default=500)
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--rows-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    header = (f"{'backend':9} {'events/s':>9} {'ack p50 ms':>10} {'ack p99 ms':>10} {'non-200':>7} "
              f"{'replies':>8} {'all answered s':>14} {'sold/cap':>10}")
    if args.backend == "both":  # Tortoise cannot switch dialects inside one process
        print(f"command: python bench/flash_sale.py --buyers {args.buyers} --concurrency {args.concurrency}"
              f" --cap {args.cap} --backend both\n{header}", flush=True)
        for backend in ("sqlite", "postgres"):
            subprocess_args = [sys.executable, __file__, "--buyers", str(args.buyers), "--concurrency",
                               str(args.concurrency), "--cap", str(args.cap), "--backend", backend, "--rows-only"]
            proc = await asyncio.create_subprocess_exec(*subprocess_args)
            await proc.wait()
        return
    if not args.rows_only:
        print(f"command: python bench/flash_sale.py --buyers {args.buyers} --concurrency {args.concurrency}"
              f" --cap {args.cap} --backend {args.backend}\n{header}", flush=True)
    r = await run(args.backend, args.buyers, args.concurrency, args.cap)
    print(f"{args.backend:9} {r['events_s']:>9.0f} {r['p50']:>10.1f} {r['p99']:>10.1f} {r['failures']:>7} "
          f"{r['replies']:>8} {r['answered_s']:>14.1f} {r['sold']:>5}/{r['cap']:<5}", flush=True)


if __name__ == "__main__":
    asyncio.run(main())
