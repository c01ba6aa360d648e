"""Finding locations, resources, bookings and contacts by what a person types."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from outbound.booking.errors import BookingError
from outbound.db.booking_models import Booking, Location, Resource
from outbound.db.models import Contact, Task


def _as_id(value: str | int) -> int | None:
    if isinstance(value, int):
        return value
    text = value.strip()
    return int(text) if text.isdigit() else None


def find_location(session: Session, name_or_id: str | int) -> Location:
    """A location by id or name (ignoring case); BookingError naming it if there is none."""
    number = _as_id(name_or_id)
    if number is not None:
        found = session.get(Location, number)
    else:
        found = session.scalar(select(Location).where(
            func.lower(Location.name) == str(name_or_id).strip().lower()))
    if found is None:
        raise BookingError(f"There is no location called “{name_or_id}”.")
    return found


def find_resource(session: Session, location: Location, name_or_id: str | int) -> Resource:
    """A resource of ``location`` by id or name; BookingError if it is not there."""
    number = _as_id(name_or_id)
    stmt = select(Resource).where(Resource.location_id == location.id)
    if number is not None:
        stmt = stmt.where(Resource.id == number)
    else:
        stmt = stmt.where(func.lower(Resource.name) == str(name_or_id).strip().lower())
    found = session.scalar(stmt)
    if found is None:
        raise BookingError(f"{location.name} has no officer, vaccinator or room called "
                           f"“{name_or_id}”.")
    return found


def find_booking(session: Session, id_or_reference: str | int) -> Booking:
    """A booking by id or by its reference code ("PND-7K3Q9", any case)."""
    found: Booking | None
    if isinstance(id_or_reference, int):
        found = session.get(Booking, id_or_reference)
    else:
        text = id_or_reference.strip().upper()
        found = session.scalar(select(Booking).where(Booking.reference == text))
        if found is None and text.isdigit():
            found = session.get(Booking, int(text))
    if found is None:
        raise BookingError(f"There is no booking “{id_or_reference}”.")
    return found


def find_contact(session: Session, contact_id: int) -> Contact:
    found = session.get(Contact, contact_id)
    if found is None:
        raise BookingError(f"There is no contact {contact_id}.")
    return found


def find_task(session: Session, task_id: int, contact_id: int) -> Task:
    """The task a booking is made on; it must be a call to the same person."""
    found = session.get(Task, task_id)
    if found is None:
        raise BookingError(f"There is no call task {task_id}.")
    if found.contact_id != contact_id:
        raise BookingError(f"Call task {task_id} is for someone else, not contact "
                           f"{contact_id}.")
    return found
