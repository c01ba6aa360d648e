"""Counts of a campaign's tasks by round and status, of its finished tasks by minute,
and of its people enrolled, read from ``task_tally``, ``task_finish_tally`` and
``enrolment_tally``.

Triggers keep the tallies as tasks and enrolments change (migrations 0015 and 0016), so
these read a few rows however many tasks a round has. A count is the sum of its shards.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from outbound.db.models import EnrolmentTally, Task, TaskFinishTally, TaskTally

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def status_counts(session: Session, campaign_id: int, round_key: str | None = None
                  ) -> dict[str, int]:
    """Tasks in each status, of one round or (``round_key`` None) of every round."""
    stmt = select(TaskTally.status, func.sum(TaskTally.tasks)).where(
        TaskTally.campaign_id == campaign_id)
    if round_key is not None:
        stmt = stmt.where(TaskTally.round_key == round_key)
    counts = session.execute(stmt.group_by(TaskTally.status)).all()
    return {status: int(count) for status, count in counts if count}


def tallied_rounds(campaign_id: int) -> Select[tuple[str, str]]:
    """(round, status) of the campaign with at least one task."""
    return (select(TaskTally.round_key, TaskTally.status)
            .where(TaskTally.campaign_id == campaign_id)
            .group_by(TaskTally.round_key, TaskTally.status)
            .having(func.sum(TaskTally.tasks) > 0))


def round_keys_of(session: Session, campaign_id: int, limit: int) -> list[str]:
    """The campaign's rounds that have tasks, latest first."""
    stmt = (select(TaskTally.round_key).where(TaskTally.campaign_id == campaign_id)
            .group_by(TaskTally.round_key).having(func.sum(TaskTally.tasks) > 0)
            .order_by(TaskTally.round_key.desc()).limit(limit))
    return list(session.scalars(stmt))


def first_created(session: Session, campaign_id: int,
                  round_key: str | None = None) -> datetime | None:
    """When the first task of the round (or of every round) was made: one index probe
    per round and status (``ix_task_campaign_round`` ends with ``created_at``)."""
    keys = tallied_rounds(campaign_id)
    if round_key is not None:
        keys = keys.where(TaskTally.round_key == round_key)
    found = keys.subquery()
    earliest = (select(Task.created_at)
                .where(Task.campaign_id == campaign_id, Task.round_key == found.c.round_key,
                       Task.status == found.c.status)
                .order_by(Task.created_at).limit(1).scalar_subquery())
    return session.scalar(select(func.min(earliest)).select_from(found))


def counts_by_campaign(session: Session, round_key: str | None = None
                       ) -> dict[int, dict[str, int]]:
    """Every campaign's tasks in each status, of one round or of every round."""
    stmt = select(TaskTally.campaign_id, TaskTally.status, func.sum(TaskTally.tasks))
    if round_key is not None:
        stmt = stmt.where(TaskTally.round_key == round_key)
    found: dict[int, dict[str, int]] = {}
    for campaign_id, status, count in session.execute(
            stmt.group_by(TaskTally.campaign_id, TaskTally.status)):
        if count:
            found.setdefault(campaign_id, {})[status] = int(count)
    return found


def enrolled_by_campaign(session: Session) -> dict[int, int]:
    """People enrolled (and still active) in each campaign."""
    return {campaign_id: int(count) for campaign_id, count in session.execute(
        select(EnrolmentTally.campaign_id, func.sum(EnrolmentTally.enrolled))
        .group_by(EnrolmentTally.campaign_id)) if count}


def finishes_by_minute(session: Session, campaign_id: int, round_key: str | None = None,
                       every: int = 1) -> list[tuple[datetime, int]]:
    """(the minute's start, tasks finished in it) for each minute anything of the round
    (or of every round) was finished, in order; with ``every`` above 1, for each span of
    that many minutes (counted from 1970), so that a year of calls reads back as a few
    hundred rows, not a row for each minute of it."""
    minute = TaskFinishTally.finished_minute
    span = minute - minute % every if every > 1 else minute
    stmt = select(span, func.sum(TaskFinishTally.tasks)).where(
        TaskFinishTally.campaign_id == campaign_id)
    if round_key is not None:
        stmt = stmt.where(TaskFinishTally.round_key == round_key)
    return [(EPOCH + timedelta(minutes=int(at)), int(count)) for at, count in session.execute(
        stmt.group_by(span).having(func.sum(TaskFinishTally.tasks) != 0).order_by(span))]
