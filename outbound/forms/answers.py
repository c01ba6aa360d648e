"""Answers on a call: the form as it opens, drafts saved as the agent types, and the
final answer set stored with the outcome.

A repeat round opens with the last answers carried forward and marked as such;
"nothing has changed" stores them again as a full answer set flagged
confirmed-unchanged, so such a call takes seconds.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from outbound.campaigns.template import CampaignTemplate
from outbound.clock import london_day, utcnow
from outbound.db.capture_models import AnswerFlag, AnswerSet, FormDraft
from outbound.db.database import Database
from outbound.db.models import Contact, Task
from outbound.forms.fields import FormDefinition
from outbound.forms.from_contact import answer_from_contact
from outbound.forms.validate import Validation, validate
from outbound.forms.versions import ensure_form_version, find_form_version, form_of
from outbound.users import user_id


class FormIncomplete(ValueError):
    """Answers that cannot be stored as final; ``validation`` says which and why."""

    def __init__(self, validation: Validation, message: str | None = None) -> None:
        super().__init__(message or validation.summary())
        self.validation = validation


@dataclass(slots=True)
class OpenForm:
    """What the call screen's form opens with for one task."""

    task_id: int
    campaign_id: int
    contact_id: int
    round_key: str
    form: FormDefinition
    form_version_id: int
    version: int
    answers: dict[str, Any]                 # the draft if there is one, else carried
    confirmations: dict[str, Any]
    carried_forward: dict[str, Any] = field(default_factory=dict)  # last time's answers
    carried_from: str | None = None         # the round they came from
    carried_at: datetime | None = None
    from_contact: dict[str, Any] = field(default_factory=dict)  # from the contact's record
    from_draft: bool = False
    draft_saved_at: datetime | None = None
    notes: str = ""                         # notes typed before, kept with the draft

    @property
    def can_confirm_unchanged(self) -> bool:
        return bool(self.carried_forward)


def last_answer_set(session: Session, campaign_id: int, contact_id: int,
                    before: str | None = None) -> AnswerSet | None:
    """The latest final answers of a contact in a campaign (before a round, if given)."""
    query = select(AnswerSet).where(AnswerSet.campaign_id == campaign_id,
                                    AnswerSet.contact_id == contact_id)
    if before is not None:
        query = query.where(AnswerSet.round_key != before)
    return session.scalar(query.order_by(AnswerSet.recorded_at.desc(), AnswerSet.id.desc())
                          .limit(1))


def _carried(form: FormDefinition, previous: AnswerSet | None) -> dict[str, Any]:
    if previous is None:
        return {}
    keep = {item.name for item in form.fields if item.carry_forward}
    return {name: value for name, value in previous.answers.items() if name in keep}


def _from_contact(form: FormDefinition, contact: Contact | None) -> dict[str, Any]:
    """The answers the contact's record gives, for fields that declare ``from_contact``."""
    if contact is None:
        return {}
    record = {"accessibility_needs": contact.accessibility_needs,
              "preferred_contact": contact.preferred_contact, "email": contact.email}
    found: dict[str, Any] = {}
    for item in form.fields:
        if item.from_contact:
            value = answer_from_contact(item.from_contact, record)
            if value is not None:
                found[item.name] = value
    return found


def open_form(db: Database, task_id: int, template: CampaignTemplate) -> OpenForm:
    """The form for a task: its draft, or the last round's answers carried forward.

    A read: only the first call after a form changed writes (its new version)."""
    with db.read() as session:
        version = find_form_version(session, template)
        if version is not None:
            return _opened(session, task_id, template, version)
    version = db.run_write(lambda session: ensure_form_version(session, template))
    with db.read() as session:
        return _opened(session, task_id, template, version)


def _opened(session: Session, task_id: int, template: CampaignTemplate,
            version: tuple[int, int]) -> OpenForm:
    version_id, number = version
    task = session.get(Task, task_id)
    if task is None:
        raise ValueError(f"There is no task {task_id}.")
    form = form_of(template)
    previous = last_answer_set(session, task.campaign_id, task.contact_id,
                               before=task.round_key)
    carried = _carried(form, previous)
    # Last time's answers first; the contact's record answers what they leave open.
    given = {name: value for name, value
             in _from_contact(form, session.get(Contact, task.contact_id)).items()
             if name not in carried}
    opened = OpenForm(task.id, task.campaign_id, task.contact_id, task.round_key, form,
                      version_id, number, {**given, **carried}, {}, carried,
                      previous.round_key if previous else None,
                      previous.recorded_at if previous else None, given)
    draft = session.get(FormDraft, task_id)
    if draft is not None:
        opened.answers = dict(draft.answers)
        opened.confirmations = dict(draft.confirmations)
        opened.from_draft = True
        opened.draft_saved_at = draft.saved_at
        opened.notes = draft.notes or ""
    elif previous is not None:
        opened.confirmations = {name: message for name, message
                                in previous.confirmations.items() if name in carried}
    return opened


def save_draft(db: Database, task_id: int, agent: str | int, form_version_id: int,
               answers: Mapping[str, Any], confirmations: Mapping[str, Any] | None = None,
               carried_forward: list[str] | None = None, *, notes: str | None = None,
               now: datetime | None = None) -> datetime:
    """Keep what the agent has typed so far, as typed; one small upsert."""
    moment = now or utcnow()

    def work(session: Session) -> datetime:
        store_draft(session, task_id, user_id(session, agent), form_version_id, answers,
                    confirmations or {}, carried_forward or [], moment, notes)
        return moment

    return db.run_write(work)


def store_draft(session: Session, task_id: int, agent_id: int | None, form_version_id: int,
                answers: Mapping[str, Any], confirmations: Mapping[str, Any],
                carried_forward: list[str], now: datetime, notes: str | None = None) -> None:
    values = {"task_id": task_id, "agent_id": agent_id, "form_version_id": form_version_id,
              "answers": _jsonable(answers), "confirmations": dict(confirmations),
              "carried_forward": list(carried_forward), "notes": notes or None,
              "saved_at": now}
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = dialect.insert(FormDraft).values(**values)
    statement = statement.on_conflict_do_update(
        index_elements=[FormDraft.task_id],
        set_={key: statement.excluded[key] for key in values if key != "task_id"})
    session.execute(statement)


def _jsonable(answers: Mapping[str, Any]) -> dict[str, Any]:
    return {str(name): (list(value) if isinstance(value, tuple | set) else value)
            for name, value in answers.items()}


def discard_draft(session: Session, task_id: int) -> None:
    session.execute(delete(FormDraft).where(FormDraft.task_id == task_id))


def check_answers(template: CampaignTemplate, answers: Mapping[str, Any],
                  confirmations: Mapping[str, Any] | None = None, *,
                  final: bool = False, today: date | None = None) -> Validation:
    """Check answers against the template's current form (for inline messages)."""
    return validate(form_of(template), answers, confirmations, final=final, today=today)


def submit_answers(session: Session, task: Task, template: CampaignTemplate, agent_id: int,
                   attempt_id: int | None, answers: Mapping[str, Any] | None,
                   confirmations: Mapping[str, Any] | None, *, unchanged: bool,
                   now: datetime) -> AnswerSet:
    """Store a task's final answers, with their flags, inside the outcome's transaction."""
    form = form_of(template)
    carried: list[str] = []
    if unchanged:
        previous = last_answer_set(session, task.campaign_id, task.contact_id,
                                   before=task.round_key)
        if previous is None:
            raise FormIncomplete(Validation(), "There are no earlier answers to confirm as "
                                 "unchanged; fill in the form.")
        answers = {**previous.answers, **(answers or {})}
        confirmations = {**previous.confirmations, **(confirmations or {})}
        carried = sorted(previous.answers)
    result = validate(form, answers or {}, confirmations, final=True, today=london_day(now))
    if not result.ok:
        if unchanged:
            raise FormIncomplete(result, "“Nothing has changed” cannot be used: "
                                 + result.summary()[0].lower() + result.summary()[1:])
        raise FormIncomplete(result)
    version_id, _ = ensure_form_version(session, template)
    answer_set = AnswerSet(
        campaign_id=task.campaign_id, contact_id=task.contact_id, task_id=task.id,
        attempt_id=attempt_id, round_key=task.round_key, form_version_id=version_id,
        agent_id=agent_id, recorded_at=now, answers=result.cleaned,
        confirmations=result.confirmed, carried_forward=carried, unchanged=unchanged,
        flagged=bool(result.flags))
    if not unchanged:
        draft = session.get(FormDraft, task.id)
        if draft is not None:
            answer_set.carried_forward = [
                name for name in draft.carried_forward
                if name in result.cleaned]
    session.add(answer_set)
    session.flush()
    for flag in result.flags:
        shown = "; ".join(flag.value) if isinstance(flag.value, list) else str(flag.value)
        session.add(AnswerFlag(answer_set_id=answer_set.id, campaign_id=task.campaign_id,
                               contact_id=task.contact_id, round_key=task.round_key,
                               field=flag.field, value=shown, rule=flag.rule,
                               message=flag.message, raised_at=now))
    discard_draft(session, task.id)
    return answer_set
