"""A contact's numbers one by one: a wrong number marked, a premium-rate number allowed.

A contact keeps its first *usable* number on its own row (``primary_phone``), which is
what the call queue looks at, and any others in ``contact_phone``. Marking a number
unusable moves the next usable number into the first place, so the queue needs no
join and offers that number on the next call; with no usable number left,
``primary_phone`` is empty and the queue skips the person (they cannot be called:
"no usable number", which is not the same as being asked not to be called).

Every change is kept in ``number_event``: which number, what happened, who and when.

Premium-rate numbers cost the council; they are imported unusable and called only
once a supervisor allows it for that contact (``allow_premium_numbers``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from outbound.audit import record
from outbound.clock import to_london, utcnow
from outbound.db.database import Database
from outbound.db.models import Contact, NumberEvent, PhoneEntry, User
from outbound.phones import PREMIUM_NOTE, parse_phone_cell
from outbound.users import user_id

WRONG_NUMBER_NOTE = "wrong number"
NO_USABLE_NUMBER = "no usable number"
EVENT_WORDS = {
    "wrong_number": "marked as a wrong number",
    "wrong_number_undone": "wrong number mark undone",
    "premium_allowed": "premium-rate number allowed",
}


class NumberError(ValueError):
    """A change to a number that cannot be made; one clear sentence."""


@dataclass(frozen=True, slots=True)
class NumberHistory:
    """One line of a contact's number history."""

    number: str | None
    raw: str
    event: str
    recorded_by: str | None
    recorded_at: datetime

    def sentence(self) -> str:
        shown = self.number or self.raw
        by = f" by {self.recorded_by}" if self.recorded_by else ""
        return (f"{to_london(self.recorded_at):%d/%m/%Y %H:%M}: {shown} "
                f"{EVENT_WORDS.get(self.event, self.event)}{by}")


def allowed_note(supervisor: str | None) -> str:
    """The note on a premium-rate number a supervisor has allowed."""
    return f"premium-rate number, allowed by {supervisor}" if supervisor else \
        "premium-rate number, allowed"


@dataclass(slots=True)
class NumberMarks:
    """What a contact's number history says of its numbers now: the ones marked wrong
    (and not undone) and the premium-rate ones a supervisor allowed, by E.164 number.
    A re-import applies them to the numbers of the file (``outbound.importing``)."""

    wrong: set[str]
    allowed: dict[str, str | None]

    def apply(self, e164: str | None, usable: bool, line_type: str | None,
              note: str | None) -> tuple[bool, str | None]:
        """Whether a number as imported may be called, and its note, after the marks."""
        if e164 is None:
            return usable, note
        held_premium = not usable and line_type == "premium" and note == PREMIUM_NOTE
        if e164 in self.wrong and (usable or held_premium):
            return False, WRONG_NUMBER_NOTE
        if held_premium and e164 in self.allowed:
            return True, allowed_note(self.allowed[e164])
        return usable, note


def premium_held_back(contact: Contact) -> list[str]:
    """The contact's premium-rate numbers waiting for a supervisor to allow them, as
    imported (what ``allow_premium_numbers`` would allow)."""
    return [n.raw or n.e164 or "" for n in _numbers(contact)
            if n.line_type == "premium" and not n.usable and n.e164
            and n.note == PREMIUM_NOTE]


def number_marks(session: Session, contact_ids: Iterable[int]) -> dict[int, NumberMarks]:
    """The marks on these contacts' numbers, for those that have any: one query."""
    ids = list(contact_ids)
    if not ids:
        return {}
    rows = session.execute(
        select(NumberEvent.contact_id, NumberEvent.number, NumberEvent.event,
               NumberEvent.recorded_by)
        .where(NumberEvent.contact_id.in_(ids), NumberEvent.number.is_not(None))
        .order_by(NumberEvent.contact_id, NumberEvent.recorded_at, NumberEvent.id))
    marks: dict[int, NumberMarks] = {}
    for contact_id, number, event, by in rows:
        found = marks.setdefault(contact_id, NumberMarks(set(), {}))
        if event == "wrong_number":
            found.wrong.add(number)
        elif event == "wrong_number_undone":
            found.wrong.discard(number)
        elif event == "premium_allowed":
            found.allowed[number] = by
    return {cid: m for cid, m in marks.items() if m.wrong or m.allowed}


def _numbers(contact: Contact) -> list[PhoneEntry]:
    """The contact's numbers; an unusable first number, which keeps only its text on the
    contact's row, gets its E.164 back from that text."""
    found = []
    for entry in contact.phones:
        if entry.e164 is None and entry.raw:
            parsed = parse_phone_cell(entry.raw).numbers
            entry = replace(entry, e164=parsed[0].e164 if parsed else None)
        found.append(entry)
    return found


def _store(contact: Contact, numbers: list[PhoneEntry]) -> None:
    """Write the numbers back, usable ones first (in their order), then the others."""
    ordered = [n for n in numbers if n.usable and n.e164] + [
        n for n in numbers if not (n.usable and n.e164)]
    if ordered:
        contact.store_phones(ordered)


def _same(number: PhoneEntry, wanted: str) -> bool:
    return wanted in (number.e164, number.raw)


def mark_wrong_number(session: Session, contact: Contact, number: str | None, *,
                      by: str | None, now: datetime, attempt_id: int | None = None,
                      campaign_id: int | None = None) -> bool:
    """Mark one number (the first usable one when ``number`` is None) as not the
    contact's, inside the caller's transaction. Returns whether a usable number is left.
    """
    numbers = _numbers(contact)
    if number is None:
        number = contact.primary_phone
    index = next((i for i, n in enumerate(numbers)
                  if number is not None and _same(n, number) and n.usable), None)
    if index is None:
        index = next((i for i, n in enumerate(numbers) if n.usable), None)
    if index is not None:
        marked = numbers[index]
        numbers[index] = replace(marked, usable=False, note=WRONG_NUMBER_NOTE)
        session.add(NumberEvent(contact_id=contact.id, number=marked.e164, raw=marked.raw,
                                event="wrong_number", attempt_id=attempt_id,
                                campaign_id=campaign_id, recorded_by=by, recorded_at=now))
        _store(contact, numbers)
        session.flush()
    return contact.primary_phone is not None


def undo_wrong_number(session: Session, contact: Contact, attempt_id: int, *,
                      by: str | None, now: datetime) -> bool:
    """Make the number an attempt marked wrong usable again (the mark was a mistake).
    Returns whether there was such a mark."""
    event = session.scalar(select(NumberEvent).where(
        NumberEvent.attempt_id == attempt_id, NumberEvent.event == "wrong_number"))
    if event is None:
        return False
    numbers = _numbers(contact)
    for index, number in enumerate(numbers):
        if (number.e164 == event.number or number.raw == event.raw) and not number.usable \
                and number.note == WRONG_NUMBER_NOTE and number.e164:
            numbers[index] = replace(number, usable=True, note=None)
            break
    # First again: it was the number rung when it was marked.
    _store(contact, _in_old_order(numbers, event))
    session.add(NumberEvent(contact_id=contact.id, number=event.number, raw=event.raw,
                            event="wrong_number_undone", attempt_id=attempt_id,
                            campaign_id=event.campaign_id, recorded_by=by, recorded_at=now))
    session.flush()
    return True


def _in_old_order(numbers: list[PhoneEntry], event: NumberEvent) -> list[PhoneEntry]:
    restored = [n for n in numbers if n.e164 == event.number and n.usable]
    rest = [n for n in numbers if not (n.e164 == event.number and n.usable)]
    return restored[:1] + rest + restored[1:]


def allow_premium_numbers(db: Database, contact_id: int, supervisor: str | int, *,
                          now: datetime | None = None) -> int:
    """A supervisor allows calls to a contact's premium-rate numbers; returns how many
    were allowed. Recorded with who and when."""
    moment = now or utcnow()

    def work(session: Session) -> int:
        who = session.get(User, user_id(session, supervisor))
        assert who is not None
        if who.role != "supervisor":
            raise NumberError(f"{who.name} is not a supervisor: only a supervisor may "
                              "allow calls to a premium-rate number.")
        contact = session.get(Contact, contact_id)
        if contact is None:
            raise NumberError(f"There is no contact number {contact_id}.")
        numbers = _numbers(contact)
        allowed = 0
        for index, number in enumerate(numbers):
            if number.line_type == "premium" and not number.usable and number.e164 \
                    and number.note == PREMIUM_NOTE:
                numbers[index] = replace(number, usable=True, note=allowed_note(who.name))
                session.add(NumberEvent(contact_id=contact.id, number=number.e164,
                                        raw=number.raw, event="premium_allowed",
                                        recorded_by=who.name, recorded_at=moment))
                allowed += 1
        if not allowed:
            raise NumberError(f"{contact.name} has no premium-rate number waiting to be "
                              "allowed.")
        _store(contact, numbers)
        record(session, "premium_allowed",
               f"Allowed calls to {allowed} premium-rate number"
               f"{'' if allowed == 1 else 's'}.", actor=who.name, contact_id=contact.id,
               detail={"numbers": allowed})
        return allowed

    return db.run_write(work)


def number_history(db: Database, contact_id: int) -> list[NumberHistory]:
    """What happened to a contact's numbers, oldest first."""
    with db.read() as session:
        rows = session.scalars(select(NumberEvent).where(NumberEvent.contact_id == contact_id)
                               .order_by(NumberEvent.recorded_at, NumberEvent.id))
        return [NumberHistory(r.number, r.raw, r.event, r.recorded_by, r.recorded_at)
                for r in rows]


__all__ = ["NO_USABLE_NUMBER", "PREMIUM_NOTE", "WRONG_NUMBER_NOTE", "NumberError",
           "NumberHistory", "NumberMarks", "allow_premium_numbers", "allowed_note",
           "mark_wrong_number", "number_history", "number_marks", "premium_held_back",
           "undo_wrong_number"]
