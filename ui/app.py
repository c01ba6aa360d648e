"""The QApplication, signing in, and the main window of whoever signed in."""

from __future__ import annotations

import platform
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QApplication

from ui.services import Services, SignedInUser
from ui.settings import Settings

if TYPE_CHECKING:   # loaded after the window shows (ClientSession._open_single_user)
    from outbound.db.database import Database


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


DEMO, SINGLE_USER, TEAM = "demo", "single_user", "team"


class ClientSession(QObject):
    """Signs someone in, shows their window, and after sign-out starts again.

    How someone signs in depends on the database (``kind``):

    - ``team``: a team's PostgreSQL database. Nothing is opened until the person signs
      in with their own user name and password (``ui.signin_team``); the database is
      their own connection, closed again when they sign out. A temporary password must
      be changed first, and the window locks when left idle (``ui.lock``).
    - ``single_user``: an SQLite file. It belongs to the computer's account, which may
      do everything; the window opens straight away.
    - ``demo``: the demo database. Anyone may pick a name from the list.

    ``sig_window_shown(window)`` each time a main window is shown for someone;
    ``sig_frame_shown(window)`` when a single-user file's window shows, before the
    database is open (it is then filled in, and ``sig_window_shown`` follows);
    ``sig_finished`` when the person cancels signing in or the client cannot start
    (the client then closes, with ``exit_status`` 1 for the latter).
    """

    sig_window_shown = Signal(object)
    sig_frame_shown = Signal(object)
    sig_finished = Signal()

    def __init__(self, db: Database | None, settings: Settings | None = None,
                 parent: QObject | None = None, *, run_scheduler: bool = False,
                 kind: str = DEMO, url: str | None = None) -> None:
        super().__init__(parent)
        self.db = db
        self.kind = kind
        self.url = url
        self.settings = settings if settings is not None else Settings()
        self.window = None
        self.dialog = None
        self.lock = None
        self.scheduler: SchedulerLink | None = None
        self.run_scheduler = run_scheduler
        self.refusals: list = []    # sign-ins refused here, written once someone is in
        self.exit_status = 0        # 1 when the client could not start

    def start(self, user: SignedInUser | None = None) -> None:
        """Ask who is signing in (as the database needs), or go straight to ``user``."""
        if user is not None:
            self.open_window(user)
        elif self.kind == TEAM:
            self._ask_team_sign_in()
        elif self.kind == SINGLE_USER:
            self._open_for_computer_account()
        else:
            self._ask_demo_name()

    # -- the three ways in --------------------------------------------------------

    def _ask_demo_name(self) -> None:
        from ui.signin import SignInDialog

        assert self.db is not None
        self.dialog = dialog = SignInDialog(self.db, self.settings, demo=self.kind == DEMO)
        dialog.accepted.connect(lambda: self.open_window(dialog.signed_in))
        dialog.rejected.connect(self._cancelled)
        dialog.open()

    def _open_for_computer_account(self) -> None:
        """Straight in, as the computer's account. With the file already open (tests,
        the self-test), at once; otherwise the window's frame shows first and the
        database layer loads behind it: importing it is most of start-up's work."""
        if self.db is None:
            self._open_single_user()
            return
        from outbound.cli import user_errors
        from outbound.users import computer_user

        try:
            found = computer_user(self.db)
        except user_errors() as exc:
            self._cannot_start(str(exc))
            return
        self.open_window(SignedInUser(found.id, found.name, found.role,
                                      computer_account=True))

    def _open_single_user(self) -> None:
        from ui.main_window import MainWindow
        from ui.operations import run_in_background

        self.window = frame = MainWindow(None, settings=self.settings)
        frame.show()
        self.sig_frame_shown.emit(frame)
        url = self.url

        def work(_op) -> tuple[Database, SignedInUser]:  # type: ignore[no-untyped-def]
            from outbound.cli import load_client_engine
            from outbound.db import open_database
            from outbound.users import computer_user

            load_client_engine()
            db = open_database(url)
            try:
                found = computer_user(db)
            except BaseException:
                db.close()
                raise
            return db, SignedInUser(found.id, found.name, found.role, computer_account=True)

        def opened(result: tuple[Database, SignedInUser]) -> None:
            self.db, user = result
            self.open_window(user)

        run_in_background(self, work, opened, self._cannot_start)

    def _ask_team_sign_in(self) -> None:
        from ui.signin_team import TeamSignInDialog

        self.dialog = dialog = TeamSignInDialog(self.url, self.settings,
                                                refusals=self.refusals)
        dialog.accepted.connect(lambda: self._team_signed_in(dialog.database, dialog.account))
        dialog.rejected.connect(self._cancelled)
        dialog.open()

    def _team_signed_in(self, db: Database, account) -> None:  # type: ignore[no-untyped-def]
        self.db = db
        self._note_refusals(db)
        user = SignedInUser(account.user_id, account.name, account.role, login=account.login)
        if not account.must_change_password:
            self.open_window(user)
            return
        from ui.password_dialog import ChangePasswordDialog

        self.dialog = dialog = ChangePasswordDialog(db, account.login or "", forced=True)
        dialog.accepted.connect(lambda: self.open_window(user))
        dialog.rejected.connect(self._left_before_starting)
        dialog.open()

    def _note_refusals(self, db: Database) -> None:
        """The sign-ins refused on this computer since the last one that worked, in the
        audit trail now that someone can write them (named as the login tried; the
        database stamps the entry with the login that wrote it)."""
        from outbound.audit import record_event
        from outbound.clock import to_london
        from ui.operations import run_in_background

        refused, self.refusals[:] = list(self.refusals), []
        if not refused:
            return
        computer = platform.node() or "this computer"

        def work(_op) -> None:  # type: ignore[no-untyped-def]
            for refusal in refused:
                record_event(
                    db, "sign_in_failed",
                    f"Sign-in as {refusal.login} refused on {computer} at "
                    f"{to_london(refusal.at):%H:%M %d/%m/%Y}.", actor=refusal.login,
                    detail={"login": refusal.login, "at": refusal.at.isoformat(),
                            "computer": computer, "reason": refusal.sentence})

        run_in_background(self, work)

    def _left_before_starting(self) -> None:
        """Signed out from the new-password step: their connection closes, and the
        sign-in asks again."""
        self._close_team_database()
        self.start()

    # -- the window -----------------------------------------------------------------

    def open_window(self, user: SignedInUser) -> None:
        from ui.main_window import MainWindow

        assert self.db is not None
        if self.run_scheduler and self.scheduler is None and self._may_run_scheduler(user):
            self.start_scheduler()
        services = Services(self.db, user, self.settings, self.scheduler)
        frame = self.window
        if isinstance(frame, MainWindow) and frame.services is None:
            frame.begin(services)       # the frame shown while the database opened
        else:
            self.window = MainWindow(services)
        self.window.sig_signed_out.connect(self._signed_out)
        if user.has_password:
            self._watch_idle(self.window, user)
        self._note("signed_in", f"{user.name} signed in.", user.name)
        self.window.show()
        self.sig_window_shown.emit(self.window)

    def _may_run_scheduler(self, user: SignedInUser) -> bool:
        """In a team, only a supervisor's or administrator's login can read what the
        scheduled jobs need (exports of every campaign's answers)."""
        return self.kind != TEAM or user.is_supervisor

    def _watch_idle(self, window, user: SignedInUser) -> None:  # type: ignore[no-untyped-def]
        from outbound.app_settings import DEFAULT_LOCK_AFTER_MINUTES, lock_after_minutes
        from ui.lock import WindowLock
        from ui.operations import run_in_background

        lock = WindowLock(window, window.services.db, user, DEFAULT_LOCK_AFTER_MINUTES)
        self.lock = lock
        db = window.services.db
        run_in_background(lock, lambda _op: lock_after_minutes(db), lock.set_minutes)

    def start_scheduler(self) -> None:
        """Run the campaigns' scheduled jobs in this client (once, whoever signs in)."""
        assert self.db is not None
        self.scheduler = SchedulerLink(self.db, self)
        QTimer.singleShot(STARTUP_GRACE_MS, self.scheduler.start)

    def stop(self) -> None:
        if self.scheduler is not None:
            self.scheduler.shutdown()
        if self.kind == TEAM:
            self._close_team_database()

    def _note(self, action: str, summary: str, who: str, *, db: Database | None = None,
              then: Callable[[], None] | None = None) -> None:
        """An audit entry for a sign-in or out, written off the GUI thread; ``then``
        runs once it is written (or could not be)."""
        from outbound.audit import record_event
        from ui.operations import run_in_background

        into = db or self.db
        if into is None:
            return
        after = (lambda _result: then()) if then is not None else None
        run_in_background(self, lambda _op: record_event(into, action, summary, actor=who),
                          after, after)

    def _signed_out(self) -> None:
        old, self.window, self.lock = self.window, None, None
        db = self.db
        if self.kind == TEAM:
            # Their connection, and the jobs that ran as them, end with them.
            self._stop_scheduler()
            self.db = None
        close = db.close if self.kind == TEAM and db is not None else None
        if old is not None:
            name = old.services.user.name
            self._note("signed_out", f"{name} signed out.", name, db=db, then=close)
        elif close is not None:
            close()
        self.start()
        if old is not None:
            old.deleteLater()

    def _stop_scheduler(self) -> None:
        if self.scheduler is not None:
            self.scheduler.shutdown()
            self.scheduler.deleteLater()
            self.scheduler = None

    def _close_team_database(self) -> None:
        db, self.db = self.db, None
        if db is not None:
            db.close()

    def _cannot_start(self, message: str) -> None:
        from ui.launch import show_start_error

        print(f"Error: {message}", file=sys.stderr)
        self.exit_status = 1
        if self.window is not None:       # the frame shown while the database opened
            self.window.close()
            self.window.deleteLater()
            self.window = None
        show_start_error(message)
        self.sig_finished.emit()

    def _cancelled(self) -> None:
        if self.window is None:
            self.sig_finished.emit()


def run_client(db: Database | None, user: SignedInUser | None = None, *,
               kind: str = DEMO, url: str | None = None) -> int:
    """Run the client until it closes. ``db`` is None for a team (``url``): each person
    opens it as themselves when they sign in."""
    app = make_application()
    session = ClientSession(db, run_scheduler=True, kind=kind, url=url)
    session.sig_finished.connect(app.quit)
    app.aboutToQuit.connect(session.stop)
    session.start(user)
    status = app.exec()
    return status or session.exit_status
