"""Earlier calls to a person, in every campaign: who rang, when, what came of it.

The call screen shows them beside the answers so an agent knows, before saying hello,
that a colleague rang this morning or that the person asked for a call-back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from outbound.db.database import Database
from outbound.db.models import Attempt, Campaign, User
from outbound.queue.campaigns import template_of


@dataclass(frozen=True, slots=True)
class EarlierCall:
    attempt_id: int
    campaign: str
    recorded_at: datetime
    agent: str
    outcome: str                 # the outcome's label in its campaign
    contact_made: bool
    duration_seconds: int | None
    notes: str | None
    callback_at: datetime | None
    corrected: bool              # a supervisor's correction of an earlier attempt


def call_history(db: Database, contact_id: int, *, limit: int = 10) -> list[EarlierCall]:
    """A contact's latest attempts in any campaign, newest first."""
    with db.read() as session:
        rows = session.execute(
            select(Attempt, Campaign, User.name)
            .join(Campaign, Campaign.id == Attempt.campaign_id)
            .join(User, User.id == Attempt.agent_id)
            .where(Attempt.contact_id == contact_id)
            .order_by(Attempt.recorded_at.desc(), Attempt.id.desc()).limit(limit)).all()
        calls = []
        for attempt, campaign, agent in rows:
            try:
                label = template_of(campaign).outcome(attempt.outcome).label
            except ValueError:       # a template changed since, or a broken file
                label = attempt.outcome.replace("_", " ").capitalize()
            calls.append(EarlierCall(attempt.id, campaign.name, attempt.recorded_at, agent,
                                     label, attempt.contact_made, attempt.duration_seconds,
                                     attempt.notes, attempt.callback_at,
                                     attempt.supersedes_id is not None))
        return calls
