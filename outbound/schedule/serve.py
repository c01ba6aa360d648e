"""A headless scheduler for a team that wants one machine to do the scheduled work.

It catches up at start-up, then waits for the next job, re-reading the campaigns every
few minutes. SIGTERM or SIGINT (Ctrl+C) shuts the scheduler down, letting a job under
way finish, and returns so that the caller can close the database and exit 0.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import threading
from pathlib import Path
from types import FrameType

from apscheduler.events import EVENT_SCHEDULER_STARTED, SchedulerEvent
from apscheduler.schedulers import SchedulerNotRunningError
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.interval import IntervalTrigger

from outbound.clock import LONDON, to_london, utcnow
from outbound.db.database import Database
from outbound.schedule.runner import next_fire_time
from outbound.schedule.service import ScheduledWork, scheduler_options
from outbound.schedule.work import OverdueCallback

log = logging.getLogger(__name__)

REFRESH_EVERY_MINUTES = 5
READY = "Waiting for the next job; stop with Ctrl+C or SIGTERM."


class _OverdueLog:
    """Logs each overdue call-back once, not every five minutes."""

    def __init__(self) -> None:
        self._told: set[int] = set()

    def __call__(self, overdue: list[OverdueCallback]) -> None:
        fresh = [callback for callback in overdue if callback.task_id not in self._told]
        self._told = {callback.task_id for callback in overdue}
        for callback in fresh:
            _log_overdue(callback)


def _log_overdue(callback: OverdueCallback) -> None:
    log.warning("Overdue call-back: %s, due %s%s", callback.contact_name,
                f"{to_london(callback.callback_at):%d %b %H:%M}",
                f" (for {callback.owner})" if callback.owner else "")


def _shut_down(scheduler: BaseScheduler, *, wait: bool = True) -> None:
    with contextlib.suppress(SchedulerNotRunningError):   # already stopping, or not started
        scheduler.shutdown(wait=wait)


def serve(db: Database, *, export_to: Path, stop: threading.Event | None = None) -> None:
    """Run the scheduled jobs until SIGTERM/SIGINT (or ``stop``, for tests in a thread).

    Signal handlers are installed only when called from the main thread.
    """
    stopping = stop or threading.Event()
    scheduler = BlockingScheduler(**scheduler_options())
    work = ScheduledWork(db, scheduler, export_to=export_to, on_overdue=_OverdueLog())

    def request_stop(signum: int, _frame: FrameType | None) -> None:
        log.info("Stopping (%s)…", signal.Signals(signum).name)
        stopping.set()
        if scheduler.running:
            _shut_down(scheduler)

    def started(_event: SchedulerEvent) -> None:
        log.info(READY)
        if stopping.is_set():          # asked to stop while starting
            _shut_down(scheduler, wait=False)

    handlers = {}
    if threading.current_thread() is threading.main_thread():
        handlers = {sig: signal.signal(sig, request_stop)
                    for sig in (signal.SIGTERM, signal.SIGINT)}
    watcher = None
    if stop is not None:               # an event from a test or an embedding program
        def watch() -> None:
            stopping.wait()
            if scheduler.running:
                _shut_down(scheduler)
        watcher = threading.Thread(target=watch, name="outbound-serve-stop", daemon=True)
    try:
        jobs = work.rebuild()
        log.info("Serving %d jobs from %s; exports go to %s.", len(jobs), db.description,
                 export_to)
        for job in jobs:
            upcoming = next_fire_time(job.trigger, utcnow())
            log.info("  %s: %s (next %s)", job.job_id, job.description,
                     f"{to_london(upcoming):%a %d %b %H:%M}" if upcoming else "never")
        work.catch_up(stop=stopping)     # each outcome is logged as it happens
        scheduler.add_job(work.refresh, IntervalTrigger(minutes=REFRESH_EVERY_MINUTES,
                                                        timezone=LONDON),
                          id="refresh-campaigns", name="Re-read the campaigns")
        scheduler.add_listener(started, EVENT_SCHEDULER_STARTED)
        if watcher is not None:
            watcher.start()
        if not stopping.is_set():
            scheduler.start()
    finally:
        stopping.set()                 # releases the watcher
        for sig, previous in handlers.items():
            signal.signal(sig, previous)
    log.info("Stopped.")

