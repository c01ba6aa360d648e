"""The QApplication, signing in, and the main window of whoever signed in."""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, QTimer, Signal
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


STARTUP_GRACE_MS = 2000  # let the window come up before the jobs start


class SchedulerLink(QObject):
    """Stands for the client's JobScheduler (``ui.scheduler``), started a moment after
    the window shows so start-up does not wait for it; screens connect to these signals.
    """

    job_finished = Signal(object)
    callbacks_overdue = Signal(object)

    def __init__(self, db: Database, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.db = db
        self.scheduler = None

    def start(self) -> None:
        try:
            from outbound.schedule import export_folder
            from ui.scheduler import JobScheduler
        except ImportError:  # a copy without the scheduler: the jobs run elsewhere
            return
        self.scheduler = JobScheduler(self.db, export_to=export_folder(), parent=self)
        self.scheduler.job_finished.connect(self.job_finished)
        self.scheduler.callbacks_overdue.connect(self.callbacks_overdue)
        self.scheduler.start()

    def rebuild(self) -> None:
        if self.scheduler is not None:
            self.scheduler.rebuild()

    def shutdown(self) -> None:
        if self.scheduler is not None:
            self.scheduler.shutdown()


class ClientSession(QObject):
    """Asks who is signing in, shows their window, and asks again after sign-out.

    ``sig_window_shown(window)`` each time a main window is shown; ``sig_finished``
    when the person cancels signing in (the client then closes).
    """

    sig_window_shown = Signal(object)
    sig_finished = Signal()

    def __init__(self, db: Database, settings: Settings | None = None,
                 parent: QObject | None = None, *, run_scheduler: bool = False) -> None:
        super().__init__(parent)
        self.db = db
        self.settings = settings if settings is not None else Settings()
        self.window = None
        self.dialog = None
        self.scheduler = None
        self.run_scheduler = run_scheduler

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

        if self.run_scheduler and self.scheduler is None:
            self.start_scheduler()
        self.window = MainWindow(Services(self.db, user, self.settings, self.scheduler))
        self.window.sig_signed_out.connect(self._signed_out)
        self._note("signed_in", f"{user.name} signed in.", user.name)
        self.window.show()
        self.sig_window_shown.emit(self.window)

    def start_scheduler(self) -> None:
        """Run the campaigns' scheduled jobs in this client (once, whoever signs in)."""
        self.scheduler = SchedulerLink(self.db, self)
        QTimer.singleShot(STARTUP_GRACE_MS, self.scheduler.start)

    def stop(self) -> None:
        if self.scheduler is not None:
            self.scheduler.shutdown()

    def _note(self, action: str, summary: str, who: str) -> None:
        """An audit entry for a sign-in or out, written off the GUI thread."""
        from outbound.audit import record_event
        from ui.operations import run_in_background

        db = self.db
        run_in_background(self, lambda _op: record_event(db, action, summary, actor=who))

    def _signed_out(self) -> None:
        old = self.window
        self.window = None
        if old is not None:
            name = old.services.user.name
            self._note("signed_out", f"{name} signed out.", name)
        self.start()
        if old is not None:
            old.deleteLater()

    def _cancelled(self) -> None:
        if self.window is None:
            self.sig_finished.emit()


def run_client(db: Database, user: SignedInUser | None = None) -> int:
    app = make_application()
    session = ClientSession(db, run_scheduler=True)
    session.sig_finished.connect(app.quit)
    app.aboutToQuit.connect(session.stop)
    session.start(user)
    return app.exec()
