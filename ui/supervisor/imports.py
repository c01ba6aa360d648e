"""The import screen: the lists imported so far and the rows that needed a look, with
the import wizard one key away (Ctrl+I)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton, QSplitter, QVBoxLayout, QWidget

from outbound import imports
from outbound.clock import to_london
from outbound.imports import ImportSummary
from ui.operations import run_in_background
from ui.services import Services
from ui.settings import remember_splitter
from ui.widgets.banner import MessageBanner
from ui.widgets.common import hint_label, named, section_label, title_label
from ui.widgets.records import Column, RecordTable, RecordTableModel

OUTCOME_WORDS = {"repaired": "Repaired", "invalid_phone": "No usable number",
                 "duplicate": "Duplicate", "error": "Refused", "premium": "Premium rate"}


def _count(run: ImportSummary, key: str) -> int:
    return int(run.counts.get(key, 0))


class ImportsScreen(QWidget):
    def __init__(self, services: Services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.wizard = None
        self.banner = MessageBanner(self)
        self.import_button = named(QPushButton("&Import a call list…"),
                                   "Import a call list", "Ctrl+I")
        self.import_button.clicked.connect(self.open_wizard)

        self.runs: RecordTableModel[ImportSummary] = RecordTableModel([
            Column("When", lambda r: to_london(r.started_at).strftime("%d/%m/%Y %H:%M"),
                   sort_key=lambda r: r.started_at.isoformat()),
            Column("File", lambda r: r.file_name),
            Column("Source", lambda r: r.source),
            Column("By", lambda r: r.imported_by or ""),
            Column("Rows", lambda r: f"{r.rows_read:,}", right=True,
                   sort_key=lambda r: r.rows_read),
            Column("New", lambda r: f"{r.created:,}", right=True, sort_key=lambda r: r.created),
            Column("Updated", lambda r: f"{r.updated:,}", right=True,
                   sort_key=lambda r: r.updated),
            Column("Repaired", lambda r: f"{_count(r, 'repaired'):,}", right=True,
                   sort_key=lambda r: _count(r, "repaired")),
            Column("No usable number", lambda r: f"{_count(r, 'invalid_phone'):,}",
                   right=True, sort_key=lambda r: _count(r, "invalid_phone")),
            Column("Duplicates", lambda r: f"{_count(r, 'duplicate'):,}", right=True,
                   sort_key=lambda r: _count(r, "duplicate")),
            Column("Refused", lambda r: f"{_count(r, 'error'):,}", right=True,
                   sort_key=lambda r: _count(r, "error")),
        ], self)
        self.table = RecordTable(self.runs, "Imported lists")
        self.table.fit_columns((120, 200, 150, 90, 65, 65, 70, 70, 125, 80))
        self.table.sortByColumn(0, Qt.SortOrder.DescendingOrder)  # newest first
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._run_chosen())

        self.issues: RecordTableModel[Any] = RecordTableModel([
            Column("Row", lambda i: str(i.row_number), right=True,
                   sort_key=lambda i: i.row_number),
            Column("Column", lambda i: i.column or ""),
            Column("What", lambda i: OUTCOME_WORDS.get(i.outcome, i.outcome)),
            Column("Why", lambda i: i.message),
        ], self)
        self.issue_table = RecordTable(self.issues, "Rows that needed a look")
        self.issue_table.fit_columns((70, 160, 140))

        lower = QWidget()
        lower_layout = QVBoxLayout(lower)
        lower_layout.setContentsMargins(0, 0, 0, 0)
        lower_layout.addWidget(section_label("Rows of the chosen list that needed a look",
                                             self.issue_table))
        lower_layout.addWidget(self.issue_table)
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.addWidget(self.table)
        self.splitter.addWidget(lower)
        self.splitter.setSizes([380, 260])
        remember_splitter(services.settings, self.splitter, "imports")

        layout = QVBoxLayout(self)
        layout.addWidget(title_label("Imported call lists"))
        layout.addWidget(hint_label("Each import lands whole or not at all. Importing the "
                                    "same list again updates its contacts."))
        layout.addWidget(self.banner)
        layout.addWidget(self.import_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.splitter, 1)
        self.refresh()

    def refresh(self) -> None:
        run_in_background(self, lambda _op: imports.recent_imports(self.services.db),
                          self._show_runs, self.banner.error)

    def _show_runs(self, runs: list[ImportSummary]) -> None:
        self.runs.set_records(runs)
        if runs:
            self.table.selectRow(0)
            self.table.setCurrentIndex(self.table.proxy.index(0, 0))
        self._run_chosen()

    def _run_chosen(self) -> None:
        run = self.table.current_record()
        if run is None:
            self.issues.set_records([])
            return
        run_in_background(self, lambda _op: imports.import_issues(self.services.db, run.id,
                                                                 limit=2000),
                          self.issues.set_records, self.banner.error)

    def open_wizard(self) -> None:
        from ui.supervisor.import_wizard import ImportWizard

        if self.wizard is not None and self.wizard.isVisible():
            self.wizard.raise_()
            self.wizard.activateWindow()
            return
        self.wizard = ImportWizard(self.services, self)
        self.wizard.sig_imported.connect(self._imported)
        self.wizard.open()

    def _imported(self, report: Any) -> None:
        self.banner.success(report.summary().splitlines()[0])
        self.refresh()
