"""What one refresh of the dashboard reads, gathered on a worker thread in one go."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from outbound.clock import utcnow
from outbound.dashboard import (
    AgentFigures,
    BurnDown,
    agent_figures,
    burndown,
    london_today,
    round_keys,
)
from outbound.db.database import Database
from outbound.queue.campaigns import list_campaigns, round_key_for, template_of
from outbound.queue.outcomes import escalated_tasks, overdue_callbacks
from outbound.queue.progress import Progress, campaign_progress


@dataclass(frozen=True, slots=True)
class CampaignChoice:
    id: int
    name: str
    kind: str
    rounds: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class WaitingCall:
    """An escalated call or an overdue call-back, as a row of a list."""

    task_id: int
    contact: str
    when: datetime | None
    who: str | None
    note: str | None


@dataclass
class Snapshot:
    campaign_id: int
    round_key: str | None
    now: datetime
    progress: Progress
    burndown: BurnDown
    outcome_labels: dict[str, str]
    agents: list[AgentFigures]
    overdue: list[WaitingCall]
    escalated: list[WaitingCall]
    flags: list[Any] = field(default_factory=list)
    flags_available: bool = True


def campaign_choices(db: Database) -> list[CampaignChoice]:
    """Open campaigns with their rounds, latest first."""
    return [CampaignChoice(c.id, c.name, c.kind, tuple(round_keys(db, c.id)))
            for c in list_campaigns(db) if c.status != "closed"]


def default_round(choice: CampaignChoice, today: date) -> str | None:
    """Today's round when there is one, else the latest; None for every task."""
    if choice.kind == "round":
        key = round_key_for(today)
        return key if key in choice.rounds or not choice.rounds else choice.rounds[0]
    return choice.rounds[0] if len(choice.rounds) == 1 else None


def day_of(round_key: str | None, now: datetime) -> date:
    try:
        return date.fromisoformat(round_key or "")
    except ValueError:
        return london_today(now)


def load_snapshot(db: Database, campaign_id: int, round_key: str | None,
                  now: datetime | None = None) -> Snapshot:
    moment = now or utcnow()
    progress = campaign_progress(db, campaign_id, round_key, now=moment)
    campaign = next(c for c in list_campaigns(db) if c.id == campaign_id)
    labels = {o.code: o.label for o in template_of(campaign).outcomes}
    snapshot = Snapshot(
        campaign_id, round_key, moment, progress,
        burndown(db, campaign_id, round_key, now=moment), labels,
        agent_figures(db, day_of(round_key, moment), campaign_id),
        [WaitingCall(t.id, name, t.callback_at, owner, None)
         for t, name, owner in overdue_callbacks(db, now=moment, campaign=campaign_id)],
        [WaitingCall(t.id, name, t.last_attempt_at, None, t.escalation_note)
         for t, name in escalated_tasks(db, campaign_id)])
    try:
        from outbound.forms import flagged_answers
    except ImportError:
        snapshot.flags_available = False
    else:
        snapshot.flags = flagged_answers(db, campaign_id)
    return snapshot
