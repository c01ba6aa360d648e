"""The main window: contacts and the imports that brought them in."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QFileDialog,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QTableView,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from outbound import contacts, imports
from outbound.db.database import Database
from outbound.importing import ImportReport, import_file
from ui.contacts.table_model import ContactTableModel
from ui.operations import Operation, run_in_background


class MainWindow(QMainWindow):
    def __init__(self, db: Database) -> None:
        super().__init__()
        self.db = db
        self.setWindowTitle(f"Outbound — {db.description}")
        self.resize(1200, 760)

        self.search = QLineEdit(placeholderText="Search by name, reference, postcode or number")
        self.search.setAccessibleName("Search contacts")
        self.search.setClearButtonEnabled(True)
        self._search_timer = QTimer(self, singleShot=True, interval=250)
        self._search_timer.timeout.connect(self.reload_contacts)
        self.search.textChanged.connect(self._search_timer.start)

        self.model = ContactTableModel(lambda ids: contacts.contact_rows(db, ids), self)
        self.table = QTableView()
        self.table.setAccessibleName("Contacts")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(24)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)
        for column, width in enumerate((260, 200, 150, 120, 90, 130, 90)):
            self.table.setColumnWidth(column, width)

        self.imports = QTreeWidget()
        self.imports.setAccessibleName("Imports")
        self.imports.setRootIsDecorated(False)
        self.imports.setHeaderLabels(["When", "File", "Source", "Rows", "New", "Updated",
                                      "Repaired", "No usable number", "Duplicates",
                                      "Refused"])

        left = QWidget()
        layout = QVBoxLayout(left)
        layout.setContentsMargins(8, 8, 8, 0)
        layout.addWidget(self.search)
        layout.addWidget(self.table)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(left)
        splitter.addWidget(self.imports)
        splitter.setSizes([560, 180])
        self.setCentralWidget(splitter)

        self.status = QLabel()
        self.statusBar().addWidget(self.status)
        self.import_action = QAction("&Import a call list…", self)
        self.import_action.setShortcut(QKeySequence("Ctrl+I"))
        self.import_action.triggered.connect(self.choose_import_file)
        find = QAction("&Find", self, shortcut=QKeySequence.StandardKey.Find)
        find.triggered.connect(self.search.setFocus)
        menu = self.menuBar().addMenu("&File")
        menu.addAction(self.import_action)
        menu.addAction(find)
        self.addAction(find)
        self.reload_contacts()
        self.reload_imports()

    def reload_contacts(self) -> None:
        where = contacts.ContactFilter(search=self.search.text().strip() or None)
        run_in_background(self, lambda _op: contacts.contact_ids(self.db, where),
                          self._show_ids, self._show_error)

    def _show_ids(self, ids: list[int]) -> None:
        self.model.set_ids(ids)
        self.status.setText(f"{len(ids):,} contacts")

    def reload_imports(self) -> None:
        run_in_background(self, lambda _op: imports.recent_imports(self.db),
                          self._show_imports, self._show_error)

    def _show_imports(self, runs: list[imports.ImportSummary]) -> None:
        self.imports.clear()
        for run in runs:
            c = run.counts
            item = QTreeWidgetItem([
                run.started_at.astimezone().strftime("%d/%m/%Y %H:%M"), run.file_name,
                run.source, f"{run.rows_read:,}", f"{run.created:,}", f"{run.updated:,}",
                f"{c.get('repaired', 0):,}", f"{c.get('invalid_phone', 0):,}",
                f"{c.get('duplicate', 0):,}", f"{c.get('error', 0):,}"])
            self.imports.addTopLevelItem(item)

    def choose_import_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Import a call list", "",
                                              "Call lists (*.csv *.xlsx);;All files (*)")
        if path:
            self.start_import(path)

    def start_import(self, path: str) -> Operation:
        self.import_action.setEnabled(False)
        self.status.setText("Importing…")
        return run_in_background(
            self, lambda op: import_file(self.db, path, progress=op.report_progress,
                                         cancel=op.cancel_event),
            self._import_done, self._import_failed,
            lambda done, total: self.status.setText(f"Importing… {done:,} rows"))

    def _import_done(self, report: ImportReport) -> None:
        self.import_action.setEnabled(True)
        self.reload_contacts()
        self.reload_imports()
        QMessageBox.information(self, "Import finished", report.summary())

    def _import_failed(self, message: str) -> None:
        self.import_action.setEnabled(True)
        self.status.setText("Import not done")
        QMessageBox.warning(self, "Import not done", message)

    def _show_error(self, message: str) -> None:
        self.status.setText(message)
