"""A subject access request: everything held about one person, in one workbook.

One sheet per kind of record (the contact, their numbers and what happened to them,
every call to make and every call made with its outcome and time, the answers given,
drafts, bookings, the waiting list, suppressions, corrections, legal holds, suppression
list matches, and the audit entries about them), each with a frozen bold header, dates
as dates and times on the UK clock, and a data dictionary sheet saying what each
column holds. Written with the exports' XLSX writer, so text that looks like a formula
stays text.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from outbound import audit
from outbound.clock import to_london
from outbound.db.booking_models import Booking, Location, WaitingListEntry
from outbound.db.capture_models import AnswerSet, FormDraft, FormVersion
from outbound.db.database import Database
from outbound.db.models import (
    Attempt,
    Campaign,
    Contact,
    ContactChange,
    NumberEvent,
    Suppression,
    Task,
    User,
)
from outbound.db.rights_models import LegalHold, SuppressionCandidate
from outbound.exports.tables import XlsxBook, staged_files
from outbound.files import check_target
from outbound.phones import format_for_display
from outbound.rights.holds import contact_or_error

Rows = list[list[Any]]


@dataclass(frozen=True, slots=True)
class Sheet:
    title: str
    about: str
    columns: tuple[tuple[str, str], ...]      # (heading, what it holds)
    rows: Callable[[Session, int, _Names], Rows]


def _when(instant: datetime | None) -> datetime | None:
    """An instant as a London wall-clock time, for a date cell."""
    return None if instant is None else to_london(instant).replace(tzinfo=None)


def _shown(value: Any) -> Any:
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return value


def _number(e164: str | None, raw: str | None = None) -> str | None:
    return format_for_display(e164) if e164 else raw


class _Names:
    """Campaign, user and location names, looked up once each."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._cache: dict[tuple[type, int], str] = {}

    def of(self, model: type, key: int | None) -> str | None:
        if key is None:
            return None
        if (model, key) not in self._cache:
            row = self.session.get(model, key)
            self._cache[(model, key)] = getattr(row, "name", str(key)) if row else str(key)
        return self._cache[(model, key)]

    def campaign(self, key: int | None) -> str | None:
        return self.of(Campaign, key)

    def user(self, key: int | None) -> str | None:
        return self.of(User, key)


def _person(session: Session, cid: int, names: _Names) -> Rows:
    c = session.get(Contact, cid)
    rows: Rows = [
        ["Contact number", c.id], ["Name", c.name], ["Kind", c.kind],
        ["Organisation", c.organisation], ["Role", c.role], ["Email", c.email],
        ["Address", c.address], ["Postcode", c.postcode], ["District", c.district],
        ["List it came from", c.source], ["Reference on that list", c.external_ref],
        ["Expiry date", c.expiry_date], ["Preferred contact", c.preferred_contact],
        ["Accessibility needs", c.accessibility_needs],
        ["Not to be called", "Yes" if c.do_not_call else "No"],
        ["Last spoken to", _when(c.last_spoken_at)], ["Added", _when(c.created_at)],
        ["Last changed", _when(c.updated_at)], ["Details erased", _when(c.erased_at)],
    ]
    for key, value in sorted((c.attributes or {}).items()):
        rows.append([f"{key} (as imported)", _shown(value)])
    return rows


def _numbers(session: Session, cid: int, names: _Names) -> Rows:
    contact = session.get(Contact, cid)
    return [[p.position + 1, _number(p.e164), p.extension, p.raw, p.line_type,
             "Yes" if p.usable and not contact.do_not_call else "No", p.note]
            for p in contact.phones]


def _number_history(session: Session, cid: int, names: _Names) -> Rows:
    return [[_when(e.recorded_at), _number(e.number), e.raw, e.event.replace("_", " "),
             names.campaign(e.campaign_id), e.recorded_by, e.attempt_id]
            for e in session.scalars(select(NumberEvent).where(NumberEvent.contact_id == cid)
                                     .order_by(NumberEvent.recorded_at, NumberEvent.id))]


def _tasks(session: Session, cid: int, names: _Names) -> Rows:
    return [[t.id, names.campaign(t.campaign_id), t.round_key, t.status, t.close_reason,
             _when(t.due_at), t.attempts, t.last_outcome, _when(t.last_attempt_at),
             _when(t.callback_at), "Yes" if t.escalated else "No", t.escalation_note,
             _when(t.created_at), _when(t.completed_at)]
            for t in session.scalars(select(Task).where(Task.contact_id == cid)
                                     .order_by(Task.created_at, Task.id))]


def _attempts(session: Session, cid: int, names: _Names) -> Rows:
    return [[a.id, names.campaign(a.campaign_id), a.task_id, _when(a.started_at),
             _when(a.recorded_at), names.user(a.agent_id), a.outcome,
             "Yes" if a.contact_made else "No", a.duration_seconds, _when(a.callback_at),
             a.notes, a.reason, a.supersedes_id, a.correction_reason]
            for a in session.scalars(select(Attempt).where(Attempt.contact_id == cid)
                                     .order_by(Attempt.recorded_at, Attempt.id))]


def _labels(session: Session, version_id: int, cache: dict[int, dict[str, str]]
            ) -> dict[str, str]:
    if version_id not in cache:
        version = session.get(FormVersion, version_id)
        cache[version_id] = {f.get("name"): f.get("label") or f.get("name")
                             for f in (version.fields if version else [])
                             if isinstance(f, dict)}
    return cache[version_id]


def _answers(session: Session, cid: int, names: _Names) -> Rows:
    rows: Rows = []
    cache: dict[int, dict[str, str]] = {}
    for s in session.scalars(select(AnswerSet).where(AnswerSet.contact_id == cid)
                             .order_by(AnswerSet.recorded_at, AnswerSet.id)):
        labels = _labels(session, s.form_version_id, cache)
        for field, value in (s.answers or {}).items():
            rows.append([s.id, names.campaign(s.campaign_id), s.round_key,
                         _when(s.recorded_at), names.user(s.agent_id),
                         labels.get(field, field), field, _shown(value),
                         "Yes" if field in (s.carried_forward or []) else "No",
                         _shown((s.confirmations or {}).get(field))])
    return rows


def _drafts(session: Session, cid: int, names: _Names) -> Rows:
    rows: Rows = []
    cache: dict[int, dict[str, str]] = {}
    tasks = select(Task.id).where(Task.contact_id == cid)
    for d in session.scalars(select(FormDraft).where(FormDraft.task_id.in_(tasks))
                             .order_by(FormDraft.task_id)):
        labels = _labels(session, d.form_version_id, cache)
        for field, value in (d.answers or {}).items():
            rows.append([d.task_id, _when(d.saved_at), names.user(d.agent_id),
                         labels.get(field, field), _shown(value)])
        if d.notes:
            rows.append([d.task_id, _when(d.saved_at), names.user(d.agent_id), "Notes",
                         d.notes])
    return rows


def _bookings(session: Session, cid: int, names: _Names) -> Rows:
    return [[b.reference, names.campaign(b.campaign_id), b.service,
             names.of(Location, b.location_id), _when(b.starts_at), _when(b.ends_at),
             b.part, b.status.replace("_", " "), b.status_reason, _when(b.booked_at),
             names.user(b.booked_by), b.notes, _shown(b.answers) if b.answers else None]
            for b in session.scalars(select(Booking).where(Booking.contact_id == cid)
                                     .order_by(Booking.starts_at, Booking.id))]


def _waiting(session: Session, cid: int, names: _Names) -> Rows:
    return [[names.campaign(w.campaign_id), w.service, names.of(Location, w.location_id),
             w.wanted_by, w.status, _when(w.added_at), w.note, w.preferred_days,
             w.preferred_times, _when(w.offered_at)]
            for w in session.scalars(select(WaitingListEntry).where(
                WaitingListEntry.contact_id == cid).order_by(WaitingListEntry.added_at))]


def _messages(session: Session, cid: int, names: _Names) -> Rows:
    from outbound.db.models import Campaign
    from outbound.db.notify_models import Message

    return [[campaign, m.channel, m.destination, m.status, m.reason, _when(m.created_at),
             _when(m.sent_at), _when(m.done_at), json.dumps(m.personalisation or {},
                                                            ensure_ascii=False)
             if m.personalisation else None]
            for m, campaign in session.execute(
                select(Message, Campaign.name).outerjoin(Campaign,
                                                         Campaign.id == Message.campaign_id)
                .where(Message.contact_id == cid).order_by(Message.id))]


def _suppressions(session: Session, cid: int, names: _Names) -> Rows:
    return [[s.reason.replace("_", " "), s.source, s.note, _when(s.recorded_at),
             s.recorded_by, _when(s.lifted_at), s.lifted_by, s.lift_reason]
            for s in session.scalars(select(Suppression).where(Suppression.contact_id == cid)
                                     .order_by(Suppression.recorded_at))]


def _changes(session: Session, cid: int, names: _Names) -> Rows:
    return [[c.field.replace("_", " "), c.old_value, c.new_value, _when(c.changed_at),
             c.changed_by]
            for c in session.scalars(select(ContactChange).where(
                ContactChange.contact_id == cid).order_by(ContactChange.changed_at))]


def _holds(session: Session, cid: int, names: _Names) -> Rows:
    return [[h.reason, h.set_by, _when(h.set_at), h.lifted_by, _when(h.lifted_at),
             h.lift_reason]
            for h in session.scalars(select(LegalHold).where(LegalHold.contact_id == cid)
                                     .order_by(LegalHold.id))]


def _matches(session: Session, cid: int, names: _Names) -> Rows:
    return [[m.reason.replace("_", " "), m.source, m.file_name, m.row_number, m.why,
             m.status, _when(m.found_at), m.decided_by, _when(m.decided_at)]
            for m in session.scalars(select(SuppressionCandidate).where(
                SuppressionCandidate.contact_id == cid).order_by(SuppressionCandidate.id))]


def _audit(session: Session, cid: int, names: _Names) -> Rows:
    return list(audit.audit_table_rows(session, audit.AuditFilter(contact_id=cid)))


WHEN = "on the UK clock"
SHEETS: tuple[Sheet, ...] = (
    Sheet("Person", "The contact record, and the other columns of the list it came from.",
          (("Detail", "What the value is."), ("Value", "What is held."),), _person),
    Sheet("Numbers", "The person's phone numbers.",
          (("Order", "Which number is tried first (1 first)."),
           ("Number", "The number as it is dialled."), ("Extension", "Its extension."),
           ("As imported", "The text it was imported as."),
           ("Line type", "Landline, mobile, premium rate and so on."),
           ("May be called", "Whether the number may be called now."),
           ("Why not", "Why it may not be called, if it may not.")), _numbers),
    Sheet("Number history", "What happened to the numbers: marked wrong, allowed.",
          (("When", f"When it happened, {WHEN}."), ("Number", "Which number."),
           ("As imported", "The text of that number as imported."),
           ("What happened", "Marked as a wrong number, allowed, or a mark undone."),
           ("Campaign", "The campaign of the call, if on a call."),
           ("Who", "Who did it."), ("Call attempt", "The call it happened on, if any.")),
          _number_history),
    Sheet("Calls to make", "Each call a campaign asked for (a task), and how it ended.",
          (("Task", "The task's number."), ("Campaign", "The campaign."),
           ("Round", "The round, list or expiry it was for."),
           ("Status", "Open or closed."), ("Why closed", "Why it was closed."),
           ("Due", f"When it was due, {WHEN}."), ("Attempts", "Calls made for it."),
           ("Last outcome", "How the last call ended."),
           ("Last call", f"When the last call was made, {WHEN}."),
           ("Call-back at", f"The call-back time asked for, {WHEN}."),
           ("Passed to a supervisor", "Whether it needed a supervisor."),
           ("Supervisor note", "Why it needed a supervisor."),
           ("Made", f"When the task was made, {WHEN}."),
           ("Finished", f"When it was closed, {WHEN}.")), _tasks),
    Sheet("Call attempts", "Every call made to the person, with its outcome and time.",
          (("Attempt", "The call's number."), ("Campaign", "The campaign."),
           ("Task", "The task it was made for."),
           ("Started", f"When the call screen was opened, {WHEN}."),
           ("Recorded", f"When the outcome was recorded, {WHEN}."),
           ("Agent", "Who made the call."), ("Outcome", "How the call ended."),
           ("Spoke to them", "Whether someone was spoken to."),
           ("Seconds", "How long the call took."),
           ("Call-back at", f"The call-back time agreed, {WHEN}."),
           ("Notes", "What the agent typed."),
           ("Reason", "The reason an outcome asked for."),
           ("Corrects attempt", "The earlier call this record corrects, if any."),
           ("Why corrected", "Why it was corrected.")), _attempts),
    Sheet("Answers", "The answers given on calls, one row per question.",
          (("Answer set", "The set of answers from one call."), ("Campaign", "The campaign."),
           ("Round", "The round or list."), ("Recorded", f"When, {WHEN}."),
           ("Agent", "Who recorded them."), ("Question", "The question asked."),
           ("Field", "The question's name in the campaign's exports."),
           ("Answer", "The answer given."),
           ("Carried forward", "Whether it was last round's answer, confirmed."),
           ("Confirmed", "An unusual answer the agent confirmed.")), _answers),
    Sheet("Drafts", "Forms being filled in on a call, saved as the agent typed.",
          (("Task", "The task the draft is for."), ("Saved", f"When, {WHEN}."),
           ("Agent", "Who was typing."), ("Question", "The question, or Notes."),
           ("Answer", "What was typed.")), _drafts),
    Sheet("Bookings", "Appointments booked for the person, including moved and cancelled.",
          (("Reference", "The booking reference."), ("Campaign", "The campaign."),
           ("Service", "What the appointment is for."), ("Location", "Where."),
           ("Starts", f"When it starts, {WHEN}."), ("Ends", f"When it ends, {WHEN}."),
           ("Part", "1, or 2 for the second part of a registration."),
           ("Status", "Booked, arrived, did not attend, cancelled or moved."),
           ("Reason", "Why it was cancelled or moved."),
           ("Booked", f"When it was booked, {WHEN}."), ("Booked by", "Who booked it."),
           ("Notes", "Notes on the booking."),
           ("Booking answers", "Answers given when booking.")), _bookings),
    Sheet("Waiting list", "Places on a waiting list for an earlier appointment.",
          (("Campaign", "The campaign."), ("Service", "What for."),
           ("Location", "Where, if one place."), ("Wanted by", "The date wanted by."),
           ("Status", "Waiting, offered, booked or withdrawn."),
           ("Added", f"When, {WHEN}."), ("Note", "Notes."),
           ("Preferred days", "Days that suit."), ("Preferred times", "Times that suit."),
           ("Offered", f"When a place was last offered, {WHEN}.")), _waiting),
    Sheet("Messages", "Texts, emails and letters sent, or meant to be, through GOV.UK Notify.",
          (("Campaign", "The campaign that sent it."),
           ("Channel", "Text, email or letter; blank when it could not be sent."),
           ("Sent to", "The number, email address or postal address."),
           ("Status", "Queued, sent, delivered, failed, cancelled, skipped or unsendable."),
           ("Why", "Why it failed or was not sent."), ("Queued", f"When, {WHEN}."),
           ("Sent", f"When GOV.UK Notify took it, {WHEN}."),
           ("Settled", f"When it was delivered, failed or cancelled, {WHEN}."),
           ("Words filled in", "The values the message's template was filled with.")),
          _messages),
    Sheet("Suppressions", "Requests and notices to stop calling (Tell Us Once, objections).",
          (("Reason", "Why calls were stopped."), ("Source", "Where the notice came from."),
           ("Note", "Notes."), ("Recorded", f"When, {WHEN}."), ("By", "Who recorded it."),
           ("Lifted", f"When calls were allowed again, {WHEN}."),
           ("Lifted by", "Who allowed them."), ("Why lifted", "Why.")), _suppressions),
    Sheet("Corrections", "Details corrected on calls.",
          (("Detail", "Which detail."), ("Was", "What it was."), ("Now", "What it became."),
           ("When", f"When, {WHEN}."), ("By", "Who corrected it.")), _changes),
    Sheet("Legal holds", "Holds that keep the person's records from erasure and retention.",
          (("Reason", "Why the records are held."), ("Set by", "The supervisor."),
           ("Set", f"When, {WHEN}."), ("Lifted by", "Who lifted it."),
           ("Lifted", f"When, {WHEN}."), ("Why lifted", "Why.")), _holds),
    Sheet("List matches", "Rows of suppression lists that may be this person, to confirm.",
          (("Reason", "What the list says."), ("Source", "Which list."),
           ("File", "The file imported."), ("Row", "The row of the file."),
           ("Why a near match", "How it differs from the person's record."),
           ("Status", "Pending, confirmed or dismissed."), ("Found", f"When, {WHEN}."),
           ("Decided by", "Who confirmed or dismissed it."),
           ("Decided", f"When, {WHEN}.")), _matches),
    Sheet("Audit entries", "Who did what with the person's records.",
          tuple((name, about) for name, _, about in audit.EXPORT_COLUMNS), _audit),
)


def person_tables(db: Database, contact_id: int) -> list[tuple[Sheet, Rows]]:
    """Every sheet's rows for one person, read in one transaction."""
    with db.read() as session:
        contact_or_error(session, contact_id)
        names = _Names(session)
        return [(sheet, sheet.rows(session, contact_id, names)) for sheet in SHEETS]


def dictionary_rows() -> Rows:
    rows: Rows = []
    for sheet in SHEETS:
        rows.append([sheet.title, "", sheet.about])
        rows.extend([sheet.title, heading, about] for heading, about in sheet.columns)
    return rows


def export_person(db: Database, contact_id: int, out: Path, *,
                  actor: str | None = None) -> int:
    """Write everything held about the person to ``out`` (XLSX); returns the rows
    written. The export is recorded in the audit trail, naming the person by number."""
    out = check_target(Path(out))
    if out.suffix.lower() != ".xlsx":
        raise ValueError(f"{out.name} should end in .xlsx: the export is an Excel workbook.")
    tables = person_tables(db, contact_id)
    book = XlsxBook()
    total = 0
    try:
        for sheet, rows in tables:
            total += book.add_table(sheet.title, [c[0] for c in sheet.columns], rows)
        book.add_table("Data dictionary", ["Sheet", "Column", "What it holds"],
                       dictionary_rows())
        with staged_files([out], "wb") as handles:
            book.save(handles[0])
    finally:
        book.discard()
    counts = {sheet.title: len(rows) for sheet, rows in tables}
    audit.record_event(
        db, "subject_access_export",
        f"Exported everything held about contact {contact_id}: {total:,} rows on "
        f"{len(tables)} sheets.", actor=actor, contact_id=contact_id,
        detail={"rows": counts, "files": [{"name": str(out),
                                            "sha256": audit.file_digest(out)}]})
    return total
