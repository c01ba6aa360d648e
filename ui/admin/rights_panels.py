"""The retention and suppression-list tabs of the people's rights screen."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from outbound.contacts import SUPPRESSION_REASONS
from outbound.rights.retention import RetentionReport, apply_retention, plan_retention
from outbound.rights.suppression_lists import (
    Candidate,
    SuppressionImport,
    decide_match,
    import_suppression_list,
    pending_matches,
)
from outbound.text import count_of
from ui.operations import run_in_background
from ui.services import Services
from ui.widgets.banner import MessageBanner
from ui.widgets.common import buddy_label, hint_label, named
from ui.widgets.records import Column, RecordTable, RecordTableModel

Confirm = Callable[[str, str, str], bool]
SOURCES = ("Tell Us Once", "Registrar's deaths list", "Objections")
LIST_KINDS = (("As the list's own reason column says", None),
              ("Deaths", "deceased"),
              ("Objections: asked not to be called", "asked_not_to_be_called"))
RUN_WARNING = (
    "Remove what is past its retention period now, in every campaign? Call attempts, "
    "answers and texts, emails and letters past their period are deleted; notes, "
    "reasons, drafts and booking notes are cleared. Calls to make stay, with their "
    "counts and last outcome, so the "
    "statistics still add up. People on legal hold are left alone.\n\n"
    "This cannot be undone. The scheduled job does the same once a day.")


def ask_open_path(parent: QWidget) -> str:
    chosen, _ = QFileDialog.getOpenFileName(
        parent, "Import a suppression list", "",
        "Lists (*.csv *.xlsx);;CSV file (*.csv);;Excel workbook (*.xlsx)")
    return chosen


class RetentionPanel(QWidget):
    """What the retention job would remove, and running it now."""

    def __init__(self, services: Services, banner: MessageBanner, confirm: Confirm,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.banner = banner
        self.confirm = confirm
        self.check_button = QPushButton("Chec&k what retention would do")
        self.check_button.clicked.connect(self.check)
        self.run_button = QPushButton("R&un retention now…")
        self.run_button.clicked.connect(self.run)
        self.summary = hint_label(
            "Each campaign's template says how long its calls, answers, notes, "
            "bookings and messages are kept. Check first to see what would go.")
        self.summary.setAccessibleName("What retention would do")
        self.items = named(QListWidget(), "Records past their retention period")
        buttons = QHBoxLayout()
        buttons.addWidget(self.check_button)
        buttons.addWidget(self.run_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(buttons)
        layout.addWidget(self.summary)
        layout.addWidget(self.items, 1)

    def _enable(self, on: bool) -> None:
        self.check_button.setEnabled(on)
        self.run_button.setEnabled(on)

    def _failed(self, message: str) -> None:
        self._enable(True)
        self.banner.error(message)

    def check(self) -> None:
        db = self.services.db
        self._enable(False)
        self.banner.hide()
        run_in_background(self, lambda _op: plan_retention(db),
                          lambda report: self._show(report, done=False), self._failed)

    def run(self) -> None:
        if not self.confirm("Run retention now?", RUN_WARNING, "&Remove it now"):
            return
        db, actor = self.services.db, self.services.user.name
        self._enable(False)
        self.banner.info("Removing what is past its retention period…")
        run_in_background(self, lambda _op: apply_retention(db, actor=actor),
                          lambda report: self._show(report, done=True), self._failed)

    def _show(self, report: RetentionReport, *, done: bool) -> None:
        self._enable(True)
        self.items.clear()
        self.items.addItems([item.sentence() for item in report.items])
        self.items.addItems(list(report.problems))
        self.summary.setText(report.summary(done=done))
        if done:
            self.banner.success(report.summary(done=True))
        if report.problems:
            self.banner.warning(" ".join(report.problems))


class SuppressionPanel(QWidget):
    """Importing a Tell Us Once, deaths or objections list, and the near matches it
    left for a person to confirm or dismiss."""

    def __init__(self, services: Services, banner: MessageBanner,
                 parent: QWidget | None = None, *,
                 ask_path: Callable[[QWidget], str] = ask_open_path) -> None:
        super().__init__(parent)
        self.services = services
        self.banner = banner
        self.ask_path = ask_path
        self.source = named(QComboBox(), "Where the list came from")
        self.source.setEditable(True)
        named(self.source.lineEdit(), "Where the list came from")
        self.source.addItems(SOURCES)
        self.kind = named(QComboBox(), "What the list gives as the reason")
        for words, reason in LIST_KINDS:
            self.kind.addItem(words, reason)
        self.import_button = QPushButton("&Import a suppression list…")
        self.import_button.clicked.connect(self.import_list)
        self.report_counts = QLabel("")
        self.report_counts.setAccessibleName("What the import did")
        self.report_counts.setWordWrap(True)
        self.report = named(QListWidget(), "Rows of the list")
        self.model: RecordTableModel[Candidate] = RecordTableModel([
            Column("Match", lambda m: str(m.id), right=True, sort_key=lambda m: m.id),
            Column("Contact", lambda m: f"{m.contact_id}: {m.contact_name}",
                   sort_key=lambda m: m.contact_id),
            Column("Postcode", lambda m: m.postcode or ""),
            Column("The list says", lambda m: SUPPRESSION_REASONS.get(m.reason, m.reason)),
            Column("Row", lambda m: f"{m.file_name}, row {m.row_number}",
                   sort_key=lambda m: (m.file_name, m.row_number)),
            Column("Why not sure", lambda m: m.why),
        ], self)
        self.matches = RecordTable(self.model, "Near matches waiting")
        self.matches.fit_columns((60, 200, 90, 160, 180))
        self.matches.selectionModel().currentRowChanged.connect(lambda *_: self._enable())
        self.confirm_button = QPushButton("&Confirm: it is them")
        self.confirm_button.setToolTip("Stop calls to this person, in every campaign")
        self.confirm_button.clicked.connect(lambda: self.decide(confirm=True))
        self.dismiss_button = QPushButton("Dismiss: n&ot them")
        self.dismiss_button.setToolTip("The row is someone else; keep calling this person")
        self.dismiss_button.clicked.connect(lambda: self.decide(confirm=False))
        self.pending_count = hint_label()

        choose = QHBoxLayout()
        choose.addWidget(buddy_label("Where it came fro&m:", self.source))
        choose.addWidget(self.source, 1)
        choose.addWidget(buddy_label("&What it lists:", self.kind))
        choose.addWidget(self.kind, 1)
        choose.addWidget(self.import_button)
        decide = QHBoxLayout()
        decide.addWidget(self.confirm_button)
        decide.addWidget(self.dismiss_button)
        decide.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(hint_label(
            "A sure match (by phone number, or by name and postcode) stops calls at once, "
            "in every campaign. A near match stops nothing until you confirm it below."))
        layout.addLayout(choose)
        layout.addWidget(self.report_counts)
        layout.addWidget(self.report, 1)
        layout.addWidget(buddy_label("Near m&atches waiting:", self.matches))
        layout.addWidget(self.pending_count)
        layout.addWidget(self.matches, 2)
        layout.addLayout(decide)
        self._enable()

    def _enable(self, busy: bool = False) -> None:
        self.import_button.setEnabled(not busy)
        chosen = self.matches.current_record() is not None
        self.confirm_button.setEnabled(chosen and not busy)
        self.dismiss_button.setEnabled(chosen and not busy)

    def _failed(self, message: str) -> None:
        self._enable()
        self.banner.error(message)

    def refresh(self) -> None:
        db = self.services.db
        run_in_background(self, lambda _op: pending_matches(db), self._show_pending,
                          self.banner.error)

    def _show_pending(self, found: list[Candidate]) -> None:
        self.model.set_records(found)
        self.pending_count.setText(
            f"{count_of(len(found), 'near match', 'near matches')} to confirm or dismiss."
            if found else "No near matches are waiting.")
        if found:
            self.matches.selectRow(0)
        self._enable()

    def import_list(self) -> None:
        source = " ".join(self.source.currentText().split())
        if not source:
            self.banner.warning("Say where the list came from, such as Tell Us Once.")
            self.source.setFocus()
            return
        chosen = self.ask_path(self)
        if not chosen:
            return
        path = Path(chosen).expanduser()
        reason = self.kind.currentData()
        db, by = self.services.db, self.services.user.name
        self._enable(busy=True)
        self.banner.info(f"Importing {path.name}…")
        run_in_background(
            self, lambda _op: import_suppression_list(db, path, source=source, by=by,
                                                      reason=reason),
            self._imported, self._failed)

    def _imported(self, report: SuppressionImport) -> None:
        self.report.clear()
        self.report.addItems([row.sentence() for row in report.rows
                              if row.outcome != "not_found"])
        counts = (f"Suppressed at once: {report.count('stopped'):,}. "
                  f"Near matches to confirm: {report.count('to_confirm'):,}. "
                  f"Already stopped: {report.count('already_stopped'):,}. "
                  f"Not found: {report.count('not_found'):,}.")
        if report.count("unreadable"):
            counts += f" Rows not understood: {report.count('unreadable'):,}."
        if not report.dates_of_birth_held:
            counts += (" No contact matched by name holds a date of birth, so those "
                       "matches are by name and postcode alone.")
        self.report_counts.setText(counts)
        self.banner.success(report.summary())
        self.refresh()

    def decide(self, *, confirm: bool) -> None:
        match = self.matches.current_record()
        if match is None:
            return
        db, by = self.services.db, self.services.user.name
        self._enable(busy=True)

        def done(contact_id: int) -> None:
            self.banner.success(
                f"Calls to contact {contact_id} ({match.contact_name}) stopped." if confirm
                else f"Match {match.id} dismissed: contact {contact_id} is still called.")
            self.refresh()

        run_in_background(self, lambda _op: decide_match(db, match.id, confirm=confirm,
                                                         by=by), done, self._failed)
