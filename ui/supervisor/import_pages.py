"""The pages of the import wizard: the file, its columns, the check, and the import.

The wizard (``import_wizard``) holds what the pages share: the file, its headings, a
sample of rows, the supervisor's column choices and the reports.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWizard,
    QWizardPage,
)

from outbound.importing import ImportReport, MappingError, open_table, resolve_mapping
from outbound.importing.columns import FIELDS, IGNORE, guess_mapping
from ui.operations import Operation, run_in_background
from ui.widgets.banner import MessageBanner
from ui.widgets.busy import BusyBar
from ui.widgets.common import buddy_label, hint_label, named
from ui.widgets.figures import FigureGrid

if TYPE_CHECKING:
    from ui.supervisor.import_wizard import ImportWizard

SAMPLE_ROWS = 20
KEEP = "__keep__"
OUTCOME_WORDS = {"valid": "Valid", "repaired": "Repaired", "invalid_phone": "No usable number",
                 "duplicate": "Duplicate", "error": "Refused", "premium": "Premium rate"}
COUNT_CAPTIONS = {"valid": "valid", "repaired": "repaired", "invalid_phone":
                  "with no usable number", "duplicate": "duplicates", "error": "refused"}


def _wizard(page: QWizardPage) -> ImportWizard:
    return page.wizard()  # type: ignore[return-value]


class ChooseFilePage(QWizardPage):
    def __init__(self) -> None:
        super().__init__()
        self.setTitle("Choose the call list")
        self.setSubTitle("A CSV or Excel (XLSX) file with a heading row.")
        self.banner = MessageBanner(self)
        self.path = named(QLineEdit(), "File to import")
        self.path.setPlaceholderText("The file's full path, or press Browse")
        self.path.textChanged.connect(lambda _t: self.completeChanged.emit())
        self.browse = named(QPushButton("&Browse…"), "Browse for the file")
        self.browse.clicked.connect(self.choose_file)
        self.source = named(QLineEdit(), "Where the list came from")
        self.source.setPlaceholderText("For example: CQC care homes, February 2026")
        self.kind = named(QComboBox(), "What each row is")
        self.kind.addItem("A person", "person")
        self.kind.addItem("An organisation (a care home, say)", "organisation")
        row = QHBoxLayout()
        row.addWidget(self.path, 1)
        row.addWidget(self.browse)
        form = QFormLayout()
        form.addRow(buddy_label("&File:", self.path), row)
        form.addRow("&Source:", self.source)
        form.addRow("&Each row is:", self.kind)
        self.busy = BusyBar(self)
        self.read: tuple[Path, list[str], list[list[str]]] | None = None
        self.reading = False
        self._starting = False
        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addWidget(self.busy)
        layout.addLayout(form)
        layout.addWidget(hint_label(
            "The source keeps lists apart: a reference (a CQC location ID, a badge "
            "number) is unique within its source, and importing the same list again "
            "updates its contacts rather than adding them twice."))
        layout.addStretch(1)

    def choose_file(self) -> None:
        wizard = _wizard(self)
        start = wizard.services.settings.import_folder
        path, _ = QFileDialog.getOpenFileName(self, "Choose a call list", start,
                                              "Call lists (*.csv *.xlsx);;All files (*)")
        if path:
            self.path.setText(path)
            wizard.services.settings.import_folder = str(Path(path).parent)

    def isComplete(self) -> bool:
        return bool(self.path.text().strip()) and not self.reading

    def validatePage(self) -> bool:
        """Go on once the file's headings and first rows have been read, in the
        background: a big workbook on a network drive takes a while to open."""
        path = Path(self.path.text().strip()).expanduser()
        if self.read is not None and self.read[0] == path:
            _path, headers, sample = self.read
            if not self.source.text().strip():
                self.source.setText(path.stem.replace("_", " "))
            _wizard(self).file_chosen(path, headers, sample)
            self.banner.hide()
            return True
        if self.reading:
            return False
        if not path.is_file():
            self.banner.warning(f"There is no file at {path}.")
            return False
        self.reading = True
        self.busy.start(f"Reading {path.name}…", cancellable=False)
        self.completeChanged.emit()
        self._starting = True
        try:
            run_in_background(self, lambda _op: _head_of(path), self._read, self._unreadable)
        finally:
            self._starting = False
        if self.read is not None and self.read[0] == path:
            return self.validatePage()   # it was read at once (background work run inline)
        return False

    def _read(self, read: tuple[Path, list[str], list[list[str]]]) -> None:
        self.reading = False
        self.busy.finish()
        self.read = read
        self.completeChanged.emit()
        wizard = _wizard(self)
        if not self._starting and wizard.isVisible() and wizard.currentPage() is self:
            wizard.next()

    def _unreadable(self, message: str) -> None:
        self.reading = False
        self.busy.finish()
        self.banner.warning(message)  # ImportRefused says what is wrong in one sentence
        self.completeChanged.emit()


def _head_of(path: Path) -> tuple[Path, list[str], list[list[str]]]:
    """A file's headings and first rows (raises ImportRefused, in a sentence)."""
    with open_table(path) as table:
        headers = list(table.info.headers)
        sample = []
        for _number, cells in table.rows():
            sample.append(cells)
            if len(sample) >= SAMPLE_ROWS:
                break
    return path, headers, sample


class MappingPage(QWizardPage):
    """A field for each column, guessed from its heading; a person can change any."""

    def __init__(self) -> None:
        super().__init__()
        self.setTitle("Check what each column holds")
        self.setSubTitle("Outbound guessed from the headings. Change any that are wrong.")
        self.banner = MessageBanner(self)
        self.columns = named(QTableWidget(0, 3), "Columns of the file")
        self.columns.setHorizontalHeaderLabels(["Column heading", "First values", "Holds"])
        self.columns.verticalHeader().hide()
        self.columns.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.columns.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.columns.setTabKeyNavigation(False)  # Tab goes from one column's choice to the next
        self.columns.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        header = self.columns.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        self.preview = named(QTableWidget(), "First rows of the file")
        self.preview.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.preview.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        self.combos: dict[str, QComboBox] = {}
        self.guessed: dict[str, str] = {}
        self.mapping: dict[str, str] = {}
        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addWidget(self.columns, 3)
        preview_label = QLabel("&Preview of the first rows:")
        preview_label.setBuddy(self.preview)
        layout.addWidget(preview_label)
        layout.addWidget(self.preview, 2)

    def initializePage(self) -> None:
        wizard = _wizard(self)
        headers, sample = wizard.headers, wizard.sample
        self.guessed = guess_mapping(headers)
        self.combos.clear()
        self.columns.setRowCount(len(headers))
        for row, heading in enumerate(headers):
            examples = ", ".join(v for v in (r[row] for r in sample[:3] if row < len(r)) if v)
            self.columns.setItem(row, 0, QTableWidgetItem(heading))
            self.columns.setItem(row, 1, QTableWidgetItem(examples))
            combo = named(QComboBox(), f"What the column {heading} holds")
            if heading not in self.guessed:
                combo.addItem("Keep as an extra detail", KEEP)
            combo.addItem("Ignore this column", IGNORE)
            for code, label in FIELDS.items():
                combo.addItem(label, code)
            chosen = wizard.choices.get(heading, self.guessed.get(heading, KEEP))
            combo.setCurrentIndex(max(0, combo.findData(chosen)))
            combo.currentIndexChanged.connect(lambda _i: self._changed())
            self.columns.setCellWidget(row, 2, combo)
            self.combos[heading] = combo
        self.preview.setColumnCount(len(headers))
        self.preview.setRowCount(len(sample))
        for r, cells in enumerate(sample):
            for c, value in enumerate(cells[:len(headers)]):
                self.preview.setItem(r, c, QTableWidgetItem(value))
        self._changed()

    def choose(self, heading: str, field: str) -> None:
        """Say that column ``heading`` holds ``field`` ("-" to ignore it)."""
        combo = self.combos[heading]
        combo.setCurrentIndex(combo.findData(field))

    def overrides(self) -> dict[str, str]:
        """The choices that differ from the guesses, as the importer takes them."""
        result = {}
        for heading, combo in self.combos.items():
            chosen = combo.currentData()
            if chosen != self.guessed.get(heading, KEEP) and chosen != KEEP:
                result[heading] = chosen
        return result

    def _changed(self) -> None:
        wizard = _wizard(self)
        wizard.choices = {h: c.currentData() for h, c in self.combos.items()}
        try:
            self.mapping = resolve_mapping(wizard.headers, self.overrides())
        except MappingError as exc:
            self.mapping = {}
            self.banner.warning(str(exc).replace(' with --map "Column=name"', "")
                                .replace(' with --map "Column=phone"', ""))
        else:
            self.banner.hide()
        labels = []
        for heading in wizard.headers:
            field = self.mapping.get(heading)
            words = ("ignored" if field == IGNORE else FIELDS.get(field, "extra detail")
                     if field else "extra detail")
            labels.append(f"{heading}\n→ {words}")
        self.preview.setHorizontalHeaderLabels(labels)
        self.completeChanged.emit()

    def isComplete(self) -> bool:
        return bool(self.mapping)

    def validatePage(self) -> bool:
        _wizard(self).overrides = self.overrides()
        return bool(self.mapping)


class _RunPage(QWizardPage):
    """A page that runs the import (checking or for real) and shows its report."""

    dry_run = True

    def __init__(self) -> None:
        super().__init__()
        self.banner = MessageBanner(self)
        self.busy = BusyBar(self)
        self.busy.sig_cancel_requested.connect(self.cancel)
        self.figures = FigureGrid(dict(COUNT_CAPTIONS), columns=5)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setAccessibleName("Summary")
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.issues = named(QTableWidget(0, 4), "Rows that need a look")
        self.issues.setHorizontalHeaderLabels(["Row", "Column", "What", "Why"])
        self.issues.verticalHeader().hide()
        self.issues.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.issues.horizontalHeader().setStretchLastSection(True)
        self.issues.setColumnWidth(0, 60)
        self.issues.setColumnWidth(1, 140)
        self.issues.setColumnWidth(2, 130)
        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addWidget(self.busy)
        layout.addWidget(self.figures)
        layout.addWidget(self.summary)
        self.issues_label = QLabel("Rows that need a &look:")
        self.issues_label.setBuddy(self.issues)
        layout.addWidget(self.issues_label)
        layout.addWidget(self.issues, 1)
        self.report: ImportReport | None = None
        self.operation: Operation | None = None
        self.running = False

    def initializePage(self) -> None:
        self.report = None
        self.banner.hide()
        self.summary.clear()
        self.issues.setRowCount(0)
        for key in COUNT_CAPTIONS:
            self.figures.set(key, "–")
        self.start()

    def start(self) -> None:
        wizard = _wizard(self)
        self.running = True
        self.busy.start("Checking the list…" if self.dry_run else "Importing…")
        self.completeChanged.emit()
        self.operation = run_in_background(
            self, lambda op: wizard.run_import(op, dry_run=self.dry_run),
            self._finished, self._failed, self.busy.progress)

    def cancel(self) -> None:
        if self.operation is not None:
            self.operation.cancel()

    def _finished(self, report: ImportReport) -> None:
        self.running = False
        self.busy.finish()
        self.report = report
        for key in COUNT_CAPTIONS:
            self.figures.set(key, f"{report.counts.get(key, 0):,}")
        self.summary.setText(report.summary())
        self.issues.setRowCount(len(report.issues))
        for row, issue in enumerate(report.issues):
            for column, text in enumerate((str(issue.row_number), issue.column or "",
                                           OUTCOME_WORDS.get(issue.outcome, issue.outcome),
                                           issue.message)):
                self.issues.setItem(row, column, QTableWidgetItem(text))
        self.after(report)
        self.completeChanged.emit()

    def _failed(self, message: str) -> None:
        self.running = False
        self.busy.finish()
        self.banner.error(message)
        self.completeChanged.emit()

    def after(self, report: ImportReport) -> None:
        """What the page does once its run has finished."""

    def isComplete(self) -> bool:
        return not self.running and self.report is not None


class CheckPage(_RunPage):
    dry_run = True

    def __init__(self) -> None:
        super().__init__()
        self.setTitle("Check the list")
        self.setSubTitle("Every row is checked as if imported; nothing is saved yet.")
        self.setCommitPage(True)
        self.setButtonText(QWizard.WizardButton.CommitButton, "&Import")

    def after(self, report: ImportReport) -> None:
        usable = report.counts.get("valid", 0) + report.counts.get("repaired", 0)
        if usable == 0:
            self.banner.warning("No row of this list can be imported as it is.")
        else:
            self.banner.info(f"{usable:,} rows are ready. Press Import to save them.")

    def isComplete(self) -> bool:
        return super().isComplete() and self.report is not None and (
            self.report.counts.get("valid", 0) + self.report.counts.get("repaired", 0) > 0)


class ImportPage(_RunPage):
    dry_run = False

    def __init__(self) -> None:
        super().__init__()
        self.setTitle("Importing")
        self.setSubTitle("The list lands whole or not at all.")
        self.setFinalPage(True)

    def after(self, report: ImportReport) -> None:
        self.banner.success(f"Imported: {report.created:,} new contacts, "
                            f"{report.updated:,} updated.")
        _wizard(self).imported(report)

    def _failed(self, message: str) -> None:
        if "nothing was saved" not in message.lower():
            message += " Nothing was saved."
        super()._failed(message)

    def isComplete(self) -> bool:
        return not self.running
