"""Why there is nothing to call: what is waiting, and for what.

"Nothing to call now: 23 retries from 14:00, 5 held by others" instead of a blank screen.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, case, func, or_, select

from outbound.clock import to_london, utcnow
from outbound.db.database import Database
from outbound.db.models import CONTACT_FLAGS, Task
from outbound.holidays import bank_holiday_name
from outbound.queue.campaigns import load_campaign
from outbound.text import count_of
from outbound.users import user_id


@dataclass
class QueueStatus:
    callable_now: int = 0
    retries_waiting: int = 0
    first_retry_at: datetime | None = None
    due_later: int = 0                  # calls not yet due, e.g. a round made ahead
    first_due_at: datetime | None = None
    outside_hours: bool = False
    opens_at: datetime | None = None
    bank_holiday: str | None = None     # why a calling day is closed, e.g. "Christmas Day"
    repeat_call_gap: int = 0
    held_by_others: int = 0
    no_callable_number: int = 0
    callbacks_for_others: int = 0
    callbacks_later: int = 0
    escalated: int = 0
    assigned_to_others: int = 0
    parts: list[str] = field(default_factory=list)

    def sentence(self) -> str:
        if self.callable_now:
            return f"{self.callable_now:,} to call now."
        reasons = []
        if self.outside_hours and self.opens_at:
            until = f"until {to_london(self.opens_at):%a %H:%M}"
            if self.bank_holiday:
                reasons.append(f"no calls on a bank holiday ({self.bank_holiday}) {until}")
            else:
                reasons.append(f"outside calling hours {until}")
        if self.retries_waiting:
            when = f" from {to_london(self.first_retry_at):%H:%M}" if self.first_retry_at else ""
            reasons.append(f"{self.retries_waiting:,} retries{when}")
        if self.due_later and self.first_due_at and not (
                self.outside_hours and self.opens_at and self.first_due_at <= self.opens_at):
            reasons.append(f"{count_of(self.due_later, 'call')} due from "
                           f"{to_london(self.first_due_at):%a %H:%M}")
        if self.callbacks_later:
            reasons.append(f"{self.callbacks_later:,} call-backs booked for later")
        if self.callbacks_for_others:
            reasons.append(f"{self.callbacks_for_others:,} call-backs for other agents")
        if self.held_by_others:
            reasons.append(f"{self.held_by_others:,} held by others")
        if self.repeat_call_gap:
            reasons.append(f"{self.repeat_call_gap:,} spoken to within the last hour")
        if self.assigned_to_others:
            reasons.append(f"{self.assigned_to_others:,} on other agents' lists")
        if self.no_callable_number:
            reasons.append(f"{self.no_callable_number:,} with no number to call")
        if self.escalated:
            reasons.append(f"{self.escalated:,} waiting for a supervisor")
        if not reasons:
            return "Nothing to call: every call in this campaign is finished."
        return "Nothing to call now: " + ", ".join(reasons) + "."


def queue_status(db: Database, agent: str | int, campaign: str | int, *,
                 now: datetime | None = None) -> QueueStatus:
    """Counts of the open tasks by what keeps each from being called now.

    It asks what ``claim_next_task`` asks, in the same terms: when it says there are
    calls to make now, a claim at the same instant gets one, and when it says there are
    none, a claim gets none.
    """
    moment = now or utcnow()
    status = QueueStatus()
    with db.read() as session:
        agent_id = user_id(session, agent)
        camp, template = load_campaign(session, campaign)
        status.outside_hours = not template.window.is_open(moment)
        if status.outside_hours:
            status.opens_at = template.window.next_open(moment)
            today = to_london(moment).date()
            if template.window.skip_bank_holidays and today.weekday() in template.window.days:
                status.bank_holiday = bank_holiday_name(today)
        gap_start = moment - template.repeat_call_gap
        # The flags, not the contact: an agent may read them for everyone (see claim).
        T, C = Task, CONTACT_FLAGS.c
        held = and_(T.holder_id.is_not(None), T.lease_expires_at >= moment)
        no_number = or_(C.has_phone.is_not(True), C.do_not_call.is_(True))
        is_callback = T.callback_at.is_not(None)
        callback_later = and_(is_callback, T.callback_at > moment)
        callback_other = and_(is_callback, T.callback_owner_id.is_not(None),
                              T.callback_owner_id != agent_id,
                              T.callback_at > moment - template.callback_grace)
        retry_later = and_(~is_callback, T.attempts > 0, T.due_at > moment)
        fresh_later = and_(~is_callback, T.attempts == 0, T.due_at > moment)
        # A due call-back goes to whoever may take it, whoever's list the call is on.
        other_list = and_(~is_callback, T.assigned_to.is_not(None),
                          T.assigned_to != agent_id)
        gap = and_(~is_callback, C.last_spoken_at.is_not(None),
                   C.last_spoken_at >= gap_start)
        busy = and_(C.busy_until.is_not(None), C.busy_until >= moment)
        whens = [
            (T.escalated.is_(True), "escalated"),
            (held, "held"),
            (no_number, "no_number"),
            (callback_later, "callback_later"),
            (callback_other, "callback_other"),
            (retry_later, "retry"),
            (fresh_later, "due_later"),
            (other_list, "other_list"),
            (or_(gap, busy), "gap"),
        ]
        if status.outside_hours:   # only a call-back at a time the person asked for
            whens.append((or_(~is_callback, T.callback_requested.is_not(True)), "outside"))
        reason = case(*whens, else_="now")
        rows = session.execute(
            select(reason.label("reason"), func.count(), func.min(T.due_at))
            .join(CONTACT_FLAGS, C.id == T.contact_id)
            .where(T.campaign_id == camp.id, T.status == "open").group_by(reason)).all()
    for name, count, first_due in rows:
        if name == "escalated":
            status.escalated = count
        elif name == "held":
            status.held_by_others = count
        elif name == "no_number":
            status.no_callable_number = count
        elif name == "callback_later":
            status.callbacks_later = count
        elif name == "callback_other":
            status.callbacks_for_others = count
        elif name == "retry":
            status.retries_waiting, status.first_retry_at = count, first_due
        elif name == "due_later":
            status.due_later, status.first_due_at = count, first_due
        elif name == "other_list":
            status.assigned_to_others = count
        elif name == "gap":
            status.repeat_call_gap = count
        elif name == "now":
            status.callable_now = count
    return status
