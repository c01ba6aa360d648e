"""Setting up (and after each new version, bringing up to date) a team's PostgreSQL
database: the schema, the three group roles, the grants, row-level security and the
definer functions; and, the first time, the first administrator.

Run by the database's owner, a PostgreSQL superuser (e.g. ``postgres``) or a role with
CREATEROLE that owns the tables: ``python main.py team setup --db postgresql://...``.
Running it again changes nothing that is already right.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.orm import Session

from outbound.audit import record
from outbound.db.database import Database
from outbound.team.security import (
    TEMPORARY_PASSWORD_DAYS,
    functions_sql,
    grants_sql,
    group_roles,
    ident,
    literal,
)
from outbound.team.users import TeamError, _store_user, _verifier, check_login


@dataclass(frozen=True, slots=True)
class SetupReport:
    groups: dict[str, str]
    tables: int
    administrator: str | None


def set_up_team(db: Database, *, administrator: tuple[str, str, str] | None = None,
                by: str) -> SetupReport:
    """Roles, grants and policies; ``administrator`` is (login, name, temporary password)."""
    if db.is_sqlite:
        raise TeamError("An SQLite file belongs to one person and needs no team set-up: "
                        "give the address of the team's PostgreSQL database.")
    with db.read() as session:
        database = session.scalar(text("SELECT current_database()"))
        allowed = session.execute(text(
            "SELECT rolsuper OR rolcreaterole FROM pg_roles WHERE rolname = current_user"
        )).scalar()
    if not allowed:
        raise TeamError("Setting up the team needs a PostgreSQL superuser (such as "
                        "postgres) or the database's owner with the CREATEROLE right.")
    groups = group_roles(database)
    admin = None
    if administrator is not None:
        login, name, password = administrator
        admin = (check_login(login), name.strip(), _verifier(db, check_login(login), password))
        if not admin[1]:
            raise TeamError("The first administrator needs a name.")

    def work(session: Session) -> int:
        owner = session.scalar(text("SELECT current_user"))
        for group in groups.values():
            if session.scalar(text("SELECT 1 FROM pg_roles WHERE rolname = :g"),
                              {"g": group}) is None:
                session.execute(text(f"CREATE ROLE {ident(group)} NOLOGIN"))
        tables = list(session.scalars(text(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")))
        session.execute(text(f"REVOKE CONNECT ON DATABASE {ident(database)} FROM PUBLIC"))
        session.execute(text(
            f"GRANT CONNECT ON DATABASE {ident(database)} TO "
            + ", ".join(ident(g) for g in groups.values())))
        for statement in [*functions_sql(groups), *grants_sql(groups, tables, owner)]:
            session.execute(text(statement))
        if admin is not None:
            _first_administrator(session, groups, *admin)
        record(session, "team_set_up", f"Set up the team's database {database}.", actor=by,
               detail={"groups": groups, "administrator": admin[0] if admin else None})
        return len(tables)

    tables = db.run_write(work)
    return SetupReport(groups, tables, admin[0] if admin else None)


def _first_administrator(session: Session, groups: dict[str, str], login: str, name: str,
                         verifier: str) -> None:
    """Made directly, not through ``outbound_set_login``: whoever runs the set-up is the
    server's administrator, not yet one of Outbound's."""
    row = session.execute(text("SELECT rolsuper FROM pg_roles WHERE rolname = :l"),
                          {"l": login}).first()
    if row is not None and (row.rolsuper or not session.scalar(
            text("SELECT outbound_is_ours(:l)"), {"l": login})):
        raise TeamError(f"The login {login} already exists on this server and is not "
                        "Outbound's: choose another user name.")
    if row is None:
        session.execute(text(f"CREATE ROLE {ident(login)} LOGIN"))
    until = session.scalar(text(   # by the server's clock, which checks it
        f"SELECT (now() + interval '{TEMPORARY_PASSWORD_DAYS} days')::text"))
    # Not text(): a verifier holds colons, which text() would read as parameters.
    session.connection().exec_driver_sql(
        f"ALTER ROLE {ident(login)} LOGIN PASSWORD {literal(verifier)} "
        f"VALID UNTIL {literal(until)}")
    session.execute(text(f"GRANT {ident(groups['administrator'])} TO {ident(login)}"))
    user = _store_user(session, login, name, "administrator")
    user.must_change_password = True
