"""Enrolling contacts in a campaign by where they came from and their district.

The dialog counts the matching contacts as the choice changes, so a supervisor sees
"612 contacts match" before enrolling anyone.
"""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from outbound.contacts import ContactFilter
from outbound.dashboard import count_contacts_matching
from ui.operations import run_in_background
from ui.services import Services
from ui.widgets.banner import MessageBanner
from ui.widgets.common import dialog_buttons, hint_label, named

EVERY = "Every source"
EVERYWHERE = "Every district"


class EnrolDialog(QDialog):
    """``where`` holds the chosen filter once accepted."""

    def __init__(self, services: Services, campaign_name: str, sources: list[str],
                 districts: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.where: ContactFilter | None = None
        self.campaign_name = campaign_name
        self._generation = 0
        self.setWindowTitle(f"Enrol contacts in {campaign_name}")
        self.banner = MessageBanner(self)
        self.source = named(QComboBox(), "Source of the contacts")
        self.source.addItem(EVERY, None)
        for source in sources:
            self.source.addItem(source, source)
        self.district = named(QComboBox(), "District")
        self.district.addItem(EVERYWHERE, None)
        for district in districts:
            self.district.addItem(district, district)
        self.search = named(QLineEdit(), "Only contacts matching this text")
        self.search.setPlaceholderText("Optional: name, reference or postcode")
        self.callable_only = named(QCheckBox("Only people with a number we can call"),
                                   "Only people with a number we can call")
        self.callable_only.setChecked(True)
        self.count = hint_label("Counting…")
        self.count.setAccessibleName("How many contacts match")
        form = QFormLayout()
        form.addRow("&Source:", self.source)
        form.addRow("&District:", self.district)
        form.addRow("&Matching:", self.search)
        form.addRow("", self.callable_only)
        form.addRow("", self.count)
        buttons, self.ok = dialog_buttons(self, "&Enrol")
        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addWidget(hint_label(
            "People already enrolled stay enrolled; nobody is enrolled twice. People "
            "who must not be called are never enrolled."))
        layout.addLayout(form)
        layout.addWidget(buttons)
        self._recount_timer = QTimer(self, singleShot=True, interval=200)
        self._recount_timer.timeout.connect(self.recount)
        for combo in (self.source, self.district):
            combo.currentIndexChanged.connect(lambda _i: self._recount_timer.start())
        self.search.textChanged.connect(lambda _t: self._recount_timer.start())
        self.callable_only.toggled.connect(lambda _on: self._recount_timer.start())
        self.recount()

    def chosen_filter(self) -> ContactFilter:
        return ContactFilter(search=self.search.text().strip() or None,
                             source=self.source.currentData(),
                             district=self.district.currentData(),
                             include_suppressed=False,
                             callable_only=self.callable_only.isChecked())

    def recount(self) -> None:
        self._generation += 1
        generation = self._generation
        where = self.chosen_filter()
        run_in_background(self, lambda _op: count_contacts_matching(self.services.db, where),
                          lambda n: self._show_count(generation, n), self.banner.error)

    def _show_count(self, generation: int, matching: int) -> None:
        if generation != self._generation:
            return  # an older count, overtaken by a newer choice
        self.count.setText(f"{matching:,} contacts match." if matching != 1
                           else "1 contact matches.")
        self.ok.setEnabled(matching > 0)
        people = "1 contact" if matching == 1 else f"{matching:,} contacts"
        self.ok.setText(f"&Enrol {people} in {self.campaign_name}")

    def accept(self) -> None:
        self.where = self.chosen_filter()
        super().accept()
