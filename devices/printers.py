"""Receipt printers: one small interface and one class per connection.

A printer takes finished ESC/POS bytes (`devices.escpos_render.render`) and sends them as
one job. `send` blocks; from async code use `send_async`, which runs it in a thread.

Errors are one family: PrinterError, with PrinterUnavailable (refused, timed out, not
found, unplugged: worth retrying later) and PrinterSpecError (the spec string is wrong:
retrying will not help).
"""

from __future__ import annotations

import asyncio
import re
import socket
from typing import Protocol
from urllib.parse import urlsplit

DEFAULT_TIMEOUT = 5.0
SPEC_HELP = "expected tcp://HOST[:PORT], usb://VID:PID (hex), file:///PATH or dummy"


class PrinterError(Exception):
    """A receipt could not be printed."""


class PrinterUnavailable(PrinterError):
    """The printer could not be reached or did not take the job; retrying may work."""


class PrinterSpecError(PrinterError):
    """A printer spec string is malformed or names an unsupported connection."""


class Printer(Protocol):
    """Something that prints one job of ESC/POS bytes."""

    name: str

    def send(self, data: bytes) -> None:
        """Send one job, blocking until it is handed over. Raises PrinterUnavailable."""


async def send_async(printer: Printer, data: bytes, timeout: float = DEFAULT_TIMEOUT) -> None:
    """Send one job from a worker thread, giving up after `timeout` seconds.

    Raises PrinterUnavailable on timeout (the worker thread may still finish the job:
    connection printers also have their own timeouts, which end it) and whatever
    PrinterError `printer.send` raises.
    """
    try:
        await asyncio.wait_for(asyncio.to_thread(printer.send, data), timeout)
    except TimeoutError:
        raise PrinterUnavailable(f"{printer.name}: no answer within {timeout:g} s") from None


class TcpPrinter:
    """A network printer speaking raw TCP (JetDirect, usually port 9100).

    Each job opens a connection, sends everything and closes it.
    """

    def __init__(self, host: str, port: int = 9100, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.host, self.port, self.timeout = host, port, timeout
        self.name = f"tcp://{host}:{port}"

    def send(self, data: bytes) -> None:
        try:
            with socket.create_connection((self.host, self.port), timeout=self.timeout) as sock:
                sock.sendall(data)
        except TimeoutError:
            raise PrinterUnavailable(f"{self.name}: timed out after {self.timeout:g} s") from None
        except OSError as exc:
            raise PrinterUnavailable(f"{self.name}: {exc.strerror or exc}") from exc


class UsbPrinter:
    """A USB printer, through python-escpos (which needs pyusb)."""

    def __init__(self, vendor_id: int, product_id: int, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.vendor_id, self.product_id, self.timeout = vendor_id, product_id, timeout
        self.name = f"usb://{vendor_id:04x}:{product_id:04x}"

    def send(self, data: bytes) -> None:
        from escpos.exceptions import DeviceNotFoundError
        from escpos.printer import Usb

        printer = Usb(
            self.vendor_id,
            self.product_id,
            timeout=int(self.timeout * 1000),  # pyusb counts milliseconds
            profile="TM-T88V",
        )
        try:
            printer.open()
            printer._raw(data)
        except DeviceNotFoundError as exc:
            raise PrinterUnavailable(f"{self.name}: not found or unplugged") from exc
        except Exception as exc:  # pyusb's USBError family, not importable without pyusb
            if type(exc).__module__.startswith("usb."):
                raise PrinterUnavailable(f"{self.name}: {exc}") from exc
            raise
        finally:
            printer.close()


class FilePrinter:
    """A printer device file such as /dev/usb/lp0 (the kernel's usblp driver)."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.name = f"file://{path}"

    def send(self, data: bytes) -> None:
        try:
            with open(self.path, "wb", buffering=0) as device:
                device.write(data)
        except OSError as exc:
            raise PrinterUnavailable(f"{self.name}: {exc.strerror or exc}") from exc


class DummyPrinter:
    """Keeps each job in `jobs`, for tests and previews."""

    def __init__(self) -> None:
        self.name = "dummy"
        self.jobs: list[bytes] = []

    def send(self, data: bytes) -> None:
        self.jobs.append(bytes(data))


_USB_SPEC = re.compile(r"usb://([0-9a-fA-F]{1,4}):([0-9a-fA-F]{1,4})")


def open_printer(spec: str, *, timeout: float = DEFAULT_TIMEOUT) -> Printer:
    """The printer a spec names; nothing is connected until the first `send`.

    `tcp://HOST[:PORT]` (port 9100 by default; IPv6 as `[::1]`), `usb://VID:PID` in hex,
    `file:///dev/usb/lp0`, or `dummy`. Raises PrinterSpecError for anything else, and for
    usb:// when pyusb is not installed.
    """
    spec = spec.strip()
    if spec == "dummy":
        return DummyPrinter()
    scheme = spec.partition("://")[0].lower() if "://" in spec else ""

    if scheme == "tcp":
        parts = urlsplit(spec)
        try:
            port = parts.port or 9100
        except ValueError:
            raise PrinterSpecError(f"bad port in printer spec {spec!r}") from None
        if not parts.hostname or parts.path not in ("", "/") or parts.query or parts.username:
            raise PrinterSpecError(f"bad printer spec {spec!r}: expected tcp://HOST[:PORT]")
        return TcpPrinter(parts.hostname, port, timeout)

    if scheme == "usb":
        match = _USB_SPEC.fullmatch(spec)
        if not match:
            raise PrinterSpecError(f"bad printer spec {spec!r}: expected usb://VID:PID in hex")
        from escpos.printer import Usb

        if not Usb.is_usable():
            raise PrinterSpecError(f"{spec}: USB printing needs pyusb (pip install pyusb)")
        return UsbPrinter(int(match[1], 16), int(match[2], 16), timeout)

    if scheme == "file":
        parts = urlsplit(spec)
        if parts.netloc not in ("", "localhost") or not parts.path.startswith("/"):
            raise PrinterSpecError(f"bad printer spec {spec!r}: expected file:///PATH")
        return FilePrinter(parts.path)

    raise PrinterSpecError(f"unknown printer spec {spec!r}: {SPEC_HELP}")
