"""A fake network receipt printer (TCP, port 9100-style) on 127.0.0.1."""
import asyncio
import socket

import pytest_asyncio


class FakePrinter:
    """A TCP printer on 127.0.0.1 that records each connection's bytes; off until started."""

    def __init__(self) -> None:
        self.jobs: list[bytes] = []
        self.server: asyncio.Server | None = None
        with socket.socket() as sock:  # a port nothing listens on until `start`
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._on_connect, "127.0.0.1", self.port)

    async def stop(self) -> None:
        if self.server:
            self.server.close()
            await self.server.wait_closed()
            self.server = None

    async def _on_connect(self, reader, writer) -> None:
        self.jobs.append(await reader.read())
        writer.close()
        await writer.wait_closed()

    async def received(self, count: int) -> list[bytes]:
        """The jobs once at least `count` arrived and no more came for 100 ms."""
        for _ in range(300):
            if len(self.jobs) >= count:
                break
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.1)
        return list(self.jobs)


@pytest_asyncio.fixture
async def printer():
    """A fake printer, off until the test calls `await printer.start()`."""
    fake = FakePrinter()
    yield fake
    await fake.stop()
