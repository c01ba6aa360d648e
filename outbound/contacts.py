"""Contacts: listing, looking up, and do-not-call suppression across every campaign."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session, selectinload

from outbound import audit
from outbound.clock import utcnow
from outbound.db.database import Database
from outbound.db.models import Contact, Suppression
from outbound.text import name_key

SUPPRESSION_REASONS: dict[str, str] = {
    "deceased": "Deceased",
    "asked_not_to_be_called": "Asked not to be called",
    "wrong_number": "Wrong number",
}

SEARCH_AUDIT_IDS = 100   # people a search listed, named in its audit entry
EXPORT_COLUMNS = (
    "id", "kind", "name", "organisation", "role", "phone", "extension", "other_phones",
    "email", "address", "postcode", "district", "source", "external_ref", "expiry_date",
    "preferred_contact", "accessibility_needs", "do_not_call",
)


class ContactError(ValueError):
    """A request about contacts that cannot be met; one clear sentence."""


@dataclass(frozen=True, slots=True)
class ContactFilter:
    search: str | None = None      # name, organisation, reference, postcode or number
    district: str | None = None
    source: str | None = None
    include_suppressed: bool = True
    callable_only: bool = False

    def apply(self, stmt: Select[Any]) -> Select[Any]:
        if self.search:
            term = self.search.strip()
            key = name_key(term)
            digits = "".join(ch for ch in term if ch.isdigit())
            clauses = [Contact.name_key.like(f"%{key}%")] if key else []
            if len(term) >= 2:        # a care home is searched for by its home's name
                clauses.append(func.lower(Contact.organisation).contains(term.lower(),
                                                                         autoescape=True))
            clauses.append(Contact.external_ref == term)
            clauses.append(Contact.postcode == term.upper())
            if len(digits) >= 6:
                clauses.append(Contact.primary_phone.like(f"%{digits.lstrip('0')}%"))
            stmt = stmt.where(or_(*clauses))
        if self.district:
            stmt = stmt.where(Contact.district == self.district)
        if self.source is not None:
            stmt = stmt.where(Contact.source == self.source)
        if not self.include_suppressed:
            stmt = stmt.where(Contact.do_not_call.is_(False))
        if self.callable_only:
            stmt = stmt.where(Contact.primary_phone.is_not(None),
                              Contact.do_not_call.is_(False))
        return stmt


def count_contacts(db: Database, where: ContactFilter | None = None) -> int:
    with db.read() as session:
        stmt = (where or ContactFilter()).apply(select(func.count(Contact.id)))
        return session.scalar(stmt) or 0


def contact_ids(db: Database, where: ContactFilter | None = None) -> list[int]:
    """Ids only, in name order: what a big table keeps, loading rows as they are shown."""
    with db.read() as session:
        stmt = (where or ContactFilter()).apply(select(Contact.id)).order_by(
            Contact.name_key, Contact.id)
        return list(session.scalars(stmt))


def get_contacts(db: Database, ids: list[int]) -> list[Contact]:
    """Contacts with their numbers and suppressions, in the order of ``ids``."""
    with db.read() as session:
        rows = session.scalars(
            select(Contact).where(Contact.id.in_(ids))
            .options(selectinload(Contact.other_phones), selectinload(Contact.suppressions))
        ).all()
        by_id = {c.id: c for c in rows}
        return [by_id[i] for i in ids if i in by_id]


def get_contact(db: Database, contact_id: int) -> Contact:
    found = get_contacts(db, [contact_id])
    if not found:
        raise ContactError(f"There is no contact number {contact_id}.")
    return found[0]


def open_contact(db: Database, contact_id: int, *, by: str) -> Contact:
    """A contact shown to a member of staff on the contacts screen; the audit trail
    notes who looked."""
    contact = get_contact(db, contact_id)
    audit.record_event(db, "record_opened", "Opened on the contacts screen.", actor=by,
                       contact_id=contact_id, detail={"how": "contacts screen"})
    return contact


def note_contact_search(db: Database, where: ContactFilter, matched: int, *,
                        by: str, shown: Sequence[int] = ()) -> None:
    """The audit trail's note of a search of the contacts: what kind of search, the
    filters, how many matched and which people were listed (by contact number, first
    100). Not the words typed: they may be a person's name or number, and an entry
    cannot be changed, so an erasure could not remove them. A list by filters alone is
    not a search."""
    if not where.search:
        return
    words = len(where.search.split())
    filters = {"source": where.source, "district": where.district}
    listed = list(shown)[:SEARCH_AUDIT_IDS]
    audit.record_event(
        db, "searched", f"Searched contacts by name, number or reference ({words} "
        f"{'word' if words == 1 else 'words'}): {matched:,} found.", actor=by,
        detail={"words": words, "matched": matched, "listed": listed,
                "filters": {k: v for k, v in filters.items() if v}})


def iter_contact_rows(db: Database, where: ContactFilter | None = None,
                      batch: int = 2000) -> Iterator[dict[str, Any]]:
    """Every contact as a flat row for CSV/JSON, streamed in id order."""
    last_id = 0
    while True:
        with db.read() as session:
            stmt = ((where or ContactFilter()).apply(select(Contact))
                    .where(Contact.id > last_id).order_by(Contact.id).limit(batch)
                    .options(selectinload(Contact.other_phones)))
            contacts = session.scalars(stmt).all()
        if not contacts:
            return
        for contact in contacts:
            yield flat_row(contact)
        last_id = contacts[-1].id


def flat_row(contact: Contact) -> dict[str, Any]:
    usable = [p for p in contact.phones if p.usable and p.e164]
    primary = usable[0] if usable else None
    return {
        "id": contact.id, "kind": contact.kind, "name": contact.name,
        "organisation": contact.organisation, "role": contact.role,
        "phone": primary.e164 if primary else None,
        "extension": primary.extension if primary else None,
        "other_phones": " / ".join(
            p.e164 + (f" ext. {p.extension}" if p.extension else "") for p in usable[1:]
        ) or None,
        "email": contact.email, "address": contact.address, "postcode": contact.postcode,
        "district": contact.district, "source": contact.source,
        "external_ref": contact.external_ref,
        "expiry_date": contact.expiry_date.isoformat() if contact.expiry_date else None,
        "preferred_contact": contact.preferred_contact,
        "accessibility_needs": contact.accessibility_needs,
        "do_not_call": contact.do_not_call,
    }


def suppress_contact(db: Database, contact_id: int, reason: str, *, source: str,
                     note: str | None = None, recorded_by: str | None = None,
                     now: datetime | None = None) -> int:
    """Mark a contact do-not-call in every campaign, closing their open tasks in the
    same transaction; returns the suppression's id."""
    if reason not in SUPPRESSION_REASONS:
        raise ContactError(
            f"“{reason}” is not a reason to stop calling; use one of: "
            + ", ".join(SUPPRESSION_REASONS) + "."
        )

    return db.run_write(lambda session: suppress_in(
        session, contact_id, reason, source=source, note=note, recorded_by=recorded_by,
        now=now))


def suppress_in(session: Session, contact_id: int, reason: str, *, source: str,
                note: str | None = None, recorded_by: str | None = None,
                now: datetime | None = None) -> int:
    """``suppress_contact`` in the caller's transaction (a suppression list, say)."""
    contact = session.get(Contact, contact_id)
    if contact is None:
        raise ContactError(f"There is no contact number {contact_id}.")
    record = Suppression(contact_id=contact_id, reason=reason, source=source, note=note,
                         recorded_by=recorded_by, recorded_at=now or utcnow())
    session.add(record)
    contact.do_not_call = True
    session.flush()
    from outbound.queue.outcomes import close_open_tasks_of

    close_open_tasks_of(session, contact_id, SUPPRESSION_REASONS[reason].lower(),
                        record.recorded_at)
    from outbound.notify.outbox import cancel_messages_of

    cancel_messages_of(session, contact_id, SUPPRESSION_REASONS[reason].lower(),
                       record.recorded_at)
    audit.record(session, "suppressed", f"Stopped calls: "
                 f"{SUPPRESSION_REASONS[reason].lower()} ({source}).", actor=recorded_by,
                 contact_id=contact_id, detail={"reason": reason, "source": source})
    return record.id


def lift_suppression(db: Database, contact_id: int, *, reason: str,
                     lifted_by: str | None = None, now: datetime | None = None) -> None:
    """Allow calls again (a wrong number corrected, say); the history stays."""

    def work(session: Session) -> None:
        contact = session.get(Contact, contact_id)
        if contact is None:
            raise ContactError(f"There is no contact number {contact_id}.")
        active = session.scalars(select(Suppression).where(
            Suppression.contact_id == contact_id, Suppression.lifted_at.is_(None))).all()
        if any(s.reason == "deceased" for s in active):
            raise ContactError(f"{contact.name} is recorded as deceased; calls stay stopped.")
        for suppression in active:
            suppression.lifted_at = now or utcnow()
            suppression.lifted_by = lifted_by
            suppression.lift_reason = reason
        contact.do_not_call = False
        # The reason, typed freely, stays with the suppression (which an erasure can
        # clear), not in the audit entry, which cannot be changed.
        audit.record(session, "suppression_lifted",
                     "Allowed calls again (the reason is kept with the stop).",
                     actor=lifted_by, contact_id=contact_id,
                     detail={"lifted": [s.id for s in active]})

    db.run_write(work)


def districts(db: Database) -> list[str]:
    with db.read() as session:
        return [d for d in session.scalars(
            select(Contact.district).where(Contact.district.is_not(None))
            .distinct().order_by(Contact.district)) if d]


def expiring_between(db: Database, first: date, last: date) -> int:
    with db.read() as session:
        return session.scalar(select(func.count(Contact.id)).where(
            Contact.expiry_date.between(first, last))) or 0



@dataclass(frozen=True, slots=True)
class ContactRow:
    """What a row of the contacts table shows."""

    id: int
    name: str
    organisation: str | None
    primary_phone: str | None
    district: str | None
    postcode: str | None
    source: str
    external_ref: str | None
    expiry_date: date | None
    do_not_call: bool


def contact_rows(db: Database, ids: list[int]) -> dict[int, ContactRow]:
    """The table rows for ``ids``, keyed by id: one indexed query per page of rows."""
    if not ids:
        return {}
    with db.read() as session:
        result = session.execute(select(
            Contact.id, Contact.name, Contact.organisation, Contact.primary_phone,
            Contact.district, Contact.postcode, Contact.source, Contact.external_ref,
            Contact.expiry_date, Contact.do_not_call).where(Contact.id.in_(ids)))
        return {row.id: ContactRow(*row) for row in result}
