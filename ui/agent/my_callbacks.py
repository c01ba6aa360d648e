"""My call-backs: the call-backs the agent promised for today and any overdue, beside
the call, and one key to ring the chosen one now.

Ctrl+K shows the list and puts the cursor in it (again, or Esc, hides it). Each row
gives the time (London), the person and their organisation, the campaign and the note
left when the call-back was booked; overdue ones say so. Enter (or "Ring now") makes
the chosen one the agent's call through the engine's claim rules, which may refuse
(someone else is on it, the person may not be called, outside calling hours): the
screen then says why. The list follows the day: it is read again when an outcome is
recorded, when a call loads, and on the screen's timers.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor, QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from outbound.campaigns.template import CampaignTemplate
from outbound.clock import london_day, to_london
from outbound.queue.callbacks import CallbackRefused, PromisedCallback, promised_callbacks
from outbound.queue.callbacks import take_callback as engine_take
from outbound.text import count_of
from ui.agent.call_data import CallCard, is_connection_problem, load_taken_card
from ui.operations import run_in_background

if TYPE_CHECKING:
    from ui.agent.call_screen import CallScreen

OVERDUE = QColor(200, 40, 40)
COLUMNS = ("Time", "Person", "Organisation", "Campaign", "Note")


def when_text(item: PromisedCallback, now: datetime) -> str:
    """"15:00" today; "Tue 24 Nov 15:00" for an earlier day; "Overdue: " before either."""
    local = to_london(item.callback_at)
    shown = f"{local:%H:%M}" if local.date() == london_day(now) else f"{local:%a %d %b %H:%M}"
    return f"Overdue: {shown}" if item.overdue else shown


def take_and_load(db: Any, agent: str, task_id: int, template: CampaignTemplate,
                  now: datetime, folder: Path | None) -> CallCard | str:
    """Take the call-back and load it; a sentence when it cannot be taken."""
    try:
        task = engine_take(db, agent, task_id, now=now)
    except CallbackRefused as exc:
        return str(exc)
    except Exception as exc:
        if is_connection_problem(exc):
            return "Can't reach the database, so the call-back could not be taken."
        raise
    return load_taken_card(db, agent, task, template, now, folder)


class _List(QTreeWidget):
    sig_enter = Signal()
    sig_escape = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.sig_enter.emit()
            return
        if event.key() == Qt.Key.Key_Escape:
            self.sig_escape.emit()
            return
        super().keyPressEvent(event)


class MyCallbacks(QFrame):
    """The panel; ``sig_take(task_id)`` when the agent asks to ring one now."""

    sig_take = Signal(int)
    sig_closed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("myCallbacks")
        self.setAccessibleName("My call-backs")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAutoFillBackground(True)       # laid over the call, so it must be opaque
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.items: list[PromisedCallback] = []
        self._running = False
        self.title = QLabel("My call-backs")
        self.title.setObjectName("sectionTitle")
        self.list = _List()
        self.list.setAccessibleName("My call-backs: today's and overdue")
        self.list.setColumnCount(len(COLUMNS))
        self.list.setHeaderLabels(list(COLUMNS))
        self.list.setRootIsDecorated(False)
        self.list.setUniformRowHeights(True)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.list.sig_enter.connect(self.take_selected)
        self.list.sig_escape.connect(self.sig_closed.emit)
        self.list.itemDoubleClicked.connect(lambda *_: self.take_selected())
        self.empty = QLabel("No call-backs promised for today.")
        self.empty.setWordWrap(True)
        self.ring_button = QPushButton("Ring now")
        self.ring_button.setAccessibleName("Ring the chosen call-back now")
        self.ring_button.setToolTip("Make the chosen call-back your call now (Enter)")
        self.ring_button.clicked.connect(self.take_selected)
        self.hint = QLabel("Enter: ring now · Esc: back to the call")
        self.hint.setObjectName("keysHint")
        buttons = QHBoxLayout()
        buttons.addWidget(self.hint, 1)
        buttons.addWidget(self.ring_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.addWidget(self.title)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.empty, 1, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(buttons)
        self.show_list([], None)

    def refresh(self, db: Any, agent: str, now: datetime) -> None:
        if self._running:
            return
        self._running = True
        run_in_background(self, lambda _op: promised_callbacks(db, agent, now=now),
                          lambda items: self._loaded(items, now), self._failed)

    def _loaded(self, items: list[PromisedCallback], now: datetime) -> None:
        self._running = False
        self.show_list(items, now)

    def _failed(self, _message: str) -> None:
        self._running = False

    def show_list(self, items: list[PromisedCallback], now: datetime | None) -> None:
        chosen = self.selected()
        self.items = list(items)
        self.list.clear()
        for item in self.items:
            when = when_text(item, now) if now is not None else ""
            row = QTreeWidgetItem([when, item.name, item.organisation or "",
                                   item.campaign, item.note or ""])
            row.setData(0, Qt.ItemDataRole.UserRole, item.task_id)
            row.setToolTip(4, item.note or "")
            spoken = (f"{'Overdue, ' if item.overdue else ''}{when}, {item.name}"
                      f"{', ' + item.organisation if item.organisation else ''}, "
                      f"{item.campaign}{': ' + item.note if item.note else ''}")
            for column in range(len(COLUMNS)):
                row.setData(column, Qt.ItemDataRole.AccessibleTextRole, spoken)
            if item.overdue:
                for column in range(len(COLUMNS)):
                    row.setForeground(column, QBrush(OVERDUE))
                font = row.font(0)
                font.setBold(True)
                row.setFont(0, font)
            self.list.addTopLevelItem(row)
        overdue = sum(1 for i in self.items if i.overdue)
        title = "My call-backs"
        if self.items:
            title += f": {count_of(len(self.items), 'call-back')} to make"
            if overdue:
                title += f", {overdue} overdue"
        self.title.setText(title)
        self.empty.setVisible(not self.items)
        self.list.setVisible(bool(self.items))
        self.ring_button.setEnabled(bool(self.items))
        if self.items:
            keep = next((n for n, i in enumerate(self.items)
                         if chosen is not None and i.task_id == chosen.task_id), 0)
            self.list.setCurrentItem(self.list.topLevelItem(keep))
        for column in range(len(COLUMNS) - 1):
            self.list.resizeColumnToContents(column)

    def selected(self) -> PromisedCallback | None:
        row = self.list.currentItem()
        if row is None:
            return None
        task_id = row.data(0, Qt.ItemDataRole.UserRole)
        return next((i for i in self.items if i.task_id == task_id), None)

    def take_selected(self) -> None:
        item = self.selected()
        if item is not None:
            self.sig_take.emit(item.task_id)

    def focus_list(self) -> None:
        """The list, or the panel itself when there is nothing in it (so Esc still
        closes it)."""
        (self.list if self.items else self).setFocus(Qt.FocusReason.ShortcutFocusReason)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.sig_closed.emit()
            return
        super().keyPressEvent(event)


def take_now(screen: CallScreen, task_id: int) -> None:
    """Make the call-back the screen's call, or say why not."""
    panel = screen.callbacks
    if screen.state == "call":
        screen.notice.say("Finish this call first: choose an outcome, or put it back "
                          "(Ctrl+Shift+Backspace), then ring the call-back.", "info",
                          kind="hint")
        return
    if screen.state != "idle":
        return
    item = next((i for i in panel.items if i.task_id == task_id), None)
    choice = next((c for c in screen.campaigns if item and c.id == item.campaign_id), None)
    if item is None or choice is None:
        screen.notice.say("That call-back's campaign is not running now.", "warning",
                          kind="hint")
        return
    screen.state = "loading"
    db, agent, now, folder = screen.db, screen.agent, screen.clock(), screen.folder

    def done(result: CallCard | str) -> None:
        if isinstance(result, str):
            screen.state = "idle"
            screen.notice.say(result, "warning", kind="hint")
            panel.refresh(db, agent, screen.clock())
            return
        screen.select_campaign(choice.id)       # while loading: no queue look-up
        screen.show_card(result)

    def failed(message: str) -> None:
        screen.state = "idle"
        screen.notice.say(f"The call-back could not be taken. {message}", "error",
                          kind="hint")

    run_in_background(screen, lambda _op: take_and_load(db, agent, task_id,
                                                        choice.template, now, folder),
                      done, failed)
