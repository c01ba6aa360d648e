"""Correcting a contact on a call: a new or corrected number, an email, the name and
role of the manager or contact person.

Every change is one transaction that also writes a ``contact_change`` row: who, when,
which field, what it was and what it is now, and the call it was made on. A number is
checked and normalised with ``parse_phone`` (UK by default, extensions kept); the number
given becomes the contact's first number, so it is the one rung on the next call, and
the numbers they had are kept after it. A premium-rate number is refused here: only a
supervisor can allow one (``outbound.numbers``).

    add_number(db, contact_id, "0161 496 0123", agent="Sam", task=task_id)
    correct_number(db, contact_id, "+441134960001", "0113 496 0011", agent="Sam")
    change_detail(db, contact_id, "email", "manager@ivyhouse.org.uk", agent="Sam")
    contact_changes(db, contact_id)          # newest first
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from outbound.audit import record
from outbound.clock import to_london, utcnow
from outbound.db.database import Database
from outbound.db.models import Contact, ContactChange, PhoneEntry
from outbound.phones import format_for_display, parse_phone
from outbound.text import name_key

FIELD_WORDS = {"phone": "Number", "phone_added": "New number", "email": "Email",
               "name": "Name", "role": "Role"}
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_AUDIT_WORDS = {"phone": "Corrected a number", "phone_added": "Added a number",
                "email": "Changed the email address", "name": "Changed the name",
                "role": "Changed the role"}
_LIMITS = {"email": 320, "name": 300, "role": 200}


class ContactChangeError(ValueError):
    """A correction that cannot be made; one sentence saying what to do."""


@dataclass(frozen=True, slots=True)
class Change:
    """One line of a contact's history of corrections."""

    field: str
    old_value: str | None
    new_value: str | None
    changed_by: str | None
    changed_at: datetime

    def sentence(self) -> str:
        by = f" by {self.changed_by}" if self.changed_by else ""
        was = self.old_value or "nothing"
        return (f"{to_london(self.changed_at):%d/%m/%Y %H:%M}: {FIELD_WORDS[self.field]} "
                f"changed from {was} to {self.new_value or 'nothing'}{by}")


def _shown(entry: PhoneEntry) -> str:
    return format_for_display(entry.e164, entry.extension) if entry.e164 else entry.raw


def _checked_number(text: str) -> PhoneEntry:
    typed = (text or "").strip()
    if not typed:
        raise ContactChangeError("Type the number, like 0161 496 0123.")
    parsed = parse_phone(typed)
    if not parsed.usable or parsed.e164 is None:
        raise ContactChangeError(f"“{typed}” is not a number we can call: "
                                 f"{parsed.problem}.")
    if parsed.premium:
        raise ContactChangeError(f"{format_for_display(parsed.e164)} is a premium-rate "
                                 "number: it is not called unless a supervisor allows it.")
    return PhoneEntry(0, parsed.e164, parsed.extension, typed, parsed.line_type, True, None)


def _contact(session: Session, contact_id: int) -> Contact:
    stmt = select(Contact).where(Contact.id == contact_id)
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    contact = session.scalars(stmt).first()
    if contact is None:
        raise ContactChangeError(f"There is no contact number {contact_id}.")
    return contact


def _record(session: Session, contact: Contact, field: str, old: str | None,
            new: str | None, agent: str | None, task: int | None, moment: datetime) -> None:
    contact.updated_at = moment
    session.add(ContactChange(contact_id=contact.id, field=field, old_value=old,
                              new_value=new, task_id=task, changed_by=agent,
                              changed_at=moment))
    # The values stay in contact_change, where an erasure can reach them.
    record(session, "contact_corrected", _AUDIT_WORDS[field]
           + (f" on call {task}." if task else "."), actor=agent, contact_id=contact.id,
           detail={"field": field, "task": task})


def add_number(db: Database, contact_id: int, text: str, *, agent: str | None = None,
               task: int | None = None, now: datetime | None = None) -> str:
    """A new number, first in the list (rung next); returns it as shown."""
    entry = _checked_number(text)
    moment = now or utcnow()

    def work(session: Session) -> str:
        contact = _contact(session, contact_id)
        entries = contact.phones
        same = next((e for e in entries if e.e164 == entry.e164
                     and e.extension == entry.extension), None)
        if same is not None and same.usable and entries[0] == same:
            raise ContactChangeError(f"{_shown(entry)} is already their first number.")
        entries = [entry] + [e for e in entries if e is not same]
        contact.store_phones(entries)
        _record(session, contact, "phone_added", None, _shown(entry), agent, task, moment)
        return _shown(entry)

    return db.run_write(work)


def correct_number(db: Database, contact_id: int, old: str, text: str, *,
                   agent: str | None = None, task: int | None = None,
                   now: datetime | None = None) -> str:
    """Put right one of their numbers (``old``: as stored in E.164, or its text); the
    corrected number goes first, so it is rung next. Returns it as shown."""
    entry = _checked_number(text)
    moment = now or utcnow()

    def work(session: Session) -> str:
        contact = _contact(session, contact_id)
        entries = contact.phones
        wrong = next((e for e in entries if old in (e.e164, e.raw)), None)
        if wrong is None:
            raise ContactChangeError("That number is no longer one of theirs: look at "
                                     "the numbers again.")
        if wrong.e164 == entry.e164 and wrong.extension == entry.extension and wrong.usable:
            raise ContactChangeError(f"{_shown(entry)} is the number already stored.")
        entries = [entry] + [e for e in entries if e is not wrong and not (
            e.e164 == entry.e164 and e.extension == entry.extension)]
        contact.store_phones(entries)
        _record(session, contact, "phone", _shown(wrong), _shown(entry), agent, task, moment)
        return _shown(entry)

    return db.run_write(work)


def change_detail(db: Database, contact_id: int, field: str, value: str, *,
                  agent: str | None = None, task: int | None = None,
                  now: datetime | None = None) -> str | None:
    """Change the email, the name (of the manager or contact person) or their role.
    A blank email or role clears it; a name cannot be blank. Returns the new value."""
    if field not in _LIMITS:
        raise ContactChangeError(f"“{field}” cannot be changed here.")
    cleaned = " ".join((value or "").split()) or None
    if field == "name" and cleaned is None:
        raise ContactChangeError("Type their name.")
    if cleaned is not None and len(cleaned) > _LIMITS[field]:
        raise ContactChangeError(f"That is too long for a {field} "
                                 f"(at most {_LIMITS[field]} characters).")
    if field == "email" and cleaned is not None:
        cleaned = cleaned.replace(" ", "")
        if not _EMAIL.match(cleaned):
            raise ContactChangeError("Type an email address, like name@example.org.")
    moment = now or utcnow()

    def work(session: Session) -> str | None:
        contact = _contact(session, contact_id)
        old = getattr(contact, field)
        if (old or None) == cleaned:
            raise ContactChangeError(f"That is the {field} already stored.")
        setattr(contact, field, cleaned)
        if field == "name":
            contact.name_key = name_key(cleaned or "")
        _record(session, contact, field, old, cleaned, agent, task, moment)
        return cleaned

    return db.run_write(work)


def contact_changes(db: Database, contact_id: int) -> list[Change]:
    """Every correction made to the contact, newest first."""
    with db.read() as session:
        rows = session.scalars(select(ContactChange)
                               .where(ContactChange.contact_id == contact_id)
                               .order_by(ContactChange.changed_at.desc(),
                                         ContactChange.id.desc()))
        return [Change(r.field, r.old_value, r.new_value, r.changed_by, r.changed_at)
                for r in rows]
