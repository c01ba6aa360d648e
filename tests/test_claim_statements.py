"""On PostgreSQL a claim and most outcomes are two statements each, in autocommit mode:
what they write must be all or nothing, and an outcome whose call changed hands
between its read and its write must write nothing and say so."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event, func, select, text, update
from sqlalchemy.exc import DBAPIError

from outbound.audit import AuditFilter, search_audit
from outbound.db import database as database_module
from outbound.db import open_database
from outbound.db.models import Attempt, Contact, Task, User
from outbound.queue import outcomes
from outbound.queue.campaigns import CampaignError, set_status, update_campaign
from outbound.queue.claim import claim_next_task, release_task
from outbound.queue.outcome_write import one_statement_session
from outbound.queue.outcomes import OutcomeError, record_outcome
from outbound.users import UserError
from tests.test_queue import ANSWERS, TEN_AM, tracker

pytestmark = pytest.mark.clock(TEN_AM)
POSTGRES_ONLY = pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)


class Statements:
    """The statements a block sends, BEGIN and COMMIT included."""

    def __init__(self, db) -> None:  # type: ignore[no-untyped-def]
        self.db = db
        self.sent: list[str] = []

    def _seen(self, conn, cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        self.sent.append(" ".join(statement.split())[:60])

    @staticmethod
    def _autocommit(conn) -> bool:  # type: ignore[no-untyped-def]
        return conn.get_execution_options().get("isolation_level") == "AUTOCOMMIT"

    def _begun(self, conn) -> None:  # type: ignore[no-untyped-def]
        if not self._autocommit(conn):       # in autocommit mode nothing is sent
            self.sent.append("BEGIN")

    def _committed(self, conn) -> None:  # type: ignore[no-untyped-def]
        if not self._autocommit(conn):
            self.sent.append("COMMIT")

    def __enter__(self) -> Statements:
        event.listen(self.db.engine, "before_cursor_execute", self._seen)
        event.listen(self.db.engine, "begin", self._begun)
        event.listen(self.db.engine, "commit", self._committed)
        return self

    def __exit__(self, *_exc: object) -> None:
        event.remove(self.db.engine, "before_cursor_execute", self._seen)
        event.remove(self.db.engine, "begin", self._begun)
        event.remove(self.db.engine, "commit", self._committed)


@POSTGRES_ONLY
def test_a_claim_and_a_plain_outcome_are_two_statements_each(db):
    cid = tracker(db, count=3)
    claim_next_task(db, "Sam", cid, now=TEN_AM)          # the first connects and looks
    with Statements(db) as claim:
        task = claim_next_task(db, "Priya", cid, now=TEN_AM)
    assert task is not None and len(claim.sent) == 2, claim.sent
    with Statements(db) as outcome:
        record_outcome(db, task.task_id, "Priya", "no_answer", now=TEN_AM)
    assert len(outcome.sent) == 2, outcome.sent
    with db.read() as s:
        stored = s.get(Task, task.task_id)
        assert (stored.attempts, stored.holder_id, stored.last_outcome) == (1, None,
                                                                            "no_answer")
        assert s.get(Contact, task.contact_id).busy_until is None
    opened = search_audit(db, AuditFilter(action="record_opened", contact_id=task.contact_id))
    assert [(e.actor, e.summary, e.detail) for e in opened] == [
        ("Priya", f"Opened on the call screen: call {task.task_id} (fresh).",
         {"task": task.task_id, "how": "fresh"})]


@POSTGRES_ONLY
def test_an_outcome_whose_call_was_released_after_its_read_writes_nothing(db, monkeypatch):
    cid = tracker(db, count=2)
    task = claim_next_task(db, "Sam", cid, now=TEN_AM)
    read = outcomes._load

    def read_then_release(session, task_id, agent, **how):  # type: ignore[no-untyped-def]
        found = read(session, task_id, agent, **how)
        release_task(db, task_id)      # a supervisor frees it between the read and the write
        return found

    monkeypatch.setattr(outcomes, "_load", read_then_release)
    with pytest.raises(OutcomeError, match="no longer yours"):
        record_outcome(db, task.task_id, "Sam", "already_submitted", now=TEN_AM)
    with db.read() as s:
        assert s.scalar(select(func.count(Attempt.id))) == 0
        stored = s.get(Task, task.task_id)
        assert (stored.status, stored.attempts, stored.holder_id) == ("open", 0, None)


@POSTGRES_ONLY
def test_an_outcome_whose_call_someone_else_finished_meanwhile_is_not_recorded_twice(
        db, monkeypatch):
    cid = tracker(db, count=2)
    task = claim_next_task(db, "Sam", cid, now=TEN_AM)
    read = outcomes._load
    finished: list[bool] = []

    def read_then_finish_elsewhere(session, task_id, agent, **how):  # type: ignore[no-untyped-def]
        found = read(session, task_id, agent, **how)
        if not finished:               # Sam's other window records it first
            finished.append(True)
            record_outcome(db, task_id, "Sam", "already_submitted", now=TEN_AM)
        return found

    monkeypatch.setattr(outcomes, "_load", read_then_finish_elsewhere)
    with pytest.raises(OutcomeError, match="already been finished"):
        record_outcome(db, task.task_id, "Sam", "no_answer", now=TEN_AM)
    with db.read() as s:
        assert s.scalars(select(Attempt.outcome)).all() == ["already_submitted"]
        assert s.get(Task, task.task_id).status == "done"


@POSTGRES_ONLY
def test_outcomes_that_write_more_run_as_one_transaction(db):
    cid = tracker(db, count=2)
    task = claim_next_task(db, "Sam", cid, now=TEN_AM)
    with Statements(db) as outcome:
        record_outcome(db, task.task_id, "Sam", "completed", answers=ANSWERS, now=TEN_AM)
    assert "BEGIN" in outcome.sent and outcome.sent[-1] == "COMMIT"
    later = claim_next_task(db, "Sam", cid, now=TEN_AM + timedelta(minutes=5))
    record_outcome(db, later.task_id, "Sam", "asked_not_to_be_called",
                   now=TEN_AM + timedelta(minutes=6))
    with db.read() as s:
        assert s.get(Contact, later.contact_id).do_not_call is True


@POSTGRES_ONLY
def test_the_one_statement_read_cannot_write_by_mistake(db):
    with db.engine.connect() as connection, one_statement_session(connection) as session:
        session.add(User(name="Nobody"))
        with pytest.raises(AssertionError, match="may not flush"):
            session.flush()
        with pytest.raises(AssertionError, match="may not write"):
            session.execute(update(User).values(active=False))
    with db.read() as s:
        assert s.scalar(select(func.count(User.id))) == 0


@POSTGRES_ONLY
def test_a_connection_dropped_while_idle_is_replaced_unseen(db_url, monkeypatch):
    monkeypatch.setattr(database_module, "PING_AFTER_IDLE_S", 0.0)
    db = open_database(db_url)
    try:
        with db.read() as s:
            pid = s.scalar(text("SELECT pg_backend_pid()"))
        other = open_database(db_url)
        with other.read() as s:
            s.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid})
        other.close()
        with db.read() as s:              # the pool finds it dead and connects anew
            assert s.scalar(text("SELECT pg_backend_pid()")) != pid
        monkeypatch.setattr(database_module, "PING_AFTER_IDLE_S", 3600.0)
        with db.read() as s:
            pid = s.scalar(text("SELECT pg_backend_pid()"))
        other = open_database(db_url)
        with other.read() as s:
            s.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid})
        other.close()
        with pytest.raises(DBAPIError), db.read() as s:   # used a moment ago: not checked
            s.scalar(text("SELECT 1"))
        with db.read() as s:                              # but the next one is new
            assert s.scalar(text("SELECT 1")) == 1
    finally:
        db.close()


def test_a_claim_sees_at_once_a_campaign_paused_or_changed_and_an_agent_switched_off(db):
    """On PostgreSQL the claim remembers the agent and campaign it last read and checks
    them inside its own statement; whatever changed, the next claim knows."""
    cid = tracker(db, count=6)
    first = claim_next_task(db, "Sam", cid, now=TEN_AM)
    assert first is not None and first.lease_expires_at == TEN_AM + timedelta(minutes=5)
    update_campaign(db, cid, overrides={"lease": "20m"})
    second = claim_next_task(db, "Sam", cid, now=TEN_AM)
    assert second is not None and second.lease_expires_at == TEN_AM + timedelta(minutes=20)
    update_campaign(db, cid, name="Renamed tracker")
    with pytest.raises(CampaignError, match="There is no campaign called “Care tracker”"):
        claim_next_task(db, "Sam", "Care tracker", now=TEN_AM)
    assert claim_next_task(db, "Sam", "Renamed tracker", now=TEN_AM) is not None
    set_status(db, cid, "paused")
    with pytest.raises(CampaignError, match="is paused: there is nothing to call"):
        claim_next_task(db, "Sam", cid, now=TEN_AM)
    set_status(db, cid, "active")
    assert claim_next_task(db, "Priya", cid, now=TEN_AM) is not None
    with db.write() as s:
        s.execute(update(User).where(User.name == "Priya").values(active=False))
    with pytest.raises(UserError, match="There is no agent called “Priya”"):
        claim_next_task(db, "Priya", cid, now=TEN_AM)
    with db.read() as s:
        held = s.scalars(select(Task.holder_id).where(Task.holder_id.is_not(None))).all()
    assert len(held) == 4          # Sam's three and Priya's one, each taken once


@POSTGRES_ONLY
def test_the_driver_remembers_the_claim_s_statement_rather_than_converting_it_each_time(db):
    from psycopg import _queries
    from sqlalchemy.dialects import postgresql

    from outbound.queue.claim_statement import claim_statement

    longest = max(len(str(claim_statement(True, hours, audited).compile(
        dialect=postgresql.psycopg.dialect()))) for hours in (True, False)
        for audited in (True, False))
    assert longest <= database_module.LONGEST_REMEMBERED_STATEMENT
    assert longest <= _queries.MAX_CACHED_STATEMENT_LENGTH
