"""A team's database on the private password-checking cluster, set up through the
product's own commands: an administrator, a supervisor and two agents, each signed in
as their own login with the password they chose."""

from __future__ import annotations

import itertools
import os
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from sqlalchemy import text

from outbound.clock import LONDON, to_london
from outbound.db.database import Database, open_database
from outbound.team.accounts import Account, change_password, sign_in
from outbound.team.setup import set_up_team
from outbound.team.users import add_user

TEMPORARY = "Temporary-Pass-2026"
_numbers = itertools.count(1)


def password_of(login: str) -> str:
    return f"Own-{login[::-1]}-Pass-9"


@dataclass
class Team:
    cluster: object
    database: str
    owner: Database                          # the server's superuser: sets up, builds data
    logins: dict[str, str] = field(default_factory=dict)     # name -> login
    opened: list[Database] = field(default_factory=list)

    def url(self, login: str | None = None, password: str | None = None) -> str:
        return self.cluster.url(self.database, login, password)  # type: ignore[attr-defined]

    def sign_in(self, name: str, password: str | None = None) -> tuple[Database, Account]:
        login = self.logins[name]
        db, account = sign_in(self.url(), login, password or password_of(login))
        self.opened.append(db)
        return db, account

    def add(self, admin: Database, name: str, role: str) -> str:
        login = f"{name.lower()}_{self.database}"
        add_user(admin, login, name, role, TEMPORARY, by="Ada")
        self.logins[name] = login
        db, _ = sign_in(self.url(), login, TEMPORARY)
        change_password(db, TEMPORARY, password_of(login), repeated=password_of(login))
        db.close()
        return login

    def yesterday_at_ten(self) -> datetime:
        """10:00 (London) on the day before the server's today: calls made then are
        within the 7 days an agent may go on seeing the person, by the server's clock,
        whatever this test's clock says."""
        with self.owner.read() as session:
            server_now = session.scalar(text("SELECT now()"))
        day = to_london(server_now).date() - timedelta(days=1)
        return datetime.combine(day, time(10), LONDON)

    def close(self) -> None:
        for db in self.opened:
            db.close()
        self.owner.close()


def make_team(cluster, build=None) -> Team:  # type: ignore[no-untyped-def]
    """A new database with ``build(owner_db)`` run in it first (as the superuser), then
    Ada (administrator), Priya (supervisor), Sam and Jo (agents)."""
    database = f"team_{os.getpid()}_{next(_numbers)}"
    owner = open_database(cluster.create_database(database))
    team = Team(cluster, database, owner)
    if build is not None:
        build(owner)
    ada = f"ada_{database}"
    set_up_team(owner, administrator=(ada, "Ada", TEMPORARY), by="setup")
    team.logins["Ada"] = ada
    first, _ = sign_in(team.url(), ada, TEMPORARY)
    change_password(first, TEMPORARY, password_of(ada))
    first.close()
    admin, _ = team.sign_in("Ada")
    team.add(admin, "Priya", "supervisor")
    team.add(admin, "Sam", "agent")
    team.add(admin, "Jo", "agent")
    return team
