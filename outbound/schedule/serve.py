"""A headless scheduler for a team that wants one machine to do the scheduled work.

It catches up at start-up, then waits for the next job, re-reading the campaigns every
few minutes. SIGTERM or SIGINT (Ctrl+C) shuts the scheduler down, letting a job under
way finish, and returns so that the caller can close the database and exit 0.
"""

from __future__ import annotations

import logging
import signal
import threading
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger

from outbound.clock import LONDON, to_london, utcnow
from outbound.db.database import Database
from outbound.schedule.runner import next_fire_time
from outbound.schedule.service import ScheduledWork, scheduler_options
from outbound.schedule.work import OverdueCallback

if TYPE_CHECKING:
    from outbound.notify.sender import Sender

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


_POLL_SECONDS = 0.2


class _StopRequest:
    """Whether to stop: a signal came, or ``stop`` was set.

    The signal handler only appends to a list. A handler runs between two bytecodes of
    the main thread, wherever it is: one that logged or shut the scheduler down could
    re-enter the stream or lock the main thread was in the middle of, and hang the
    process with the signal spent. The main thread notices within a poll and does the
    rest.
    """

    def __init__(self, stop: threading.Event | None) -> None:
        self.stop = stop or threading.Event()
        self.signals: list[int] = []

    def signalled(self, signum: int, _frame: FrameType | None) -> None:
        self.signals.append(signum)

    def is_set(self) -> bool:
        return bool(self.signals) or self.stop.is_set()

    def pause(self) -> None:
        """Wait a moment, or less if ``stop`` is set meanwhile."""
        self.stop.wait(_POLL_SECONDS)


def serve(db: Database, *, export_to: Path, stop: threading.Event | None = None,
          sender: Sender | None = None) -> None:
    """Run the scheduled jobs until SIGTERM/SIGINT (or ``stop``, for tests in a thread).

    With a ``sender`` (this machine has the GOV.UK Notify key), the queued texts,
    emails and letters are sent from a thread of their own alongside.
    Signal handlers are installed only when called from the main thread.
    """
    request = _StopRequest(stop)
    sending = threading.Event()
    messages = (threading.Thread(target=sender.run, args=(sending,), name="messages")
                if sender is not None else None)
    scheduler = BackgroundScheduler(**scheduler_options())
    work = ScheduledWork(db, scheduler, export_to=export_to, on_overdue=_OverdueLog())
    handlers = {}
    if threading.current_thread() is threading.main_thread():
        handlers = {sig: signal.signal(sig, request.signalled)
                    for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        jobs = work.rebuild()
        log.info("Serving %d jobs from %s; exports go to %s.", len(jobs), db.description,
                 export_to)
        for job in jobs:
            upcoming = next_fire_time(job.trigger, utcnow())
            log.info("  %s: %s (next %s)", job.job_id, job.description,
                     f"{to_london(upcoming):%a %d %b %H:%M}" if upcoming else "never")
        work.catch_up(stop=request)      # each outcome is logged as it happens
        if not request.is_set():
            scheduler.add_job(work.refresh, IntervalTrigger(minutes=REFRESH_EVERY_MINUTES,
                                                            timezone=LONDON),
                              id="refresh-campaigns", name="Re-read the campaigns")
            scheduler.start()
            if messages is not None:
                messages.start()
                log.info("Sending the queued messages through GOV.UK Notify.")
            log.info(READY)
            while not request.is_set():
                request.pause()
    finally:
        if request.signals:
            log.info("Stopping (%s)…", signal.Signals(request.signals[0]).name)
        sending.set()
        if messages is not None and messages.is_alive():
            messages.join()                  # a batch under way is recorded first
        if scheduler.running:
            scheduler.shutdown(wait=True)    # a job under way finishes first
        for sig, previous in handlers.items():
            signal.signal(sig, previous)
    log.info("Stopped.")
