"""The supervisor's dashboard, campaigns list and the agent's day panel on a round of
10,000 and of 1,000,000 tasks, with 20 agents' day of calls behind each.

    python bench/dashboard_bench.py [--sizes 10000,1000000] [--agents 20]
                                    [--calls 280] [--repeats 30] [--rounds-before 1]
                                    [--pg postgresql://postgres@127.0.0.1:5432/postgres]
                                    [--sqlite-only | --postgres-only] [--explain]

For each database (a fresh SQLite file; and PostgreSQL when ``--pg`` names a server
where the user may create databases: a scratch database ``outbound_bench_<hex>`` is
created and dropped) and each size, the round is loaded as ``bench/claim_bench.py``
loads it (bulk SQL for the contacts, one INSERT ... SELECT each for the enrolments and
the round), after ``--rounds-before`` rounds of the same people on the days before
(1: yesterday's), each closed whole ("round ended") when the next was made, as a
daily round's calls are: so the campaign holds twice the round's tasks, and the
burn-down over every round has the day's calls and the round closed at once behind
it. Then the day is played through the engine, one call at a time in a single
process: from 10:00 each of the ``--agents`` agents takes a call every 90 seconds
(``claim_next_task``) and records its outcome (``record_outcome``), ``--calls`` calls
each (280: until 17:00), with the care tracker's outcomes in the proportions of a
real day: answers taken with a full form (30%), already updated online (15%), no
answer, engaged, voicemail (43% together), call-backs two hours later (6%), passed to a
supervisor (2%), wrong numbers (2%) and asked not to be called (2%). The same calls,
in the same order, at both sizes; then ANALYZE.

Timed at 17:05, each ``--repeats`` times after three unmeasured reads:

* ``refresh``: what the dashboard reads every half minute (``load_snapshot`` in
  ui/supervisor/dashboard_data.py: the progress tiles, the burn-down, the outcomes,
  the agents' table, overdue call-backs, calls waiting for a supervisor and flagged
  answers), for today's round, the round the screen opens on;
* ``choices``: the campaigns and their rounds (``campaign_choices``), read when the
  screen opens and on F5, before the figures;
* ``campaigns``: the campaigns screen's list, each campaign with its people enrolled
  and today's progress (``campaign_summaries``);
* ``every round``: the burn-down with "Every round" chosen (``burndown`` with no round);
* ``agent day``: one agent's own day panel on the call screen (``agent_day``);
* and each part of the refresh on its own, to show where the time goes.

The goal: refresh, campaigns, every round and agent day under 200 ms median at
1,000,000 tasks, and each median at 1,000,000 less than twice the median at 10,000
(the ratio is printed).
``--explain`` prints the plan of every statement one refresh runs at each size.

The machine is shared: the load average is printed with the figures, and other work
on it moves them.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
for folder in (REPO, REPO / "bench"):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

from claim_bench import DAY, LONDON, TEMPLATE, Scratch, agent_names, load  # noqa: E402
from sqlalchemy import event  # noqa: E402

from outbound.campaigns.template import get_template  # noqa: E402
from outbound.dashboard import (  # noqa: E402
    agent_day,
    agent_figures,
    burndown,
    campaign_summaries,
)
from outbound.db import open_database  # noqa: E402
from outbound.db.database import Database  # noqa: E402
from outbound.forms import flagged_answers, form_of  # noqa: E402
from outbound.forms.examples import example_answers  # noqa: E402
from outbound.queue.campaigns import round_key_for  # noqa: E402
from outbound.queue.claim import claim_next_task  # noqa: E402
from outbound.queue.outcomes import escalated_tasks, overdue_callbacks, record_outcome  # noqa: E402
from outbound.queue.progress import campaign_progress  # noqa: E402
from ui.supervisor.dashboard_data import campaign_choices, load_snapshot  # noqa: E402

FIRST_CALL = datetime(DAY.year, DAY.month, DAY.day, 10, 0, tzinfo=LONDON)
READ_AT = datetime(DAY.year, DAY.month, DAY.day, 17, 5, tzinfo=LONDON)
CALL_EVERY = timedelta(seconds=90)
GOAL_MS = 200.0
GOAL_RATIO = 2.0
GOALS = ("refresh", "campaigns", "every round", "agent day")
WARM_UP = 3
# (outcome, share of calls): a day of the care tracker.
MIX = [("completed", 30), ("already_submitted", 15), ("no_answer", 25), ("engaged", 8),
       ("voicemail", 10), ("call_back", 6), ("needs_supervisor", 2), ("wrong_number", 2),
       ("asked_not_to_be_called", 2)]


# ---- the day -------------------------------------------------------------------------


def play_day(url: str, campaign: int, agents: int, calls: int) -> dict[str, int]:
    """Every agent's calls from 10:00, in time order, through the engine."""
    db = open_database(url)
    rng = random.Random(20261125)
    form = form_of(get_template(TEMPLATE))
    codes = [code for code, share in MIX for _ in range(share)]
    names = agent_names(agents)
    made: dict[str, int] = {}
    try:
        for k in range(calls):
            for i, agent in enumerate(names):
                at = FIRST_CALL + k * CALL_EVERY + i * CALL_EVERY / agents
                task = claim_next_task(db, agent, campaign, now=at)
                if task is None:
                    made["nothing to call"] = made.get("nothing to call", 0) + 1
                    continue
                code = rng.choice(codes)
                extra: dict[str, Any] = {}
                if code == "completed":
                    extra["answers"] = example_answers(form, rng, today=DAY)
                elif code == "call_back":
                    extra["callback_at"] = at + timedelta(hours=2)
                elif code == "needs_supervisor":
                    extra["reason"] = "The manager wants to talk about a closure"
                duration = rng.randint(20, 60) if code in ("no_answer", "engaged") \
                    else rng.randint(60, 400)
                record_outcome(db, task.task_id, agent, code, duration_seconds=duration,
                               now=at + timedelta(seconds=min(duration, 85)), **extra)
                made[code] = made.get(code, 0) + 1
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("ANALYZE")
    finally:
        db.close()
    return made


# ---- timing --------------------------------------------------------------------------


def reads(db: Database, campaign: int) -> dict[str, Callable[[], Any]]:
    key = round_key_for(DAY)
    agent = agent_names(1)[0]
    return {
        "refresh": lambda: load_snapshot(db, campaign, key, READ_AT),
        "choices": lambda: campaign_choices(db),
        "campaigns": lambda: campaign_summaries(db, DAY),
        "every round": lambda: burndown(db, campaign, None, now=READ_AT),
        "agent day": lambda: agent_day(db, agent, READ_AT),
        "- progress": lambda: campaign_progress(db, campaign, key, now=READ_AT),
        "- burn-down": lambda: burndown(db, campaign, key, now=READ_AT),
        "- agents": lambda: agent_figures(db, DAY, campaign),
        "- overdue": lambda: overdue_callbacks(db, now=READ_AT, campaign=campaign),
        "- escalated": lambda: escalated_tasks(db, campaign),
        "- flags": lambda: flagged_answers(db, campaign),
    }


def fingerprint(db: Database, campaign: int) -> str:
    """What the screen would show, in a line: the same at both sizes but for the
    totals, and the same before and after any change to the queries."""
    s = load_snapshot(db, campaign, round_key_for(DAY), READ_AT)
    p = s.progress
    day = agent_day(db, agent_names(1)[0], READ_AT)
    (listed,) = campaign_summaries(db, DAY)
    every = burndown(db, campaign, None, now=READ_AT)
    return (f"total {p.total:,}, done {p.done:,}, closed {p.closed:,}, on a call "
            f"{p.in_progress}, left {p.remaining:,}; {p.attempts:,} attempts, contact "
            f"rate {p.contact_rate:.3f}, {p.finished_per_hour:.0f} an hour, "
            f"{p.agents_today} agents; burn-down {len(s.burndown.points)} points; "
            f"{len(s.agents)} agents' rows; overdue {len(s.overdue)}, escalated "
            f"{len(s.escalated)}, flags {len(s.flags)}; agent 1: {day.calls} calls, "
            f"{day.callbacks_due} call-backs due; listed: {listed.enrolled:,} enrolled, "
            f"{listed.today_finished:,} of {listed.today_total:,} today, "
            f"{listed.open_tasks:,} open; every round: {every.total:,} calls, "
            f"{every.left_now:,} left, {len(every.points)} points")


def time_reads(db: Database, campaign: int, repeats: int) -> dict[str, list[float]]:
    """Wall-clock milliseconds of each read, and (under "cpu <read>") the CPU time of
    this process: all of it on SQLite, the client's part on PostgreSQL."""
    timings: dict[str, list[float]] = {}
    for name, read in reads(db, campaign).items():
        for _ in range(WARM_UP):
            read()
        values, cpu = [], []
        for _ in range(repeats):
            start, start_cpu = time.perf_counter(), time.process_time()
            read()
            values.append((time.perf_counter() - start) * 1000)
            cpu.append((time.process_time() - start_cpu) * 1000)
        timings[name] = values
        if not name.startswith("-"):
            timings["cpu " + name] = cpu
    return timings


def explain(db: Database, campaign: int) -> None:
    """The plan of every statement one refresh, one agent's day, the campaigns list and
    the burn-down over every round run."""
    seen: list[tuple[str, Any]] = []

    def capture(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith(("SELECT", "WITH")):
            seen.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", capture)
    try:
        load_snapshot(db, campaign, round_key_for(DAY), READ_AT)
        agent_day(db, agent_names(1)[0], READ_AT)
        campaign_summaries(db, DAY)
        burndown(db, campaign, None, now=READ_AT)
    finally:
        event.remove(db.engine, "before_cursor_execute", capture)
    raw = db.engine.raw_connection()
    try:
        cursor = raw.cursor()
        for statement, parameters in seen:
            print("\n" + " ".join(statement.split())[:400])
            if db.is_sqlite:
                cursor.execute("EXPLAIN QUERY PLAN " + statement, parameters)
                for row in cursor.fetchall():
                    print(f"    {row[3]}")
            else:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
                for (line,) in cursor.fetchall():
                    print(f"    {line}")
    finally:
        raw.rollback()
        raw.close()


# ---- main ----------------------------------------------------------------------------


def _ints(text_value: str) -> list[int]:
    try:
        values = [int(v.replace("_", "")) for v in text_value.split(",") if v.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"“{text_value}” is not a list of numbers") from None
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError("give one or more positive numbers")
    return values


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=_ints, default=[10_000, 1_000_000])
    parser.add_argument("--agents", type=int, default=20)
    parser.add_argument("--calls", type=int, default=280, help="calls per agent (280: "
                        "one every 90 seconds from 10:00 to 17:00)")
    parser.add_argument("--repeats", type=int, default=30, help="timed reads of each kind")
    parser.add_argument("--rounds-before", type=int, default=1, help="rounds of the same "
                        "people on the days before, each closed by the next (default 1)")
    parser.add_argument("--pg", metavar="URL", help="a PostgreSQL server where the user may "
                        "create databases, e.g. postgresql://postgres@127.0.0.1:5432/postgres")
    only = parser.add_mutually_exclusive_group()
    only.add_argument("--sqlite-only", action="store_true")
    only.add_argument("--postgres-only", action="store_true")
    parser.add_argument("--explain", action="store_true",
                        help="print the plan of each statement of one refresh per size")
    args = parser.parse_args(argv)
    if min(args.sizes) < args.agents * args.calls:
        parser.error("the smallest round must hold every call of the day")
    if args.rounds_before < 0:
        parser.error("--rounds-before cannot be negative")
    if args.postgres_only and not args.pg:
        parser.error("--postgres-only needs --pg")
    kinds = ([] if args.postgres_only else ["sqlite"]) + (
        [] if args.sqlite_only or not args.pg else ["postgresql"])

    started_load = os.getloadavg()[0]
    results: dict[tuple[str, int], dict[str, list[float]]] = {}
    for kind in kinds:
        for size in args.sizes:
            scratch = Scratch(kind, args.pg)
            try:
                cid, timings = load(scratch.url, size, args.agents, args.rounds_before)
                start = time.perf_counter()
                made = play_day(scratch.url, cid, args.agents, args.calls)
                timings["day"] = time.perf_counter() - start
                print(f"{kind} {size:,}: loaded in "
                      + ", ".join(f"{k} {v:.1f}s" for k, v in timings.items())
                      + f"; {sum(made.values()):,} calls", flush=True)
                db = open_database(scratch.url)
                try:
                    print("  shows: " + fingerprint(db, cid), flush=True)
                    if args.explain:
                        explain(db, cid)
                    results[(kind, size)] = time_reads(db, cid, args.repeats)
                finally:
                    db.close()
                found = results[(kind, size)]
                print("  " + ", ".join(f"{name} {statistics.median(v):.1f} ms"
                                       for name, v in found.items()), flush=True)
            finally:
                scratch.drop()

    print(f"\n{args.agents} agents x {args.calls} calls; {args.repeats} timed reads each; "
          f"load average {started_load:.1f} at the start, {os.getloadavg()[0]:.1f} at the "
          f"end ({os.cpu_count()} CPUs, shared).")
    smallest, largest = min(args.sizes), max(args.sizes)
    names = list(next(iter(results.values())))
    header = f"{'read':<14}" + "".join(f"{kind + ' ' + f'{size:,}':>22}"
                                       for kind, size in results)
    if smallest != largest:
        header += "".join(f"{kind + ' ratio':>18}" for kind in kinds)
    print(header + "   (median ms, [min-max])")
    print("-" * len(header))
    verdicts = []
    for name in names:
        line = f"{name:<14}"
        for values in (results[key][name] for key in results):
            line += f"{statistics.median(values):>9.1f} [{min(values):5.1f}-{max(values):5.1f}]"
        if smallest != largest:
            for kind in kinds:
                ratio = (statistics.median(results[(kind, largest)][name])
                         / statistics.median(results[(kind, smallest)][name]))
                line += f"{ratio:>17.2f}x"
                if name in GOALS:
                    verdicts.append(ratio < GOAL_RATIO)
        print(line)
        if name in GOALS:
            verdicts.extend(statistics.median(results[(kind, largest)][name]) < GOAL_MS
                            for kind in kinds)
    met = all(verdicts)
    print(f"\nGoal (median under {GOAL_MS:.0f} ms at {largest:,} tasks and under "
          f"{GOAL_RATIO:.0f}x the median at {smallest:,}): {'met' if met else 'NOT met'}.")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
