"""The stored shape of messages: the outbox the sender works through, and the sender's
own state for supervisors to read.

A message row is written, with its reference, before anything is sent: the reference is
what lets a sender that died between sending and recording ask GOV.UK Notify whether
the message went, rather than send it again.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from outbound.clock import utcnow
from outbound.db.models import Base

# queued -> sending -> sent -> delivered | failed; or cancelled (suppressed), skipped (the
# same message within a day) or unsendable (nothing to send it to: a call instead).
MESSAGE_STATUSES = ("queued", "sending", "sent", "delivered", "failed", "cancelled",
                    "skipped", "unsendable")


class Message(Base):
    """One text, email or letter to one person, from one campaign's declaration."""

    __tablename__ = "message"
    __table_args__ = (
        # Queuing the same message for the same occasion twice is a no-op.
        UniqueConstraint("campaign_id", "contact_id", "code", "occasion"),
        Index("ix_message_due", "status", "next_try_at"),
        Index("ix_message_check", "status", "next_check_at"),
        Index("ix_message_same", "contact_id", "body_key"),
        Index("ix_message_claimed", "claimed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int | None] = mapped_column(
        ForeignKey("campaign.id", ondelete="CASCADE"), index=True)
    contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("contact.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(40))
    occasion: Mapped[str] = mapped_column(String(60))
    reference: Mapped[str] = mapped_column(String(64), unique=True)
    channel: Mapped[str | None] = mapped_column(String(8))        # text | email | letter
    template_id: Mapped[str | None] = mapped_column(String(36))
    destination: Mapped[str | None] = mapped_column(String(500))
    personalisation: Mapped[dict[str, Any]] = mapped_column(default=dict)
    body_key: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="queued")
    reason: Mapped[str | None] = mapped_column(Text)
    notify_id: Mapped[str | None] = mapped_column(String(36))
    notify_status: Mapped[str | None] = mapped_column(String(32))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # Set when a send may have reached Notify without being recorded (a sender died, a
    # request timed out): the next sender asks Notify by reference first.
    check_first: Mapped[bool] = mapped_column(Boolean, default=False)
    next_try_at: Mapped[datetime | None] = mapped_column()
    lease_holder: Mapped[str | None] = mapped_column(String(100))
    lease_expires_at: Mapped[datetime | None] = mapped_column()
    claimed_at: Mapped[datetime | None] = mapped_column()
    sent_at: Mapped[datetime | None] = mapped_column()
    next_check_at: Mapped[datetime | None] = mapped_column()
    done_at: Mapped[datetime | None] = mapped_column()
    task_id: Mapped[int | None] = mapped_column(ForeignKey("task.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str | None] = mapped_column(String(100))


class MessageSender(Base):
    """A sender's latest word: when it last worked and the problem it met, if any (the
    clock out by more than 30 seconds, a key Notify does not know)."""

    __tablename__ = "message_sender"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    problem: Mapped[str | None] = mapped_column(Text)
    problem_at: Mapped[datetime | None] = mapped_column()
    sent: Mapped[int] = mapped_column(Integer, default=0)
