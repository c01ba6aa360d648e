"""What the call screen shows for one call, gathered by engine calls off the GUI thread.

Each function here runs inside ``run_in_background``: it asks ``outbound`` (never SQL)
and returns plain values that the widgets show. Refusals the agent can act on (a form
that is not complete, a call-back time in the past) and a database that cannot be
reached come back as values, so the screen can say what to do without guessing from
a message.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from outbound.campaigns.template import CampaignTemplate, Outcome
from outbound.contacts import flat_row, get_contact
from outbound.forms import (
    FormIncomplete,
    OpenForm,
    PastAnswers,
    open_form,
    recent_answers,
    save_draft,
)
from outbound.forms.local_drafts import (
    LocalDraft,
    prefer_local,
    read_local_draft,
    remove_local_draft,
)
from outbound.forms.validate import Validation
from outbound.notify.status import call_reasons, messages_for_contact
from outbound.phones import format_for_display
from outbound.queue.claim import ClaimedTask, claim_next_task, release_task, resume_held_task
from outbound.queue.history import EarlierCall, call_history
from outbound.queue.outcomes import OutcomeError, Recorded, record_outcome
from outbound.queue.status import queue_status
from outbound.queue.undo import UndoError, undo_last_outcome

HISTORY_ROUNDS = 3
MESSAGES_SHOWN = 4
_CONNECTION_ERRORS = {"OperationalError", "InterfaceError", "DisconnectionError",
                      "TimeoutError", "ConnectionError", "OSError"}


def is_connection_problem(exc: BaseException) -> bool:
    """A database that cannot be reached (or is too busy to answer), by the error's kind.

    Told by class name so that ``ui`` need not import the database library.
    """
    seen: BaseException | None = exc
    while seen is not None:
        if any(kind.__name__ in _CONNECTION_ERRORS for kind in type(seen).__mro__):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


@dataclass(frozen=True, slots=True)
class PhoneLine:
    """One of the contact's numbers, as the agent reads it out and dials it."""

    e164: str | None
    display: str
    extension: str | None
    line_type: str | None
    usable: bool
    note: str | None

    @property
    def tel_url(self) -> str:
        return f"tel:{self.e164}" if self.e164 else ""


@dataclass(slots=True)
class CallCard:
    """Everything the call screen shows for one call, loaded in one go."""

    task: ClaimedTask
    contact: dict[str, Any]
    phones: list[PhoneLine]
    script: str
    opened: OpenForm
    history: list[PastAnswers]
    answers: dict[str, Any]              # what the form opens with
    confirmations: dict[str, Any]
    notes: str = ""
    restored: str = ""                   # "", "database" or "computer": where a draft came from
    calls: list[EarlierCall] = field(default_factory=list)   # earlier attempts, any campaign
    loaded_at: datetime | None = None
    # Texts, emails and letters the person was sent and what became of them, and why
    # this call was made instead of (or after) a message.
    messages: list[str] = field(default_factory=list)
    call_reasons: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return str(self.contact.get("name") or "")


@dataclass(frozen=True, slots=True)
class Waiting:
    """Nothing to call: the queue's sentence saying why."""

    sentence: str


@dataclass(frozen=True, slots=True)
class Unreachable:
    """The database could not be reached; nothing was changed."""

    detail: str


@dataclass(frozen=True, slots=True)
class Refused:
    """The engine refused an outcome; nothing was changed."""

    message: str
    validation: Validation | None = None


@dataclass(frozen=True, slots=True)
class OutcomeDone:
    """An outcome recorded, and what the screen shows next."""

    recorded: Recorded
    outcome: Outcome
    contact_name: str
    next: CallCard | Waiting | Unreachable | None   # None: the agent is taking a break


@dataclass(slots=True)
class OutcomeRequest:
    """What the agent chose, with everything on the screen."""

    task_id: int
    outcome: Outcome
    answers: dict[str, Any]
    confirmations: dict[str, Any]
    notes: str
    duration_seconds: int
    started_at: datetime | None
    form_version_id: int | None
    unchanged: bool = False
    callback_at: datetime | None = None
    callback_for: str | None = "self"
    person_asked: bool = False
    extra: dict[str, Any] = field(default_factory=dict)
    reason: str | None = None          # the one line an outcome may ask for
    number: str | None = None          # the number rung (E.164), if one was


def _phones(contact: Any) -> list[PhoneLine]:
    lines = []
    for phone in contact.phones:
        shown = format_for_display(phone.e164) if phone.e164 else (phone.raw or "no number")
        lines.append(PhoneLine(phone.e164, shown, phone.extension, phone.line_type,
                               bool(phone.usable and phone.e164), phone.note))
    return lines


def load_card(db: Any, agent: str, task: ClaimedTask, template: CampaignTemplate,
              now: datetime, folder: Path | None) -> CallCard:
    """The call screen's contents for a claimed task, with the freshest draft."""
    contact = get_contact(db, task.contact_id)
    row = flat_row(contact)
    row["attributes"] = dict(contact.attributes or {})
    opened = open_form(db, task.task_id, template)
    history = recent_answers(db, task.contact_id, task.campaign_id, limit=HISTORY_ROUNDS)
    card = CallCard(task=task, contact=row, phones=_phones(contact),
                    script=template.render_script(row, agent).strip(), opened=opened,
                    history=history, answers=dict(opened.answers),
                    confirmations=dict(opened.confirmations),
                    restored="database" if opened.from_draft else "", loaded_at=now,
                    notes=opened.notes, calls=call_history(db, task.contact_id, limit=5),
                    messages=[seen.line() for seen in messages_for_contact(
                        db, task.contact_id)[:MESSAGES_SHOWN]],
                    call_reasons=call_reasons(db, task.task_id))
    local = read_local_draft(task.task_id, folder)
    if prefer_local(local, opened.draft_saved_at if opened.from_draft else None,
                    contact_id=task.contact_id, campaign_id=task.campaign_id):
        assert local is not None
        card.answers = dict(local.answers)
        card.confirmations = dict(local.confirmations)
        card.notes = local.notes
        card.restored = "computer"
    return card


def claim_and_load(db: Any, agent: str, campaign_id: int, template: CampaignTemplate,
                   now: datetime, folder: Path | None) -> CallCard | Waiting | Unreachable:
    """Claim the agent's next call and load it; the queue's sentence when there is none.
    A call the agent still holds (their client stopped mid-call) comes back first."""
    try:
        task = resume_held_task(db, agent, campaign_id, now=now) \
            or claim_next_task(db, agent, campaign_id, now=now)
        if task is None:
            return Waiting(queue_status(db, agent, campaign_id, now=now).sentence())
    except Exception as exc:
        if is_connection_problem(exc):
            return Unreachable(str(exc))
        raise
    try:
        return load_taken_card(db, agent, task, template, now, folder)
    except Exception as exc:
        if is_connection_problem(exc):
            return Unreachable(str(exc))
        raise


def load_taken_card(db: Any, agent: str, task: ClaimedTask, template: CampaignTemplate,
                    now: datetime, folder: Path | None) -> CallCard:
    """``load_card`` for a call just taken, let go again if it cannot be shown: a call
    is never kept held that the screen could not show (if the database is gone, the
    lease runs out by itself)."""
    try:
        return load_card(db, agent, task, template, now, folder)
    except Exception:
        with contextlib.suppress(Exception):
            release_task(db, task.task_id, agent)
        raise


def resume_and_load(db: Any, agent: str, campaigns: list[tuple[int, CampaignTemplate]],
                    now: datetime, folder: Path | None) -> CallCard | None:
    """The call the agent still holds in any of ``campaigns`` (the first that has one),
    loaded with its draft; None when they hold none. Used when the screen starts."""
    for campaign_id, template in campaigns:
        task = resume_held_task(db, agent, campaign_id, now=now)
        if task is not None:
            return load_taken_card(db, agent, task, template, now, folder)
    return None


def waiting_sentence(db: Any, agent: str, campaign_id: int, now: datetime
                     ) -> Waiting | Unreachable:
    try:
        return Waiting(queue_status(db, agent, campaign_id, now=now).sentence())
    except Exception as exc:
        if is_connection_problem(exc):
            return Unreachable(str(exc))
        raise


def record_and_next(db: Any, agent: str, request: OutcomeRequest, template: CampaignTemplate,
                    campaign_id: int, contact_name: str, now: datetime, folder: Path | None,
                    lock: threading.Lock, take_next: bool
                    ) -> OutcomeDone | Refused | Unreachable:
    """Record the outcome, forget the local draft, and claim the next call at once."""
    try:
        with lock:
            recorded = record_outcome(
                db, request.task_id, agent, request.outcome.code,
                notes=request.notes.strip() or None,
                duration_seconds=request.duration_seconds, started_at=request.started_at,
                callback_at=request.callback_at, callback_for=request.callback_for,
                person_asked=request.person_asked,
                answers=request.answers or None, confirmations=request.confirmations or None,
                unchanged=request.unchanged, form_version_id=request.form_version_id,
                reason=request.reason, number=request.number, now=now)
    except FormIncomplete as exc:
        return Refused(str(exc), exc.validation)
    except OutcomeError as exc:
        return Refused(str(exc))
    except Exception as exc:
        if is_connection_problem(exc):
            return Unreachable(str(exc))
        raise
    remove_local_draft(request.task_id, folder)
    following: CallCard | Waiting | Unreachable | None = None
    if take_next:
        try:
            following = claim_and_load(db, agent, campaign_id, template, now, folder)
        except Exception as exc:    # the outcome is stored: say so, whatever happens next
            following = Waiting(f"The next call could not be loaded ({exc}). Press F5 to "
                                "try again.")
    return OutcomeDone(recorded, request.outcome, contact_name, following)


def local_draft_of(card: CallCard, agent: str, answers: Mapping[str, Any],
                   confirmations: Mapping[str, Any], carried: list[str], notes: str,
                   changed_at: datetime) -> LocalDraft:
    return LocalDraft(task_id=card.task.task_id, agent=agent, saved_at=changed_at,
                      answers=dict(answers), confirmations=dict(confirmations),
                      carried_forward=list(carried), notes=notes,
                      form_version_id=card.opened.form_version_id,
                      campaign_id=card.task.campaign_id, contact_id=card.task.contact_id)


@dataclass(frozen=True, slots=True)
class UndoOffer:
    """The outcome the agent may still undo, and where."""

    attempt_id: int
    outcome_label: str
    contact_name: str
    campaign_id: int
    template: CampaignTemplate

    @property
    def sentence(self) -> str:
        return f"Undo “{self.outcome_label}” for {self.contact_name}"


@dataclass(frozen=True, slots=True)
class PutAside:
    """The call on screen when an undo is asked for: it goes back to the queue with
    what was typed, once the undo has worked."""

    task_id: int
    form_version_id: int
    answers: dict[str, Any]
    confirmations: dict[str, Any]
    carried: list[str]
    notes: str


def undo_and_load(db: Any, agent: str, offer: UndoOffer, aside: PutAside | None,
                  now: datetime, folder: Path | None, lock: threading.Lock
                  ) -> CallCard | Refused | Unreachable:
    """Undo the outcome, give back the call on screen (if any), and load the call undone."""
    try:
        with lock:
            undone = undo_last_outcome(db, agent, attempt_id=offer.attempt_id, now=now)
            if aside is not None:
                if aside.answers or aside.notes:
                    save_draft(db, aside.task_id, agent, aside.form_version_id, aside.answers,
                               aside.confirmations, aside.carried, notes=aside.notes, now=now)
                release_task(db, aside.task_id, agent)
        if aside is not None:
            remove_local_draft(aside.task_id, folder)
        return load_card(db, agent, undone.task, offer.template, now, folder)
    except UndoError as exc:
        return Refused(str(exc))
    except Exception as exc:
        if is_connection_problem(exc):
            return Unreachable(str(exc))
        raise
