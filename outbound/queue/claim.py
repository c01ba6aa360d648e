"""Handing each agent the next person to call, and never the same person to two agents.

A claim is one short transaction that commits at once. It tries, in order: the agent's
own due call-backs; anyone's call-backs past their owner's grace period; retries now
due; fresh tasks by priority (the agent's own list first, then the shared pool). Each
try is a single ``UPDATE ... WHERE id = (SELECT ... LIMIT 1) RETURNING``: on PostgreSQL
the subquery locks its row ``FOR UPDATE SKIP LOCKED`` (with the contact's row, so one
person is never claimed in two campaigns at once); on SQLite the transaction began
with BEGIN IMMEDIATE, so claims are serialised. The lease (holder, expiry) is data: a
client that dies simply stops renewing it, and the task returns to the queue. One
statement of index probes first says which tries can find anything at all, so a claim
is usually three statements (the probes, the UPDATE, the contact's busy mark), not one
per try.

The partial-index conditions are written as SQL literals so that both databases can
prove a partial index applies (a bound parameter would hide it from the planner).

Fresh tasks go highest priority first, then oldest first; retries soonest due, then
oldest. ``ix_task_fresh`` holds (campaign, assignee, priority DESC, id) and
``ix_task_retry`` (campaign, assignee, due_at, id), exactly the claim's orders, so a
claim reads one index entry whatever the length of the queue, with no sort.

The orders name ``assigned_to`` first although the WHERE clause fixes it: PostgreSQL
does not take ``assigned_to IS NULL`` (the shared pool) as fixing the column's value,
and without it would sort the whole pool on every claim instead of reading the index in
order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, exists, or_, select, text, update
from sqlalchemy.orm import Session

from outbound.audit import record_opened
from outbound.clock import utcnow
from outbound.db.database import Database
from outbound.db.models import CONTACT_FLAGS, Contact, Task
from outbound.queue.campaigns import CampaignError, load_campaign
from outbound.users import user_id

T = Task.__table__
C = Contact.__table__
# Whether a person may be called now, without their personal details: on PostgreSQL an
# agent can read these for everyone while the contact table shows them only their own.
F = CONTACT_FLAGS


@dataclass(frozen=True, slots=True)
class ClaimedTask:
    task_id: int
    contact_id: int
    campaign_id: int
    round_key: str
    attempts: int
    lease_expires_at: datetime
    reason: str  # "callback", "retry", "fresh" or "held" (the agent's own, given back)
    callback_at: datetime | None


@dataclass(frozen=True, slots=True)
class _Stage:
    reason: str                             # "callback", "retry" or "fresh"
    conditions: list[ColumnElement[bool]]   # with the common ones: who may be taken
    order: list[ColumnElement]              # the order of the stage's index
    probe: list[ColumnElement[bool]]        # the part of the conditions its index answers


def _stages(agent: int, now: datetime, grace_start: datetime, window_open: bool
            ) -> list[_Stage]:
    callbacks = [text("task.status = 'open' AND task.callback_at IS NOT NULL"),
                 T.c.callback_at <= now]
    probe = list(callbacks)
    if not window_open:  # outside hours only a time the person asked for
        callbacks.append(T.c.callback_requested.is_(True))
    order = [T.c.callback_at, T.c.id]
    stages = [
        _Stage("callback", [*callbacks, T.c.callback_owner_id == agent], order, probe),
        _Stage("callback", [*callbacks, or_(T.c.callback_owner_id.is_(None),
                                            T.c.callback_at <= grace_start)], order, probe),
    ]
    if not window_open:
        return stages
    retry = [text("task.status = 'open' AND task.attempts > 0 AND task.callback_at IS NULL"),
             T.c.due_at <= now]
    fresh = text("task.status = 'open' AND task.attempts = 0 AND task.callback_at IS NULL")
    for owner in (T.c.assigned_to == agent, T.c.assigned_to.is_(None)):
        stages.append(_Stage("retry", [*retry, owner],
                             [T.c.assigned_to, T.c.due_at, T.c.id], [*retry, owner]))
    for owner in (T.c.assigned_to == agent, T.c.assigned_to.is_(None)):
        stages.append(_Stage("fresh", [fresh, T.c.due_at <= now, owner],
                             [T.c.assigned_to, T.c.priority.desc(), T.c.id], [fresh, owner]))
    return stages


def _hints(session: Session, campaign_id: int, stages: list[_Stage]) -> Sequence[Any]:
    """For every stage at once, in one statement of index probes: whether it may have a
    task to take, so empty stages cost nothing."""
    columns = [exists(select(T.c.id).where(T.c.campaign_id == campaign_id, *stage.probe))
               for stage in stages]
    return session.execute(select(*columns)).one()


def claim_next_task(db: Database, agent: str | int, campaign: str | int, *,
                    now: datetime | None = None) -> ClaimedTask | None:
    """The next task for ``agent`` in ``campaign``, held under a lease; None if none is
    callable now (``queue_status`` says why)."""
    moment = now or utcnow()

    def work(session: Session) -> ClaimedTask | None:
        agent_id = user_id(session, agent)
        camp, template = load_campaign(session, campaign)
        if camp.status != "active":
            raise CampaignError(f"{camp.name} is {camp.status}: there is nothing to call.")
        lease_until = moment + template.lease
        grace_start = moment - template.callback_grace
        gap_start = moment - template.repeat_call_gap
        common = [
            T.c.campaign_id == camp.id,
            T.c.escalated.is_(False),
            or_(T.c.holder_id.is_(None), T.c.lease_expires_at < moment),
            F.c.do_not_call.is_(False),
            F.c.has_phone.is_(True),
            or_(F.c.busy_until.is_(None), F.c.busy_until < moment),
        ]
        postgres = session.get_bind().dialect.name == "postgresql"

        def take(conditions: list[ColumnElement[bool]], order: list[ColumnElement]) -> Any:
            candidate = (select(T.c.id).select_from(T.join(F, F.c.id == T.c.contact_id))
                         .where(*common, *conditions).order_by(*order).limit(1))
            if postgres:
                candidate = candidate.with_for_update(of=[T, F], skip_locked=True)
            return session.execute(
                update(T).where(T.c.id == candidate.scalar_subquery())
                .values(holder_id=agent_id, lease_expires_at=lease_until, claimed_at=moment)
                .returning(T.c.id, T.c.contact_id, T.c.round_key, T.c.attempts,
                           T.c.callback_at)
            ).first()

        stages = _stages(agent_id, moment, grace_start, template.window.is_open(moment))
        for stage, hint in zip(stages, _hints(session, camp.id, stages), strict=True):
            conditions = stage.conditions if stage.reason == "callback" else [
                *stage.conditions,
                or_(F.c.last_spoken_at.is_(None), F.c.last_spoken_at < gap_start)]
            row = take(conditions, stage.order) if hint else None
            if row is not None:
                session.execute(update(C).where(C.c.id == row.contact_id)
                                .values(busy_until=lease_until))
                record_opened(session, agent_id, row.contact_id, row.id, stage.reason)
                return ClaimedTask(row.id, row.contact_id, camp.id, row.round_key,
                                   row.attempts, lease_until, stage.reason, row.callback_at)
        return None

    return db.run_write(work)


def resume_held_task(db: Database, agent: str | int, campaign: str | int, *,
                     now: datetime | None = None) -> ClaimedTask | None:
    """The task in ``campaign`` that ``agent`` still holds (their client died or was
    closed mid-call), held again under a fresh lease; None if they hold none.

    A client that starts again asks this before ``claim_next_task``, so the agent gets
    their interrupted call back at once rather than a new one, and nobody else gets it
    when the old lease runs out. A task still marked as theirs whose lease has run out
    is theirs too while nobody else has taken it (taking it clears the mark). The
    latest claimed is given when, unusually, they hold several. After the lease sweep
    has cleared the mark, a call they were on (claimed after its last recorded attempt,
    with their draft saved since) is still theirs while nobody else has taken it.
    """
    moment = now or utcnow()

    def work(session: Session) -> ClaimedTask | None:
        agent_id = user_id(session, agent)
        camp, template = load_campaign(session, campaign)
        if camp.status != "active":
            return None
        held = (select(T.c.id).where(
            T.c.campaign_id == camp.id, T.c.holder_id == agent_id, T.c.status == "open")
            .order_by(T.c.claimed_at.desc(), T.c.id.desc()).limit(1))
        if session.get_bind().dialect.name == "postgresql":
            held = held.with_for_update()
        lease_until = moment + template.lease
        row = session.execute(
            update(T).where(T.c.id == held.scalar_subquery(), T.c.holder_id == agent_id)
            .values(lease_expires_at=lease_until)
            .returning(T.c.id, T.c.contact_id, T.c.round_key, T.c.attempts,
                       T.c.callback_at)).first()
        if row is None:
            row = _take_interrupted(session, camp.id, agent_id, moment, lease_until)
        if row is None:
            return None
        session.execute(update(C).where(C.c.id == row.contact_id)
                        .values(busy_until=lease_until))
        record_opened(session, agent_id, row.contact_id, row.id, "held")
        return ClaimedTask(row.id, row.contact_id, camp.id, row.round_key, row.attempts,
                           lease_until, "held", row.callback_at)

    return db.run_write(work)


def _take_interrupted(session: Session, campaign_id: int, agent_id: int, moment: datetime,
                      lease_until: datetime) -> Any:
    """The agent's interrupted call whose lease the sweep has already let go: open,
    held by nobody, claimed after its last attempt, and their draft saved since."""
    from outbound.db.capture_models import FormDraft

    D = FormDraft.__table__
    interrupted = (
        select(T.c.id).select_from(T.join(D, D.c.task_id == T.c.id).join(
            F, F.c.id == T.c.contact_id))
        .where(T.c.campaign_id == campaign_id, T.c.status == "open",
               T.c.escalated.is_(False),
               or_(T.c.holder_id.is_(None), T.c.lease_expires_at < moment),
               T.c.claimed_at.is_not(None),
               or_(T.c.last_attempt_at.is_(None), T.c.claimed_at > T.c.last_attempt_at),
               D.c.agent_id == agent_id, D.c.saved_at >= T.c.claimed_at,
               F.c.do_not_call.is_(False),
               or_(F.c.busy_until.is_(None), F.c.busy_until < moment))
        .order_by(T.c.claimed_at.desc(), T.c.id.desc()).limit(1))
    if session.get_bind().dialect.name == "postgresql":
        interrupted = interrupted.with_for_update(of=[T], skip_locked=True)
    return session.execute(
        update(T).where(T.c.id == interrupted.scalar_subquery(),
                        or_(T.c.holder_id.is_(None), T.c.lease_expires_at < moment))
        .values(holder_id=agent_id, lease_expires_at=lease_until, claimed_at=moment)
        .returning(T.c.id, T.c.contact_id, T.c.round_key, T.c.attempts,
                   T.c.callback_at)).first()


def renew_lease(db: Database, task_id: int, agent: str | int, *,
                now: datetime | None = None) -> datetime | None:
    """Keep holding a task while the call screen is open; None if it was lost (the lease
    ran out and someone else took it, or it was released by a supervisor)."""
    moment = now or utcnow()

    def work(session: Session) -> datetime | None:
        agent_id = user_id(session, agent)
        task = session.get(Task, task_id)
        if task is None or task.holder_id != agent_id or task.status != "open":
            return None
        _, template = load_campaign(session, task.campaign_id)
        until = moment + template.lease
        task.lease_expires_at = until
        session.execute(update(C).where(C.c.id == task.contact_id).values(busy_until=until))
        return until

    return db.run_write(work)


def release_task(db: Database, task_id: int, agent: str | int | None = None) -> bool:
    """Give a held task back to the queue untouched (agent closed the call, or a
    supervisor releases an absent agent's tasks when ``agent`` is None)."""

    def work(session: Session) -> bool:
        task = session.get(Task, task_id)
        if task is None or task.holder_id is None:
            return False
        if agent is not None and task.holder_id != user_id(session, agent):
            return False
        _free(session, task)
        return True

    return db.run_write(work)


def release_agent_tasks(db: Database, agent: str | int) -> int:
    """A supervisor frees every task an absent agent holds."""

    def work(session: Session) -> int:
        agent_id = user_id(session, agent)
        tasks = session.scalars(select(Task).where(Task.holder_id == agent_id)).all()
        for task in tasks:
            _free(session, task)
        return len(tasks)

    return db.run_write(work)


def sweep_expired_leases(db: Database, *, now: datetime | None = None) -> int:
    """Return tasks held by clients that died; claims already ignore expired leases,
    this tidies them so that screens and counts show them as waiting."""
    moment = now or utcnow()

    def work(session: Session) -> int:
        expired = session.scalars(select(Task).where(
            Task.holder_id.is_not(None), Task.lease_expires_at < moment)).all()
        for task in expired:
            _free(session, task)
        return len(expired)

    return db.run_write(work)


def _free(session: Session, task: Task) -> None:
    task.holder_id = None
    task.lease_expires_at = None
    session.execute(update(C).where(C.c.id == task.contact_id).values(busy_until=None))
