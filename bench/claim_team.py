"""A team on PostgreSQL, for ``claim_bench.py --team``: agents at a person's pace, then
as fast as they can go against the bare ``UPDATE ... SKIP LOCKED`` claim.

One round of ``--team-size`` tasks (100,000) is loaded as the size sweep loads it.

1. **At a person's pace.** ``--team-agents`` processes (30) start together and, for
   ``--duration`` seconds (600), each takes a call (``claim_next_task``), stays on it a
   time drawn between the two ``--pace`` figures (20-60 s), and records an outcome
   (``record_outcome``): answers taken with a full form (30%), already updated online
   (20%), no answer (30%), engaged (10%), voicemail (10%). The database's clock runs
   from Wednesday 25 November 2026, 10:00 London, at ``--speedup`` times real time;
   ``--speedup 10`` divides the calls by ten for a quick check (the agents then call
   ten times as often). Printed: the median and p99 of the claim and of the outcome,
   the calls made, and every error (the goal is none).
2. **As fast as they can go**, for ``--burst`` seconds each, the same agents in turn:
   the project's cycle (``claim_next_task`` then ``record_outcome`` "already updated
   online": one statement, then a read and one statement, each in autocommit mode, with
   the audit entry, the busy mark, the attempt and the checks they make), then the
   floor: a bare claim (one ``UPDATE task ...
   WHERE id = (SELECT ... ORDER BY priority DESC, id LIMIT 1 FOR UPDATE SKIP LOCKED)
   RETURNING id`` over the same fresh-task index) and a bare completion (``UPDATE task
   SET status = 'done' ...``), two transactions through psycopg with nothing else. The
   ratio is the floor's cycles a second over the project's: how many times the
   project's claim and outcome cost the database round trips they cannot avoid.

Both phases connect as the database's owner, so row-level security (which supervisors
and agents meet in a team) is not applied.
"""

from __future__ import annotations

import multiprocessing
import os
import random
import statistics
import time
import traceback
from datetime import timedelta
from typing import Any

from claim_bench import NOW, Scratch, agent_names, load, p99

MIX = [("completed", 30), ("already_submitted", 20), ("no_answer", 30), ("engaged", 10),
       ("voicemail", 10)]
FAST_OUTCOME = "already_submitted"

BARE_CLAIM = """
UPDATE task SET holder_id = %(agent)s, lease_expires_at = %(until)s, claimed_at = %(now)s
WHERE id = (SELECT id FROM task
            WHERE campaign_id = %(campaign)s AND assigned_to IS NULL
              AND status = 'open' AND attempts = 0 AND callback_at IS NULL
              AND holder_id IS NULL
            ORDER BY assigned_to, priority DESC, id LIMIT 1 FOR UPDATE SKIP LOCKED)
RETURNING id
"""
BARE_DONE = """
UPDATE task SET status = 'done', attempts = attempts + 1, holder_id = NULL,
       lease_expires_at = NULL, completed_at = %(now)s, last_outcome = 'already_submitted',
       last_attempt_at = %(now)s
WHERE id = %(task)s
"""


def _moment(start: float, speedup: float):  # type: ignore[no-untyped-def]
    return NOW + timedelta(seconds=(time.time() - start) * speedup)


def _warm_up(db, agent: str, campaign: int, claim, record) -> None:  # type: ignore[no-untyped-def]
    """One call before the clock starts: connections made, modules and templates loaded."""
    task = claim(db, agent, campaign, now=NOW)
    if task is not None:
        record(db, task.task_id, agent, FAST_OUTCOME, duration_seconds=30, now=NOW)


def _paced_agent(url: str, agent: str, campaign: int, duration: float,
                 pace: tuple[float, float], speedup: float, seed: int, ready, results) -> None:
    from outbound.campaigns.template import get_template
    from outbound.db import open_database
    from outbound.forms import form_of
    from outbound.forms.examples import example_answers
    from outbound.queue.claim import claim_next_task
    from outbound.queue.outcomes import record_outcome

    rng = random.Random(seed)
    form = form_of(get_template("care_capacity_tracker"))
    codes = [code for code, share in MIX for _ in range(share)]
    claim_ms: list[float] = []
    outcome_ms: list[float] = []
    errors: list[str] = []
    db = open_database(url, migrate=False)
    try:
        _warm_up(db, agent, campaign, claim_next_task, record_outcome)
        ready.wait()
        start = time.time()
        time.sleep(rng.uniform(0, pace[0] / speedup))
        while time.time() < start + duration:
            try:
                t0 = time.perf_counter()
                task = claim_next_task(db, agent, campaign, now=_moment(start, speedup))
                claim_ms.append((time.perf_counter() - t0) * 1000)
                if task is None:
                    errors.append(f"{agent} found nothing to call")
                    time.sleep(1)
                    continue
                on_call = rng.uniform(*pace)
                time.sleep(on_call / speedup)
                code = rng.choice(codes)
                extra: dict[str, Any] = {}
                if code == "completed":
                    extra["answers"] = example_answers(form, rng)
                t0 = time.perf_counter()
                record_outcome(db, task.task_id, agent, code, duration_seconds=round(on_call),
                               now=_moment(start, speedup), **extra)
                outcome_ms.append((time.perf_counter() - t0) * 1000)
            except Exception as exc:
                errors.append(f"{agent}: {exc!r}"[:300])
    except Exception:
        errors.append(f"{agent}: {traceback.format_exc()[-300:]}")
        ready.abort()   # never leave the others waiting for this one
    finally:
        db.close()
        results.put((claim_ms, outcome_ms, errors))


def _fast_agent(url: str, agent: str, campaign: int, seconds: float, bare: bool, ready,
                results) -> None:
    try:
        _go_fast(url, agent, campaign, seconds, bare, ready, results)
    except Exception:
        ready.abort()   # never leave the others waiting for this one
        results.put((0, [], [f"{agent}: {traceback.format_exc()[-300:]}"]))


def _go_fast(url: str, agent: str, campaign: int, seconds: float, bare: bool, ready,
             results) -> None:
    cycles = 0
    errors: list[str] = []
    claim_ms: list[float] = []
    if bare:
        import psycopg
        from sqlalchemy.engine import make_url

        u = make_url(url)
        conn = psycopg.connect(host=u.host, port=u.port, user=u.username,
                               password=u.password, dbname=u.database, autocommit=True)
        agent_id = conn.execute("SELECT id FROM app_user WHERE name = %s", (agent,)).fetchone()[0]
        close = conn.close
    else:
        from outbound.db import open_database
        from outbound.queue.claim import claim_next_task
        from outbound.queue.outcomes import record_outcome

        db = open_database(url, migrate=False)
        close = db.close
        _warm_up(db, agent, campaign, claim_next_task, record_outcome)
    try:
        ready.wait()
        start = time.time()
        while time.time() < start + seconds:
            moment = _moment(start, 1.0)
            try:
                t0 = time.perf_counter()
                if bare:
                    row = conn.execute(BARE_CLAIM, {
                        "agent": agent_id, "until": moment + timedelta(minutes=5),
                        "now": moment, "campaign": campaign}).fetchone()
                    claim_ms.append((time.perf_counter() - t0) * 1000)
                    if row is None:
                        errors.append(f"{agent} found nothing to call")
                        break
                    conn.execute(BARE_DONE, {"now": moment, "task": row[0]})
                else:
                    task = claim_next_task(db, agent, campaign, now=moment)
                    claim_ms.append((time.perf_counter() - t0) * 1000)
                    if task is None:
                        errors.append(f"{agent} found nothing to call")
                        break
                    record_outcome(db, task.task_id, agent, FAST_OUTCOME, duration_seconds=30,
                                   now=moment)
                cycles += 1
            except Exception as exc:
                errors.append(f"{agent}: {exc!r}"[:300])
    finally:
        close()
        results.put((cycles, claim_ms, errors))


def _run(target, args_for, agents: int, timeout: float) -> list[Any]:  # type: ignore[no-untyped-def]
    """Start the agents, let them go together once every one is ready, and gather."""
    ctx = multiprocessing.get_context("spawn")
    results = ctx.Queue()
    ready = ctx.Barrier(agents + 1)
    workers = [ctx.Process(target=target, args=(*args_for(i), ready, results))
               for i in range(agents)]
    for worker in workers:
        worker.start()
    ready.wait(timeout=600)
    found = [results.get(timeout=timeout) for _ in workers]
    for worker in workers:
        worker.join(timeout=60)
    return found


def team(pg: str, size: int, agents: int, duration: float, pace: tuple[float, float],
         speedup: float, burst: float) -> int:
    started_load = os.getloadavg()[0]
    scratch = Scratch("postgresql", pg)
    try:
        cid, timings = load(scratch.url, size, agents)
        print(f"postgresql {size:,}: loaded in "
              + ", ".join(f"{k} {v:.1f}s" for k, v in timings.items()), flush=True)
        names = agent_names(agents)
        paced = _run(_paced_agent, lambda i: (scratch.url, names[i], cid, duration, pace,
                                              speedup, 1000 + i),
                     agents, duration + 600)
        claim = [v for c, _, _ in paced for v in c]
        outcome = [v for _, o, _ in paced for v in o]
        errors = [e for _, _, es in paced for e in es]
        print(f"\nAt a person's pace: {agents} agents, {duration:g} s, {pace[0]:g}-{pace[1]:g} s "
              f"on each call (time x{speedup:g}): {len(outcome):,} calls, "
              f"{len(errors)} errors")
        print(f"  claim   median {statistics.median(claim):6.1f} ms, p99 {p99(claim):6.1f} ms, "
              f"max {max(claim):6.1f} ms")
        print(f"  outcome median {statistics.median(outcome):6.1f} ms, p99 {p99(outcome):6.1f} ms, "
              f"max {max(outcome):6.1f} ms", flush=True)
        for error in errors[:10]:
            print(f"  ! {error}")

        rates = {}
        for bare in (False, True):
            fast = _run(_fast_agent, lambda i, bare=bare: (scratch.url, names[i], cid, burst,
                                                           bare),
                        agents, burst + 600)
            cycles = sum(c for c, _, _ in fast)
            claims = [v for _, c, _ in fast for v in c]
            fast_errors = [e for _, _, es in fast for e in es]
            errors += fast_errors
            name = "bare UPDATE ... SKIP LOCKED" if bare else "claim_next_task + record_outcome"
            rates[bare] = cycles / burst
            print(f"\nAs fast as they go, {name}: {cycles:,} calls in {burst:g} s = "
                  f"{rates[bare]:.0f} a second; claim median {statistics.median(claims):.1f} "
                  f"ms, p99 {p99(claims):.1f} ms; {len(fast_errors)} errors", flush=True)
            for error in fast_errors[:10]:
                print(f"  ! {error}")
    finally:
        scratch.drop()
    ratio = rates[True] / rates[False]
    print(f"\nThe bare claim and completion make {ratio:.1f}x the project's calls a second "
          f"(project {rates[False]:.0f}/s, bare {rates[True]:.0f}/s).")
    print(f"Load average {started_load:.1f} at the start, {os.getloadavg()[0]:.1f} at the end "
          f"({os.cpu_count()} CPUs, shared).")
    print(f"Errors: {len(errors)}.")
    return 0 if not errors else 1
