"""Starting a campaign from a template, or changing one: dates, owner, calling hours.

The dialog shows the template's own settings and sends only what the supervisor
changed as overrides, so a campaign keeps following its template elsewhere.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time
from typing import Any

from PySide6.QtCore import QDate, QTime
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from outbound.campaigns.parsing import DAY_NAMES
from outbound.campaigns.template import CampaignTemplate
from ui.widgets.banner import MessageBanner
from ui.widgets.common import buddy_label, dialog_buttons, hint_label, named

KIND_WORDS = {"round": "Daily or weekly round", "list": "List, called once",
              "reminder": "Reminder before an expiry date",
              "notification": "Messages, with calls for who they miss"}
ANY_SOURCE = "Everyone with an expiry date"
SHOWN_HERE = ("calling_window", "max_attempts", "priority", "lead_days")


@dataclass
class CampaignChoice:
    """What the supervisor chose in the dialog."""

    template_code: str
    name: str
    owner: str | None
    starts_on: date | None
    ends_on: date | None
    overrides: dict[str, Any] = field(default_factory=dict)
    audience: dict[str, Any] = field(default_factory=dict)


def _qdate(value: date) -> QDate:
    return QDate(value.year, value.month, value.day)


def _pydate(value: QDate) -> date:
    return date(value.year(), value.month(), value.day())


def _qtime(value: time) -> QTime:
    return QTime(value.hour, value.minute)


class CampaignDialog(QDialog):
    """New campaign (``campaign`` None) or changes to one (a CampaignSummary)."""

    def __init__(self, templates: dict[str, CampaignTemplate], owners: list[str],
                 sources: list[str], *, campaign: Any = None, default_owner: str = "",
                 today: date | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.templates = templates
        self.campaign = campaign
        self.choice: CampaignChoice | None = None
        today = today or date.today()
        editing = campaign is not None
        self.setWindowTitle(f"Change {campaign.name}" if editing else "New campaign")

        self.banner = MessageBanner(self)
        self.template = named(QComboBox(), "Campaign template")
        for code, template in sorted(templates.items(), key=lambda kv: kv[1].name):
            self.template.addItem(template.name, code)
        self.template.setEnabled(not editing)
        self.description = hint_label()
        self.name = named(QLineEdit(), "Campaign name")
        self.name.setPlaceholderText("For example: Care tracker, winter 2026")
        self.starts = named(QDateEdit(_qdate(today)), "First day of calling")
        self.starts.setCalendarPopup(True)
        self.starts.setDisplayFormat("dd/MM/yyyy")
        self.ends = named(QDateEdit(_qdate(today)), "Last day of calling")
        self.ends.setCalendarPopup(True)
        self.ends.setDisplayFormat("dd/MM/yyyy")
        self.open_ended = named(QCheckBox("No end date"), "No end date")
        self.open_ended.toggled.connect(lambda on: self.ends.setEnabled(not on))
        self.open_ended.setChecked(True)
        self.owner = named(QComboBox(), "Owner of the campaign")
        self.owner.setEditable(True)
        self.owner.addItems(owners)
        self.owner.setCurrentText(default_owner)
        self.audience = named(QComboBox(), "Who the reminders go to")
        self.audience.addItem(ANY_SOURCE, None)
        for source in sources:
            self.audience.addItem(source, source)
        self.lead_days = named(QSpinBox(), "Days before expiry to call")
        self.lead_days.setRange(1, 366)
        self.lead_days.setSuffix(" days before")

        self.window_from = named(QTimeEdit(), "Calls from")
        self.window_to = named(QTimeEdit(), "Calls until")
        for edit in (self.window_from, self.window_to):
            edit.setDisplayFormat("HH:mm")
        self.day_boxes = [named(QCheckBox(day[:3]), day) for day in DAY_NAMES]
        self.skip_holidays = named(QCheckBox("Not on bank holidays"), "Not on bank holidays")
        self.max_attempts = named(QSpinBox(), "Most attempts per person")
        self.max_attempts.setRange(1, 50)
        self.priority = named(QSpinBox(), "Priority against other campaigns")
        self.priority.setRange(0, 100)

        form = QFormLayout()
        form.addRow("&Template:", self.template)
        form.addRow("", self.description)
        form.addRow("&Name:", self.name)
        form.addRow("&Starts:", self.starts)
        ends_row = QHBoxLayout()
        ends_row.addWidget(self.ends)
        ends_row.addWidget(self.open_ended)
        ends_row.addStretch(1)
        form.addRow(buddy_label("&Ends:", self.ends), ends_row)
        form.addRow("&Owner:", self.owner)
        self.audience_label = QLabel("&Reminders to:")
        self.audience_label.setBuddy(self.audience)
        form.addRow(self.audience_label, self.audience)
        self.lead_label = QLabel("&Call:")
        self.lead_label.setBuddy(self.lead_days)
        form.addRow(self.lead_label, self.lead_days)

        hours = QFormLayout()
        times = QHBoxLayout()
        times.addWidget(self.window_from)
        times.addWidget(QLabel("to"))
        times.addWidget(self.window_to)
        times.addStretch(1)
        hours.addRow(buddy_label("&Hours:", self.window_from), times)
        days = QHBoxLayout()
        for box in self.day_boxes:
            days.addWidget(box)
        days.addStretch(1)
        hours.addRow("Days:", days)
        hours.addRow("", self.skip_holidays)
        hours.addRow("&Most attempts:", self.max_attempts)
        hours.addRow("&Priority:", self.priority)
        hours_box = QGroupBox("Calling hours and attempts")
        hours_box.setLayout(hours)

        buttons, _ok = dialog_buttons(self, "&Save changes" if editing else "&Start campaign")

        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addLayout(form)
        layout.addWidget(hours_box)
        layout.addWidget(buttons)

        self.template.currentIndexChanged.connect(lambda _i: self._template_chosen())
        if editing:
            self.template.setCurrentIndex(max(0, self.template.findData(
                campaign.template_code)))
        self._template_chosen()
        if editing:
            self._show_campaign(campaign)
        self.name.setFocus()

    # -- reading the template and the campaign -----------------------------------------

    def current_template(self) -> CampaignTemplate | None:
        return self.templates.get(self.template.currentData())

    def _template_chosen(self) -> None:
        template = self.current_template()
        if template is None:
            return
        effective = template
        if self.campaign is not None and self.campaign.overrides:
            try:
                effective = template.with_overrides(self.campaign.overrides)
            except ValueError as exc:
                self.banner.warning(f"This campaign's own settings have a problem: {exc}")
        self.description.setText(f"{KIND_WORDS.get(template.kind, template.kind)}. "
                                 f"{template.description}")
        if self.campaign is None and not self.name.isModified():
            self.name.setText(template.name)
        window = effective.window
        self.window_from.setTime(_qtime(window.start))
        self.window_to.setTime(_qtime(window.end))
        for index, box in enumerate(self.day_boxes):
            box.setChecked(index in window.days)
        self.skip_holidays.setChecked(window.skip_bank_holidays)
        self.max_attempts.setValue(effective.max_attempts)
        self.priority.setValue(effective.priority)
        self.lead_days.setValue(max(1, effective.lead_days))
        reminder = template.kind == "reminder"
        for widget in (self.audience, self.audience_label, self.lead_days, self.lead_label):
            widget.setVisible(reminder)
        self.audience.setEnabled(self.campaign is None)

    def _show_campaign(self, campaign: Any) -> None:
        self.name.setText(campaign.name)
        if campaign.starts_on:
            self.starts.setDate(_qdate(campaign.starts_on))
        self.open_ended.setChecked(campaign.ends_on is None)
        if campaign.ends_on:
            self.ends.setDate(_qdate(campaign.ends_on))
        self.owner.setCurrentText(campaign.owner or "")
        source = (campaign.audience or {}).get("source")
        self.audience.setCurrentIndex(max(0, self.audience.findData(source)))

    # -- what was chosen -----------------------------------------------------------------

    def overrides(self) -> dict[str, Any]:
        """Only the settings that differ from the template's own."""
        template = self.current_template()
        if template is None:
            return {}
        changed: dict[str, Any] = {}
        window: dict[str, Any] = {}
        start = self.window_from.time().toString("HH:mm")
        end = self.window_to.time().toString("HH:mm")
        if start != template.window.start.strftime("%H:%M"):
            window["start"] = start
        if end != template.window.end.strftime("%H:%M"):
            window["end"] = end
        days = [DAY_NAMES[i] for i, box in enumerate(self.day_boxes) if box.isChecked()]
        if {DAY_NAMES.index(d) for d in days} != set(template.window.days):
            window["days"] = days
        if self.skip_holidays.isChecked() != template.window.skip_bank_holidays:
            window["skip_bank_holidays"] = self.skip_holidays.isChecked()
        if window:
            changed["calling_window"] = window
        if self.max_attempts.value() != template.max_attempts:
            changed["max_attempts"] = self.max_attempts.value()
        if self.priority.value() != template.priority:
            changed["priority"] = self.priority.value()
        if template.kind == "reminder" and self.lead_days.value() != template.lead_days:
            changed["lead_days"] = self.lead_days.value()
        return changed

    def accept(self) -> None:
        template = self.current_template()
        if template is None:
            self.banner.warning("There are no campaign templates to start from.")
            return
        name = self.name.text().strip()
        if not name:
            self.banner.warning("Give the campaign a name.")
            self.name.setFocus()
            return
        if not any(box.isChecked() for box in self.day_boxes):
            self.banner.warning("Tick at least one day when calls may be made.")
            return
        if self.window_to.time() <= self.window_from.time():
            self.banner.warning("Calling hours must end after they start.")
            self.window_to.setFocus()
            return
        starts = _pydate(self.starts.date())
        ends = None if self.open_ended.isChecked() else _pydate(self.ends.date())
        if ends is not None and ends < starts:
            self.banner.warning("The campaign would end before it starts: check the dates.")
            self.ends.setFocus()
            return
        overrides = self.overrides()
        if self.campaign is not None:  # keep the settings this dialog does not show
            kept = {k: v for k, v in (self.campaign.overrides or {}).items()
                    if k not in SHOWN_HERE}
            overrides = kept | overrides
        try:
            template.with_overrides(overrides)
        except ValueError as exc:
            self.banner.warning(str(exc))
            return
        source = self.audience.currentData() if template.kind == "reminder" else None
        self.choice = CampaignChoice(template.code, name, self.owner.currentText().strip()
                                     or None, starts, ends, overrides,
                                     {"source": source} if source else {})
        super().accept()
