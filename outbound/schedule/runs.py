"""The job-run ledger: one ``job_run`` row per job and period, claimed before the work.

Every client of a team runs the same scheduled jobs. Whoever inserts the (job, period)
row first does the work; the others find the row and skip. The claim is one INSERT
... ON CONFLICT DO NOTHING (or a conditional UPDATE to take over a failed or
abandoned run), never a read-then-write in Python, so it holds across processes and
machines on SQLite and on PostgreSQL alike.

Jobs every client runs for itself every few minutes (lease sweeping, overdue
call-backs) claim nothing: each keeps one row, period ``LATEST``, overwritten by
whichever client ran it last, so the job list can say when and how it last ran.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from outbound.db.database import Database
from outbound.db.schedule_models import JobRun

# A run still "running" after this long belongs to a client that died mid-job; another
# client may take it over. Rounds and exports take seconds, so an hour is generous.
STALE_AFTER = timedelta(hours=1)
RESULT_LENGTH = 500
# A failed run is tried again 5 minutes later, then 10, 20 and 40, then every hour: a
# drive that is not connected is not asked for every five minutes all day.
FIRST_RETRY = timedelta(minutes=5)
LONGEST_RETRY = timedelta(hours=1)
# The period of the one row kept for a job that is not recorded period by period.
LATEST = "latest"


def this_client() -> str:
    """Who ran a job, as recorded in the ledger: host and process."""
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass(frozen=True, slots=True)
class RunRecord:
    """What the ledger says about one run (a plain copy, safe to pass between threads)."""

    job: str
    period: str
    status: str
    started_at: datetime
    finished_at: datetime | None
    result: str | None
    client: str | None
    attempts: int = 1

    def retry_at(self) -> datetime | None:
        """When a failed run may be tried again; None unless it failed."""
        if self.status != "failed":
            return None
        delay = min(FIRST_RETRY * 2 ** max(self.attempts - 1, 0), LONGEST_RETRY)
        return (self.finished_at or self.started_at) + delay


def claim_run(db: Database, job: str, period: str, *, now: datetime, client: str,
              force: bool = False, stale_after: timedelta = STALE_AFTER) -> int | None:
    """Claim (job, period) for this client; the run's id, or None if it is not ours to do.

    A new period is claimed by inserting its row. An existing row is taken over only
    when its run failed, or has been "running" for longer than ``stale_after``; with
    ``force``, a finished run is taken over too. A run in progress is never taken.
    """
    table = JobRun.__table__

    def work(session: Session) -> int | None:
        maker = postgresql.insert if session.get_bind().dialect.name == "postgresql" \
            else sqlite.insert
        inserted = session.scalar(
            maker(table).values(job=job, period=period, status="running", started_at=now,
                                client=client)
            .on_conflict_do_nothing(index_elements=["job", "period"])
            .returning(table.c.id))
        if inserted is not None:
            return int(inserted)
        retake = [table.c.status == "failed",
                  and_(table.c.status == "running", table.c.started_at < now - stale_after)]
        if force:
            retake.append(table.c.status == "done")
        taken = session.scalar(
            update(table).where(table.c.job == job, table.c.period == period, or_(*retake))
            .values(status="running", started_at=now, finished_at=None, result=None,
                    client=client, attempts=table.c.attempts + 1)
            .returning(table.c.id))
        return None if taken is None else int(taken)

    return db.run_write(work)


def finish_run(db: Database, run_id: int, *, ok: bool, result: str, now: datetime,
               client: str) -> None:
    """Record how a claimed run ended; a run another client has since taken over is left
    to that client."""
    line = " ".join(result.split())[:RESULT_LENGTH]

    def work(session: Session) -> None:
        session.execute(
            update(JobRun).where(JobRun.id == run_id, JobRun.client == client)
            .values(status="done" if ok else "failed", finished_at=now, result=line))

    db.run_write(work)


def note_run(db: Database, job: str, *, ok: bool, result: str, started: datetime,
             finished: datetime, client: str) -> None:
    """Keep the latest run of a job that every client runs for itself: one row per
    job, overwritten, unless it already holds a later run (from another client)."""
    table = JobRun.__table__
    line = " ".join(result.split())[:RESULT_LENGTH]

    def work(session: Session) -> None:
        maker = postgresql.insert if session.get_bind().dialect.name == "postgresql" \
            else sqlite.insert
        stmt = maker(table).values(job=job, period=LATEST, status="done" if ok else "failed",
                                   started_at=started, finished_at=finished, result=line,
                                   client=client)
        session.execute(stmt.on_conflict_do_update(
            index_elements=["job", "period"],
            set_={name: stmt.excluded[name]
                  for name in ("status", "started_at", "finished_at", "result", "client")},
            where=table.c.started_at <= stmt.excluded.started_at))

    db.run_write(work)


def find_run(db: Database, job: str, period: str) -> RunRecord | None:
    with db.read() as session:
        row = session.scalar(select(JobRun).where(JobRun.job == job, JobRun.period == period))
        return None if row is None else _record(row)


def latest_runs(db: Database, jobs: list[str]) -> dict[str, RunRecord]:
    """The latest period's run of each job (or its ``LATEST`` row), for listing jobs."""
    if not jobs:
        return {}
    newest = (select(func.max(JobRun.id)).where(JobRun.job.in_(jobs))
              .group_by(JobRun.job))
    with db.read() as session:
        rows = session.scalars(select(JobRun).where(JobRun.id.in_(newest)))
        return {row.job: _record(row) for row in rows}


def _record(row: JobRun) -> RunRecord:
    return RunRecord(job=row.job, period=row.period, status=row.status,
                     started_at=row.started_at, finished_at=row.finished_at,
                     result=row.result, client=row.client, attempts=row.attempts)
