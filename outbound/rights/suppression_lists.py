"""Suppression lists in bulk: the registrar's weekly deaths, Tell Us Once notifications
and objections, imported from CSV or XLSX and matched to contacts.

A row matches a contact for sure by phone number (when the list names someone, the
name must agree too), or by name and postcode, with the date of birth when both the
list and the contact hold one. A sure match stops calls to the person at once, in
every campaign. A near match (the same name at another postcode, a similar name at the
same postcode, the same number under another name, a different date of birth) is
kept for a person to confirm or dismiss, and stops nothing. The same list imported
again changes nothing: a person already stopped for that reason is left alone, and a
near match already listed is not listed twice.

Contacts hold a date of birth only when their call list had a column for it (kept
with the contact as imported, e.g. "Date of birth"); no template asks a person's own
date of birth, so most matches by name are by name and postcode alone, and the report
says so.
"""

from __future__ import annotations

import difflib
import hashlib
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import false, or_, select
from sqlalchemy.orm import Session

from outbound import audit
from outbound.clock import utcnow
from outbound.contacts import SUPPRESSION_REASONS, suppress_in
from outbound.db.database import Database
from outbound.db.models import Contact, ContactPhone, Suppression
from outbound.db.rights_models import SuppressionCandidate
from outbound.importing.columns import normalise_header
from outbound.importing.table import TableReader
from outbound.phones import parse_phone_cell
from outbound.rights.errors import RightsError
from outbound.rights.holds import check_supervisor
from outbound.text import count_of, name_key, normalise_postcode

REASONS = ("deceased", "asked_not_to_be_called")
_HEADINGS = {
    "name": ("name", "full name", "deceased name", "person", "resident", "contact name"),
    "first_name": ("first name", "forename", "forenames", "given name", "given names"),
    "last_name": ("surname", "last name", "family name"),
    "phone": ("phone", "telephone", "tel", "tel no", "phone number", "telephone number",
              "mobile", "landline", "contact number"),
    "postcode": ("postcode", "post code", "postal code"),
    "date_of_birth": ("date of birth", "dob", "birth date", "born"),
    "reason": ("reason", "type", "notification", "notice", "category"),
}
_DOB_KEYS = {"date of birth", "dob", "birth date", "date of birth dd mm yyyy"}
_DEATH = re.compile(r"death|deceased|died|tell us once|\btuo\b|bereave", re.IGNORECASE)
_OBJECTION = re.compile(r"object|not to be called|do not call|don't call|opt.?out|no calls|"
                        r"asked not", re.IGNORECASE)
SIMILAR = 0.85


@dataclass(frozen=True, slots=True)
class RowResult:
    """What became of one row of the list."""

    row: int
    outcome: str           # stopped | already_stopped | to_confirm | not_found | unreadable
    contact_id: int | None = None
    how: str = ""

    def sentence(self) -> str:
        who = f"contact {self.contact_id}" if self.contact_id is not None else ""
        return {
            "stopped": f"Row {self.row}: {who}: calls stopped ({self.how}).",
            "already_stopped": f"Row {self.row}: {who}: calls were already stopped "
                               f"({self.how}).",
            "to_confirm": f"Row {self.row}: {who} may be this person ({self.how}): "
                          "confirm or dismiss it.",
            "not_found": f"Row {self.row}: nobody matches.",
            "unreadable": f"Row {self.row}: {self.how}",
        }[self.outcome]


@dataclass
class SuppressionImport:
    file_name: str
    source: str
    rows: list[RowResult] = field(default_factory=list)
    dates_of_birth_held: bool = False

    def count(self, outcome: str) -> int:
        return sum(1 for r in self.rows if r.outcome == outcome)

    def summary(self) -> str:
        parts = [f"{count_of(self.count('stopped'), 'person', 'people')} stopped",
                 f"{count_of(self.count('to_confirm'), 'near match', 'near matches')} "
                 "to confirm",
                 f"{self.count('already_stopped'):,} already stopped",
                 f"{self.count('not_found'):,} not found"]
        if self.count("unreadable"):
            parts.append(f"{self.count('unreadable'):,} rows not understood")
        return (f"Imported the suppression list {self.file_name} ({self.source}): "
                + ", ".join(parts) + ".")


@dataclass(frozen=True, slots=True)
class ListRow:
    row: int
    name: str
    postcode: str | None
    date_of_birth: date | None
    numbers: tuple[str, ...]
    reason: str

    @property
    def key(self) -> str:
        text = "|".join([self.reason, name_key(self.name), self.postcode or "",
                         self.date_of_birth.isoformat() if self.date_of_birth else "",
                         ",".join(sorted(self.numbers))])
        return hashlib.sha256(text.encode()).hexdigest()


def _columns(headers: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for index, header in enumerate(headers):
        heading = normalise_header(header)
        for field_name, names in _HEADINGS.items():
            if heading in names and field_name not in found:
                found[field_name] = index
    return found


def parse_date(text: str) -> date | None:
    text = text.strip()
    for pattern in ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y", "%d %B %Y", "%d %b %Y",
                    "%Y-%m-%d %H:%M:%S"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


def reason_of(text: str) -> str | None:
    if not text.strip():
        return None
    if text.strip() in REASONS:
        return text.strip()
    if _DEATH.search(text):
        return "deceased"
    if _OBJECTION.search(text):
        return "asked_not_to_be_called"
    return None


def read_list(path: Path, default_reason: str | None) -> tuple[list[ListRow], list[RowResult]]:
    """The list's rows, and the rows that could not be understood; RightsError (or
    ImportRefused) when the file cannot be used at all."""
    rows: list[ListRow] = []
    unreadable: list[RowResult] = []
    with TableReader(path) as reader:
        columns = _columns(reader.info.headers)
        has_name = "name" in columns or "last_name" in columns
        if "phone" not in columns and not (has_name and "postcode" in columns):
            raise RightsError(f"“{path.name}” needs a phone number column, or name and "
                              "postcode columns, to match people; its headings are: "
                              + ", ".join(reader.info.headers) + ".")
        if "reason" not in columns and default_reason is None:
            raise RightsError(f"“{path.name}” has no reason column: say whether it lists "
                              "deaths or objections with --reason deceased or --reason "
                              "asked_not_to_be_called.")
        for number, cells in reader.rows():
            def cell(name: str, cells: list[str] = cells) -> str:
                return cells[columns[name]].strip() if name in columns else ""

            name = cell("name") or " ".join(p for p in (cell("first_name"),
                                                        cell("last_name")) if p)
            reason = reason_of(cell("reason")) if cell("reason") else default_reason
            if reason is None:
                unreadable.append(RowResult(number, "unreadable", how=(
                    f"the reason “{cell('reason')}” is neither a death nor an objection.")))
                continue
            phones = tuple(n.e164 for n in parse_phone_cell(cell("phone")).usable
                           if n.e164) if cell("phone") else ()
            postcode = normalise_postcode(cell("postcode")) if cell("postcode") else None
            born = parse_date(cell("date_of_birth")) if cell("date_of_birth") else None
            if not phones and not (name and postcode):
                unreadable.append(RowResult(number, "unreadable", how=(
                    "it has neither a usable phone number nor a name and postcode.")))
                continue
            rows.append(ListRow(number, name, postcode, born, phones, reason))
    return rows, unreadable


def _dob_of(contact: Contact) -> date | None:
    for key, value in (contact.attributes or {}).items():
        if normalise_header(str(key)) in _DOB_KEYS and isinstance(value, str):
            return parse_date(value)
    return None


def _similar(a: str, b: str) -> bool:
    if not a or not b:
        return False
    if difflib.SequenceMatcher(None, a, b).ratio() >= SIMILAR:
        return True
    pa, pb = a.split(), b.split()
    return len(pa) > 1 and len(pb) > 1 and pa[-1] == pb[-1] and pa[0][0] == pb[0][0]


def _match(session: Session, row: ListRow) -> list[tuple[Contact, bool, str]]:
    """(contact, sure, how) for each contact the row may be."""
    live = Contact.erased_at.is_(None)
    key = name_key(row.name) if row.name else ""
    found: dict[int, tuple[Contact, bool, str]] = {}
    if row.numbers:
        others = select(ContactPhone.contact_id).where(ContactPhone.e164.in_(row.numbers))
        for contact in session.scalars(select(Contact).where(live, or_(
                Contact.primary_phone.in_(row.numbers), Contact.id.in_(others)))):
            if not key or _similar(key, contact.name_key):
                found[contact.id] = (contact, True, "phone number")
            else:
                found[contact.id] = (contact, False, "same phone number, different name")
    if key and row.postcode:
        for contact in session.scalars(select(Contact).where(
                live, Contact.name_key == key, Contact.postcode == row.postcode)):
            if contact.id in found and found[contact.id][1]:
                continue
            held = _dob_of(contact)
            if row.date_of_birth and held and held != row.date_of_birth:
                found[contact.id] = (contact, False,
                                     "same name and postcode, different date of birth")
            elif row.date_of_birth and held:
                found[contact.id] = (contact, True, "name, date of birth and postcode")
            else:
                found[contact.id] = (contact, True,
                                     "name and postcode; no date of birth to compare")
    if key:
        area = row.postcode or ""
        near = select(Contact).where(live, or_(Contact.name_key == key,
                                               Contact.postcode == area if area else false()))
        for contact in session.scalars(near):
            if contact.id in found:
                continue
            if contact.name_key == key and contact.postcode != row.postcode:
                how = ("same name, different postcode" if contact.postcode and row.postcode
                       else "same name, no postcode to compare")
                found[contact.id] = (contact, False, how)
            elif contact.postcode == row.postcode and _similar(key, contact.name_key):
                found[contact.id] = (contact, False, "similar name, same postcode")
    return list(found.values())


def _already(session: Session, contact_id: int, reason: str) -> bool:
    return session.scalar(select(Suppression.id).where(
        Suppression.contact_id == contact_id, Suppression.reason == reason,
        Suppression.lifted_at.is_(None)).limit(1)) is not None


def import_suppression_list(db: Database, path: str | Path, *, source: str, by: str,
                            reason: str | None = None,
                            now: datetime | None = None) -> SuppressionImport:
    """Match a list and stop calls to the sure matches, all in one transaction."""
    path = Path(path)
    if reason is not None and reason not in REASONS:
        raise RightsError(f"“{reason}” is not a reason a suppression list gives; use "
                          "deceased or asked_not_to_be_called.")
    source = " ".join((source or "").split())
    if not source:
        raise RightsError("Say where the list came from with --source, such as "
                          "“Tell Us Once”.")
    rows, unreadable = read_list(path, reason)
    moment = now or utcnow()

    def work(session: Session) -> SuppressionImport:
        who = check_supervisor(session, by, "import a suppression list")
        report = SuppressionImport(path.name, source, list(unreadable))
        for row in rows:
            matches = _match(session, row)
            if not matches:
                report.rows.append(RowResult(row.row, "not_found"))
            for contact, sure, how in matches:
                report.dates_of_birth_held |= "date of birth" in how and "no date" not in how
                if sure:
                    if _already(session, contact.id, row.reason):
                        report.rows.append(RowResult(row.row, "already_stopped",
                                                     contact.id, how))
                        continue
                    suppress_in(session, contact.id, row.reason, source=source,
                                note=f"{path.name}, row {row.row}: matched on {how}.",
                                recorded_by=who, now=moment)
                    report.rows.append(RowResult(row.row, "stopped", contact.id, how))
                    continue
                listed = session.scalar(select(SuppressionCandidate.id).where(
                    SuppressionCandidate.contact_id == contact.id,
                    SuppressionCandidate.reason == row.reason,
                    SuppressionCandidate.row_key == row.key))
                if listed is None and not _already(session, contact.id, row.reason):
                    session.add(SuppressionCandidate(
                        contact_id=contact.id, reason=row.reason, source=source,
                        file_name=path.name, row_number=row.row, row_key=row.key, why=how,
                        found_at=moment))
                    session.flush()
                report.rows.append(RowResult(row.row, "to_confirm", contact.id, how))
        report.rows.sort(key=lambda r: (r.row, r.contact_id or 0))
        audit.record(session, "suppression_list_imported", report.summary(), actor=who,
                     detail={"file": path.name, "source": source,
                             "counts": {o: report.count(o) for o in (
                                 "stopped", "already_stopped", "to_confirm", "not_found",
                                 "unreadable")},
                             "stopped": [r.contact_id for r in report.rows
                                         if r.outcome == "stopped"]})
        return report

    return db.run_write(work)


@dataclass(frozen=True, slots=True)
class Candidate:
    id: int
    contact_id: int
    contact_name: str
    postcode: str | None
    reason: str
    source: str
    file_name: str
    row_number: int
    why: str
    status: str

    def sentence(self) -> str:
        return (f"{self.id}: contact {self.contact_id} ({self.contact_name}, "
                f"{self.postcode or 'no postcode'}) may be row {self.row_number} of "
                f"{self.file_name}, {SUPPRESSION_REASONS[self.reason].lower()} "
                f"({self.why}).")


def pending_matches(db: Database) -> list[Candidate]:
    with db.read() as session:
        rows = session.execute(select(SuppressionCandidate, Contact.name, Contact.postcode)
                               .join(Contact, Contact.id == SuppressionCandidate.contact_id)
                               .where(SuppressionCandidate.status == "pending")
                               .order_by(SuppressionCandidate.id)).all()
        return [Candidate(c.id, c.contact_id, name, postcode, c.reason, c.source, c.file_name,
                          c.row_number, c.why, c.status) for c, name, postcode in rows]


def decide_match(db: Database, candidate_id: int, *, confirm: bool, by: str,
                 now: datetime | None = None) -> int:
    """Confirm a near match (calls stop) or dismiss it; returns the contact's id."""
    moment = now or utcnow()

    def work(session: Session) -> int:
        who = check_supervisor(session, by, "confirm or dismiss a suppression-list match")
        found: Any = session.get(SuppressionCandidate, candidate_id)
        if found is None:
            raise RightsError(f"There is no suppression-list match number {candidate_id}.")
        if found.status != "pending":
            raise RightsError(f"Match {candidate_id} was already {found.status} by "
                              f"{found.decided_by}.")
        found.status = "confirmed" if confirm else "dismissed"
        found.decided_by, found.decided_at = who, moment
        if confirm:
            if not _already(session, found.contact_id, found.reason):
                suppress_in(session, found.contact_id, found.reason, source=found.source,
                            note=f"{found.file_name}, row {found.row_number}: confirmed by "
                            f"{who} ({found.why}).", recorded_by=who, now=moment)
        else:
            audit.record(session, "suppression_match_dismissed",
                         f"Dismissed row {found.row_number} of {found.file_name} as not "
                         f"contact {found.contact_id} ({found.why}).", actor=who,
                         contact_id=found.contact_id, detail={"match": found.id})
        return found.contact_id

    return db.run_write(work)
