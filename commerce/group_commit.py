"""Group commit: writes asked for while one is under way wait, and go together in the next.

A flash sale asks for thousands of small writes a second (a webhook's events to store, a
reply to mark sent). Each alone costs a transaction; ``GroupCommit`` hands every item that
arrived during the current write to one call of ``write`` as soon as it finishes, so the
cost is one transaction per round however many callers wait, and a lone caller waits for
nobody. When a round fails, each of its items is written alone, so one bad item fails only
its own caller.
"""
from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")


class GroupCommit(Generic[T, R]):
    """``write(items) -> one result per item``; ``submit(item)`` returns that item's result
    (or raises its error) once the round holding it has been written. One per event loop."""

    def __init__(self, write: Callable[[list[T]], Awaitable[Sequence[R]]], *, name: str) -> None:
        self._write = write
        self._name = name
        self._pending: list[tuple[T, asyncio.Future]] = []
        self._writer: asyncio.Task | None = None

    async def submit(self, item: T) -> R:
        waiter = asyncio.get_running_loop().create_future()
        self._pending.append((item, waiter))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._rounds(), name=self._name)
        return await waiter

    async def _rounds(self) -> None:
        taken: list[tuple[T, asyncio.Future]] = []
        try:
            while self._pending:
                taken, self._pending = self._pending, []
                try:
                    results = await self._write([item for item, _ in taken])
                except Exception as exc:
                    if len(taken) == 1:
                        _settle(taken[0][1], error=exc)
                    else:
                        for item, waiter in taken:
                            try:
                                (result,) = await self._write([item])
                            except Exception as alone:
                                _settle(waiter, error=alone)
                            else:
                                _settle(waiter, result=result)
                    continue
                for (_, waiter), result in zip(taken, results):
                    _settle(waiter, result=result)
                taken = []
        except BaseException:  # cancelled (shutdown): nobody waits forever
            for _, waiter in taken + self._pending:
                if not waiter.done():
                    waiter.cancel()
            self._pending = []
            raise


def _settle(waiter: asyncio.Future, *, result=None, error: BaseException | None = None) -> None:
    if waiter.done():  # its caller gave up waiting
        return
    if error is not None:
        waiter.set_exception(error)
    else:
        waiter.set_result(result)
