"""Per person, what a message campaign did: sent, delivered, failed, called, reached.

One row per person the campaign enrolled or sent a message to, with the latest
message's channel, what became of it and why, and of any call made. ``outcome_rows``
reads them inside a caller's session (the commissioners' export puts them on its
Messages sheet, ``outbound.exports.messages``); ``write_person_outcomes`` writes the
``notify outcomes`` file: CSV as the other exports write it, UTF-8 with a BOM, formulas
kept as text.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import Integer, func, select, union
from sqlalchemy.orm import Session

from outbound.clock import to_london
from outbound.db.database import Database
from outbound.db.models import Attempt, Contact, Enrolment
from outbound.db.notify_models import Message
from outbound.files import write_atomically
from outbound.queue.campaigns import find_campaign

COLUMNS = ("reference", "name", "channel", "message", "message_reason", "sent_at",
           "called", "reached", "last_call_outcome", "outcome")
STATUS_WORDS = ("queued, sent, delivered, failed, not sent (nothing to send it to, or "
                "needs that call for a phone call), cancelled (the person is not to be "
                "contacted, or the appointment was cancelled or moved) or skipped (the "
                "same message within a day); not queued when none has been")
OUTCOME_WORDS = ("The furthest the campaign got with the person: reached (a call reached "
                 "them), delivered (the message was), called (called but not reached), "
                 "else what became of the message: failed, sent (delivery not yet known), "
                 "queued, not sent, cancelled, skipped or not queued.")
DICTIONARY = {
    "reference": "The person's reference from the list imported.",
    "name": "The person's name.",
    "channel": "How the message went: text, email or letter; blank when it could not go.",
    "message": f"What became of the message: {STATUS_WORDS}.",
    "message_reason": "Why a message failed or was not sent, as the agent saw it.",
    "sent_at": "When GOV.UK Notify took the message (UK time).",
    "called": "Yes when a call was made to the person in this campaign.",
    "reached": "Yes when a call reached them.",
    "last_call_outcome": "The outcome of the latest call.",
    "outcome": OUTCOME_WORDS,
}
_WORDS = {"unsendable": "not sent", "sending": "sent"}


@dataclass(frozen=True, slots=True)
class PersonOutcome:
    reference: str | None
    name: str
    channel: str | None
    message: str                # what became of the latest message, in words
    message_reason: str | None
    sent_at: datetime | None
    called: bool
    reached: bool
    last_call_outcome: str | None
    district: str | None = None
    code: str | None = None     # which of the campaign's messages
    done_at: datetime | None = None     # when it was delivered or failed

    @property
    def outcome(self) -> str:
        """reached, delivered, called, else what became of the message."""
        if self.reached:
            return "reached"
        if self.message == "delivered":
            return "delivered"
        return "called" if self.called else self.message

    def row(self) -> list[object]:
        return [self.reference, self.name, self.channel, self.message, self.message_reason,
                to_london(self.sent_at).replace(tzinfo=None) if self.sent_at else None,
                self.called, self.reached, self.last_call_outcome, self.outcome]


def outcome_rows(session: Session, campaign_id: int, *, district: str | None = None,
                 batch: int = 2000) -> Iterator[PersonOutcome]:
    """Each person enrolled in the campaign, or sent a message by it, in the order of
    the list (people only messaged after those enrolled); read ``batch`` at a time."""
    people = union(
        select(Enrolment.contact_id.label("cid")).where(Enrolment.campaign_id == campaign_id),
        select(Message.contact_id.label("cid")).where(Message.campaign_id == campaign_id,
                                                      Message.contact_id.is_not(None))
    ).subquery()
    listed = (select(Enrolment.contact_id, func.min(Enrolment.id).label("at"))
              .where(Enrolment.campaign_id == campaign_id).group_by(Enrolment.contact_id)
              .subquery())
    latest = (select(Message.contact_id, func.max(Message.id).label("id"))
              .where(Message.campaign_id == campaign_id).group_by(Message.contact_id)
              .subquery())
    calls = (select(Attempt.contact_id, func.count(Attempt.id).label("calls"),
                    func.max(func.cast(Attempt.contact_made, Integer())).label("reached"),
                    func.max(Attempt.id).label("last"))
             .where(Attempt.campaign_id == campaign_id, Attempt.supersedes_id.is_(None))
             .group_by(Attempt.contact_id).subquery())
    last = Attempt.__table__.alias("last_attempt")
    query = (
        select(Contact.external_ref, Contact.name, Message.channel, Message.status,
               Message.reason, Message.sent_at, calls.c.calls, calls.c.reached,
               last.c.outcome, Contact.district, Message.code, Message.done_at)
        .select_from(people)
        .join(Contact, Contact.id == people.c.cid)
        .outerjoin(listed, listed.c.contact_id == Contact.id)
        .outerjoin(latest, latest.c.contact_id == Contact.id)
        .outerjoin(Message, Message.id == latest.c.id)
        .outerjoin(calls, calls.c.contact_id == Contact.id)
        .outerjoin(last, last.c.id == calls.c.last)
        .order_by(listed.c.at.is_(None), listed.c.at, Contact.id))
    if district is not None:
        query = query.where(Contact.district == district)
    for (ref, name, channel, status, reason, sent_at, count, reached, outcome, area, code,
         done_at) in session.execute(query.execution_options(yield_per=batch)):
        yield PersonOutcome(ref, name, channel, _WORDS.get(status, status or "not queued"),
                            reason, sent_at, bool(count), bool(reached), outcome, area,
                            code, done_at if status in ("delivered", "failed") else None)


def person_outcomes(db: Database, campaign: str | int) -> Iterator[PersonOutcome]:
    """One outcome per person of the campaign, in the order of the list."""
    with db.read() as session:
        camp = find_campaign(session, campaign)
        rows = list(outcome_rows(session, camp.id))
    yield from rows


def write_person_outcomes(db: Database, campaign: str | int, out: str | Path) -> int:
    """The per-person file, and its data dictionary beside it; returns the rows."""
    # Here, not above: the exports package reads this module for its Messages sheet.
    from outbound.exports.cells import csv_row

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
