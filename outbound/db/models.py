"""The stored shape of contacts, their numbers, suppressions and imports."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    column,
    false,
    table,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from outbound.clock import utcnow
from outbound.db.types import UTCDateTime

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON()}


class Contact(Base):
    """A person or an organisation (a care home, say) that a campaign may call."""

    __tablename__ = "contact"
    __table_args__ = (
        # An external reference (CQC location id, badge number) is unique within its
        # source; several NULLs are allowed on both databases.
        UniqueConstraint("source", "external_ref"),
        Index("ix_contact_phone_name", "primary_phone", "name_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), default="person")
    name: Mapped[str] = mapped_column(String(300))
    name_key: Mapped[str] = mapped_column(String(300), index=True)
    organisation: Mapped[str | None] = mapped_column(String(300))
    role: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320))
    address: Mapped[str | None] = mapped_column(String(500))
    postcode: Mapped[str | None] = mapped_column(String(10))
    district: Mapped[str | None] = mapped_column(String(100), index=True)
    source: Mapped[str] = mapped_column(String(100), default="")
    external_ref: Mapped[str | None] = mapped_column(String(100))
    expiry_date: Mapped[date | None] = mapped_column(Date, index=True)
    preferred_contact: Mapped[str | None] = mapped_column(String(20))
    accessibility_needs: Mapped[str | None] = mapped_column(String(300))
    attributes: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # The first number of the list, the one to call, is kept on the row: in E.164 when
    # it is usable (so that the queue and duplicate checks need no join), and as it was
    # imported. Most contacts have one number; any others are in contact_phone.
    primary_phone: Mapped[str | None] = mapped_column(String(20))
    phone_extension: Mapped[str | None] = mapped_column(String(12))
    phone_raw: Mapped[str | None] = mapped_column(String(200))
    phone_line_type: Mapped[str | None] = mapped_column(String(16))
    phone_note: Mapped[str | None] = mapped_column(String(500))
    do_not_call: Mapped[bool] = mapped_column(Boolean, default=False)
    # Kept on the contact so that the queue can refuse, in one row lookup, a person who
    # is on a call in another campaign, or was spoken to too recently in any campaign.
    busy_until: Mapped[datetime | None] = mapped_column()
    last_spoken_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_import_id: Mapped[int | None] = mapped_column(
        ForeignKey("import_run.id", ondelete="SET NULL")
    )
    # When the person's details were erased (UK GDPR); the row stays, anonymised.
    erased_at: Mapped[datetime | None] = mapped_column()

    other_phones: Mapped[list[ContactPhone]] = relationship(
        back_populates="contact",
        cascade="all, delete-orphan",
        order_by="ContactPhone.position",
    )
    suppressions: Mapped[list[Suppression]] = relationship(
        back_populates="contact", order_by="Suppression.recorded_at"
    )

    @property
    def callable(self) -> bool:
        return self.primary_phone is not None and not self.do_not_call

    @property
    def phones(self) -> list[PhoneEntry]:
        """Every number, the first (the one to call, if any is usable) first."""
        entries = [PhoneEntry.of(phone) for phone in self.other_phones]
        if self.primary_phone is not None or self.phone_raw is not None:
            entries.insert(0, PhoneEntry(0, self.primary_phone, self.phone_extension,
                                         self.phone_raw or "", self.phone_line_type,
                                         self.primary_phone is not None, self.phone_note))
        return entries

    def store_phones(self, entries: list[PhoneEntry]) -> None:
        """Write ``entries`` as the contact's numbers, in order: the first on this row
        (its E.164 kept only when usable), the others as ``contact_phone`` rows, reused
        in place, added or removed as the count changes."""
        first, rest = entries[0], entries[1:]
        usable = first.usable and first.e164 is not None
        self.primary_phone = first.e164 if usable else None
        self.phone_extension, self.phone_raw = first.extension, first.raw
        self.phone_line_type, self.phone_note = first.line_type, first.note
        rows = sorted(self.other_phones, key=lambda p: p.position)
        for extra in rows[len(rest):]:
            self.other_phones.remove(extra)
        for position, entry in enumerate(rest, start=1):
            if position <= len(rows):
                row = rows[position - 1]
            else:
                row = ContactPhone()
                self.other_phones.append(row)
            row.position = position
            row.e164, row.extension, row.raw = entry.e164, entry.extension, entry.raw
            row.line_type, row.usable, row.note = entry.line_type, entry.usable, entry.note


@dataclass(frozen=True, slots=True)
class PhoneEntry:
    """One of a contact's numbers, wherever it is stored."""

    position: int
    e164: str | None
    extension: str | None
    raw: str
    line_type: str | None
    usable: bool
    note: str | None

    @classmethod
    def of(cls, phone: ContactPhone) -> PhoneEntry:
        return cls(phone.position, phone.e164, phone.extension, phone.raw, phone.line_type,
                   phone.usable, phone.note)


class ContactPhone(Base):
    """A contact's second or later number (position 1 on): E.164 and extension, with the
    text as it was imported. The first number is on the contact's row."""

    __tablename__ = "contact_phone"

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(
        ForeignKey("contact.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
    e164: Mapped[str | None] = mapped_column(String(20), index=True)
    extension: Mapped[str | None] = mapped_column(String(12))
    raw: Mapped[str] = mapped_column(String(200), default="")
    line_type: Mapped[str | None] = mapped_column(String(16))
    usable: Mapped[bool] = mapped_column(Boolean, default=True)
    note: Mapped[str | None] = mapped_column(String(500))

    contact: Mapped[Contact] = relationship(back_populates="other_phones")


class Suppression(Base):
    """Do not call: recorded once, it applies to every campaign (Tell Us Once)."""

    __tablename__ = "suppression"

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(
        ForeignKey("contact.id", ondelete="CASCADE"), index=True
    )
    reason: Mapped[str] = mapped_column(String(32))
    source: Mapped[str] = mapped_column(String(100))
    note: Mapped[str | None] = mapped_column(Text)
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    recorded_by: Mapped[str | None] = mapped_column(String(100))
    lifted_at: Mapped[datetime | None] = mapped_column()
    lifted_by: Mapped[str | None] = mapped_column(String(100))
    lift_reason: Mapped[str | None] = mapped_column(Text)

    contact: Mapped[Contact] = relationship(back_populates="suppressions")


class ImportRun(Base):
    """One import of a call list, with its counts; it lands whole or not at all."""

    __tablename__ = "import_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(100))
    file_name: Mapped[str] = mapped_column(String(500))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column()
    rows_read: Mapped[int] = mapped_column(Integer, default=0)
    created: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    counts: Mapped[dict[str, Any]] = mapped_column(default=dict)
    mapping: Mapped[dict[str, Any]] = mapped_column(default=dict)
    imported_by: Mapped[str | None] = mapped_column(String(100))

    issues: Mapped[list[ImportIssue]] = relationship(
        back_populates="import_run", cascade="all, delete-orphan"
    )


class ImportIssue(Base):
    """A row of an import that needed attention: repaired, refused or a duplicate."""

    __tablename__ = "import_issue"

    id: Mapped[int] = mapped_column(primary_key=True)
    import_id: Mapped[int] = mapped_column(
        ForeignKey("import_run.id", ondelete="CASCADE"), index=True
    )
    row_number: Mapped[int] = mapped_column(Integer)
    column: Mapped[str | None] = mapped_column(String(200))
    outcome: Mapped[str] = mapped_column(String(20))
    message: Mapped[str] = mapped_column(Text)

    import_run: Mapped[ImportRun] = relationship(back_populates="issues")


class User(Base):
    """An agent, a supervisor or an administrator.

    In team mode (PostgreSQL) ``login`` is their own database login, which the
    database's grants and row-level security know them by; on an SQLite file it is
    NULL. ``must_change_password`` while they hold a temporary password.
    """

    __tablename__ = "app_user"
    __table_args__ = (Index("ix_app_user_login", "login", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    role: Mapped[str] = mapped_column(String(20), default="agent")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    login: Mapped[str | None] = mapped_column(String(63))
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False,
                                                       server_default=false())
    disabled_at: Mapped[datetime | None] = mapped_column()


class AppSetting(Base):
    """A rule the council sets for every client (e.g. ``lock_after_minutes``)."""

    __tablename__ = "app_setting"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


# The part of a contact that says whether they may be called now: no personal details.
# A view (migration 0013), so not in the metadata.
CONTACT_FLAGS = table("contact_flags", column("id", Integer), column("do_not_call", Boolean),
                      column("busy_until", UTCDateTime()),
                      column("last_spoken_at", UTCDateTime()),
                      column("has_phone", Boolean))


class Campaign(Base):
    """A campaign made from a template, with the supervisor's overrides."""

    __tablename__ = "campaign"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    template_code: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="active")
    owner: Mapped[str | None] = mapped_column(String(100))
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    overrides: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # Which contacts a reminder campaign enrols (e.g. {"source": "NoWcard"}).
    audience: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Enrolment(Base):
    """A contact taking part in a campaign; a round makes one task per enrolment."""

    __tablename__ = "enrolment"
    __table_args__ = (UniqueConstraint("campaign_id", "contact_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id", ondelete="CASCADE"))
    contact_id: Mapped[int] = mapped_column(
        ForeignKey("contact.id", ondelete="CASCADE"), index=True
    )
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    enrolled_at: Mapped[datetime] = mapped_column(default=utcnow)
    enrolled_by: Mapped[str | None] = mapped_column(String(100))


class Task(Base):
    """Call this contact for this campaign (in this round).

    ``round_key`` names the round ("2026-11-22"), the list ("list") or the expiry a
    reminder is for ("expiry:2027-03-31"); the unique constraint makes generating a
    round twice, from any number of clients at once, a no-op. The lease (holder,
    expiry) is data, never a database lock held for the length of a call.
    """

    __tablename__ = "task"
    __table_args__ = (
        UniqueConstraint("campaign_id", "contact_id", "round_key"),
        Index("ix_task_retry", "campaign_id", "assigned_to", "due_at", "id",
              sqlite_where=text("status = 'open' AND attempts > 0 AND callback_at IS NULL"),
              postgresql_where=text("status = 'open' AND attempts > 0 AND callback_at IS NULL")),
        Index("ix_task_callback", "campaign_id", "callback_at", "id",
              sqlite_where=text("status = 'open' AND callback_at IS NOT NULL"),
              postgresql_where=text("status = 'open' AND callback_at IS NOT NULL")),
        Index("ix_task_campaign_round", "campaign_id", "round_key", "status", "created_at"),
        # Finished calls by finishing time: the dashboard's burn-down and rate.
        Index("ix_task_finished", "campaign_id", "round_key", "completed_at", "status",
              "close_reason", sqlite_where=text("completed_at IS NOT NULL"),
              postgresql_where=text("completed_at IS NOT NULL")),
        Index("ix_task_escalated", "campaign_id", "last_attempt_at",
              sqlite_where=text("escalated AND status = 'open'"),
              postgresql_where=text("escalated AND status = 'open'")),
        Index("ix_task_holder", "holder_id",
              sqlite_where=text("holder_id IS NOT NULL"),
              postgresql_where=text("holder_id IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id", ondelete="CASCADE"))
    contact_id: Mapped[int] = mapped_column(
        ForeignKey("contact.id", ondelete="CASCADE"), index=True
    )
    round_key: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(16), default="open")
    close_reason: Mapped[str | None] = mapped_column(String(40))
    priority: Mapped[int] = mapped_column(Integer, default=50)
    due_at: Mapped[datetime] = mapped_column()
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    assigned_to: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    holder_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    lease_expires_at: Mapped[datetime | None] = mapped_column()
    claimed_at: Mapped[datetime | None] = mapped_column()
    callback_at: Mapped[datetime | None] = mapped_column()
    callback_owner_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    callback_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    escalated: Mapped[bool] = mapped_column(Boolean, default=False)
    escalation_note: Mapped[str | None] = mapped_column(Text)
    last_outcome: Mapped[str | None] = mapped_column(String(40))
    last_attempt_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column()


# Fresh tasks are taken highest priority first, then oldest: the index is in that order
# so that a claim reads one entry whatever the size of the queue.
_FRESH = text("status = 'open' AND attempts = 0 AND callback_at IS NULL")
Index("ix_task_fresh", Task.campaign_id, Task.assigned_to, Task.priority.desc(), Task.id,
      sqlite_where=_FRESH, postgresql_where=_FRESH)


class TaskTally(Base):
    """How many tasks of a round are in each status, kept by triggers on ``task``
    (migration 0015) so that the dashboard need not count a million tasks. A count is
    the sum over ``shard``: on PostgreSQL each connection adds to its own shard, so
    outcomes recorded at the same moment do not wait for one another."""

    __tablename__ = "task_tally"

    campaign_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_key: Mapped[str] = mapped_column(String(40), primary_key=True)
    status: Mapped[str] = mapped_column(String(16), primary_key=True)
    shard: Mapped[int] = mapped_column(Integer, primary_key=True)
    tasks: Mapped[int] = mapped_column(Integer)


class TaskFinishTally(Base):
    """How many tasks of a round were finished (done or closed) in each minute, kept by
    the same triggers as ``TaskTally`` (migration 0016), so that a burn-down over a
    million finished calls reads a row a minute. ``finished_minute`` counts minutes
    since 1970 (UTC); a count is the sum over ``shard``."""

    __tablename__ = "task_finish_tally"

    campaign_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_key: Mapped[str] = mapped_column(String(40), primary_key=True)
    finished_minute: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    shard: Mapped[int] = mapped_column(Integer, primary_key=True)
    tasks: Mapped[int] = mapped_column(Integer)


class EnrolmentTally(Base):
    """How many people are enrolled (active) in each campaign, kept by triggers on
    ``enrolment`` (migration 0016); a count is the sum over ``shard``."""

    __tablename__ = "enrolment_tally"

    campaign_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    shard: Mapped[int] = mapped_column(Integer, primary_key=True)
    enrolled: Mapped[int] = mapped_column(Integer)


class Attempt(Base):
    """One call attempt; nothing is overwritten. A correction is a new row that
    supersedes an earlier one, with who, when and why."""

    __tablename__ = "attempt"
    __table_args__ = (
        Index("ix_attempt_campaign_recorded", "campaign_id", "recorded_at"),
        Index("ix_attempt_agent_recorded", "agent_id", "recorded_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("task.id", ondelete="CASCADE"), index=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id", ondelete="CASCADE"))
    contact_id: Mapped[int] = mapped_column(ForeignKey("contact.id", ondelete="CASCADE"),
                                            index=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    started_at: Mapped[datetime | None] = mapped_column()
    recorded_at: Mapped[datetime] = mapped_column(index=True)
    outcome: Mapped[str] = mapped_column(String(40))
    contact_made: Mapped[bool] = mapped_column(Boolean, default=False)
    duration_seconds: Mapped[int | None] = mapped_column(Integer)
    notes: Mapped[str | None] = mapped_column(Text)
    callback_at: Mapped[datetime | None] = mapped_column()
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("attempt.id"))
    correction_reason: Mapped[str | None] = mapped_column(Text)
    # The one line an outcome such as "Needs supervisor" asks for.
    reason: Mapped[str | None] = mapped_column(Text)


class NumberEvent(Base):
    """Something that happened to one of a contact's numbers: marked a wrong number on
    a call, a premium-rate number allowed by a supervisor, a mark undone. Which number,
    who and when; the number's own row says whether it may be called now."""

    __tablename__ = "number_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(
        ForeignKey("contact.id", ondelete="CASCADE"), index=True)
    number: Mapped[str | None] = mapped_column(String(20))
    raw: Mapped[str] = mapped_column(String(200), default="")
    # wrong_number | premium_allowed | wrong_number_undone
    event: Mapped[str] = mapped_column(String(30))
    attempt_id: Mapped[int | None] = mapped_column(
        ForeignKey("attempt.id", ondelete="SET NULL"))
    campaign_id: Mapped[int | None] = mapped_column(
        ForeignKey("campaign.id", ondelete="SET NULL"))
    recorded_by: Mapped[str | None] = mapped_column(String(100))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)


class ContactChange(Base):
    """A correction made to a contact on a call: which field, what it was and what it is
    now, who made it and when. Nothing is overwritten without a row here."""

    __tablename__ = "contact_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(
        ForeignKey("contact.id", ondelete="CASCADE"), index=True)
    # phone | phone_added | email | name | role
    field: Mapped[str] = mapped_column(String(40))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)
    task_id: Mapped[int | None] = mapped_column(ForeignKey("task.id", ondelete="SET NULL"))
    changed_by: Mapped[str | None] = mapped_column(String(100))
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)


# The other parts of the schema live in their own modules; importing them here puts
# every table in Base.metadata for migrations and tests.
from outbound.db import (  # noqa: E402, F401
    audit_models,
    booking_models,
    capture_models,
    notify_models,
    rights_models,
    schedule_models,
)
