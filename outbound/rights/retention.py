"""Retention: each campaign's records are kept as long as its template's [retention]
says, then removed: call attempts, answers and messages (texts, emails and letters,
with the number or address and the words filled in) past their period are deleted, and
what agents typed (notes, reasons, drafts) and bookings' notes and answers are cleared.
Tasks stay, with their counts and last outcome, so statistics still add up. Anyone on
legal hold is left alone.

``plan_retention`` lists what would go; ``apply_retention`` does it in one transaction
and records it in the audit trail. The scheduled job (``retention`` in
``outbound.schedule``) runs it once a day however many clients run the scheduler.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from outbound import audit
from outbound.campaigns.parsing import TemplateError
from outbound.clock import local_instant, london_day, utcnow
from outbound.db.booking_models import Booking, WaitingListEntry
from outbound.db.capture_models import AnswerSet, FormDraft
from outbound.db.database import Database
from outbound.db.models import Attempt, Campaign, Task
from outbound.db.notify_models import Message
from outbound.db.rights_models import LegalHold
from outbound.text import count_of

log = logging.getLogger(__name__)

WHAT = {"calls": ("call attempt", "deleted"), "answers": ("answer set", "deleted"),
        "notes": ("call with notes", "cleared"),
        "bookings": ("booking or waiting-list entry", "cleared"),
        "messages": ("message", "deleted")}
# A message still to be sent, or waiting for Notify to say what became of it, stays.
FINISHED_MESSAGES = ("delivered", "failed", "cancelled", "skipped", "unsendable")


@dataclass(frozen=True, slots=True)
class RetentionItem:
    """One campaign's records of one kind past their period."""

    campaign: str
    kind: str           # calls | answers | notes | bookings | messages
    months: int
    before: date        # records from before this London day are past it
    count: int

    def sentence(self) -> str:
        thing, done = WHAT[self.kind]
        things = "bookings or waiting-list entries" if self.kind == "bookings" else (
            "calls with notes" if self.kind == "notes" else None)
        return (f"{self.campaign}: {count_of(self.count, thing, things)} from before "
                f"{self.before.day} {self.before:%B %Y} ({self.months} months) to be {done}.")


def months_before(day: date, months: int) -> date:
    """The same day ``months`` months earlier (the last day of a shorter month)."""
    total = day.year * 12 + day.month - 1 - months
    year, month = divmod(total, 12)
    month += 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise ValueError(day)


def _not_held(column: Any) -> Any:
    held = select(LegalHold.contact_id).where(LegalHold.lifted_at.is_(None))
    return column.not_in(held)


def _calls(session: Session, campaign_id: int, cutoff: datetime, apply: bool) -> int:
    old = select(Attempt.id).join(Task, Task.id == Attempt.task_id).where(
        Attempt.campaign_id == campaign_id, Attempt.recorded_at < cutoff,
        Task.status != "open", _not_held(Attempt.contact_id))
    if not apply:
        return session.scalar(select(func.count()).select_from(old.subquery())) or 0
    ids = list(session.scalars(old))
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        session.execute(update(Attempt).where(Attempt.supersedes_id.in_(chunk))
                        .values(supersedes_id=None))
        session.execute(update(AnswerSet).where(AnswerSet.attempt_id.in_(chunk))
                        .values(attempt_id=None))
        session.execute(delete(Attempt).where(Attempt.id.in_(chunk)))
    return len(ids)


def _answers(session: Session, campaign_id: int, cutoff: datetime, apply: bool) -> int:
    where = (AnswerSet.campaign_id == campaign_id, AnswerSet.recorded_at < cutoff,
             _not_held(AnswerSet.contact_id))
    if not apply:
        return session.scalar(select(func.count(AnswerSet.id)).where(*where)) or 0
    return session.execute(delete(AnswerSet).where(*where)).rowcount or 0


def _notes(session: Session, campaign_id: int, cutoff: datetime, apply: bool) -> int:
    attempts = (Attempt.campaign_id == campaign_id, Attempt.recorded_at < cutoff,
                _not_held(Attempt.contact_id),
                or_(Attempt.notes.is_not(None), Attempt.reason.is_not(None),
                    Attempt.correction_reason.is_not(None)))
    tasks = (Task.campaign_id == campaign_id, Task.status != "open",
             Task.escalation_note.is_not(None), _not_held(Task.contact_id),
             func.coalesce(Task.completed_at, Task.created_at) < cutoff)
    drafts = (FormDraft.saved_at < cutoff, FormDraft.task_id.in_(
        select(Task.id).where(Task.campaign_id == campaign_id, _not_held(Task.contact_id))))
    if not apply:
        return sum(session.scalar(select(func.count()).select_from(model).where(*where)) or 0
                   for model, where in ((Attempt, attempts), (Task, tasks),
                                        (FormDraft, drafts)))
    count = session.execute(update(Attempt).where(*attempts).values(
        notes=None, reason=None, correction_reason=None)).rowcount or 0
    count += session.execute(update(Task).where(*tasks).values(
        escalation_note=None)).rowcount or 0
    count += session.execute(delete(FormDraft).where(*drafts)).rowcount or 0
    return count


def _bookings(session: Session, campaign_id: int, cutoff: datetime, apply: bool) -> int:
    bookings = [b for b in session.scalars(select(Booking).where(
        Booking.campaign_id == campaign_id, Booking.ends_at < cutoff,
        _not_held(Booking.contact_id))) if b.notes or b.answers]
    waiting = (WaitingListEntry.campaign_id == campaign_id, WaitingListEntry.added_at < cutoff,
               WaitingListEntry.status.not_in(("waiting", "offered")),
               WaitingListEntry.note.is_not(None), _not_held(WaitingListEntry.contact_id))
    if not apply:
        return len(bookings) + (session.scalar(
            select(func.count(WaitingListEntry.id)).where(*waiting)) or 0)
    for booking in bookings:
        booking.notes, booking.answers = None, {}
    return len(bookings) + (session.execute(update(WaitingListEntry).where(*waiting)
                                            .values(note=None)).rowcount or 0)


def _messages(session: Session, campaign_id: int, cutoff: datetime, apply: bool) -> int:
    """Messages finished before the cutoff: what was sent, to where, and what became of
    it. The calls made instead are tasks, and stay."""
    where = (Message.campaign_id == campaign_id, Message.status.in_(FINISHED_MESSAGES),
             func.coalesce(Message.done_at, Message.sent_at, Message.created_at) < cutoff,
             _not_held(Message.contact_id))
    if not apply:
        return session.scalar(select(func.count(Message.id)).where(*where)) or 0
    return session.execute(delete(Message).where(*where)).rowcount or 0


KINDS = {"calls": _calls, "answers": _answers, "notes": _notes, "bookings": _bookings,
         "messages": _messages}


def _work(session: Session, today: date, apply: bool) -> tuple[list[RetentionItem], list[str]]:
    from outbound.queue.campaigns import template_of

    items: list[RetentionItem] = []
    problems: list[str] = []
    for campaign in session.scalars(select(Campaign).order_by(Campaign.name)):
        try:
            retention = template_of(campaign).retention
        except TemplateError as exc:
            problems.append(f"{campaign.name} was left alone: its template cannot be read "
                            f"({exc}).")
            continue
        for kind, work in KINDS.items():
            months = retention.months(kind)
            if months is None:
                continue
            before = months_before(today, months)
            count = work(session, campaign.id, local_instant(before, time(0)), apply)
            if count:
                items.append(RetentionItem(campaign.name, kind, months, before, count))
    return items, problems


@dataclass(frozen=True, slots=True)
class RetentionReport:
    day: date
    items: tuple[RetentionItem, ...]
    problems: tuple[str, ...]

    @property
    def total(self) -> int:
        return sum(item.count for item in self.items)

    def summary(self, done: bool) -> str:
        if not self.items:
            return (f"Nothing was past its retention period on "
                    f"{self.day.day} {self.day:%B %Y}.")
        counts: dict[str, int] = {}
        for item in self.items:
            counts[item.kind] = counts.get(item.kind, 0) + item.count
        parts = [count_of(n, WHAT[k][0], "bookings or waiting-list entries"
                          if k == "bookings" else "calls with notes" if k == "notes"
                          else None) for k, n in counts.items()]
        verb = "Removed" if done else "Would remove"
        return f"{verb} what was past its retention period: " + ", ".join(parts) + "."


def plan_retention(db: Database, *, now: datetime | None = None) -> RetentionReport:
    """What the retention job would remove today, changing nothing."""
    today = london_day(now or utcnow())
    with db.read() as session:
        items, problems = _work(session, today, apply=False)
    return RetentionReport(today, tuple(items), tuple(problems))


def apply_retention(db: Database, *, now: datetime | None = None,
                    actor: str | None = None) -> RetentionReport:
    """Remove what is past its period, in one transaction, and record it."""
    today = london_day(now or utcnow())

    def work(session: Session) -> RetentionReport:
        items, problems = _work(session, today, apply=True)
        report = RetentionReport(today, tuple(items), tuple(problems))
        audit.record(session, "retention_run", report.summary(done=True), actor=actor,
                     detail={"day": today.isoformat(), "items": [
                         {"campaign": i.campaign, "kind": i.kind, "months": i.months,
                          "before": i.before.isoformat(), "count": i.count}
                         for i in items], "problems": list(problems)})
        return report

    report = db.run_write(work)
    for problem in report.problems:
        log.warning(problem)
    return report
