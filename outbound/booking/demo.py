"""Pendleshire's register offices and vaccination clinics, for the demo database.

Two register offices, each with two registrars, run telephone appointments in the
morning and signing the register in the afternoon; three clinics, each with two
vaccinators, run vaccination appointments all day. Sessions are on weekdays for the
next four weeks, not on bank holidays. The service names come from the campaign
templates, so a booking made in the demo campaigns finds them. Every phone number is
in Ofcom's drama range.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time, timedelta

from outbound.booking.sessions import add_location, add_sessions, list_locations
from outbound.campaigns.template import get_template
from outbound.db.database import Database

WEEKS = 4


@dataclass(frozen=True, slots=True)
class _Place:
    name: str
    kind: str
    address: str
    postcode: str
    phone: str
    directions: str
    staff: tuple[str, ...]
    staff_kind: str


REGISTER_OFFICES = (
    _Place("Ashworth Register Office", "register_office", "Town Hall, Church Street, Ashworth",
           "PN1 1RG", "0113 496 0990", "Use the side entrance on Mill Lane; step-free access.",
           ("Registrar Hannah Pickles", "Registrar Imran Hussain"), "registrar"),
    _Place("Calder Vale Register Office", "register_office",
           "The Old Courthouse, Bridge Street, Calder Vale", "PN3 4RG", "0113 496 0991",
           "Pay and display parking on Station Road.",
           ("Registrar Gwen Davies", "Registrar Tom Walker"), "registrar"),
)
CLINICS = (
    _Place("Brackenfield Health Centre", "clinic", "Station Road, Brackenfield", "PN2 3HC",
           "020 7946 0990", "Clinic room 4, first floor; lift by the main doors.",
           ("Nurse Joan Hughes", "Nurse Arjun Patel"), "vaccinator"),
    _Place("Dunmoor Community Hub", "clinic", "Chapel Row, Dunmoor", "PN4 5DH",
           "020 7946 0991", "The hall at the back of the hub; free parking.",
           ("Nurse Sophie Wright", "Nurse Declan O'Brien"), "vaccinator"),
    _Place("Harwood Bridge Library", "clinic", "Victoria Road, Harwood Bridge", "PN8 2HL",
           "020 7946 0992", "The community room on the ground floor.",
           ("Nurse Fatima Begum", "Nurse George Green"), "vaccinator"),
)
# (service index in the template's parts, start, end, slot minutes)
REGISTRAR_HOURS = ((0, time(9, 0), time(12, 30), 15), (1, time(13, 30), time(16, 30), 15))
CLINIC_HOURS = (time(9, 0), time(16, 0), 10)


@dataclass(slots=True)
class DemoBookings:
    """What the demo set-up made (nothing, when the locations were already there)."""

    locations: list[str] = field(default_factory=list)
    sessions: int = 0
    slots: int = 0


def _add(db: Database, place: _Place) -> int:
    return add_location(db, place.name, kind=place.kind, address=place.address,
                        postcode=place.postcode, phone=place.phone,
                        directions=place.directions, resources=place.staff,
                        resource_kind=place.staff_kind)


def build_demo_bookings(db: Database, today: date) -> DemoBookings:
    """Add the demo locations and four weeks of weekday sessions from ``today``.

    Safe to run twice: a location already there is left as it is.
    """
    registrar = [str(p) for p in get_template("registrar_birth_booking").booking["parts"]]
    vaccination = str(get_template("vaccination_booking").booking["parts"][0])
    existing = {info.name for info in list_locations(db, include_closed=True)}
    last = today + timedelta(weeks=WEEKS) - timedelta(days=1)
    made = DemoBookings()
    plans: list[tuple[_Place, list[tuple[str, time, time, int]]]] = [
        (office, [(registrar[i], start, end, slot) for i, start, end, slot in REGISTRAR_HOURS])
        for office in REGISTER_OFFICES]
    plans += [(clinic, [(vaccination, *CLINIC_HOURS)]) for clinic in CLINICS]
    for place, hours in plans:
        if place.name in existing:
            continue
        location = _add(db, place)
        made.locations.append(place.name)
        for person in place.staff:
            for service, start, end, slot in hours:
                added = add_sessions(db, location, service, today, last, days="mon-fri",
                                     start=start, end=end, slot_minutes=slot, resource=person)
                made.sessions += added.sessions
                made.slots += added.slots
    return made
