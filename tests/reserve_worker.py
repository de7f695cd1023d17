"""A separate OS process that books reservations (used by the two-process test).

    python -m tests.reserve_worker DB_URL CAMPAIGN_ID FIRST_MEMBER_ID COUNT CONCURRENCY
"""
import asyncio
import sys
from datetime import datetime, timezone

from commerce.db import close_db, init_db
from commerce.ordering import Wanted, reserve


async def main(url: str, campaign_id: int, first: int, count: int, concurrency: int) -> None:
    await init_db(url, upgrade=False)
    now = datetime.now(timezone.utc)
    ids = list(range(first, first + count))
    statuses: list[str] = []

    async def worker():
        while ids:
            mid = ids.pop()
            booking = await reserve(campaign_id=campaign_id, member_id=mid, wanted=[Wanted("A", 1)], now=now)
            statuses.append(booking.lines[0].status)

    await asyncio.gather(*[worker() for _ in range(concurrency)])
    await close_db()
    print(f"reserved={statuses.count('reserved')} waitlisted={statuses.count('waitlisted')}")


if __name__ == "__main__":
    url, cid, first, count, conc = sys.argv[1:6]
    asyncio.run(main(url, int(cid), int(first), int(count), int(conc)))
