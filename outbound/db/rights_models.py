"""The stored shape of people's rights under UK GDPR: legal holds that keep a person's
data from erasure and retention, and the near matches of a suppression list (a Tell
Us Once or objections list) waiting for a person to confirm them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from outbound.clock import utcnow
from outbound.db.models import Base


class LegalHold(Base):
    """Keep everything about this person: a complaint, a claim or an investigation.

    While a hold is in force (``lifted_at`` empty) the person cannot be erased and the
    retention job leaves their records alone. Lifting it keeps the row."""

    __tablename__ = "legal_hold"
    __table_args__ = (Index("ix_legal_hold_contact", "contact_id", "lifted_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contact.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(Text)
    set_by: Mapped[str] = mapped_column(String(100))
    set_at: Mapped[datetime] = mapped_column(default=utcnow)
    lifted_by: Mapped[str | None] = mapped_column(String(100))
    lifted_at: Mapped[datetime | None] = mapped_column()
    lift_reason: Mapped[str | None] = mapped_column(Text)


class SuppressionCandidate(Base):
    """A row of a suppression list that looks like this contact but is not a sure match
    (same name at another postcode, a similar name at the same postcode): listed for a
    person to confirm or dismiss. It names the list's row by a digest, never by the
    name or number on it, so the same list imported again adds nothing."""

    __tablename__ = "suppression_candidate"
    __table_args__ = (UniqueConstraint("contact_id", "reason", "row_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(
        ForeignKey("contact.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(String(32))
    source: Mapped[str] = mapped_column(String(100))
    file_name: Mapped[str] = mapped_column(String(500))
    row_number: Mapped[int] = mapped_column(Integer)
    row_key: Mapped[str] = mapped_column(String(64))
    why: Mapped[str] = mapped_column(String(200))
    # pending | confirmed | dismissed
    status: Mapped[str] = mapped_column(String(16), default="pending")
    found_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_by: Mapped[str | None] = mapped_column(String(100))
    decided_at: Mapped[datetime | None] = mapped_column()
