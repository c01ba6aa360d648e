"""Recording what happened on a call: every attempt is its own row, nothing is
overwritten, and the task's state follows from its attempts and the template's policy.

Suppression always wins: an outcome that suppresses (deceased, asked not to be called)
closes every open task of that person in every campaign, in the same transaction. A
wrong number marks that one number unusable: the next usable number is rung on the
next call, and only when none is left is the person uncallable ("no usable number",
their open tasks closed everywhere). A call-back outside the calling window is booked
only when the agent records that the person asked for that time.

An outcome may claim what the call did, and is refused when it did not: one with
``needs_booking`` when nothing is booked for the person in the campaign (every part,
for a two-part booking), one with ``needs_waiting_list`` when they are not on the
campaign's waiting list. One with ``needs_reason`` needs a one-line reason.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import Connection, Integer, and_, bindparam, select, text, update
from sqlalchemy.orm import Session, load_only

from outbound.campaigns.template import CampaignTemplate, Outcome
from outbound.clock import to_london, utcnow
from outbound.contacts import SUPPRESSION_REASONS
from outbound.db.booking_models import Booking, WaitingListEntry
from outbound.db.database import Database
from outbound.db.models import Attempt, Campaign, Contact, Suppression, Task, User
from outbound.numbers import NO_USABLE_NUMBER, mark_wrong_number
from outbound.queue.campaigns import CampaignError, load_campaign, template_of
from outbound.users import user_id

REASON_LIMIT = 300


class OutcomeError(ValueError):
    """An outcome that cannot be recorded as given; one clear sentence."""


@dataclass(frozen=True, slots=True)
class Recorded:
    attempt_id: int
    task_status: str
    next_due_at: datetime | None
    message: str


def close_open_tasks_of(session: Session, contact_id: int, reason: str,
                        now: datetime) -> int:
    """Close every open task of a contact, in every campaign (Tell Us Once)."""
    result = session.execute(
        update(Task).where(Task.contact_id == contact_id, Task.status == "open")
        .values(status="closed", close_reason=reason, completed_at=now, holder_id=None,
                lease_expires_at=None))
    return result.rowcount or 0


def check_callback(template: CampaignTemplate, when: datetime | None, now: datetime,
                    person_asked: bool) -> datetime:
    if when is None:
        raise OutcomeError("Choose the date and time for the call-back.")
    if when.tzinfo is None:
        raise OutcomeError("The call-back time must say its time zone.")
    if when <= now:
        raise OutcomeError("That call-back time has already passed; choose a later one.")
    if not template.window.is_open(when) and not person_asked:
        local = to_london(when).strftime("%A %d %B at %H:%M")
        raise OutcomeError(
            f"{local} is outside calling hours ({template.window.describe()}). Book it only "
            "if the person asked for that time, and tick that they did.")
    return when


@dataclass(frozen=True, slots=True)
class _Given:
    """What the agent recorded, as ``record_outcome`` takes it."""

    task_id: int
    agent: str | int
    outcome_code: str
    notes: str | None
    duration_seconds: int | None
    started_at: datetime | None
    callback_at: datetime | None
    callback_for: str | int | None
    person_asked: bool
    retry_after: timedelta | None
    answers: Mapping[str, Any] | None
    confirmations: Mapping[str, Any] | None
    unchanged: bool
    form_version_id: int | None
    reason: str | None
    number: str | None


def record_outcome(db: Database, task_id: int, agent: str | int, outcome_code: str, *,
                   notes: str | None = None, duration_seconds: int | None = None,
                   started_at: datetime | None = None, callback_at: datetime | None = None,
                   callback_for: str | int | None = "self", person_asked: bool = False,
                   retry_after: timedelta | None = None,
                   answers: Mapping[str, Any] | None = None,
                   confirmations: Mapping[str, Any] | None = None, unchanged: bool = False,
                   form_version_id: int | None = None, reason: str | None = None,
                   number: str | None = None, now: datetime | None = None) -> Recorded:
    """Record an attempt on a task the agent holds, and move the task on.

    ``callback_for`` is "self" (the agent), another agent, or None for anyone. An
    outcome that needs the form stores ``answers`` (or, with ``unchanged``, last
    round's answers confirmed) as the final answer set, checked first: required
    fields missing or an unconfirmed soft check raise FormIncomplete and change
    nothing. Answers given with an outcome that does not finish the call (a call-back,
    no answer) are kept as the draft for the next attempt. ``reason`` is the one line
    an outcome with ``needs_reason`` asks for; ``number`` the number rung, which a
    wrong number marks (the first usable number when not given).

    On PostgreSQL an outcome that changes only the attempt, the task, the person's
    busy mark and their draft (most of them: no answer, a call-back, done without a
    form) is written in one statement after one read (``outcome_write``); the rest,
    and any whose task changed in between, run as one transaction.
    """
    moment = now or utcnow()
    given = _Given(task_id, agent, outcome_code, notes, duration_seconds, started_at,
                   callback_at, callback_for, person_asked, retry_after, answers,
                   confirmations, unchanged, form_version_id, reason, number)
    if not db.is_sqlite:
        from outbound.queue.outcome_write import one_statement_session

        def quick(connection: Connection) -> Recorded | None:
            with one_statement_session(connection) as session:
                return _record(session, given, moment, quick=True)

        recorded = db.run_statements(quick)
        if recorded is not None:
            return recorded
    found = db.run_write(lambda session: _record(session, given, moment, quick=False))
    assert found is not None
    return found


@cache
def _load_statement(agent_by_id: bool, lean: bool) -> Any:
    """The task with its person, campaign and agent; ``lean``: only the person's and
    campaign's columns an outcome written in one statement reads or sets."""
    person = User.id if agent_by_id else User.name
    stmt = (select(Task, Contact, Campaign, User.id)
            .outerjoin(Contact, Contact.id == Task.contact_id)   # hidden by RLS if not theirs
            .join(Campaign, Campaign.id == Task.campaign_id)
            .outerjoin(User, and_(User.active.is_(True), person == bindparam("agent")))
            .where(Task.id == bindparam("task_id", type_=Integer())))
    if lean:
        stmt = stmt.options(
            load_only(Contact.id, Contact.name, Contact.busy_until, Contact.last_spoken_at),
            load_only(Campaign.id, Campaign.template_code, Campaign.overrides))
    return stmt


def _load(session: Session, task_id: int, agent: str | int, *, lean: bool = False
          ) -> tuple[int, Task, Contact | None, CampaignTemplate]:
    """The agent's id, the task, its person and its campaign's template, in one read."""
    row = session.execute(_load_statement(isinstance(agent, int), lean),
                          {"agent": agent, "task_id": task_id}).first()
    if row is None or row[3] is None:
        user_id(session, agent)             # says which agent is unknown
        raise OutcomeError(f"There is no task {task_id}.")
    task, contact, campaign, agent_id = row
    return agent_id, task, contact, template_of(campaign)


def _record(session: Session, given: _Given, moment: datetime, *, quick: bool
            ) -> Recorded | None:
    """The outcome, in ``session``. ``quick``: the session cannot write (it is the
    one-statement read); None when this outcome needs more than one statement, or the
    task changed since it was read."""
    agent_id, task, contact, template = _load(session, given.task_id, given.agent,
                                              lean=quick)
    if task.status != "open":
        raise OutcomeError("This call has already been finished; nothing was changed.")
    if task.holder_id != agent_id:
        raise OutcomeError("This call is no longer yours (it was released or passed to "
                           "someone else); nothing was changed.")
    try:
        outcome = template.outcome(given.outcome_code)
    except ValueError as exc:
        raise OutcomeError(str(exc)) from None
    assert contact is not None
    if quick and not _one_statement_will_do(outcome, given):
        return None
    before = {"status": task.status, "holder_id": task.holder_id,
              "attempts": task.attempts, "campaign_id": task.campaign_id}
    reason_given = check_reason(outcome, given.reason)
    check_claims(session, task, contact, template, outcome)
    owner = None
    if outcome.callback:
        callback_at_checked = check_callback(template, given.callback_at, moment,
                                             given.person_asked)
        owner = agent_id if given.callback_for == "self" else (
            None if given.callback_for is None else user_id(session, given.callback_for))
    attempt = Attempt(task_id=task.id, campaign_id=task.campaign_id,
                      contact_id=task.contact_id, agent_id=agent_id,
                      started_at=given.started_at, recorded_at=moment, outcome=outcome.code,
                      contact_made=outcome.contact_made,
                      duration_seconds=given.duration_seconds, notes=given.notes,
                      callback_at=given.callback_at if outcome.callback else None,
                      reason=reason_given)
    session.add(attempt)
    if not quick:
        session.flush()
        _keep_answers(session, task, template, outcome, agent_id, attempt.id, given.answers,
                      given.confirmations, given.unchanged, given.form_version_id, moment,
                      given.notes)
    task.attempts += 1
    task.last_outcome = outcome.code
    task.last_attempt_at = moment
    task.holder_id = None
    task.lease_expires_at = None
    task.callback_at = None
    task.callback_owner_id = None
    task.callback_requested = False
    contact.busy_until = None
    if outcome.contact_made:
        contact.last_spoken_at = moment
    if outcome.wrong_number:
        message = _wrong_number(session, task, contact, given.number, agent_id, attempt.id,
                                moment)
    else:
        message = _apply_policy(session, task, contact, template, outcome, moment,
                                given.retry_after, reason_given or given.notes, agent_id)
    if outcome.callback:
        task.callback_at = callback_at_checked
        task.callback_owner_id = owner
        task.callback_requested = given.person_asked
        task.due_at = callback_at_checked
        message = f"Call-back booked for {to_london(callback_at_checked):%a %d %b %H:%M}."
    if quick:
        from outbound.queue.outcome_write import write_outcome

        # As _keep_answers would: an outcome that finishes the call drops its draft.
        attempt_id = write_outcome(session, task, contact, attempt, before,
                                   drop_draft=outcome.completes)
        if attempt_id is None:
            return None
    else:
        session.flush()
        attempt_id = attempt.id
    return Recorded(attempt_id, task.status,
                    task.due_at if task.status == "open" else None, message)


def _one_statement_will_do(outcome: Outcome, given: _Given) -> bool:
    """Whether the outcome writes no more than the attempt, the task, the person's busy
    mark and last call, and the task's draft: no answers kept, no number marked, no
    suppression (which closes other tasks and cancels messages)."""
    return not (outcome.needs_form or outcome.wrong_number or outcome.suppresses
                or given.answers)


def check_reason(outcome: Outcome, reason: str | None) -> str | None:
    """The one-line reason an outcome asks for, tidied; refused when missing."""
    text = (reason or "").strip()
    if not outcome.needs_reason:
        return text or None
    if not text:
        raise OutcomeError(f"Say in one line why: “{outcome.label}” needs a reason.")
    if "\n" in text or "\r" in text:
        raise OutcomeError("Keep the reason to one line; put anything longer in the notes.")
    if len(text) > REASON_LIMIT:
        raise OutcomeError(f"Keep the reason under {REASON_LIMIT} characters; put the rest "
                           "in the notes.")
    return text


def check_claims(session: Session, task: Task, contact: Contact, template: CampaignTemplate,
                 outcome: Outcome) -> None:
    """Refuse an outcome that says something was booked, or that the person is waiting
    for a place, when it is not so."""
    if outcome.needs_booking:
        booked = set(session.scalars(select(Booking.part).where(
            Booking.campaign_id == task.campaign_id, Booking.contact_id == contact.id,
            Booking.status == "booked")))
        parts = [str(p) for p in template.booking.get("parts", ())]
        wanted = range(1, len(parts) + 1) if template.booking.get("two_part") else range(1, 2)
        missing = [n for n in wanted if n not in booked]
        if missing and len(missing) == len(wanted):
            instead = "book a time first, or choose the outcome that says what happened."
            waiting = next((o for o in template.outcomes if o.needs_waiting_list), None)
            if waiting is not None and _on_waiting_list(session, task, contact):
                instead = f"they are on the waiting list, so record “{waiting.label}”."
            raise OutcomeError(f"Nothing is booked for {contact.name} yet, so “{outcome.label}” "
                               f"cannot be recorded: {instead}")
        if missing:
            named = " and ".join(parts[n - 1] if n <= len(parts) else f"Part {n}"
                                 for n in missing)
            raise OutcomeError(f"{named} is not booked for {contact.name} yet, so "
                               f"“{outcome.label}” cannot be recorded: book it first.")
    if outcome.needs_waiting_list and not _on_waiting_list(session, task, contact):
        raise OutcomeError(f"{contact.name} is not on the waiting list for this campaign, "
                           f"so “{outcome.label}” cannot be recorded: put them on it first.")


def _on_waiting_list(session: Session, task: Task, contact: Contact) -> bool:
    return session.scalar(select(WaitingListEntry.id).where(
        WaitingListEntry.campaign_id == task.campaign_id,
        WaitingListEntry.contact_id == contact.id,
        WaitingListEntry.status.in_(("waiting", "offered"))).limit(1)) is not None


def _wrong_number(session: Session, task: Task, contact: Contact, number: str | None,
                  agent_id: int, attempt_id: int, now: datetime) -> str:
    """Mark the number rung; try the next one, or stop when none is left."""
    agent = session.get(User, agent_id)
    left = mark_wrong_number(session, contact, number, by=agent.name if agent else None,
                             now=now, attempt_id=attempt_id, campaign_id=task.campaign_id)
    if left:
        task.due_at = now
        return ("That number is marked as a wrong number; their next number will be rung "
                "on the next call.")
    task.status, task.completed_at, task.close_reason = "closed", now, NO_USABLE_NUMBER
    close_open_tasks_of(session, contact.id, NO_USABLE_NUMBER, now)
    return (f"{contact.name} has no other usable number, so will not be called until a "
            "new number is added.")


def _keep_answers(session: Session, task: Task, template: CampaignTemplate, outcome: Outcome,
                  agent_id: int, attempt_id: int, answers: Mapping[str, Any] | None,
                  confirmations: Mapping[str, Any] | None, unchanged: bool,
                  form_version_id: int | None, now: datetime, notes: str | None) -> None:
    from outbound.forms.answers import discard_draft, store_draft, submit_answers
    from outbound.forms.versions import ensure_form_version

    if outcome.needs_form:
        submit_answers(session, task, template, agent_id, attempt_id, answers, confirmations,
                       unchanged=unchanged, now=now)
    elif outcome.completes or outcome.suppresses:
        discard_draft(session, task.id)
    elif answers:
        version = form_version_id or ensure_form_version(session, template)[0]
        store_draft(session, task.id, agent_id, version, answers, confirmations or {}, [],
                    now, notes)


def _name_of(session: Session, agent_id: int) -> str:
    """The agent's name, as people read "recorded by" (their number means nothing)."""
    from outbound.db.models import User

    user = session.get(User, agent_id)
    return user.name if user is not None else str(agent_id)


def _apply_policy(session: Session, task: Task, contact: Contact, template: CampaignTemplate,
                  outcome: Outcome, now: datetime, retry_after: timedelta | None,
                  notes: str | None, agent_id: int) -> str:
    if outcome.suppresses:
        session.add(Suppression(contact_id=contact.id, reason=outcome.suppresses,
                                source="call outcome", note=notes, recorded_at=now,
                                recorded_by=_name_of(session, agent_id)))
        contact.do_not_call = True
        task.status, task.completed_at = "done", now
        close_open_tasks_of(session, contact.id,
                            SUPPRESSION_REASONS[outcome.suppresses].lower(), now)
        from outbound.notify.outbox import cancel_messages_of

        cancel_messages_of(session, contact.id,
                           SUPPRESSION_REASONS[outcome.suppresses].lower(), now)
        return f"{contact.name} will not be called again, in any campaign."
    if outcome.completes:
        task.status, task.completed_at = "done", now
        return "Done."
    if outcome.escalates:
        task.escalated, task.escalation_note = True, notes
        return "Passed to a supervisor."
    if outcome.callback:
        return ""
    delay = retry_after or outcome.retry_after
    if delay is None:
        task.status, task.completed_at, task.close_reason = "closed", now, outcome.code
        return "Closed."
    if task.attempts >= template.max_attempts:
        task.status, task.completed_at = "closed", now
        task.close_reason = "most attempts made"
        return f"Closed after {task.attempts} attempts."
    task.due_at = template.window.next_open(now + delay)
    return f"Will be tried again from {to_london(task.due_at):%a %H:%M}."


def correct_outcome(db: Database, attempt_id: int, supervisor: str | int, outcome_code: str,
                    reason: str, *, now: datetime | None = None) -> int:
    """A supervisor's correction: a new attempt row that supersedes the original, which
    stays. The task is finished or reopened as the corrected outcome says."""
    moment = now or utcnow()
    if not reason.strip():
        raise OutcomeError("Say why the outcome is being corrected.")

    def work(session: Session) -> int:
        supervisor_id = user_id(session, supervisor)
        original = session.get(Attempt, attempt_id)
        if original is None:
            raise OutcomeError(f"There is no attempt {attempt_id}.")
        task = session.get(Task, original.task_id)
        assert task is not None
        _, template = load_campaign(session, task.campaign_id)
        try:
            outcome = template.outcome(outcome_code)
        except ValueError as exc:
            raise OutcomeError(str(exc)) from None
        correction = Attempt(task_id=task.id, campaign_id=task.campaign_id,
                             contact_id=task.contact_id, agent_id=supervisor_id,
                             recorded_at=moment, outcome=outcome.code,
                             contact_made=outcome.contact_made, supersedes_id=original.id,
                             correction_reason=reason, notes=original.notes,
                             duration_seconds=original.duration_seconds)
        session.add(correction)
        task.last_outcome = outcome.code
        if outcome.completes:
            task.status, task.completed_at = "done", moment
        elif task.status in ("done", "closed"):
            task.status, task.completed_at, task.close_reason = "open", None, None
            task.due_at = moment
        session.flush()
        return correction.id

    return db.run_write(work)


def escalated_tasks(db: Database, campaign: str | int | None = None) -> list[tuple[Task, str]]:
    """Tasks agents passed to a supervisor, with the contact's name."""
    with db.read() as session:
        # The escalation index's own condition, as SQL both databases match to it.
        stmt = (select(Task, Contact.name).join(Contact, Contact.id == Task.contact_id)
                .where(text("task.escalated AND task.status = 'open'")))
        if campaign is not None:
            camp, _ = load_campaign(session, campaign)
            stmt = stmt.where(Task.campaign_id == camp.id)
        return [(t, n) for t, n in session.execute(stmt.order_by(Task.last_attempt_at))]


def resolve_escalation(db: Database, task_id: int, *, close: bool,
                       now: datetime | None = None) -> None:
    """Send an escalated task back to the queue, or close it."""
    moment = now or utcnow()

    def work(session: Session) -> None:
        task = session.get(Task, task_id)
        if task is None or not task.escalated:
            raise OutcomeError(f"Task {task_id} is not waiting for a supervisor.")
        task.escalated = False
        if close:
            task.status, task.completed_at, task.close_reason = "closed", moment, "supervisor"
        else:
            task.due_at = moment

    db.run_write(work)


def overdue_callbacks(db: Database, *, now: datetime | None = None,
                      campaign: str | int | None = None) -> list[tuple[Task, str, str | None]]:
    """Call-backs whose time has passed and nobody has taken: (task, contact, owner)."""
    moment = now or utcnow()
    with db.read() as session:
        stmt = (select(Task, Contact.name, User.name)
                .join(Contact, Contact.id == Task.contact_id)
                .outerjoin(User, User.id == Task.callback_owner_id)
                .where(text("task.status = 'open' AND task.callback_at IS NOT NULL"),
                       Task.callback_at < moment, Task.holder_id.is_(None))
                .order_by(Task.callback_at))
        if campaign is not None:
            camp, _ = load_campaign(session, campaign)
            stmt = stmt.where(Task.campaign_id == camp.id)
        return [(t, c, o) for t, c, o in session.execute(stmt)]


__all__ = ["CampaignError", "OutcomeError", "Recorded", "correct_outcome", "escalated_tasks",
           "overdue_callbacks", "record_outcome", "resolve_escalation"]
