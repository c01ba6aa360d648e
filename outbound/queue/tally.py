"""Counts of a campaign's tasks by round and status, read from ``task_tally``.

Triggers keep the tally as tasks change (migration 0015), so these read a few rows
however many tasks a round has. A count is the sum of its shards.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from outbound.db.models import Task, TaskTally


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
