"""A flash sale through the real server: N buyers each send one signed "+1" against a stock cap.

    python bench/flash_sale.py [--buyers 300 2000] [--concurrency 64] [--cap N] [--jitter-ms 0 200]
                               [--backend sqlite|postgres|both] [--returning]

Starts `plusone serve` (LINE mode) against a fake Messaging API on 127.0.0.1 and measures what
a buyer sees: the time from sending the "+1" to its reply reaching the fake LINE API (p50, p99),
how long after the last send the last buyer is answered, and events/s end to end; also the
webhook's acknowledgement rate, oversold units and how many buyers got stock ahead of an
earlier-stamped one (stamped in an earlier millisecond: buyers LINE stamped in the same one are
simultaneous). ``--jitter-ms`` delays each request up to that long after LINE stamped it, as
LINE's concurrent webhook requests arrive out of order.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import random
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
from commerce.members import new_pickup_token  # noqa: E402
from commerce.models import Item, Member, OrderLine  # noqa: E402
from tests.fake_line import (ACCESS_TOKEN, CHANNEL_SECRET, GROUP_ID, FakeLine, make_webhook_body,  # noqa: E402
                             text_event, webhook_headers)


def pct(values: list[float], q: float) -> float:
    return values[min(len(values) - 1, int(len(values) * q))] if values else float("nan")


def server_cpu_s(pid: int) -> float:
    """CPU seconds (user + system, all threads) the server process has used so far (Linux)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def run(backend: str, buyers: int, concurrency: int, cap: int, jitter_ms: float = 0,
              returning: bool = False) -> dict:
    async with fresh_database(backend) as url:
        await init_db(url)
        now = datetime.now(timezone.utc)
        if returning:  # buyers who ordered before: the bot knows their names, LINE is not asked
            await Member.bulk_create([Member(line_user_id=f"Ub{i:06d}", display_name=f"買家{i}",
                                             pickup_token=new_pickup_token(), created_at=now) for i in range(buyers)])
        campaign = await open_campaign(CampaignSpec(
            title="flash", items=[ItemSpec(label="A", name="草莓大福", price=120, stock=cap)], closes_at=now + timedelta(days=1),
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
                sent_at: dict[str, float] = {}
                stamps: dict[str, int] = {}
                latencies: list[float] = []
                failures = 0
                rng = random.Random(1)
                queue = list(reversed(range(buyers)))

                async def worker():
                    nonlocal failures
                    while queue:
                        i = queue.pop()
                        user = f"Ub{i:06d}"
                        event = text_event("+1", user_id=user)  # LINE stamps it now...
                        stamps[user] = event["timestamp"]
                        sent_at[event["replyToken"]] = time.monotonic()
                        if jitter_ms:  # ...and its webhook request takes a while to arrive
                            await asyncio.sleep(rng.uniform(0, jitter_ms) / 1000)
                        body = make_webhook_body([event])
                        t0 = time.perf_counter()
                        async with session.post(f"{base}/line/webhook", data=body, headers=webhook_headers(body)) as r:
                            await r.read()
                            if r.status != 200:
                                failures += 1
                        latencies.append(time.perf_counter() - t0)

                cpu_before = server_cpu_s(server.pid)
                first_send = time.monotonic()
                await asyncio.gather(*[worker() for _ in range(concurrency)])
                last_send = max(sent_at.values())
                acked_in = time.monotonic() - first_send
                deadline = time.monotonic() + 120
                while len(fake.replies) < buyers and time.monotonic() < deadline:
                    await asyncio.sleep(0.01)
                cpu_used = server_cpu_s(server.pid) - cpu_before
            latencies.sort()
            waits = sorted(r.at - sent_at[r.body["replyToken"]] for r in fake.replies
                           if r.body.get("replyToken") in sent_at)
            last_reply = max((r.at for r in fake.replies), default=last_send)
            item = await Item.get(campaign_id=campaign.id)
            reserved = {line.order.member.line_user_id for line in await OrderLine.filter(
                item_id=item.id, status="reserved").prefetch_related("order__member")}
            # Unfair: holding stock while a buyer stamped strictly earlier waits. LINE stamps in
            # milliseconds, and buyers stamped in the same one are simultaneous: either may win.
            earliest_waiting = min((stamps[u] for u in stamps if u not in reserved), default=None)
            out_of_order = 0 if earliest_waiting is None else sum(1 for u in reserved if stamps[u] > earliest_waiting)
            return {
                "events_s": buyers / acked_in, "p50": latencies[len(latencies) // 2] * 1000,
                "p99": latencies[int(len(latencies) * 0.99)] * 1000, "failures": failures,
                "replies": len(fake.replies), "reply_p50": pct(waits, 0.5), "reply_p99": pct(waits, 0.99),
                "last_answered": last_reply - last_send, "e2e": buyers / (last_reply - first_send),
                "sold": item.sold, "cap": cap, "out_of_order": out_of_order, "cpu_ms": cpu_used * 1000 / buyers,
            }
        finally:
            server.send_signal(signal.SIGTERM)
            await server.wait()
            await fake.stop()
            await close_db()


HEADER = (f"{'backend':9} {'buyers':>6} {'jitter':>6} {'ack/s':>6} {'ack p99':>8} {'reply p50':>9} {'reply p99':>9} "
          f"{'last answered':>13} {'e2e ev/s':>8} {'replies':>7} {'sold/cap':>9} {'oversold':>8} {'unfair':>6} "
          f"{'server CPU/ev':>13}")


def row(backend: str, buyers: int, jitter: float, r: dict) -> str:
    return (f"{backend:9} {buyers:>6} {jitter:>4.0f}ms {r['events_s']:>6.0f} {r['p99']:>6.0f}ms {r['reply_p50']:>8.2f}s "
            f"{r['reply_p99']:>8.2f}s {r['last_answered']:>12.2f}s {r['e2e']:>8.0f} {r['replies']:>7} "
            f"{r['sold']:>4}/{r['cap']:<4} {max(0, r['sold'] - r['cap']):>8} {r['out_of_order']:>6} "
            f"{r['cpu_ms']:>11.2f}ms")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--buyers", type=int, nargs="+", default=[300, 2000])
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--cap", type=int, default=None, help="units on sale (default: a fifth of the buyers)")
    parser.add_argument("--jitter-ms", type=float, nargs="+", default=[0],
                        help="each webhook request arrives up to this long after LINE stamped it")
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--returning", action="store_true",
                        help="buyers the bot knows already (default: first-time buyers, whose names it asks LINE for)")
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if not args.one:  # each run in its own process: Tortoise cannot switch dialects inside one
        print("command: python bench/flash_sale.py --buyers " + " ".join(map(str, args.buyers))
              + f" --concurrency {args.concurrency}" + (f" --cap {args.cap}" if args.cap else "")
              + " --jitter-ms " + " ".join(f"{j:g}" for j in args.jitter_ms) + f" --backend {args.backend}"
              + (" --returning" if args.returning else ""))
        print("reply = from sending the '+1' to the reply reaching the fake LINE API; last answered = after the "
              "last send;\nunfair = buyers holding stock while an earlier-stamped buyer waits; server CPU/ev = the "
              "server process's CPU time per buyer (steadier than times on a shared machine)")
        print(HEADER, flush=True)
        backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
        for backend in backends:
            for buyers in args.buyers:
                for jitter in args.jitter_ms:
                    proc = await asyncio.create_subprocess_exec(
                        sys.executable, __file__, "--one", "--buyers", str(buyers), "--concurrency",
                        str(args.concurrency), "--cap", str(args.cap or max(1, buyers // 5)),
                        "--jitter-ms", str(jitter), "--backend", backend, *(["--returning"] if args.returning else []))
                    await proc.wait()
        return
    buyers, jitter = args.buyers[0], args.jitter_ms[0]
    r = await run(args.backend, buyers, args.concurrency, args.cap, jitter, args.returning)
    print(row(args.backend, buyers, jitter, r), flush=True)


if __name__ == "__main__":
    asyncio.run(main())
