"""The campaigns list and the burn-down over every round read tallies the database
keeps (people enrolled, finished calls by minute), not every enrolment and task: after
any mix of enrolling, calls, outcomes, undoing, suppression, new rounds, moves and
deletes, what they show must be what counting gives, on both databases."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, timedelta

import pytest
from sqlalchemy import case, delete, func, select, text, update

from outbound import dashboard
from outbound.contacts import ContactFilter, suppress_contact
from outbound.dashboard import burndown, campaign_summaries
from outbound.db.models import (
    Contact,
    Enrolment,
    EnrolmentTally,
    Task,
    TaskFinishTally,
)
from outbound.queue.campaigns import create_campaign, enrol, generate_round
from outbound.queue.claim import claim_next_task, release_task
from outbound.queue.outcomes import record_outcome, resolve_escalation
from outbound.queue.undo import undo_last_outcome
from tests.test_queue import ANSWERS, TEN_AM, WEDNESDAY, add_contacts, tracker

pytestmark = pytest.mark.clock(TEN_AM)
THURSDAY = WEDNESDAY + timedelta(days=1)
FINISHED = ("done", "closed")


def _minute(when) -> int:  # type: ignore[no-untyped-def]
    return int(when.astimezone(UTC).timestamp() // 60)


def counted_finishes(db) -> Counter:  # type: ignore[no-untyped-def]
    with db.read() as s:
        rows = s.execute(select(Task.campaign_id, Task.round_key, Task.completed_at)
                         .where(Task.status.in_(FINISHED), Task.completed_at.is_not(None)))
        return Counter((c, r, _minute(at)) for c, r, at in rows)


def tallied_finishes(db) -> Counter:  # type: ignore[no-untyped-def]
    t = TaskFinishTally
    with db.read() as s:
        rows = s.execute(select(t.campaign_id, t.round_key, t.finished_minute, func.sum(t.tasks))
                         .group_by(t.campaign_id, t.round_key, t.finished_minute))
        return Counter({(c, r, int(m)): int(n) for c, r, m, n in rows if n})


def counted_enrolled(db) -> dict[int, int]:  # type: ignore[no-untyped-def]
    with db.read() as s:
        return dict(s.execute(select(Enrolment.campaign_id, func.count())
                              .where(Enrolment.active.is_(True))
                              .group_by(Enrolment.campaign_id)).all())


def tallied_enrolled(db) -> dict[int, int]:  # type: ignore[no-untyped-def]
    with db.read() as s:
        return {c: int(n) for c, n in s.execute(
            select(EnrolmentTally.campaign_id, func.sum(EnrolmentTally.enrolled))
            .group_by(EnrolmentTally.campaign_id)) if n}


def counted_summaries(db, today) -> list[tuple]:  # type: ignore[no-untyped-def]
    """What the campaigns list showed when it counted every enrolment and task."""
    key = today.isoformat()
    finished = case((Task.status.in_(FINISHED), 1), else_=0)
    opened = case((Task.status == "open", 1), else_=0)
    with db.read() as s:
        today_rows = {c: (n, d) for c, n, d in s.execute(
            select(Task.campaign_id, func.count(), func.sum(finished))
            .where(Task.round_key == key).group_by(Task.campaign_id))}
        all_rows = {c: (n, d, o) for c, n, d, o in s.execute(
            select(Task.campaign_id, func.count(), func.sum(finished), func.sum(opened))
            .group_by(Task.campaign_id))}
        kinds = dict(s.execute(text("SELECT id, kind FROM campaign")).all())
    enrolled = counted_enrolled(db)
    shown = []
    for cid, kind in sorted(kinds.items()):
        total, done, still = all_rows.get(cid, (0, 0, 0))
        if kind == "round":
            total, done = today_rows.get(cid, (0, 0))
        shown.append((cid, enrolled.get(cid, 0), total or 0, done or 0, still or 0))
    return shown


def shown_summaries(db, today) -> list[tuple]:  # type: ignore[no-untyped-def]
    return sorted((c.id, c.enrolled, c.today_total, c.today_finished, c.open_tasks)
                  for c in campaign_summaries(db, today))


def agree(db, today=WEDNESDAY) -> None:  # type: ignore[no-untyped-def]
    assert tallied_finishes(db) == counted_finishes(db)
    assert tallied_enrolled(db) == counted_enrolled(db)
    assert shown_summaries(db, today) == counted_summaries(db, today)


def call(db, agent, cid, code, at, **extra):  # type: ignore[no-untyped-def]
    task = claim_next_task(db, agent, cid, now=at)
    assert task is not None
    record_outcome(db, task.task_id, agent, code, now=at, duration_seconds=90, **extra)
    return task


def test_the_campaigns_list_is_what_counting_gives_after_any_mix_of_changes(db):
    cid = tracker(db, count=12)
    other = create_campaign(db, "care_capacity_tracker", "Second tracker")
    enrol(db, other, where=ContactFilter(source="Care providers"))
    generate_round(db, other, WEDNESDAY, now=TEN_AM)
    agree(db)

    at = TEN_AM
    for code, extra in (("completed", {"answers": ANSWERS}), ("no_answer", {}),
                        ("already_submitted", {}), ("engaged", {}),
                        ("needs_supervisor", {"reason": "A complaint"}),
                        ("asked_not_to_be_called", {})):   # closes their tasks in both
        at += timedelta(seconds=40)                         # some in the same minute
        call(db, "Sam", cid, code, at, **extra)
        agree(db)
    undone = call(db, "Priya", cid, "already_submitted", at)
    undo_last_outcome(db, "Priya", now=at + timedelta(seconds=30))   # finished, then not
    agree(db)
    release_task(db, undone.task_id)
    held = claim_next_task(db, "Tom", other, now=at)        # held: nothing finishes
    agree(db)
    with db.read() as s:
        escalated = s.scalar(select(Task.id).where(Task.escalated.is_(True)))
    resolve_escalation(db, escalated, close=True, now=at + timedelta(minutes=1))
    suppress_contact(db, held.contact_id, "deceased", source="Tell Us Once",
                     recorded_by="Ana", now=at + timedelta(minutes=2))
    agree(db)

    add_contacts(db, 3, source="Late additions")            # enrolled after the round
    enrol(db, cid, where=ContactFilter(source="Late additions"))
    generate_round(db, cid, THURSDAY, now=TEN_AM + timedelta(days=1))  # closes Wednesday's
    agree(db)
    agree(db, THURSDAY)

    with db.write() as s:
        first, second = s.scalars(select(Task.id).where(Task.campaign_id == other)
                                  .order_by(Task.id).limit(2)).all()
        s.execute(update(Task).where(Task.id == first).values(round_key="list"))
        s.execute(update(Task).where(Task.id == second).values(campaign_id=cid,
                                                                  round_key="moved"))
        for done in s.scalars(select(Task).where(Task.status == "done")):
            done.completed_at += timedelta(minutes=3)              # finishing times move
        s.execute(update(Enrolment).where(Enrolment.campaign_id == other,
                                          Enrolment.contact_id <= 3).values(active=False))
        s.execute(delete(Task).where(Task.campaign_id == other, Task.status == "closed"))
    agree(db)

    with db.write() as s:   # a person removed takes their tasks and enrolments with them
        lone = s.scalar(select(Contact.id).where(Contact.source == "Late additions")
                        .order_by(Contact.id.desc()).limit(1))
        s.execute(text("DELETE FROM contact_phone WHERE contact_id = :c"), {"c": lone})
        s.execute(delete(Contact).where(Contact.id == lone))
    agree(db, THURSDAY)

    with pytest.raises(RuntimeError), db.write() as s:   # nothing of a rolled-back change
        s.execute(update(Task).values(status="done", completed_at=TEN_AM))
        s.execute(update(Enrolment).values(active=False))
        raise RuntimeError
    agree(db, THURSDAY)


def test_the_burn_down_of_every_round_is_what_counting_gives_by_the_minute(db, monkeypatch):
    cid = tracker(db, count=15)
    at = TEN_AM
    for code in ("already_submitted", "no_answer", "already_submitted", "wrong_number",
                 "already_submitted"):
        at += timedelta(seconds=25)
        call(db, "Sam", cid, code, at)
    thursday = TEN_AM + timedelta(days=1)
    generate_round(db, cid, THURSDAY, now=thursday)          # Wednesday's rest close at once
    for code in ("already_submitted", "asked_not_to_be_called"):
        thursday += timedelta(seconds=50)
        call(db, "Priya", cid, code, thursday)
    now = thursday + timedelta(minutes=30)
    exact = {key: burndown(db, cid, key, now=now) for key in (None, "2026-11-25")}

    monkeypatch.setattr(dashboard, "EXACT_FINISHES", 0)      # as if a million were finished
    for key in (None, "2026-11-25", "2026-11-26"):
        with db.read() as s:
            tasks = [t for t in s.scalars(select(Task).where(Task.campaign_id == cid))
                     if key in (None, t.round_key)]
        finished = sorted(t.completed_at for t in tasks
                          if t.status in FINISHED and t.completed_at is not None)
        by_minute = sorted(Counter(_minute(when) for when in finished).items())
        chart = burndown(db, cid, key, now=now)
        assert chart.total == len(tasks) and chart.left_now == len(tasks) - len(finished)
        assert chart.points[0] == (min(t.created_at for t in tasks), len(tasks))
        left, expected = len(tasks), []
        for minute, count in by_minute:
            left -= count
            expected.append((min(_start(minute + 1), now), left))
        assert chart.points[1:len(expected) + 1] == expected
        assert chart.points[-1] == (now, chart.left_now)
        if key in exact:        # the same totals as reading each finish
            assert (chart.total, chart.left_now) == (exact[key].total, exact[key].left_now)


def test_a_long_campaign_s_burn_down_reads_its_finishes_in_spans(db, monkeypatch):
    """Finishes spread over more minutes than the chart has room for are read in spans,
    each point at a span's end: the same totals, and the points counting would give."""
    cid = tracker(db, count=12)
    for day in range(6):
        at = TEN_AM + timedelta(days=day, minutes=37 * day)
        if day:
            generate_round(db, cid, WEDNESDAY + timedelta(days=day), now=at)
        call(db, "Sam", cid, "already_submitted", at + timedelta(seconds=20))
        call(db, "Sam", cid, "wrong_number", at + timedelta(minutes=3))
    now = TEN_AM + timedelta(days=6)
    monkeypatch.setattr(dashboard, "EXACT_FINISHES", 0)
    chart = burndown(db, cid, None, now=now, max_points=10)
    with db.read() as s:
        tasks = list(s.scalars(select(Task).where(Task.campaign_id == cid)))
    first = min(t.created_at for t in tasks)
    every = int((now - first).total_seconds() // 60 // (dashboard.BUCKETS_A_POINT * 10))
    assert every > 60
    spans = Counter(_minute(t.completed_at) // every for t in tasks
                    if t.status in FINISHED and t.completed_at is not None)
    left, expected = len(tasks), []
    for span, count in sorted(spans.items()):
        left -= count
        expected.append((min(_start((span + 1) * every), now), left))
    step = max(1, len(expected) // 10)
    thinned = [point for index, point in enumerate(expected, start=1)
               if index % step == 0 or index == len(expected)]
    assert chart.points == [(first, len(tasks)), *thinned, (now, left)]
    assert (chart.total, chart.left_now) == (len(tasks), left)


def _start(minute: int):  # type: ignore[no-untyped-def]
    from datetime import datetime

    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(minutes=minute)
