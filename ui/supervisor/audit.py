"""The audit screen: who did what to whose data, searched and exported.

For supervisors and the information governance team. Entries can never be changed or
removed; exporting them is itself an entry.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from outbound.audit import ACTIONS, AuditEntry, AuditFilter, export_audit, search_audit
from outbound.clock import london_day, to_london, utcnow
from outbound.schedule import export_folder
from outbound.text import count_of
from ui.actions import ScreenAction, create_action
from ui.operations import run_in_background
from ui.services import Services
from ui.widgets.banner import MessageBanner
from ui.widgets.common import hint_label, named, screen_toolbar, title_label
from ui.widgets.records import Column, RecordTable, RecordTableModel

PERIODS = (("Today", 0), ("The last 7 days", 6), ("The last 30 days", 29),
           ("The last year", 364), ("Any time", None))
SHOWN = 500

AskPath = Callable[[QWidget, str], str]


def ask_save_path(parent: QWidget, suggested: str) -> str:
    chosen, _ = QFileDialog.getSaveFileName(
        parent, "Save the audit entries as", suggested,
        "Excel workbook (*.xlsx);;CSV file (*.csv)")
    return chosen


class AuditScreen(QWidget):
    def __init__(self, services: Services, parent: QWidget | None = None, *,
                 ask_path: AskPath = ask_save_path) -> None:
        super().__init__(parent)
        self.services = services
        self.ask_path = ask_path
        self.banner = MessageBanner(self)
        self.person = named(QLineEdit(), "Person's contact number")
        self.person.setPlaceholderText("any person")
        self.who = named(QLineEdit(), "Who did it")
        self.who.setPlaceholderText("anyone")
        self.action = named(QComboBox(), "Action")
        self.action.addItem("Any action", None)
        for code, words in ACTIONS.items():
            self.action.addItem(words, code)
        self.period = named(QComboBox(), "When")
        for words, days in PERIODS:
            self.period.addItem(words, days)
        self.period.setCurrentIndex(1)
        self.words = named(QLineEdit(), "Words in the entry")
        self.words.setPlaceholderText("a name, a file, a reference")
        self.search_button = QPushButton("&Search")
        self.search_button.clicked.connect(self.refresh)
        for edit in (self.person, self.who, self.words):
            edit.returnPressed.connect(self.refresh)
        self.period.activated.connect(lambda _i: self.refresh())
        self.action.activated.connect(lambda _i: self.refresh())

        self.model: RecordTableModel[AuditEntry] = RecordTableModel([
            Column("When", lambda e: f"{to_london(e.at):%a %d/%m/%Y %H:%M:%S}",
                   sort_key=lambda e: e.id),
            Column("Who", lambda e: e.actor),
            Column("Action", lambda e: e.action_words),
            Column("Person", lambda e: "" if e.contact_id is None else
                   f"{e.contact_id}: {e.person or 'no longer held'}",
                   sort_key=lambda e: e.contact_id or 0),
            Column("What happened", lambda e: e.summary),
        ], self)
        self.table = RecordTable(self.model, "Audit entries")
        self.table.fit_columns((170, 120, 200, 160))
        self.table.sortByColumn(0, Qt.SortOrder.DescendingOrder)     # newest first
        self.export_action = create_action(self, ScreenAction.EXPORT_AUDIT, self.export)

        filters = QFormLayout()
        first = QHBoxLayout()
        first.addWidget(self.person)
        first.addWidget(self.who)
        first.addWidget(self.action)
        first.addWidget(self.period)
        filters.addRow("Person, who, action, when:", first)
        second = QHBoxLayout()
        second.addWidget(self.words, 1)
        second.addWidget(self.search_button)
        filters.addRow("Words:", second)
        self.count = hint_label()
        layout = QVBoxLayout(self)
        layout.addWidget(title_label("Audit trail"))
        layout.addWidget(hint_label(
            "Who did what to whose data, newest first, by the database's clock (UK time). "
            "Entries can never be changed or removed; an export is recorded here too."))
        layout.addWidget(self.banner)
        layout.addWidget(screen_toolbar([self.export_action], "Audit actions"))
        layout.addLayout(filters)
        layout.addWidget(self.count)
        layout.addWidget(self.table, 1)
        self.refresh()

    def focus_search(self) -> None:
        self.words.setFocus()
        self.words.selectAll()

    def current_filter(self) -> AuditFilter:
        """The filter the boxes say; ValueError with a sentence for a bad person number."""
        person_text = self.person.text().strip()
        if person_text and not person_text.isdigit():
            raise ValueError(f"“{person_text}” is not a contact number.")
        days = self.period.currentData()
        today = london_day(utcnow())
        return AuditFilter(
            contact_id=int(person_text) if person_text else None,
            actor=self.who.text().strip() or None, action=self.action.currentData(),
            date_from=None if days is None else today - timedelta(days=days),
            text=self.words.text().strip() or None)

    def refresh(self) -> None:
        try:
            where = self.current_filter()
        except ValueError as exc:
            self.banner.error(str(exc))
            return
        self.banner.hide()
        db = self.services.db
        run_in_background(self, lambda _op: search_audit(db, where, limit=SHOWN + 1),
                          self._show, self.banner.error)

    def _show(self, found: list[AuditEntry]) -> None:
        self.model.set_records(found[:SHOWN])
        if not found:
            self.count.setText("No entries match.")
        elif len(found) > SHOWN:
            self.count.setText(f"The newest {SHOWN:,} entries that match; export them all "
                               "to see the rest.")
        else:
            self.count.setText(f"{count_of(len(found), 'entry', 'entries')}.")
        if found:
            self.table.selectRow(0)

    def export(self) -> None:
        try:
            where = self.current_filter()
        except ValueError as exc:
            self.banner.error(str(exc))
            return
        folder = export_folder(self.services.settings.export_folder or None)
        suggested = str(folder / f"audit-{london_day(utcnow())}.xlsx")
        chosen = self.ask_path(self, suggested)
        if not chosen:
            return
        out = Path(chosen).expanduser()
        if out.suffix.lower() not in (".csv", ".xlsx"):
            out = out.with_suffix(".xlsx")
        fmt = out.suffix.lower().lstrip(".")
        db, actor = self.services.db, self.services.user.name
        self.export_action.setEnabled(False)
        self.banner.info(f"Writing {out.name}…")

        def done(count: Any) -> None:
            self.export_action.setEnabled(True)
            self.banner.success(f"Wrote {count_of(count, 'audit entry', 'audit entries')} "
                                f"to {out}.")
            self.refresh()

        def failed(message: str) -> None:
            self.export_action.setEnabled(True)
            self.banner.error(message)

        run_in_background(self, lambda _op: export_audit(db, out, fmt=fmt, where=where,
                                                         actor=actor), done, failed)
