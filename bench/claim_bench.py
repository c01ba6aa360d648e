"""Claim-and-complete latency of the call queue as the queue grows.

    python bench/claim_bench.py [--sizes 10000,100000,1000000] [--agents 1,8]
                                [--claims 300] [--pg postgresql://postgres@127.0.0.1/test]
                                [--sqlite-only] [--explain] [--outcome CODE]
                                [--pause-ms MS]
    python bench/claim_bench.py --team --pg URL [--team-agents 30] [--team-size 100000]
                                [--duration 600] [--pace 20,60] [--speedup 1] [--burst 30]

``--team`` runs a team on PostgreSQL instead (bench/claim_team.py says how): agents at a
person's pace, with the p99 of the claim and of the outcome and every error; then as
fast as they can go, against the bare ``UPDATE ... SKIP LOCKED`` claim on the same
table in the same run, with the ratio. ``--speedup 10 --duration 60`` is a quick check.

For each database (a fresh SQLite file in a temporary folder; and PostgreSQL when
``--pg`` names a server where the user may create databases: a scratch database
``outbound_bench_<hex>`` is created and dropped) and each queue size, loads that many
care providers with bulk SQL (numbers in Ofcom's drama range, 0113 496 0xxx), makes a
``care_capacity_tracker`` campaign with ``create_campaign``, enrols them and makes one
round (both single INSERT ... SELECT statements), and runs ANALYZE. Then for each agent
count, that many agent processes (spawned) start together and each makes ``--claims``
claims: ``claim_next_task`` followed by ``record_outcome`` with a completing outcome,
both at a fixed instant inside the calling window (Wednesday 25 November 2026, 10:00
London). The outcome is ``already_submitted`` (completes the call, no form) unless ``--outcome``
names another; an outcome that needs the form is given a complete set of example
answers, so its time includes storing them.

The latency of the claim, of the completion, and of both together is taken per claim
(after five warm-up claims per process, which are not counted) and printed as median
and p99 per (database, size, agents), followed by the ratio median at the largest size
/ median at the smallest (1M / 10k with the default sizes). The goal: p99 claim under
20 ms at 1,000,000 open tasks, and the median at 1M at most twice the median at 10k.

``--explain`` prints the plan of every statement one claim runs (EXPLAIN QUERY PLAN on
SQLite, EXPLAIN ANALYZE inside a rolled-back transaction on PostgreSQL).

The agents make their claims back to back (unless ``--pause-ms`` gives each some time
between calls; a real agent spends minutes on the phone), so with 8 agents on a 2-core
machine the processes also queue for the CPU (and on SQLite for the single write lock):
those numbers are what an agent would see on a saturated machine, not the statements'
own cost. The load average is printed with the results because other work on the
machine moves them too.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
import uuid
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from sqlalchemy import create_engine, event, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from outbound.contacts import ContactFilter  # noqa: E402
from outbound.db import open_database  # noqa: E402
from outbound.queue.campaigns import create_campaign, enrol, generate_round  # noqa: E402
from outbound.queue.claim import claim_next_task, release_task  # noqa: E402
from outbound.queue.outcomes import record_outcome  # noqa: E402
from outbound.users import add_user  # noqa: E402

LONDON = ZoneInfo("Europe/London")
DAY = date(2026, 11, 25)
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=LONDON)
LOADED_AT = "2026-11-01 00:00:00.000000"
SOURCE = "Bench providers"
TEMPLATE = "care_capacity_tracker"
DEFAULT_OUTCOME = "already_submitted"
WARM_UP = 5
GOAL_P99_MS = 20.0
GOAL_RATIO = 2.0

SQLITE_CONTACTS = f"""
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :size)
INSERT INTO contact (kind, name, name_key, organisation, postcode, district, source,
                     external_ref, attributes, primary_phone, do_not_call, created_at,
                     updated_at)
SELECT 'organisation', 'Bench provider ' || i, 'bench provider ' || i,
       'Bench provider ' || i, 'PN' || (i % 8 + 1) || ' 1AB', 'District ' || (i % 8 + 1),
       '{SOURCE}', 'B' || i, '{{}}', '+441134960' || printf('%03d', i % 1000), 0,
       '{LOADED_AT}', '{LOADED_AT}'
FROM n
"""

PG_CONTACTS = f"""
INSERT INTO contact (kind, name, name_key, organisation, postcode, district, source,
                     external_ref, attributes, primary_phone, do_not_call, created_at,
                     updated_at)
SELECT 'organisation', 'Bench provider ' || i, 'bench provider ' || i,
       'Bench provider ' || i, 'PN' || (i % 8 + 1) || ' 1AB', 'District ' || (i % 8 + 1),
       '{SOURCE}', 'B' || i, '{{}}', '+441134960' || lpad((i % 1000)::text, 3, '0'), false,
       timestamptz '{LOADED_AT}+00', timestamptz '{LOADED_AT}+00'
FROM generate_series(1, :size) AS i
"""


def agent_names(count: int) -> list[str]:
    return [f"Agent {i + 1}" for i in range(count)]


# ---- scratch databases ---------------------------------------------------------------


class Scratch:
    """A fresh, migrated database: an SQLite file, or a PostgreSQL scratch database."""

    def __init__(self, kind: str, pg_admin: str | None = None) -> None:
        self.kind = kind
        self._folder: tempfile.TemporaryDirectory[str] | None = None
        self._admin = None
        self._name = ""
        if kind == "sqlite":
            self._folder = tempfile.TemporaryDirectory(prefix="outbound_bench_")
            self.url = f"sqlite:///{Path(self._folder.name) / 'bench.db'}"
        else:
            assert pg_admin is not None
            admin_url = make_url(pg_admin).set(drivername="postgresql+psycopg")
            self._admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
            self._name = f"outbound_bench_{uuid.uuid4().hex[:10]}"
            with self._admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{self._name}"'))
            self.url = admin_url.set(database=self._name).render_as_string(
                hide_password=False)
        open_database(self.url).close()

    def drop(self) -> None:
        if self._folder is not None:
            self._folder.cleanup()
        if self._admin is not None:
            with self._admin.connect() as conn:
                conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                  "WHERE datname = :n AND pid <> pg_backend_pid()"),
                             {"n": self._name})
                conn.execute(text(f'DROP DATABASE IF EXISTS "{self._name}"'))
            self._admin.dispose()


# ---- loading -------------------------------------------------------------------------


def load(url: str, size: int, agents: int, rounds_before: int = 0
         ) -> tuple[int, dict[str, float]]:
    """Contacts, agents, a campaign, its enrolments and one round (after
    ``rounds_before`` rounds of the days before, each closed when the next is made);
    returns the campaign id and the seconds each step took."""
    timings: dict[str, float] = {}
    db = open_database(url)
    try:
        start = time.perf_counter()
        with db.write() as session:
            sql = SQLITE_CONTACTS if db.is_sqlite else PG_CONTACTS
            session.execute(text(sql), {"size": size})
        timings["contacts"] = time.perf_counter() - start
        for name in agent_names(agents):
            add_user(db, name)
        cid = create_campaign(db, TEMPLATE, "Bench care tracker")
        start = time.perf_counter()
        enrol(db, cid, where=ContactFilter(source=SOURCE), now=NOW)
        timings["enrol"] = time.perf_counter() - start
        if rounds_before:
            start = time.perf_counter()
            for back in range(rounds_before, 0, -1):
                generate_round(db, cid, DAY - timedelta(days=back),
                               now=NOW - timedelta(days=back))
            timings["earlier rounds"] = time.perf_counter() - start
        start = time.perf_counter()
        made = generate_round(db, cid, DAY, now=NOW)
        timings["round"] = time.perf_counter() - start
        if made.created != size:
            raise SystemExit(f"The round made {made.created:,} tasks, not {size:,}.")
        start = time.perf_counter()
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("ANALYZE")
        timings["analyze"] = time.perf_counter() - start
    finally:
        db.close()
    return cid, timings


# ---- measuring -----------------------------------------------------------------------


def _answers_for(outcome: str) -> dict[str, object] | None:
    """A complete, valid form for an outcome that needs one (None when it does not)."""
    from outbound.campaigns.template import get_template

    template = get_template(TEMPLATE)
    if not template.outcome(outcome).needs_form:
        return None
    from outbound.forms import form_of
    from outbound.forms.examples import example_answers

    return example_answers(form_of(template))


def _agent(url: str, agent: str, campaign: int, claims: int, outcome: str, pause: float,
           ready, go, results) -> None:
    db = open_database(url)
    answers = _answers_for(outcome)
    extra = {"answers": answers} if answers is not None else {}
    claim_ms: list[float] = []
    done_ms: list[float] = []
    error = None
    started = False
    try:
        for index in range(WARM_UP + claims):
            if index == WARM_UP:
                started = True
                ready.wait()
                go.wait()
            t0 = time.perf_counter()
            task = claim_next_task(db, agent, campaign, now=NOW)
            t1 = time.perf_counter()
            if task is None:
                error = f"{agent} found nothing to call after {index} claims"
                break
            record_outcome(db, task.task_id, agent, outcome, duration_seconds=240, now=NOW,
                           **extra)
            t2 = time.perf_counter()
            if index >= WARM_UP:
                claim_ms.append((t1 - t0) * 1000)
                done_ms.append((t2 - t1) * 1000)
                if pause:
                    time.sleep(pause)
    except Exception as exc:  # reported by the parent
        error = f"{agent}: {exc!r}"
    finally:
        db.close()
        if not started:
            ready.wait()  # never leave the others waiting at the barrier
        results.put((claim_ms, done_ms, error))


def measure(url: str, campaign: int, agents: int, claims: int, outcome: str,
            pause: float = 0.0) -> dict[str, list[float]]:
    ctx = multiprocessing.get_context("spawn")
    ready = ctx.Barrier(agents + 1)
    go = ctx.Event()
    results = ctx.Queue()
    workers = [ctx.Process(target=_agent, args=(url, name, campaign, claims, outcome, pause, ready,
                                                go, results))
               for name in agent_names(agents)]
    for worker in workers:
        worker.start()
    ready.wait(timeout=300)
    go.set()
    claim: list[float] = []
    done: list[float] = []
    both: list[float] = []
    errors = []
    for _ in workers:
        c, d, error = results.get(timeout=1800)
        claim += c
        done += d
        both += [a + b for a, b in zip(c, d, strict=True)]
        if error:
            errors.append(error)
    for worker in workers:
        worker.join(timeout=60)
    if errors:
        raise SystemExit("; ".join(errors))
    return {"claim": claim, "complete": done, "both": both}


def p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(0.99 * len(ordered)) - 1))]


# ---- explaining ----------------------------------------------------------------------


def explain(url: str, campaign: int) -> None:
    """The plan of each statement one claim runs."""
    db = open_database(url)
    seen: list[tuple[str, object]] = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith(("UPDATE", "SELECT")):
            seen.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", capture)
    try:
        task = claim_next_task(db, agent_names(1)[0], campaign, now=NOW)
    finally:
        event.remove(db.engine, "before_cursor_execute", capture)
    raw = db.engine.raw_connection()
    try:
        cursor = raw.cursor()
        for statement, parameters in seen:
            if "FROM task" not in statement and "task SET" not in statement:
                continue
            flat = " ".join(statement.split())
            tail = flat[flat.find("task.status = 'open'"):] if "status = 'open'" in flat else flat
            print("\n" + tail[:300])
            if db.is_sqlite:
                cursor.execute("EXPLAIN QUERY PLAN " + statement, parameters)
                for row in cursor.fetchall():
                    print(f"    {row[3]}")
            else:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
                for (line,) in cursor.fetchall():
                    print(f"    {line}")
                raw.rollback()
    finally:
        raw.rollback()
        raw.close()
    if task is not None:
        release_task(db, task.task_id)
    db.close()


# ---- main ----------------------------------------------------------------------------


def _ints(text_value: str) -> list[int]:
    try:
        values = [int(v.replace("_", "")) for v in text_value.split(",") if v.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"“{text_value}” is not a list of numbers") from None
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError("give one or more positive numbers")
    return values


def _pace(text_value: str) -> tuple[float, float]:
    try:
        low, high = (float(v) for v in text_value.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError("give two numbers of seconds, e.g. 20,60") from None
    if not 0 <= low <= high:
        raise argparse.ArgumentTypeError("give the shorter time first")
    return low, high


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=_ints, default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--agents", type=_ints, default=[1, 8])
    parser.add_argument("--claims", type=int, default=300, help="measured claims per agent")
    parser.add_argument("--pause-ms", type=float, default=0.0, metavar="MS",
                        help="each agent waits this long after each call (default 0: claims "
                        "back to back, which saturates a small machine)")
    parser.add_argument("--pg", metavar="URL", help="a PostgreSQL server where the user may "
                        "create databases, e.g. postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--sqlite-only", action="store_true")
    parser.add_argument("--explain", action="store_true",
                        help="print the plan of each statement of one claim per size")
    parser.add_argument("--outcome", default=DEFAULT_OUTCOME, metavar="CODE",
                        help=f"the completing outcome recorded (default {DEFAULT_OUTCOME}; "
                        "'completed' also stores a full form)")
    team = parser.add_argument_group("a team on PostgreSQL (--team)")
    team.add_argument("--team", action="store_true", help="run the team scenario instead")
    team.add_argument("--team-agents", type=int, default=30)
    team.add_argument("--team-size", type=int, default=100_000, help="tasks in the round")
    team.add_argument("--duration", type=float, default=600.0,
                      help="seconds of calling at a person's pace")
    team.add_argument("--pace", type=_pace, default=(20.0, 60.0), metavar="MIN,MAX",
                      help="seconds on each call (default 20,60)")
    team.add_argument("--speedup", type=float, default=1.0,
                      help="run the calls and the database's clock this many times faster")
    team.add_argument("--burst", type=float, default=30.0,
                      help="seconds of each as-fast-as-they-go run")
    args = parser.parse_args(argv)
    if args.team:
        if not args.pg:
            parser.error("--team needs --pg: a team works on PostgreSQL")
        from claim_team import team as run_team

        return run_team(args.pg, args.team_size, args.team_agents, args.duration, args.pace,
                        args.speedup, args.burst)
    try:
        _answers_for(args.outcome)
    except ValueError as exc:
        parser.error(str(exc))
    most_claims = max(args.agents) * (args.claims + WARM_UP) + 1
    if min(args.sizes) < most_claims:
        parser.error(f"the smallest size must hold every claim ({most_claims:,})")
    kinds = ["sqlite"] + ([] if args.sqlite_only or not args.pg else ["postgresql"])

    started_load = os.getloadavg()[0]
    rows: list[tuple[str, int, int, dict[str, list[float]]]] = []
    for kind in kinds:
        for size in args.sizes:
            scratch = Scratch(kind, args.pg)
            try:
                cid, timings = load(scratch.url, size, max(args.agents))
                print(f"{kind} {size:,}: loaded in "
                      + ", ".join(f"{k} {v:.1f}s" for k, v in timings.items()), flush=True)
                if args.explain:
                    explain(scratch.url, cid)
                for agents in args.agents:
                    result = measure(scratch.url, cid, agents, args.claims, args.outcome,
                                     args.pause_ms / 1000)
                    rows.append((kind, size, agents, result))
                    print(f"  {agents} agent(s): claim median "
                          f"{statistics.median(result['claim']):.2f} ms, p99 "
                          f"{p99(result['claim']):.2f} ms", flush=True)
            finally:
                scratch.drop()

    print(f"\nOutcome recorded: {args.outcome}; {args.claims} measured claims per agent, "
          f"{args.pause_ms:g} ms apart; "
          f"load average {started_load:.1f} at the start, {os.getloadavg()[0]:.1f} at the end "
          f"({os.cpu_count()} CPUs).")
    header = (f"{'database':<10} {'tasks':>9} {'agents':>6} {'claims':>6}  "
              f"{'claim med':>9} {'claim p99':>9}  {'done med':>8} {'done p99':>8}  "
              f"{'both med':>8} {'both p99':>8}   (ms)")
    print(header)
    print("-" * len(header))
    for kind, size, agents, result in rows:
        cells = []
        for part in ("claim", "complete", "both"):
            cells.append(f"{statistics.median(result[part]):>8.2f} {p99(result[part]):>9.2f}")
        print(f"{kind:<10} {size:>9,} {agents:>6} {len(result['claim']):>6}  "
              + "  ".join(cells))

    smallest, largest = min(args.sizes), max(args.sizes)
    verdicts = []
    if smallest != largest:
        print(f"\nmedian at {largest:,} / median at {smallest:,}:")
        for kind in kinds:
            for agents in args.agents:
                found = {size: result for k, size, a, result in rows
                         if k == kind and a == agents}
                ratios = {part: statistics.median(found[largest][part])
                          / statistics.median(found[smallest][part])
                          for part in ("claim", "complete", "both")}
                print(f"  {kind:<10} {agents} agent(s): claim {ratios['claim']:.2f}x, "
                      f"complete {ratios['complete']:.2f}x, both {ratios['both']:.2f}x")
                verdicts.append(ratios["claim"] <= GOAL_RATIO)
    for _kind, size, _agents, result in rows:
        if size == largest:
            verdicts.append(p99(result["claim"]) < GOAL_P99_MS)
    met = all(verdicts)
    print(f"\nGoal (p99 claim < {GOAL_P99_MS:.0f} ms at {largest:,}; median ratio <= "
          f"{GOAL_RATIO:.0f}x): {'met' if met else 'NOT met'}.")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
