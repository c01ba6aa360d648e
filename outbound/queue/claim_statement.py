"""The claim's one statement: which task an agent gets next, taken in a single UPDATE.

The tries, in order: the agent's own due call-backs; anyone's call-backs past their
owner's grace period; retries now due; fresh tasks by priority (the agent's own list
first, then the shared pool). Each try is an ``ORDER BY ... LIMIT 1`` subquery over its
own index; ``UNION ALL`` under a ``LIMIT 1`` runs them in turn and stops at the first
that finds someone, so an empty try costs one index probe and later tries are never
read. ``outbound.queue.claim`` runs the statement and says what it means.

What changes from one claim to the next is bound, so each kind of claim (in or out of
calling hours, on either database, audited by the client or the team's database) is
built once and is the same statement every time: the driver prepares it after a few
runs, and PostgreSQL keeps one plan for it (it can, because the LIMITs are written out).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import (
    JSON,
    ColumnElement,
    Integer,
    String,
    and_,
    bindparam,
    case,
    cast,
    exists,
    func,
    literal_column,
    or_,
    select,
    text,
    true,
    union_all,
    update,
)
from sqlalchemy.dialects.postgresql import JSONB

from outbound.audit import opened_on_claim
from outbound.db.models import CONTACT_FLAGS, Campaign, Task, User
from outbound.db.types import UTCDateTime

T = Task.__table__
# Whether a person may be called now, without their personal details: on PostgreSQL an
# agent can read these for everyone while the contact table shows them only their own.
F = CONTACT_FLAGS


@dataclass(frozen=True, slots=True)
class _Stage:
    reason: str                             # "callback", "retry" or "fresh"
    conditions: list[ColumnElement[bool]]   # with the common ones: who may be taken
    order: list[ColumnElement]              # the order of the stage's index


# What changes from one claim to the next is bound, so each kind of claim is built
# once and runs as the same statement every time (prepared by the driver after a few).
AGENT = bindparam("agent", type_=Integer())
CAMPAIGN = bindparam("campaign", type_=Integer())
NOW = bindparam("now", type_=UTCDateTime())
LEASE_UNTIL = bindparam("lease_until", type_=UTCDateTime())
GRACE_START = bindparam("grace_start", type_=UTCDateTime())
GAP_START = bindparam("gap_start", type_=UTCDateTime())
ACTOR = bindparam("actor", type_=String())
CAMPAIGN_NAME = bindparam("campaign_name", type_=String())
TEMPLATE_CODE = bindparam("template_code", type_=String())
OVERRIDES = bindparam("overrides", type_=JSON())
# LIMIT 1 written out, not bound: PostgreSQL's plan for the prepared claim must know it
# reads one row, or it keeps planning the claim afresh each time it runs.
ONE = literal_column("1")


def _stages(window_open: bool) -> list[_Stage]:
    callbacks = [text("task.status = 'open' AND task.callback_at IS NOT NULL"),
                 T.c.callback_at <= NOW]
    if not window_open:  # outside hours only a time the person asked for
        callbacks.append(T.c.callback_requested.is_(True))
    order = [T.c.callback_at, T.c.id]
    stages = [
        _Stage("callback", [*callbacks, T.c.callback_owner_id == AGENT], order),
        _Stage("callback", [*callbacks, or_(T.c.callback_owner_id.is_(None),
                                            T.c.callback_at <= GRACE_START)], order),
    ]
    if not window_open:
        return stages
    retry = [text("task.status = 'open' AND task.attempts > 0 AND task.callback_at IS NULL"),
             T.c.due_at <= NOW]
    fresh = text("task.status = 'open' AND task.attempts = 0 AND task.callback_at IS NULL")
    for owner in (T.c.assigned_to == AGENT, T.c.assigned_to.is_(None)):
        stages.append(_Stage("retry", [*retry, owner], [T.c.assigned_to, T.c.due_at, T.c.id]))
    for owner in (T.c.assigned_to == AGENT, T.c.assigned_to.is_(None)):
        stages.append(_Stage("fresh", [fresh, T.c.due_at <= NOW, owner],
                             [T.c.assigned_to, T.c.priority.desc(), T.c.id]))
    return stages


def _first_of(stages: list[_Stage], postgres: bool) -> Any:
    """The id of the first task the stages give, in stage order, as one subquery.

    Each stage is its own ``ORDER BY ... LIMIT 1`` over its index; ``UNION ALL`` runs
    them in turn and the outer ``LIMIT 1`` stops at the first that finds a task, so an
    empty stage costs one index probe and later stages are never read. On PostgreSQL
    each stage locks the row it finds ``FOR UPDATE SKIP LOCKED`` (with the contact's
    row, so one person is never claimed in two campaigns at once); a stage that runs
    is one that found nothing, so only the task taken is locked.
    """
    common = [
        T.c.campaign_id == CAMPAIGN,
        T.c.escalated.is_(False),
        or_(T.c.holder_id.is_(None), T.c.lease_expires_at < NOW),
        F.c.do_not_call.is_(False),
        F.c.has_phone.is_(True),
        or_(F.c.busy_until.is_(None), F.c.busy_until < NOW),
    ]
    branches = []
    for stage in stages:
        conditions = stage.conditions if stage.reason == "callback" else [
            *stage.conditions,
            or_(F.c.last_spoken_at.is_(None), F.c.last_spoken_at < GAP_START)]
        branch = (select(T.c.id).select_from(T.join(F, F.c.id == T.c.contact_id))
                  .where(*common, *conditions).order_by(*stage.order).limit(ONE))
        if postgres:
            branch = branch.with_for_update(of=[T, F], skip_locked=True)
        # A locking clause may not stand directly in a UNION: each is a subquery.
        branches.append(select(branch.subquery().c.id))
    return union_all(*branches).limit(ONE).scalar_subquery()


@cache
def claim_statement(postgres: bool, window_open: bool, audited_by_database: bool) -> Any:
    """The claim: on SQLite the task's UPDATE alone; on PostgreSQL one statement that
    first checks that the agent and the campaign are as the client last read them
    (``checked``), then takes the task, marks the person busy and adds the audit entry.
    """
    take = (update(T).where(T.c.id == _first_of(_stages(window_open), postgres))
            .values(holder_id=AGENT, lease_expires_at=LEASE_UNTIL, claimed_at=NOW)
            .returning(T.c.id, T.c.contact_id, T.c.round_key, T.c.attempts,
                       T.c.callback_at))
    if not postgres:
        return take
    checked = select(and_(
        exists().where(User.id == AGENT, User.name == ACTOR, User.active.is_(True)),
        exists().where(Campaign.id == CAMPAIGN, Campaign.name == CAMPAIGN_NAME,
                       Campaign.status == literal_column("'active'"),
                       Campaign.template_code == TEMPLATE_CODE,
                       cast(Campaign.overrides, JSONB).is_not_distinct_from(
                           cast(OVERRIDES, JSONB)))).label("ok")).cte("checked")
    claimed = take.where(select(checked.c.ok).scalar_subquery()).cte("claimed")
    busy = (update(F).where(F.c.id == claimed.c.contact_id)
            .values(busy_until=LEASE_UNTIL).returning(F.c.id).cte("busy"))
    how = case((claimed.c.callback_at.is_not(None), "callback"),
               (claimed.c.attempts > 0, "retry"), else_="fresh")
    noted = opened_on_claim(claimed, actor=ACTOR, how=how,
                            audited_by_database=audited_by_database)
    return select(
        checked.c.ok, claimed,
        select(func.count()).select_from(busy).scalar_subquery().label("busy"),
        select(func.count()).select_from(noted).scalar_subquery().label("noted"),
    ).select_from(checked.outerjoin(claimed, true()))
