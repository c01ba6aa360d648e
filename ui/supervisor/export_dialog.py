"""Exporting a campaign's answers for commissioners: which campaign, which days, which
rows, wide or long, CSV or Excel, and where the file goes. The file is written on a
worker thread, whole or not at all."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from outbound import contacts
from outbound.dashboard import london_today
from outbound.queue.campaigns import list_campaigns, template_of
from outbound.schedule import export_folder
from ui.operations import Operation, run_in_background
from ui.services import Services
from ui.widgets.banner import MessageBanner
from ui.widgets.busy import BusyBar
from ui.widgets.common import buddy_label, hint_label, named

FORMATS = (("Excel workbook (.xlsx)", "xlsx"), ("CSV text file (.csv)", "csv"))
LAYOUTS = (("One row per contact and round (wide)", "wide"),
           ("One row per answer (long)", "long"))


def _qdate(value: date) -> QDate:
    return QDate(value.year, value.month, value.day)


def _pydate(value: QDate) -> date:
    return date(value.year(), value.month(), value.day())


def file_name(campaign: str, fmt: str, first: date | None, last: date | None) -> str:
    stem = re.sub(r"[^A-Za-z0-9]+", "-", campaign).strip("-").lower() or "answers"
    if first and last:
        stem += f"-{first:%Y-%m-%d}" + (f"-to-{last:%Y-%m-%d}" if last != first else "")
    return f"{stem}.{fmt}"


class ExportDialog(QDialog):
    def __init__(self, services: Services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.setWindowTitle("Export answers")
        self.campaigns: list[Any] = []
        self.operation: Operation | None = None
        self.result: Any = None
        self._path_edited = False
        today = london_today()
        self.banner = MessageBanner(self)
        self.busy = BusyBar(self)
        self.busy.sig_cancel_requested.connect(self._cancel)
        self.campaign = named(QComboBox(), "Campaign")
        self.fmt = named(QComboBox(), "File format")
        for words, code in FORMATS:
            self.fmt.addItem(words, code)
        self.layout_box = named(QComboBox(), "Layout")
        for words, code in LAYOUTS:
            self.layout_box.addItem(words, code)
        self.all_dates = named(QCheckBox("Every day"), "Every day")
        self.date_from = named(QDateEdit(_qdate(today)), "From")
        self.date_to = named(QDateEdit(_qdate(today)), "To")
        for edit in (self.date_from, self.date_to):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("dd/MM/yyyy")
        self.all_dates.toggled.connect(lambda on: (self.date_from.setEnabled(not on),
                                                   self.date_to.setEnabled(not on)))
        self.district = named(QComboBox(), "District")
        self.district.addItem("Every district", None)
        self.outcome = named(QComboBox(), "Outcome")
        self.flagged_only = named(QCheckBox("Only answers that were flagged"),
                                  "Only answers that were flagged")
        self.path = named(QLineEdit(), "File to write")
        self.path.textEdited.connect(lambda _t: setattr(self, "_path_edited", True))
        browse = named(QPushButton("&Browse…"), "Choose where to save")
        browse.clicked.connect(self.choose_file)

        dates = QHBoxLayout()
        dates.addWidget(self.date_from)
        dates.addWidget(hint_label("to"))
        dates.addWidget(self.date_to)
        dates.addWidget(self.all_dates)
        dates.addStretch(1)
        where = QHBoxLayout()
        where.addWidget(self.path, 1)
        where.addWidget(browse)
        form = QFormLayout()
        form.addRow("&Campaign:", self.campaign)
        form.addRow("&Format:", self.fmt)
        form.addRow("&Layout:", self.layout_box)
        form.addRow(buddy_label("&Days:", self.date_from), dates)
        form.addRow("D&istrict:", self.district)
        form.addRow("&Outcome:", self.outcome)
        form.addRow("", self.flagged_only)
        form.addRow(buddy_label("&Save as:", self.path), where)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Close)
        self.export_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.export_button.setText("&Export")
        self.export_button.setAccessibleName("Export")
        self.buttons.accepted.connect(self.export)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(hint_label("A CSV comes with a data dictionary beside it; a "
                                    "workbook has it as its second sheet."))
        layout.addWidget(self.banner)
        layout.addLayout(form)
        layout.addWidget(self.busy)
        layout.addStretch(1)
        layout.addWidget(self.buttons)
        for widget in (self.campaign, self.fmt):
            widget.currentIndexChanged.connect(lambda _i: self._suggest_path())
        for edit in (self.date_from, self.date_to):
            edit.dateChanged.connect(lambda _d: self._suggest_path())
        self.all_dates.toggled.connect(lambda _on: self._suggest_path())
        self.campaign.currentIndexChanged.connect(lambda _i: self._campaign_chosen())
        self.resize(620, 420)
        self._load()

    def _load(self) -> None:
        db = self.services.db
        run_in_background(self, lambda _op: (list_campaigns(db), contacts.districts(db)),
                          self._show_choices, self.banner.error)

    def _show_choices(self, loaded: tuple[list[Any], list[str]]) -> None:
        self.campaigns, districts = loaded
        for district in districts:
            self.district.addItem(district, district)
        self.campaign.blockSignals(True)
        for campaign in self.campaigns:
            self.campaign.addItem(campaign.name, campaign.id)
        wanted = self.services.settings.last_campaign
        self.campaign.setCurrentIndex(max(0, self.campaign.findData(wanted)))
        self.campaign.blockSignals(False)
        self.export_button.setEnabled(bool(self.campaigns))
        if not self.campaigns:
            self.banner.info("There are no campaigns to export yet.")
        self._campaign_chosen()

    def current_campaign(self) -> Any:
        return next((c for c in self.campaigns if c.id == self.campaign.currentData()), None)

    def _campaign_chosen(self) -> None:
        campaign = self.current_campaign()
        self.outcome.clear()
        self.outcome.addItem("Every outcome", None)
        if campaign is not None:
            try:
                for outcome in template_of(campaign).outcomes:
                    self.outcome.addItem(outcome.label, outcome.code)
            except ValueError as exc:
                self.banner.warning(str(exc))
        self._suggest_path()

    def dates(self) -> tuple[date | None, date | None]:
        if self.all_dates.isChecked():
            return None, None
        return _pydate(self.date_from.date()), _pydate(self.date_to.date())

    def folder(self) -> Path:
        return export_folder(self.services.settings.export_folder or None)

    def _suggest_path(self) -> None:
        if self._path_edited:
            return
        campaign = self.current_campaign()
        if campaign is None:
            return
        first, last = self.dates()
        self.path.setText(str(self.folder() / file_name(campaign.name,
                                                         self.fmt.currentData(), first, last)))

    def choose_file(self) -> None:
        fmt = self.fmt.currentData()
        chosen, _ = QFileDialog.getSaveFileName(
            self, "Save the answers as", self.path.text(),
            "Excel workbook (*.xlsx)" if fmt == "xlsx" else "CSV file (*.csv)")
        if chosen:
            self.path.setText(chosen)
            self._path_edited = True

    def export(self) -> None:
        campaign = self.current_campaign()
        target = self.path.text().strip()
        if campaign is None or not target:
            self.banner.warning("Choose a campaign and where to save the file.")
            return
        fmt = self.fmt.currentData()
        out = Path(target).expanduser()
        if out.suffix.lower() != f".{fmt}":
            out = out.with_suffix(f".{fmt}")
            self.path.setText(str(out))
        first, last = self.dates()
        request = dict(fmt=fmt, layout=self.layout_box.currentData(), out=out,
                       date_from=first, date_to=last, district=self.district.currentData(),
                       outcome=self.outcome.currentData(),
                       flagged_only=self.flagged_only.isChecked(),
                       actor=self.services.user.name)
        from outbound.exports import export_answers

        db = self.services.db
        self.export_button.setEnabled(False)
        self.busy.start("Writing the file…", cancellable=False)
        self.banner.hide()
        self.operation = run_in_background(
            self, lambda _op: export_answers(db, campaign.id, **request),
            self._written, self._failed)

    def _cancel(self) -> None:
        if self.operation is not None:
            self.operation.cancel()

    def _written(self, result: Any) -> None:
        self.busy.finish()
        self.export_button.setEnabled(True)
        self.result = result
        self.services.settings.export_folder = str(Path(result.path).parent)
        text = f"Written: {result.rows:,} rows to {result.path}."
        for sentence in result.sentences():
            text += f" {sentence}"
        if result.warnings:
            text += " " + " ".join(result.warnings)
        self.banner.show_message(text, "warning" if result.warnings else "success")

    def _failed(self, message: str) -> None:
        self.busy.finish()
        self.export_button.setEnabled(True)
        self.banner.error(message)
