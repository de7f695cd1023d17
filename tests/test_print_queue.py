"""The receipt print queue: real receipts to a fake TCP printer, a printer that is down,
retries, racing workers (tasks, and processes on PostgreSQL), reprints, and the test page."""

import asyncio
import os
import re
import sys
import threading
from datetime import timedelta
from pathlib import Path

import pytest

from commerce.campaigns import ItemSpec
from commerce.errors import NotFound
from commerce.models import Item, Order, OrderLine, Payment, PrintJob, StockMovement
from commerce.ordering import Wanted, cancel, reserve
from devices import test_page
from devices.escpos_render import render
from devices.print_queue import PrintQueue, ReceiptOptions, enqueue_receipt, job_result
from devices.printers import TcpPrinter
from devices.receipt import Text, op_cols
from devices.receipt_data import receipt_for_order
from tests.factories import a_campaign, members
from tests.fake_printer import FakePrinter
from tests.receipts import printed_lines

ROOT = Path(__file__).resolve().parent.parent
ON_POSTGRES = bool(os.environ.get("PLUSONE_TEST_POSTGRES_URL"))

SHOP = ReceiptOptions(
    shop_name="小花團購", shop_address="台北市大安區和平東路一段 1 號", zone="Asia/Taipei", locale="zh-TW"
)
QR_STORE = b"\x1d(k"
PARTIAL_CUT = b"\x1dV\x01"
DRAWER_PIN_2 = b"\x1bp\x00\x32\x32"


# --- the edges we fake: the printer and the clock --------------------------------------


class Clock:
    def __init__(self, start) -> None:
        self.now = start

    def __call__(self):
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


class StuckPrinter:
    """A printer whose send never returns until released (a hung USB device)."""

    name = "stuck"

    def __init__(self) -> None:
        self.release = threading.Event()

    def send(self, data: bytes) -> None:
        self.release.wait(10)


@pytest.fixture
def clock(now):
    return Clock(now)


def a_queue(printer, clock, worker_id="counter-1", timeout=2.0) -> PrintQueue:
    """A Big5, 58 mm queue; a FakePrinter is reached over TCP like a real network printer."""
    if isinstance(printer, FakePrinter):
        printer = TcpPrinter("127.0.0.1", printer.port, timeout)
    return PrintQueue(
        printer, encoding="big5", width_cols=32, receipt=SHOP, worker_id=worker_id, clock=clock, timeout=timeout
    )


def qr_store(data: str) -> bytes:
    """The native QR command that stores `data` (GS ( k, function 180)."""
    return QR_STORE + (len(data) + 3).to_bytes(2, "little") + b"\x31\x50\x30" + data.encode()


# --- sales made with the real services -------------------------------------------------


async def a_paid_order(now, buyer_no: int = 0) -> int:
    """A campaign order of 2 x A (120) and 1 x B (150), paid 390 in cash (500 tendered)."""
    campaign = await a_campaign(now, ItemSpec(label="A", name="原味大福", price=120, stock=50), ItemSpec(label="B", name="草莓大福", price=150))
    [buyer] = await members(1, prefix=f"Upaid{buyer_no}-")
    booking = await reserve(
        campaign_id=campaign.id, member_id=buyer.id, wanted=[Wanted("A", 2), Wanted("B", 1)], now=now
    )
    await a_cash_payment(booking.order_id, 390, tendered=500, now=now)
    return booking.order_id


async def a_cash_payment(order_id: int, amount: int, *, tendered: int, now) -> Payment:
    return await Payment.create(
        order_id=order_id, method="cash", amount=amount, tendered=tendered, change=tendered - amount,
        status="confirmed", actor="cashier", created_at=now, decided_at=now,
    )


async def the_sale(order_id: int):
    """Everything the sale wrote, to check that printing changed none of it."""
    return (
        await Order.filter(id=order_id).values("status", "updated_at"),
        await OrderLine.filter(order_id=order_id).order_by("id").values("item_id", "qty", "unit_price", "status"),
        await Payment.filter(order_id=order_id).order_by("id").values("method", "amount", "change", "status"),
        await Item.all().order_by("id").values("id", "sold"),
        await StockMovement.all().count(),
    )


# --- a receipt reaches the printer -----------------------------------------------------


async def test_a_queued_receipt_reaches_the_printer_as_big5_with_items_total_payment_qr_and_cut(
    db, now, clock, printer
):
    order_id = await a_paid_order(now)
    token = (await Order.get(id=order_id).select_related("member")).member.pickup_token
    await printer.start()
    job = await enqueue_receipt(order_id, actor="小明", open_drawer=True, now=now)

    job = await a_queue(printer, clock).print_job(job.id)

    [sent] = await printer.received(1)
    lines = printed_lines(sent)
    assert (job.status, job.attempts, job.printed_at, job.last_error) == ("printed", 1, now, "")
    assert job_result(job) == {"id": job.id, "status": "printed", "error": None}
    assert lines[:6] == [
        "小花團購", "台北市大安區和平東路一段 1 號", f"訂單編號 {order_id}", "活動 草莓大福",
        "列印時間 2026-11-24 12:00", "經手人 小明",
    ]
    assert lines[7:11] == ["A 原味大福 2 $240", "@ $120", "B 草莓大福 1 $150", "合計 $390"]
    assert lines[11:15] == ["現金 $390", "實收 $500", "找零 $110", "已付清"]
    assert qr_store(token) in sent
    assert sent.endswith(PARTIAL_CUT + DRAWER_PIN_2)


async def test_with_the_printer_down_the_job_stays_queued_with_its_error_and_the_sale_is_untouched(
    db, now, clock, printer
):
    order_id = await a_paid_order(now)
    job = await enqueue_receipt(order_id, actor="小明", now=now)
    before = await the_sale(order_id)

    job = await a_queue(printer, clock).print_job(job.id)

    assert (job.status, job.attempts, job.claimed_until) == ("queued", 1, None)
    assert job.last_error == f"tcp://127.0.0.1:{printer.port}: Connection refused"
    assert job.next_attempt_at == now + timedelta(seconds=5)
    assert job_result(job) == {"id": job.id, "status": "queued", "error": job.last_error}
    assert await the_sale(order_id) == before
    assert printer.jobs == []


async def test_when_the_printer_comes_back_retry_due_prints_the_job_exactly_once(db, now, clock, printer):
    order_id = await a_paid_order(now)
    job = await enqueue_receipt(order_id, actor="小明", now=now)
    queue = a_queue(printer, clock)
    await queue.print_job(job.id)
    await printer.start()

    clock.advance(4)
    not_yet = await queue.retry_due()
    clock.advance(1)
    first = await queue.retry_due()
    second = await queue.retry_due()

    [sent] = await printer.received(1)
    job = await PrintJob.get(id=job.id)
    assert (not_yet, first, second) == (0, 1, 0)
    assert f"訂單編號 {order_id}" in printed_lines(sent)
    assert (job.status, job.attempts, job.printed_at) == ("printed", 2, now + timedelta(seconds=5))
    assert job_result(job)["error"] is None


async def test_each_failure_waits_longer_5_15_60_then_300_seconds(db, now, clock, printer):
    order_id = await a_paid_order(now)
    job = await enqueue_receipt(order_id, actor="", now=now)
    queue = a_queue(printer, clock)

    waits = []
    for _ in range(5):
        await queue.retry_due()
        job = await PrintJob.get(id=job.id)
        waits.append((job.next_attempt_at - clock.now).total_seconds())
        clock.now = job.next_attempt_at

    assert waits == [5, 15, 60, 300, 300]
    assert (job.status, job.attempts) == ("queued", 5)


async def test_retry_due_stops_at_the_first_failure_so_a_dead_printer_costs_one_timeout_per_run(
    db, now, clock, printer
):
    order_id = await a_paid_order(now)
    jobs = [await enqueue_receipt(order_id, actor="", now=now) for _ in range(3)]

    printed = await a_queue(printer, clock).retry_due()

    attempts = [j.attempts for j in await PrintJob.filter(id__in=[j.id for j in jobs]).order_by("id")]
    assert (printed, attempts) == (0, [1, 0, 0])


async def test_a_printer_that_hangs_is_given_up_after_the_timeout_without_blocking_the_event_loop(
    db, now, clock
):
    order_id = await a_paid_order(now)
    job = await enqueue_receipt(order_id, actor="", now=now)
    stuck = StuckPrinter()
    ticks = 0

    async def ticker():
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    ticking = asyncio.create_task(ticker())
    try:
        job = await a_queue(stuck, clock, timeout=0.3).print_job(job.id)
    finally:
        ticking.cancel()
        stuck.release.set()

    assert (job.status, job.attempts, job.last_error) == ("queued", 1, "stuck: no answer within 0.3 s")
    assert ticks >= 10


# --- at most once ----------------------------------------------------------------------


async def test_two_workers_racing_on_the_same_jobs_print_each_exactly_once(db, now, clock, printer):
    orders = [await a_paid_order(now, buyer_no=i) for i in range(8)]
    jobs = [await enqueue_receipt(o, actor="", now=now) for o in orders]
    await printer.start()
    one, two = a_queue(printer, clock, "counter-1"), a_queue(printer, clock, "counter-2")

    await asyncio.gather(*[q.print_job(j.id) for j in jobs for q in (one, two)])

    sent = await printer.received(8)
    printed_orders = sorted(
        int(line.split()[1]) for job in sent for line in printed_lines(job) if line.startswith("訂單編號")
    )
    rows = await PrintJob.filter(id__in=[j.id for j in jobs]).values_list("status", "attempts", "claimed_by")
    assert printed_orders == sorted(orders)
    assert {(status, attempts) for status, attempts, _ in rows} == {("printed", 1)}
    assert {by for _, _, by in rows} <= {"counter-1", "counter-2"}


async def test_two_workers_draining_the_queue_at_once_print_each_job_exactly_once(db, now, clock, printer):
    order_id = await a_paid_order(now)
    jobs = [await enqueue_receipt(order_id, actor="", now=now) for _ in range(6)]
    await printer.start()
    one, two = a_queue(printer, clock, "counter-1"), a_queue(printer, clock, "counter-2")

    counts = await asyncio.gather(one.retry_due(), two.retry_due(), one.retry_due())

    assert sum(counts) == 6
    assert len(await printer.received(6)) == 6
    assert await PrintJob.filter(id__in=[j.id for j in jobs], status="printed").count() == 6


async def test_a_job_held_by_a_worker_that_died_is_printed_once_its_lease_expires(db, now, clock, printer):
    order_id = await a_paid_order(now)
    job = await enqueue_receipt(order_id, actor="", now=now)
    await PrintJob.filter(id=job.id).update(claimed_by="crashed", claimed_until=now + timedelta(seconds=60))
    await printer.start()
    queue = a_queue(printer, clock)

    while_held = await queue.print_job(job.id)
    clock.advance(61)
    after = await queue.retry_due()

    assert (while_held.status, while_held.claimed_by) == ("queued", "crashed")
    assert after == 1
    assert len(await printer.received(1)) == 1
    assert (await PrintJob.get(id=job.id)).claimed_by == "counter-1"


async def race_worker(db_url: str, port: str, worker_id: str, job_ids: str) -> None:
    """Run in a child process: wait for "go" on stdin, then print the jobs one by one in
    the order given."""
    from commerce.db import close_db, init_db

    await init_db(db_url, upgrade=False)
    try:
        queue = PrintQueue(
            TcpPrinter("127.0.0.1", int(port), 5), encoding="big5", width_cols=32, receipt=SHOP,
            worker_id=worker_id, timeout=5,
        )
        ids = [int(i) for i in job_ids.split(",")]
        print("ready", flush=True)
        await asyncio.to_thread(sys.stdin.readline)
        for job_id in ids:
            await queue.print_job(job_id)
    finally:
        await close_db()


@pytest.mark.skipif(not ON_POSTGRES, reason="several processes on one database need PostgreSQL")
async def test_two_processes_racing_on_the_same_jobs_on_postgresql_print_each_exactly_once(
    db, now, printer
):
    orders = [await a_paid_order(now, buyer_no=i) for i in range(10)]
    jobs = [await enqueue_receipt(o, actor="", now=now) for o in orders]
    await printer.start()
    # One process goes forward, the other backward: they collide on every job at once
    # in the middle, and each tries every job the other already holds or printed.
    ids = [j.id for j in jobs]
    orders_of_work = {"process-1": ids, "process-2": ids[::-1]}
    code = (
        "import asyncio, sys; from tests.test_print_queue import race_worker;"
        " asyncio.run(race_worker(*sys.argv[1:]))"
    )
    procs = [
        await asyncio.create_subprocess_exec(
            sys.executable, "-c", code, db, str(printer.port), worker, ",".join(map(str, work)), cwd=ROOT,
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )
        for worker, work in orders_of_work.items()
    ]
    for proc in procs:
        assert await asyncio.wait_for(proc.stdout.readline(), 30) == b"ready\n"

    for proc in procs:
        proc.stdin.write(b"go\n")
    results = [await asyncio.wait_for(proc.communicate(), 60) for proc in procs]

    assert [proc.returncode for proc in procs] == [0, 0], [err.decode()[-2000:] for _, err in results]
    sent = await printer.received(10)
    printed_orders = sorted(
        int(line.split()[1]) for job in sent for line in printed_lines(job) if line.startswith("訂單編號")
    )
    rows = await PrintJob.filter(id__in=[j.id for j in jobs]).values_list("status", "attempts", "claimed_by")
    assert printed_orders == sorted(orders)
    assert {(status, attempts) for status, attempts, _ in rows} == {("printed", 1)}
    assert {by for _, _, by in rows} <= {"process-1", "process-2"}


# --- what is printed -------------------------------------------------------------------


async def test_a_reprint_carries_the_copy_banner_and_never_opens_the_drawer(db, now, clock, printer):
    order_id = await a_paid_order(now)
    await printer.start()

    job = await a_queue(printer, clock).reprint(order_id, actor="小明")

    [sent] = await printer.received(1)
    lines = printed_lines(sent)
    assert (job.status, job.is_copy, job.open_drawer, job.actor) == ("printed", True, False, "小明")
    assert lines[:3] == ["小花團購", "台北市大安區和平東路一段 1 號", "重印 / COPY"]
    assert "合計 $390" in lines
    assert DRAWER_PIN_2 not in sent


async def test_the_drawer_opens_only_for_a_fresh_job_that_asks_for_it(db, now, clock, printer):
    order_id = await a_paid_order(now)  # paid in cash
    without = await enqueue_receipt(order_id, actor="", now=now)
    fresh = await enqueue_receipt(order_id, actor="", open_drawer=True, now=now)
    stale = await enqueue_receipt(order_id, actor="", open_drawer=True, now=now)
    queue = a_queue(printer, clock)
    await queue.print_job(stale.id)  # the printer is off at the sale
    await printer.start()

    await queue.print_job(without.id)
    await queue.print_job(fresh.id)
    clock.advance(300)
    await queue.print_job(stale.id)

    sent = await printer.received(3)
    assert [DRAWER_PIN_2 in job for job in sent] == [False, True, False]


async def test_waitlisted_and_cancelled_lines_and_unconfirmed_payments_are_not_on_the_receipt(
    db, now, clock, printer
):
    campaign = await a_campaign(
        now, ItemSpec(label="A", name="原味大福", price=120), ItemSpec(label="B", name="草莓大福", price=150, stock=1), ItemSpec(label="C", name="抹茶大福", price=130),
        title="冬季和菓子",
    )
    first, buyer = await members(2)
    await reserve(campaign_id=campaign.id, member_id=first.id, wanted=[Wanted("B", 1)], now=now)
    booking = await reserve(
        campaign_id=campaign.id, member_id=buyer.id, wanted=[Wanted("A", 1), Wanted("B", 1), Wanted("C", 1)],
        now=now,
    )
    await cancel(order_id=booking.order_id, label="C", now=now)
    await a_cash_payment(booking.order_id, 100, tendered=100, now=now)
    await Payment.create(order_id=booking.order_id, method="transfer", amount=20, status="reported", created_at=now)
    await printer.start()

    data = await receipt_for_order(
        booking.order_id, shop_name="小花團購", shop_address="", zone="Asia/Taipei", locale="zh-TW", now=now
    )
    job = await enqueue_receipt(booking.order_id, actor="", now=now)
    await a_queue(printer, clock).print_job(job.id)

    [sent] = await printer.received(1)
    lines = printed_lines(sent)
    assert [(line.label, line.name, line.qty) for line in data.lines] == [("A", "原味大福", 1)]
    assert (data.total, data.balance, [p.method for p in data.payments]) == (120, 20, ["cash"])
    assert not any("草莓" in line or "抹茶" in line or "轉帳" in line for line in lines)
    assert lines[lines.index("合計 $120") + 1:][:4] == ["現金 $100", "實收 $100", "找零 $0", "待付 $20"]


async def test_a_counter_add_on_is_flagged_on_the_receipt(db, now):
    campaign = await a_campaign(now, ItemSpec(label="A", name="原味大福", price=120), ItemSpec(label="D", name="保冷袋", price=10))
    [buyer] = await members(1)
    booking = await reserve(campaign_id=campaign.id, member_id=buyer.id, wanted=[Wanted("A", 1)], now=now)
    await reserve(campaign_id=campaign.id, member_id=buyer.id, wanted=[Wanted("D", 1)], now=now, source="addon")

    data = await receipt_for_order(
        booking.order_id, shop_name="小花團購", shop_address="", zone="Asia/Taipei", locale="zh-TW", now=now
    )

    assert [(line.label, line.addon, line.line_total) for line in data.lines] == [("A", False, 120), ("D", True, 10)]
    assert data.total == 130


async def test_an_item_booked_by_two_messages_prints_as_one_line(db, now, clock, printer):
    campaign = await a_campaign(now, ItemSpec(label="A", name="原味大福", price=120), ItemSpec(label="B", name="抹茶大福", price=130))
    [buyer] = await members(1)
    booking = await reserve(campaign_id=campaign.id, member_id=buyer.id, wanted=[Wanted("A", 2)], now=now)
    await reserve(campaign_id=campaign.id, member_id=buyer.id, wanted=[Wanted("B", 1)], now=now)
    await reserve(campaign_id=campaign.id, member_id=buyer.id, wanted=[Wanted("A", 2)], now=now)
    await printer.start()

    job = await enqueue_receipt(booking.order_id, actor="", now=now)
    await a_queue(printer, clock).print_job(job.id)

    [sent] = await printer.received(1)
    lines = printed_lines(sent)
    assert [line for line in lines if line.startswith(("A ", "B "))] == ["A 原味大福 4 $480", "B 抹茶大福 1 $130"]


async def test_a_walk_in_order_prints_without_campaign_or_pickup_qr(db, now, clock, printer):
    campaign = await a_campaign(now, ItemSpec(label="A", name="原味大福", price=120))
    item = await Item.get(campaign_id=campaign.id, label="A")
    order = await Order.create(created_at=now, updated_at=now)
    await OrderLine.create(
        order=order, item=item, qty=1, unit_price=120, status="reserved", source="walkin", created_at=now
    )
    await a_cash_payment(order.id, 120, tendered=200, now=now)
    await printer.start()
    job = await enqueue_receipt(order.id, actor="小明", now=now)

    job = await a_queue(printer, clock).print_job(job.id)

    [sent] = await printer.received(1)
    lines = printed_lines(sent)
    assert job.status == "printed"
    assert lines[2:5] == [f"訂單編號 {order.id}", "列印時間 2026-11-24 12:00", "經手人 小明"]
    assert "A 原味大福 1 $120" in lines
    assert QR_STORE not in sent


async def test_a_job_without_its_order_fails_for_good_and_is_not_retried(db, now, clock, printer):
    job = await PrintJob.create(order=None, next_attempt_at=now, created_at=now)
    await printer.start()
    queue = a_queue(printer, clock)

    job = await queue.print_job(job.id)
    clock.advance(600)
    retried = await queue.retry_due()

    assert (job.status, job.last_error, retried) == ("failed", f"print job {job.id} has no order", 0)
    assert job_result(job) == {"id": job.id, "status": "failed", "error": f"print job {job.id} has no order"}
    assert await printer.received(0) == []


async def test_a_receipt_for_an_unknown_order_is_refused_and_nothing_is_queued(db, now, clock, printer):
    with pytest.raises(NotFound):
        await enqueue_receipt(404, actor="", now=now)
    with pytest.raises(NotFound):
        await a_queue(printer, clock).reprint(404, actor="")
    with pytest.raises(NotFound):
        await a_queue(printer, clock).print_job(404)

    assert await PrintJob.all().count() == 0


def test_a_lease_no_longer_than_the_send_timeout_is_refused(clock):
    with pytest.raises(ValueError, match="lease_s"):
        PrintQueue(StuckPrinter(), encoding="big5", width_cols=32, receipt=SHOP, worker_id="w",
                   clock=clock, timeout=5, lease_s=5)


def test_receipt_options_refuse_an_unknown_zone_or_locale():
    with pytest.raises(ValueError, match="time zone"):
        ReceiptOptions(shop_name="小花團購", zone="Asia/Taipie")
    with pytest.raises(ValueError, match="locale"):
        ReceiptOptions(shop_name="小花團購", locale="fr")


# --- the test page ---------------------------------------------------------------------


@pytest.mark.parametrize("width", [32, 48])
@pytest.mark.parametrize("locale", ["zh-TW", "en"])
def test_every_line_of_the_test_page_fits_the_paper_and_exists_in_big5_and_gb18030(width, locale):
    ops = test_page.test_page_ops(width, locale)

    texts = [op for op in ops if isinstance(op, Text)]
    assert all(op_cols(op) <= width for op in texts)
    assert all(op.text.encode("cp950") and op.text.encode("gb18030") for op in texts)
    rulers = [op for op in texts if op.text.startswith(("123", "一二三"))]
    assert [op_cols(op) for op in rulers] == [width, width]


@pytest.mark.parametrize("encoding, codec", [("big5", "cp950"), ("gb18030", "gb18030")])
def test_the_test_page_prints_chinese_and_ascii_samples_a_qr_code_and_a_cut(encoding, codec):
    data = render(test_page.test_page_ops(32, "zh-TW"), encoding, width_cols=32)

    lines = [m.decode(codec) for m in re.findall(rb"\x1c&(.*?)\x1c\.", data, re.DOTALL)]
    assert lines[0] == "印表機測試"
    assert "許功蓋 軟體 餐點 珍珠奶茶" in lines
    assert "ABCDEFGHIJKLMNOPQRSTUVWXYZ" in lines
    assert "12345678901234567890123456789012" in lines
    assert "一二三四五六七八九十一二三四五六" in lines
    assert QR_STORE in data and test_page.TEST_QR_DATA.encode() in data
    assert data.endswith(PARTIAL_CUT)


def test_the_test_page_summary_names_the_printer_bytes_encoding_and_paper():
    data = render(test_page.test_page_ops(48, "en"), "big5", width_cols=48)

    summary = test_page.describe_test_page(data, printer="tcp://192.168.1.50:9100", encoding="big5", width_cols=48)

    assert summary == (
        f"Sent a test page to tcp://192.168.1.50:9100: {len(data):,} bytes, Big5 (cp950) text, "
        "48 columns (80 mm paper), QR code and cut."
    )
