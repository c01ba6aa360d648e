"""Changing one's own password (team mode): asked for after signing in with a temporary
password, and from the File menu at any time.

The rules are shown as the person types (``password_problem``); the database checks
the present password and makes the change off the GUI thread.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from outbound.db.database import Database
from outbound.team import accounts
from ui.operations import run_in_background
from ui.widgets.banner import MessageBanner
from ui.widgets.common import hint_label, named, title_label

RULES = (f"At least {accounts.MIN_PASSWORD_LENGTH} characters, not containing your user "
         "name. A few words you will remember, with spaces, make a good one.")


class ChangePasswordDialog(QDialog):
    """``forced``: the person holds a temporary password and must choose their own
    before they start; Cancel then means signing out (the caller decides)."""

    def __init__(self, db: Database, login: str, *, forced: bool = False,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db = db
        self.login = login
        self.forced = forced
        self.busy = False
        self.setWindowTitle("Choose your own password" if forced else "Change my password")
        self.setMinimumWidth(440)

        self.banner = MessageBanner(self)
        self.banner.grow_window = True
        self.current = self._password_field("Present password")
        self.new = self._password_field("New password")
        self.again = self._password_field("New password again")
        self.rules = hint_label(RULES)
        self.rules.setAccessibleName("What a password needs")
        self.new.textChanged.connect(self._show_problem)
        self.again.textChanged.connect(self._show_problem)

        form = QFormLayout()
        form.addRow("&Present password:" if not forced else "&Temporary password:",
                    self.current)
        form.addRow("&New password:", self.new)
        form.addRow("New password &again:", self.again)

        self.buttons = QDialogButtonBox(self)
        self.change_button = named(self.buttons.addButton(
            "&Change password", QDialogButtonBox.ButtonRole.AcceptRole), "Change password")
        self.change_button.setDefault(True)
        self.cancel_button = named(self.buttons.addButton(
            "Sign &out" if forced else "Cancel", QDialogButtonBox.ButtonRole.RejectRole),
            "Sign out" if forced else "Cancel")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        if forced:
            layout.addWidget(title_label("Choose your own password"))
            layout.addWidget(hint_label(
                "You signed in with a temporary password. Choose your own before you "
                "start; nobody else, administrators included, will know it."))
        layout.addWidget(self.banner)
        layout.addLayout(form)
        layout.addWidget(self.rules)
        layout.addWidget(self.buttons)
        self.current.setFocus()

    def _password_field(self, name: str) -> QLineEdit:
        field = named(QLineEdit(), name)
        field.setEchoMode(QLineEdit.EchoMode.Password)
        return field

    def _show_problem(self) -> None:
        """The rules while typing: which one the new password does not meet yet."""
        new, again = self.new.text(), self.again.text()
        if not new:
            self.rules.setText(RULES)
            return
        problem = accounts.password_problem(new, self.login,
                                            repeated=again if again else None)
        if problem:
            self.rules.setText(problem)
        elif not again:
            self.rules.setText("That will do. Type it again below.")
        else:
            self.rules.setText("That will do.")

    def accept(self) -> None:
        if self.busy:
            return
        current, new, again = self.current.text(), self.new.text(), self.again.text()
        if not current:
            self.banner.warning("Type your present password first.")
            self.current.setFocus()
            return
        problem = accounts.password_problem(new, self.login, repeated=again)
        if problem:
            self._refused(problem)
            return
        self.busy = True
        self.change_button.setEnabled(False)
        db, login = self.db, self.login

        def work(_op) -> str | None:  # type: ignore[no-untyped-def]
            try:
                accounts.change_password(db, current, new, repeated=again)
            except accounts.SignInError as refused:
                return str(refused)
            _update_remembered(db, login, new)
            return None

        run_in_background(self, work, self._finished, self._refused)

    def _finished(self, refused: str | None) -> None:
        if refused:
            self._refused(refused)
            return
        self.busy = False
        super().accept()

    def _refused(self, sentence: str) -> None:
        self.busy = False
        self.change_button.setEnabled(True)
        self.banner.error(sentence)
        if "present password" in sentence:
            self.current.clear()
            self.current.setFocus()
        else:
            self.new.clear()
            self.again.clear()
            self.new.setFocus()


def _update_remembered(db: Database, login: str, password: str) -> None:
    """A password remembered on this computer follows the change (never the old one)."""
    from ui.signin_team import keyring_service

    try:
        from outbound import keyring_store
    except ImportError:     # a copy without it remembers nothing
        return
    if keyring_store.keyring_problem() is not None:
        return
    service = keyring_service(db.url)
    if keyring_store.remembered_password(service, login) is not None:
        keyring_store.remember_password(service, login, password)
