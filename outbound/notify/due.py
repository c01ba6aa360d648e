"""Messages that fall due by the calendar: before an expiry date, on booking, and the
day before an appointment. The sending service looks every few minutes; each message
is queued once per occasion however often it looks (the outbox's unique key). A
booking's own messages are queued as it is made (``bookings.py``); the look here is
the safety net.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from outbound.clock import london_day
from outbound.db.booking_models import Booking, Location
from outbound.db.database import Database
from outbound.db.models import Campaign, Contact, Enrolment
from outbound.db.notify_models import Message
from outbound.notify.bookings import queue_about_booking, tomorrow_bounds
from outbound.notify.outbox import NOTHING, Queued, queue_messages
from outbound.queue.campaigns import template_of

BOOKING_LOOK_BACK = timedelta(days=2)


def queue_due_messages(db: Database, *, now: datetime) -> Queued:
    """Queue every message due now in every active campaign that declares messages."""

    def work(session: Session) -> Queued:
        done = NOTHING
        for campaign in session.scalars(select(Campaign).where(Campaign.status == "active")):
            template = template_of(campaign)
            if template.messages is None:
                continue
            for spec in template.messages.messages:
                if spec.when == "expiry":
                    done += _before_expiry(session, campaign, spec, now)
                elif spec.when in ("booking", "day_before_appointment"):
                    done += _about_bookings(session, campaign, spec, now)
        return done

    return db.run_write(work)


def _before_expiry(session: Session, campaign: Campaign, spec, now: datetime) -> Queued:
    template = template_of(campaign)
    today = london_day(now)
    last = today + timedelta(days=spec.days_before)
    audience = campaign.audience or {}
    query = select(Contact).where(Contact.expiry_date.between(today, last),
                                  Contact.do_not_call.is_(False))
    if template.kind == "reminder":
        if audience.get("source"):
            query = query.where(Contact.source == audience["source"])
        if audience.get("district"):
            query = query.where(Contact.district == audience["district"])
    else:
        query = query.join(Enrolment, Enrolment.contact_id == Contact.id).where(
            Enrolment.campaign_id == campaign.id, Enrolment.active.is_(True))
    done = NOTHING
    by_expiry: dict[str, list[Contact]] = {}
    for contact in session.scalars(query):
        by_expiry.setdefault(f"expiry:{contact.expiry_date.isoformat()}", []).append(contact)
    for occasion, contacts in by_expiry.items():
        already = set(session.scalars(select(Message.contact_id).where(
            Message.campaign_id == campaign.id, Message.code == spec.code,
            Message.occasion == occasion)))
        fresh = [c for c in contacts if c.id not in already]
        if fresh:
            done += queue_messages(session, campaign, template, spec, fresh, occasion, now)
    return done


def _about_bookings(session: Session, campaign: Campaign, spec, now: datetime) -> Queued:
    """The safety net: bookings are queued for as they are made (``bookings.py``)."""
    template = template_of(campaign)
    query = (select(Booking, Location).join(Location, Location.id == Booking.location_id)
             .where(Booking.campaign_id == campaign.id, Booking.status == "booked",
                    Booking.starts_at > now))
    if spec.when == "booking":
        query = query.where(Booking.booked_at >= now - BOOKING_LOOK_BACK)
    else:
        start, end = tomorrow_bounds(now)
        query = query.where(Booking.starts_at >= start, Booking.starts_at < end)
    done = NOTHING
    for booking, location in session.execute(query).all():
        done += queue_about_booking(session, campaign, template, spec, booking, location, now)
    return done
