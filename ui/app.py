"""The QApplication, signing in, and the main window of whoever signed in."""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QApplication

from outbound.db.database import Database
from ui.services import Services, SignedInUser
from ui.settings import Settings


def make_application(argv: list[str] | None = None) -> QApplication:
    app = QApplication.instance()
    if isinstance(app, QApplication):
        return app
    app = QApplication(argv if argv is not None else sys.argv[:1])
    app.setApplicationName("Outbound")
    app.setOrganizationName("Outbound")
    app.setApplicationDisplayName("Outbound")
    from ui import theme

    theme.apply(app)
    return app


class ClientSession(QObject):
    """Asks who is signing in, shows their window, and asks again after sign-out.

    ``sig_window_shown(window)`` each time a main window is shown; ``sig_finished``
    when the person cancels signing in (the client then closes).
    """

    sig_window_shown = Signal(object)
    sig_finished = Signal()

    def __init__(self, db: Database, settings: Settings | None = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.db = db
        self.settings = settings if settings is not None else Settings()
        self.window = None
        self.dialog = None

    def start(self, user: SignedInUser | None = None) -> None:
        """Show the sign-in dialog, or go straight to ``user``'s window."""
        if user is not None:
            self.open_window(user)
            return
        from ui.signin import SignInDialog

        self.dialog = SignInDialog(self.db, self.settings)
        self.dialog.accepted.connect(lambda: self.open_window(self.dialog.signed_in))
        self.dialog.rejected.connect(self._cancelled)
        self.dialog.open()

    def open_window(self, user: SignedInUser) -> None:
        from ui.main_window import MainWindow

        self.window = MainWindow(Services(self.db, user, self.settings))
        self.window.sig_signed_out.connect(self._signed_out)
        self.window.show()
        self.sig_window_shown.emit(self.window)

    def _signed_out(self) -> None:
        old = self.window
        self.window = None
        self.start()
        if old is not None:
            old.deleteLater()

    def _cancelled(self) -> None:
        if self.window is None:
            self.sig_finished.emit()


def run_client(db: Database, user: SignedInUser | None = None) -> int:
    app = make_application()
    session = ClientSession(db)
    session.sig_finished.connect(app.quit)
    session.start(user)
    return app.exec()
