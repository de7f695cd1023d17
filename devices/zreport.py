"""A shift's Z report (or an X report while it is open) laid out for the receipt printer.

`layout_zreport` is pure, like `layout_receipt`: the report as `commerce.shifts` gives it
in, printer-neutral ops out, every line within the paper's width.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from devices.i18n import Locale, label, payment_method
from devices.receipt import PAPER_DOTS, Cut, Op, Rule, Text, _centered, _kv_block, _pair, _zone, clean_text, format_twd


@dataclass(frozen=True)
class ZReportData:
    report: dict[str, Any]  # commerce.shifts' report
    shop_name: str
    zone: str
    locale: Locale
    printed_at: datetime


def _local(value: str | None, zone: str) -> str:
    return datetime.fromisoformat(value).astimezone(_zone(zone)).strftime("%Y-%m-%d %H:%M") if value else ""


def layout_zreport(data: ZReportData, width_cols: int) -> list[Op]:
    if width_cols not in PAPER_DOTS:
        raise ValueError(f"width_cols must be one of {sorted(PAPER_DOTS)}, not {width_cols}")
    r, loc, width = data.report, data.locale, width_cols
    closed = r["counted_cash"] is not None
    ops: list[Op] = []
    ops += _centered(clean_text(data.shop_name), width, bold=True, double=True)
    ops += _centered(label(loc, "z_title" if closed else "x_title"), width, bold=True)
    ops.append(Rule())
    ops += _kv_block([
        (label(loc, "shift_no"), str(r["id"])),
        (label(loc, "staff"), clean_text(r["staff"].removeprefix("staff:"))),
        (label(loc, "opened_at"), _local(r["opened_at"], data.zone)),
        (label(loc, "closed_at"), _local(r["closed_at"], data.zone)),
        (label(loc, "printed_at"), data.printed_at.astimezone(_zone(data.zone)).strftime("%Y-%m-%d %H:%M")),
    ], width)
    ops.append(Rule())
    ops.append(Text(label(loc, "takings"), bold=True))
    for method, amount in r["takings"].items():
        ops += _pair("  " + clean_text(payment_method(loc, method)), format_twd(amount), width)
    ops += _pair(label(loc, "takings_total"), format_twd(r["takings_total"]), width, bold=True)
    if r["refunds"]:
        ops.append(Text(label(loc, "refunds"), bold=True))
        for method, amount in r["refunds_by_method"].items():
            ops += _pair("  " + clean_text(payment_method(loc, method)), format_twd(-amount), width)
    if r["discounts"]:
        ops += _pair(label(loc, "discounts"), format_twd(-r["discounts"]), width)
    if r["voided"]:
        ops += _pair(label(loc, "voided"), str(r["voided"]), width)
    ops.append(Rule())
    ops += _pair(label(loc, "float"), format_twd(r["float"]), width)
    ops += _pair(label(loc, "expected_cash"), format_twd(r["expected_cash"]), width, bold=True)
    if closed:
        ops += _pair(label(loc, "counted_cash"), format_twd(r["counted_cash"]), width, bold=True)
        diff = r["difference"]
        ops += _pair(label(loc, "difference"), ("+" if diff > 0 else "") + format_twd(diff), width, bold=True)
    ops.append(Cut())
    return ops
