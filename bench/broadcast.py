"""A broadcast of due reminders across three workers against the fake Bot API server enforcing
Telegram's limits, while people chat with the bot.

Usage: python bench/broadcast.py [--reminders 10000] [--workers 3] [--rate 30] [--people 8]
                                 [--postgres URL]

The workers are three apps in one process sharing a fresh PostgreSQL database and one Redis
budget (bot/testing/broadcast.py says how, and why that is honest about the limiter); all of
them send reminders at once, at the configured TELEGRAM_RATE, and the fake server answers 429
to any send over that rate (a bucket of 10), over one a second in a private chat or twenty a
minute in a group. People type every 1.5 s and wait for the reply. Prints the sends a second
(all, and reminders alone) as a share of the configured rate, the 429s, and reply latency p50
and p99 measured on the fake server's clock. Needs PostgreSQL and Redis on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time

from bot.testing.broadcast import broadcast


async def main() -> None:
    """Run one broadcast and print its figures."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--reminders", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--rate", type=float, default=30.0)
    parser.add_argument("--people", type=int, default=8)
    parser.add_argument("--postgres", default="postgresql+asyncpg://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    print(f"broadcast: {args.reminders} reminders, {args.workers} workers at {args.rate:g}/s, "
          f"{args.people} people chatting; {os.cpu_count()} cores")  # fmt: skip
    began = time.perf_counter()
    figures = await broadcast(
        args.postgres, args.reminders, workers=args.workers, rate=args.rate, people=args.people
    )
    print(f"{'reminders':>9} {'seconds':>8} {'sends/s':>8} {'x rate':>7} {'reminders x rate':>16} "
          f"{'429s':>5} {'replies':>7} {'p50 ms':>7} {'p99 ms':>7} {'lost':>5}")  # fmt: skip
    per_second = figures.share * figures.rate
    print(f"{figures.sent:>9} {figures.seconds:>8.1f} {per_second:>8.2f} {figures.share:>7.3f} "
          f"{figures.reminder_share:>16.3f} {figures.refused:>5} {len(figures.latencies):>7} "
          f"{figures.percentile(0.5) * 1000:>7.0f} {figures.percentile(0.99) * 1000:>7.0f} "
          f"{figures.lost_replies:>5}")  # fmt: skip
    print(f"(whole run, set-up included: {time.perf_counter() - began:.0f} s)")


if __name__ == "__main__":
    asyncio.run(main())
