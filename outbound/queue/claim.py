"""Handing each agent the next person to call, and never the same person to two agents.

A claim takes the first task the tries find (the agent's own due call-backs; anyone's
past their owner's grace period; retries now due; fresh tasks by priority, the agent's
own list first), in one ``UPDATE ... WHERE id = (first of the tries) RETURNING`` that
``claim_statement`` builds. On PostgreSQL each try locks its row ``FOR UPDATE SKIP
LOCKED`` (with the contact's row, so one person is never claimed in two campaigns at
once), and the same statement checks the agent and campaign, marks the person busy
and adds the audit entry: a claim is usually one statement, in autocommit mode, with no
BEGIN or COMMIT to wait for. On SQLite the transaction begins with BEGIN IMMEDIATE, so
claims are serialised, and the busy mark and audit entry follow the UPDATE. The lease
(holder, expiry) is data: a client that dies simply stops renewing it, and the task
returns to the queue.

The partial-index conditions are written as SQL literals so that both databases can
prove a partial index applies (a bound parameter would hide it from the planner).

Fresh tasks go highest priority first, then oldest first; retries soonest due, then
oldest; call-backs soonest first. ``ix_task_fresh`` holds (campaign, assignee, priority
DESC, id), ``ix_task_retry`` (campaign, assignee, due_at, id) and ``ix_task_callback``
(campaign, callback_at, id), exactly the claim's orders, so a claim reads one index
entry whatever the length of the queue, with no sort.

The orders name ``assigned_to`` first although the WHERE clause fixes it: PostgreSQL
does not take ``assigned_to IS NULL`` (the shared pool) as fixing the column's value,
and without it would sort the whole pool on every claim instead of reading the index in
order.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import (
    Connection,
    Engine,
    and_,
    bindparam,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Session

from outbound.audit import audited_by_database, record, record_opened
from outbound.campaigns.template import CampaignTemplate
from outbound.clock import utcnow
from outbound.db.database import Database
from outbound.db.models import CONTACT_FLAGS, Campaign, Contact, Task, User
from outbound.queue.campaigns import CampaignError, load_campaign, template_of
from outbound.queue.claim_statement import claim_statement
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


def _reason(callback_at: datetime | None, attempts: int) -> str:
    """Which stage found the task, from the task itself: the stages do not overlap."""
    return "callback" if callback_at is not None else "retry" if attempts else "fresh"


@dataclass(frozen=True, slots=True)
class _Who:
    agent_id: int
    agent_name: str
    campaign_id: int
    campaign_name: str
    template_code: str
    overrides: dict[str, Any] | None
    template: CampaignTemplate


# The agent and campaign each engine's claims last found, by what the caller named: on
# PostgreSQL the claim itself checks they are still so, which saves reading them first.
_LAST_READ: WeakKeyDictionary[Engine, dict[tuple[Any, Any], _Who]] = WeakKeyDictionary()


@cache
def _who_and_what_statement(agent_by_id: bool, campaign_by_id: bool) -> Any:
    person = and_(User.active.is_(True),
                  (User.id if agent_by_id else User.name) == bindparam("agent"))
    which = (Campaign.id if campaign_by_id else Campaign.name) == bindparam("campaign")
    return (select(Campaign.id, Campaign.name, Campaign.status, Campaign.template_code,
                   Campaign.overrides, User.id.label("agent_id"),
                   User.name.label("agent_name"))
            .select_from(Campaign).outerjoin(User, person).where(which))


def _who_and_what(bind: Session | Connection, agent: str | int,
                  campaign: str | int) -> _Who:
    """The agent and the campaign in one statement; UserError or CampaignError when
    either is unknown, CampaignError when the campaign is not calling."""
    numbered = isinstance(campaign, int) or str(campaign).isdigit()
    row = bind.execute(_who_and_what_statement(isinstance(agent, int), numbered),
                       {"agent": agent, "campaign": int(campaign) if numbered else campaign}
                       ).first()
    if row is None or row.agent_id is None:
        if isinstance(bind, Session):
            user_id(bind, agent)          # says which agent is unknown
        else:
            with Session(bind=bind) as session:
                user_id(session, agent)
        raise CampaignError(f"There is no campaign called “{campaign}”.")
    if row.status != "active":
        raise CampaignError(f"{row.name} is {row.status}: there is nothing to call.")
    return _Who(row.agent_id, row.agent_name, row.id, row.name, row.template_code,
                row.overrides, template_of(row))


def claim_next_task(db: Database, agent: str | int, campaign: str | int, *,
                    now: datetime | None = None) -> ClaimedTask | None:
    """The next task for ``agent`` in ``campaign``, held under a lease; None if none is
    callable now (``queue_status`` says why).

    On PostgreSQL a claim is usually one statement, in autocommit mode: it checks that
    the agent is still active and the campaign still calling with the settings last
    read, takes the task, marks the person busy (through ``contact_flags``, so that
    row-level security, which would not yet see the task as the agent's, does not hide
    them) and adds the audit entry, all or none. When the check fails (or on the first
    claim) the agent and campaign are read again first, which says why if there is
    nothing to call. On SQLite the claim runs as separate statements after BEGIN
    IMMEDIATE."""
    moment = now or utcnow()
    if db.is_sqlite:
        return db.run_write(lambda session: _claim(
            session, _who_and_what(session, agent, campaign), moment))
    remembered = _LAST_READ.setdefault(db.engine, {})
    key = (agent, campaign)

    def work(connection: Connection) -> ClaimedTask | None:
        for _ in range(3):
            who = remembered.get(key)
            if who is None:
                who = remembered[key] = _who_and_what(connection, agent, campaign)
            try:
                return _claim(connection, who, moment)
            except _Changed:
                remembered.pop(key, None)
        raise CampaignError("The campaign or the agent keeps changing; try again.")

    return db.run_statements(work)


class _Changed(Exception):
    """The agent or campaign is no longer as the claim last read them."""


def _claim(bind: Session | Connection, who: _Who, moment: datetime) -> ClaimedTask | None:
    template = who.template
    lease_until = moment + template.lease
    postgres = isinstance(bind, Connection)
    statement = claim_statement(postgres, template.window.is_open(moment),
                                 postgres and audited_by_database(bind))
    row = bind.execute(statement, {
        "agent": who.agent_id, "campaign": who.campaign_id, "now": moment,
        "lease_until": lease_until, "grace_start": moment - template.callback_grace,
        "gap_start": moment - template.repeat_call_gap, "actor": who.agent_name,
        "campaign_name": who.campaign_name, "template_code": who.template_code,
        "overrides": who.overrides}).first()
    if postgres:
        assert row is not None
        if not row.ok:
            raise _Changed
        if row.id is None:
            return None
        if (row.busy, row.noted) != (1, 1):
            raise AssertionError("a claim must mark the person busy and be audited")
    elif row is None:
        return None
    how = _reason(row.callback_at, row.attempts)
    if not postgres:
        bind.execute(update(C).where(C.c.id == row.contact_id).values(busy_until=lease_until))
        record(bind, "record_opened", f"Opened on the call screen: call {row.id} ({how}).",
               actor=who.agent_name, contact_id=row.contact_id,
               detail={"task": row.id, "how": how})
    return ClaimedTask(row.id, row.contact_id, who.campaign_id, row.round_key, row.attempts,
                       lease_until, how, row.callback_at)


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
