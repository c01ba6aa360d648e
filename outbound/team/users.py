"""Adding, changing and switching off the people of a team (administrators only).

Each change is made by the database's own functions (``outbound_set_login``,
``outbound_disable_login``, ``outbound_end_sessions``), which refuse anyone who is not
an administrator and any login that is not Outbound's; the user's row and the audit
entry are written in the same transaction.
"""

from __future__ import annotations

from sqlalchemy import select, text, update
from sqlalchemy.orm import Session

from outbound.audit import record
from outbound.clock import utcnow
from outbound.db.database import Database
from outbound.db.models import Contact, Task, User
from outbound.team.accounts import SignInError, password_problem, scram_verifier
from outbound.team.address import LOGIN_PATTERN
from outbound.team.security import ROLES


class TeamError(ValueError):
    """A change to the team that cannot be made; one clear sentence."""


def check_login(login: str) -> str:
    login = login.strip().lower()
    if not LOGIN_PATTERN.match(login):
        raise TeamError(f"“{login}” cannot be a user name: use 2 to 63 lower-case letters, "
                        "digits, dots, hyphens or underscores, starting with a letter.")
    return login


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise TeamError(f"“{role}” is not a role; use agent, supervisor or administrator.")


def _verifier(db: Database, login: str, password: str) -> str:
    problem = password_problem(password, login)
    if problem:
        raise TeamError(problem)
    return scram_verifier(db, login, password)


def _store_user(session: Session, login: str, name: str, role: str) -> User:
    user = session.scalar(select(User).where(User.login == login))
    if user is None:
        clash = session.scalar(select(User).where(User.name == name))
        if clash is not None and clash.login not in (None, login):
            raise TeamError(f"There is already a user called {name}: give a fuller name.")
        user = clash or User(name=name, login=login)
        session.add(user)
    user.login, user.name, user.role = login, name, role
    user.active, user.disabled_at = True, None
    return user


def add_user(db: Database, login: str, name: str, role: str, temporary_password: str, *,
             by: str) -> int:
    """Add someone (or bring a leaver back) with a temporary password, which they must
    change when they first sign in and which stops working after 7 days."""
    login = check_login(login)
    name = name.strip()
    if not name:
        raise TeamError("A user needs a name.")
    _check_role(role)
    verifier = _verifier(db, login, temporary_password)

    def work(session: Session) -> int:
        session.execute(text("SELECT outbound_set_login(:l, :v, :r)"),
                        {"l": login, "v": verifier, "r": role})
        user = _store_user(session, login, name, role)
        user.must_change_password = True
        session.flush()
        record(session, "user_changed", f"Added {name} ({login}) as {role}.", actor=by,
               detail={"user": login, "role": role})
        return user.id

    return _run(db, work)


def set_role(db: Database, login: str, role: str, *, by: str) -> None:
    login = check_login(login)
    _check_role(role)

    def work(session: Session) -> None:
        user = _user(session, login)
        session.execute(text("SELECT outbound_set_login(:l, NULL, :r)"),
                        {"l": login, "r": role})
        was, user.role = user.role, role
        record(session, "user_changed", f"Made {user.name} ({login}) {role}.", actor=by,
               detail={"user": login, "role": role, "was": was})

    _run(db, work)


def reset_password(db: Database, login: str, temporary_password: str, *, by: str) -> None:
    """A new temporary password, for someone who forgot theirs."""
    login = check_login(login)
    verifier = _verifier(db, login, temporary_password)

    def work(session: Session) -> None:
        user = _user(session, login)
        session.execute(text("SELECT outbound_set_login(:l, :v, :r)"),
                        {"l": login, "v": verifier, "r": user.role})
        user.must_change_password = True
        user.active, user.disabled_at = True, None
        record(session, "password_reset", f"Set a temporary password for {user.name}.",
               actor=by, detail={"user": login})

    _run(db, work)


def disable_user(db: Database, login: str, *, by: str) -> int:
    """Switch a leaver off at once: their login can no longer sign in, their open
    sessions end, and the calls they held go back to the queue. Returns how many
    calls went back."""
    login = check_login(login)
    if login == db.url.username:
        raise TeamError("You cannot switch yourself off.")

    def work(session: Session) -> int:
        user = _user(session, login)
        session.execute(text("SELECT outbound_disable_login(:l)"), {"l": login})
        user.active, user.disabled_at = False, utcnow()
        held = list(session.execute(
            update(Task).where(Task.holder_id == user.id, Task.status == "open")
            .values(holder_id=None, lease_expires_at=None).returning(Task.contact_id)
        ).scalars())
        if held:
            session.execute(update(Contact).where(Contact.id.in_(held))
                            .values(busy_until=None))
        record(session, "user_disabled",
               f"Switched off {user.name} ({login}); {len(held)} calls went back to the queue.",
               actor=by, detail={"user": login, "calls_released": len(held)})
        return len(held)

    released = _run(db, work)
    # Only after the login is switched off for good: a session ended earlier could sign
    # straight back in.
    _run(db, lambda session: session.execute(text("SELECT outbound_end_sessions(:l)"),
                                             {"l": login}))
    return released


def _user(session: Session, login: str) -> User:
    user = session.scalar(select(User).where(User.login == login))
    if user is None:
        raise TeamError(f"There is no user with the user name {login}.")
    return user


def _run(db: Database, work):  # type: ignore[no-untyped-def]
    from sqlalchemy.exc import DBAPIError

    try:
        return db.run_write(work)
    except DBAPIError as exc:
        message = str(getattr(exc, "orig", exc)).strip().splitlines()[0]
        if message.startswith("ERROR:"):
            message = message[6:].strip()
        if "permission denied" in message or "must be" in message:
            raise TeamError("Only an administrator can change users.") from None
        raise TeamError(message) from None
    except SignInError as exc:
        raise TeamError(str(exc)) from None


def list_team(db: Database) -> list[User]:
    with db.read() as session:
        return list(session.scalars(select(User).order_by(User.active.desc(), User.name)))
