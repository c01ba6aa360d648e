"""The call screen's keys, declared once: the screen makes its actions from this table
and the keyboard help can list it (``call_screen_keys``).

Outcome keys come from each campaign's template (a digit or a letter): the key alone
works when the focus is not in the form, the notes or the call-back picker, and Alt
with the key works from anywhere on the screen.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QWidget


class CallAction(Enum):
    NEXT_CALL = "next_call"
    NOTHING_CHANGED = "nothing_changed"
    DIAL = "dial"
    ANSWERS = "answers"
    NOTES = "notes"
    BREAK = "break_after_call"
    PUT_BACK = "put_back"
    RETRY = "retry_database"
    BOOK = "book"
    WAITING_LIST = "waiting_list"
    SAVE_CALENDAR = "save_calendar"
    MY_CALLBACKS = "my_callbacks"
    CORRECT_DETAILS = "correct_details"
    UNDO = "undo_last_outcome"


@dataclass(frozen=True, slots=True)
class CallKey:
    text: str
    keys: tuple[str, ...]
    tip: str


KEYS: dict[CallAction, CallKey] = {
    CallAction.NEXT_CALL: CallKey("Next call", ("F5", "Ctrl+N"),
                                  "The next person to call (also Space on the button)"),
    CallAction.NOTHING_CHANGED: CallKey("Nothing has changed", ("Ctrl+U",),
                                        "Record last time's answers again, confirmed by "
                                        "the person"),
    CallAction.DIAL: CallKey("Call the first number", ("Ctrl+D",),
                             "Ring the first number on your softphone"),
    CallAction.ANSWERS: CallKey("Go to the answers", ("Ctrl+Shift+A",),
                                "Put the cursor in the first question"),
    CallAction.NOTES: CallKey("Go to the notes", ("Ctrl+Shift+N",),
                              "Put the cursor in the notes"),
    CallAction.BREAK: CallKey("Break after this call", ("Ctrl+Shift+B",),
                              "Do not load another call after this one"),
    CallAction.PUT_BACK: CallKey("Put this call back", ("Ctrl+Shift+Backspace",),
                                 "Give the call back to the queue without an outcome "
                                 "(your answers so far are kept with it)"),
    CallAction.RETRY: CallKey("Try the database again", ("Ctrl+R",),
                              "When the database could not be reached"),
    CallAction.BOOK: CallKey("Book the time held", ("Ctrl+B",),
                             "Booking campaigns: book the time (or both parts) held"),
    CallAction.WAITING_LIST: CallKey("Put on the waiting list", ("Ctrl+L",),
                                     "Booking campaigns: wait for an earlier place"),
    CallAction.SAVE_CALENDAR: CallKey("Save the calendar file", ("Ctrl+S",),
                                      "Booking campaigns: save the confirmation as .ics"),
    CallAction.MY_CALLBACKS: CallKey("My call-backs", ("Ctrl+K",),
                                     "The call-backs you promised for today and any "
                                     "overdue; Enter rings the chosen one now"),
    CallAction.CORRECT_DETAILS: CallKey("Correct details", ("F2",),
                                        "Add or correct a number, or change the email, "
                                        "name or role, without leaving the call"),
    CallAction.UNDO: CallKey("Undo the last outcome", ("Ctrl+Z",),
                             "Within five minutes: the call comes back to you with what "
                             "you had typed"),
}


def key_text(keys: tuple[str, ...]) -> str:
    return ", ".join(QKeySequence(k).toString(QKeySequence.SequenceFormat.NativeText)
                     for k in keys)


def make_action(parent: QWidget, name: CallAction, slot: Callable[[], object]) -> QAction:
    """The action on the screen, live while the focus is anywhere on it."""
    spec = KEYS[name]
    action = QAction(spec.text, parent)
    action.setObjectName(name.value)
    action.setShortcuts([QKeySequence(k) for k in spec.keys])
    action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
    action.setToolTip(f"{spec.tip} ({key_text(spec.keys)})")
    action.triggered.connect(lambda _checked=False: slot())
    parent.addAction(action)
    return action


def outcome_action(parent: QWidget, key: str, alt: bool, slot: Callable[[], object]
                   ) -> QAction:
    """An outcome's key: plain (not in text or the form) or with Alt (anywhere)."""
    action = QAction(parent)
    sequence = f"Alt+{key.upper()}" if alt else key.upper()
    action.setShortcut(QKeySequence(sequence))
    action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
    action.triggered.connect(lambda _checked=False: slot())
    parent.addAction(action)
    return action


def call_screen_keys() -> list[tuple[str, str, str]]:
    """(where, what, keys) rows for the keyboard help."""
    rows = [("Calls", spec.text, key_text(spec.keys)) for spec in KEYS.values()]
    rows.append(("Calls", "Record an outcome", "the outcome's key (1–9, 0 or a letter) "
                 "outside the form; Alt+key anywhere"))
    rows.append(("Calls", "Confirm a call-back", "Enter (Esc goes back to the call)"))
    return rows
