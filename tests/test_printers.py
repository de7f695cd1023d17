"""Printer connections: spec parsing, a fake TCP printer, and printers that are down."""

import asyncio
import socket
import threading
import time

import pytest
from escpos.printer import Usb

from devices.printers import (
    DummyPrinter,
    FilePrinter,
    PrinterError,
    PrinterSpecError,
    PrinterUnavailable,
    TcpPrinter,
    UsbPrinter,
    open_printer,
    send_async,
)

JOB = b"\x1b@\x1c&\xbbH\xa6h\x1c.\n" + bytes(range(256)) * 40 + b"\x1bd\x06\x1dV\x01"


async def start_fake_printer():
    """A TCP server on 127.0.0.1 that records each connection's bytes until EOF."""
    jobs: list[bytes] = []

    async def on_connect(reader, writer):
        jobs.append(await reader.read())
        writer.close()
        await writer.wait_closed()

    server = await asyncio.start_server(on_connect, "127.0.0.1", 0)
    return server, server.sockets[0].getsockname()[1], jobs


async def wait_for_jobs(jobs, count):
    for _ in range(200):
        if len(jobs) >= count:
            return
        await asyncio.sleep(0.01)


def a_closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def test_a_fake_tcp_printer_receives_the_exact_bytes():
    server, port, jobs = await start_fake_printer()
    async with server:
        printer = open_printer(f"tcp://127.0.0.1:{port}", timeout=2)

        await send_async(printer, JOB, timeout=2)
        await wait_for_jobs(jobs, 1)

    assert jobs == [JOB]


async def test_each_job_goes_over_its_own_connection():
    server, port, jobs = await start_fake_printer()
    async with server:
        printer = TcpPrinter("127.0.0.1", port, timeout=2)

        await send_async(printer, b"first job", timeout=2)
        await send_async(printer, b"second job", timeout=2)
        await wait_for_jobs(jobs, 2)

    assert jobs == [b"first job", b"second job"]


def test_a_printer_that_refuses_connections_is_unavailable_at_once():
    printer = TcpPrinter("127.0.0.1", a_closed_port(), timeout=5)

    started = time.monotonic()
    with pytest.raises(PrinterUnavailable, match="refused"):
        printer.send(JOB)

    assert time.monotonic() - started < 1


def test_a_printer_that_stops_taking_data_times_out_as_unavailable():
    # The server accepts nothing and reads nothing, so once the kernel buffers are full
    # sendall blocks until the socket timeout.
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        printer = TcpPrinter("127.0.0.1", server.getsockname()[1], timeout=0.3)

        started = time.monotonic()
        with pytest.raises(PrinterUnavailable, match="timed out"):
            printer.send(bytes(64 * 1024 * 1024))

    assert time.monotonic() - started < 3


async def test_send_async_gives_up_on_a_printer_that_hangs():
    release = threading.Event()

    class HangingPrinter:
        name = "hanging"

        def send(self, data: bytes) -> None:
            release.wait(5)

    started = time.monotonic()
    try:
        with pytest.raises(PrinterUnavailable, match="hanging: no answer within 0.1 s"):
            await send_async(HangingPrinter(), JOB, timeout=0.1)
    finally:
        release.set()

    assert time.monotonic() - started < 1


async def test_send_async_passes_a_printer_error_through():
    server_port = a_closed_port()

    with pytest.raises(PrinterUnavailable):
        await send_async(TcpPrinter("127.0.0.1", server_port), JOB, timeout=2)


def test_printer_errors_are_one_family():
    assert issubclass(PrinterUnavailable, PrinterError)
    assert issubclass(PrinterSpecError, PrinterError)


def test_open_printer_reads_tcp_specs_with_port_9100_by_default():
    plain = open_printer("tcp://192.168.1.50")
    with_port = open_printer("tcp://printer.local:9101")
    ipv6 = open_printer("tcp://[::1]:9100")

    assert (plain.host, plain.port) == ("192.168.1.50", 9100)
    assert plain.name == "tcp://192.168.1.50:9100"
    assert (with_port.host, with_port.port) == ("printer.local", 9101)
    assert (ipv6.host, ipv6.port) == ("::1", 9100)


def test_open_printer_reads_file_and_dummy_specs():
    device = open_printer("file:///dev/usb/lp0")
    dummy = open_printer("dummy")

    assert isinstance(device, FilePrinter)
    assert device.path == "/dev/usb/lp0"
    assert isinstance(dummy, DummyPrinter)


def test_open_printer_reads_usb_vendor_and_product_ids_in_hex(monkeypatch):
    monkeypatch.setattr(Usb, "is_usable", staticmethod(lambda: True))

    printer = open_printer("usb://04b8:0e15")

    assert isinstance(printer, UsbPrinter)
    assert (printer.vendor_id, printer.product_id) == (0x04B8, 0x0E15)
    assert printer.name == "usb://04b8:0e15"


def test_a_usb_spec_without_pyusb_is_refused_with_a_clear_message(monkeypatch):
    monkeypatch.setattr(Usb, "is_usable", staticmethod(lambda: False))

    with pytest.raises(PrinterSpecError, match="needs pyusb"):
        open_printer("usb://04b8:0e15")


@pytest.mark.parametrize(
    "spec",
    [
        "",
        "lpt1",
        "tcp://",
        "tcp://host:notaport",
        "tcp://host:70000",
        "tcp://host:9100/queue",
        "usb://04b8",
        "usb://zzzz:0202",
        "file://relative/path",
        "serial:///dev/ttyS0",
    ],
)
def test_a_bad_spec_raises_a_printer_spec_error_naming_it(spec):
    with pytest.raises(PrinterSpecError) as caught:
        open_printer(spec)

    assert repr(spec) in str(caught.value)


def test_the_dummy_printer_keeps_each_job():
    printer = DummyPrinter()

    printer.send(b"one")
    printer.send(bytearray(b"two"))

    assert printer.jobs == [b"one", b"two"]


def test_a_file_printer_writes_the_job_to_the_device_file(tmp_path):
    device = tmp_path / "lp0"
    printer = FilePrinter(str(device))

    printer.send(JOB)

    assert device.read_bytes() == JOB


def test_a_missing_device_file_is_unavailable(tmp_path):
    printer = open_printer(f"file://{tmp_path}/no-such-dir/lp0")

    with pytest.raises(PrinterUnavailable, match="No such file"):
        printer.send(JOB)
