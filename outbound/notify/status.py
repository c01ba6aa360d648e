"""What became of each message, in words for agents and counts for supervisors."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from outbound.clock import to_london
from outbound.db.database import Database
from outbound.db.models import Campaign
from outbound.db.notify_models import Message, MessageSender
from outbound.queue.campaigns import find_campaign

DELIVERED = {"delivered", "received", "sent"}   # "received": a letter posted by Notify
FAILED = {"permanent-failure", "temporary-failure", "technical-failure",
          "validation-failed", "virus-scan-failed", "cancelled"}
_FAILURE_WORDS = {
    "text": {"permanent-failure": "number not in use",
             "temporary-failure": "phone switched off or out of signal for 3 days",
             "technical-failure": "a fault at GOV.UK Notify"},
    "email": {"permanent-failure": "the address does not exist",
              "temporary-failure": "the inbox was full or not taking email for 3 days",
              "technical-failure": "a fault at GOV.UK Notify"},
    "letter": {"permanent-failure": "Royal Mail could not deliver it",
               "validation-failed": "the address or the letter failed Notify's checks",
               "virus-scan-failed": "the letter failed Notify's virus check",
               "cancelled": "it was cancelled in GOV.UK Notify",
               "technical-failure": "a fault at GOV.UK Notify"},
}


def outcome_of(status: str) -> str:
    """``delivered``, ``failed`` or ``pending`` for a Notify status."""
    if status in DELIVERED:
        return "delivered"
    if status in FAILED:
        return "failed"
    return "pending"


def failure_reason(channel: str | None, status: str) -> str:
    """“text not delivered: number not in use”: the words an agent sees on the call."""
    what = channel or "message"
    words = _FAILURE_WORDS.get(what, {}).get(status, status.replace("-", " "))
    return f"{what} not delivered: {words}"


@dataclass(frozen=True, slots=True)
class CampaignMessages:
    queued: int
    sent: int
    delivered: int
    failed: int
    cancelled: int
    calls_instead: int          # could not be sent, or failed: a call task made
    failures: list[tuple[int | None, str]]   # (contact id, reason), newest first

    def sentence(self) -> str:
        return (f"{self.queued} queued, {self.sent} sent, {self.delivered} delivered, "
                f"{self.failed} failed; {self.calls_instead} turned into calls")


def campaign_messages(db: Database, campaign: str | int, *, failures: int = 50
                      ) -> CampaignMessages:
    """Per campaign: queued, sent, delivered and failed, with the failures listed."""
    with db.read() as session:
        camp = find_campaign(session, campaign)
        counts = dict(session.execute(
            select(Message.status, func.count()).where(Message.campaign_id == camp.id)
            .group_by(Message.status)).all())
        calls = session.scalar(select(func.count(func.distinct(Message.contact_id))).where(
            Message.campaign_id == camp.id, Message.task_id.is_not(None))) or 0
        listed = session.execute(
            select(Message.contact_id, Message.reason).where(
                Message.campaign_id == camp.id,
                Message.status.in_(("failed", "unsendable")))
            .order_by(Message.done_at.desc(), Message.id.desc()).limit(failures)).all()
    return CampaignMessages(
        queued=counts.get("queued", 0), sent=counts.get("sent", 0) + counts.get("sending", 0),
        delivered=counts.get("delivered", 0),
        failed=counts.get("failed", 0) + counts.get("unsendable", 0),
        cancelled=counts.get("cancelled", 0) + counts.get("skipped", 0),
        calls_instead=calls, failures=[(row[0], row[1] or "") for row in listed])


@dataclass(frozen=True, slots=True)
class MessageSeen:
    """One message a person was sent (or not), as an agent sees it on the call."""

    campaign: str | None
    channel: str | None
    status: str
    reason: str | None
    created_at: datetime
    sent_at: datetime | None
    task_id: int | None

    def sentence(self) -> str:
        what = self.channel or "message"
        if self.status == "delivered":
            return f"{what} delivered"
        if self.status in ("failed", "unsendable", "cancelled", "skipped"):
            return self.reason or f"{what} {self.status}"
        if self.status == "sent":
            return f"{what} sent, not yet delivered"
        return f"{what} waiting to be sent"


    def line(self) -> str:
        """“Outbreak, 25 Nov: text not delivered: number not in use”."""
        when = to_london(self.sent_at or self.created_at)
        where = f"{self.campaign}, " if self.campaign else ""
        return f"{where}{when.day} {when:%b}: {self.sentence()}"


def messages_for_contact(db: Database, contact_id: int) -> list[MessageSeen]:
    """Every message to this person, newest first, and what became of it."""
    with db.read() as session:
        rows = session.execute(
            select(Message, Campaign.name).outerjoin(Campaign,
                                                     Campaign.id == Message.campaign_id)
            .where(Message.contact_id == contact_id)
            .order_by(Message.created_at.desc(), Message.id.desc())).all()
    return [MessageSeen(name, m.channel, m.status, m.reason, m.created_at, m.sent_at,
                        m.task_id) for m, name in rows]


def call_reasons(db: Database, task_id: int) -> list[str]:
    """Why a call task was made from messages: what the agent is told on the call."""
    with db.read() as session:
        return [reason for reason in session.scalars(
            select(Message.reason).where(Message.task_id == task_id)
            .order_by(Message.id)) if reason]


def sender_problems(db: Database) -> list[tuple[str, str, datetime | None]]:
    """Each sender's current problem in words (the clock, the key), for supervisors."""
    with db.read() as session:
        return [(row.name, row.problem, row.problem_at) for row in session.scalars(
            select(MessageSender).where(MessageSender.problem.is_not(None)))]
