"""Read-only figures for the supervisor's screens that the rest of the engine lacks.

Per-agent figures for today, a round's burn-down, each campaign's progress today from
the tallies, the rounds a campaign has had, and the windowed id lists that let the
contacts table open on a million rows without loading a million ids. Nothing here
writes; every query is bounded by an index, a tally or one day's calls.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Select, case, func, select, text

from outbound.clock import local_instant, to_london, utcnow
from outbound.contacts import ContactFilter
from outbound.db.database import Database
from outbound.db.models import Attempt, Campaign, Contact, Task, User
from outbound.queue.assign import TaskSelection, _task_ids
from outbound.queue.campaigns import round_key_for
from outbound.queue.tally import (
    counts_by_campaign,
    enrolled_by_campaign,
    finishes_by_minute,
    first_created,
    round_keys_of,
    status_counts,
)
from outbound.users import user_id

FINISHED = ("done", "closed")


# -- contacts -----------------------------------------------------------------------

def _contact_filter(stmt: Select[Any], where: ContactFilter | None,
                    suppressed_only: bool) -> Select[Any]:
    stmt = (where or ContactFilter()).apply(stmt)
    if suppressed_only:
        stmt = stmt.where(Contact.do_not_call.is_(True))
    return stmt


def count_contacts_matching(db: Database, where: ContactFilter | None = None, *,
                            suppressed_only: bool = False) -> int:
    with db.read() as session:
        return session.scalar(_contact_filter(select(func.count()).select_from(Contact),
                                              where, suppressed_only)) or 0


def contact_id_window(db: Database, where: ContactFilter | None, offset: int, limit: int, *,
                      suppressed_only: bool = False) -> list[int]:
    """``limit`` contact ids from position ``offset`` in name order (as contact_ids)."""
    with db.read() as session:
        stmt = _contact_filter(select(Contact.id), where, suppressed_only).order_by(
            Contact.name_key, Contact.id).offset(max(offset, 0)).limit(max(limit, 0))
        return list(session.scalars(stmt))


def contact_sources(db: Database) -> list[str]:
    """The sources contacts came from ("Care providers (CQC)", "NoWcard", ...)."""
    with db.read() as session:
        return [s for s in session.scalars(
            select(Contact.source).distinct().order_by(Contact.source)) if s]


# -- campaigns ----------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class CampaignSummary:
    """A campaign as the campaigns list shows it, with today's progress."""

    id: int
    name: str
    template_code: str
    kind: str
    status: str
    owner: str | None
    starts_on: date | None
    ends_on: date | None
    overrides: dict[str, Any]
    audience: dict[str, Any]
    enrolled: int
    today_total: int            # rounds: today's round; lists and reminders: all tasks
    today_finished: int
    open_tasks: int


def campaign_summaries(db: Database, today: date) -> list[CampaignSummary]:
    """Every campaign with its progress today, from the tallies: the cost is the
    number of campaigns and rounds, not of people or tasks."""
    key = round_key_for(today)
    with db.read() as session:
        campaigns = list(session.scalars(select(Campaign).order_by(Campaign.name)))
        enrolled = enrolled_by_campaign(session)
        today_counts = counts_by_campaign(session, key)
        every_count = counts_by_campaign(session)
    result = []
    for c in campaigns:
        counts = (today_counts if c.kind == "round" else every_count).get(c.id, {})
        result.append(CampaignSummary(
            c.id, c.name, c.template_code, c.kind, c.status, c.owner, c.starts_on,
            c.ends_on, dict(c.overrides or {}), dict(c.audience or {}),
            enrolled.get(c.id, 0), sum(counts.values()),
            sum(counts.get(status, 0) for status in FINISHED),
            every_count.get(c.id, {}).get("open", 0)))
    return result


def round_keys(db: Database, campaign_id: int, limit: int = 60) -> list[str]:
    """The campaign's rounds (or "list", or reminder expiries), latest first."""
    with db.read() as session:
        return round_keys_of(session, campaign_id, limit)


# -- assignment ---------------------------------------------------------------------

def count_selected_tasks(db: Database, selection: TaskSelection) -> int:
    """How many open tasks an assignment with this selection would move."""
    with db.read() as session:
        return len(_task_ids(session, selection))


def tasks_held(db: Database) -> dict[str, int]:
    """Tasks each agent is holding on a call screen right now, by name."""
    with db.read() as session:
        return dict(session.execute(
            select(User.name, func.count(Task.id)).join(Task, Task.holder_id == User.id)
            .group_by(User.name).order_by(User.name)).all())


# -- dashboard ----------------------------------------------------------------------

@dataclass
class BurnDown:
    """What was left of a round over time: (instant, calls left) from the start."""

    total: int
    left_now: int
    points: list[tuple[datetime, int]] = field(default_factory=list)


# Up to this many finished calls, the burn-down reads each one's finishing time (by
# ix_task_finished) and has a point at each; beyond it, it reads the tally of finished
# calls by minute, so a round closed a million calls at once, or every round of a long
# campaign, costs a row a minute.
EXACT_FINISHES = 5000
# Beyond it, the finishes are read in spans of time, at most this many for each point drawn.
BUCKETS_A_POINT = 4


def burndown(db: Database, campaign_id: int, round_key: str | None, *,
             now: datetime | None = None, max_points: int = 240) -> BurnDown:
    """The round's remaining calls after each finish, thinned to ``max_points``: at
    each finish's own time up to ``EXACT_FINISHES`` finished calls, and beyond that at
    the end of each minute with finishes, or of each longer span when the campaign has
    run for longer than ``BUCKETS_A_POINT * max_points`` minutes."""
    moment = now or utcnow()
    with db.read() as session:
        counts = status_counts(session, campaign_id, round_key)
        total = sum(counts.values())
        first = first_created(session, campaign_id, round_key)
        # (when the calls left fell, by how many), and when the first call was finished
        finishes: list[tuple[datetime, int]]
        # (every finished call with a finishing time is done or closed)
        if sum(counts.get(status, 0) for status in FINISHED) <= EXACT_FINISHES:
            scope = [Task.campaign_id == campaign_id]
            if round_key:
                scope.append(Task.round_key == round_key)
            finishes = [(when, 1) for when in session.scalars(
                select(Task.completed_at).where(*scope, Task.status.in_(FINISHED),
                                                Task.completed_at.is_not(None))
                .order_by(Task.completed_at))]
            earliest = finishes[0][0] if finishes else None
        else:
            # a minute apart, or further for a long campaign: a few points a pixel
            every = max(1, int((moment - (first or moment)).total_seconds()
                               // 60 // (BUCKETS_A_POINT * max_points)))
            minutes = finishes_by_minute(session, campaign_id, round_key, every)
            finishes = [(min(start + timedelta(minutes=every), moment), count)
                        for start, count in minutes]
            # a span may begin before the first call was made, the chart not
            earliest = max(minutes[0][0], first or minutes[0][0]) if minutes else None
    start = min(first or moment, earliest or moment)
    points = [(start, total)]
    step = max(1, len(finishes) // max_points)
    done = 0
    for index, (when, count) in enumerate(finishes, start=1):
        done += count
        if index % step == 0 or index == len(finishes):
            points.append((when, total - done))
    left = total - done
    if points[-1][0] < moment:
        points.append((moment, left))
    return BurnDown(total, left, points)


@dataclass(frozen=True, slots=True)
class AgentFigures:
    """One agent's calls on one day."""

    agent: str
    calls: int
    spoken_to: int
    average_handle_seconds: float | None
    first_call: datetime | None
    last_call: datetime | None

    @property
    def contact_rate(self) -> float | None:
        return self.spoken_to / self.calls if self.calls else None


def agent_figures(db: Database, day: date, campaign_id: int | None = None) -> list[AgentFigures]:
    """Calls, people spoken to and average handle time per agent, on a London day."""
    begins = local_instant(day, time(0, 0))
    ends = local_instant(day + timedelta(days=1), time(0, 0))
    spoken = case((Attempt.contact_made.is_(True), 1), else_=0)
    stmt = (select(User.name, func.count(Attempt.id), func.sum(spoken),
                   func.avg(Attempt.duration_seconds), func.min(Attempt.recorded_at),
                   func.max(Attempt.recorded_at))
            .join(User, User.id == Attempt.agent_id)
            .where(Attempt.recorded_at >= begins, Attempt.recorded_at < ends,
                   Attempt.supersedes_id.is_(None))
            .group_by(User.name).order_by(User.name))
    if campaign_id is not None:
        stmt = stmt.where(Attempt.campaign_id == campaign_id)
    with db.read() as session:
        return [AgentFigures(name, calls, spoke or 0,
                             float(avg) if avg is not None else None, first, last)
                for name, calls, spoke, avg, first, last in session.execute(stmt)]


@dataclass(frozen=True, slots=True)
class AgentDay:
    """An agent's own day so far, for the call screen: every campaign together."""

    calls: int
    spoken_to: int
    average_handle_seconds: float | None
    callbacks_due: int      # call-backs this agent promised for today, not yet made


def agent_day(db: Database, agent: str | int, now: datetime | None = None) -> AgentDay:
    """The calls an agent has recorded today (London), and their call-backs still due."""
    moment = now or utcnow()
    day = to_london(moment).date()
    begins = local_instant(day, time(0, 0))
    ends = local_instant(day + timedelta(days=1), time(0, 0))
    spoken = case((Attempt.contact_made.is_(True), 1), else_=0)
    with db.read() as session:
        agent_id = user_id(session, agent)
        calls, spoke, average = session.execute(
            select(func.count(Attempt.id), func.sum(spoken), func.avg(Attempt.duration_seconds))
            .where(Attempt.agent_id == agent_id, Attempt.recorded_at >= begins,
                   Attempt.recorded_at < ends, Attempt.supersedes_id.is_(None))).one()
        # Written as the call-back index's own condition, so that both databases read
        # the open call-backs only.
        due = session.scalar(
            select(func.count(Task.id))
            .where(text("task.status = 'open' AND task.callback_at IS NOT NULL"),
                   Task.callback_owner_id == agent_id, Task.callback_at < ends)) or 0
    return AgentDay(calls or 0, spoke or 0, float(average) if average is not None else None,
                    due)


def london_today(now: datetime | None = None) -> date:
    return to_london(now or utcnow()).date()
