"""The receipt print queue: a printer that is off, out of paper or unplugged never
blocks or undoes a sale.

A sale writes a `PrintJob` row (`enqueue_receipt`, inside the sale's transaction or
after it) and commits; printing happens afterwards and only ever touches that row.
`PrintQueue.print_job` tries a job at once; a job the printer did not take stays
"queued" with its error and a time for the next attempt, and `PrintQueue.retry_due`
(run by the scheduler) prints it when the printer is back.

A job is printed at most once: a worker first claims it with a conditional update
(queued, and no live lease) and marks it printed only under its own claim, so two
tasks or two processes never both print it. A worker that dies mid-job leaves a lease
that expires, and the job is tried again. The lease must outlast rendering and
sending, which is why `lease_s` must be longer than the send `timeout`. No database
transaction is open while the printer is being talked to: each step is one statement.

A send that fails part-way (the printer lost power mid-job) is tried again in full:
a torn receipt followed by a whole one beats no receipt.

A "drawer" job (`enqueue_drawer`: no order, just the cash drawer pulse) is the record
of who opened the till. It is tried once, at once, by `print_job`; if the printer does
not take it, it fails for good. It is never retried: a drawer that springs open an hour
later, once the printer is back, would open an unattended till.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, get_args
from zoneinfo import ZoneInfo

from tortoise.expressions import F

from commerce.db import utcnow
from commerce.errors import NotFound
from commerce.leased_queue import LeasedQueue
from commerce.models import Checkout, Order, PrintJob
from commerce.states import PrintStatus
from commerce.shifts import shift_report
from devices.escpos_render import Encoding, render
from devices.i18n import LOCALES, Locale
from devices.printers import DEFAULT_TIMEOUT, Printer, PrinterError, send_async
from devices.receipt import PAPER_DOTS, Drawer, ReceiptData, layout_receipt
from devices.receipt_data import receipt_for_checkout, receipt_for_order
from devices.zreport import ZReportData, layout_zreport

log = logging.getLogger(__name__)

QUEUE = LeasedQueue(PrintJob, todo="queued", backoff_s=(5, 15, 60, 300))
"""Its backoff: seconds before the next attempt after the 1st, 2nd, 3rd and any later failure."""

DRAWER_WINDOW = timedelta(seconds=60)
"""A job asking for the cash drawer opens it only this soon after the sale: a receipt
printed later, once the printer is back, must not open an unattended till."""

_ENCODINGS: tuple[str, ...] = get_args(Encoding)


@dataclass(frozen=True, slots=True, kw_only=True)
class ReceiptOptions:
    """What every receipt of the shop shows. Raises ValueError for an unknown zone or locale."""

    shop_name: str
    shop_address: str = ""
    zone: str = "Asia/Taipei"
    locale: Locale = "zh-TW"

    def __post_init__(self) -> None:
        if self.locale not in LOCALES:
            raise ValueError(f"locale must be one of {LOCALES}, not {self.locale!r}")
        try:
            ZoneInfo(self.zone)
        except (KeyError, ValueError) as exc:
            raise ValueError(f"unknown time zone {self.zone!r}") from exc


def job_result(job: PrintJob) -> dict[str, Any]:
    """A job as the API answers it: `{"id", "status": "queued|printed|failed", "error"}`.

    `error` is the last printer or rendering error, or None once the job is printed.
    """
    error = None if job.status == PrintStatus.PRINTED else job.last_error or None
    return {"id": job.id, "status": job.status, "error": error}


async def enqueue_receipt(
    order_id: int, *, actor: str, is_copy: bool = False, open_drawer: bool = False, now: datetime
) -> PrintJob:
    """Queue a receipt of order `order_id`, due at `now`.

    Call it inside the sale's transaction (the job then exists exactly when the sale
    does) or after it; never wait for the printer inside a transaction. `actor` is
    printed as the staff member who handled the sale. Raises NotFound for an unknown
    order (and writes nothing).
    """
    if not await Order.exists(id=order_id):
        raise NotFound(f"no order {order_id}", field="order_id")
    return await _enqueue("receipt", order_id, actor=actor, is_copy=is_copy, open_drawer=open_drawer, now=now)


async def enqueue_checkout_receipt(checkout_id: int, *, actor: str, open_drawer: bool = False,
                                   now: datetime) -> PrintJob:
    """Queue the one receipt of a multi-order checkout (kind "checkout"), due at `now`.
    A second one for the same checkout is a copy. Raises NotFound (writes nothing)."""
    done = await Checkout.get_or_none(id=checkout_id)
    if done is None:
        raise NotFound("no such checkout", field="id")
    is_copy = await PrintJob.filter(checkout_id=checkout_id, kind="checkout", is_copy=False,
                                    status__in=(PrintStatus.PRINTED, PrintStatus.QUEUED)).exists()
    return await PrintJob.create(order_id=done.order_ids[0], checkout_id=checkout_id, kind="checkout",
                                 is_copy=is_copy, open_drawer=open_drawer and not is_copy, status=QUEUE.todo,
                                 next_attempt_at=now, actor=actor[:100], created_at=now)


async def enqueue_drawer(*, actor: str, now: datetime) -> PrintJob:
    """Record that `actor` asks to open the cash drawer now: a "drawer" job, due at `now`.

    Send it with `PrintQueue.print_job` right away; it is never retried later.
    """
    return await _enqueue("drawer", None, actor=actor, is_copy=False, open_drawer=True, now=now)


async def enqueue_zreport(shift_id: int, *, actor: str, now: datetime) -> PrintJob:
    """Queue a shift's report (Z once closed, X while open) for the receipt printer."""
    return await _enqueue("zreport", None, actor=actor, is_copy=False, open_drawer=False, now=now, shift_id=shift_id)


async def _enqueue(kind: str, order_id: int | None, *, actor: str, is_copy: bool, open_drawer: bool,
                   now: datetime, shift_id: int | None = None) -> PrintJob:
    return await PrintJob.create(order_id=order_id, shift_id=shift_id, kind=kind, is_copy=is_copy,
                                 open_drawer=open_drawer, status=QUEUE.todo, next_attempt_at=now, actor=actor[:100],
                                 created_at=now)


class PrintQueue:
    """One worker printing queued jobs on one printer.

    `worker_id` must be unique to this worker (say host, process and role): a claim
    belongs to a worker id. `clock` returns the current time as an aware UTC datetime.
    `timeout` bounds each send; `lease_s` is how long a claim lasts. Raises ValueError
    for an unknown encoding, an unsupported width, or a lease no longer than the timeout.
    """

    def __init__(
        self,
        printer: Printer,
        *,
        encoding: Encoding,
        width_cols: int,
        receipt: ReceiptOptions,
        worker_id: str,
        clock: Callable[[], datetime] = utcnow,
        timeout: float = DEFAULT_TIMEOUT,
        lease_s: float = 60.0,
    ) -> None:
        if encoding not in _ENCODINGS:
            raise ValueError(f"encoding must be one of {_ENCODINGS}, not {encoding!r}")
        if width_cols not in PAPER_DOTS:
            raise ValueError(f"width_cols must be one of {sorted(PAPER_DOTS)}, not {width_cols}")
        if lease_s <= timeout:
            raise ValueError("lease_s must be longer than timeout, or a slow job could print twice")
        self.printer = printer
        self.encoding: Encoding = encoding
        self.width_cols = width_cols
        self.receipt = receipt
        self.worker_id = worker_id[:64]
        self.clock = clock
        self.timeout = timeout
        self.lease_s = lease_s

    async def print_job(self, job_id: int) -> PrintJob:
        """Try job `job_id` now, whatever its next attempt time, and return it as it ends.

        "printed": the printer took it. "queued" with `last_error`: the printer did not,
        it will be retried — or another worker holds it right now. "failed": it can never
        print (its order is gone, or the receipt cannot be rendered; or it is a drawer job
        the printer did not take, or asked for too long ago). A printer problem never raises.
        Raises NotFound for an unknown job. Call it after the sale's transaction has
        committed, never inside one.
        """
        job, _ = await self._attempt(job_id)
        return job

    async def retry_due(self, limit: int = 20) -> int:
        """Print up to `limit` queued jobs whose next attempt is due, oldest first;
        return how many this worker printed.

        Stops at the first printer failure: a printer that is down costs one timeout per
        run, not one per job, and the jobs left wait for the next run.
        """
        printed = 0
        for job_id in await QUEUE.due(self.clock(), limit):
            _, outcome = await self._attempt(job_id, late=True)
            if outcome == "printed":
                printed += 1
            elif outcome == "retry":
                break
        return printed

    async def reprint(self, order_id: int, actor: str) -> PrintJob:
        """Queue a copy (重印 / COPY, no drawer) of an order's receipt and try it now.

        Raises NotFound for an unknown order.
        """
        job = await enqueue_receipt(order_id, actor=actor, is_copy=True, now=self.clock())
        return await self.print_job(job.id)

    # --- one attempt -------------------------------------------------------------------

    async def _attempt(self, job_id: int, *, late: bool = False) -> tuple[PrintJob, str]:
        """(the job afterwards, "printed" | "retry" | "failed" | "not_mine").

        `late`: the retry loop, not the request that asked for the job, is trying it.
        """
        now = self.clock()
        won = await QUEUE.claim(job_id, self.worker_id, now=now, lease_s=self.lease_s)
        job = await PrintJob.get_or_none(id=job_id)
        if job is None:
            raise NotFound(f"no print job {job_id}", field="job_id")
        if not won:
            return job, "not_mine"
        if job.kind == "drawer":
            return await self._open_drawer(job, now, late=late)

        # A database error while reading escapes: the lease expires and the job is tried again.
        try:
            data = await self._receipt_data(job, now)
        except (NotFound, ValueError) as exc:
            return await self._fail(job, str(exc)), "failed"
        try:
            payload = await asyncio.to_thread(self._render, data, self._drawer(job, now))
        except Exception as exc:  # a receipt that cannot be drawn will never print
            log.exception("print job %s cannot be rendered", job.id)
            return await self._fail(job, f"{type(exc).__name__}: {exc}"), "failed"

        try:
            await send_async(self.printer, payload, self.timeout)
        except PrinterError as exc:
            return await self._retry(job, str(exc) or type(exc).__name__), "retry"
        except Exception as exc:  # whatever a printer driver raises must leave the sale alone
            log.exception("print job %s: unexpected error from %s", job.id, self.printer.name)
            return await self._retry(job, f"{type(exc).__name__}: {exc}"), "retry"
        return await self._printed(job), "printed"

    async def _open_drawer(self, job: PrintJob, now: datetime, *, late: bool) -> tuple[PrintJob, str]:
        """Send just the drawer pulse, once; any failure is final (never retried)."""
        if late or now - job.created_at > DRAWER_WINDOW:
            return await self._fail(job, "not opened: the drawer opens only when asked, never later"), "failed"
        # The pulse carries no text: any codec renders the same bytes (raster would draw a blank image).
        payload = render([Drawer()], "utf-8", width_cols=self.width_cols)
        try:
            await send_async(self.printer, payload, self.timeout)
        except Exception as exc:  # PrinterError, or whatever a driver raises: fail, do not retry
            if not isinstance(exc, PrinterError):
                log.exception("drawer job %s: unexpected error from %s", job.id, self.printer.name)
            return await self._fail(job, str(exc) or type(exc).__name__), "failed"
        return await self._printed(job), "printed"

    async def _receipt_data(self, job: PrintJob, now: datetime) -> ReceiptData | ZReportData:
        if job.kind == "zreport" and job.shift_id is not None:
            opts = self.receipt
            return ZReportData(report=await shift_report(job.shift_id, now=now), shop_name=opts.shop_name,
                               zone=opts.zone, locale=opts.locale, printed_at=now)
        if job.kind == "checkout" and job.checkout_id is not None:
            opts = self.receipt
            return await receipt_for_checkout(
                job.checkout_id, shop_name=opts.shop_name, shop_address=opts.shop_address, zone=opts.zone,
                locale=opts.locale, staff_name="" if job.actor.startswith("token:") else job.actor.removeprefix("staff:"),
                copy=job.is_copy, now=now)
        if job.kind != "receipt":
            raise ValueError(f"print job {job.id}: unknown kind {job.kind!r}")
        if job.order_id is None:
            raise NotFound(f"print job {job.id} has no order")
        opts = self.receipt
        return await receipt_for_order(
            job.order_id,
            shop_name=opts.shop_name,
            shop_address=opts.shop_address,
            zone=opts.zone,
            locale=opts.locale,
            # a signed-in clerk by their login name; an API token is no person to print
            staff_name="" if job.actor.startswith("token:") else job.actor.removeprefix("staff:"),
            copy=job.is_copy,
            now=now,
        )

    def _drawer(self, job: PrintJob, now: datetime) -> bool:
        return job.open_drawer and not job.is_copy and now - job.created_at <= DRAWER_WINDOW

    def _render(self, data: ReceiptData | ZReportData, drawer: bool) -> bytes:
        layout = layout_zreport if isinstance(data, ZReportData) else layout_receipt
        # The job, not the payment method, decides the drawer: drop the layout's own pulse.
        ops = [op for op in layout(data, self.width_cols) if not isinstance(op, Drawer)]
        if drawer:
            ops.append(Drawer())
        return render(ops, self.encoding, width_cols=self.width_cols)

    # --- outcomes, each conditional on this worker's claim ------------------------------

    async def _printed(self, job: PrintJob) -> PrintJob:
        if not await QUEUE.finish(job.id, self.worker_id, "printed", printed_at=self.clock(),
                                  attempts=F("attempts") + 1):
            log.warning("print job %s printed after %s lost its lease", job.id, self.worker_id)
        return await PrintJob.get(id=job.id)

    async def _retry(self, job: PrintJob, error: str) -> PrintJob:
        delay = QUEUE.backoff(job.attempts)
        await QUEUE.retry(job.id, self.worker_id, error, now=self.clock(), delay_s=delay)
        log.info("print job %s not printed (%s); next try in %s s", job.id, error, delay)
        return await PrintJob.get(id=job.id)

    async def _fail(self, job: PrintJob, error: str) -> PrintJob:
        await QUEUE.finish(job.id, self.worker_id, "failed", error=error)
        log.warning("print job %s failed for good: %s", job.id, error)
        return await PrintJob.get(id=job.id)
