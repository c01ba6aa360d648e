"""Retention: each template says how long its records are kept; the daily job removes
what is past it, once a day however many clients run it, and leaves legal holds alone."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from outbound.audit import AuditFilter, search_audit
from outbound.campaigns import TemplateError, load_templates, parse_template
from outbound.db import open_database
from outbound.db.capture_models import AnswerFlag, AnswerSet, FormDraft
from outbound.db.models import Attempt, Task
from outbound.db.schedule_models import JobRun
from outbound.rights import set_legal_hold
from outbound.rights.retention import apply_retention, months_before, plan_retention
from outbound.schedule import run_job
from outbound.schedule.jobs import retention_job
from tests.rights_people import add_rich_person
from tests.test_templates import GOOD, line_of

# 13 months after the call: past welfare_check's 12 months for answers and notes, not
# its 24 for calls.
LATER = datetime(2027, 4, 6, 6, 0, tzinfo=UTC)


def test_every_shipped_template_says_how_long_it_keeps_calls_answers_and_notes():
    for code, template in load_templates().items():
        kept = template.retention
        assert kept.calls and kept.answers and kept.notes, code
    tracker = load_templates()["care_capacity_tracker"].retention
    assert (tracker.answers, tracker.notes) == (24, 12)


@pytest.mark.parametrize("setting, problem", [
    ('answers = "two years"', "[retention] has answers “two years”; write how long"),
    ('notes = "90 days"', "[retention] has notes “90 days”"),
    ('answer = "2 years"', "has no setting “answer”; did you mean “answers”?"),
    ("calls = 24", "has calls 24; it should be text in quotes"),
])
def test_a_retention_mistake_names_the_line(setting, problem):
    text = GOOD + f"\n[retention]\nbookings = \"1 year\"\n{setting}\n"
    with pytest.raises(TemplateError) as caught:
        parse_template(text)
    assert problem in str(caught.value)
    assert caught.value.line == line_of(text, setting)


def test_periods_in_months_and_years():
    kept = parse_template(GOOD + '\n[retention]\nanswers = "2 years"\nnotes = "18 months"\n'
                          ).retention
    assert (kept.answers, kept.notes, kept.calls, kept.bookings) == (24, 18, None, None)
    assert months_before(date(2027, 3, 31), 1) == date(2027, 2, 28)
    assert months_before(date(2027, 4, 6), 13) == date(2026, 3, 6)


def closed_person(db) -> dict:
    ids = add_rich_person(db, starts_at=datetime(2026, 3, 9, 10, tzinfo=UTC))
    with db.write() as s:
        s.execute(update(Task).values(status="closed", completed_at=datetime(
            2026, 3, 2, 11, tzinfo=UTC)))
    return ids


def counts(db) -> tuple:
    with db.read() as s:
        return (s.scalar(select(func.count(Attempt.id))),
                s.scalar(select(func.count(AnswerSet.id))),
                s.scalar(select(func.count(AnswerFlag.id))),
                s.scalar(select(func.count()).select_from(FormDraft)),
                s.scalar(select(Attempt.notes)), s.scalar(select(Task.escalation_note)))


def test_check_lists_what_would_go_and_run_removes_it_once(db):
    closed_person(db)
    before = counts(db)
    plan = plan_retention(db, now=LATER)
    assert [(i.campaign, i.kind, i.count) for i in plan.items] == [
        ("Having a chat", "answers", 1), ("Having a chat", "notes", 3)]
    assert plan.items[0].sentence() == ("Having a chat: 1 answer set from before "
                                        "6 April 2026 (12 months) to be deleted.")
    assert counts(db) == before
    assert plan_retention(db, now=LATER - timedelta(days=60)).items == ()

    done = apply_retention(db, now=LATER, actor="Priya")
    assert done.summary(done=True) == ("Removed what was past its retention period: "
                                       "1 answer set, 3 calls with notes.")
    assert counts(db) == (1, 0, 0, 0, None, None)           # the call itself stays
    with db.read() as s:
        assert s.scalar(select(Attempt.outcome)) == "needs_supervisor"
    assert apply_retention(db, now=LATER).items == ()
    entries = search_audit(db, AuditFilter(action="retention_run"))
    assert [e.summary for e in entries][-1] == done.summary(done=True)

    later = apply_retention(db, now=LATER + timedelta(days=366))
    assert [(i.kind, i.count) for i in later.items] == [("calls", 1)]
    assert counts(db)[0] == 0


def test_a_legal_hold_keeps_everything(db):
    ids = closed_person(db)
    set_legal_hold(db, ids["contact"], "Claim 88", by="Priya", now=LATER)
    before = counts(db)
    assert plan_retention(db, now=LATER).items == ()
    apply_retention(db, now=LATER)
    assert counts(db) == before


def test_three_clients_running_the_daily_job_at_once_do_the_work_once(db_url, db):
    closed_person(db)
    job = retention_job()
    fire = datetime(2027, 4, 6, 4, 0, tzinfo=UTC)          # 05:00 in London
    clients = [open_database(db_url) for _ in range(3)]
    start = threading.Barrier(3)
    outcomes = []

    def run(index: int) -> None:
        start.wait()
        outcomes.append(run_job(clients[index], job, fire, now=LATER,
                                client=f"desk-{index}"))

    threads = [threading.Thread(target=run, args=(i,)) for i in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    for client in clients:
        client.close()
    assert sorted(o.status for o in outcomes) == ["done", "skipped", "skipped"]
    done = next(o for o in outcomes if o.status == "done")
    assert done.result == ("Removed what was past its retention period: 1 answer set, "
                           "3 calls with notes.")
    assert len(search_audit(db, AuditFilter(action="retention_run"))) == 1
    with db.read() as s:
        assert s.scalar(select(func.count(JobRun.id))) == 1
    assert counts(db)[1] == 0
