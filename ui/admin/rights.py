"""The people's rights screen: for administrators answering a subject access request,
an erasure request or a legal hold, running retention, and importing Tell Us Once or
objections lists.

Everything is done by the engine (``outbound.rights``); this screen asks it, off the GUI
thread, and shows the answer, or the engine's refusal, as a sentence.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from outbound.clock import london_day, to_london, utcnow
from outbound.contacts import (
    ContactFilter,
    ContactRow,
    contact_ids,
    contact_rows,
    note_contact_search,
)
from outbound.db.database import Database
from outbound.phones import format_for_display
from outbound.rights.holds import Hold
from outbound.schedule import export_folder
from outbound.text import count_of
from ui.admin.rights_panels import RetentionPanel, SuppressionPanel
from ui.operations import run_in_background
from ui.services import Services
from ui.widgets import common
from ui.widgets.banner import MessageBanner
from ui.widgets.common import buddy_label, hint_label, named, title_label
from ui.widgets.records import Column, RecordTable, RecordTableModel

SHOWN = 200
ERASE_WARNING = (
    "This removes {who}'s details everywhere Outbound holds them: name, phone numbers, "
    "address, postcode, email, references, notes, reasons, drafts, corrections and "
    "typed answers.\n\n"
    "Kept, for the statistics: the contact as “Erased contact {id}” with its district, "
    "the calls made with their outcome, time and length, and numeric, yes/no and choice "
    "answers. The audit trail keeps its entries, naming the person by number only.\n\n"
    "They will never be called again. This cannot be undone.")


def ask_save_path(parent: QWidget, suggested: str) -> str:
    chosen, _ = QFileDialog.getSaveFileName(
        parent, "Save everything we hold as", suggested, "Excel workbook (*.xlsx)")
    return chosen


def find_people(db: Database, words: str, *, by: str) -> list[ContactRow]:
    """People whose name, organisation, reference, postcode or phone number matches
    ``words``, and the contact with that number when ``words`` is one; the search is
    noted in the audit trail as on the contacts screen."""
    where = ContactFilter(search=words)
    ids = contact_ids(db, where)
    note_contact_search(db, where, len(ids), by=by, shown=ids)
    if words.isdigit() and int(words) not in ids:
        ids.insert(0, int(words))
    rows = contact_rows(db, ids[:SHOWN])
    return [rows[i] for i in ids[:SHOWN] if i in rows]


def describe_hold(holds: list[Hold]) -> str:
    current = next((h for h in holds if h.active), None)
    if current is None:
        return "Not on legal hold."
    return (f"On legal hold since {to_london(current.set_at):%d %B %Y}, set by "
            f"{current.set_by}: “{current.reason}”.")


class RightsScreen(QWidget):
    """People's rights. ``ask_path`` and ``ask`` stand in for the save dialog and the
    question before an erasure (tests pass their own)."""

    def __init__(self, services: Services, parent: QWidget | None = None, *,
                 ask_path: Callable[[QWidget, str], str] = ask_save_path,
                 ask: Callable[[QWidget, str, str, str], bool] | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.ask_path = ask_path
        self._ask = ask
        self.person: ContactRow | None = None
        self.on_hold = False
        self.banner = MessageBanner(self)

        self.search = named(QLineEdit(), "Find a person",
                            "A name, phone number, postcode, reference or contact number")
        self.search.setPlaceholderText("name, phone number, postcode or contact number")
        self.search.returnPressed.connect(self.find)
        self.search_button = QPushButton("&Search")
        self.search_button.clicked.connect(self.find)
        self.found_count = hint_label()
        self.model: RecordTableModel[ContactRow] = RecordTableModel([
            Column("Number", lambda c: str(c.id), right=True, sort_key=lambda c: c.id),
            Column("Name", lambda c: c.name),
            Column("Organisation", lambda c: c.organisation or ""),
            Column("Phone", lambda c: format_for_display(c.primary_phone)
                   if c.primary_phone else ""),
            Column("Postcode", lambda c: c.postcode or ""),
            Column("District", lambda c: c.district or ""),
        ], self)
        self.table = RecordTable(self.model, "People found")
        self.table.fit_columns((80, 220, 200, 140, 90))
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._chosen())

        self.chosen_label = QLabel("Nobody chosen yet: find a person above.")
        self.chosen_label.setWordWrap(True)
        self.chosen_label.setAccessibleName("Chosen person")
        self.export_button = QPushButton("E&xport everything we hold…")
        self.export_button.clicked.connect(self.export)
        self.erase_button = QPushButton("&Erase this person…")
        self.erase_button.clicked.connect(self.erase)
        self.hold_reason = named(QLineEdit(), "Reason for the legal hold",
                                 "The complaint, claim or case number")
        self.hold_reason.setPlaceholderText("such as the complaint or case number")
        self.set_hold_button = QPushButton("Set a le&gal hold")
        self.set_hold_button.clicked.connect(self.set_hold)
        self.lift_hold_button = QPushButton("Lift the legal hol&d")
        self.lift_hold_button.clicked.connect(self.lift_hold)
        self.person_buttons = (self.export_button, self.erase_button, self.set_hold_button,
                               self.lift_hold_button)

        self.retention = RetentionPanel(services, self.banner, self._confirm)
        self.suppression = SuppressionPanel(services, self.banner)
        self.tabs = named(QTabWidget(), "People's rights")
        self.tabs.tabBar().setAccessibleName("People's rights pages")
        self.tabs.addTab(self._person_page(), "A &person")
        self.tabs.addTab(self.retention, "Re&tention")
        self.tabs.addTab(self.suppression, "Suppression &lists")
        self.tabs.currentChanged.connect(self._tab_shown)

        layout = QVBoxLayout(self)
        layout.addWidget(title_label("People's rights"))
        layout.addWidget(hint_label(
            "A copy of everything we hold about a person, erasing their details, legal "
            "holds, retention, and Tell Us Once or objections lists. Each is recorded in "
            "the audit trail."))
        layout.addWidget(self.banner)
        layout.addWidget(self.tabs, 1)
        self.setFocusProxy(self.search)
        self._show_person()

    def _person_page(self) -> QWidget:
        page = QWidget()
        find_row = QHBoxLayout()
        find_row.addWidget(buddy_label("Fi&nd:", self.search))
        find_row.addWidget(self.search, 1)
        find_row.addWidget(self.search_button)
        actions = QHBoxLayout()
        actions.addWidget(self.export_button)
        actions.addWidget(self.erase_button)
        actions.addStretch(1)
        holds = QHBoxLayout()
        holds.addWidget(buddy_label("Hold &reason:", self.hold_reason))
        holds.addWidget(self.hold_reason, 1)
        holds.addWidget(self.set_hold_button)
        holds.addWidget(self.lift_hold_button)
        layout = QVBoxLayout(page)
        layout.addLayout(find_row)
        layout.addWidget(self.found_count)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.chosen_label)
        layout.addLayout(actions)
        layout.addLayout(holds)
        return page

    # -- the window's hooks ---------------------------------------------------------

    def focus_search(self) -> None:
        self.tabs.setCurrentIndex(0)
        self.search.setFocus()
        self.search.selectAll()

    def refresh(self) -> None:
        self._tab_shown(self.tabs.currentIndex())
        if self.person is not None:
            self._load_holds()

    def _tab_shown(self, index: int) -> None:
        if self.tabs.widget(index) is self.suppression:
            self.suppression.refresh()

    def _confirm(self, title: str, text: str, yes: str) -> bool:
        if self._ask is not None:
            return self._ask(self, title, text, yes)
        return common.confirm(self, title, text, yes)

    def _failed(self, message: str) -> None:
        self._enable()
        self.banner.error(message)

    # -- finding a person -----------------------------------------------------------

    def find(self) -> None:
        words = self.search.text().strip()
        if not words:
            self.banner.warning("Type a name, phone number, postcode or contact number "
                                "to find a person.")
            return
        self.banner.hide()
        db, by = self.services.db, self.services.user.name
        run_in_background(self, lambda _op: find_people(db, words, by=by),
                          self._found, self.banner.error)

    def _found(self, found: list[ContactRow]) -> None:
        keep = self.person.id if self.person else None
        self.model.set_records(found)
        if not found:
            self.found_count.setText("Nobody matches.")
        elif len(found) >= SHOWN:
            self.found_count.setText(f"The first {SHOWN:,} people who match; type more "
                                     "to narrow it down.")
        else:
            self.found_count.setText(f"{count_of(len(found), 'person', 'people')} "
                                     "match. Pick one.")
        if not (keep and self.table.select_row_where(lambda c: c.id == keep)) and found:
            self.table.selectRow(0)
        self._chosen()

    def _chosen(self) -> None:
        record = self.table.current_record()
        if record is not None and self.person is not None and record.id != self.person.id:
            self.hold_reason.clear()
        self.person = record
        self.on_hold = False
        self._show_person()
        if record is not None:
            self._load_holds()

    def _load_holds(self) -> None:
        from outbound.rights import legal_holds

        person, db = self.person, self.services.db
        if person is None:
            return

        def show(holds: list[Hold]) -> None:
            if self.person is None or self.person.id != person.id:
                return
            self.on_hold = any(h.active for h in holds)
            self._show_person(describe_hold(holds))

        run_in_background(self, lambda _op: legal_holds(db, person.id), show,
                          self.banner.error)

    def _show_person(self, hold_words: str = "") -> None:
        person = self.person
        if person is None:
            self.chosen_label.setText("Nobody chosen yet: find a person above.")
        else:
            self.chosen_label.setText(f"Contact {person.id}, {person.name}. {hold_words}"
                                      .strip())
        self._enable()

    def _enable(self) -> None:
        chosen = self.person is not None
        self.export_button.setEnabled(chosen)
        self.erase_button.setEnabled(chosen)
        self.set_hold_button.setEnabled(chosen and not self.on_hold)
        self.lift_hold_button.setEnabled(chosen and self.on_hold)

    def _busy(self, text: str) -> None:
        for button in self.person_buttons:
            button.setEnabled(False)
        self.banner.info(text)

    # -- what can be done for them ----------------------------------------------------

    def export(self) -> None:
        person = self.person
        if person is None:
            return
        folder = export_folder(self.services.settings.export_folder or None)
        suggested = str(folder / f"contact-{person.id}-{london_day(utcnow())}.xlsx")
        chosen = self.ask_path(self, suggested)
        if not chosen:
            return
        out = Path(chosen).expanduser()
        if out.suffix.lower() != ".xlsx":
            out = out.with_suffix(".xlsx")
        db, actor = self.services.db, self.services.user.name
        self._busy(f"Writing {out.name}…")

        def done(rows: Any) -> None:
            self._enable()
            self.banner.success(f"Wrote everything we hold about contact {person.id} "
                                f"({count_of(rows, 'row')}) to {out}.")

        from outbound.rights import export_person

        run_in_background(self, lambda _op: export_person(db, person.id, out, actor=actor),
                          done, self._failed)

    def erase(self) -> None:
        person = self.person
        if person is None:
            return
        text = ERASE_WARNING.format(who=person.name, id=person.id)
        if not self._confirm(f"Erase contact {person.id}?", text, "&Erase their details"):
            return
        db, by = self.services.db, self.services.user.name
        self._busy(f"Erasing contact {person.id}'s details…")

        def done(result: Any) -> None:
            self.search.setText(str(person.id))
            self.find()
            self.banner.success(result.sentence())

        from outbound.rights import erase_person

        run_in_background(self, lambda _op: erase_person(db, person.id, by=by), done,
                          self._failed)

    def set_hold(self) -> None:
        from outbound.rights import set_legal_hold

        person = self.person
        if person is None:
            return
        reason = self.hold_reason.text().strip()
        if not reason:
            self.banner.warning("Say why in the hold reason, such as the complaint or "
                                "case number, then set the hold.")
            self.hold_reason.setFocus()
            return
        db, by = self.services.db, self.services.user.name
        self._busy(f"Putting contact {person.id} on legal hold…")
        run_in_background(
            self, lambda _op: set_legal_hold(db, person.id, reason, by=by),
            lambda _id: self._hold_changed(
                f"Contact {person.id} is on legal hold: nothing about them will be erased "
                "or removed by retention until it is lifted."), self._failed)

    def lift_hold(self) -> None:
        from outbound.rights import lift_legal_hold

        person = self.person
        if person is None:
            return
        reason = self.hold_reason.text().strip() or None
        db, by = self.services.db, self.services.user.name
        self._busy(f"Lifting the legal hold on contact {person.id}…")
        run_in_background(
            self, lambda _op: lift_legal_hold(db, person.id, by=by, reason=reason),
            lambda _id: self._hold_changed(f"Lifted the legal hold on contact {person.id}."),
            self._failed)

    def _hold_changed(self, sentence: str) -> None:
        self.hold_reason.clear()
        self.banner.success(sentence)
        self._load_holds()
