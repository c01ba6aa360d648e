"""What each scheduled job does: short functions over the engine, each returning the
one-line result a supervisor reads in the job list ("Made 712 tasks for Sunday 22
November").

A job function is called as ``function(db, fire, now)``: ``fire`` is the instant the
job was scheduled for (its London date names the round, the enrolment day or the
export file), ``now`` the instant the work is done.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from outbound.campaigns.template import Schedule
from outbound.clock import london_day
from outbound.db.database import Database
from outbound.db.models import Campaign
from outbound.text import count_of

log = logging.getLogger(__name__)

JobFunction = Callable[[Database, datetime, datetime], str]


@dataclass(frozen=True, slots=True)
class OverdueCallback:
    """A call-back whose time has passed and nobody has taken, for the client's alert."""

    task_id: int
    campaign_id: int
    contact_name: str
    owner: str | None
    callback_at: datetime


OverdueAlert = Callable[[list[OverdueCallback]], None]


class JobError(RuntimeError):
    """A job that cannot be done; the message is one sentence a person can act on."""


def say_day(day: date) -> str:
    """"Sunday 22 November", as people write it."""
    return f"{day:%A} {day.day} {day:%B}"


def campaign_skip_reason(db: Database, campaign_id: int, day: date) -> str | None:
    """Why a campaign's job should not run for ``day`` (paused, closed, not started,
    ended, deleted), or None. Checked at run time: the campaign may have changed since
    the job list was built."""
    with db.read() as session:
        campaign = session.get(Campaign, campaign_id)
        if campaign is None:
            return "The campaign no longer exists."
        if campaign.status != "active":
            return f"{campaign.name} is {campaign.status}."
        if campaign.starts_on is not None and day < campaign.starts_on:
            return f"{campaign.name} starts on {say_day(campaign.starts_on)}."
        if campaign.ends_on is not None and day > campaign.ends_on:
            return f"{campaign.name} ended on {say_day(campaign.ends_on)}."
    return None


def make_round(campaign_id: int) -> JobFunction:
    def work(db: Database, fire: datetime, now: datetime) -> str:
        from outbound.queue.campaigns import generate_round

        day = london_day(fire)
        made = generate_round(db, campaign_id, day, now=now)
        if not made.calling_day:
            return f"No round for {say_day(day)}: it is not a calling day."
        line = f"Made {count_of(made.created, 'task')} for {say_day(day)}"
        if made.closed_from_earlier_rounds:
            line += (f"; closed {count_of(made.closed_from_earlier_rounds, 'task')} "
                     "left from earlier rounds")
        return line + "."

    return work


def enrol_due_reminders(campaign_id: int, lead_days: int) -> JobFunction:
    def work(db: Database, fire: datetime, now: datetime) -> str:
        from outbound.queue.campaigns import enrol_reminders

        day = london_day(fire)
        made = enrol_reminders(db, campaign_id, day, now=now)
        last = day + timedelta(days=lead_days)
        return (f"Enrolled {count_of(made, 'contact')} whose expiry falls by "
                f"{say_day(last)} {last.year}.")

    return work


def write_export(campaign_id: int, folder: Path, schedule: Schedule) -> JobFunction:
    def work(db: Database, fire: datetime, now: datetime) -> str:
        # Imported here: exports are their own part of the engine, loaded when needed.
        try:
            from outbound.exports import write_scheduled_export
        except ImportError:
            raise JobError("Scheduled exports are not available in this version of "
                           "Outbound.") from None

        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OSError(f"Cannot create the export folder {folder}: "
                          f"{exc.strerror or exc}.") from None
        path = write_scheduled_export(db, campaign_id, folder, london_day(fire),
                                      fmt=schedule.export_format,
                                      keep_days=schedule.export_keep_days)
        return f"Wrote {Path(path).name} to {folder}."

    return work


def sweep_leases(db: Database, fire: datetime, now: datetime) -> str:
    from outbound.queue.claim import sweep_expired_leases

    freed = sweep_expired_leases(db, now=now)
    if not freed:
        return "No claims had run out."
    line = f"Returned {count_of(freed, 'task')} whose claim had run out."
    log.info(line)
    return line


def check_overdue_callbacks(alert: OverdueAlert | None) -> JobFunction:
    def work(db: Database, fire: datetime, now: datetime) -> str:
        from outbound.queue.outcomes import overdue_callbacks

        overdue = [OverdueCallback(task_id=task.id, campaign_id=task.campaign_id,
                                   contact_name=name, owner=owner,
                                   callback_at=task.callback_at)
                   for task, name, owner in overdue_callbacks(db, now=now)
                   if task.callback_at is not None]
        if alert is not None:
            alert(overdue)
        if not overdue:
            return "No call-backs are overdue."
        return f"{count_of(len(overdue), 'call-back')} overdue."

    return work


def remove_expired_records(db: Database, fire: datetime, now: datetime) -> str:
    """The daily retention run: what each template's [retention] says has been kept
    long enough is removed (``outbound.rights.retention``)."""
    from outbound.rights.retention import apply_retention

    report = apply_retention(db, now=now, actor="scheduled job")
    line = report.summary(done=True)
    if report.problems:
        line += " " + " ".join(report.problems)
    return line
