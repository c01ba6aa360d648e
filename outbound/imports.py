"""The history of imports, for supervisors to see what landed and what needed a look."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from outbound.db.database import Database
from outbound.db.models import ImportIssue, ImportRun


@dataclass(frozen=True, slots=True)
class ImportSummary:
    id: int
    source: str
    file_name: str
    started_at: datetime
    rows_read: int
    created: int
    updated: int
    unchanged: int
    counts: dict[str, int]
    imported_by: str | None


def recent_imports(db: Database, limit: int = 50) -> list[ImportSummary]:
    with db.read() as session:
        runs = session.scalars(select(ImportRun).order_by(ImportRun.id.desc()).limit(limit))
        return [ImportSummary(r.id, r.source, r.file_name, r.started_at, r.rows_read,
                              r.created, r.updated, r.unchanged, dict(r.counts),
                              r.imported_by) for r in runs]


def import_issues(db: Database, import_id: int, limit: int = 10_000) -> list[ImportIssue]:
    with db.read() as session:
        return list(session.scalars(
            select(ImportIssue).where(ImportIssue.import_id == import_id)
            .order_by(ImportIssue.row_number, ImportIssue.id).limit(limit)))
