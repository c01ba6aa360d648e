"""Signing in to a team's PostgreSQL database as oneself, and changing one's password.

Each person has their own PostgreSQL login. The client connects with it: by password
(SCRAM), or by the computer's single sign-on (GSSAPI / Kerberos, through libpq) when the
server offers it and no password is given. The address of the database carries no
password; the password lives in memory only (:class:`outbound.db.database.Password`).
A new password is sent as a SCRAM verifier made on this computer, so the password itself
never reaches the server's log either.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError

from outbound.db.database import Database, DatabaseError, Password, connect, resolve_url
from outbound.db.models import User
from outbound.site_settings import SiteSettingsError, database_address, is_server_address
from outbound.team.security import literal

MIN_PASSWORD_LENGTH = 12


class SignInError(Exception):
    """Signing in did not work; the message is one sentence the person can act on."""


@dataclass(frozen=True, slots=True)
class Account:
    """Who is signed in, as the database knows them."""

    user_id: int
    name: str
    role: str
    login: str | None
    must_change_password: bool = False


def is_team(url: str | None) -> bool:
    """Whether ``url`` (else the address set for this computer) names a team's
    PostgreSQL database, else an SQLite file: decided as the client decides at start-up
    (``site_settings.is_server_address``)."""
    try:
        return is_server_address(database_address(url))
    except SiteSettingsError as exc:
        raise DatabaseError(str(exc)) from None


def server_url(url: str | URL | None) -> URL:
    """The database's address without a user or password: what a person signs in to."""
    resolved = url if isinstance(url, URL) else resolve_url(url)
    # Not URL.set(): it takes None as "leave as it is".
    return URL.create(resolved.drivername, host=resolved.host, port=resolved.port,
                      database=resolved.database, query=resolved.query)


def _reason(exc: DatabaseError, url: URL, login: str) -> str:
    """Why the server would not let ``login`` in, in words they can act on."""
    lowered = exc.driver_message.lower()
    if "password authentication failed" in lowered or "no password supplied" in lowered:
        return ("That user name and password do not match (a temporary password also "
                "stops working 7 days after it was set). Check Caps Lock, or ask an "
                "administrator to reset your password.")
    if "not permitted to log in" in lowered:
        return (f"{login} has been switched off. Ask an administrator if you should "
                "still have access.")
    if "gssapi" in lowered or "kerberos" in lowered:
        return "Signing in with your computer account did not work here: type your password."
    if "does not exist" in lowered and "database" in lowered:
        return f"There is no database called {url.database} on {url.host}."
    if "connection refused" in lowered or "could not translate host" in lowered \
            or "failed to resolve host" in lowered \
            or "timeout" in lowered or "no route" in lowered:
        return (f"Cannot reach the database server {url.host or 'on this computer'}. "
                "Check the network, or ask whoever looks after Outbound.")
    return str(exc)


def sign_in(url: str | URL | None, login: str, password: str | None) -> tuple[Database, Account]:
    """Connect to the team's database as ``login``; SignInError says why not.

    With no password, libpq uses single sign-on if the server offers it.
    """
    login = login.strip()
    if not login:
        raise SignInError("Type your user name.")
    address = server_url(url).set(username=login)
    try:
        db = connect(address, password=Password(password or None))
    except DatabaseError as exc:
        raise SignInError(_reason(exc, address, login)) from None
    try:
        _check_schema(db)
        return db, current_account(db)
    except BaseException:
        db.close()
        raise


def _check_schema(db: Database) -> None:
    from outbound.db.migrate import current_revision, shipped_head

    try:
        stored = current_revision(db)
    except DBAPIError:
        stored = None
    if stored != shipped_head():
        raise SignInError(
            "This database has not been set up for this version of Outbound. An "
            "administrator must run: python main.py team setup --db "
            f"{server_url(db.url).set(drivername='postgresql').render_as_string()}")


def current_account(db: Database) -> Account:
    """The signed-in person: their role from the database's own group roles."""
    with db.read() as session:
        role = session.scalar(text("SELECT outbound_my_role()"))
        login = session.scalar(text("SELECT session_user"))
        user = session.scalar(select(User).where(User.login == login))
    if role is None or user is None:
        raise SignInError(f"{login} can sign in to the server but is not an Outbound "
                          "user. Ask an administrator to add you.")
    if not user.active:
        raise SignInError(f"{login} has been switched off. Ask an administrator if you "
                          "should still have access.")
    return Account(user.id, user.name, role, login, user.must_change_password)


def password_problem(password: str, login: str, *, repeated: str | None = None) -> str | None:
    """Why ``password`` will not do as a new password, or None."""
    if repeated is not None and password != repeated:
        return "The two new passwords are not the same."
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"A password needs at least {MIN_PASSWORD_LENGTH} characters."
    if login and login.lower() in password.lower():
        return "A password must not contain your user name."
    if len(set(password)) < 5:
        return "That password is too easy to guess: use more different characters."
    return None


def scram_verifier(db: Database, login: str, password: str) -> str:
    """The SCRAM-SHA-256 verifier of ``password``, made here by libpq."""
    with db.engine.connect() as connection:
        pgconn = connection.connection.driver_connection.pgconn  # type: ignore[union-attr]
        return pgconn.encrypt_password(password.encode(), login.encode(),
                                       b"scram-sha-256").decode()


def verify_password(db: Database, password: str) -> bool:
    """Whether ``password`` is the signed-in person's (a fresh sign-in, then closed);
    SignInError when the server cannot say (it cannot be reached, say)."""
    login = db.url.username
    if not login:
        return False
    try:
        other = connect(db.url, password=Password(password))
    except DatabaseError as exc:
        if "password authentication failed" in exc.driver_message.lower():
            return False
        raise SignInError(_reason(exc, db.url, login)) from None   # not the password
    other.close()
    return True


def change_password(db: Database, current: str, new: str, *,
                    repeated: str | None = None) -> None:
    """Change the signed-in person's password; SignInError says why not."""
    login = db.url.username or ""
    problem = password_problem(new, login, repeated=repeated)
    if problem:
        raise SignInError(problem)
    if new == current:
        raise SignInError("The new password must differ from the one you have now.")
    if not verify_password(db, current):
        raise SignInError("Your present password is not right.")
    verifier = scram_verifier(db, login, new)

    def work(session) -> None:  # type: ignore[no-untyped-def]
        # Not text(): a verifier holds colons, which text() would read as parameters.
        session.connection().exec_driver_sql(
            f"ALTER ROLE CURRENT_USER PASSWORD {literal(verifier)}")
        session.execute(text("SELECT outbound_password_changed()"))
        from outbound.audit import record

        record(session, "password_changed", f"{login} changed their password.", actor=login)

    db.run_write(work)
    if db.password is not None:
        db.password.value = new
