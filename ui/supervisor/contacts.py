"""The contacts screen: everyone who may be called, searched and filtered, with a detail
pane and do-not-call.

The table opens at once on a million contacts: the screen asks for a count and the
first block of ids in the background, and the rest of the ids and rows are fetched as
they scroll into view (see ``contacts_model``).
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QSplitter,
    QTableView,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from outbound import contacts
from outbound.clock import to_london
from outbound.contact_changes import FIELD_WORDS, Change, contact_changes
from outbound.contacts import SUPPRESSION_REASONS, ContactFilter
from outbound.dashboard import contact_id_window, contact_sources, count_contacts_matching
from outbound.numbers import (
    EVENT_WORDS,
    NumberHistory,
    allow_premium_numbers,
    number_history,
    premium_held_back,
)
from outbound.phones import format_for_display
from outbound.queue.history import EarlierCall, call_history
from ui.actions import ScreenAction, create_action
from ui.operations import run_in_background
from ui.services import Services
from ui.settings import remember_splitter
from ui.supervisor.contacts_model import BLOCK, ContactIdWindow, ContactListModel
from ui.widgets.banner import MessageBanner
from ui.widgets.common import hint_label, named, screen_toolbar, title_label

CALLS_SHOWN = 10

if TYPE_CHECKING:
    from outbound.db.models import Contact

SHOW_CHOICES = (("Everyone", "all"), ("People we can call", "callable"),
                ("Not to be called", "suppressed"))
ALL = "__all__"


class ContactsScreen(QWidget):
    def __init__(self, services: Services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self._generation = 0
        self._choices_loaded = False
        self.current_contact: Contact | None = None
        self._wanted_contact = 0
        self.banner = MessageBanner(self)

        self.search = named(QLineEdit(), "Search contacts",
                            "Name, organisation, reference, postcode or number (Ctrl+F)")
        self.search.setPlaceholderText("Search by name, reference, postcode or number")
        self.search.setClearButtonEnabled(True)
        self.source = named(QComboBox(), "Source")
        self.source.addItem("Every source", None)
        self.district = named(QComboBox(), "District")
        self.district.addItem("Every district", None)
        self.show_only = named(QComboBox(), "Show")
        for words, code in SHOW_CHOICES:
            self.show_only.addItem(words, code)
        for combo in (self.source, self.district, self.show_only):
            combo.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(10)
        self._search_timer = QTimer(self, singleShot=True, interval=250)
        self._search_timer.timeout.connect(self.reload)
        self.search.textChanged.connect(lambda _t: self._search_timer.start())
        self.search.returnPressed.connect(self._search_now)
        for combo in (self.source, self.district, self.show_only):
            combo.currentIndexChanged.connect(lambda _i: self.reload())
        filters = QHBoxLayout()
        filters.addWidget(self.search, 3)
        for label, combo in (("S&ource:", self.source), ("&District:", self.district),
                             ("S&how:", self.show_only)):
            text = QLabel(label)
            text.setBuddy(combo)
            filters.addWidget(text)
            filters.addWidget(combo, 1)

        self.model = ContactListModel(self._rows, self)
        self.table = named(QTableView(), "Contacts")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 10)
        self.table.horizontalHeader().setStretchLastSection(True)
        for column, width in enumerate((230, 190, 130, 120, 85, 120, 85)):
            self.table.setColumnWidth(column, width)
        self.table.selectionModel().currentRowChanged.connect(
            lambda current, _previous: self._row_chosen(current.row()))
        self.count_label = hint_label()
        self.count_label.setAccessibleName("How many contacts are listed")

        self.details = named(QTextBrowser(), "About the chosen contact")
        self.details.setOpenLinks(False)
        self.stop_action = create_action(self, ScreenAction.STOP_CALLING, self.stop_calling)
        self.allow_action = create_action(self, ScreenAction.ALLOW_CALLS, self.allow_calls)
        self.premium_action = create_action(self, ScreenAction.ALLOW_PREMIUM,
                                            self.allow_premium)
        side = QWidget()
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(0, 0, 0, 0)
        side_layout.addWidget(screen_toolbar(
            [self.stop_action, self.allow_action, self.premium_action], "Contact actions"))
        side_layout.addWidget(self.details, 1)

        self.splitter = QSplitter()
        self.splitter.addWidget(self.table)
        self.splitter.addWidget(side)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([820, 320])
        remember_splitter(services.settings, self.splitter, "contacts")

        layout = QVBoxLayout(self)
        layout.addWidget(title_label("Contacts"))
        layout.addWidget(self.banner)
        layout.addLayout(filters)
        layout.addWidget(self.count_label)
        layout.addWidget(self.splitter, 1)
        self.setFocusProxy(self.search)
        self.premium_numbers: list[str] = []
        self._show_contact(None)
        self.reload()

    # -- screen protocol -------------------------------------------------------------

    def focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    def refresh(self) -> None:
        self.reload()

    def screen_shown(self) -> None:
        if not self._choices_loaded:
            self._load_choices()

    def close_screen(self) -> None:
        """Signing out or quitting: a search typed a moment ago is not run."""
        self._search_timer.stop()

    # -- loading ---------------------------------------------------------------------

    def _rows(self, ids: list[int]) -> dict[int, Any]:
        # Called by the model as rows come into view: one indexed query per page.
        return contacts.contact_rows(self.services.db, [i for i in ids if i > 0])

    def chosen_filter(self) -> tuple[ContactFilter, bool]:
        show = self.show_only.currentData()
        where = ContactFilter(search=self.search.text().strip() or None,
                              source=self.source.currentData(),
                              district=self.district.currentData(),
                              callable_only=show == "callable")
        return where, show == "suppressed"

    def _search_now(self) -> None:
        self._search_timer.stop()
        self.reload()

    def reload(self) -> None:
        """List the contacts matching the search and filters (in the background)."""
        self._generation += 1
        generation = self._generation
        where, suppressed = self.chosen_filter()
        db, me = self.services.db, self.services.user.name

        def work(_op: Any) -> ContactIdWindow:
            total = count_contacts_matching(db, where, suppressed_only=suppressed)
            first = contact_id_window(db, where, 0, BLOCK, suppressed_only=suppressed)
            contacts.note_contact_search(db, where, total, by=me, shown=first)
            return ContactIdWindow(total, first, lambda offset, limit: contact_id_window(
                db, where, offset, limit, suppressed_only=suppressed))

        self.count_label.setText("Looking…")
        run_in_background(self, work, lambda ids: self._show_ids(generation, ids),
                          self._failed)

    def _show_ids(self, generation: int, ids: ContactIdWindow) -> None:
        if generation != self._generation:
            return  # overtaken by a newer search
        self.model.show_ids(ids)
        total = len(ids)
        self.count_label.setText("No contacts match." if total == 0 else
                                 "1 contact." if total == 1 else f"{total:,} contacts.")
        if total:
            self.table.selectRow(0)
        else:
            self._show_contact(None)

    def _failed(self, message: str) -> None:
        self.count_label.setText("")
        self.banner.error(message)

    def _load_choices(self) -> None:
        db = self.services.db
        self._choices_loaded = True
        run_in_background(self, lambda _op: (contact_sources(db), contacts.districts(db)),
                          self._show_choices, self.banner.error)

    def _show_choices(self, choices: tuple[list[str], list[str]]) -> None:
        sources, districts = choices
        for combo, values in ((self.source, sources), (self.district, districts)):
            combo.blockSignals(True)
            for value in values:
                combo.addItem(value, value)
            combo.blockSignals(False)

    # -- the chosen contact ------------------------------------------------------------

    def _row_chosen(self, row: int) -> None:
        if row < 0 or row >= self.model.rowCount():
            self._show_contact(None)
            return
        contact_id = self.model.contact_id(row)
        if contact_id <= 0:
            return
        self.load_contact(contact_id)

    def load_contact(self, contact_id: int) -> None:
        db = self.services.db
        self._wanted_contact = contact_id
        me = self.services.user.name
        def work(_op: Any) -> ContactDetails:
            return ContactDetails(contacts.open_contact(db, contact_id, by=me),
                                  call_history(db, contact_id, limit=CALLS_SHOWN),
                                  number_history(db, contact_id)[::-1],   # newest first
                                  contact_changes(db, contact_id))

        run_in_background(self, work, self._loaded_contact, self.banner.error)

    def _loaded_contact(self, loaded: ContactDetails) -> None:
        if loaded.contact.id == self._wanted_contact:  # not overtaken by a later choice
            self._show_contact(loaded)

    def _show_contact(self, loaded: ContactDetails | None) -> None:
        contact = loaded.contact if loaded else None
        self.current_contact = contact
        self.premium_numbers = premium_held_back(contact) if contact else []
        self.stop_action.setEnabled(contact is not None and not contact.do_not_call)
        self.allow_action.setEnabled(contact is not None and contact.do_not_call)
        self.premium_action.setEnabled(bool(self.premium_numbers)
                                       and self.services.user.role == "supervisor")
        self.details.setHtml(describe_contact(contact, loaded.calls, loaded.numbers,
                                              loaded.changes) if loaded and contact else
                             "<p>Choose a contact to see their numbers and history.</p>")

    def stop_calling(self) -> None:
        contact = self.current_contact
        if contact is None:
            return
        from ui.supervisor.suppress_dialog import StopCallingDialog

        dialog = StopCallingDialog(contact.name, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self._stop(contact, dialog.reason, dialog.source,
                                                   dialog.note))
        self.dialog = dialog
        dialog.open()

    def _stop(self, contact: Contact, reason: str, source: str, note: str | None) -> None:
        db, user = self.services.db, self.services.user.name
        run_in_background(
            self, lambda _op: contacts.suppress_contact(db, contact.id, reason, source=source,
                                                        note=note, recorded_by=user),
            lambda _id: self._changed(contact, f"{contact.name} will not be called again, "
                                               "in any campaign."),
            self.banner.error)

    def allow_calls(self) -> None:
        contact = self.current_contact
        if contact is None:
            return
        from ui.supervisor.suppress_dialog import AllowCallsDialog

        dialog = AllowCallsDialog(contact.name, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self._allow(contact, dialog.reason))
        self.dialog = dialog
        dialog.open()

    def _allow(self, contact: Contact, reason: str) -> None:
        db, user = self.services.db, self.services.user.name
        run_in_background(
            self, lambda _op: contacts.lift_suppression(db, contact.id, reason=reason,
                                                        lifted_by=user),
            lambda _r: self._changed(contact, f"{contact.name} may be called again."),
            self.banner.error)

    def allow_premium(self) -> None:
        contact, numbers = self.current_contact, self.premium_numbers
        if contact is None or not numbers or not self.premium_action.isEnabled():
            return
        from ui.supervisor.suppress_dialog import AllowPremiumDialog

        dialog = AllowPremiumDialog(contact.name, numbers, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self._allow_premium(contact))
        self.dialog = dialog
        dialog.open()

    def _allow_premium(self, contact: Contact) -> None:
        db, user = self.services.db, self.services.user.name
        run_in_background(
            self, lambda _op: allow_premium_numbers(db, contact.id, user),
            lambda count: self._changed(
                contact, f"Agents may now call {contact.name}'s premium-rate "
                         f"number{'' if count == 1 else 's'}."),
            self.banner.error)

    def _changed(self, contact: Contact, message: str) -> None:
        self.banner.success(message)
        self.model.forget_rows()
        self.load_contact(contact.id)


def _when(value: Any) -> str:
    return to_london(value).strftime("%d/%m/%Y %H:%M") if value else ""


@dataclass(frozen=True, slots=True)
class ContactDetails:
    """What the detail pane shows of one contact, read together in the background."""

    contact: Contact
    calls: list[EarlierCall] = field(default_factory=list)
    numbers: list[NumberHistory] = field(default_factory=list)   # newest first
    changes: list[Change] = field(default_factory=list)          # newest first


def describe_contact(c: Contact, calls: list[EarlierCall] | None = None,
                     numbers: list[NumberHistory] | None = None,
                     changes: list[Change] | None = None) -> str:
    """The detail pane's text: who, how to reach them, their calls in every campaign,
    what happened to their numbers, the corrections made on calls (each newest first)
    and any do-not-call history."""
    e = html.escape
    rows = [f"<h3>{e(c.name)}</h3>"]
    if c.organisation or c.role:
        rows.append(f"<p>{e(' — '.join(x for x in (c.role, c.organisation) if x))}</p>")
    if c.do_not_call:
        rows.append("<p><b>Not to be called.</b></p>")
    rows.append("<p><b>Numbers</b><br>")
    if not c.phones:
        rows.append("No number was given.")
    for phone in c.phones:
        shown = format_for_display(phone.e164) if phone.e164 else "not usable"
        if phone.extension:
            shown += f" ext. {phone.extension}"
        extra = [f"as imported: {phone.raw}"] if phone.raw else []
        if phone.note:
            extra.append(phone.note)
        rows.append(f"{e(shown)} <small>({e('; '.join(extra))})</small><br>")
    rows.append("</p>")
    facts = (("Address", c.address), ("Postcode", c.postcode), ("District", c.district),
             ("Email", c.email), ("Source", c.source), ("Reference", c.external_ref),
             ("Expiry date", c.expiry_date.strftime("%d/%m/%Y") if c.expiry_date else None),
             ("Prefers", c.preferred_contact), ("Needs", c.accessibility_needs))
    rows.append("<p>" + "<br>".join(f"<b>{label}:</b> {e(str(value))}"
                                    for label, value in facts if value) + "</p>")
    rows.append("<p><b>Calls</b><br>")
    if not calls:
        rows.append("Not called yet.")
    for call in calls or []:
        said = f" — {call.notes}" if call.notes else ""
        rows.append(e(f"{_when(call.recorded_at)}: {call.outcome} ({call.campaign}, "
                      f"{call.agent}){said}") + "<br>")
    rows.append("</p>")
    if numbers:
        rows.append("<p><b>Number history</b><br>")
        for event in numbers:
            shown = format_for_display(event.number) if event.number else event.raw
            by = f" by {event.recorded_by}" if event.recorded_by else ""
            rows.append(e(f"{_when(event.recorded_at)}: {shown} "
                          f"{EVENT_WORDS.get(event.event, event.event)}{by}") + "<br>")
        rows.append("</p>")
    if changes:
        rows.append("<p><b>Corrections made on calls</b><br>")
        for change in changes:
            by = f" by {change.changed_by}" if change.changed_by else ""
            rows.append(e(f"{_when(change.changed_at)}: "
                          f"{FIELD_WORDS.get(change.field, change.field)} changed from "
                          f"{change.old_value or 'nothing'} to "
                          f"{change.new_value or 'nothing'}{by}") + "<br>")
        rows.append("</p>")
    if c.suppressions:
        rows.append("<p><b>Do-not-call history</b><br>")
        for s in c.suppressions:
            by = f", recorded by {s.recorded_by}" if s.recorded_by else ""
            line = (f"{_when(s.recorded_at)}: {SUPPRESSION_REASONS.get(s.reason, s.reason)}"
                    f" (told by {s.source}{by})")
            if s.note:
                line += f" — {s.note}"
            if s.lifted_at:
                line += (f"; calls allowed again {_when(s.lifted_at)}"
                         f"{' by ' + s.lifted_by if s.lifted_by else ''}: {s.lift_reason or ''}")
            rows.append(e(line) + "<br>")
        rows.append("</p>")
    return "".join(rows)
