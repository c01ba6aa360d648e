"""Signing in to the demo database: pick any name from the list, or add one.

Real databases ask for more: a team's database a user name and password
(``ui.signin_team``), a single-user file nobody (it is the computer's account). The
last person to sign in on this computer is chosen already, so signing in is one key
press (Enter).
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from outbound import users
from outbound.db.database import Database
from ui.operations import run_in_background
from ui.services import SignedInUser
from ui.settings import Settings
from ui.widgets.banner import MessageBanner
from ui.widgets.common import hint_label, named, title_label

UserRole = Qt.ItemDataRole.UserRole + 1
ROLE_WORDS = {"agent": "Agent", "supervisor": "Supervisor", "administrator": "Administrator"}


DEMO_NOTICE = "Demo database — pick anyone; real databases ask for a password."


class SignInDialog(QDialog):
    """Choose who you are; ``signed_in`` holds the choice once accepted."""

    def __init__(self, db: Database, settings: Settings, parent: QWidget | None = None,
                 *, demo: bool = False) -> None:
        super().__init__(parent)
        self.db = db
        self.settings = settings
        self.demo = demo
        self.signed_in: SignedInUser | None = None
        self.setWindowTitle("Sign in to the Outbound demo" if demo else "Sign in to Outbound")
        self.setMinimumWidth(420)

        self.notice = MessageBanner(self)   # its own: the banner below is for errors
        if demo:
            self.notice.info(DEMO_NOTICE)
        self.banner = MessageBanner(self)
        self.people = named(QListWidget(), "People who can sign in")
        self.people.itemActivated.connect(lambda _item: self.accept())
        self.people.currentItemChanged.connect(lambda *_: self._update_buttons())

        self.new_name = named(QLineEdit(), "Name of the new user")
        self.new_name.setPlaceholderText("Full name, as colleagues know you")
        self.new_role = named(QComboBox(), "Role of the new user")
        for role in users.ROLES:
            self.new_role.addItem(ROLE_WORDS[role], role)
        self.add_button = named(QPushButton("&Add"), "Add this user")
        self.add_button.clicked.connect(self.add_user)
        self.new_name.returnPressed.connect(self.add_user)
        form = QFormLayout()
        form.addRow("&Name:", self.new_name)
        form.addRow("&Role:", self.new_role)
        form.addRow("", self.add_button)
        self.add_box = QGroupBox("Add a user")
        self.add_box.setAccessibleName("Add a user")
        self.add_box.setLayout(form)
        self.add_box.hide()
        self.show_add = named(QPushButton("Add a &user…"), "Add a user",
                              "Add someone who is not in the list (Ctrl+N)")
        self.show_add.clicked.connect(self.open_add_form)
        QShortcut(QKeySequence("Ctrl+N"), self, activated=self.open_add_form)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.sign_in_button = named(
            self.buttons.addButton("&Sign in", QDialogButtonBox.ButtonRole.AcceptRole),
            "Sign in")
        self.sign_in_button.setDefault(True)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(title_label("Who is signing in?"))
        layout.addWidget(self.notice)
        layout.addWidget(hint_label("Choose your name and press Enter."))
        layout.addWidget(self.banner)
        layout.addWidget(self.people, 1)
        row = QHBoxLayout()
        row.addWidget(self.show_add)
        row.addStretch(1)
        layout.addLayout(row)
        layout.addWidget(self.add_box)
        layout.addWidget(self.buttons)
        self._update_buttons()
        self.load_users()

    def load_users(self, select: str | None = None) -> None:
        wanted = select or self.settings.last_user
        run_in_background(self, lambda _op: users.list_users(self.db),
                          lambda found: self._show_users(found, wanted), self.banner.error)

    def _show_users(self, found: list, wanted: str) -> None:  # type: ignore[type-arg]
        self.people.clear()
        chosen = None
        for user in found:
            item = QListWidgetItem(f"{user.name} — {ROLE_WORDS.get(user.role, user.role)}")
            item.setData(UserRole, SignedInUser(user.id, user.name, user.role,
                                                demo=self.demo))
            item.setSizeHint(QSize(0, self.people.fontMetrics().height() + 14))
            self.people.addItem(item)
            if user.name == wanted:
                chosen = item
        if chosen is None and self.people.count():
            chosen = self.people.item(0)
        if chosen is not None:
            self.people.setCurrentItem(chosen)
            self.people.setFocus()
        else:
            self.banner.info("Nobody is set up yet. Add yourself to start.")
            self.open_add_form()
        self._update_buttons()

    def open_add_form(self) -> None:
        self.add_box.show()
        self.new_name.setFocus()

    def add_user(self) -> None:
        name = self.new_name.text().strip()
        if not name:
            self.banner.warning("Type the new user's name first.")
            self.new_name.setFocus()
            return
        role = self.new_role.currentData()
        run_in_background(self, lambda _op: users.add_user(self.db, name, role),
                          lambda _id: self._user_added(name), self.banner.error)

    def _user_added(self, name: str) -> None:
        self.new_name.clear()
        self.add_box.hide()
        self.banner.success(f"{name} can now sign in.")
        self.load_users(select=name)

    def keyPressEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        # Enter in the new user's name adds them; it must not also sign someone in.
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) \
                and self.add_box.isAncestorOf(self.focusWidget()):
            return
        super().keyPressEvent(event)

    def _update_buttons(self) -> None:
        self.sign_in_button.setEnabled(self.people.currentItem() is not None)

    def accept(self) -> None:
        item = self.people.currentItem()
        if item is None:
            self.banner.warning("Choose your name in the list, or add yourself.")
            return
        self.signed_in = item.data(UserRole)
        self.settings.last_user = self.signed_in.name
        super().accept()
