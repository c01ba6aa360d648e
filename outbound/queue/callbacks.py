"""The call-backs an agent promised: today's and any overdue, and taking one now.

``promised_callbacks`` lists the agent's own open call-backs due before the end of the
London day (earlier days' ones are overdue), soonest first, with the person, their
organisation, the campaign and the note left when the call-back was booked.

``take_callback`` makes one of them the agent's current call through the same rules as
``claim_next_task``, aimed at one task: it is refused (``CallbackRefused``, with one
sentence) when another agent holds it under a live lease, when the person may not be
called (suppressed, no usable number, on a call in another campaign, sent to a
supervisor), when the campaign is not active, when it is outside the campaign's calling
hours (unless it is a time the person asked for and it has come), when it is someone
else's call-back still inside its owner's grace, or when it is more than
``EARLY_ALLOWANCE`` before its time. Otherwise it is held under a lease like any claim.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from outbound.audit import record_opened
from outbound.booking.wording import uk_clock
from outbound.clock import local_instant, london_day, utcnow
from outbound.db.database import Database
from outbound.db.models import Attempt, Campaign, Contact, Task
from outbound.queue.campaigns import load_campaign
from outbound.queue.claim import ClaimedTask
from outbound.users import user_id

EARLY_ALLOWANCE = timedelta(minutes=15)


class CallbackRefused(ValueError):
    """A call-back that cannot be taken now; one sentence saying why."""


@dataclass(frozen=True, slots=True)
class PromisedCallback:
    task_id: int
    campaign_id: int
    campaign: str
    contact_id: int
    name: str
    organisation: str | None
    callback_at: datetime
    note: str | None
    overdue: bool             # its time has passed
    requested: bool           # a time the person asked for


def promised_callbacks(db: Database, agent: str | int, *, now: datetime | None = None
                       ) -> list[PromisedCallback]:
    """The agent's call-backs still to make, due today (London) or overdue."""
    moment = now or utcnow()
    ends = local_instant(london_day(moment) + timedelta(days=1), time(0, 0))
    note = (select(Attempt.notes).where(Attempt.task_id == Task.id,
                                        Attempt.callback_at.is_not(None))
            .order_by(Attempt.recorded_at.desc(), Attempt.id.desc()).limit(1)
            .correlate(Task).scalar_subquery())
    with db.read() as session:
        agent_id = user_id(session, agent)
        rows = session.execute(
            select(Task.id, Task.campaign_id, Campaign.name, Task.contact_id, Contact.name,
                   Contact.organisation, Task.callback_at, note, Task.callback_requested)
            .join(Campaign, Campaign.id == Task.campaign_id)
            .join(Contact, Contact.id == Task.contact_id)
            .where(Task.status == "open", Task.callback_at.is_not(None),
                   Task.callback_owner_id == agent_id, Task.callback_at < ends)
            .order_by(Task.callback_at, Task.id)).all()
    return [PromisedCallback(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7],
                             r[6] < moment, bool(r[8])) for r in rows]


def take_callback(db: Database, agent: str | int, task_id: int, *,
                  now: datetime | None = None) -> ClaimedTask:
    """Make this call-back the agent's current call now (see the module docstring)."""
    moment = now or utcnow()

    def work(session: Session) -> ClaimedTask:
        agent_id = user_id(session, agent)
        lock = select(Task).where(Task.id == task_id)
        if session.get_bind().dialect.name == "postgresql":
            lock = lock.with_for_update()
        task = session.scalars(lock).first()
        if task is None or task.status != "open" or task.callback_at is None:
            raise CallbackRefused("That call-back has already been made or closed.")
        contact_stmt = select(Contact).where(Contact.id == task.contact_id)
        if session.get_bind().dialect.name == "postgresql":
            contact_stmt = contact_stmt.with_for_update()
        contact = session.scalars(contact_stmt).one()
        camp, template = load_campaign(session, task.campaign_id)
        who = contact.name
        if camp.status != "active":
            raise CallbackRefused(f"{camp.name} is {camp.status}, so {who} cannot be "
                                  "called in it now.")
        if task.holder_id is not None and task.holder_id != agent_id and \
                task.lease_expires_at is not None and task.lease_expires_at >= moment:
            raise CallbackRefused(f"Another agent is on the call to {who} now.")
        if task.callback_owner_id not in (None, agent_id) and \
                task.callback_at > moment - template.callback_grace:
            raise CallbackRefused(f"The call-back to {who} is another agent's.")
        if task.escalated:
            raise CallbackRefused(f"The call to {who} is with a supervisor.")
        if contact.do_not_call:
            raise CallbackRefused(f"{who} must not be called: they are on the do-not-call "
                                  "list.")
        if contact.primary_phone is None:
            raise CallbackRefused(f"{who} has no number that can be called.")
        held_here = task.holder_id == agent_id
        if not held_here and contact.busy_until is not None and contact.busy_until >= moment:
            raise CallbackRefused(f"{who} is on a call in another campaign now.")
        if task.callback_at > moment + EARLY_ALLOWANCE:
            raise CallbackRefused(f"It is too early: the call-back to {who} is at "
                                  f"{uk_clock(task.callback_at)}.")
        if not template.window.is_open(moment) and not (
                task.callback_requested and task.callback_at <= moment):
            raise CallbackRefused(f"It is outside {camp.name}'s calling hours.")
        lease_until = moment + template.lease
        session.execute(update(Task).where(Task.id == task.id)
                        .values(holder_id=agent_id, lease_expires_at=lease_until,
                                claimed_at=moment)
                        .execution_options(synchronize_session=False))
        session.execute(update(Contact).where(Contact.id == contact.id)
                        .values(busy_until=lease_until)
                        .execution_options(synchronize_session=False))
        record_opened(session, agent_id, task.contact_id, task.id, "call-back taken")
        return ClaimedTask(task.id, task.contact_id, task.campaign_id, task.round_key,
                           task.attempts, lease_until, "callback", task.callback_at)

    return db.run_write(work)
