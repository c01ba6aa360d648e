"""The people who use Outbound on an SQLite file: agents, supervisors, administrators.

A team's PostgreSQL database has logins of its own (``outbound.team``); an SQLite file
belongs to one computer account, which is its one user (``computer_user``). The demo
database lets anyone pick a name.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from outbound.audit import record
from outbound.db.database import Database
from outbound.db.models import User

ROLES = ("agent", "supervisor", "administrator")


class UserError(ValueError):
    """An unknown agent or a bad role; one clear sentence."""


def add_user(db: Database, name: str, role: str = "agent", *, by: str | None = None) -> int:
    if role not in ROLES:
        raise UserError(f"“{role}” is not a role; use agent, supervisor or administrator.")
    name = name.strip()
    if not name:
        raise UserError("A user needs a name.")

    def work(session: Session) -> int:
        existing = session.scalar(select(User).where(User.name == name))
        if existing is not None:
            if (existing.role, existing.active) != (role, True):
                record(session, "user_changed", f"Made {name} an active {role}.",
                       actor=by, detail={"user": name, "role": role,
                                         "was": existing.role if existing.active else None})
            existing.role, existing.active = role, True
            return existing.id
        user = User(name=name, role=role)
        session.add(user)
        session.flush()
        record(session, "user_changed", f"Added {name} as {role}.", actor=by,
               detail={"user": name, "role": role})
        return user.id

    return db.run_write(work)


def computer_user(db: Database) -> User:
    """The computer's own account as Outbound's user of a single-user file: it may do
    everything (an active administrator), and is added the first time."""
    from outbound.audit import default_actor

    name = default_actor()[:100]
    found = add_user(db, name, "administrator", by=name)
    with db.read() as session:
        return session.get_one(User, found)


def user_id(session: Session, name_or_id: str | int) -> int:
    """The id of an active user, by id or by name; UserError if there is none."""
    stmt = select(User.id).where(User.active.is_(True))
    if isinstance(name_or_id, int):
        found = session.scalar(stmt.where(User.id == name_or_id))
    else:
        found = session.scalar(stmt.where(User.name == name_or_id))
    if found is None:
        raise UserError(f"There is no agent called “{name_or_id}”.")
    return found


def list_users(db: Database, role: str | None = None) -> list[User]:
    with db.read() as session:
        stmt = select(User).where(User.active.is_(True)).order_by(User.name)
        if role:
            stmt = stmt.where(User.role == role)
        return list(session.scalars(stmt))
