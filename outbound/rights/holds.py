"""Legal holds: keep everything about a person while a complaint, a claim or an
investigation needs it. Only a supervisor may set or lift one; who, when and why are
kept, and lifting a hold keeps its row."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from outbound import audit
from outbound.clock import utcnow
from outbound.db.database import Database
from outbound.db.models import Contact, User
from outbound.db.rights_models import LegalHold
from outbound.rights.errors import RightsError


@dataclass(frozen=True, slots=True)
class Hold:
    id: int
    contact_id: int
    reason: str
    set_by: str
    set_at: datetime
    lifted_by: str | None
    lifted_at: datetime | None
    lift_reason: str | None

    @property
    def active(self) -> bool:
        return self.lifted_at is None


def _hold(row: LegalHold) -> Hold:
    return Hold(row.id, row.contact_id, row.reason, row.set_by, row.set_at, row.lifted_by,
                row.lifted_at, row.lift_reason)


def check_supervisor(session: Session, name: str, what: str) -> str:
    """The name of an active supervisor or administrator; RightsError for anyone else."""
    name = (name or "").strip()
    user = session.scalar(select(User).where(User.name == name, User.active.is_(True)))
    if user is None:
        raise RightsError(f"There is no Outbound user called “{name}”; only a supervisor "
                          f"or an administrator can {what}.")
    if user.role not in ("supervisor", "administrator"):
        raise RightsError(f"{name} is an agent; only a supervisor or an administrator "
                          f"can {what}.")
    return user.name


def contact_or_error(session: Session, contact_id: int) -> Contact:
    contact = session.get(Contact, contact_id)
    if contact is None:
        raise RightsError(f"There is no contact number {contact_id}.")
    return contact


def active_hold(session: Session, contact_id: int) -> LegalHold | None:
    return session.scalar(select(LegalHold).where(
        LegalHold.contact_id == contact_id, LegalHold.lifted_at.is_(None))
        .order_by(LegalHold.id).limit(1))


def set_legal_hold(db: Database, contact_id: int, reason: str, *, by: str,
                   now: datetime | None = None) -> int:
    """Put a person's data on hold; returns the hold's id. One hold at a time."""
    reason = " ".join((reason or "").split())
    if not reason:
        raise RightsError("A legal hold needs a reason, such as the complaint or case "
                          "number.")

    def work(session: Session) -> int:
        who = check_supervisor(session, by, "set a legal hold")
        contact_or_error(session, contact_id)
        held = active_hold(session, contact_id)
        if held is not None:
            raise RightsError(f"Contact {contact_id} is already on legal hold "
                              f"(“{held.reason}”, set by {held.set_by}).")
        hold = LegalHold(contact_id=contact_id, reason=reason, set_by=who,
                         set_at=now or utcnow())
        session.add(hold)
        session.flush()
        audit.record(session, "legal_hold_set",
                     f"Put contact {contact_id} on legal hold: nothing about them may be "
                     "erased or removed by retention until it is lifted.", actor=who,
                     contact_id=contact_id, detail={"hold": hold.id})
        return hold.id

    return db.run_write(work)


def lift_legal_hold(db: Database, contact_id: int, *, by: str, reason: str | None = None,
                    now: datetime | None = None) -> int:
    """Lift the person's hold; returns its id."""

    def work(session: Session) -> int:
        who = check_supervisor(session, by, "lift a legal hold")
        contact_or_error(session, contact_id)
        held = active_hold(session, contact_id)
        if held is None:
            raise RightsError(f"Contact {contact_id} is not on legal hold.")
        held.lifted_at, held.lifted_by = now or utcnow(), who
        held.lift_reason = " ".join(reason.split()) if reason else None
        audit.record(session, "legal_hold_lifted",
                     f"Lifted the legal hold on contact {contact_id}.", actor=who,
                     contact_id=contact_id,
                     detail={"hold": held.id})
        return held.id

    return db.run_write(work)


def legal_holds(db: Database, contact_id: int) -> list[Hold]:
    """Every hold on a person, oldest first."""
    with db.read() as session:
        return [_hold(row) for row in session.scalars(
            select(LegalHold).where(LegalHold.contact_id == contact_id)
            .order_by(LegalHold.id))]


def held_contact_ids(session: Session) -> set[int]:
    """Everyone on legal hold now."""
    return set(session.scalars(select(LegalHold.contact_id).where(
        LegalHold.lifted_at.is_(None))))
