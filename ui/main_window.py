"""The main window: a list of screens on the left, the chosen screen on the right.

The window only holds navigation, the window-wide actions and the status bar. Each
screen lives in its own module and is built the first time it is shown, so opening
the window costs one screen, not seven. Agents see the call screen only.

A screen is a ``QWidget`` built as ``Screen(services, parent)``; it may offer
``refresh()``, ``focus_search()``, ``screen_shown()``, ``screen_hidden()`` and
``close_screen()``, which the window calls when they exist.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from dataclasses import dataclass

import shiboken6
from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QShortcut
from PySide6.QtWidgets import (
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QSplitter,
    QStackedWidget,
    QToolButton,
    QWidget,
)

from ui import theme
from ui.actions import MainAction, create_action
from ui.services import Services
from ui.settings import Settings, remember_splitter
from ui.widgets.common import ScreenMessage

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ScreenSpec:
    key: str
    title: str
    icon: str
    action: MainAction
    factory: str            # "module:Class", imported when the screen is first shown
    for_agents: bool = False
    for_administrators_only: bool = False


SCREENS: tuple[ScreenSpec, ...] = (
    ScreenSpec("calls", "Calls", "calls", MainAction.SHOW_CALLS,
               "ui.agent.call_screen:CallScreen", for_agents=True),
    ScreenSpec("campaigns", "Campaigns", "campaigns", MainAction.SHOW_CAMPAIGNS,
               "ui.supervisor.campaigns:CampaignsScreen"),
    ScreenSpec("import", "Import", "import", MainAction.SHOW_IMPORT,
               "ui.supervisor.imports:ImportsScreen"),
    ScreenSpec("contacts", "Contacts", "contacts", MainAction.SHOW_CONTACTS,
               "ui.supervisor.contacts:ContactsScreen"),
    ScreenSpec("assignment", "Assignment", "assignment", MainAction.SHOW_ASSIGNMENT,
               "ui.supervisor.assignment:AssignmentScreen"),
    ScreenSpec("dashboard", "Dashboard", "dashboard", MainAction.SHOW_DASHBOARD,
               "ui.supervisor.dashboard:DashboardScreen"),
    ScreenSpec("jobs", "Scheduled jobs", "jobs", MainAction.SHOW_JOBS,
               "ui.supervisor.jobs:JobsScreen"),
    ScreenSpec("audit", "Audit trail", "info", MainAction.SHOW_AUDIT,
               "ui.supervisor.audit:AuditScreen"),
    ScreenSpec("rights", "People's rights", "info", MainAction.SHOW_RIGHTS,
               "ui.admin.rights:RightsScreen", for_administrators_only=True),
)
NOT_INSTALLED = ("The call screen is not installed in this copy of Outbound. Ask whoever "
                 "looks after Outbound for a version with the agent's call screen.")


def build_screen(spec: ScreenSpec, services: Services, parent: QWidget) -> QWidget:
    """The screen, or a sentence saying why it cannot be shown (never a crash)."""
    module_name, class_name = spec.factory.split(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name and module_name.startswith(exc.name):
            return ScreenMessage(spec.title, NOT_INSTALLED if spec.key == "calls" else
                                 f"The {spec.title.lower()} screen is not installed.", parent)
        log.exception("screen %s could not be loaded", spec.key)
        return ScreenMessage(spec.title, f"This screen could not be opened: {exc}", parent)
    try:
        screen: QWidget = getattr(module, class_name)(services, parent)
    except Exception as exc:  # a fault in one screen must not stop the others
        log.exception("screen %s could not be built", spec.key)
        return ScreenMessage(spec.title, f"This screen could not be opened: {exc}", parent)
    return screen


class MainWindow(QMainWindow):
    """``sig_signed_out`` when the person signs out (the window has closed itself);
    ``sig_lock_requested`` when they ask to lock it (team mode: ``ui.lock`` does it)."""

    sig_signed_out = Signal()
    sig_lock_requested = Signal()

    def __init__(self, services: Services | None, parent: QWidget | None = None, *,
                 settings: Settings | None = None) -> None:
        """The window of whoever ``services`` names; with None, only its frame, saying
        the database is being opened, until :meth:`begin` (start-up shows the window
        first and loads the database layer after)."""
        super().__init__(parent)
        self.services: Services = None  # type: ignore[assignment]  # set by begin()
        self.specs: list[ScreenSpec] = []
        self.screens: dict[str, QWidget] = {}
        self._current: str | None = None
        self._signing_out = False
        self._asked = False         # sign out or quit asked already
        self._listening = False     # to the theme and the scheduler, from begin() to close
        self.setWindowTitle("Outbound")
        chosen = services.settings if services is not None else settings
        if chosen is None or not self.restoreGeometry(chosen.window_geometry):
            self.resize(1200, 760)
        if services is None:
            self.setCentralWidget(ScreenMessage("Starting Outbound",
                                                "Opening the database…"))
        else:
            self.begin(services)

    def begin(self, services: Services) -> None:
        """Fill the window for the person signed in: their screens, actions and status
        bar, and the screen they last used."""
        self.services = services
        self._listening = True
        # Ends with the application's name, which the window system then does not add again.
        self.setWindowTitle(f"{services.user.name} — Outbound")
        user = services.user
        self.specs = [s for s in SCREENS if s.for_agents or (
            user.is_supervisor and (user.is_administrator or not s.for_administrators_only))]

        self.navigation = QListWidget()
        self.navigation.setObjectName("navigation")
        self.navigation.setAccessibleName("Screens")
        self.navigation.setIconSize(QSize(20, 20))
        self.stack = QStackedWidget()
        self.stack.setAccessibleName("Screen")
        for spec in self.specs:
            item = QListWidgetItem(theme.icon(spec.icon), spec.title)
            item.setData(Qt.ItemDataRole.AccessibleTextRole, spec.title)
            item.setSizeHint(QSize(0, self.fontMetrics().height() + 18))
            self.navigation.addItem(item)
            self.stack.addWidget(QWidget())  # replaced by the screen when first shown
        self.navigation.setMinimumWidth(150)
        self.navigation.currentRowChanged.connect(self._row_chosen)

        self.splitter = QSplitter()
        self.splitter.setObjectName("main_splitter")
        self.splitter.addWidget(self.navigation)
        self.splitter.addWidget(self.stack)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([180, 1020])
        self.splitter.setChildrenCollapsible(False)
        self.navigation.setVisible(len(self.specs) > 1)  # an agent has one screen
        self.setCentralWidget(self.splitter)
        remember_splitter(services.settings, self.splitter, "main")

        self.actions_by_name: dict[MainAction, QAction] = {}
        self._make_actions()
        self._make_status_bar()
        theme.events.sig_changed.connect(self._restyle)

        settings = services.settings
        self.restoreState(settings.window_state)
        keys = [s.key for s in self.specs]
        last = settings.last_screen
        self.show_screen(last if last in keys else
                         ("campaigns" if "campaigns" in keys else keys[0]))

    # -- navigation ---------------------------------------------------------------

    def _make_actions(self) -> None:
        for spec in self.specs:
            self.actions_by_name[spec.action] = create_action(
                self, spec.action, lambda key=spec.key: self.show_screen(key))
        handlers: dict[MainAction, Callable[[], object]] = {
            MainAction.FIND: lambda: self._call_screen("focus_search"),
            MainAction.REFRESH: lambda: self._call_screen("refresh"),
            MainAction.SHORTCUTS: self.show_shortcuts,
            MainAction.QUIT: self.quit,
        }
        user = self.services.user
        if not user.computer_account:     # a single-user file has nobody to hand over to
            handlers[MainAction.SIGN_OUT] = self.sign_out
        if user.has_password:
            handlers[MainAction.CHANGE_PASSWORD] = self.change_password
            handlers[MainAction.LOCK] = self.sig_lock_requested.emit
        if self.services.user.is_supervisor:
            handlers[MainAction.IMPORT_LIST] = self.import_list
            handlers[MainAction.EXPORT_ANSWERS] = self.export_answers
        for name, slot in handlers.items():
            self.actions_by_name[name] = create_action(self, name, slot)

        menus = self.menuBar()
        file_menu = menus.addMenu("&File")
        for name in (MainAction.IMPORT_LIST, MainAction.EXPORT_ANSWERS, None,
                     MainAction.CHANGE_PASSWORD, MainAction.LOCK, MainAction.SIGN_OUT,
                     MainAction.QUIT):
            if name is None:
                file_menu.addSeparator()
            elif name in self.actions_by_name:
                file_menu.addAction(self.actions_by_name[name])
        view_menu = menus.addMenu("&View")
        for spec in self.specs:
            view_menu.addAction(self.actions_by_name[spec.action])
        view_menu.addSeparator()
        view_menu.addAction(self.actions_by_name[MainAction.FIND])
        view_menu.addAction(self.actions_by_name[MainAction.REFRESH])
        menus.addMenu("&Help").addAction(self.actions_by_name[MainAction.SHORTCUTS])

    def _make_status_bar(self) -> None:
        self.database_label = QLabel(f"Database: {self.services.db.description}")
        self.database_label.setAccessibleName("Database in use")
        self.user_label = QLabel(f"Signed in as {self.services.user.describe()}")
        self.user_label.setAccessibleName("Signed in as")
        self.overdue_button = QToolButton()
        self.overdue_button.setAutoRaise(True)
        self.overdue_button.setAccessibleName("Overdue call-backs")
        self.overdue_button.setIcon(theme.icon("warning"))
        self.overdue_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.overdue_button.clicked.connect(lambda: self.show_screen("dashboard"))
        self.overdue_button.hide()
        self.statusBar().addWidget(self.database_label, 1)
        self.statusBar().addPermanentWidget(self.overdue_button)
        self.statusBar().addPermanentWidget(self.user_label)
        scheduler = self.services.scheduler
        if scheduler is not None:
            scheduler.callbacks_overdue.connect(self.show_overdue)

    def show_overdue(self, overdue: list) -> None:  # type: ignore[type-arg]
        """The scheduler's five-minute look at call-backs nobody has taken."""
        mine = [c for c in overdue if self.services.user.is_supervisor
                or c.owner in (None, self.services.user.name)]
        self.overdue_button.setVisible(bool(mine))
        if mine:
            count = len(mine)
            self.overdue_button.setText(
                f"{count} call-back{'s' if count != 1 else ''} overdue")
            self.overdue_button.setToolTip("\n".join(
                f"{c.contact_name}, due {c.callback_at.astimezone():%H:%M}"
                for c in mine[:10]))

    def screen_keys(self) -> list[str]:
        return [s.key for s in self.specs]

    def current_screen_key(self) -> str | None:
        return self._current

    def screen(self, key: str) -> QWidget:
        """The screen ``key``, built now if it has not been shown yet."""
        if key not in self.screens:
            index = self.screen_keys().index(key)
            built = build_screen(self.specs[index], self.services, self.stack)
            old = self.stack.widget(index)
            self.stack.insertWidget(index, built)
            self.stack.removeWidget(old)
            old.deleteLater()
            self.screens[key] = built
        return self.screens[key]

    def show_screen(self, key: str) -> QWidget | None:
        if key not in self.screen_keys():
            return None
        index = self.screen_keys().index(key)
        if self.navigation.currentRow() != index:
            self.navigation.setCurrentRow(index)  # comes back through _row_chosen
        else:
            self._row_chosen(index)
        return self.screens.get(key)

    def _row_chosen(self, row: int) -> None:
        if row < 0:
            return
        key = self.specs[row].key
        if key == self._current:
            return
        if self._current is not None:
            self._call_screen("screen_hidden")
        screen = self.screen(key)
        self._yield_shortcuts_to(screen)
        self.stack.setCurrentIndex(row)
        self._current = key
        self.services.settings.last_screen = key
        self._call_screen("screen_shown")
        screen.setFocus(Qt.FocusReason.OtherFocusReason)

    def _yield_shortcuts_to(self, screen: QWidget) -> None:
        """A screen's own keys win over the window's: a window action whose shortcut
        the screen also uses (F5 for the next call, say) is off while it is shown."""
        taken = {k.toString() for a in screen.findChildren(QAction) for k in a.shortcuts()}
        taken |= {s.key().toString() for s in screen.findChildren(QShortcut)}
        taken.discard("")
        for action in self.actions_by_name.values():
            action.setEnabled(action.shortcut().toString() not in taken)

    def _call_screen(self, method: str, key: str | None = None) -> None:
        screen = self.screens.get(key or self._current or "")
        handler = getattr(screen, method, None)
        if callable(handler):
            handler()

    # -- window actions -----------------------------------------------------------

    def import_list(self) -> None:
        screen = self.show_screen("import")
        opener = getattr(screen, "open_wizard", None)
        if callable(opener):
            opener()

    def export_answers(self) -> None:
        from ui.supervisor.export_dialog import ExportDialog

        dialog = ExportDialog(self.services, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    def show_shortcuts(self) -> None:
        from ui.actions import shortcut_table
        from ui.widgets.shortcuts import ShortcutsDialog

        # Only what this person can use: an agent is not shown the supervisors' keys.
        mine = {action.text().replace("&", "").rstrip("…")
                for action in self.actions_by_name.values()}
        screens = {spec.title for spec in self.specs}
        rows = [row for row in shortcut_table()
                if (row[1] in mine if row[0] == "Everywhere" else row[0] in screens)]
        if any(spec.key == "calls" for spec in self.specs):   # the call screen's own keys
            try:
                from ui.agent.keys import call_screen_keys
            except ImportError:   # the call screen says why it is missing
                pass
            else:
                rows += call_screen_keys()
        dialog = ShortcutsDialog(rows, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    def change_password(self) -> None:
        from ui.password_dialog import ChangePasswordDialog

        dialog = ChangePasswordDialog(self.services.db, self.services.user.login or "",
                                      parent=self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    def sign_out(self, *, asked: bool = False) -> None:
        """``asked``: the person has already agreed (on the lock screen, say)."""
        if not asked and not self._may_leave_call("Sign out"):
            return
        self._signing_out = True
        self._asked = True
        self.close()

    def quit(self) -> None:
        """Ctrl+Q: close Outbound (asked first when a call is on screen)."""
        if not self._may_leave_call("Quit"):
            return
        self._asked = True
        self.close()

    def ask(self, title: str, text: str, yes: str) -> bool:
        from ui.widgets.common import confirm

        return confirm(self, title, text, yes)

    def _may_leave_call(self, leaving: str) -> bool:
        """Mid-call, signing out or quitting asks first: the call is put back in the
        queue (not kept held), with what was typed, so another agent may call them."""
        screen = self.screens.get("calls")
        on_call = getattr(screen, "on_call_with", None)
        name = on_call() if callable(on_call) else None
        if not name:
            return True
        return self.ask(leaving, f"You are on a call with {name}. {leaving} now?\n\n"
                        "The call goes back to the queue with what you have typed, so "
                        "another agent may call them.", f"{leaving} and put the call back")

    def _restyle(self) -> None:
        for row, spec in enumerate(self.specs):
            self.navigation.item(row).setIcon(theme.icon(spec.icon))

    def _stop_listening(self) -> None:
        """The theme and the scheduler outlive this window (the scheduler serves whoever
        signs in next): a closed window stops hearing from them at once, not only when
        Qt deletes it."""
        if not self._listening:
            return
        self._listening = False
        theme.events.sig_changed.disconnect(self._restyle)
        scheduler = self.services.scheduler
        if scheduler is not None and shiboken6.isValid(scheduler):
            scheduler.callbacks_overdue.disconnect(self.show_overdue)

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.services is None:      # closed while the database was being opened
            super().closeEvent(event)
            return
        asked, self._asked = self._asked, False
        if event.spontaneous() and not asked and not self._may_leave_call("Quit"):
            event.ignore()          # the window's close button, mid-call, and Cancel
            return
        settings = self.services.settings
        settings.window_geometry = self.saveGeometry()
        settings.window_state = self.saveState()
        settings.set_splitter_state("main", self.splitter.saveState())
        for key in list(self.screens):
            self._call_screen("close_screen", key)
        self._stop_listening()
        settings.sync()
        super().closeEvent(event)
        if self._signing_out:
            self._signing_out = False
            self.sig_signed_out.emit()
