"""Receipt rendering and printing speed.

    python bench/receipt.py [--n N]

Measures a 20-line Big5 receipt with a native QR code: text render (layout + ESC/POS
bytes), raster render (the whole receipt drawn as a 1-bit image), and the round trip of
one job to a fake TCP printer on 127.0.0.1 (send from a worker thread until the printer
has read the whole job).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from devices.escpos_render import find_cjk_font, render  # noqa: E402
from devices.printers import TcpPrinter, send_async  # noqa: E402
from devices.qr import new_pickup_token  # noqa: E402
from devices.receipt import Payment, ReceiptData, ReceiptLine, layout_receipt  # noqa: E402

NAMES = ["蛋黃酥禮盒（六入）", "鳳梨酥 Pineapple cake", "月餅", "綠豆椪家庭分享包", "保冷袋"]


def twenty_line_receipt() -> ReceiptData:
    lines = [
        ReceiptLine(
            label=f"A{i}",
            name=NAMES[i % len(NAMES)],
            qty=i % 3 + 1,
            unit_price=120 + 10 * i,
            line_total=(120 + 10 * i) * (i % 3 + 1),
            addon=i % 7 == 0,
        )
        for i in range(1, 21)
    ]
    total = sum(line.line_total for line in lines)
    return ReceiptData(
        shop_name="小花團購",
        shop_address="台北市大安區和平東路一段 1 號",
        order_no="A-0042",
        campaign_title="中秋月餅團購",
        lines=lines,
        total=total,
        printed_at=datetime.now(timezone.utc),
        payments=[Payment(method="cash", amount=total, tendered=total + 100, change=100)],
        staff_name="小明",
        pickup_token=new_pickup_token(),
    )


def time_each(fn, n: int) -> list[float]:
    samples = []
    for _ in range(n):
        started = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - started)
    return samples


def report(title: str, samples: list[float]) -> None:
    mean = statistics.fmean(samples)
    print(f"{title:<34} {1 / mean:>9,.0f}/s   mean {mean * 1000:7.3f} ms   (n={len(samples)})")


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


async def tcp_round_trips(job: bytes, n: int) -> list[float]:
    received: asyncio.Queue[int] = asyncio.Queue()

    async def on_connect(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        data = await reader.read()
        writer.close()
        await received.put(len(data))

    server = await asyncio.start_server(on_connect, "127.0.0.1", 0)
    printer = TcpPrinter("127.0.0.1", server.sockets[0].getsockname()[1], timeout=5)
    samples = []
    async with server:
        for _ in range(n):
            started = time.perf_counter()
            await send_async(printer, job, timeout=5)
            if await received.get() != len(job):
                raise RuntimeError("the fake printer got a short job")
            samples.append(time.perf_counter() - started)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=2000, help="text renders (raster: n/20)")
    args = parser.parse_args()
    n = max(args.n, 20)

    data = twenty_line_receipt()
    ops = layout_receipt(data, 48)
    job = render(ops, "big5", width_cols=48)
    find_cjk_font()  # font discovery is a one-off cost, not per receipt
    render(ops, "raster", width_cols=48)

    print("python bench/receipt.py --n", n)
    print(f"20-line Big5 receipt, 80 mm: {len(ops)} ops, {len(job):,} bytes text job")
    report("layout only", time_each(lambda: layout_receipt(data, 48), n))
    report("text render (big5, native QR)", time_each(lambda: render(ops, width_cols=48), n))
    report(
        "layout + text render",
        time_each(lambda: render(layout_receipt(data, 48), width_cols=48), n),
    )
    report(
        "text render (big5, QR image)",
        time_each(lambda: render(ops, width_cols=48, qr="image"), n // 20),
    )
    raster_job = render(ops, "raster", width_cols=48)
    raster = time_each(lambda: render(ops, "raster", width_cols=48), n // 20)
    report("raster render (576 dots)", raster)
    print(f"{'':<34} raster job {len(raster_job):,} bytes")

    for title, payload, count in (("text job", job, n // 10), ("raster job", raster_job, n // 40)):
        samples = asyncio.run(tcp_round_trips(payload, count))
        print(
            f"TCP round trip, {title:<17} p50 {percentile(samples, 50) * 1000:6.2f} ms   "
            f"p95 {percentile(samples, 95) * 1000:6.2f} ms   (n={count})"
        )


if __name__ == "__main__":
    main()
