"""The stored shape of answers: form versions, answer sets, drafts and flags.

An answer set is one call's answers, kept with the form version they were given under
so that a form changed next month leaves last month's answers readable and exportable.
Answers are a JSON object per set (field name to value): a year of the care tracker is
a quarter of a million sets, not eight million rows, and a set is always read whole.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from outbound.clock import utcnow
from outbound.db.models import Base


class FormVersion(Base):
    """One version of a template's form; a changed form makes a new version."""

    __tablename__ = "form_version"
    __table_args__ = (
        UniqueConstraint("template_code", "version"),
        UniqueConstraint("template_code", "fingerprint"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    template_code: Mapped[str] = mapped_column(String(100))
    version: Mapped[int] = mapped_column(Integer)
    fingerprint: Mapped[str] = mapped_column(String(64))
    fields: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AnswerSet(Base):
    """The answers given on one call, under one form version."""

    __tablename__ = "answer_set"
    __table_args__ = (
        Index("ix_answer_set_campaign_round", "campaign_id", "round_key"),
        Index("ix_answer_set_contact_recorded", "contact_id", "recorded_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id", ondelete="CASCADE"))
    contact_id: Mapped[int] = mapped_column(ForeignKey("contact.id", ondelete="CASCADE"))
    task_id: Mapped[int | None] = mapped_column(
        ForeignKey("task.id", ondelete="SET NULL"), index=True)
    attempt_id: Mapped[int | None] = mapped_column(ForeignKey("attempt.id", ondelete="SET NULL"))
    round_key: Mapped[str] = mapped_column(String(40))
    form_version_id: Mapped[int] = mapped_column(ForeignKey("form_version.id"))
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    answers: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # Soft checks the agent confirmed ("47 absent of 40 on the roll — is that right?").
    confirmations: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # Fields carried forward from the last round and left as they were.
    carried_forward: Mapped[list[str]] = mapped_column(JSON, default=list)
    # "Nothing has changed": the whole set confirmed as it was last time.
    unchanged: Mapped[bool] = mapped_column(Boolean, default=False)
    flagged: Mapped[bool] = mapped_column(Boolean, default=False)


class FormDraft(Base):
    """A half-filled form, saved as the agent types; one per task."""

    __tablename__ = "form_draft"

    task_id: Mapped[int] = mapped_column(
        ForeignKey("task.id", ondelete="CASCADE"), primary_key=True)
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    form_version_id: Mapped[int] = mapped_column(ForeignKey("form_version.id"))
    answers: Mapped[dict[str, Any]] = mapped_column(default=dict)
    confirmations: Mapped[dict[str, Any]] = mapped_column(default=dict)
    carried_forward: Mapped[list[str]] = mapped_column(JSON, default=list)
    notes: Mapped[str | None] = mapped_column(Text)
    saved_at: Mapped[datetime] = mapped_column(default=utcnow)


class AnswerFlag(Base):
    """An answer that crossed an alert threshold, listed for supervisors."""

    __tablename__ = "answer_flag"
    __table_args__ = (
        Index("ix_answer_flag_campaign_reviewed", "campaign_id", "reviewed_at"),
        # The dashboard's list: a campaign's flags nobody has seen, newest first.
        Index("ix_answer_flag_unreviewed", "campaign_id", "raised_at", "id",
              sqlite_where=text("reviewed_at IS NULL"),
              postgresql_where=text("reviewed_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    answer_set_id: Mapped[int] = mapped_column(
        ForeignKey("answer_set.id", ondelete="CASCADE"), index=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id", ondelete="CASCADE"))
    contact_id: Mapped[int] = mapped_column(ForeignKey("contact.id", ondelete="CASCADE"))
    round_key: Mapped[str] = mapped_column(String(40))
    field: Mapped[str] = mapped_column(String(100))
    value: Mapped[str | None] = mapped_column(Text)
    rule: Mapped[str] = mapped_column(String(200))
    message: Mapped[str] = mapped_column(Text)
    raised_at: Mapped[datetime] = mapped_column(default=utcnow)
    reviewed_at: Mapped[datetime | None] = mapped_column()
    reviewed_by: Mapped[str | None] = mapped_column(String(100))
