"""Every action of the client, with its words and keyboard shortcut, declared once.

Screens and the main window ask for an action by name (``create_action(parent,
ScreenAction.NEW_CAMPAIGN, slot)``) rather than building ``QAction``s inline, so the
shortcuts are all in this file, the help lists them from here, and two actions cannot
quietly claim the same keys (Picard's ``ui/mainwindow/actions.py``, Spyder's
``create_action``). Window actions work on every screen; screen actions belong to one
screen and work only while it is shown, so two screens may reuse a key.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QWidget


class MainAction(Enum):
    """Actions of the whole window."""

    SHOW_CALLS = "show_calls"
    SHOW_CAMPAIGNS = "show_campaigns"
    SHOW_IMPORT = "show_import"
    SHOW_CONTACTS = "show_contacts"
    SHOW_ASSIGNMENT = "show_assignment"
    SHOW_DASHBOARD = "show_dashboard"
    SHOW_JOBS = "show_jobs"
    SHOW_AUDIT = "show_audit"
    SHOW_RIGHTS = "show_rights"
    IMPORT_LIST = "import_list"
    EXPORT_ANSWERS = "export_answers"
    FIND = "find"
    REFRESH = "refresh"
    SHORTCUTS = "shortcuts"
    CHANGE_PASSWORD = "change_password"
    LOCK = "lock"
    SIGN_OUT = "sign_out"
    QUIT = "quit"


class ScreenAction(Enum):
    """Actions of one screen."""

    NEW_CAMPAIGN = "new_campaign"
    EDIT_CAMPAIGN = "edit_campaign"
    PAUSE_CAMPAIGN = "pause_campaign"
    RESUME_CAMPAIGN = "resume_campaign"
    CLOSE_CAMPAIGN = "close_campaign"
    ENROL_CONTACTS = "enrol_contacts"
    MAKE_TODAYS_CALLS = "make_todays_calls"
    SEND_TEST_MESSAGE = "send_test_message"
    STOP_CALLING = "stop_calling"
    ALLOW_CALLS = "allow_calls"
    ALLOW_PREMIUM = "allow_premium"
    ASSIGN_TO_AGENT = "assign_to_agent"
    ASSIGN_EVENLY = "assign_evenly"
    ASSIGN_BY_DISTRICT = "assign_by_district"
    RETURN_TO_POOL = "return_to_pool"
    RELEASE_HELD = "release_held"
    ESCALATION_BACK = "escalation_back"
    ESCALATION_CLOSE = "escalation_close"
    REVIEW_FLAG = "review_flag"
    RUN_JOB_NOW = "run_job_now"
    EXPORT_AUDIT = "export_audit"


Key = str | QKeySequence.StandardKey


@dataclass(frozen=True, slots=True)
class ActionSpec:
    text: str
    shortcut: Key
    tip: str
    icon: str | None = None
    screen: str = ""          # the screen a ScreenAction belongs to, for the help


SPECS: dict[MainAction | ScreenAction, ActionSpec] = {
    MainAction.SHOW_CALLS: ActionSpec("&Calls", "Ctrl+1", "The call screen", "calls"),
    MainAction.SHOW_CAMPAIGNS: ActionSpec("Ca&mpaigns", "Ctrl+2", "Campaigns", "campaigns"),
    MainAction.SHOW_IMPORT: ActionSpec("&Import", "Ctrl+3", "Imported call lists", "import"),
    MainAction.SHOW_CONTACTS: ActionSpec("C&ontacts", "Ctrl+4", "Everyone who may be called",
                                         "contacts"),
    MainAction.SHOW_ASSIGNMENT: ActionSpec("&Assignment", "Ctrl+5",
                                           "Give calls to agents", "assignment"),
    MainAction.SHOW_DASHBOARD: ActionSpec("&Dashboard", "Ctrl+6", "Progress today",
                                          "dashboard"),
    MainAction.SHOW_JOBS: ActionSpec("Scheduled &jobs", "Ctrl+7",
                                     "Rounds and exports that run by themselves", "jobs"),
    MainAction.SHOW_AUDIT: ActionSpec("A&udit trail", "Ctrl+8",
                                      "Who did what to whose data", "info"),
    MainAction.SHOW_RIGHTS: ActionSpec("&People's rights", "Ctrl+9",
                                       "Copies of a person's data, erasure, legal holds, "
                                       "retention and suppression lists", "info"),
    MainAction.IMPORT_LIST: ActionSpec("&Import a call list…", "Ctrl+I",
                                       "Bring in a CSV or Excel list of people to call",
                                       "import"),
    MainAction.EXPORT_ANSWERS: ActionSpec("&Export answers…", "Ctrl+E",
                                          "Write answers to a file for commissioners",
                                          "export"),
    MainAction.FIND: ActionSpec("&Find", QKeySequence.StandardKey.Find,
                                "Go to the search box of this screen"),
    MainAction.REFRESH: ActionSpec("&Refresh", "F5", "Show the latest figures"),
    MainAction.SHORTCUTS: ActionSpec("&Keyboard shortcuts", "F1",
                                     "List every keyboard shortcut"),
    MainAction.CHANGE_PASSWORD: ActionSpec("&Change my password…", "Ctrl+Shift+W",
                                           "Choose a new password for signing in"),
    # Not Ctrl+L: the call screen puts a person on the waiting list with it.
    MainAction.LOCK: ActionSpec("&Lock now", "Ctrl+Shift+L",
                                "Hide the screen until you type your password again"),
    MainAction.SIGN_OUT: ActionSpec("&Sign out", "Ctrl+Shift+O",
                                    "Let someone else sign in on this computer"),
    MainAction.QUIT: ActionSpec("&Quit", "Ctrl+Q", "Close Outbound"),

    ScreenAction.NEW_CAMPAIGN: ActionSpec("&New campaign…", "Ctrl+N",
                                          "Start a campaign from a template", "add",
                                          "Campaigns"),
    ScreenAction.EDIT_CAMPAIGN: ActionSpec("&Change…", "F2",
                                           "Change the dates, owner or calling hours",
                                           "edit", "Campaigns"),
    ScreenAction.PAUSE_CAMPAIGN: ActionSpec("&Pause", "Ctrl+P",
                                            "Stop handing out its calls for now", "pause",
                                            "Campaigns"),
    ScreenAction.RESUME_CAMPAIGN: ActionSpec("&Resume", "Ctrl+R",
                                             "Hand out its calls again", "resume",
                                             "Campaigns"),
    ScreenAction.CLOSE_CAMPAIGN: ActionSpec("C&lose campaign", "Ctrl+Shift+X",
                                            "Finish the campaign for good", "close",
                                            "Campaigns"),
    ScreenAction.ENROL_CONTACTS: ActionSpec("&Enrol contacts…", "Ctrl+Shift+E",
                                            "Add contacts to the campaign by source or "
                                            "district", "enrol", "Campaigns"),
    ScreenAction.MAKE_TODAYS_CALLS: ActionSpec("Make &today's calls", "Ctrl+G",
                                               "Make today's round (or reminders) ready "
                                               "to call", "round", "Campaigns"),
    ScreenAction.SEND_TEST_MESSAGE: ActionSpec("Send a test &message…", "Ctrl+Shift+M",
                                               "Send one of this campaign's messages to "
                                               "your own number or address first", None,
                                               "Campaigns"),
    ScreenAction.STOP_CALLING: ActionSpec("&Stop calling…", "Ctrl+D",
                                          "Never call this person again, in any campaign",
                                          "stop", "Contacts"),
    ScreenAction.ALLOW_CALLS: ActionSpec("&Allow calls again…", "Ctrl+Shift+D",
                                         "Lift a do-not-call", "resume", "Contacts"),
    ScreenAction.ALLOW_PREMIUM: ActionSpec("Allow &premium-rate number…", "Ctrl+Shift+R",
                                           "Let agents call this person's premium-rate "
                                           "number, which costs the council", "resume",
                                           "Contacts"),
    ScreenAction.ASSIGN_TO_AGENT: ActionSpec("Give to &one agent", "Ctrl+T",
                                             "Put the selected calls on one agent's list",
                                             "assignment", "Assignment"),
    ScreenAction.ASSIGN_EVENLY: ActionSpec("Share &evenly", "Ctrl+Shift+T",
                                           "Share the selected calls between the ticked "
                                           "agents", "assignment", "Assignment"),
    ScreenAction.ASSIGN_BY_DISTRICT: ActionSpec("By &district…", "Ctrl+B",
                                                "Give each district's calls to one agent",
                                                "contacts", "Assignment"),
    ScreenAction.RETURN_TO_POOL: ActionSpec("Back to the &pool", "Ctrl+Shift+P",
                                            "Let any agent take the selected calls",
                                            "pool", "Assignment"),
    ScreenAction.RELEASE_HELD: ActionSpec("&Release held calls", "Ctrl+Shift+U",
                                          "Return the calls an absent agent is holding",
                                          "release", "Assignment"),
    ScreenAction.ESCALATION_BACK: ActionSpec("Back to the &queue", "Ctrl+Shift+B",
                                             "Let agents call this person again",
                                             "resume", "Dashboard"),
    ScreenAction.ESCALATION_CLOSE: ActionSpec("&Close the call", "Ctrl+Shift+X",
                                              "Nothing more to do for this person",
                                              "close", "Dashboard"),
    ScreenAction.REVIEW_FLAG: ActionSpec("&Mark as seen", "Ctrl+M",
                                         "The flagged answer has been looked at", "info",
                                         "Dashboard"),
    ScreenAction.RUN_JOB_NOW: ActionSpec("&Run now", "Ctrl+R",
                                         "Run the chosen job now", "round",
                                         "Scheduled jobs"),
    ScreenAction.EXPORT_AUDIT: ActionSpec("E&xport entries…", "Ctrl+Shift+S",
                                          "Write the entries shown to a file", "export",
                                          "Audit trail"),
}


def key_text(spec: ActionSpec) -> str:
    """The shortcut as a person reads it ("Ctrl+Shift+E")."""
    return QKeySequence(spec.shortcut).toString(QKeySequence.SequenceFormat.NativeText)


def create_action(parent: QWidget, name: MainAction | ScreenAction,
                  slot: Callable[[], object] | None = None) -> QAction:
    """The action ``name`` on ``parent``, its shortcut live while ``parent`` is shown."""
    from ui import theme

    spec = SPECS[name]
    action = QAction(spec.text, parent)
    action.setObjectName(name.value)
    action.setShortcut(QKeySequence(spec.shortcut))
    action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
    action.setToolTip(f"{spec.tip} ({key_text(spec)})")
    action.setStatusTip(spec.tip)
    if spec.icon:
        action.setIcon(theme.icon(spec.icon))
    if slot is not None:
        action.triggered.connect(lambda _checked=False: slot())
    parent.addAction(action)
    return action


def shortcut_table() -> list[tuple[str, str, str]]:
    """(where, what, keys) for every action, for the keyboard shortcuts help."""
    rows = []
    for name, spec in SPECS.items():
        where = "Everywhere" if isinstance(name, MainAction) else spec.screen
        rows.append((where, spec.text.replace("&", "").rstrip("…"), key_text(spec)))
    return rows
