"""The stored record of scheduled work: one row per job and period, claimed first.

Every client of a team runs the scheduler; the unique (job, period) row is what makes
ten clients firing the same job do the work once.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from outbound.clock import utcnow
from outbound.db.models import Base


class JobRun(Base):
    """One run of a scheduled job for one period ("2026-11-22")."""

    __tablename__ = "job_run"
    __table_args__ = (UniqueConstraint("job", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(String(200))
    period: Mapped[str] = mapped_column(String(40))
    # running | done | failed
    status: Mapped[str] = mapped_column(String(16), default="running")
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column()
    result: Mapped[str | None] = mapped_column(Text)
    client: Mapped[str | None] = mapped_column(String(200))
    # How many times the period has been tried: a failed run is retried later and later.
    attempts: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
