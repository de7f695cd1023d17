"""Settings: read once from the environment into one typed object.

``SETTINGS`` is the documented table; README lists every entry (a test checks).
"""
from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

# (variable, default, what it does)
SETTINGS: tuple[tuple[str, str, str], ...] = (
    ("PLUSONE_DATABASE_URL", "sqlite://plusone.db", "database; PostgreSQL as postgres://user@host:5432/db"),
    ("LINE_CHANNEL_SECRET", "", "LINE channel secret; unset means sandbox mode"),
    ("LINE_CHANNEL_ACCESS_TOKEN", "", "LINE channel access token; unset means sandbox mode"),
    ("PLUSONE_LINE_API_BASE", "https://api.line.me", "Messaging API base URL (tests point it at a fake)"),
    ("PLUSONE_PUBLIC_URL", "", "public base URL for images (pickup QR) sent to LINE"),
    ("PLUSONE_PRINTER", "dummy", "receipt printer: tcp://HOST:9100, usb://VID:PID, file:///dev/usb/lp0, dummy"),
    ("PLUSONE_PRINTER_ENCODING", "big5", "big5, gb18030, utf-8 or raster"),
    ("PLUSONE_PRINTER_WIDTH", "48", "receipt columns: 48 (80 mm) or 32 (58 mm)"),
    ("PLUSONE_TIMEZONE", "Asia/Taipei", "the shop's time zone (times are stored in UTC)"),
    ("PLUSONE_LOCALE", "zh-TW", "zh-TW or en, for replies, pages and receipts"),
    ("PLUSONE_CURRENCY", "TWD", "currency of all amounts (whole units)"),
    ("PLUSONE_SHOP_NAME", "PlusOne 團購", "shop name on receipts and pages"),
    ("PLUSONE_SHOP_ADDRESS", "", "shop address on receipts"),
    ("PLUSONE_REORDER_WINDOW_MS", "250", "ms each chat event is held after its LINE timestamp so events apply in stamp order"),
    ("PLUSONE_SCHEDULER", "on", "off runs a process without scheduled jobs"),
    ("PLUSONE_SCHEDULER_TICK_S", "60", "seconds between runs of the frequent jobs (closing due campaigns, alerts)"),
    ("PLUSONE_PUSH_BUDGET", "", "billed LINE messages a month the shop allows (empty: LINE's monthly quota); a push over it is held for a manager"),
    ("PLUSONE_CLOSE_NOTICE", "off", "push: tell each group by push when a campaign closes on schedule (billed per member); off: by reply to the group's next message (free)"),
    ("PLUSONE_WAITLIST_NOTICE", "off", "push: when a campaign closes, push each buyer still waitlisted once (billed, budgeted); off: their order and 我的訂單 say 'not filled' (free)"),
    ("PLUSONE_CLOSING_SOON_PUSH", "off", "on: push 'closing in an hour' to each group (billed per group member)"),
    ("PLUSONE_UNPAID_REMINDER_AT", "20:00", "shop time of the daily unpaid reminders to buyers; off disables them"),
    ("PLUSONE_PICKUP_REMINDER_AT", "10:00", "shop time of the pickup reminders to buyers; off disables them"),
    ("PLUSONE_RECONCILIATION_AT", "21:00", "shop time of the daily reconciliation to hosts; off disables it"),
)

LOCALES = ("zh-TW", "en")
ENCODINGS = ("big5", "gb18030", "utf-8", "raster")


class SettingsError(ValueError):
    pass


@dataclass(frozen=True)
class Settings:
    database_url: str = "sqlite://plusone.db"
    line_channel_secret: str = ""
    line_channel_access_token: str = ""
    line_api_base: str = "https://api.line.me"
    public_url: str = ""
    printer: str = "dummy"
    printer_encoding: str = "big5"
    printer_width: int = 48
    timezone: str = "Asia/Taipei"
    locale: str = "zh-TW"
    currency: str = "TWD"
    shop_name: str = "PlusOne 團購"
    shop_address: str = ""
    # The server reads PLUSONE_SCHEDULER (default on); code that builds Settings itself
    # (tests, tools) gets no background jobs unless it asks for them.
    scheduler: bool = False
    scheduler_tick_s: float = 60.0
    reorder_window_ms: int = 250
    closing_soon_push: bool = False
    push_budget: int | None = None  # None: LINE's monthly quota
    close_notice: str = "off"  # off (by reply, free) | push
    waitlist_notice: str = "off"  # off (the order says "not filled", free) | push (one push per buyer at close)
    unpaid_reminder_at: time | None = time(20, 0)
    pickup_reminder_at: time | None = time(10, 0)
    reconciliation_at: time | None = time(21, 0)
    demo: bool = False

    @property
    def sandbox(self) -> bool:
        """No LINE channel configured: the bot runs against the in-app sandbox chat."""
        return not (self.line_channel_secret and self.line_channel_access_token)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides) -> "Settings":
        env = os.environ if env is None else env

        def get(name: str) -> str:
            default = next(d for n, d, _ in SETTINGS if n == name)
            return env.get(name, default).strip()

        values = dict(
            database_url=get("PLUSONE_DATABASE_URL"),
            line_channel_secret=get("LINE_CHANNEL_SECRET"),
            line_channel_access_token=get("LINE_CHANNEL_ACCESS_TOKEN"),
            line_api_base=get("PLUSONE_LINE_API_BASE").rstrip("/"),
            public_url=get("PLUSONE_PUBLIC_URL").rstrip("/"),
            printer=get("PLUSONE_PRINTER"),
            printer_encoding=get("PLUSONE_PRINTER_ENCODING").lower(),
            printer_width=get("PLUSONE_PRINTER_WIDTH"),
            timezone=get("PLUSONE_TIMEZONE"),
            locale=get("PLUSONE_LOCALE"),
            currency=get("PLUSONE_CURRENCY"),
            shop_name=get("PLUSONE_SHOP_NAME"),
            shop_address=get("PLUSONE_SHOP_ADDRESS"),
            scheduler=_switch(get("PLUSONE_SCHEDULER")),
            scheduler_tick_s=get("PLUSONE_SCHEDULER_TICK_S"),
            reorder_window_ms=get("PLUSONE_REORDER_WINDOW_MS"),
            closing_soon_push=_switch(get("PLUSONE_CLOSING_SOON_PUSH")),
            push_budget=get("PLUSONE_PUSH_BUDGET"),
            close_notice=get("PLUSONE_CLOSE_NOTICE").lower(),
            waitlist_notice=get("PLUSONE_WAITLIST_NOTICE").lower(),
            unpaid_reminder_at=get("PLUSONE_UNPAID_REMINDER_AT"),
            pickup_reminder_at=get("PLUSONE_PICKUP_REMINDER_AT"),
            reconciliation_at=get("PLUSONE_RECONCILIATION_AT"),
        )
        values.update(overrides)
        return cls.validated(**values)

    @classmethod
    def validated(cls, **values) -> "Settings":
        width = values.get("printer_width", 48)
        try:
            values["printer_width"] = int(width)
        except (TypeError, ValueError):
            raise SettingsError("PLUSONE_PRINTER_WIDTH must be 32 or 48") from None
        if values["printer_width"] not in (32, 48):
            raise SettingsError("PLUSONE_PRINTER_WIDTH must be 32 or 48")
        if values.get("locale", "zh-TW") not in LOCALES:
            raise SettingsError(f"PLUSONE_LOCALE must be one of {', '.join(LOCALES)}")
        if values.get("printer_encoding", "big5") not in ENCODINGS:
            raise SettingsError(f"PLUSONE_PRINTER_ENCODING must be one of {', '.join(ENCODINGS)}")
        try:
            ZoneInfo(values.get("timezone", "Asia/Taipei"))
        except (ZoneInfoNotFoundError, ValueError):
            raise SettingsError(f"PLUSONE_TIMEZONE {values.get('timezone')!r} is not a time zone") from None
        try:
            tick = float(values.get("scheduler_tick_s", 60.0))
        except (TypeError, ValueError):
            tick = 0.0
        if not 0 < tick <= 3600:
            raise SettingsError("PLUSONE_SCHEDULER_TICK_S must be a number of seconds, above 0 and at most 3600")
        values["scheduler_tick_s"] = tick
        try:
            window = int(values.get("reorder_window_ms", 250))
        except (TypeError, ValueError):
            window = -1
        if not 0 <= window <= 5000:
            raise SettingsError("PLUSONE_REORDER_WINDOW_MS must be a whole number of milliseconds, 0 to 5000")
        values["reorder_window_ms"] = window
        budget = values.get("push_budget")
        if isinstance(budget, str):
            try:
                budget = int(budget) if budget.strip() else None
            except ValueError:
                budget = -1
        if budget is not None and (isinstance(budget, bool) or not isinstance(budget, int) or budget < 0):
            raise SettingsError("PLUSONE_PUSH_BUDGET must be a whole number of messages (0 or more), or empty")
        if "push_budget" in values:
            values["push_budget"] = budget
        notice = str(values.get("close_notice", "off")).strip().lower() or "off"
        if notice not in ("off", "push"):
            raise SettingsError("PLUSONE_CLOSE_NOTICE must be off or push")
        values["close_notice"] = notice
        waitlisted = str(values.get("waitlist_notice", "off")).strip().lower() or "off"
        if waitlisted not in ("off", "push"):
            raise SettingsError("PLUSONE_WAITLIST_NOTICE must be off or push")
        values["waitlist_notice"] = waitlisted
        for name, variable in (("unpaid_reminder_at", "PLUSONE_UNPAID_REMINDER_AT"),
                               ("pickup_reminder_at", "PLUSONE_PICKUP_REMINDER_AT"),
                               ("reconciliation_at", "PLUSONE_RECONCILIATION_AT")):
            if name in values:
                values[name] = _time_of_day(values[name], variable)
        return cls(**values)


def _switch(value: str) -> bool:
    return value.strip().lower() not in ("off", "0", "false", "no")


def _time_of_day(value: object, variable: str) -> time | None:
    """``HH:MM`` in the shop's zone, or ``off`` (None)."""
    if value is None or isinstance(value, time):
        return value
    text = str(value).strip().lower()
    if text in ("off", "0", "false", "no", ""):
        return None
    try:
        hours, minutes = text.split(":")
        return time(int(hours), int(minutes))
    except ValueError:
        raise SettingsError(f"{variable} must be HH:MM (shop time) or off") from None
