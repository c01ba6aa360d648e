"""A location's day list: every appointment at a clinic or register office on one day.

The list the receptionist prints in the morning: times on the London clock, who is
coming, how to reach them, and what has already changed (cancelled, moved).
"""

from __future__ import annotations

from dataclasses import astuple, dataclass
from datetime import date, time, timedelta
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from outbound.audit import record_export
from outbound.clock import local_instant, to_london
from outbound.db.booking_models import Booking, Location, Resource
from outbound.db.database import Database
from outbound.db.models import Contact
from outbound.exports.answers import FORMATS, ExportResult, Format
from outbound.exports.source import ExportError
from outbound.exports.tables import check_target, write_table_file
from outbound.phones import format_for_display

STATUS_NAMES = {
    "booked": "Booked",
    "arrived": "Arrived",
    "did_not_attend": "Did not attend",
    "cancelled": "Cancelled",
    "cancelled_late": "Cancelled late",
    "moved": "Moved",
}

HEADER = ("Time", "Until", "Service", "Part", "Name", "Phone", "Booking reference",
          "Status", "With", "Notes")


@dataclass(frozen=True, slots=True)
class DayListRow:
    """One appointment on a day list; times are on the London clock."""

    time: time
    end: time
    service: str
    part: int
    contact_name: str
    phone: str | None
    reference: str
    status: str
    resource: str | None
    notes: str | None


def find_location(session: Session, name_or_id: str | int) -> Location:
    """A location by id or by name (any case); ExportError naming it if there is none."""
    text = str(name_or_id).strip()
    found = (session.get(Location, int(text)) if text.isdigit() else
             session.scalar(select(Location).where(func.lower(Location.name) == text.lower())))
    if found is None:
        names = ", ".join(session.scalars(select(Location.name).order_by(Location.name)))
        raise ExportError(f"There is no location called “{name_or_id}”; the locations are: "
                          f"{names or 'none yet'}.")
    return found


def _rows(session: Session, location: Location, day: date) -> list[DayListRow]:
    start = local_instant(day, time(0))
    end = local_instant(day + timedelta(days=1), time(0))
    resource = aliased(Resource)
    stmt = (select(Booking.starts_at, Booking.ends_at, Booking.service, Booking.part,
                   Contact.name, Contact.primary_phone, Booking.reference, Booking.status,
                   resource.name, Booking.notes)
            .join(Contact, Contact.id == Booking.contact_id)
            .outerjoin(resource, resource.id == Booking.resource_id)
            .where(Booking.location_id == location.id, Booking.starts_at >= start,
                   Booking.starts_at < end)
            .order_by(Booking.starts_at, resource.name, Booking.part, Booking.id))
    return [
        DayListRow(to_london(starts).time(), to_london(ends).time(), service, part, name,
                   format_for_display(phone) if phone else None, reference,
                   STATUS_NAMES.get(status, status), with_whom, notes)
        for (starts, ends, service, part, name, phone, reference, status, with_whom, notes)
        in session.execute(stmt)]


def day_list(db: Database, location: str | int, day: date) -> list[DayListRow]:
    """Every booking at ``location`` (name or id) on London day ``day``, in time order."""
    with db.read() as session:
        return _rows(session, find_location(session, location), day)


def export_day_list(db: Database, location: str | int, day: date, *, fmt: Format,
                    out: Path, actor: str | None = None) -> ExportResult:
    """Write a location's day list; the sheet is named after the day."""
    if fmt not in FORMATS:
        raise ExportError(f"“{fmt}” is not an export format; use csv or xlsx.")
    out = check_target(Path(out))
    with db.read() as session:
        place = find_location(session, location)
        rows = [list(astuple(row)) for row in _rows(session, place, day)]
    count, _, warnings = write_table_file(fmt, out, f"{day:%a %d %b %Y}", HEADER, rows)
    if count == 0:
        warnings.append(f"{place.name} has no appointments on {day:%A %d %B %Y}.")
    record_export(db, f"the day list of {place.name}", out, count, actor=actor,
                  filters={"day": day})
    return ExportResult(out, count, None, tuple(warnings))
