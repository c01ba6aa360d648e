"""The call queue on both databases: claims, leases, outcomes, call-backs, suppression."""

from __future__ import annotations

import multiprocessing
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from outbound.campaigns.template import get_template
from outbound.contacts import ContactFilter, suppress_contact
from outbound.dashboard import agent_day
from outbound.db import open_database
from outbound.db.models import Attempt, Task
from outbound.forms import form_of
from outbound.forms.examples import example_answers
from outbound.importing import import_rows
from outbound.queue.campaigns import create_campaign, enrol, generate_round
from outbound.queue.claim import claim_next_task, renew_lease
from outbound.queue.outcomes import OutcomeError, record_outcome
from outbound.queue.status import queue_status
from outbound.users import UserError, add_user

LONDON = ZoneInfo("Europe/London")
WEDNESDAY = date(2026, 11, 25)
TEN_AM = datetime(2026, 11, 25, 10, 0, tzinfo=LONDON)
ANSWERS = example_answers(form_of(get_template("care_capacity_tracker")))


def add_contacts(db, count, source="Care providers"):
    rows = [(i + 2, [f"Home {i}", f"0113 496 {i:04d}", f"REF{i}"]) for i in range(count)]
    import_rows(db, ["Name", "Telephone", "Reference"], rows, file_name="test",
                source=source, kind="organisation")


def tracker(db, count=20, name="Care tracker"):
    add_contacts(db, count)
    for agent in ("Sam", "Priya", "Tom"):
        add_user(db, agent)
    cid = create_campaign(db, "care_capacity_tracker", name)
    enrol(db, cid, where=ContactFilter(source="Care providers"))
    generate_round(db, cid, WEDNESDAY, now=TEN_AM)
    return cid


def task_count(db, **where):
    with db.read() as s:
        stmt = select(func.count(Task.id))
        for key, value in where.items():
            stmt = stmt.where(getattr(Task, key) == value)
        return s.scalar(stmt)


def test_two_agents_never_get_the_same_task(db):
    cid = tracker(db)
    first = claim_next_task(db, "Sam", cid, now=TEN_AM)
    second = claim_next_task(db, "Priya", cid, now=TEN_AM)
    assert first and second and first.task_id != second.task_id
    assert first.contact_id != second.contact_id


def test_a_dead_client_loses_its_task_after_the_lease(db):
    cid = tracker(db, count=1)
    held = claim_next_task(db, "Sam", cid, now=TEN_AM)
    assert claim_next_task(db, "Priya", cid, now=TEN_AM + timedelta(minutes=1)) is None
    assert renew_lease(db, held.task_id, "Sam", now=TEN_AM + timedelta(minutes=2))
    later = TEN_AM + timedelta(minutes=8)     # Sam's client died: no more renewals
    taken = claim_next_task(db, "Priya", cid, now=later)
    assert taken is not None and taken.task_id == held.task_id
    assert renew_lease(db, held.task_id, "Sam", now=later) is None
    with pytest.raises(OutcomeError, match="no longer yours"):
        record_outcome(db, held.task_id, "Sam", "completed", answers=ANSWERS, now=later)


def test_no_answer_comes_back_after_two_hours_and_says_why_meanwhile(db):
    cid = tracker(db, count=1)
    task = claim_next_task(db, "Sam", cid, now=TEN_AM)
    record_outcome(db, task.task_id, "Sam", "no_answer", now=TEN_AM)
    hour_later = TEN_AM + timedelta(hours=1)
    assert claim_next_task(db, "Sam", cid, now=hour_later) is None
    status = queue_status(db, "Sam", cid, now=hour_later)
    assert status.retries_waiting == 1
    assert "1 retries from 12:00" in status.sentence()
    again = claim_next_task(db, "Sam", cid, now=TEN_AM + timedelta(hours=2))
    assert again is not None and again.reason == "retry" and again.attempts == 1
    with db.read() as s:
        assert s.scalar(select(func.count(Attempt.id))) == 1


def test_call_back_goes_to_its_owner_first_and_obeys_calling_hours(db):
    cid = tracker(db, count=3)
    task = claim_next_task(db, "Sam", cid, now=TEN_AM)
    at_three = TEN_AM.replace(hour=15)
    with pytest.raises(OutcomeError, match="already passed"):
        record_outcome(db, task.task_id, "Sam", "call_back", now=TEN_AM,
                       callback_at=TEN_AM - timedelta(hours=1))
    late = TEN_AM.replace(hour=22)
    with pytest.raises(OutcomeError, match="outside calling hours"):
        record_outcome(db, task.task_id, "Sam", "call_back", now=TEN_AM, callback_at=late)
    record_outcome(db, task.task_id, "Sam", "call_back", now=TEN_AM, callback_at=at_three)
    # Priya works the list meanwhile; at three Sam's call-back comes first for Sam only.
    for _ in range(2):
        other = claim_next_task(db, "Priya", cid, now=TEN_AM)
        record_outcome(db, other.task_id, "Priya", "completed", answers=ANSWERS, now=TEN_AM)
    assert claim_next_task(db, "Priya", cid, now=at_three) is None
    # each agent's own day: calls made, and the call-backs they promised for today
    sam, priya = agent_day(db, "Sam", now=at_three), agent_day(db, "Priya", now=at_three)
    assert (sam.calls, sam.callbacks_due) == (1, 1)
    assert (priya.calls, priya.spoken_to, priya.callbacks_due) == (2, 2, 0)
    mine = claim_next_task(db, "Sam", cid, now=at_three)
    assert mine.task_id == task.task_id and mine.reason == "callback"
    assert agent_day(db, "Sam", now=at_three + timedelta(days=1)).calls == 0


def test_a_call_back_the_person_asked_for_may_be_outside_hours(db):
    cid = tracker(db, count=1)
    task = claim_next_task(db, "Sam", cid, now=TEN_AM)
    evening = TEN_AM.replace(hour=20, minute=30)
    record_outcome(db, task.task_id, "Sam", "call_back", now=TEN_AM, callback_at=evening,
                   person_asked=True, callback_for=None)
    assert claim_next_task(db, "Tom", cid, now=evening).task_id == task.task_id


def test_suppression_closes_every_open_task_in_every_campaign(db):
    cid = tracker(db, count=2)
    other = create_campaign(db, "welfare_check", "Having a chat")
    enrol(db, other, where=ContactFilter(source="Care providers"))
    task = claim_next_task(db, "Sam", cid, now=TEN_AM)
    record_outcome(db, task.task_id, "Sam", "asked_not_to_be_called", now=TEN_AM,
                   notes="Manager asked us to stop calling")
    with db.read() as s:
        open_for_contact = s.scalar(select(func.count(Task.id)).where(
            Task.contact_id == task.contact_id, Task.status == "open"))
    assert open_for_contact == 0
    for _ in range(3):
        claimed = claim_next_task(db, "Priya", other, now=TEN_AM + timedelta(hours=3))
        assert claimed is None or claimed.contact_id != task.contact_id


def test_suppressing_a_contact_directly_closes_tasks_too(db):
    cid = tracker(db, count=1)
    with db.read() as s:
        contact_id = s.scalar(select(Task.contact_id))
    suppress_contact(db, contact_id, "asked_not_to_be_called", source="letter")
    assert claim_next_task(db, "Sam", cid, now=TEN_AM) is None
    assert task_count(db, status="open") == 0


def test_nobody_is_called_twice_within_the_hour_across_campaigns(db):
    cid = tracker(db, count=1)
    chat = create_campaign(db, "welfare_check", "Having a chat")
    enrol(db, chat, where=ContactFilter(source="Care providers"), now=TEN_AM)
    task = claim_next_task(db, "Sam", cid, now=TEN_AM)
    assert claim_next_task(db, "Priya", chat, now=TEN_AM) is None   # on a call now
    record_outcome(db, task.task_id, "Sam", "completed", answers=ANSWERS, now=TEN_AM)
    assert claim_next_task(db, "Priya", chat, now=TEN_AM + timedelta(minutes=30)) is None
    status = queue_status(db, "Priya", chat, now=TEN_AM + timedelta(minutes=30))
    assert status.repeat_call_gap == 1
    assert claim_next_task(db, "Priya", chat, now=TEN_AM + timedelta(minutes=61))


def test_bad_requests_change_nothing(db):
    cid = tracker(db, count=1)
    task = claim_next_task(db, "Sam", cid, now=TEN_AM)
    with pytest.raises(OutcomeError, match="not an outcome"):
        record_outcome(db, task.task_id, "Sam", "went_to_lunch", now=TEN_AM)
    with pytest.raises(UserError, match="no agent called"):
        claim_next_task(db, "Nobody", cid, now=TEN_AM)
    with db.read() as s:
        assert s.scalar(select(func.count(Attempt.id))) == 0


def test_generating_a_round_twice_makes_one_set_of_tasks(db):
    cid = tracker(db, count=5)
    again = generate_round(db, cid, WEDNESDAY, now=TEN_AM)
    assert again.created == 0
    assert task_count(db, round_key="2026-11-25") == 5
    tomorrow = generate_round(db, cid, WEDNESDAY + timedelta(days=1), now=TEN_AM)
    assert tomorrow.created == 5 and tomorrow.closed_from_earlier_rounds == 5


@pytest.mark.parametrize("day, opens_utc", [
    (date(2026, 3, 29), datetime(2026, 3, 29, 7, 0, tzinfo=ZoneInfo("UTC"))),
    (date(2026, 10, 25), datetime(2026, 10, 25, 8, 0, tzinfo=ZoneInfo("UTC"))),
])
def test_calling_hours_hold_across_the_clock_changes(db, day, opens_utc):
    cid = tracker(db, count=1)
    generate_round(db, cid, day, now=opens_utc - timedelta(hours=1))
    assert claim_next_task(db, "Sam", cid, now=opens_utc - timedelta(minutes=1)) is None
    status = queue_status(db, "Sam", cid, now=opens_utc - timedelta(minutes=1))
    assert status.outside_hours and status.opens_at == opens_utc
    assert claim_next_task(db, "Sam", cid, now=opens_utc) is not None


def _work_the_queue(url: str, agent: str, campaign: int, results) -> None:
    db = open_database(url)
    done = 0
    try:
        while True:
            task = claim_next_task(db, agent, campaign, now=TEN_AM)
            if task is None:
                break
            record_outcome(db, task.task_id, agent, "completed", answers=ANSWERS, now=TEN_AM)
            done += 1
        results.put((agent, done, None))
    except Exception as exc:  # reported to the test, which fails on it
        results.put((agent, done, repr(exc)))
    finally:
        db.close()


def test_eight_processes_complete_every_task_exactly_once(db, db_url):
    add_contacts(db, 400)
    agents = [f"Agent {i}" for i in range(8)]
    for agent in agents:
        add_user(db, agent)
    cid = create_campaign(db, "care_capacity_tracker", "Busy day",
                          overrides={"repeat_call_gap": "0m"})
    enrol(db, cid, where=ContactFilter(source="Care providers"))
    generate_round(db, cid, WEDNESDAY, now=TEN_AM)
    ctx = multiprocessing.get_context("spawn")
    results = ctx.Queue()
    workers = [ctx.Process(target=_work_the_queue, args=(db_url, a, cid, results))
               for a in agents]
    for p in workers:
        p.start()
    outcomes = [results.get(timeout=300) for _ in workers]
    for p in workers:
        p.join(timeout=60)
    assert [error for _, _, error in outcomes if error] == []
    assert sum(done for _, done, _ in outcomes) == 400
    with db.read() as s:
        per_task = s.execute(select(Attempt.task_id, func.count()).group_by(Attempt.task_id)
                             ).all()
    assert len(per_task) == 400 and all(count == 1 for _, count in per_task)
    assert task_count(db, status="done") == 400


def _generate(url: str, campaign: int, results) -> None:
    db = open_database(url)
    results.put(generate_round(db, campaign, WEDNESDAY + timedelta(days=1), now=TEN_AM).created)
    db.close()


def test_two_processes_generating_one_round_make_one_set(db, db_url):
    cid = tracker(db, count=300)
    ctx = multiprocessing.get_context("spawn")
    results = ctx.Queue()
    workers = [ctx.Process(target=_generate, args=(db_url, cid, results)) for _ in range(2)]
    for p in workers:
        p.start()
    created = sorted(results.get(timeout=120) for _ in workers)
    for p in workers:
        p.join(timeout=60)
    assert sum(created) == 300
    assert task_count(db, round_key="2026-11-26") == 300
