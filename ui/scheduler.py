"""The client's scheduler: the campaigns' jobs in an APScheduler QtScheduler.

The QtScheduler's timer lives on the GUI thread, so it is only touched from there
(adding and removing jobs wakes its timer). The jobs themselves read and write the
database, so they run in APScheduler's thread pool, never on the GUI thread; what they
produce comes back on the GUI thread through the signals below.

Signals (all delivered on the GUI thread):

- ``job_finished(JobOutcome)``: every outcome, including ``skipped`` ones (another
  client did it already, or ``run_now`` found it done); screens usually ignore those.
- ``callbacks_overdue(list[OverdueCallback])``: every five minutes, possibly empty (an
  empty list clears the alert).
- ``jobs_changed(list[ScheduledJob])``: after the job list is rebuilt.
- ``statuses_ready(list[JobStatus])``: the answer to ``request_statuses()``.
"""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path
from typing import Any

from apscheduler.schedulers.qt import QtScheduler
from PySide6.QtCore import QObject, QTimer, Signal

from outbound.db import Database
from outbound.schedule import ScheduledJob, ScheduledWork, scheduler_options

log = logging.getLogger(__name__)

# Campaigns are changed from other clients too: re-read them, and catch up (a failed
# run retried, a run abandoned by a client that died taken over), this often.
REFRESH_EVERY_MS = 5 * 60 * 1000


class JobScheduler(QObject):
    """Runs the scheduled jobs inside the client; see the module docstring."""

    job_finished = Signal(object)
    callbacks_overdue = Signal(object)
    jobs_changed = Signal(object)
    statuses_ready = Signal(object)
    _sig_jobs_loaded = Signal(object, bool)   # from a worker thread to the GUI thread

    def __init__(self, db: Database, *, export_to: Path,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._scheduler = QtScheduler(**scheduler_options())
        self._work = ScheduledWork(db, self._scheduler, export_to=export_to,
                                   on_result=self.job_finished.emit,
                                   on_overdue=self.callbacks_overdue.emit)
        self._sig_jobs_loaded.connect(self._install)
        self._refresh = QTimer(self)
        self._refresh.setInterval(REFRESH_EVERY_MS)
        self._refresh.timeout.connect(lambda: self.rebuild(catch_up=True))

    @property
    def running(self) -> bool:
        return bool(self._scheduler.running)

    def start(self) -> None:
        """Start the scheduler, load the jobs, then catch up on what was missed today;
        every five minutes after, re-read the campaigns and catch up again."""
        self._scheduler.start()
        self.rebuild(catch_up=True)
        self._refresh.start()

    def rebuild(self, *, catch_up: bool = False) -> None:
        """Re-read the campaigns (after one is created, paused, resumed or closed)."""
        self._in_pool(self._load, catch_up)

    def run_now(self, job_id: str, *, force: bool = False) -> None:
        """Run one job now for its current period; the outcome arrives as job_finished."""
        self._in_pool(self._work.run_now, job_id, force=force)

    def request_statuses(self, now: datetime | None = None) -> None:
        """Ask for the job list with last and next runs; answered by statuses_ready."""
        self._in_pool(self._statuses, now)

    def shutdown(self) -> None:
        """Stop scheduling; a job under way finishes on its worker thread."""
        self._refresh.stop()
        if not self._scheduler.running:
            return
        self._scheduler.remove_all_jobs()     # a stray timer then finds nothing due
        self._scheduler.shutdown(wait=False)

    # --- worker threads -------------------------------------------------------------

    def _load(self, catch_up: bool) -> None:
        self._sig_jobs_loaded.emit(self._work.load_jobs(), catch_up)

    def _statuses(self, now: datetime | None) -> None:
        self.statuses_ready.emit(self._work.statuses(now))

    # --- GUI thread -----------------------------------------------------------------

    def _install(self, jobs: list[ScheduledJob], catch_up: bool) -> None:
        if not self._scheduler.running:
            return
        self._work.install(jobs)
        self.jobs_changed.emit(jobs)
        if catch_up:
            self._in_pool(self._work.catch_up)

    def _in_pool(self, work: Any, *args: Any, **kwargs: Any) -> None:
        """Run ``work`` once, now, on APScheduler's thread pool."""
        if not self._scheduler.running:
            log.debug("scheduler stopped; %s not run", getattr(work, "__name__", work))
            return
        self._scheduler.add_job(work, args=args, kwargs=kwargs, misfire_grace_time=None)


__all__ = ["JobScheduler"]
