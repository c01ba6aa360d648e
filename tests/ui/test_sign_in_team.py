"""Signing in, as a person does it: a team's database asks for a user name and password
(nothing is opened before), a temporary password must be changed first, a password can
be remembered on this computer; a single-user file opens straight away as the computer's
account; the demo lets anyone pick a name.

The team's server is stood in for by an SQLite file: ``sign_in``, ``change_password``
and ``verify_password`` are replaced here; tests/test_team*.py sign in to PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit

from outbound import keyring_store
from outbound.audit import AuditFilter, search_audit
from outbound.db.database import Password
from outbound.team import accounts
from outbound.team.accounts import Account, SignInError
from outbound.team.address import default_login
from outbound.users import add_user
from tests.ui.test_supervisor_support import temp_settings
from ui.actions import MainAction
from ui.app import DEMO, SINGLE_USER, TEAM, ClientSession
from ui.operations import Operations
from ui.password_dialog import ChangePasswordDialog
from ui.signin import DEMO_NOTICE, SignInDialog
from ui.signin_team import TeamSignInDialog

URL = "postgresql://dbserver.council.local/outbound"
WRONG = ("That user name and password do not match (a temporary password also stops "
         "working 7 days after it was set). Check Caps Lock, or ask an administrator to "
         "reset your password.")
SERVICE = "Outbound dbserver.council.local:5432/outbound"
pytestmark = pytest.mark.clock(datetime(2026, 11, 23, 10, 5, tzinfo=UTC))


@pytest.fixture(autouse=True)
def synchronous() -> Iterator[None]:
    Operations.synchronous = True
    yield
    Operations.synchronous = False


class Store:
    """This computer's password store, as the keyring module would be."""

    def __init__(self, problem: str | None = None, saved: dict | None = None) -> None:  # type: ignore[type-arg]
        self.problem = problem
        self.saved: dict[tuple[str, str], str] = dict(saved or {})

    def install(self, monkeypatch: pytest.MonkeyPatch) -> Store:
        monkeypatch.setattr(keyring_store, "keyring_problem", lambda: self.problem)
        monkeypatch.setattr(keyring_store, "remembered_password",
                            lambda service, login: self.saved.get((service, login)))
        monkeypatch.setattr(keyring_store, "remember_password", self._remember)
        monkeypatch.setattr(keyring_store, "forget_password",
                            lambda service, login: self.saved.pop((service, login), None))
        # One server here, whichever address: the stand-in database is an SQLite file.
        monkeypatch.setattr(keyring_store, "service_name", lambda url: SERVICE)
        return self

    def _remember(self, service: str, login: str, password: str) -> bool:
        self.saved[(service, login)] = password
        return True




class Server:
    """Stands for the team's PostgreSQL server: one person, one password."""

    def __init__(self, db, account: Account, password: str) -> None:  # type: ignore[no-untyped-def]
        self.db = db
        self.account = account
        self.password = password
        self.tries: list[tuple[str, str | None]] = []
        self.closed = 0

    def install(self, monkeypatch: pytest.MonkeyPatch) -> Server:
        monkeypatch.setattr(accounts, "sign_in", self.sign_in)
        monkeypatch.setattr(accounts, "change_password", self.change_password)
        monkeypatch.setattr(accounts, "verify_password",
                            lambda db, password: password == self.password)
        real_close = self.db.close

        def close() -> None:
            self.closed += 1
            real_close()

        monkeypatch.setattr(self.db, "close", close)
        return self

    def sign_in(self, url, login: str, password: str | None):  # type: ignore[no-untyped-def]
        self.tries.append((login, password))
        if login != self.account.login or password != self.password:
            raise SignInError(WRONG)
        self.db.password = Password(password)
        return self.db, self.account

    def change_password(self, db, current: str, new: str, *, repeated=None) -> None:  # type: ignore[no-untyped-def]
        problem = accounts.password_problem(new, self.account.login or "", repeated=repeated)
        if problem:
            raise SignInError(problem)
        if current != self.password:
            raise SignInError("Your present password is not right.")
        self.password = new
        self.account = Account(self.account.user_id, self.account.name, self.account.role,
                               self.account.login, False)


def person(db, name: str, role: str, login: str, *, must_change: bool = False) -> Account:  # type: ignore[no-untyped-def]
    return Account(add_user(db, name, role), name, role, login, must_change)


@pytest.fixture
def store(monkeypatch) -> Store:  # type: ignore[no-untyped-def]
    return Store().install(monkeypatch)


def team_session(qtbot, tmp_path, *, last_user: str = "asha.patel",  # type: ignore[no-untyped-def]
                 run_scheduler: bool = False) -> ClientSession:
    settings = temp_settings(tmp_path)
    settings.last_user = last_user
    session = ClientSession(None, settings, kind=TEAM, url=URL, run_scheduler=run_scheduler)
    session.start()
    dialog = session.dialog
    assert isinstance(dialog, TeamSignInDialog)
    qtbot.addWidget(dialog)
    with qtbot.waitActive(dialog):
        dialog.activateWindow()
    return session


def active(qtbot, dialog) -> None:  # type: ignore[no-untyped-def]
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)


def type_password(qtbot, dialog: TeamSignInDialog, password: str) -> None:  # type: ignore[no-untyped-def]
    dialog.password.setFocus()
    qtbot.keyClicks(dialog.password, password)
    qtbot.keyClick(dialog.password, Qt.Key.Key_Return)


def test_the_sign_in_asks_for_a_password_and_names_the_server(qtbot, tmp_path, store):  # type: ignore[no-untyped-def]
    session = team_session(qtbot, tmp_path)
    dialog = session.dialog
    assert session.db is None                       # nothing opened before signing in
    assert dialog.login.text() == "asha.patel"      # the last user of this computer
    assert dialog.password.echoMode() == QLineEdit.EchoMode.Password
    assert dialog.password.hasFocus()
    assert "“outbound” on dbserver.council.local" in dialog.where.text()
    assert dialog.remember.isEnabled() and not dialog.remember.isChecked()


def test_a_wrong_password_says_so_and_clears_the_field(qtbot, tmp_path, sqlite_db,  # type: ignore[no-untyped-def]
                                                      monkeypatch, store):
    server = Server(sqlite_db, person(sqlite_db, "Asha Patel", "supervisor", "asha.patel"),
                    "correct horse battery").install(monkeypatch)
    session = team_session(qtbot, tmp_path)
    dialog = session.dialog
    type_password(qtbot, dialog, "correct horse")
    assert server.tries == [("asha.patel", "correct horse")]
    assert dialog.banner.text() == WRONG and dialog.banner.level == "error"
    assert dialog.password.text() == "" and dialog.password.hasFocus()
    assert dialog.isVisible() and session.window is None


def test_the_right_password_opens_the_window_with_the_accounts_role(qtbot, tmp_path,  # type: ignore[no-untyped-def]
                                                                   sqlite_db, monkeypatch,
                                                                   store):
    Server(sqlite_db, person(sqlite_db, "Asha Patel", "supervisor", "asha.patel"),
           "correct horse battery").install(monkeypatch)
    monkeypatch.setattr("getpass.getuser", lambda: "asha.patel")
    session = team_session(qtbot, tmp_path, last_user="")
    dialog = session.dialog
    assert dialog.login.text() == "asha.patel"      # nobody yet: the computer's account
    with qtbot.waitSignal(session.sig_window_shown) as shown:
        type_password(qtbot, dialog, "correct horse battery")
    window = shown.args[0]
    qtbot.addWidget(window)
    assert window.services.db is sqlite_db and session.db is sqlite_db
    assert window.services.user.role == "supervisor" and window.services.user.login == "asha.patel"
    assert "Asha Patel (supervisor)" in window.user_label.text()
    assert "campaigns" in window.screen_keys() and "rights" not in window.screen_keys()
    assert {MainAction.CHANGE_PASSWORD, MainAction.LOCK, MainAction.SIGN_OUT} <= set(
        window.actions_by_name)
    assert session.settings.last_user == "asha.patel"
    assert [e.action for e in search_audit(sqlite_db)][:1] == ["signed_in"]


def test_a_refused_sign_in_is_in_the_audit_trail_once_someone_is_in(  # type: ignore[no-untyped-def]
        qtbot, tmp_path, sqlite_db, monkeypatch, store):
    Server(sqlite_db, person(sqlite_db, "Asha Patel", "supervisor", "asha.patel"),
           "correct horse battery").install(monkeypatch)
    session = team_session(qtbot, tmp_path)
    dialog = session.dialog
    type_password(qtbot, dialog, "correct horse")            # refused: nobody is in
    assert search_audit(sqlite_db, AuditFilter(action="sign_in_failed")) == []
    with qtbot.waitSignal(session.sig_window_shown) as shown:
        type_password(qtbot, dialog, "correct horse battery")
    qtbot.addWidget(shown.args[0])
    qtbot.waitUntil(lambda: bool(search_audit(sqlite_db, AuditFilter(action="sign_in_failed"))))
    [entry] = search_audit(sqlite_db, AuditFilter(action="sign_in_failed"))
    assert entry.actor == "asha.patel"
    assert entry.summary.startswith("Sign-in as asha.patel refused on ")
    assert entry.detail["reason"] == WRONG and "correct horse" not in str(entry.detail)
    assert session.refusals == []


def test_an_empty_password_tries_the_computers_own_account(qtbot, tmp_path, sqlite_db,  # type: ignore[no-untyped-def]
                                                           monkeypatch, store):
    server = Server(sqlite_db, person(sqlite_db, "Asha Patel", "agent", "asha.patel"),
                    "x").install(monkeypatch)
    session = team_session(qtbot, tmp_path)
    assert any("single sign-on" in label.text() for label in session.dialog.findChildren(
        type(session.dialog.where)))
    qtbot.keyClick(session.dialog.password, Qt.Key.Key_Return)
    assert server.tries == [("asha.patel", None)]


def test_escape_at_sign_in_closes_the_client(qtbot, tmp_path, store):  # type: ignore[no-untyped-def]
    session = team_session(qtbot, tmp_path)
    with qtbot.waitSignal(session.sig_finished):
        qtbot.keyClick(session.dialog.password, Qt.Key.Key_Escape)


def test_a_temporary_password_must_be_changed_before_the_window_opens(  # type: ignore[no-untyped-def]
        qtbot, tmp_path, sqlite_db, monkeypatch, store):
    server = Server(sqlite_db, person(sqlite_db, "Sam Jones", "agent", "sam.jones",
                                      must_change=True), "Temporary-2026!").install(monkeypatch)
    session = team_session(qtbot, tmp_path, last_user="sam.jones")
    type_password(qtbot, session.dialog, "Temporary-2026!")
    change = session.dialog
    assert isinstance(change, ChangePasswordDialog) and change.forced
    qtbot.addWidget(change)
    active(qtbot, change)
    assert session.window is None
    assert change.cancel_button.text() == "Sign &out"

    qtbot.keyClicks(change.current, "Temporary-2026!")
    qtbot.keyClicks(change.new, "short")
    assert change.rules.text() == "A password needs at least 12 characters."
    change.new.clear()
    qtbot.keyClicks(change.new, "blue kettle on the hill")
    assert change.rules.text() == "That will do. Type it again below."
    qtbot.keyClicks(change.again, "blue kettle on the hil")
    assert change.rules.text() == "The two new passwords are not the same."
    qtbot.keyClick(change.again, Qt.Key.Key_Return)
    assert change.banner.text() == "The two new passwords are not the same."
    assert server.password == "Temporary-2026!" and session.window is None
    assert change.new.text() == "" and change.new.hasFocus()

    qtbot.keyClicks(change.new, "blue kettle on the hill")
    qtbot.keyClicks(change.again, "blue kettle on the hill")
    with qtbot.waitSignal(session.sig_window_shown) as shown:
        qtbot.keyClick(change.again, Qt.Key.Key_Return)
    qtbot.addWidget(shown.args[0])
    assert server.password == "blue kettle on the hill"
    assert shown.args[0].services.user.name == "Sam Jones"


def test_signing_out_instead_of_changing_the_password_asks_again(qtbot, tmp_path,  # type: ignore[no-untyped-def]
                                                                sqlite_db, monkeypatch, store):
    server = Server(sqlite_db, person(sqlite_db, "Sam Jones", "agent", "sam.jones",
                                      must_change=True), "Temporary-2026!").install(monkeypatch)
    session = team_session(qtbot, tmp_path, last_user="sam.jones")
    type_password(qtbot, session.dialog, "Temporary-2026!")
    change = session.dialog
    qtbot.addWidget(change)
    qtbot.mouseClick(change.cancel_button, Qt.MouseButton.LeftButton)
    assert server.closed == 1 and session.db is None and session.window is None
    assert isinstance(session.dialog, TeamSignInDialog)
    qtbot.addWidget(session.dialog)


def test_signing_out_closes_their_connection_and_asks_again(qtbot, tmp_path, sqlite_db,  # type: ignore[no-untyped-def]
                                                           monkeypatch, store):
    server = Server(sqlite_db, person(sqlite_db, "Sam Jones", "agent", "sam.jones"),
                    "blue kettle on the hill").install(monkeypatch)
    session = team_session(qtbot, tmp_path, last_user="sam.jones", run_scheduler=True)
    with qtbot.waitSignal(session.sig_window_shown) as shown:
        type_password(qtbot, session.dialog, "blue kettle on the hill")
    window = shown.args[0]
    qtbot.addWidget(window)
    assert session.scheduler is None        # an agent's login cannot run the exports
    assert window.services.scheduler is None
    window.sign_out()
    assert server.closed == 1 and session.db is None
    assert isinstance(session.dialog, TeamSignInDialog) and session.dialog.isVisible()
    qtbot.addWidget(session.dialog)
    assert session.dialog.login.text() == "sam.jones" and session.dialog.password.text() == ""
    actions = [(e.action, e.actor) for e in search_audit(sqlite_db)][:2]
    assert actions == [("signed_out", "Sam Jones"), ("signed_in", "Sam Jones")]


def test_a_supervisor_runs_the_scheduled_jobs(qtbot, tmp_path, sqlite_db, monkeypatch, store):  # type: ignore[no-untyped-def]
    Server(sqlite_db, person(sqlite_db, "Asha Patel", "supervisor", "asha.patel"),
           "correct horse battery").install(monkeypatch)
    session = team_session(qtbot, tmp_path, run_scheduler=True)
    with qtbot.waitSignal(session.sig_window_shown) as shown:
        type_password(qtbot, session.dialog, "correct horse battery")
    qtbot.addWidget(shown.args[0])
    assert session.scheduler is not None and shown.args[0].services.scheduler is session.scheduler
    session.stop()


def test_change_my_password_from_the_menu(qtbot, tmp_path, sqlite_db, monkeypatch, store):  # type: ignore[no-untyped-def]
    server = Server(sqlite_db, person(sqlite_db, "Asha Patel", "supervisor", "asha.patel"),
                    "correct horse battery").install(monkeypatch)
    store.saved[(SERVICE, "asha.patel")] = "correct horse battery"
    session = team_session(qtbot, tmp_path)
    with qtbot.waitSignal(session.sig_window_shown) as shown:
        qtbot.keyClick(session.dialog.password, Qt.Key.Key_Return)   # remembered
    window = shown.args[0]
    qtbot.addWidget(window)
    window.actions_by_name[MainAction.CHANGE_PASSWORD].trigger()
    dialog = window.findChild(ChangePasswordDialog)
    assert dialog is not None and dialog.isVisible() and not dialog.forced
    active(qtbot, dialog)
    qtbot.keyClicks(dialog.current, "correct horse")
    qtbot.keyClicks(dialog.new, "a quiet walk by the canal")
    qtbot.keyClicks(dialog.again, "a quiet walk by the canal")
    qtbot.keyClick(dialog.again, Qt.Key.Key_Return)
    assert dialog.banner.text() == "Your present password is not right."
    assert dialog.current.text() == "" and dialog.current.hasFocus()
    qtbot.keyClicks(dialog.current, "correct horse battery")
    with qtbot.waitSignal(dialog.accepted):
        qtbot.keyClick(dialog.current, Qt.Key.Key_Return)
    assert server.password == "a quiet walk by the canal"
    # the password remembered on this computer follows the change
    assert store.saved[(SERVICE, "asha.patel")] == "a quiet walk by the canal"


# ---- remembering a password on this computer ----------------------------------------

def test_a_password_is_remembered_only_when_asked(qtbot, tmp_path, sqlite_db, monkeypatch,  # type: ignore[no-untyped-def]
                                                  store):
    Server(sqlite_db, person(sqlite_db, "Asha Patel", "supervisor", "asha.patel"),
           "correct horse battery").install(monkeypatch)
    session = team_session(qtbot, tmp_path)
    dialog = session.dialog
    type_password(qtbot, dialog, "wrong one")
    assert store.saved == {}                  # never a refused password
    qtbot.mouseClick(dialog.remember, Qt.MouseButton.LeftButton)
    assert dialog.remember.isChecked()
    with qtbot.waitSignal(session.sig_window_shown) as shown:
        type_password(qtbot, dialog, "correct horse battery")
    qtbot.addWidget(shown.args[0])
    assert store.saved == {(SERVICE, "asha.patel"): "correct horse battery"}


def test_nothing_is_remembered_without_a_password_store(qtbot, tmp_path, sqlite_db,  # type: ignore[no-untyped-def]
                                                       monkeypatch):
    problem = "This computer has no password store that Outbound can use."
    store = Store(problem=problem).install(monkeypatch)
    Server(sqlite_db, person(sqlite_db, "Asha Patel", "supervisor", "asha.patel"),
           "correct horse battery").install(monkeypatch)
    session = team_session(qtbot, tmp_path)
    dialog = session.dialog
    assert not dialog.remember.isEnabled()
    assert dialog.remember.toolTip() == problem
    assert dialog.store_hint.isVisible() and problem in dialog.store_hint.text()
    qtbot.mouseClick(dialog.remember, Qt.MouseButton.LeftButton)   # does nothing
    assert not dialog.remember.isChecked()
    with qtbot.waitSignal(session.sig_window_shown) as shown:
        type_password(qtbot, dialog, "correct horse battery")
    qtbot.addWidget(shown.args[0])
    assert store.saved == {}


def test_a_remembered_password_is_filled_in_and_unticking_forgets_it(qtbot, tmp_path,  # type: ignore[no-untyped-def]
                                                                    sqlite_db, monkeypatch):
    store = Store(saved={(SERVICE, "asha.patel"): "correct horse battery"}).install(monkeypatch)
    Server(sqlite_db, person(sqlite_db, "Asha Patel", "supervisor", "asha.patel"),
           "correct horse battery").install(monkeypatch)
    session = team_session(qtbot, tmp_path)
    dialog = session.dialog
    assert dialog.password.text() == "correct horse battery"
    assert dialog.remember.isChecked()
    qtbot.mouseClick(dialog.remember, Qt.MouseButton.LeftButton)
    assert not dialog.remember.isChecked()
    assert store.saved == {}
    assert dialog.banner.text() == "Your password is no longer remembered on this computer."
    with qtbot.waitSignal(session.sig_window_shown) as shown:   # still signs in this time
        qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    qtbot.addWidget(shown.args[0])
    assert store.saved == {}


def test_another_user_name_does_not_get_someone_elses_password(qtbot, tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    Store(saved={(SERVICE, "asha.patel"): "correct horse battery",
                 (SERVICE, "sam.jones"): "blue kettle on the hill"}).install(monkeypatch)
    session = team_session(qtbot, tmp_path)
    dialog = session.dialog
    assert dialog.password.text() == "correct horse battery"
    dialog.login.setFocus()
    dialog.login.selectAll()
    qtbot.keyClicks(dialog.login, "sam.jones")
    qtbot.keyClick(dialog.login, Qt.Key.Key_Tab)
    assert dialog.password.text() == "blue kettle on the hill"
    dialog.login.setFocus()
    dialog.login.selectAll()
    qtbot.keyClicks(dialog.login, "pat.ward")
    qtbot.keyClick(dialog.login, Qt.Key.Key_Tab)
    assert dialog.password.text() == "" and not dialog.remember.isChecked()


# ---- a single-user file and the demo ----------------------------------------------------

def test_a_single_user_file_opens_at_once_as_the_computers_administrator(  # type: ignore[no-untyped-def]
        qtbot, tmp_path, sqlite_db, monkeypatch):
    monkeypatch.setattr("getpass.getuser", lambda: "jo.bloggs")
    session = ClientSession(sqlite_db, temp_settings(tmp_path), kind=SINGLE_USER)
    with qtbot.waitSignal(session.sig_window_shown) as shown:
        session.start()
    window = shown.args[0]
    qtbot.addWidget(window)
    assert session.dialog is None
    user = window.services.user
    assert (user.name, user.role, user.is_administrator) == ("jo.bloggs", "administrator", True)
    assert "rights" in window.screen_keys()
    # nobody to hand over to, no password: no sign-out, no lock
    assert MainAction.SIGN_OUT not in window.actions_by_name
    assert MainAction.LOCK not in window.actions_by_name
    assert session.lock is None


def test_the_demo_shows_the_marked_name_picker(qtbot, tmp_path, sqlite_db):  # type: ignore[no-untyped-def]
    add_user(sqlite_db, "Amira", "agent")
    session = ClientSession(sqlite_db, temp_settings(tmp_path), kind=DEMO)
    session.start()
    dialog = session.dialog
    assert isinstance(dialog, SignInDialog)
    qtbot.addWidget(dialog)
    qtbot.waitExposed(dialog)
    assert "demo" in dialog.windowTitle()
    assert dialog.notice.isVisible() and dialog.notice.label.text() == DEMO_NOTICE
    with qtbot.waitSignal(session.sig_window_shown) as shown:
        qtbot.keyClick(dialog.people, Qt.Key.Key_Return)
    qtbot.addWidget(shown.args[0])
    assert shown.args[0].services.user.demo
    assert MainAction.LOCK not in shown.args[0].actions_by_name


def test_a_remembered_password_is_kept_per_server_and_database():
    from ui.signin_team import keyring_service, where_to

    one = keyring_service("postgresql://asha.patel:secret@DBServer.council.local/outbound")
    assert one == keyring_service("postgresql://sam.jones@dbserver.council.local:5432/outbound")
    assert "secret" not in one and "asha" not in one
    assert one != keyring_service("postgresql://dbserver.council.local/training")
    assert where_to("postgresql://db2:6543/outbound") == (
        "Signing in to the team's database “outbound” on db2 (port 6543).")


def test_a_name_picked_in_the_demo_is_not_offered_as_a_user_name(qtbot, tmp_path, store):  # type: ignore[no-untyped-def]
    session = team_session(qtbot, tmp_path, last_user="Aisha Khan")
    assert session.dialog.login.text() == default_login(URL)
