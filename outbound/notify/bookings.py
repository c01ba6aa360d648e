"""Messages about a booking, kept in step with it.

A booking's confirmation is queued in the transaction that makes the booking (and its
day-before reminder too, when the appointment is tomorrow), so it is on its way as soon
as the booking lands, and goes nowhere if the booking does not. Cancelling or moving a
booking cancels what is still waiting to go about it; a moved booking has a new
reference, and its own confirmation is queued as it is made.

The sending service still looks every few minutes (``due.py``) as a safety net: each
message is queued once per booking reference (the outbox's unique key), so the two
never queue one twice.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, time, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from outbound.campaigns.template import CampaignTemplate
from outbound.clock import local_instant, london_day
from outbound.db.booking_models import Booking, Location
from outbound.db.models import Campaign, Contact
from outbound.db.notify_models import Message
from outbound.notify.outbox import NOTHING, Queued, appointment_values, queue_messages
from outbound.notify.templates import MessageSpec
from outbound.queue.campaigns import template_of

M = Message.__table__
# The occasion a booking's message is queued for: "booking:PND-7K3Q9".
PREFIXES = {"booking": "booking", "day_before_appointment": "day_before"}


def occasion(spec: MessageSpec, reference: str) -> str:
    return f"{PREFIXES[spec.when]}:{reference}"


def tomorrow_bounds(now: datetime) -> tuple[datetime, datetime]:
    """Tomorrow on the London clock, as instants: when a day-before reminder is due."""
    tomorrow = london_day(now) + timedelta(days=1)
    return (local_instant(tomorrow, time(0)),
            local_instant(tomorrow + timedelta(days=1), time(0)))


def queue_about_booking(session: Session, campaign: Campaign, template: CampaignTemplate,
                        spec: MessageSpec, booking: Booking, location: Location,
                        now: datetime) -> Queued:
    """Queue ``spec`` about ``booking`` once (nothing if it is already queued)."""
    reason = occasion(spec, booking.reference)
    exists = session.scalar(select(Message.id).where(
        Message.campaign_id == campaign.id, Message.contact_id == booking.contact_id,
        Message.code == spec.code, Message.occasion == reason))
    contact = session.get(Contact, booking.contact_id)
    if exists is not None or contact is None:
        return NOTHING
    ics = None
    if any(source == "booking.ics" for source in spec.personalisation.values()):
        from outbound.booking.appointments import appointment_of
        from outbound.booking.confirmation import confirmation_ics

        ics = confirmation_ics([appointment_of(session, booking)], now=now)
    values = appointment_values(booking.starts_at, location.name, location.address,
                                booking.reference, booking.service, ics)
    return queue_messages(session, campaign, template, spec, [contact], reason, now,
                          bookings={contact.id: values})


def queue_booking_messages(session: Session, booking: Booking, now: datetime) -> Queued:
    """What is due about a booking just made, inside the booking's own transaction: its
    confirmation, and the day-before reminder if the appointment is tomorrow."""
    if booking.campaign_id is None or booking.status != "booked" or booking.starts_at <= now:
        return NOTHING
    campaign = session.get(Campaign, booking.campaign_id)
    template = template_of(campaign) if campaign is not None else None
    if campaign is None or template is None or template.messages is None:
        return NOTHING
    start, end = tomorrow_bounds(now)
    due = [spec for spec in template.messages.messages if spec.when == "booking" or (
        spec.when == "day_before_appointment" and start <= booking.starts_at < end)]
    location = session.get(Location, booking.location_id) if due else None
    done = NOTHING
    for spec in due:
        assert location is not None
        done += queue_about_booking(session, campaign, template, spec, booking, location,
                                    now)
    return done


def cancel_booking_messages(session: Session, bookings: Iterable[Booking], why: str,
                            now: datetime) -> int:
    """Whatever is still waiting to go about these bookings is cancelled, with ``why``
    (“the appointment was cancelled”). A message a sender has already taken, or that
    may have reached Notify, is left to the sender."""
    chosen = list(bookings)
    occasions = [f"{prefix}:{b.reference}" for b in chosen for prefix in PREFIXES.values()]
    if not occasions:
        return 0
    result = session.execute(
        update(M).where(M.c.contact_id.in_({b.contact_id for b in chosen}),
                        M.c.occasion.in_(occasions), M.c.status == "queued",
                        M.c.check_first.is_(False))
        .values(status="cancelled", reason=f"not sent: {why}", done_at=now,
                next_try_at=None))
    return result.rowcount or 0
