"""Appointment booking: locations, sessions and slots, holds, bookings, the waiting list
and confirmations, with no slot ever over-booked on SQLite or PostgreSQL.

    from outbound import booking

    office = booking.add_location(db, "Ashworth Register Office", kind="register_office",
                                  resources=["Registrar Jones"])
    booking.add_sessions(db, office, "Signing the register", date(2026, 12, 1),
                         date(2026, 12, 31), days="mon-fri", start=time(9, 0),
                         end=time(12, 30), slot_minutes=15, resource="Registrar Jones")
    free = booking.find_free_slots(db, "Signing the register", minutes=40, agent="Sam")
    booking.hold_slot(db, "Sam", free[0].slot_id, minutes=40, contact=contact_id)
    made = booking.book(db, "Sam", contact_id, free[0].slot_id, minutes=40)
    print(booking.confirmation(db, made.reference).text)

Each change is one transaction: a booking lands whole or raises ``PlaceGone`` ("that
place has just gone") with nothing changed; any other refusal is a ``BookingError``
with one sentence to show.
"""

from __future__ import annotations

from outbound.booking.appointments import (
    Appointment,
    appointment_minutes,
    book,
    book_two_parts,
    get_appointments,
)
from outbound.booking.availability import (
    DayAvailability,
    FreeSlot,
    day_availability,
    find_free_slots,
)
from outbound.booking.changes import (
    ATTENDANCE_STATUSES,
    CANCEL_REASONS,
    Cancellation,
    cancel,
    record_attendance,
    reschedule,
)
from outbound.booking.closing import ClosedSession, close_location, close_session
from outbound.booking.confirmation import (
    Confirmation,
    confirmation,
    confirmation_ics,
    confirmation_text,
    write_ics,
)
from outbound.booking.errors import BookingError, PlaceGone
from outbound.booking.holds import DEFAULT_HOLD, Hold, hold_slot, release_hold
from outbound.booking.sessions import (
    LocationInfo,
    SessionsAdded,
    add_location,
    add_resource,
    add_session,
    add_sessions,
    list_locations,
    parse_weekdays,
    slot_times,
)
from outbound.booking.waiting import (
    OFFER_HOLD,
    Offer,
    add_to_waiting_list,
    lapse_offers,
    waiting_list,
    withdraw_from_waiting_list,
)

__all__ = [
    "ATTENDANCE_STATUSES",
    "CANCEL_REASONS",
    "DEFAULT_HOLD",
    "OFFER_HOLD",
    "Appointment",
    "BookingError",
    "Cancellation",
    "ClosedSession",
    "Confirmation",
    "DayAvailability",
    "FreeSlot",
    "Hold",
    "LocationInfo",
    "Offer",
    "PlaceGone",
    "SessionsAdded",
    "add_location",
    "add_resource",
    "add_session",
    "add_sessions",
    "add_to_waiting_list",
    "appointment_minutes",
    "book",
    "book_two_parts",
    "cancel",
    "close_location",
    "close_session",
    "confirmation",
    "confirmation_ics",
    "confirmation_text",
    "day_availability",
    "find_free_slots",
    "get_appointments",
    "hold_slot",
    "lapse_offers",
    "list_locations",
    "parse_weekdays",
    "record_attendance",
    "release_hold",
    "reschedule",
    "slot_times",
    "waiting_list",
    "withdraw_from_waiting_list",
    "write_ics",
]
