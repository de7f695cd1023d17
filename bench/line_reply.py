"""CPU of 2,000 LINE replies (64 in flight) against the fake Messaging API, in one process:
the SDK's public ``reply_message`` (the yardstick) against ``LineApi.reply``, which calls the
SDK's client one level lower, alternating, 5 rounds each. The figures include the fake API's
own work, which is the same for both.

    python bench/line_reply.py
"""
from __future__ import annotations

import asyncio
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from linebot.v3.messaging import ReplyMessageRequest  # noqa: E402

from bot.line_api import LineApi, _to_sdk  # noqa: E402
from tests.fake_line import ACCESS_TOKEN, FakeLine  # noqa: E402

REPLIES, IN_FLIGHT, ROUNDS = 2000, 64, 5
MESSAGES = [{"type": "text", "text": "小美 已登記 #12\nA 草莓大福 ×1\n合計 NT$120"}]


async def main() -> None:
    fake = FakeLine()
    await fake.start()
    cpu: dict[str, list[float]] = {"sdk reply_message": [], "LineApi.reply": []}
    async with LineApi(ACCESS_TOKEN, api_base=fake.base_url) as line:
        async def sdk(token: str) -> None:
            request = ReplyMessageRequest(reply_token=token, messages=_to_sdk(MESSAGES))
            await line._messaging().reply_message(request, _request_timeout=line._timeout)

        async def ours(token: str) -> None:
            await line.reply(token, MESSAGES)

        for round_ in range(ROUNDS * 2):
            name, call = (("sdk reply_message", sdk), ("LineApi.reply", ours))[round_ % 2]
            started = time.process_time()
            for start in range(0, REPLIES, IN_FLIGHT):
                await asyncio.gather(*[call(f"{round_}-{start + j}") for j in range(IN_FLIGHT)])
            cpu[name].append(time.process_time() - started)
    await fake.stop()
    print("python bench/line_reply.py")
    for name, values in cpu.items():
        print(f"{name:18} {REPLIES} replies: CPU median {statistics.median(values):.2f} s"
              f" (min {min(values):.2f}, max {max(values):.2f})")


if __name__ == "__main__":
    asyncio.run(main())
