"""Running scheduled jobs: once per period across every client, catch-up after
downtime, and the status a supervisor sees.

Nothing here waits on a clock: every function takes the instants it needs, so the
nights the clocks change can be tested by calling it with those instants.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Literal, Protocol

from apscheduler.triggers.base import BaseTrigger

from outbound.clock import london_day, utcnow
from outbound.db.database import Database, DatabaseError
from outbound.files import OutputError
from outbound.schedule.jobs import ScheduledJob, build_jobs, export_folder, find_job
from outbound.schedule.runs import (
    RunRecord,
    claim_run,
    find_run,
    finish_run,
    latest_runs,
    note_run,
    this_client,
)
from outbound.schedule.work import JobError, campaign_skip_reason

log = logging.getLogger(__name__)

Status = Literal["done", "failed", "skipped"]
# Errors whose message is already one sentence a person can act on: campaigns,
# templates, files and folders, the database, the exports.
SENTENCE_ERRORS: tuple[type[BaseException], ...] = (
    ValueError, OSError, JobError, OutputError, DatabaseError)
_STEP = timedelta(seconds=1)


class StopSignal(Protocol):
    """Anything that says whether to stop: a threading.Event, say."""

    def is_set(self) -> bool: ...


@dataclass(frozen=True, slots=True)
class JobOutcome:
    """How one attempt to run a job ended: done, failed, or skipped (already done by
    this or another client, under way elsewhere, or the campaign is paused)."""

    job_id: str
    period: str
    status: Status
    result: str
    fire_time: datetime
    finished_at: datetime


@dataclass(frozen=True, slots=True)
class JobStatus:
    """One line of the job list: what it is, how it last went, when it runs next."""

    job_id: str
    description: str
    last_run: datetime | None       # when the latest run started (UTC)
    last_status: str | None         # running | done | failed
    last_result: str | None
    last_period: str | None
    next_run: datetime | None       # UTC
    warning: str | None


def next_fire_time(trigger: BaseTrigger, now: datetime) -> datetime | None:
    """The trigger's next fire time at or after ``now``, in UTC."""
    fire = trigger.get_next_fire_time(None, now)
    return None if fire is None else fire.astimezone(UTC)


def last_fire_time(trigger: BaseTrigger, now: datetime,
                   lookback: timedelta = timedelta(days=8)) -> datetime | None:
    """The latest fire time at or before ``now`` (within ``lookback``), in UTC.

    Steps are taken in UTC: adding to a London time adds wall-clock time and loses the
    fold, which on 25 October would step back an hour and find the same 01:30 again.
    """
    now = now.astimezone(UTC)
    latest: datetime | None = None
    fire = trigger.get_next_fire_time(None, now - lookback)
    while fire is not None and fire.astimezone(UTC) <= now:
        latest = fire.astimezone(UTC)
        fire = trigger.get_next_fire_time(fire, latest + _STEP)
    return latest


def due_fire_time(job: ScheduledJob, now: datetime) -> datetime | None:
    """The scheduled time of the job's current period if it has passed: today's (or this
    week's, for a weekly round) fire time at or before ``now``, else None."""
    if job.catch_up_days <= 0:
        return None
    fire = last_fire_time(job.trigger, now, timedelta(days=job.catch_up_days + 1))
    if fire is None:
        return None
    if london_day(fire) <= london_day(now) - timedelta(days=job.catch_up_days):
        return None
    return fire


def _describe_failure(exc: BaseException) -> str:
    if isinstance(exc, SENTENCE_ERRORS):
        return str(exc)
    return f"Something went wrong ({type(exc).__name__}: {exc})."


def run_job(db: Database, job: ScheduledJob, fire: datetime, *, now: datetime | None = None,
            force: bool = False, client: str | None = None) -> JobOutcome:
    """Run ``job`` for the period of ``fire``, unless this period is done or under way.

    Safe to call from any number of clients at once: the ``job_run`` row is claimed
    before the work and only its claimant does the work. Never raises: a failure is
    logged, recorded (so a later attempt may retry it) and returned.
    """
    started = now or utcnow()
    period = job.period(fire)
    who = client or this_client()

    def outcome(status: Status, result: str) -> JobOutcome:
        finished = now or utcnow()
        return JobOutcome(job.job_id, period, status, result, fire.astimezone(UTC), finished)

    try:
        if job.campaign_id is not None:
            reason = campaign_skip_reason(db, job.campaign_id, london_day(fire))
            if reason is not None:
                return outcome("skipped", reason)
        run_id = None
        if job.recorded:
            run_id = claim_run(db, job.job_id, period, now=started, client=who, force=force)
            if run_id is None:
                held = find_run(db, job.job_id, period)
                return outcome("skipped", _why_skipped(held, period))
    except Exception as exc:
        log.exception("%s could not start", job.job_id)
        return outcome("failed", _describe_failure(exc))

    try:
        result, ok = job.function(db, fire, started), True
    except Exception as exc:
        if isinstance(exc, SENTENCE_ERRORS):
            log.error("%s failed for %s: %s", job.job_id, period, exc)
        else:
            log.exception("%s failed for %s", job.job_id, period)
        result, ok = _describe_failure(exc), False
    done = outcome("done" if ok else "failed", result)
    if run_id is not None:
        try:
            finish_run(db, run_id, ok=ok, result=result, now=done.finished_at, client=who)
        except Exception:
            log.exception("%s: the result could not be recorded", job.job_id)
    elif not job.recorded:
        try:
            note_run(db, job.job_id, ok=ok, result=result, started=started,
                     finished=done.finished_at, client=who)
        except Exception as exc:   # every minute while the database is away: no traceback
            log.warning("%s: its run could not be noted (%s)", job.job_id, exc)
    return done


def _why_skipped(held: RunRecord | None, period: str) -> str:
    if held is None or held.status == "done":
        return f"Already done for {period}."
    if held.status == "running":
        return f"Under way for {period} on {held.client or 'another client'}."
    return f"Not run for {period}."


def catch_up(db: Database, jobs: list[ScheduledJob], *, now: datetime | None = None,
             client: str | None = None,
             stop: StopSignal | None = None) -> list[JobOutcome]:
    """Run each job whose scheduled time today has passed with no run recorded (or a
    failed one, once its back-off has passed): a client started at 10:00 makes the 07:30
    round it missed, at once. What another client already did is not done again."""
    moment = now or utcnow()
    outcomes: list[JobOutcome] = []
    for job in jobs:
        if stop is not None and stop.is_set():
            break
        if not job.recorded:
            continue
        fire = due_fire_time(job, moment)
        if fire is None:
            continue
        try:
            held = find_run(db, job.job_id, job.period(fire))
        except Exception:
            log.exception("%s: cannot read its runs", job.job_id)
            continue
        if held is not None and held.status != "failed":
            continue
        retry_at = None if held is None else held.retry_at()
        if retry_at is not None and retry_at > moment:
            continue                       # failed lately: tried again later and later
        log.info("Catching up %s for %s", job.job_id, job.period(fire))
        outcomes.append(run_job(db, job, fire, now=now, client=client))
    return outcomes


def run_job_now(db: Database, job_id: str, now: datetime | None = None, *,
                jobs: list[ScheduledJob] | None = None, force: bool = False,
                export_to: Path | None = None, client: str | None = None) -> JobOutcome:
    """Run one job now, for its current period (today's round, even before 07:30).

    Done already, it is skipped unless ``force``; a run under way is never doubled.
    Raises JobNotFound (a ValueError) for an unknown id.
    """
    moment = now or utcnow()
    if jobs is None:
        jobs = build_jobs(db, export_to=export_to or export_folder(),
                          today=london_day(moment))
    job = find_job(jobs, job_id)
    fire = due_fire_time(job, moment) or moment
    return run_job(db, job, fire, now=now, force=force, client=client)


def _next_run(job: ScheduledJob, run: RunRecord | None, now: datetime) -> datetime | None:
    """The next fire time, or sooner the retry of this period's failed run."""
    scheduled = next_fire_time(job.trigger, now)
    retry = None if run is None else run.retry_at()
    due = due_fire_time(job, now)
    if retry is None or due is None or run is None or run.period != job.period(due):
        return scheduled
    retry = max(retry.astimezone(UTC), now.astimezone(UTC))
    return retry if scheduled is None or retry < scheduled else scheduled


def job_statuses(db: Database, jobs: list[ScheduledJob], now: datetime | None = None, *,
                 recent: Mapping[str, JobOutcome] | None = None) -> list[JobStatus]:
    """Each job with its last run (from the ledger, where even the every-minute jobs
    keep their latest run; else from ``recent``, this process's own outcomes), its next
    run and any warning."""
    moment = now or utcnow()
    ledger = latest_runs(db, [job.job_id for job in jobs])
    statuses: list[JobStatus] = []
    for job in jobs:
        run = ledger.get(job.job_id)
        local = (recent or {}).get(job.job_id)
        if run is not None:
            last = (run.started_at, run.status, run.result, run.period)
        elif local is not None:
            last = (local.finished_at, local.status, local.result, local.period)
        else:
            last = (None, None, None, None)
        statuses.append(JobStatus(job.job_id, job.description, *last,
                                  next_run=_next_run(job, run, moment),
                                  warning=job.warning))
    return statuses
