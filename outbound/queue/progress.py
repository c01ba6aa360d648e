"""Progress of a campaign or round, and a forecast of when it will be finished."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import case, func, or_, select

from outbound.clock import clock_reaches, to_london, utcnow
from outbound.db.database import Database
from outbound.db.models import Attempt, Task
from outbound.queue.campaigns import load_campaign
from outbound.queue.tally import status_counts


@dataclass
class Progress:
    campaign: str
    round_key: str | None
    total: int = 0
    done: int = 0
    closed: int = 0
    in_progress: int = 0
    remaining: int = 0
    attempts: int = 0
    by_outcome: dict[str, int] = field(default_factory=dict)
    contact_rate: float | None = None          # attempts where someone was spoken to
    average_handle_seconds: float | None = None
    finished_per_hour: float | None = None      # calls finished per hour today
    forecast_finish: datetime | None = None
    agents_needed_today: int | None = None
    agents_today: int = 0

    def as_dict(self) -> dict[str, object]:
        data = dict(self.__dict__)
        data["forecast_finish"] = self.forecast_finish.isoformat() \
            if self.forecast_finish else None
        return data


def campaign_progress(db: Database, campaign: str | int, round_key: str | None = None, *,
                      now: datetime | None = None) -> Progress:
    moment = now or utcnow()
    with db.read() as session:
        camp, template = load_campaign(session, campaign)
        scope = [Task.campaign_id == camp.id]
        if round_key is not None:
            scope.append(Task.round_key == round_key)
        report = Progress(camp.name, round_key)
        # The counts come from the tally. Of the tasks themselves only those held now are
        # read, every campaign's, through the holders' index: a few per agent however
        # long the round. (Naming the campaign, or grouping, would lead SQLite's planner
        # to read the round's index from end to end instead.)
        held: dict[str, int] = {}
        for campaign_id, key, status in session.execute(
                select(Task.campaign_id, Task.round_key, Task.status)
                .where(Task.holder_id.is_not(None))):
            if campaign_id == camp.id and round_key in (None, key):
                held[status] = held.get(status, 0) + 1
        for status, count in status_counts(session, camp.id, round_key).items():
            report.total += count
            if status == "done":
                report.done += count
            elif status == "closed":
                report.closed += count
            else:
                report.in_progress += held.get(status, 0)
                report.remaining += count - held.get(status, 0)

        day_start = clock_reaches(to_london(moment).date(), template.window.start)
        today = case((Attempt.recorded_at >= day_start, 1), else_=0)
        spoke = func.cast(Attempt.contact_made, Attempt.duration_seconds.type)
        stmt = (select(Attempt.outcome, Attempt.agent_id, today, func.count(), func.sum(spoke),
                       func.sum(Attempt.duration_seconds), func.count(Attempt.duration_seconds),
                       func.min(Attempt.recorded_at))
                .where(Attempt.campaign_id == camp.id, Attempt.supersedes_id.is_(None)))
        if round_key is not None:      # by the attempts' campaign index, then their tasks
            stmt = stmt.join(Task, Task.id == Attempt.task_id).where(*scope)
        # One pass over the attempts, each joined once to its task: by outcome, agent and
        # whether it was made today, summed here.
        made = seconds = timed = 0
        first: datetime | None = None
        agents: set[int] = set()
        for outcome, agent, is_today, count, spoken, handled, handles, earliest in \
                session.execute(stmt.group_by(Attempt.outcome, Attempt.agent_id, today)):
            report.by_outcome[outcome] = report.by_outcome.get(outcome, 0) + count
            report.attempts += count
            made += spoken or 0
            seconds += handled or 0
            timed += handles
            if is_today:
                agents.add(agent)
                first = earliest if first is None else min(first, earliest)
        if report.attempts:
            report.contact_rate = made / report.attempts
        report.average_handle_seconds = seconds / timed if timed else None
        # Today's rate is of calls finished, not of attempts: a no-answer or a call-back
        # leaves the call still to make. Calls of earlier rounds closed when today's round
        # was made were not finished by anyone.
        finished = session.scalar(
            select(func.count()).select_from(Task)
            .where(*scope, Task.status.in_(("done", "closed")),
                   Task.completed_at >= day_start, Task.completed_at <= moment,
                   or_(Task.close_reason.is_(None), Task.close_reason != "round ended"))) or 0
    report.agents_today = len(agents)
    _forecast(report, template.window, first, finished, moment)
    return report


def _forecast(report: Progress, window, first: datetime | None,  # type: ignore[no-untyped-def]
              finished: int, now: datetime) -> None:
    left = report.remaining + report.in_progress
    if not first or not finished or now <= first:
        return
    # Only calling hours count: a dashboard read at 22:00 has not been calling since 20:00.
    calling = window.open_seconds_between(first, now) or (now - first).total_seconds()
    hours = max(calling / 3600, 1 / 60)
    report.finished_per_hour = finished / hours
    if left == 0:
        report.forecast_finish = now
        report.agents_needed_today = 0
        return
    per_agent_hour = report.finished_per_hour / max(report.agents_today, 1)
    # Walk calling hours forward at today's rate, so the finish lands in calling hours.
    remaining_seconds = left / report.finished_per_hour * 3600
    try:
        report.forecast_finish = window.after_open_seconds(now, remaining_seconds)
    except ValueError:
        report.forecast_finish = None
    closes_today = window.closes_at(now)
    if closes_today is not None and per_agent_hour > 0:
        hours_left_today = max((closes_today - now).total_seconds() / 3600, 1 / 60)
        report.agents_needed_today = math.ceil(left / (per_agent_hour * hours_left_today))
