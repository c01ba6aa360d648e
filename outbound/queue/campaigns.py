"""Creating campaigns from templates, enrolling contacts, and making rounds and reminders.

Every write that could be made twice (the same round by two clients, the same
reminder on a re-run) is an INSERT that the task table's unique constraint turns into
a no-op, never a check in Python.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import String, and_, cast, literal, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from outbound.campaigns.template import CampaignTemplate, get_template
from outbound.clock import clock_reaches, local_instant, utcnow
from outbound.contacts import ContactFilter
from outbound.db.database import Database
from outbound.db.models import Campaign, Contact, Enrolment, Task
from outbound.db.types import UTCDateTime

STATUSES = ("active", "paused", "closed")


class CampaignError(ValueError):
    """A campaign request that cannot be met; one clear sentence."""


@lru_cache(maxsize=64)
def _template(code: str, overrides_json: str) -> CampaignTemplate:
    template = get_template(code)
    overrides = json.loads(overrides_json)
    return template.with_overrides(overrides) if overrides else template


def template_of(campaign: Campaign) -> CampaignTemplate:
    """The campaign's template with its overrides applied (cached)."""
    return _template(campaign.template_code, json.dumps(campaign.overrides or {},
                                                         sort_keys=True))


def find_campaign(session: Session, name_or_id: str | int) -> Campaign:
    if isinstance(name_or_id, int) or (isinstance(name_or_id, str) and name_or_id.isdigit()):
        found = session.get(Campaign, int(name_or_id))
    else:
        found = session.scalar(select(Campaign).where(Campaign.name == name_or_id))
    if found is None:
        raise CampaignError(f"There is no campaign called “{name_or_id}”.")
    return found


def load_campaign(session: Session, name_or_id: str | int) -> tuple[Campaign, CampaignTemplate]:
    campaign = find_campaign(session, name_or_id)
    return campaign, template_of(campaign)


def create_campaign(db: Database, template_code: str, name: str, *, owner: str | None = None,
                    starts_on: date | None = None, ends_on: date | None = None,
                    overrides: dict[str, Any] | None = None,
                    audience: dict[str, Any] | None = None) -> int:
    """A campaign from a template; the overrides are checked as the template would be."""
    template = get_template(template_code)
    if overrides:
        template.with_overrides(overrides)  # raises on a bad override
    name = name.strip()
    if not name:
        raise CampaignError("A campaign needs a name.")
    if starts_on and ends_on and ends_on < starts_on:
        raise CampaignError("The campaign ends before it starts: check the dates.")

    def work(session: Session) -> int:
        if session.scalar(select(Campaign.id).where(Campaign.name == name)) is not None:
            raise CampaignError(f"There is already a campaign called “{name}”.")
        campaign = Campaign(name=name, template_code=template.code, kind=template.kind,
                            owner=owner, starts_on=starts_on, ends_on=ends_on,
                            overrides=overrides or {}, audience=audience or {})
        session.add(campaign)
        session.flush()
        return campaign.id

    return db.run_write(work)


_UNSET: Any = object()


def update_campaign(db: Database, campaign: str | int, *, name: str | None = None,
                    owner: str | None = _UNSET, starts_on: date | None = _UNSET,
                    ends_on: date | None = _UNSET,
                    overrides: dict[str, Any] | None = None) -> None:
    """Change a running campaign's name, owner, dates or overrides; the overrides are
    checked against the template first, so a bad one changes nothing."""

    def work(session: Session) -> None:
        camp = find_campaign(session, campaign)
        if overrides is not None and overrides:
            get_template(camp.template_code).with_overrides(overrides)   # raises if bad
        if name is not None:
            new_name = name.strip()
            if not new_name:
                raise CampaignError("A campaign needs a name.")
            taken = session.scalar(select(Campaign.id).where(Campaign.name == new_name,
                                                             Campaign.id != camp.id))
            if taken is not None:
                raise CampaignError(f"There is already a campaign called “{new_name}”.")
            camp.name = new_name
        first = camp.starts_on if starts_on is _UNSET else starts_on
        last = camp.ends_on if ends_on is _UNSET else ends_on
        if first and last and last < first:
            raise CampaignError("The campaign ends before it starts: check the dates.")
        camp.starts_on, camp.ends_on = first, last
        if owner is not _UNSET:
            camp.owner = owner
        if overrides is not None:
            camp.overrides = dict(overrides)

    db.run_write(work)


def set_status(db: Database, campaign: str | int, status: str) -> str:
    """Pause, resume or close a campaign; returns its name. Closing is for good."""
    if status not in STATUSES:
        raise CampaignError(f"“{status}” is not a campaign status; use active, paused or closed.")

    def work(session: Session) -> str:
        camp = find_campaign(session, campaign)
        if camp.status == "closed" and status != "closed":
            raise CampaignError(f"{camp.name} is closed and cannot be opened again: "
                                "create a new campaign to call these people again.")
        camp.status = status
        return camp.name

    return db.run_write(work)


def _insert_ignoring_duplicates(session: Session, table: Any, columns: list[str],
                                source: Any, keys: list[str]) -> int:
    dialect = session.get_bind().dialect.name
    maker = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = maker(table).from_select(columns, source).on_conflict_do_nothing(
        index_elements=keys)
    result = session.execute(stmt, execution_options={"preserve_rowcount": True})
    return max(result.rowcount or 0, 0)


def enrol(db: Database, campaign: str | int, *, contact_ids: list[int] | None = None,
          where: ContactFilter | None = None, enrolled_by: str | None = None,
          now: datetime | None = None) -> int:
    """Enrol contacts by id or by a filter; returns how many were newly enrolled.

    A list campaign gets its tasks at once; a round gets them when a round is made.
    """
    if contact_ids is None and where is None:
        raise CampaignError("Say which contacts to enrol: by id or by a filter.")
    moment = now or utcnow()

    def work(session: Session) -> int:
        camp, template = load_campaign(session, campaign)
        chosen = (where or ContactFilter()).apply(
            select(Contact.id.label("contact_id")))
        if contact_ids is not None:
            chosen = chosen.where(Contact.id.in_(contact_ids))
        picked = chosen.subquery()
        source = select(literal(camp.id).label("campaign_id"), picked.c.contact_id,
                        literal(True).label("active"),
                        literal(moment, UTCDateTime()).label("enrolled_at"),
                        literal(enrolled_by).label("enrolled_by")).select_from(picked)
        added = _insert_ignoring_duplicates(
            session, Enrolment.__table__,
            ["campaign_id", "contact_id", "active", "enrolled_at", "enrolled_by"],
            source.where(literal(True)), ["campaign_id", "contact_id"])
        if template.kind == "list":
            _make_tasks(session, camp, template, "list", moment)
        if template.messages is not None:   # texts, emails, letters: outbound.notify
            from outbound.notify.outbox import queue_on_enrolment

            queue_on_enrolment(session, camp, template, moment, created_by=enrolled_by)
        return added

    return db.run_write(work)


def _make_tasks(session: Session, camp: Campaign, template: CampaignTemplate, round_key: str,
                due_at: datetime, contact_filter: Any = None) -> int:
    e = Enrolment.__table__
    c = Contact.__table__
    source = (select(literal(camp.id).label("campaign_id"), e.c.contact_id,
                     literal(round_key).label("round_key"), literal("open").label("status"),
                     literal(template.priority).label("priority"),
                     literal(due_at, UTCDateTime()).label("due_at"),
                     literal(0).label("attempts"),
                     literal(False).label("callback_requested"),
                     literal(False).label("escalated"),
                     literal(utcnow(), UTCDateTime()).label("created_at"))
              .select_from(e.join(c, c.c.id == e.c.contact_id))
              .where(e.c.campaign_id == camp.id, e.c.active.is_(True),
                     c.c.do_not_call.is_(False)))
    if contact_filter is not None:
        source = source.where(contact_filter)
    return _insert_ignoring_duplicates(
        session, Task.__table__,
        ["campaign_id", "contact_id", "round_key", "status", "priority", "due_at", "attempts",
         "callback_requested", "escalated", "created_at"],
        source, ["campaign_id", "contact_id", "round_key"])


@dataclass(frozen=True, slots=True)
class RoundResult:
    round_key: str
    created: int
    closed_from_earlier_rounds: int
    calling_day: bool


def round_key_for(day: date) -> str:
    return day.isoformat()


def generate_round(db: Database, campaign: str | int, day: date,
                   now: datetime | None = None) -> RoundResult:
    """Make the day's round: one task per enrolled provider. Safe to run many times,
    from many clients at once: the database keeps one set of tasks."""
    moment = now or utcnow()

    def work(session: Session) -> RoundResult:
        camp, template = load_campaign(session, campaign)
        if template.kind != "round":
            raise CampaignError(f"{camp.name} is not a round campaign; it has no rounds.")
        key = round_key_for(day)
        # Due when the window opens: in a start time the clocks skip, the jump itself.
        opens = clock_reaches(day, template.window.start)
        calling_day = template.window.is_open(opens)
        if not calling_day:
            return RoundResult(key, 0, 0, False)
        closed = session.execute(
            update(Task).where(Task.campaign_id == camp.id, Task.status == "open",
                               Task.round_key < key, Task.holder_id.is_(None))
            .values(status="closed", close_reason="round ended", completed_at=moment)
        ).rowcount or 0
        created = _make_tasks(session, camp, template, key, opens)
        return RoundResult(key, created, closed, True)

    return db.run_write(work)


def enrol_reminders(db: Database, campaign: str | int, today: date,
                    now: datetime | None = None) -> int:
    """Enrol and make a task for each contact whose expiry falls within the lead time.

    The task is keyed by the expiry date, so a re-run, or a second client, adds nothing,
    and a renewed pass (a new expiry date) gets its own reminder next time round.
    """
    moment = now or utcnow()

    def work(session: Session) -> int:
        camp, template = load_campaign(session, campaign)
        if template.kind != "reminder":
            raise CampaignError(f"{camp.name} is not a reminder campaign.")
        last = today + timedelta(days=template.lead_days)
        audience = ContactFilter(source=(camp.audience or {}).get("source"),
                                 district=(camp.audience or {}).get("district"),
                                 include_suppressed=False)
        chosen = audience.apply(select(Contact.id.label("contact_id"))).where(
            Contact.expiry_date.between(today, last))
        picked = chosen.subquery()
        source = select(literal(camp.id).label("campaign_id"), picked.c.contact_id,
                        literal(True).label("active"),
                        literal(moment, UTCDateTime()).label("enrolled_at"),
                        ).select_from(picked)
        _insert_ignoring_duplicates(
            session, Enrolment.__table__, ["campaign_id", "contact_id", "active",
                                           "enrolled_at"],
            source.where(literal(True)), ["campaign_id", "contact_id"])
        e = Enrolment.__table__
        c = Contact.__table__
        due = max(moment, local_instant(today, time(0, 0)))
        rows = (select(literal(camp.id).label("campaign_id"), e.c.contact_id,
                       (literal("expiry:") + cast(c.c.expiry_date, String)).label("round_key"),
                       literal("open").label("status"),
                       literal(template.priority).label("priority"),
                       literal(due, UTCDateTime()).label("due_at"),
                       literal(0).label("attempts"),
                       literal(False).label("callback_requested"),
                       literal(False).label("escalated"),
                       literal(moment, UTCDateTime()).label("created_at"))
                .select_from(e.join(c, c.c.id == e.c.contact_id))
                .where(e.c.campaign_id == camp.id, e.c.active.is_(True),
                       c.c.do_not_call.is_(False),
                       and_(c.c.expiry_date >= today, c.c.expiry_date <= last)))
        return _insert_ignoring_duplicates(
            session, Task.__table__,
            ["campaign_id", "contact_id", "round_key", "status", "priority", "due_at",
             "attempts", "callback_requested", "escalated", "created_at"],
            rows, ["campaign_id", "contact_id", "round_key"])

    return db.run_write(work)


def list_campaigns(db: Database) -> list[Campaign]:
    with db.read() as session:
        return list(session.scalars(select(Campaign).order_by(Campaign.name)))
