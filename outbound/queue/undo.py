"""An agent undoing their own last outcome, for a few minutes after recording it.

A mis-keyed outcome is common on a busy morning. Undoing it appends a correction
attempt (outcome "undone", superseding the one undone, which stays as it was), and
gives the call back to the agent, held, with the answers and notes they had: a final
answer set goes back to being the call's draft. What the outcome did is put back: a
number it marked wrong is usable again, calls it closed for want of a usable number
reopen, a call passed to a supervisor is taken back.

It is refused after ``UNDO_WINDOW``, when it is not the agent's last outcome, when
someone has since taken up or recorded on the call, and for an outcome that stopped
every call to the person (a supervisor allows calls again on the Contacts screen).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, exists, select, update
from sqlalchemy.orm import Session, aliased

from outbound.audit import record
from outbound.clock import utcnow
from outbound.db.capture_models import AnswerFlag, AnswerSet, FormDraft
from outbound.db.database import Database
from outbound.db.models import Attempt, Contact, Task, User
from outbound.numbers import NO_USABLE_NUMBER, undo_wrong_number
from outbound.queue.campaigns import load_campaign
from outbound.queue.claim import ClaimedTask
from outbound.queue.outcomes import OutcomeError
from outbound.users import user_id

UNDO_WINDOW = timedelta(minutes=5)
UNDONE = "undone"


class UndoError(OutcomeError):
    """An outcome that cannot be undone; one clear sentence."""


@dataclass(frozen=True, slots=True)
class Undone:
    """The call given back to the agent, and what was undone."""

    task: ClaimedTask
    outcome_label: str
    contact_name: str
    correction_id: int


def undo_last_outcome(db: Database, agent: str | int, *, attempt_id: int | None = None,
                      now: datetime | None = None) -> Undone:
    """Undo ``agent``'s last outcome (which must be ``attempt_id`` when given)."""
    moment = now or utcnow()

    def work(session: Session) -> Undone:
        agent_id = user_id(session, agent)
        agent_row = session.get(User, agent_id)
        name = agent_row.name if agent_row else str(agent)
        last = session.scalar(
            select(Attempt).where(Attempt.agent_id == agent_id, Attempt.supersedes_id.is_(None))
            .order_by(Attempt.recorded_at.desc(), Attempt.id.desc()).limit(1))
        if last is None or (attempt_id is not None and last.id != attempt_id):
            raise UndoError("That is not your last outcome any more, so it cannot be undone "
                            "here; ask a supervisor to correct it." if last is not None
                            else "You have no outcome to undo.")
        task = session.get(Task, last.task_id)
        contact = session.get(Contact, last.contact_id)
        assert task is not None and contact is not None
        _, template = load_campaign(session, task.campaign_id)
        try:
            outcome = template.outcome(last.outcome)
            label = outcome.label
        except ValueError:
            outcome, label = None, last.outcome
        what = f"“{label}” for {contact.name}"
        if session.scalar(select(exists().where(Attempt.supersedes_id == last.id))):
            raise UndoError(f"{what} has already been undone.")
        if moment - last.recorded_at > UNDO_WINDOW:
            minutes = int(UNDO_WINDOW.total_seconds() // 60)
            raise UndoError(f"{what} was recorded more than {minutes} minutes ago, so it "
                            "cannot be undone here; ask a supervisor to correct it.")
        if outcome is not None and outcome.suppresses:
            raise UndoError(f"{what} stopped every call to them, so it cannot be undone "
                            "here; a supervisor can allow calls again on the Contacts screen.")
        later = session.scalar(select(exists().where(Attempt.task_id == task.id,
                                                     Attempt.id > last.id)))
        taken = task.holder_id not in (None, agent_id) and (
            task.lease_expires_at is None or task.lease_expires_at > moment)
        picked_up = (task.claimed_at is not None and task.claimed_at > last.recorded_at
                     and task.holder_id != agent_id)
        if later or taken or picked_up:
            raise UndoError(f"Someone has taken up the call to {contact.name} since, so "
                            f"{what} cannot be undone; ask a supervisor to correct it.")

        correction = Attempt(task_id=task.id, campaign_id=task.campaign_id,
                             contact_id=contact.id, agent_id=agent_id, recorded_at=moment,
                             outcome=UNDONE, contact_made=False, supersedes_id=last.id,
                             correction_reason=f"Undone by {name} straight after recording it",
                             notes=last.notes)
        session.add(correction)
        session.flush()
        record(session, "outcome_undone", f"Undid “{label}” on call {task.id}.", actor=name,
               contact_id=contact.id, detail={"task": task.id, "attempt": last.id,
                                              "outcome": last.outcome,
                                              "correction": correction.id})
        _answers_back_to_draft(session, task, last, agent_id, template, moment)
        if outcome is not None and outcome.wrong_number:
            undo_wrong_number(session, contact, last.id, by=name, now=moment)
            session.execute(
                update(Task).where(Task.contact_id == contact.id, Task.id != task.id,
                                   Task.status == "closed",
                                   Task.close_reason == NO_USABLE_NUMBER,
                                   Task.completed_at == last.recorded_at)
                .values(status="open", close_reason=None, completed_at=None)
                .execution_options(synchronize_session=False))
        undoing = aliased(Attempt)
        previous = session.scalar(
            select(Attempt).where(Attempt.task_id == task.id, Attempt.id < last.id,
                                  Attempt.supersedes_id.is_(None),
                                  ~exists().where(undoing.supersedes_id == Attempt.id))
            .order_by(Attempt.id.desc()).limit(1))
        lease_until = moment + template.lease
        task.attempts = max(task.attempts - 1, 0)
        task.last_outcome = previous.outcome if previous else None
        task.last_attempt_at = previous.recorded_at if previous else None
        task.status, task.completed_at, task.close_reason = "open", None, None
        task.callback_at, task.callback_owner_id, task.callback_requested = None, None, False
        if outcome is not None and outcome.escalates:
            task.escalated, task.escalation_note = False, None
        task.due_at = moment
        task.holder_id, task.lease_expires_at, task.claimed_at = agent_id, lease_until, moment
        contact.busy_until = lease_until
        session.flush()
        claimed = ClaimedTask(task.id, contact.id, task.campaign_id, task.round_key,
                              task.attempts, lease_until, "undone", None)
        return Undone(claimed, label, contact.name, correction.id)

    return db.run_write(work)


def _answers_back_to_draft(session: Session, task: Task, attempt: Attempt, agent_id: int,
                           template: object, now: datetime) -> None:
    """A final answer set goes back to being the call's draft, with the notes."""
    from outbound.forms.answers import store_draft
    from outbound.forms.versions import ensure_form_version

    answer_set = session.scalar(select(AnswerSet).where(AnswerSet.attempt_id == attempt.id))
    if answer_set is not None:
        store_draft(session, task.id, agent_id, answer_set.form_version_id,
                    answer_set.answers, answer_set.confirmations,
                    list(answer_set.carried_forward or []), now, attempt.notes)
        session.execute(delete(AnswerFlag).where(AnswerFlag.answer_set_id == answer_set.id))
        session.execute(delete(AnswerSet).where(AnswerSet.id == answer_set.id))
        return
    draft = session.get(FormDraft, task.id)
    if draft is not None:
        if attempt.notes and not draft.notes:
            draft.notes = attempt.notes
        return
    if attempt.notes:
        version_id, _ = ensure_form_version(session, template)  # type: ignore[arg-type]
        store_draft(session, task.id, agent_id, version_id, {}, {}, [], now, attempt.notes)


__all__ = ["UNDO_WINDOW", "UndoError", "Undone", "undo_last_outcome"]
