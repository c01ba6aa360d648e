"""The audit trail: who did what to whose data, appended to and never changed.

The database refuses to change or remove a row (triggers, made by migration 0011,
refuse UPDATE and DELETE on both databases, and TRUNCATE on PostgreSQL). On
PostgreSQL the database also writes the time and the database login itself, so a
client cannot back-date an entry or name someone else.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from outbound.db.models import Base


class AuditEvent(Base):
    __tablename__ = "audit_event"
    __table_args__ = (
        Index("ix_audit_event_contact", "contact_id", "id"),
        Index("ix_audit_event_at", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The server's time: its default here, and a trigger on PostgreSQL.
    at: Mapped[datetime] = mapped_column(server_default=text("CURRENT_TIMESTAMP"))
    # The person as the client knows them (a user of Outbound, or the computer's
    # account for a command), and the database login that wrote the row (PostgreSQL).
    actor: Mapped[str] = mapped_column(String(200))
    db_user: Mapped[str | None] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(40), index=True)
    # Whose data, when it is one person's. Not a foreign key: an erased person's
    # entries stay, and they name the anonymised record.
    contact_id: Mapped[int | None] = mapped_column(Integer)
    summary: Mapped[str] = mapped_column(Text)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
