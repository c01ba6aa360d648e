"""Helpers the supervisor screen tests share (plain functions; the fixtures stay in
each test file so that each file reads on its own)."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from PySide6.QtCore import QSettings

from outbound.contacts import ContactFilter
from outbound.db.database import Database
from outbound.forms import form_of
from outbound.forms.examples import example_answers
from outbound.queue.campaigns import (
    create_campaign,
    enrol,
    generate_round,
    list_campaigns,
    template_of,
)
from outbound.queue.claim import claim_next_task
from outbound.queue.outcomes import record_outcome
from outbound.users import add_user, list_users
from ui.services import Services, SignedInUser
from ui.settings import Settings

# A Wednesday in calling hours, on the London clock.
CALLING_DAY = date(2026, 11, 18)


def temp_settings(folder: Path) -> Settings:
    return Settings(QSettings(str(folder / "settings.ini"), QSettings.Format.IniFormat))


def services_for(db: Database, folder: Path, name: str = "Pat",
                 role: str = "supervisor") -> Services:
    user_id = add_user(db, name, role)
    return Services(db, SignedInUser(user_id, name, role), temp_settings(folder))


def care_tracker(db: Database, day: date | None = None, name: str = "Care tracker") -> int:
    """A care tracker campaign with every provider enrolled and a round made."""
    campaign = create_campaign(db, "care_capacity_tracker", name)
    enrol(db, campaign, where=ContactFilter(source="Care providers (CQC)"))
    generate_round(db, campaign, day or date.today())
    return campaign


def record_calls(db: Database, campaign: int, agent: str, outcomes: list[str],
                 now: datetime | None = None) -> None:
    """``agent`` claims and finishes one call per outcome, a minute apart."""
    if agent not in [u.name for u in list_users(db)]:
        add_user(db, agent)
    moment = now or datetime.now(UTC)
    template = template_of(next(c for c in list_campaigns(db) if c.id == campaign))
    for index, outcome in enumerate(outcomes):
        at = moment - timedelta(minutes=len(outcomes) - index)
        task = claim_next_task(db, agent, campaign, now=at)
        assert task is not None, "nothing left to claim"
        answers = (example_answers(form_of(template), random.Random(index))
                   if template.outcome(outcome).needs_form else None)
        record_outcome(db, task.task_id, agent, outcome, duration_seconds=120 + index,
                       answers=answers, now=at + timedelta(seconds=30))


def activate(qtbot, widget) -> None:  # type: ignore[no-untyped-def]
    """Show a window and wait until it is active, so its shortcuts work."""
    widget.show()
    widget.activateWindow()
    qtbot.waitUntil(widget.isActiveWindow)
