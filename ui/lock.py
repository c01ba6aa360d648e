"""Locking the client when it is left alone (team mode).

After the council's number of minutes without keyboard or mouse input
(``outbound.app_settings.lock_after_minutes``), or at once with Lock now, every window
of the client is covered and a small window asks for the person's password. Nothing
underneath is touched: a call on screen stays held (its lease is renewed as before)
with whatever had been typed, and a question that was open is still open after
unlocking. The password is checked by the database, off the GUI thread.

The password window is application-modal, so it takes the keyboard even when a dialog
of the client was open, and no shortcut of a covered window can act while locked.
"""

from __future__ import annotations

import shiboken6
from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from outbound.db.database import Database
from outbound.team import accounts
from ui.operations import run_in_background
from ui.services import SignedInUser
from ui.widgets.banner import MessageBanner
from ui.widgets.common import confirm, hint_label, named, title_label

INPUT_EVENTS = frozenset({
    QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.MouseMove,
    QEvent.Type.Wheel, QEvent.Type.TouchBegin, QEvent.Type.TabletPress,
})


class Cover(QFrame):
    """A plain panel over the whole of one window, hiding what is on it."""

    def __init__(self, window: QWidget, text: str) -> None:
        super().__init__(window)
        self.setObjectName("lock_cover")
        self.setAutoFillBackground(True)
        label = QLabel(text)
        # At the top: the password window sits over the middle.
        label.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        label.setWordWrap(True)
        label.setProperty("role", "screen-title")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 48, 24, 24)
        layout.addWidget(label)
        self.setGeometry(window.rect())
        window.installEventFilter(self)
        self.raise_()
        self.show()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize and watched is self.parent():
            self.setGeometry(self.parentWidget().rect())
        elif event.type() == QEvent.Type.ChildAdded:
            self.raise_()       # a status-bar message or new panel stays underneath
        return False

    def remove(self) -> None:
        parent = self.parentWidget()
        if parent is not None and shiboken6.isValid(parent):
            parent.removeEventFilter(self)
        self.hide()
        self.deleteLater()


class LockDialog(QDialog):
    """Name shown, password, Unlock and Sign out. It cannot be closed any other way.

    ``sig_unlocked`` once the password is right; ``sig_sign_out`` when the person would
    rather sign out (someone else's turn at the desk).
    """

    sig_unlocked = Signal()
    sig_sign_out = Signal()

    def __init__(self, db: Database, user: SignedInUser, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db = db
        self.busy = False
        self._closing = False
        self.setWindowTitle("Outbound is locked")
        self.setWindowModality(Qt.WindowModality.ApplicationModal)
        self.setMinimumWidth(400)
        self.banner = MessageBanner(self)
        self.banner.grow_window = True
        self.password = named(QLineEdit(), "Password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        form = QFormLayout()
        form.addRow("&Password:", self.password)
        self.unlock_button = named(QPushButton("&Unlock"), "Unlock")
        self.unlock_button.setDefault(True)
        self.unlock_button.clicked.connect(self.unlock)
        self.sign_out_button = named(QPushButton("Sign &out"), "Sign out",
                                     "Sign out so someone else can sign in")
        self.sign_out_button.clicked.connect(self._sign_out)
        buttons = QHBoxLayout()
        buttons.addWidget(self.sign_out_button)
        buttons.addStretch(1)
        buttons.addWidget(self.unlock_button)
        layout = QVBoxLayout(self)
        self.title = title_label(f"Locked: {user.name}")
        layout.addWidget(self.title)
        layout.addWidget(hint_label(
            f"Outbound is locked for {user.name}. Type your password to carry on "
            "where you left off." + (" You signed in with this computer's account: "
                                     "leave it empty." if _signed_in_without_password(db)
                                     else "")))
        layout.addWidget(self.banner)
        layout.addLayout(form)
        layout.addLayout(buttons)
        self.password.setFocus()

    def unlock(self) -> None:
        if self.busy:
            return
        password = self.password.text()
        if not password and not _signed_in_without_password(self.db):
            self.banner.warning("Type your password.")
            self.password.setFocus()
            return
        self.busy = True
        self.unlock_button.setEnabled(False)
        db = self.db
        run_in_background(self, lambda _op: accounts.verify_password(db, password),
                          self._checked, self._failed)

    def _checked(self, right: bool) -> None:
        if right:
            self.busy = False
            self.unlock_button.setEnabled(True)
            self.password.clear()
            self.banner.hide()
            self.sig_unlocked.emit()
            return
        self._failed("That is not your password. Check Caps Lock and type it again, "
                     "or sign out.")

    def _failed(self, sentence: str) -> None:
        self.busy = False
        self.unlock_button.setEnabled(True)
        self.banner.error(sentence)
        self.password.clear()
        self.password.setFocus()

    def _sign_out(self) -> None:
        if confirm(self, "Sign out", "Sign out now?\n\nA call on screen goes back to the "
                   "queue with what was typed, so another agent may call them.",
                   "Sign out"):
            self.sig_sign_out.emit()

    def reject(self) -> None:      # Esc: stays locked
        self.password.setFocus()

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self._closing:
            event.ignore()          # the window's close button: stays locked
            return
        super().closeEvent(event)

    def put_away(self) -> None:
        self._closing = True
        self.hide()


def _signed_in_without_password(db: Database) -> bool:
    """Signed in by the computer's account (single sign-on): no password to type."""
    password = getattr(db, "password", None)
    return password is None or password.value is None


class WindowLock(QObject):
    """Watches for input anywhere in the client and locks ``window`` after ``minutes``
    without any; ``sig_locked`` and ``sig_unlocked`` say when."""

    sig_locked = Signal()
    sig_unlocked = Signal()

    def __init__(self, window, db: Database, user: SignedInUser,  # type: ignore[no-untyped-def]
                 minutes: int) -> None:
        super().__init__(window)
        self.window = window
        self.db = db
        self.user = user
        self.covers: list[Cover] = []
        self.dialog: LockDialog | None = None
        self._focus: QWidget | None = None
        self.idle_timer = QTimer(self)
        self.idle_timer.setSingleShot(True)
        self.idle_timer.timeout.connect(self.lock)
        self.set_minutes(minutes)
        window.sig_lock_requested.connect(self.lock)
        window.sig_signed_out.connect(self.stop)
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)
        self.idle_timer.start()

    def set_minutes(self, minutes: int) -> None:
        self.idle_timer.setInterval(max(1, minutes) * 60_000)

    @property
    def locked(self) -> bool:
        return self.dialog is not None

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in INPUT_EVENTS and self.dialog is None:
            self.idle_timer.start()
        return False

    def lock(self) -> None:
        if self.dialog is not None or not self.window.isVisible():
            return
        self.idle_timer.stop()
        self._focus = QApplication.focusWidget()
        windows = [self.window] + [
            w for w in QApplication.topLevelWidgets()
            if w is not self.window and w.isVisible() and isinstance(w, QDialog)]
        self.covers = [Cover(w, f"Locked: {self.user.name}" if w is self.window
                             else "Locked") for w in windows]
        self.dialog = LockDialog(self.db, self.user, self.window)
        self.dialog.sig_unlocked.connect(self.unlock)
        self.dialog.sig_sign_out.connect(self._sign_out)
        self.dialog.show()
        self.dialog.raise_()
        self.dialog.activateWindow()
        self.dialog.password.setFocus()
        self.sig_locked.emit()

    def unlock(self) -> None:
        self._put_away()
        focus = self._focus
        self._focus = None
        if focus is not None and shiboken6.isValid(focus) and focus.isVisible():
            focus.activateWindow()
            focus.setFocus(Qt.FocusReason.OtherFocusReason)
        self.idle_timer.start()
        self.sig_unlocked.emit()

    def _sign_out(self) -> None:
        self._put_away()
        self.window.sign_out(asked=True)

    def _put_away(self) -> None:
        for cover in self.covers:
            if shiboken6.isValid(cover):
                cover.remove()
        self.covers = []
        if self.dialog is not None:
            self.dialog.put_away()
            self.dialog.deleteLater()
            self.dialog = None

    def stop(self) -> None:
        """Signed out: no more watching, nothing left on screen."""
        self.idle_timer.stop()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)
        self._put_away()
