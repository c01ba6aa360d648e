"""The import wizard: choose a file, check its columns, see a dry run, then import.

The import runs off the GUI thread with a progress bar and a Cancel button; a
cancelled or refused import leaves the database exactly as it was.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QWidget, QWizard

from outbound.importing import ImportReport, import_file
from ui.operations import Operation
from ui.services import Services
from ui.supervisor.import_pages import CheckPage, ChooseFilePage, ImportPage, MappingPage


class ImportWizard(QWizard):
    """``sig_imported(report)`` once a list has been saved."""

    sig_imported = Signal(object)

    def __init__(self, services: Services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.setWindowTitle("Import a call list")
        self.setWizardStyle(QWizard.WizardStyle.ClassicStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnLastPage, True)
        self.path: Path | None = None
        self.headers: list[str] = []
        self.sample: list[list[str]] = []
        self.choices: dict[str, str] = {}
        self.overrides: dict[str, str] = {}
        self.choose_page = ChooseFilePage()
        self.mapping_page = MappingPage()
        self.check_page = CheckPage()
        self.import_page = ImportPage()
        for page in (self.choose_page, self.mapping_page, self.check_page, self.import_page):
            self.addPage(page)
        self.resize(860, 620)

    def file_chosen(self, path: Path, headers: list[str], sample: list[list[str]]) -> None:
        if path != self.path:
            self.choices = {}
        self.path, self.headers, self.sample = path, headers, sample

    def run_import(self, operation: Operation, *, dry_run: bool) -> ImportReport:
        """The import itself (on a worker thread)."""
        assert self.path is not None
        return import_file(self.services.db, self.path,
                           source=self.choose_page.source.text().strip() or None,
                           mapping=self.overrides, kind=self.choose_page.kind.currentData(),
                           dry_run=dry_run, imported_by=self.services.user.name,
                           progress=operation.report_progress,
                           cancel=operation.cancel_event)

    def imported(self, report: ImportReport) -> None:
        self.sig_imported.emit(report)

    def reject(self) -> None:
        for page in (self.check_page, self.import_page):
            if page.running:
                page.cancel()  # the import rolls back; nothing is saved
        super().reject()
