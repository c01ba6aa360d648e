"""Scheduled work: rounds, reminder enrolment and exports at the times each campaign's
template declares, lease sweeping and overdue call-back alerts, done once per period
however many clients run the scheduler.

    from outbound.schedule import ScheduledWork, export_folder, scheduler_options

    scheduler = BackgroundScheduler(**scheduler_options())   # or QtScheduler, Blocking...
    work = ScheduledWork(db, scheduler, export_to=export_folder(), on_result=print)
    work.rebuild()          # the jobs the campaigns declare; call again when they change
    scheduler.start()
    work.catch_up()         # what was missed today, at once (on a worker thread)
    work.statuses()         # job, last run and result, next run, warning

The pieces are usable without a scheduler too: ``build_jobs``, ``run_job`` (with an
explicit scheduled instant), ``catch_up``, ``run_job_now`` and ``job_statuses``.
"""

from __future__ import annotations

from outbound.schedule.jobs import (
    EXPORT_FOLDER_ENV,
    JobNotFound,
    ScheduledJob,
    build_jobs,
    campaign_jobs,
    clock_change_warning,
    export_folder,
    find_job,
    global_jobs,
)
from outbound.schedule.runner import (
    JobOutcome,
    JobStatus,
    catch_up,
    due_fire_time,
    job_statuses,
    last_fire_time,
    next_fire_time,
    run_job,
    run_job_now,
)
from outbound.schedule.runs import STALE_AFTER, RunRecord, claim_run, find_run, latest_runs
from outbound.schedule.service import JOB_STORE, ScheduledWork, scheduler_options
from outbound.schedule.work import JobError, JobFunction, OverdueAlert, OverdueCallback, say_day

__all__ = [
    "EXPORT_FOLDER_ENV",
    "JOB_STORE",
    "STALE_AFTER",
    "JobError",
    "JobFunction",
    "JobNotFound",
    "JobOutcome",
    "JobStatus",
    "OverdueAlert",
    "OverdueCallback",
    "RunRecord",
    "ScheduledJob",
    "ScheduledWork",
    "build_jobs",
    "campaign_jobs",
    "catch_up",
    "claim_run",
    "clock_change_warning",
    "due_fire_time",
    "export_folder",
    "find_job",
    "find_run",
    "global_jobs",
    "job_statuses",
    "last_fire_time",
    "latest_runs",
    "next_fire_time",
    "run_job",
    "run_job_now",
    "say_day",
    "scheduler_options",
]
