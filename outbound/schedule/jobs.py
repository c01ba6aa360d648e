"""The job list, built from the campaigns' declared schedules rather than written by hand.

Each active campaign contributes the jobs its template's ``[schedule]`` asks for (a
round at ``generate_at``, reminder enrolment at ``enrol_at``, an export at
``export_at``); two global jobs tidy expired claims and look for overdue call-backs.
A job is data: an id, a description, an APScheduler trigger and a function. Building
the list only reads the database; any scheduler can then run it.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

import platformdirs
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from outbound.campaigns.parsing import TemplateError
from outbound.campaigns.template import CampaignTemplate
from outbound.campaigns.window import describe_days
from outbound.clock import LONDON, london_day, to_london, utcnow
from outbound.db.database import Database
from outbound.db.models import Campaign
from outbound.schedule.work import (
    JobFunction,
    OverdueAlert,
    check_overdue_callbacks,
    enrol_due_reminders,
    make_round,
    remove_expired_records,
    sweep_leases,
    write_export,
)

log = logging.getLogger(__name__)

EXPORT_FOLDER_ENV = "OUTBOUND_EXPORT_FOLDER"
# A campaign job that is late (the computer was asleep, the scheduler busy) still runs
# within this time; later than that, catch-up runs it. Under a day, so that two days'
# runs can never be merged into one.
CAMPAIGN_MISFIRE_GRACE = timedelta(hours=12)
SWEEP_EVERY = timedelta(minutes=1)
# The retention run: early, before anyone calls, and clear of the clock changes.
RETENTION_AT = time(5, 0)
OVERDUE_EVERY = timedelta(minutes=5)
# On the nights the clocks change, wall-clock times from 01:00 to 03:00 happen twice
# or not at all.
CLOCK_CHANGE_HOURS = (time(1, 0), time(3, 0))
_DAY_CODES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True, eq=False)
class ScheduledJob:
    """One scheduled job: what runs, when, and how it is recorded.

    ``recorded`` jobs claim a ``job_run`` row per period (the London date of the
    scheduled time), so any number of clients do the work once; the others (lease
    sweeping, overdue alerts) are harmless to repeat and every client runs them,
    keeping only their latest run (one row each, for the job list).
    ``catch_up_days``: how far back a missed run is still made at start-up (1: today
    only; 7: a weekly round missed this week; 0: never).
    """

    job_id: str
    description: str
    trigger: BaseTrigger
    function: JobFunction
    campaign_id: int | None = None
    recorded: bool = True
    catch_up_days: int = 1
    misfire_grace: timedelta = CAMPAIGN_MISFIRE_GRACE
    warning: str | None = None

    def period(self, fire: datetime) -> str:
        """The ledger key for a run scheduled at ``fire``: its London date ("2026-11-22"),
        or its London minute for jobs that are not recorded."""
        if self.recorded:
            return london_day(fire).isoformat()
        return to_london(fire).strftime("%Y-%m-%dT%H:%M")

    @property
    def signature(self) -> tuple[str, str, str]:
        """What a scheduler needs to replace the job when it changes."""
        return (self.description, repr(self.trigger), str(self.misfire_grace))


def export_folder(given: str | Path | None = None) -> Path:
    """Where scheduled exports go: ``given``, else $OUTBOUND_EXPORT_FOLDER, else
    "Outbound exports" in the user's documents folder."""
    chosen = given or os.environ.get(EXPORT_FOLDER_ENV) or None
    if chosen:
        return Path(chosen).expanduser()
    return platformdirs.user_documents_path() / "Outbound exports"


def clock_change_warning(at: time) -> str | None:
    """A warning for a time of day that the clock changes make ambiguous."""
    if not CLOCK_CHANGE_HOURS[0] <= at < CLOCK_CHANGE_HOURS[1]:
        return None
    return (f"Set for {at:%H:%M}, a time that happens twice or not at all on the nights "
            "the clocks change: it still runs once that day, but a time outside 01:00 "
            "to 03:00 is safer.")


def daily_trigger(at: time, days: frozenset[int] | None = None, *,
                  starts: datetime | None = None, ends: date | None = None) -> CronTrigger:
    """A cron trigger at ``at`` on the London clock, on the given weekdays (0=Monday)."""
    chosen = sorted(days) if days is not None else list(range(7))
    return CronTrigger(
        day_of_week=",".join(_DAY_CODES[day] for day in chosen), hour=at.hour,
        minute=at.minute, timezone=LONDON,
        start_date=to_london(starts) if starts is not None else None,
        end_date=datetime.combine(ends, time(23, 59, 59), tzinfo=LONDON) if ends else None)


def _schedule_begins(campaign: Campaign) -> datetime:
    """The first instant a campaign's jobs may fire: its start date, or its creation
    (a campaign made at 10:00 has not "missed" that morning's 07:30 round)."""
    created = campaign.created_at or utcnow()
    if campaign.starts_on is None:
        return created
    opening = datetime.combine(campaign.starts_on, time(0, 0), tzinfo=LONDON)
    return max(opening, created)


def campaign_jobs(campaign: Campaign, template: CampaignTemplate,
                  folder: Path) -> list[ScheduledJob]:
    """The jobs one campaign's schedule asks for."""
    schedule = template.schedule
    begins = _schedule_begins(campaign)
    name = campaign.name
    window_days = template.window.days
    jobs: list[ScheduledJob] = []
    if template.kind == "round" and schedule.generate_at is not None:
        at = schedule.generate_at
        if template.period_days == 7:
            anchor = campaign.starts_on or london_day(campaign.created_at or utcnow())
            days = frozenset({anchor.weekday()})
            when = f"each {anchor:%A}"
            catch_up = 7
        else:
            days, when, catch_up = window_days, describe_days(window_days), 1
        jobs.append(ScheduledJob(
            job_id=f"round:{campaign.id}",
            description=f"{name}: make the round at {at:%H:%M}, {when}",
            trigger=daily_trigger(at, days, starts=begins, ends=campaign.ends_on),
            function=make_round(campaign.id), campaign_id=campaign.id,
            catch_up_days=catch_up, warning=clock_change_warning(at)))
    if template.kind == "reminder" and schedule.enrol_at is not None:
        at = schedule.enrol_at
        jobs.append(ScheduledJob(
            job_id=f"enrol:{campaign.id}",
            description=(f"{name}: enrol contacts whose expiry is within "
                         f"{template.lead_days} days, at {at:%H:%M} every day"),
            trigger=daily_trigger(at, starts=begins, ends=campaign.ends_on),
            function=enrol_due_reminders(campaign.id, template.lead_days),
            campaign_id=campaign.id, warning=clock_change_warning(at)))
    if schedule.export_at is not None:
        at = schedule.export_at
        jobs.append(ScheduledJob(
            job_id=f"export:{campaign.id}",
            description=(f"{name}: write the {schedule.export_format.upper()} export at "
                         f"{at:%H:%M}, {describe_days(window_days)}"),
            trigger=daily_trigger(at, window_days, starts=begins, ends=campaign.ends_on),
            function=write_export(campaign.id, folder, schedule),
            campaign_id=campaign.id, warning=clock_change_warning(at)))
    return jobs


def global_jobs(on_overdue: OverdueAlert | None = None) -> list[ScheduledJob]:
    """Jobs every client runs for itself: harmless to repeat, so not recorded."""
    return [
        ScheduledJob(
            job_id="sweep-leases", description="Return tasks whose claim has run out, "
            "every minute", trigger=IntervalTrigger(seconds=int(SWEEP_EVERY.total_seconds()),
                                                    timezone=LONDON),
            function=sweep_leases, recorded=False, catch_up_days=0,
            misfire_grace=timedelta(seconds=30)),
        ScheduledJob(
            job_id="overdue-callbacks", description="Look for overdue call-backs, every "
            "5 minutes", trigger=IntervalTrigger(
                seconds=int(OVERDUE_EVERY.total_seconds()), timezone=LONDON),
            function=check_overdue_callbacks(on_overdue), recorded=False,
            catch_up_days=0, misfire_grace=timedelta(minutes=1)),
    ]


def retention_job() -> ScheduledJob:
    """Once a day for the whole database, recorded, so ten clients run it once."""
    return ScheduledJob(
        job_id="retention", description="Remove calls, answers, notes, booking notes and "
        f"messages past their templates' retention periods, at {RETENTION_AT:%H:%M} every "
        "day",
        trigger=daily_trigger(RETENTION_AT), function=remove_expired_records)


def build_jobs(db: Database, *, export_to: Path, on_overdue: OverdueAlert | None = None,
               today: date | None = None) -> list[ScheduledJob]:
    """Every job this process should schedule, from the active campaigns in ``db``.

    A campaign whose template cannot be read is left out with a logged warning, so one
    bad file does not stop the others' rounds.
    """
    from outbound.queue.campaigns import list_campaigns, template_of

    day = today or london_day(utcnow())
    jobs: list[ScheduledJob] = []
    for campaign in list_campaigns(db):
        if campaign.status != "active" or (campaign.ends_on and campaign.ends_on < day):
            continue
        try:
            template = template_of(campaign)
        except TemplateError as exc:
            log.warning("%s has no scheduled jobs: its template cannot be read (%s)",
                        campaign.name, exc)
            continue
        jobs.extend(campaign_jobs(campaign, template, export_to))
    jobs.extend(global_jobs(on_overdue))
    jobs.append(retention_job())
    return jobs


def find_job(jobs: list[ScheduledJob], job_id: str) -> ScheduledJob:
    for job in jobs:
        if job.job_id == job_id:
            return job
    known = ", ".join(job.job_id for job in jobs) or "none"
    raise JobNotFound(f"There is no scheduled job “{job_id}”; the jobs are: {known}.")


class JobNotFound(ValueError):
    """No job has this id; the message lists the ones there are."""
