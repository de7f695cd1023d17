"""The one leased-queue helper that the outbox and the print queue share: claims that go to one
worker, leases that lapse after a crash, outcomes only under one's own claim, the backoff, and
the worker loop that the outbox delivery and the inbound applier run."""
import asyncio
from datetime import timedelta

from commerce import outbox
from commerce.leased_queue import LeasedQueue, Worker
from commerce.models import Notification

QUEUE = outbox.QUEUE


async def some_notifications(n: int, now) -> list[int]:
    await outbox.enqueue(*[outbox.Message("member", f"U{i}", "t", {}) for i in range(n)], now=now)
    return list(await Notification.all().order_by("id").values_list("id", flat=True))


async def test_two_workers_claiming_at_once_never_both_win_a_row_and_between_them_win_all(db, now):
    ids = await some_notifications(20, now)

    won = await asyncio.gather(*[QUEUE.claim_due(w, now=now, limit=50, lease_s=60) for w in ("w1", "w2", "w1")])

    claimed = [i for got in won for i in got]
    assert sorted(claimed) == ids
    held = dict(await Notification.filter(id__in=ids).values_list("id", "claimed_by"))
    assert {i: by for got, by in zip(won, ("w1", "w2", "w1")) for i in got} == held


async def test_a_held_row_is_not_claimed_until_its_lease_lapses_and_then_is_taken_over(db, now):
    [row] = await some_notifications(1, now)
    assert await QUEUE.claim(row, "crashed", now=now, lease_s=60)

    while_held = await QUEUE.claim_due("w2", now=now + timedelta(seconds=59), limit=10, lease_s=60)
    after = await QUEUE.claim_due("w2", now=now + timedelta(seconds=61), limit=10, lease_s=60)

    assert (while_held, after) == ([], [row])
    assert (await Notification.get(id=row)).claimed_by == "w2"


async def test_a_worker_that_lost_its_lease_changes_nothing(db, now):
    [row] = await some_notifications(1, now)
    await QUEUE.claim(row, "slow", now=now, lease_s=60)
    await QUEUE.claim(row, "w2", now=now + timedelta(seconds=61), lease_s=60)

    finished = await QUEUE.finish(row, "slow", "sent", error="late")
    retried = await QUEUE.retry(row, "slow", "late", now=now, delay_s=5)

    note = await Notification.get(id=row)
    assert (finished, retried) == (False, False)
    assert (note.status, note.attempts, note.last_error, note.claimed_by) == ("pending", 0, "", "w2")


async def test_a_retry_counts_the_attempt_frees_the_row_and_makes_it_due_after_the_delay(db, now):
    [row] = await some_notifications(1, now)
    await QUEUE.claim(row, "w1", now=now, lease_s=60)

    assert await QUEUE.retry(row, "w1", "x" * 600, now=now, delay_s=5)
    early = await QUEUE.claim_due("w2", now=now + timedelta(seconds=4), limit=10, lease_s=60)
    due = await QUEUE.claim_due("w2", now=now + timedelta(seconds=5), limit=10, lease_s=60)

    note = await Notification.get(id=row)
    assert (early, due) == ([], [row])
    assert (note.attempts, note.last_error, note.next_attempt_at) == (1, "x" * 500, now + timedelta(seconds=5))


async def test_a_finished_row_is_never_claimed_again(db, now):
    [row] = await some_notifications(1, now)
    await QUEUE.claim(row, "w1", now=now, lease_s=60)

    assert await QUEUE.finish(row, "w1", "failed", error="refused")

    note = await Notification.get(id=row)
    assert (note.status, note.last_error, note.claimed_until) == ("failed", "refused", None)
    assert await QUEUE.claim_due("w2", now=now + timedelta(hours=1), limit=10, lease_s=60) == []


def test_the_backoff_follows_the_schedule_repeats_its_last_step_and_honours_retry_after():
    queue = LeasedQueue(Notification, todo="pending", backoff_s=(5, 15, 60, 300))

    assert [queue.backoff(n) for n in range(6)] == [5, 15, 60, 300, 300, 300]
    assert (queue.backoff(0, retry_after=30), queue.backoff(2, retry_after=30)) == (30, 60)


async def test_the_worker_loop_goes_on_at_once_after_work_waits_when_idle_and_survives_a_failure():
    steps: list[str] = []
    answers = iter([0, "boom", None, None])

    async def step():
        answer = next(answers, None)
        steps.append(str(answer))
        if answer == "boom":
            raise RuntimeError("boom")
        return answer

    worker = Worker(step, name="test", poll_s=60)
    worker.start()
    await asyncio.sleep(0.05)
    idle = list(steps)
    worker.wake()
    await asyncio.sleep(0.05)
    await worker.stop()

    assert idle == ["0", "boom"]  # work: on at once; a failure waits like idle
    assert steps == ["0", "boom", "None"]


async def test_a_sleep_asked_for_by_a_step_is_not_cut_short_by_a_wake():
    steps: list[float] = []

    async def step():
        steps.append(asyncio.get_running_loop().time())
        return 5.0

    worker = Worker(step, name="test", poll_s=60)
    worker.start()
    await asyncio.sleep(0.05)
    worker.wake()
    await asyncio.sleep(0.05)
    await worker.stop()

    assert len(steps) == 1


async def test_a_graceful_stop_lets_the_step_under_way_end_and_cancels_one_that_takes_too_long():
    ended: list[str] = []

    async def step(seconds):
        await asyncio.sleep(seconds)
        ended.append(str(seconds))

    quick = Worker(lambda: step(0.05), name="quick", poll_s=60)
    slow = Worker(lambda: step(10), name="slow", poll_s=60)
    quick.start()
    slow.start()
    await asyncio.sleep(0)

    await asyncio.gather(quick.stop(grace_s=1), slow.stop(grace_s=0.1))

    assert ended == ["0.05"]
