"""An agent whose client died mid-call gets that call back when they start again, at
once and before any new one; nobody else gets it while it is still theirs. On both
databases, and with real processes: one is killed outright (SIGKILL) holding a call."""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from outbound.contacts import ContactFilter
from outbound.db import Database, open_database
from outbound.importing import import_rows
from outbound.queue.campaigns import create_campaign, enrol, generate_round
from outbound.queue.claim import claim_next_task, release_task, resume_held_task
from outbound.queue.outcomes import record_outcome
from outbound.users import add_user

LONDON = ZoneInfo("Europe/London")
MONDAY = date(2026, 11, 23)
NOW = datetime(2026, 11, 23, 10, 5, tzinfo=LONDON)


def tracker(db: Database, providers: int = 3) -> int:
    for agent in ("Sam", "Priya"):
        add_user(db, agent)
    import_rows(db, ["Name", "Telephone", "Reference"],
                [(i + 2, [f"Home {i}", f"0113 496 {i:04d}", f"1-{i}"])
                 for i in range(providers)],
                file_name="providers.csv", source="CQC")
    campaign = create_campaign(db, "care_capacity_tracker", "Care tracker")
    enrol(db, campaign, where=ContactFilter(source="CQC"))
    generate_round(db, campaign, MONDAY)
    return campaign


def test_the_held_call_comes_back_to_its_agent_before_any_new_one(db: Database) -> None:
    campaign = tracker(db)
    first = claim_next_task(db, "Sam", campaign, now=NOW)
    assert first is not None
    # the client dies; a minute later Sam starts again
    later = NOW + timedelta(minutes=1)
    back = resume_held_task(db, "Sam", campaign, now=later)
    assert back is not None and back.task_id == first.task_id and back.reason == "held"
    assert back.lease_expires_at > first.lease_expires_at
    # nobody else has it, even when the first lease would have run out
    assert resume_held_task(db, "Priya", campaign, now=later) is None
    others = [claim_next_task(db, "Priya", campaign, now=NOW + timedelta(minutes=6))
              for _ in range(3)]
    assert first.task_id not in [t.task_id for t in others if t is not None]


def test_nothing_to_give_back_when_the_call_was_finished_or_released(db: Database) -> None:
    campaign = tracker(db)
    assert resume_held_task(db, "Sam", campaign, now=NOW) is None
    task = claim_next_task(db, "Sam", campaign, now=NOW)
    assert task is not None
    record_outcome(db, task.task_id, "Sam", "no_answer", now=NOW)
    assert resume_held_task(db, "Sam", campaign, now=NOW) is None
    task = claim_next_task(db, "Sam", campaign, now=NOW)
    assert task is not None
    release_task(db, task.task_id, "Sam")
    assert resume_held_task(db, "Sam", campaign, now=NOW) is None


def _claim_then_wait(url: str, agent: str, campaign: int, results) -> None:  # type: ignore[no-untyped-def]
    try:
        db = open_database(url)
        task = claim_next_task(db, agent, campaign, now=NOW)
        results.put(task.task_id if task else None)
    except Exception as exc:  # reported to the test, which fails on it
        results.put(repr(exc))
        return
    time.sleep(600)          # mid-call, until killed


def _start_again(url: str, agent: str, campaign: int, results) -> None:  # type: ignore[no-untyped-def]
    try:
        db = open_database(url)
        moment = NOW + timedelta(minutes=1)
        held = resume_held_task(db, agent, campaign, now=moment)
        task = held or claim_next_task(db, agent, campaign, now=moment)
        results.put((agent, task.task_id if task else None, held is not None))
        db.close()
    except Exception as exc:  # reported to the test, which fails on it
        results.put((agent, repr(exc), False))


def test_a_killed_client_s_call_goes_back_to_the_same_agent(db: Database, db_url: str
                                                             ) -> None:
    campaign = tracker(db)
    ctx = multiprocessing.get_context("spawn")
    results, said = ctx.Queue(), ctx.Queue()   # a killed process may leave its queue locked
    dying = ctx.Process(target=_claim_then_wait, args=(db_url, "Sam", campaign, said))
    dying.start()
    try:
        claimed = said.get(timeout=120)
    finally:
        os.kill(dying.pid, signal.SIGKILL)
    assert isinstance(claimed, int), claimed
    dying.join(timeout=60)
    assert dying.exitcode == -signal.SIGKILL
    # another agent starts first, then Sam's client comes back
    for agent in ("Priya", "Sam"):
        worker = ctx.Process(target=_start_again, args=(db_url, agent, campaign, results))
        worker.start()
        worker.join(timeout=120)
    priya = results.get(timeout=10)
    sam = results.get(timeout=10)
    assert priya[0] == "Priya" and priya[1] not in (None, claimed) and not priya[2]
    assert sam == ("Sam", claimed, True)


def test_the_call_comes_back_even_after_the_sweep_let_its_lease_go(db: Database) -> None:
    from outbound.forms import open_form, save_draft
    from outbound.queue.campaigns import load_campaign
    from outbound.queue.claim import sweep_expired_leases

    campaign = tracker(db, providers=1)
    first = claim_next_task(db, "Sam", campaign, now=NOW)
    assert first is not None
    with db.read() as s:
        template = load_campaign(s, campaign)[1]
    opened = open_form(db, first.task_id, template)
    save_draft(db, first.task_id, "Sam", opened.form_version_id, {"beds_max": "40"},
               now=NOW + timedelta(minutes=1))
    # the client dies; the sweep lets the lease go; nobody has taken the call since
    assert sweep_expired_leases(db, now=NOW + timedelta(minutes=10)) == 1
    later = NOW + timedelta(minutes=12)
    assert resume_held_task(db, "Priya", campaign, now=later) is None   # not hers
    back = resume_held_task(db, "Sam", campaign, now=later)
    assert back is not None and back.task_id == first.task_id and back.reason == "held"
    assert open_form(db, first.task_id, template).answers["beds_max"] == "40"
    # Once someone else has taken it in the meantime, it is theirs, not Sam's.
    release_task(db, first.task_id, "Sam")
    taken = claim_next_task(db, "Priya", campaign, now=later + timedelta(minutes=1))
    assert taken is not None and taken.task_id == first.task_id
    release_task(db, first.task_id, "Priya")
    assert resume_held_task(db, "Sam", campaign, now=later + timedelta(minutes=2)) is None
