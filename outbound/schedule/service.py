"""The scheduled work of one process, run by an APScheduler 3 scheduler of its choice.

Job stores are never shared between processes: each keeps its jobs in a
MemoryJobStore built from the campaigns at start-up and rebuilt when they change. The
database's job-run ledger, not APScheduler, is what makes ten clients do each job
once. The headless ``serve`` command uses a BlockingScheduler; the client a
QtScheduler (ui/scheduler.py); tests a BackgroundScheduler or none at all.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers.base import BaseScheduler

from outbound.clock import LONDON, london_day, utcnow
from outbound.db.database import Database
from outbound.schedule.jobs import ScheduledJob, build_jobs
from outbound.schedule.runner import (
    JobOutcome,
    JobStatus,
    StopSignal,
    catch_up,
    job_statuses,
    last_fire_time,
    run_job,
    run_job_now,
)
from outbound.schedule.runs import this_client
from outbound.schedule.work import OverdueAlert

log = logging.getLogger(__name__)

JOB_STORE = "campaign-jobs"
WORKER_THREADS = 2
LATE_SLACK = timedelta(minutes=5)


def scheduler_options() -> dict[str, Any]:
    """Settings for any APScheduler 3 scheduler running Outbound's jobs: a private
    memory job store, a small thread pool (jobs do database work, never on a GUI
    thread), London time, and one run at a time per job with missed runs coalesced."""
    return {
        "jobstores": {"default": MemoryJobStore(), JOB_STORE: MemoryJobStore()},
        "executors": {"default": ThreadPoolExecutor(max_workers=WORKER_THREADS)},
        "job_defaults": {"coalesce": True, "max_instances": 1, "misfire_grace_time": 60},
        "timezone": LONDON,
    }


class ScheduledWork:
    """The jobs of one process, kept in step with the campaigns.

    ``on_result`` hears every outcome (on a worker thread); ``on_overdue`` receives
    the list of overdue call-backs every five minutes (on a worker thread too).
    ``load_jobs`` reads the database and may run on any thread; ``install`` touches
    the scheduler and belongs on the scheduler's own thread (the GUI thread for Qt).
    """

    def __init__(self, db: Database, scheduler: BaseScheduler, *, export_to: Path,
                 on_result: Callable[[JobOutcome], None] | None = None,
                 on_overdue: OverdueAlert | None = None, client: str | None = None) -> None:
        self.db = db
        self.scheduler = scheduler
        self.export_to = export_to
        self.client = client or this_client()
        self._on_result = on_result
        self._on_overdue = on_overdue
        self._lock = threading.Lock()
        self._jobs: dict[str, ScheduledJob] = {}
        self._recent: dict[str, JobOutcome] = {}

    @property
    def jobs(self) -> list[ScheduledJob]:
        with self._lock:
            return list(self._jobs.values())

    def load_jobs(self, now: datetime | None = None) -> list[ScheduledJob]:
        """The job list the campaigns declare now (reads the database)."""
        return build_jobs(self.db, export_to=self.export_to, on_overdue=self._on_overdue,
                          today=london_day(now or utcnow()))

    def install(self, jobs: list[ScheduledJob]) -> None:
        """Make the scheduler hold exactly ``jobs``; unchanged jobs keep their timing."""
        with self._lock:
            old, self._jobs = self._jobs, {job.job_id: job for job in jobs}
        for job_id in old.keys() - self._jobs.keys():
            if self.scheduler.get_job(job_id, JOB_STORE) is not None:
                self.scheduler.remove_job(job_id, JOB_STORE)
            log.info("Removed job %s", job_id)
        for job in jobs:
            before = old.get(job.job_id)
            if before is not None and before.signature == job.signature:
                continue
            if job.warning:
                log.warning("%s: %s", job.job_id, job.warning)
            self.scheduler.add_job(
                self._fire, trigger=job.trigger, args=[job.job_id], id=job.job_id,
                name=job.description, jobstore=JOB_STORE, replace_existing=True,
                coalesce=True, max_instances=1,
                misfire_grace_time=int(job.misfire_grace.total_seconds()))

    def rebuild(self, now: datetime | None = None) -> list[ScheduledJob]:
        """Re-read the campaigns and reschedule: call it when campaigns change."""
        jobs = self.load_jobs(now)
        self.install(jobs)
        return jobs

    def catch_up(self, now: datetime | None = None,
                 stop: StopSignal | None = None) -> list[JobOutcome]:
        """Run what was missed today (or failed); see runner.catch_up."""
        outcomes = catch_up(self.db, self.jobs, now=now, client=self.client, stop=stop)
        for outcome in outcomes:
            self._tell(outcome)
        return outcomes

    def refresh(self) -> None:
        """Rebuild and catch up: for a headless scheduler with nobody to call rebuild."""
        self.rebuild()
        self.catch_up()

    def run_now(self, job_id: str, *, force: bool = False,
                now: datetime | None = None) -> JobOutcome:
        outcome = run_job_now(self.db, job_id, now, jobs=self.jobs, force=force,
                              client=self.client)
        self._tell(outcome)
        return outcome

    def statuses(self, now: datetime | None = None) -> list[JobStatus]:
        with self._lock:
            recent = dict(self._recent)
        return job_statuses(self.db, self.jobs, now, recent=recent)

    def _fire(self, job_id: str) -> JobOutcome | None:
        """What the scheduler calls. The period is that of the scheduled time, worked out
        from the trigger, so a run that starts late still counts for its own day."""
        with self._lock:
            job = self._jobs.get(job_id)
        if job is None:
            return None
        now = utcnow()
        fire = now
        if job.recorded:
            lookback = job.misfire_grace + LATE_SLACK
            fire = last_fire_time(job.trigger, now, lookback) or now
        outcome = run_job(self.db, job, fire, client=self.client)
        self._tell(outcome)
        return outcome

    def _tell(self, outcome: JobOutcome) -> None:
        if outcome.status == "skipped":
            log.debug("%s skipped: %s", outcome.job_id, outcome.result)
        else:
            with self._lock:
                self._recent[outcome.job_id] = outcome
                job = self._jobs.get(outcome.job_id)
            # The every-minute jobs would flood the log; they log what they change.
            level = logging.INFO if job is None or job.recorded else logging.DEBUG
            log.log(level, "%s %s for %s: %s", outcome.job_id, outcome.status,
                    outcome.period, outcome.result)
        if self._on_result is not None:
            try:
                self._on_result(outcome)
            except Exception:
                log.exception("reporting the result of %s failed", outcome.job_id)
