"""Assigning open tasks to agents: explicitly, evenly, or by district or postcode area.

Unassigned tasks form the shared pool that every agent works after their own list.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from outbound.db.database import Database
from outbound.db.models import Contact, Task, User
from outbound.queue.campaigns import CampaignError, load_campaign
from outbound.users import user_id


@dataclass(frozen=True, slots=True)
class TaskSelection:
    campaign: str | int
    round_key: str | None = None
    district: str | None = None
    postcode_area: str | None = None
    only_unassigned: bool = False


def _task_ids(session: Session, selection: TaskSelection) -> list[int]:
    camp, _ = load_campaign(session, selection.campaign)
    stmt = (select(Task.id).join(Contact, Contact.id == Task.contact_id)
            .where(Task.campaign_id == camp.id, Task.status == "open")
            .order_by(Contact.district, Contact.postcode, Task.id))
    if selection.round_key:
        stmt = stmt.where(Task.round_key == selection.round_key)
    if selection.district:
        stmt = stmt.where(Contact.district == selection.district)
    if selection.postcode_area:
        stmt = stmt.where(Contact.postcode.like(f"{selection.postcode_area.upper()}%"))
    if selection.only_unassigned:
        stmt = stmt.where(Task.assigned_to.is_(None))
    return list(session.scalars(stmt))


def assign_to(db: Database, selection: TaskSelection, agent: str | int | None) -> int:
    """Give the selected tasks to one agent (None: back to the shared pool)."""

    def work(session: Session) -> int:
        target = None if agent is None else user_id(session, agent)
        ids = _task_ids(session, selection)
        for start in range(0, len(ids), 1000):
            session.execute(update(Task).where(Task.id.in_(ids[start:start + 1000]))
                            .values(assigned_to=target))
        return len(ids)

    return db.run_write(work)


def assign_evenly(db: Database, selection: TaskSelection, agents: Sequence[str | int]) -> dict[
        str, int]:
    """Share the selected tasks round-robin, keeping neighbours together in order."""
    if not agents:
        raise CampaignError("Choose at least one agent to share the calls between.")

    def work(session: Session) -> dict[str, int]:
        ids = [user_id(session, a) for a in agents]
        tasks = _task_ids(session, selection)
        counts: dict[str, int] = {str(a): 0 for a in agents}
        for index, agent in enumerate(agents):
            mine = tasks[index::len(agents)]
            for start in range(0, len(mine), 1000):
                session.execute(update(Task).where(Task.id.in_(mine[start:start + 1000]))
                                .values(assigned_to=ids[index]))
            counts[str(agent)] = len(mine)
        return counts

    return db.run_write(work)


def assign_by_district(db: Database, campaign: str | int,
                       districts: dict[str, str | int]) -> dict[str, int]:
    """Each district's open tasks to the agent named for it."""
    counts = {}
    for district, agent in districts.items():
        counts[district] = assign_to(db, TaskSelection(campaign, district=district), agent)
    return counts


def agent_load(db: Database, campaign: str | int) -> dict[str, int]:
    """Open tasks on each agent's list, and in the pool (under "pool")."""
    with db.read() as session:
        camp, _ = load_campaign(session, campaign)
        rows = session.execute(
            select(User.name, func.count(Task.id)).select_from(Task)
            .outerjoin(User, User.id == Task.assigned_to)
            .where(Task.campaign_id == camp.id, Task.status == "open")
            .group_by(User.name)).all()
    return {name or "pool": count for name, count in rows}
