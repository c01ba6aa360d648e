"""Erasure ("the right to be forgotten"): a person's details removed, their counts kept.

Names, numbers (and the text they were imported as), addresses, postcodes, emails,
references, everything typed about them (notes, reasons, drafts, booking and waiting
list notes, corrections, text answers and answers that could identify them) are
removed or replaced. What statistics need stays: the contact row (as "Erased contact
42"), its district, its tasks and call attempts with outcome, time and length, and the
numeric, yes/no and choice answers. The person is never called again.

Refused, with the reason, while something must be kept: an appointment still to come,
or a legal hold. The audit trail cannot be changed (see ``outbound.db.audit_models``);
the entry erasure writes names the person only by contact number.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from outbound import audit
from outbound.clock import to_london, utcnow
from outbound.db.booking_models import Booking, SlotHold, WaitingListEntry
from outbound.db.capture_models import AnswerFlag, AnswerSet, FormDraft, FormVersion
from outbound.db.database import Database
from outbound.db.models import (
    Attempt,
    Contact,
    ContactChange,
    ContactPhone,
    Enrolment,
    ImportIssue,
    NumberEvent,
    Suppression,
    Task,
)
from outbound.db.rights_models import LegalHold, SuppressionCandidate
from outbound.phones import format_for_display
from outbound.rights.errors import RightsError
from outbound.rights.holds import active_hold, check_supervisor, contact_or_error

ERASED = "[erased]"
# Answers kept for statistics: counts, yes/no and the form's own choices.
KEPT_TYPES = ("integer", "decimal", "yes_no", "choice", "multi_choice")


def erased_name(contact_id: int) -> str:
    return f"Erased contact {contact_id}"


@dataclass(frozen=True, slots=True)
class Erasure:
    """What an erasure changed, counted by kind, for the report and the audit entry."""

    contact_id: int
    changed: dict[str, int]

    def sentence(self) -> str:
        done = ", ".join(f"{count:,} {what}" for what, count in self.changed.items() if count)
        return (f"Erased contact {self.contact_id}'s personal details"
                + (f" ({done})." if done else "."))


def erasure_blockers(session: Session, contact_id: int, now: datetime) -> list[str]:
    """Why the person cannot be erased now, one sentence each; empty when they can."""
    reasons = []
    hold = active_hold(session, contact_id)
    if hold is not None:
        reasons.append(f"Contact {contact_id} is on legal hold, set by {hold.set_by} on "
                       f"{to_london(hold.set_at):%d %B %Y} (“{hold.reason}”); a supervisor "
                       "must lift it first.")
    coming = session.scalars(select(Booking).where(
        Booking.contact_id == contact_id, Booking.status == "booked",
        Booking.starts_at > now).order_by(Booking.starts_at)).all()
    if coming:
        first = coming[0]
        more = f" and {len(coming) - 1} more" if len(coming) > 1 else ""
        reasons.append(f"Contact {contact_id} has an appointment still to come "
                       f"({first.reference} on {to_london(first.starts_at):%d %B %Y at %H:%M}"
                       f"{more}); cancel it first.")
    return reasons


def identifiers(session: Session, contact: Contact) -> list[str]:
    """The text that names the person: searched for in free text kept elsewhere."""
    found: set[str] = set()

    def add(value: Any) -> None:
        if isinstance(value, str) and len(value.strip()) >= 4:
            found.add(value.strip())

    for value in (contact.name, contact.email, contact.address, contact.postcode,
                  contact.external_ref, contact.phone_raw, contact.organisation):
        add(value)
    numbers = [contact.primary_phone] + [p.e164 for p in contact.other_phones]
    numbers += list(session.scalars(select(NumberEvent.number).where(
        NumberEvent.contact_id == contact.id)))
    for phone in contact.other_phones:
        add(phone.raw)
    for number in numbers:
        if not number:
            continue
        add(number)
        shown = format_for_display(number)
        add(shown)
        add(shown.replace(" ", ""))
    for value in (contact.attributes or {}).values():
        if isinstance(value, str) and len(value.strip()) >= 6:
            add(value)
    return sorted(found, key=len, reverse=True)


def scrub(text: str | None, names: Iterable[str]) -> str | None:
    """``text`` with every occurrence of the names replaced, ignoring case."""
    if not text:
        return text
    for name in names:
        text = re.sub(re.escape(name), ERASED, text, flags=re.IGNORECASE)
    return text


def _kept_answers(answers: dict[str, Any], fields: list[dict[str, Any]] | None) -> dict[str, Any]:
    """The answers statistics need: numbers, yes/no and the form's own choices."""
    declared = {f.get("name"): f for f in (fields or []) if isinstance(f, dict)}
    kept: dict[str, Any] = {}
    for name, value in answers.items():
        field = declared.get(name)
        kind = field.get("type") if field else None
        if value is None or isinstance(value, bool | int | float):
            if fields is None or kind in KEPT_TYPES:
                kept[name] = value
        elif kind in ("choice", "multi_choice"):
            choices = set(field.get("choices") or ()) if field else set()
            values = value if isinstance(value, list) else [value]
            if values and all(isinstance(v, str) and v in choices for v in values):
                kept[name] = value
    return kept


def erase_person(db: Database, contact_id: int, *, by: str,
                 now: datetime | None = None) -> Erasure:
    """Anonymise one person in one transaction, or refuse with the reason."""
    moment = now or utcnow()

    def work(session: Session) -> Erasure:
        who = check_supervisor(session, by, "erase a person's details")
        contact = contact_or_error(session, contact_id)
        if contact.erased_at is not None:
            raise RightsError(f"Contact {contact_id}'s details were already erased on "
                              f"{to_london(contact.erased_at):%d %B %Y}.")
        blockers = erasure_blockers(session, contact_id, moment)
        if blockers:
            raise RightsError(" ".join(blockers))
        names = identifiers(session, contact)
        changed = _erase(session, contact, names, moment)
        result = Erasure(contact_id, changed)
        audit.record(session, "erased", result.sentence(), actor=who,
                     contact_id=contact_id, detail={"changed": changed})
        return result

    return db.run_write(work)


def _count(session: Session, statement: Any) -> int:
    return session.execute(statement).rowcount or 0


def _erase(session: Session, contact: Contact, names: list[str],
           moment: datetime) -> dict[str, int]:
    cid = contact.id
    tasks = select(Task.id).where(Task.contact_id == cid).scalar_subquery()
    changed: dict[str, int] = {}
    from outbound.queue.outcomes import close_open_tasks_of

    changed["open calls closed"] = close_open_tasks_of(session, cid, "erased", moment)
    changed["numbers removed"] = _count(session, delete(ContactPhone).where(
        ContactPhone.contact_id == cid)) + (1 if contact.phone_raw or contact.primary_phone
                                            else 0)
    session.expire(contact, ["other_phones"])
    changed["number history entries"] = _count(session, update(NumberEvent).where(
        NumberEvent.contact_id == cid).values(number=None, raw=""))
    changed["call notes"] = _count(session, update(Attempt).where(
        Attempt.contact_id == cid, or_(Attempt.notes.is_not(None),
                                       Attempt.reason.is_not(None),
                                       Attempt.correction_reason.is_not(None)))
        .values(notes=None, reason=None, correction_reason=None))
    changed["supervisor notes"] = _count(session, update(Task).where(
        Task.contact_id == cid, Task.escalation_note.is_not(None))
        .values(escalation_note=None))
    changed["drafts"] = _count(session, delete(FormDraft).where(FormDraft.task_id.in_(tasks)))
    changed["corrections"] = _count(session, update(ContactChange).where(
        ContactChange.contact_id == cid).values(old_value=None, new_value=None))
    changed["waiting-list notes"] = _count(session, update(WaitingListEntry).where(
        WaitingListEntry.contact_id == cid, WaitingListEntry.note.is_not(None))
        .values(note=None))
    session.execute(update(WaitingListEntry).where(
        WaitingListEntry.contact_id == cid,
        WaitingListEntry.status.in_(("waiting", "offered"))).values(status="withdrawn"))
    session.execute(delete(SlotHold).where(SlotHold.contact_id == cid))
    session.execute(delete(SuppressionCandidate).where(SuppressionCandidate.contact_id == cid))
    session.execute(update(Enrolment).where(Enrolment.contact_id == cid).values(active=False))
    changed["answer sets"] = _erase_answers(session, cid)
    from outbound.notify.outbox import erase_messages_of

    changed["messages"] = erase_messages_of(session, cid, moment)
    bookings = 0
    for booking in session.scalars(select(Booking).where(Booking.contact_id == cid)):
        booking.notes = None
        booking.answers = _kept_answers(dict(booking.answers or {}), None)
        bookings += 1
    changed["bookings"] = bookings
    for suppression in session.scalars(select(Suppression).where(
            Suppression.contact_id == cid)):
        suppression.note, suppression.lift_reason = None, None
        suppression.source = scrub(suppression.source, names) or ""
    for hold in session.scalars(select(LegalHold).where(LegalHold.contact_id == cid)):
        hold.reason = scrub(hold.reason, names) or ERASED
        hold.lift_reason = scrub(hold.lift_reason, names)
    changed["import report lines"] = _scrub_import_issues(session, names)
    _anonymise_contact(contact, moment)
    return changed


def _erase_answers(session: Session, cid: int) -> int:
    forms: dict[int, list[dict[str, Any]]] = {}
    count = 0
    for answer_set in session.scalars(select(AnswerSet).where(AnswerSet.contact_id == cid)):
        if answer_set.form_version_id not in forms:
            version = session.get(FormVersion, answer_set.form_version_id)
            forms[answer_set.form_version_id] = list(version.fields) if version else []
        fields = forms[answer_set.form_version_id]
        answers = dict(answer_set.answers or {})
        kept = _kept_answers(answers, fields)
        answer_set.answers = kept
        answer_set.confirmations = {k: v for k, v in (answer_set.confirmations or {}).items()
                                    if k in kept}
        answer_set.carried_forward = [f for f in (answer_set.carried_forward or [])
                                      if f in kept]
        for flag in session.scalars(select(AnswerFlag).where(
                AnswerFlag.answer_set_id == answer_set.id)):
            if flag.field not in kept:
                flag.value = None
                flag.message = "An answer that has since been erased crossed an alert."
        count += 1
    return count


def _scrub_import_issues(session: Session, names: list[str]) -> int:
    if not names:
        return 0
    lowered = func.lower(ImportIssue.message)
    found = session.scalars(select(ImportIssue).where(
        or_(*(lowered.contains(name.lower(), autoescape=True) for name in names))))
    count = 0
    for issue in found:
        issue.message = scrub(issue.message, names) or ERASED
        count += 1
    return count


def _anonymise_contact(contact: Contact, moment: datetime) -> None:
    name = erased_name(contact.id)
    contact.name = name
    contact.name_key = name.lower()
    for column in ("organisation", "role", "email", "address", "postcode", "external_ref",
                   "expiry_date", "preferred_contact", "accessibility_needs",
                   "primary_phone", "phone_extension", "phone_raw", "phone_line_type",
                   "phone_note", "busy_until"):
        setattr(contact, column, None)
    contact.attributes = {}
    contact.do_not_call = True
    contact.erased_at = moment
    contact.updated_at = moment
