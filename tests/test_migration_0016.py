"""Migration 0016: the enrolment and finished-call tallies start from what is there, keep
up from then on, and go again on the way down, leaving task_tally kept as before."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import inspect

from outbound.contacts import ContactFilter
from outbound.db.migrate import current_revision, head_revision
from outbound.queue.campaigns import enrol
from outbound.queue.claim import claim_next_task
from outbound.queue.outcomes import record_outcome
from tests.migrating import migrate
from tests.test_dashboard_tally import counted, tallied
from tests.test_list_tallies import (
    counted_enrolled,
    counted_finishes,
    tallied_enrolled,
    tallied_finishes,
)
from tests.test_queue import TEN_AM, add_contacts, tracker

NEW = {"enrolment_tally", "task_finish_tally"}


def _call(db, cid, at) -> None:  # type: ignore[no-untyped-def]
    task = claim_next_task(db, "Sam", cid, now=at)
    record_outcome(db, task.task_id, "Sam", "already_submitted", now=at)


def test_the_new_tallies_start_from_the_stored_calls_and_go_again(db):
    assert current_revision(db) == head_revision()
    cid = tracker(db, count=8)
    _call(db, cid, TEN_AM)
    try:
        migrate(db, "downgrade", "0015")
        assert not NEW & set(inspect(db.engine).get_table_names())
        _call(db, cid, TEN_AM + timedelta(minutes=1))     # task_tally kept by 0015 alone
        assert tallied(db) == counted(db)
        migrate(db, "upgrade", "head")
        assert current_revision(db) == head_revision()
        assert sum(counted_finishes(db).values()) == 2
        assert tallied_finishes(db) == counted_finishes(db)
        assert tallied_enrolled(db) == counted_enrolled(db) == {cid: 8}
        _call(db, cid, TEN_AM + timedelta(minutes=2))
        add_contacts(db, 2, source="Later")
        enrol(db, cid, where=ContactFilter(source="Later"))
        assert tallied_finishes(db) == counted_finishes(db)
        assert tallied_enrolled(db) == counted_enrolled(db) == {cid: 10}
        assert tallied(db) == counted(db)
    finally:
        migrate(db, "upgrade", "head")
