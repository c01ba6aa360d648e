"""The stored shape of appointments: locations, resources, sessions, slots, holds,
bookings and the waiting list.

A slot's ``booked`` count can never pass its capacity: a CHECK constraint says so, and
every booking raises the count with one conditional UPDATE in the booking's own
transaction, so no number of agents booking at once can over-book it.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    Time,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from outbound.clock import utcnow
from outbound.db.models import Base


class Location(Base):
    """A clinic or register office."""

    __tablename__ = "location"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(30), default="clinic")
    address: Mapped[str | None] = mapped_column(String(500))
    postcode: Mapped[str | None] = mapped_column(String(10))
    phone: Mapped[str | None] = mapped_column(String(20))
    directions: Mapped[str | None] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Resource(Base):
    """An officer, a vaccinator or a room at a location."""

    __tablename__ = "resource"
    __table_args__ = (UniqueConstraint("location_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    location_id: Mapped[int] = mapped_column(ForeignKey("location.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(30), default="officer")
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class BookingSession(Base):
    """A run of appointments: a day, its hours, the slot length and places per slot."""

    __tablename__ = "booking_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    location_id: Mapped[int] = mapped_column(ForeignKey("location.id", ondelete="CASCADE"))
    resource_id: Mapped[int | None] = mapped_column(
        ForeignKey("resource.id", ondelete="CASCADE"))
    service: Mapped[str] = mapped_column(String(100))
    day: Mapped[date] = mapped_column(Date)
    start_time: Mapped[time] = mapped_column(Time)
    end_time: Mapped[time] = mapped_column(Time)
    slot_minutes: Mapped[int] = mapped_column(Integer)
    capacity: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Slot(Base):
    """One bookable time at a location (and resource), with its places."""

    __tablename__ = "slot"
    __table_args__ = (
        CheckConstraint("booked >= 0 AND booked <= capacity", name="booked_within_capacity"),
        UniqueConstraint("session_id", "starts_at"),
        Index("ix_slot_find", "location_id", "service", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("booking_session.id", ondelete="CASCADE"))
    location_id: Mapped[int] = mapped_column(ForeignKey("location.id", ondelete="CASCADE"))
    resource_id: Mapped[int | None] = mapped_column(ForeignKey("resource.id", ondelete="CASCADE"))
    service: Mapped[str] = mapped_column(String(100))
    starts_at: Mapped[datetime] = mapped_column()
    ends_at: Mapped[datetime] = mapped_column()
    capacity: Mapped[int] = mapped_column(Integer, default=1)
    booked: Mapped[int] = mapped_column(Integer, default=0)
    closed: Mapped[bool] = mapped_column(Boolean, default=False)


class SlotHold(Base):
    """A short hold on a slot the person is considering; it lapses by itself."""

    __tablename__ = "slot_hold"

    id: Mapped[int] = mapped_column(primary_key=True)
    slot_id: Mapped[int] = mapped_column(ForeignKey("slot.id", ondelete="CASCADE"), index=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    task_id: Mapped[int | None] = mapped_column(ForeignKey("task.id", ondelete="SET NULL"))
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contact.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)


class Booking(Base):
    """An appointment for a contact; a move or cancellation keeps the old row."""

    __tablename__ = "booking"
    __table_args__ = (Index("ix_booking_location_starts", "location_id", "starts_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaign.id", ondelete="SET NULL"))
    contact_id: Mapped[int] = mapped_column(
        ForeignKey("contact.id", ondelete="CASCADE"), index=True)
    task_id: Mapped[int | None] = mapped_column(ForeignKey("task.id", ondelete="SET NULL"))
    slot_id: Mapped[int] = mapped_column(ForeignKey("slot.id"))
    slot_count: Mapped[int] = mapped_column(Integer, default=1)
    location_id: Mapped[int] = mapped_column(ForeignKey("location.id"))
    resource_id: Mapped[int | None] = mapped_column(ForeignKey("resource.id"))
    service: Mapped[str] = mapped_column(String(100))
    starts_at: Mapped[datetime] = mapped_column()
    ends_at: Mapped[datetime] = mapped_column()
    minutes: Mapped[int] = mapped_column(Integer)
    part: Mapped[int] = mapped_column(Integer, default=1)
    first_part_id: Mapped[int | None] = mapped_column(ForeignKey("booking.id"))
    # booked | arrived | did_not_attend | cancelled | cancelled_late | moved
    status: Mapped[str] = mapped_column(String(20), default="booked")
    status_reason: Mapped[str | None] = mapped_column(String(60))
    moved_to_id: Mapped[int | None] = mapped_column(ForeignKey("booking.id"))
    answers: Mapped[dict[str, Any]] = mapped_column(default=dict)
    notes: Mapped[str | None] = mapped_column(Text)
    booked_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    booked_at: Mapped[datetime] = mapped_column(default=utcnow)
    changed_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    changed_at: Mapped[datetime | None] = mapped_column()


class BookingSlot(Base):
    """The slots a booking takes (a long appointment may take several in a row)."""

    __tablename__ = "booking_slot"

    booking_id: Mapped[int] = mapped_column(
        ForeignKey("booking.id", ondelete="CASCADE"), primary_key=True)
    slot_id: Mapped[int] = mapped_column(ForeignKey("slot.id"), primary_key=True, index=True)


class WaitingListEntry(Base):
    """Someone who wanted an earlier date than was free; offered cancellations in turn."""

    __tablename__ = "waiting_list"
    __table_args__ = (Index("ix_waiting_list_queue", "campaign_id", "status", "added_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id", ondelete="CASCADE"))
    contact_id: Mapped[int] = mapped_column(ForeignKey("contact.id", ondelete="CASCADE"))
    task_id: Mapped[int | None] = mapped_column(ForeignKey("task.id", ondelete="SET NULL"))
    location_id: Mapped[int | None] = mapped_column(ForeignKey("location.id"))
    service: Mapped[str] = mapped_column(String(100))
    wanted_by: Mapped[date | None] = mapped_column(Date)
    minutes: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(Text)
    # waiting | offered | booked | withdrawn
    status: Mapped[str] = mapped_column(String(16), default="waiting")
    added_at: Mapped[datetime] = mapped_column(default=utcnow)
    added_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    offered_slot_id: Mapped[int | None] = mapped_column(ForeignKey("slot.id"))
    offer_task_id: Mapped[int | None] = mapped_column(ForeignKey("task.id", ondelete="SET NULL"))
    offered_at: Mapped[datetime | None] = mapped_column()
    booking_id: Mapped[int | None] = mapped_column(ForeignKey("booking.id"))
    # Someone whose booking the council cancelled must be rung to rebook, place or not:
    # their call is not closed when an offer made on it lapses.
    must_call: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # When they can come: weekdays ("mon,wed,sat", None for any day) and "morning" or
    # "afternoon" (None for either); a freed place is offered only when it suits them.
    preferred_days: Mapped[str | None] = mapped_column(String(30))
    preferred_times: Mapped[str | None] = mapped_column(String(12))
