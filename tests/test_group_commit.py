"""Group commit: callers that wait during a write go together in the next, and one bad item
fails only its own caller."""
import asyncio

import pytest

from commerce.group_commit import GroupCommit


async def test_items_asked_for_during_a_write_go_in_one_next_write():
    rounds: list[list[int]] = []

    async def write(items: list[int]) -> list[int]:
        rounds.append(list(items))
        await asyncio.sleep(0.01)
        return [i * 10 for i in items]

    batcher: GroupCommit[int, int] = GroupCommit(write, name="test")
    first = asyncio.create_task(batcher.submit(0))
    await asyncio.sleep(0.001)  # its write is under way
    results = await asyncio.gather(first, *[batcher.submit(i) for i in range(1, 50)])
    assert results == [i * 10 for i in range(50)]
    # The first caller waits for nobody; everyone who came while it was written goes next, together.
    assert rounds == [[0], list(range(1, 50))]


async def test_a_failing_round_writes_each_item_alone_and_fails_only_the_bad_one():
    rounds: list[list[int]] = []

    async def write(items: list[int]) -> list[int]:
        rounds.append(list(items))
        await asyncio.sleep(0)
        if 3 in items:
            raise ValueError("bad item")
        return items

    batcher: GroupCommit[int, int] = GroupCommit(write, name="test")
    results = await asyncio.gather(*[batcher.submit(i) for i in range(6)], return_exceptions=True)
    assert results[:3] + results[4:] == [0, 1, 2, 4, 5]
    assert isinstance(results[3], ValueError)
    assert rounds == [[0, 1, 2, 3, 4, 5], [0], [1], [2], [3], [4], [5]]


async def test_a_caller_who_gives_up_does_not_stop_the_others():
    release = asyncio.Event()

    async def write(items: list[int]) -> list[int]:
        await release.wait()
        return items

    batcher: GroupCommit[int, int] = GroupCommit(write, name="test")
    impatient = asyncio.create_task(batcher.submit(1))
    patient = asyncio.create_task(batcher.submit(2))
    await asyncio.sleep(0.01)
    impatient.cancel()
    release.set()
    assert await patient == 2
    with pytest.raises(asyncio.CancelledError):
        await impatient
