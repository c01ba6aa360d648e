"""The burn-down over every round of a year of the care tracker.

    python bench/burndown_year_bench.py [--days 365] [--providers 700] [--repeats 30]
                                        [--pg postgresql://postgres@127.0.0.1:5432/postgres]

A daily campaign's "Every round" burn-down covers its whole history: for the care
tracker, 700 providers called every day for a year is 255,500 tasks, finished over
some 150,000 different minutes. The rounds are made by the engine (``generate_round``,
which closes the day before's unfinished calls); each day 95% of the round is finished
between 10:00 and 17:00, a call every 36 seconds, by one bulk UPDATE, so the tallies'
triggers see every finish as the calls themselves would make them. The outcomes and
forms of those calls are not made: the burn-down does not read them.

Timed, ``--repeats`` times after three unmeasured reads: ``every round`` (``burndown``
with no round) and ``last round`` (the last day's own), on SQLite and, with ``--pg``,
on a scratch PostgreSQL database. The goal is the dashboard's: under 200 ms median.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
for folder in (REPO, REPO / "bench"):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

from claim_bench import DAY, LONDON, Scratch, load  # noqa: E402
from sqlalchemy import bindparam, select, update  # noqa: E402

from outbound.dashboard import BurnDown, burndown  # noqa: E402
from outbound.db import open_database  # noqa: E402
from outbound.db.models import Task  # noqa: E402
from outbound.queue.campaigns import generate_round, round_key_for  # noqa: E402

GOAL_MS = 200.0
FINISHED_SHARE = 0.95
CALL_EVERY = timedelta(seconds=36)


def build(url: str, days: int, providers: int) -> tuple[int, str, datetime]:
    """The campaign, its last round's key, and when the chart is read (17:05 on the
    last day)."""
    cid, _ = load(url, providers, agents=0)            # the first day's round, DAY
    db = open_database(url)
    try:
        for day in range(days):
            today = DAY + timedelta(days=day)
            if day:
                generate_round(db, cid, today, now=datetime(
                    today.year, today.month, today.day, 8, 0, tzinfo=LONDON))
            first_call = datetime(today.year, today.month, today.day, 10, 0, tzinfo=LONDON)
            with db.write() as session:
                ids = session.scalars(select(Task.id).where(
                    Task.campaign_id == cid, Task.round_key == round_key_for(today))
                    .order_by(Task.id)).all()
                done = ids[:int(len(ids) * FINISHED_SHARE)]
                table = Task.__table__
                session.connection().execute(
                    update(table).where(table.c.id == bindparam("tid"))
                    .values(status="done", completed_at=bindparam("at")),
                    [{"tid": tid, "at": first_call + k * CALL_EVERY}
                     for k, tid in enumerate(done)])
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("ANALYZE")
    finally:
        db.close()
    last = DAY + timedelta(days=days - 1)
    return cid, round_key_for(last), datetime(last.year, last.month, last.day, 17, 5,
                                              tzinfo=LONDON)


def timed(call, repeats: int) -> list[float]:  # type: ignore[no-untyped-def]
    for _ in range(3):
        call()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1000)
    return times


def measure(url: str, cid: int, last_key: str, read_at: datetime, repeats: int
            ) -> tuple[list[float], list[float], BurnDown]:
    """Every round's times, the last round's, and the chart of every round."""
    db = open_database(url)
    try:
        every = timed(lambda: burndown(db, cid, None, now=read_at), repeats)
        last = timed(lambda: burndown(db, cid, last_key, now=read_at), repeats)
        return every, last, burndown(db, cid, None, now=read_at)
    finally:
        db.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--providers", type=int, default=700)
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--pg", help="a PostgreSQL server where a scratch database may be made")
    args = parser.parse_args()
    kinds = ["sqlite", *(["postgresql"] if args.pg else [])]
    print(f"load average {os.getloadavg()[0]:.1f} at the start (2 CPUs, shared)")
    worst = 0.0
    for kind in kinds:
        scratch = Scratch(kind, args.pg)
        try:
            start = time.perf_counter()
            cid, last_key, read_at = build(scratch.url, args.days, args.providers)
            built = time.perf_counter() - start
            every, last, chart = measure(scratch.url, cid, last_key, read_at, args.repeats)
        finally:
            scratch.drop()
        worst = max(worst, statistics.median(every), statistics.median(last))
        print(f"{kind}: {args.days} rounds of {args.providers} built in {built:.0f} s; every "
              f"round: {chart.total:,} calls, {chart.left_now:,} left, {len(chart.points)} "
              f"points")
        for name, times in (("every round", every), ("last round", last)):
            print(f"  {name:12} median {statistics.median(times):6.1f} ms "
                  f"[{min(times):.1f}-{max(times):.1f}]")
    print(f"load average {os.getloadavg()[0]:.1f} at the end")
    print(f"Goal (median under {GOAL_MS:.0f} ms): {'met' if worst < GOAL_MS else 'NOT met'}.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
