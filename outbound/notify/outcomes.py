"""Per person, what a message campaign did: sent, delivered, failed, called, reached.

The commissioners' file for a warn-and-inform or test-notification list: one row per
person enrolled, with the channel, what became of the message and of any call made
instead. CSV as the other exports write it: UTF-8 with a BOM, formulas kept as text.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select

from outbound.clock import to_london
from outbound.db.database import Database
from outbound.db.models import Attempt, Contact, Enrolment, Task
from outbound.db.notify_models import Message
from outbound.exports.cells import csv_row
from outbound.files import write_atomically
from outbound.queue.campaigns import find_campaign

COLUMNS = ("reference", "name", "channel", "message", "message_reason", "sent_at",
           "called", "reached", "last_call_outcome")
DICTIONARY = {
    "reference": "The person's reference from the list imported.",
    "name": "The person's name.",
    "channel": "How the message went: text, email or letter; blank when it could not go.",
    "message": "What became of the message: queued, sent, delivered, failed, not sent "
               "(nothing to send it to, or needs that call for a phone call), cancelled "
               "(the person is not to be contacted) or skipped (the same message within "
               "a day).",
    "message_reason": "Why a message failed or was not sent, as the agent saw it.",
    "sent_at": "When GOV.UK Notify took the message (UK time).",
    "called": "Yes when a call was made to the person in this campaign.",
    "reached": "Yes when a call reached them.",
    "last_call_outcome": "The outcome of the latest call.",
}
_WORDS = {"unsendable": "not sent", "sending": "sent"}


@dataclass(frozen=True, slots=True)
class PersonOutcome:
    reference: str | None
    name: str
    channel: str | None
    message: str
    message_reason: str | None
    sent_at: datetime | None
    called: bool
    reached: bool
    last_call_outcome: str | None

    def row(self) -> list[object]:
        return [self.reference, self.name, self.channel, self.message, self.message_reason,
                to_london(self.sent_at).replace(tzinfo=None) if self.sent_at else None,
                self.called, self.reached, self.last_call_outcome]


def person_outcomes(db: Database, campaign: str | int) -> Iterator[PersonOutcome]:
    """One outcome per person enrolled in the campaign, in the order of the list."""
    with db.read() as session:
        camp = find_campaign(session, campaign)
        latest = (select(Message.contact_id, func.max(Message.id).label("id"))
                  .where(Message.campaign_id == camp.id).group_by(Message.contact_id)
                  .subquery())
        calls = (select(Attempt.contact_id, func.count(Attempt.id).label("calls"),
                        func.max(func.cast(Attempt.contact_made, _int())).label("reached"),
                        func.max(Attempt.id).label("last"))
                 .where(Attempt.campaign_id == camp.id, Attempt.supersedes_id.is_(None))
                 .group_by(Attempt.contact_id).subquery())
        last = Attempt.__table__.alias("last_attempt")
        rows = session.execute(
            select(Contact.external_ref, Contact.name, Message.channel, Message.status,
                   Message.reason, Message.sent_at, calls.c.calls, calls.c.reached,
                   last.c.outcome, Task.id)
            .select_from(Enrolment)
            .join(Contact, Contact.id == Enrolment.contact_id)
            .outerjoin(latest, latest.c.contact_id == Contact.id)
            .outerjoin(Message, Message.id == latest.c.id)
            .outerjoin(calls, calls.c.contact_id == Contact.id)
            .outerjoin(last, last.c.id == calls.c.last)
            .outerjoin(Task, Task.id == Message.task_id)
            .where(Enrolment.campaign_id == camp.id)
            .order_by(Enrolment.id)).all()
    for ref, name, channel, status, reason, sent_at, count, reached, outcome, _ in rows:
        yield PersonOutcome(ref, name, channel, _WORDS.get(status, status or "not queued"),
                            reason, sent_at, bool(count), bool(reached), outcome)


def _int():
    from sqlalchemy import Integer

    return Integer()


def write_person_outcomes(db: Database, campaign: str | int, out: str | Path) -> int:
    """The per-person file, and its data dictionary beside it; returns the rows."""
    target = Path(out)
    count = 0
    with write_atomically(target, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        for outcome in person_outcomes(db, campaign):
            writer.writerow(csv_row(outcome.row()))
            count += 1
    dictionary = target.with_name(f"{target.stem}_data_dictionary.csv")
    with write_atomically(dictionary, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["column", "meaning"])
        writer.writerows(DICTIONARY.items())
    return count
