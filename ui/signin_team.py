"""Signing in to a team's database with one's own user name and password.

Nothing is opened before the person signs in: the database only ever sees them as
themselves. The user name last used on this computer is filled in; a password can be
remembered in the computer's own password store (Windows Credential Manager, macOS
Keychain, the desktop's keyring), and an empty password tries the computer's own
account (single sign-on), where the council has set that up.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from outbound.clock import utcnow
from outbound.team.address import LOGIN_PATTERN, default_login, server_address
from ui.operations import run_in_background
from ui.settings import Settings
from ui.widgets.banner import MessageBanner
from ui.widgets.common import hint_label, named, title_label

if TYPE_CHECKING:   # loaded behind the dialog, while the person types
    from outbound.db.database import Database
    from outbound.team.accounts import Account

SINGLE_SIGN_ON_HINT = ("Leave the password empty to sign in with this computer's own "
                       "account (single sign-on), where the council has set that up.")


def keyring_service(url: str | None) -> str:
    """The name a remembered password is kept under: the server and database, never
    the person or a password. (Asked for off the GUI thread: it loads the database
    layer, which the dialog does not wait for.)"""
    from outbound import keyring_store
    from outbound.team import accounts

    return keyring_store.service_name(accounts.server_url(url).render_as_string())


def where_to(url: str | None) -> str:
    """The database a person signs in to, in words."""
    address = server_address(url)
    host = address.host or "this computer"
    if address.port:
        host = f"{host} (port {address.port})"
    return f"Signing in to the team's database “{address.database}” on {host}."


def last_login(settings: Settings, url: str | None) -> str:
    """The user name last used here; else the one in the address, or the computer's.
    (The demo keeps a person's full name there, which is no user name.)"""
    last = settings.last_user
    if last and LOGIN_PATTERN.match(last):
        return last
    return default_login(url)


@dataclass(frozen=True, slots=True)
class _Refused:
    sentence: str


@dataclass(frozen=True, slots=True)
class Refusal:
    """A sign-in the server refused on this computer: nobody was signed in to write it
    to the audit trail then, so the next person in does."""

    login: str
    at: datetime
    sentence: str


class TeamSignInDialog(QDialog):
    """User name and password; once accepted, ``database`` is the person's own
    connection and ``account`` who they are. Cancel (or Esc) closes the client."""

    def __init__(self, url: str | None, settings: Settings,
                 parent: QWidget | None = None, *,
                 refusals: list[Refusal] | None = None) -> None:
        super().__init__(parent)
        self.url = url
        self.settings = settings
        # Sign-ins the server refused here, for the audit trail once someone is in.
        self.refusals: list[Refusal] = refusals if refusals is not None else []
        self.database: Database | None = None
        self.account: Account | None = None
        self.busy = False
        self._cancelled = False
        self._store_allowed = False
        self._remembered_for: str | None = None   # whose remembered password is shown
        self.setWindowTitle("Sign in to Outbound")
        self.setMinimumWidth(460)

        self.banner = MessageBanner(self)
        self.banner.grow_window = True
        self.where = hint_label(where_to(url))
        self.where.setAccessibleName("Database")
        self.login = named(QLineEdit(last_login(settings, url)), "User name")
        self.login.editingFinished.connect(self._look_up_remembered)
        self.password = named(QLineEdit(), "Password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.remember = named(QCheckBox("&Remember my password on this computer"),
                              "Remember my password on this computer")
        self.remember.setEnabled(False)
        self.remember.toggled.connect(self._remember_toggled)
        self.store_hint = hint_label()
        self.store_hint.hide()
        form = QFormLayout()
        form.addRow("&User name:", self.login)
        form.addRow("&Password:", self.password)
        form.addRow("", self.remember)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.sign_in_button = named(
            self.buttons.addButton("&Sign in", QDialogButtonBox.ButtonRole.AcceptRole),
            "Sign in")
        self.sign_in_button.setDefault(True)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(title_label("Sign in to Outbound"))
        layout.addWidget(self.where)
        layout.addWidget(self.banner)
        layout.addLayout(form)
        layout.addWidget(self.store_hint)
        layout.addWidget(hint_label(SINGLE_SIGN_ON_HINT))
        layout.addWidget(self.buttons)
        (self.password if self.login.text() else self.login).setFocus()
        self._check_password_store()

    # -- the computer's password store ---------------------------------------------

    def _check_password_store(self) -> None:
        url, login = self.url, self.login.text().strip()

        def work(_op) -> tuple[str | None, str | None]:  # type: ignore[no-untyped-def]
            from outbound import keyring_store
            from outbound.team import accounts  # noqa: F401  # loaded while they type

            problem = keyring_store.keyring_problem()
            if problem is not None or not login:
                return problem, None
            return None, keyring_store.remembered_password(keyring_service(url), login)

        run_in_background(self, work, self._store_checked)

    def _store_checked(self, found: tuple[str | None, str | None]) -> None:
        problem, remembered = found
        self._store_allowed = problem is None
        self.remember.setEnabled(self._store_allowed)
        if problem is not None:
            self.remember.setToolTip(problem)
            self.store_hint.setText(problem)
            self.store_hint.show()
            return
        self.remember.setToolTip("Kept in this computer's own password store, so you "
                                 "need not type it; untick to forget it.")
        self._fill_remembered(self.login.text().strip(), remembered)

    def _look_up_remembered(self) -> None:
        login = self.login.text().strip()
        if not self._store_allowed or not login or login == self._remembered_for:
            return
        if self._remembered_for is not None:     # another person's: not for this one
            self._remembered_for = None
            self.password.clear()
            self.remember.setChecked(False)
        if self.password.text():
            return
        url = self.url

        def work(_op) -> str | None:  # type: ignore[no-untyped-def]
            from outbound import keyring_store

            return keyring_store.remembered_password(keyring_service(url), login)

        run_in_background(self, work, lambda found: self._fill_remembered(login, found))

    def _fill_remembered(self, login: str, remembered: str | None) -> None:
        if not remembered or login != self.login.text().strip() or self.password.text():
            return
        self._remembered_for = login
        self.password.setText(remembered)
        self.remember.setChecked(True)
        self.password.setFocus()

    def _remember_toggled(self, on: bool) -> None:
        login = self._remembered_for
        if on or login is None:
            return
        self._remembered_for = None
        url = self.url

        def work(_op) -> None:  # type: ignore[no-untyped-def]
            from outbound import keyring_store

            keyring_store.forget_password(keyring_service(url), login)

        run_in_background(self, work, lambda _none: self.banner.info(
            "Your password is no longer remembered on this computer."), self.banner.error)

    # -- signing in ----------------------------------------------------------------

    def accept(self) -> None:
        if self.busy:
            return
        login = self.login.text().strip()
        if not login:
            self.banner.warning("Type your user name.")
            self.login.setFocus()
            return
        password = self.password.text()
        remember = self._store_allowed and self.remember.isChecked() and bool(password)
        forget = self._store_allowed and not self.remember.isChecked()
        url = self.url
        self.busy = True
        self.sign_in_button.setEnabled(False)
        self.banner.info("Signing in…")

        def work(_op) -> tuple[Database, Account] | _Refused:  # type: ignore[no-untyped-def]
            from outbound.team import accounts

            try:
                signed_in = accounts.sign_in(url, login, password or None)
            except accounts.SignInError as refused:
                return _Refused(str(refused))
            if remember or forget:
                _keep_or_forget(url, login, password if remember else None)
            return signed_in

        run_in_background(self, work, self._answered, self._refused)

    def _answered(self, answer: tuple[Database, Account] | _Refused) -> None:
        if isinstance(answer, _Refused):
            self.refusals.append(Refusal(self.login.text().strip(), utcnow(), answer.sentence))
            self._refused(answer.sentence)
            return
        database, account = answer
        if self._cancelled:
            database.close()     # cancelled while the server was answering
            return
        self.busy = False
        self.database, self.account = database, account
        self.settings.last_user = account.login or self.login.text().strip()
        self.banner.hide()
        super().accept()

    def _refused(self, sentence: str) -> None:
        self.busy = False
        self.sign_in_button.setEnabled(True)
        self.banner.error(sentence)
        self._remembered_for = None
        self.password.clear()
        self.password.setFocus()

    def reject(self) -> None:
        self._cancelled = True
        super().reject()


def _keep_or_forget(url: str | None, login: str, password: str | None) -> None:
    """Remember ``password`` for ``login`` here, or forget any remembered one."""
    from outbound import keyring_store

    service = keyring_service(url)
    if password is not None:
        keyring_store.remember_password(service, login, password)
    elif keyring_store.remembered_password(service, login) is not None:
        keyring_store.forget_password(service, login)
