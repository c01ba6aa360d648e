"""Progress of a campaign or round, and a forecast of when it will be finished."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, or_, select

from outbound.clock import clock_reaches, to_london, utcnow
from outbound.db.database import Database
from outbound.db.models import Attempt, Task
from outbound.queue.campaigns import load_campaign


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
        for status, held, count in session.execute(
                select(Task.status, Task.holder_id.is_not(None), func.count())
                .where(*scope).group_by(Task.status, Task.holder_id.is_not(None))):
            report.total += count
            if status == "done":
                report.done += count
            elif status == "closed":
                report.closed += count
            elif held:
                report.in_progress += count
            else:
                report.remaining += count
        attempt_scope = [Attempt.campaign_id == camp.id, Attempt.supersedes_id.is_(None)]
        if round_key is not None:
            attempt_scope.append(Attempt.task_id.in_(select(Task.id).where(*scope)))
        for outcome, count in session.execute(
                select(Attempt.outcome, func.count()).where(*attempt_scope)
                .group_by(Attempt.outcome)):
            report.by_outcome[outcome] = count
            report.attempts += count
        made, handle = session.execute(
            select(func.sum(func.cast(Attempt.contact_made, Attempt.duration_seconds.type)),
                   func.avg(Attempt.duration_seconds)).where(*attempt_scope)).one()
        if report.attempts:
            report.contact_rate = (made or 0) / report.attempts
        report.average_handle_seconds = float(handle) if handle is not None else None
        day_start = clock_reaches(to_london(moment).date(), template.window.start)
        first, agents = session.execute(
            select(func.min(Attempt.recorded_at), func.count(func.distinct(Attempt.agent_id)))
            .where(*attempt_scope, Attempt.recorded_at >= day_start)).one()
        # Today's rate is of calls finished, not of attempts: a no-answer or a call-back
        # leaves the call still to make. Calls of earlier rounds closed when today's round
        # was made were not finished by anyone.
        finished = session.scalar(
            select(func.count()).select_from(Task)
            .where(*scope, Task.status.in_(("done", "closed")),
                   Task.completed_at >= day_start, Task.completed_at <= moment,
                   or_(Task.close_reason.is_(None), Task.close_reason != "round ended"))) or 0
    report.agents_today = agents or 0
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
