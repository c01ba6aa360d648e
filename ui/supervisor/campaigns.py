"""The campaigns screen: every campaign with today's progress, and what to do with it.

Start a campaign from a template, change its dates, owner and calling hours, pause,
resume or close it, enrol contacts by source and district, and make today's calls.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QLabel,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from outbound import contacts, users
from outbound.campaigns.template import CampaignTemplate, load_templates
from outbound.dashboard import CampaignSummary, campaign_summaries, contact_sources, london_today
from outbound.queue import campaigns as campaign_engine
from ui.actions import ScreenAction, create_action
from ui.operations import run_in_background
from ui.services import Services
from ui.settings import remember_splitter
from ui.supervisor.messages_panel import CampaignMessagesPanel
from ui.widgets.banner import MessageBanner
from ui.widgets.common import confirm, hint_label, screen_toolbar, title_label
from ui.widgets.records import Column, RecordTable, RecordTableModel

STATUS_WORDS = {"active": "Calling", "paused": "Paused", "closed": "Closed"}
KIND_WORDS = {"round": "Round", "list": "List", "reminder": "Reminder",
              "notification": "Messages"}


def _day(value: date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


def today_text(c: CampaignSummary) -> str:
    if c.today_total == 0:
        if c.kind == "round":
            return "Today's round not made yet" if c.status == "active" else ""
        return "No calls yet"
    done = f"{c.today_finished:,} of {c.today_total:,} done"
    return f"{done} today" if c.kind == "round" else done


class CampaignsScreen(QWidget):
    def __init__(self, services: Services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.templates: dict[str, CampaignTemplate] = {}
        self.banner = MessageBanner(self)

        self.model: RecordTableModel[CampaignSummary] = RecordTableModel([
            Column("Campaign", lambda c: c.name),
            Column("Status", lambda c: STATUS_WORDS.get(c.status, c.status)),
            Column("Progress", today_text, sort_key=lambda c: c.today_finished),
            Column("Kind", lambda c: KIND_WORDS.get(c.kind, c.kind)),
            Column("Template", lambda c: self._template_name(c.template_code)),
            Column("Starts", lambda c: _day(c.starts_on), sort_key=lambda c: str(c.starts_on)),
            Column("Ends", lambda c: _day(c.ends_on), sort_key=lambda c: str(c.ends_on)),
            Column("Owner", lambda c: c.owner or ""),
            Column("Enrolled", lambda c: f"{c.enrolled:,}", right=True,
                   sort_key=lambda c: c.enrolled),
        ], self)
        self.table = RecordTable(self.model, "Campaigns")
        self.table.fit_columns((200, 70, 170, 75, 180, 85, 85, 95, 70))
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._chosen())
        self.table.doubleClicked.connect(lambda _i: self.edit_campaign())

        self.details = QLabel()
        self.details.setWordWrap(True)
        self.details.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.details.setAccessibleName("About the chosen campaign")
        self.details.setMinimumWidth(220)

        self.screen_actions: dict[ScreenAction, QAction] = {}
        handlers: dict[ScreenAction, Callable[[], None]] = {
            ScreenAction.NEW_CAMPAIGN: self.new_campaign,
            ScreenAction.EDIT_CAMPAIGN: self.edit_campaign,
            ScreenAction.ENROL_CONTACTS: self.enrol_contacts,
            ScreenAction.MAKE_TODAYS_CALLS: self.make_todays_calls,
            ScreenAction.PAUSE_CAMPAIGN: lambda: self.set_status("paused"),
            ScreenAction.RESUME_CAMPAIGN: lambda: self.set_status("active"),
            ScreenAction.CLOSE_CAMPAIGN: lambda: self.set_status("closed"),
        }
        for name, slot in handlers.items():
            self.screen_actions[name] = create_action(self, name, slot)
        toolbar = screen_toolbar(list(self.screen_actions.values()), "Campaign actions")

        self.splitter = QSplitter()
        self.splitter.addWidget(self.table)
        side = QWidget()
        side_layout = QVBoxLayout(side)
        side_layout.addWidget(self.details)
        self.messages = CampaignMessagesPanel(services, self.banner)
        side_layout.addWidget(self.messages)
        side_layout.addStretch(1)
        self.splitter.addWidget(side)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([800, 300])
        remember_splitter(services.settings, self.splitter, "campaigns")

        layout = QVBoxLayout(self)
        layout.addWidget(title_label("Campaigns"))
        layout.addWidget(hint_label("Each campaign is made from a template in the "
                                    "campaigns folder. Progress of a round is today's."))
        layout.addWidget(self.banner)
        layout.addWidget(toolbar)
        layout.addWidget(self.splitter, 1)
        self._chosen()
        self.refresh()

    # -- loading -------------------------------------------------------------------

    def refresh(self, select: int | None = None) -> None:
        """Read the campaigns again, keeping the one chosen (or choosing ``select``)."""
        db = self.services.db
        wanted = select or self.current() or self.services.settings.last_campaign

        def work(_op: Any) -> tuple[list[CampaignSummary], dict[str, CampaignTemplate]]:
            return campaign_summaries(db, london_today()), load_templates()

        run_in_background(self, work, lambda result: self._show(result, wanted),
                          self.banner.error)

    def _show(self, result: tuple[list[CampaignSummary], dict[str, CampaignTemplate]],
              wanted: Any) -> None:
        summaries, self.templates = result
        self.model.set_records(summaries)
        wanted_id = wanted.id if isinstance(wanted, CampaignSummary) else wanted
        if not self.table.select_row_where(lambda c: c.id == wanted_id) and summaries:
            self.table.selectRow(0)
            self.table.setCurrentIndex(self.table.proxy.index(0, 0))
        if not summaries:
            self.banner.info("There are no campaigns yet. Start one with New campaign "
                             "(Ctrl+N).")
        self._chosen()

    def screen_actions_enabled(self, name: str) -> bool:
        return self.screen_actions[ScreenAction(name)].isEnabled()

    def _template_name(self, code: str) -> str:
        template = self.templates.get(code)
        return template.name if template else code

    def current(self) -> CampaignSummary | None:
        record = self.table.current_record()
        return record if isinstance(record, CampaignSummary) else None

    def _chosen(self) -> None:
        campaign = self.current()
        for action in self.screen_actions.values():
            action.setEnabled(campaign is not None)
        self.screen_actions[ScreenAction.NEW_CAMPAIGN].setEnabled(True)
        if campaign is None:
            self.details.setText("Choose a campaign to see its settings.")
            return
        self.services.settings.last_campaign = campaign.id
        closed = campaign.status == "closed"
        self.screen_actions[ScreenAction.PAUSE_CAMPAIGN].setEnabled(campaign.status == "active")
        self.screen_actions[ScreenAction.RESUME_CAMPAIGN].setEnabled(campaign.status == "paused")
        for name in (ScreenAction.CLOSE_CAMPAIGN, ScreenAction.ENROL_CONTACTS,
                     ScreenAction.MAKE_TODAYS_CALLS, ScreenAction.EDIT_CAMPAIGN):
            self.screen_actions[name].setEnabled(not closed)
        self.details.setText(self._describe(campaign))
        template = self.templates.get(campaign.template_code)
        self.messages.show_campaign(campaign.id, template is not None
                                    and template.messages is not None)

    def _describe(self, campaign: CampaignSummary) -> str:
        template = self.templates.get(campaign.template_code)
        lines = [f"<b>{campaign.name}</b>"]
        if template is not None:
            try:
                effective = template.with_overrides(campaign.overrides)
            except ValueError:
                effective = template
            lines.append(template.description)
            lines.append(f"Calls: {effective.window.describe()}.")
            lines.append(f"Up to {effective.max_attempts} attempts per person.")
            if template.kind == "reminder":
                lines.append(f"Calls {effective.lead_days} days before the expiry date.")
        if campaign.audience.get("source"):
            lines.append(f"Reminders go to contacts from {campaign.audience['source']}.")
        lines.append(f"{campaign.enrolled:,} enrolled; {campaign.open_tasks:,} calls open.")
        if campaign.overrides:
            lines.append("Settings changed for this campaign: "
                         + ", ".join(k.replace("_", " ") for k in campaign.overrides) + ".")
        return "<br><br>".join(lines)

    # -- actions ---------------------------------------------------------------------

    def _with_choices(self, then: Callable[[list[str], list[str], list[str]], None]) -> None:
        """Load owners, sources and districts (for a dialog), then call ``then``."""
        db = self.services.db

        def work(_op: Any) -> tuple[list[str], list[str], list[str]]:
            owners = [u.name for u in users.list_users(db, "supervisor")]
            return owners, contact_sources(db), contacts.districts(db)

        run_in_background(self, work, lambda r: then(*r), self.banner.error)

    def new_campaign(self) -> None:
        if not self.templates:
            self.banner.warning("No campaign templates were found in the campaigns folder.")
            return
        self._with_choices(lambda owners, sources, _d: self._open_campaign_dialog(
            owners, sources, None))

    def edit_campaign(self) -> None:
        campaign = self.current()
        if campaign is None:
            return
        self._with_choices(lambda owners, sources, _d: self._open_campaign_dialog(
            owners, sources, campaign))

    def _open_campaign_dialog(self, owners: list[str], sources: list[str],
                              campaign: CampaignSummary | None) -> None:
        from ui.supervisor.campaign_dialog import CampaignDialog

        dialog = CampaignDialog(self.templates, owners, sources, campaign=campaign,
                                default_owner=self.services.user.name,
                                today=london_today(), parent=self)
        dialog.accepted.connect(lambda: self._save_campaign(dialog, campaign))
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.campaign_dialog = dialog
        dialog.open()

    def _save_campaign(self, dialog: Any, campaign: CampaignSummary | None) -> None:
        choice = dialog.choice
        db = self.services.db
        if campaign is None:
            def work(_op: Any) -> int:
                return campaign_engine.create_campaign(
                    db, choice.template_code, choice.name, owner=choice.owner,
                    starts_on=choice.starts_on, ends_on=choice.ends_on,
                    overrides=choice.overrides, audience=choice.audience)
            done = f"{choice.name} is started. Enrol contacts next (Ctrl+Shift+E)."
        else:
            update = campaign_engine.update_campaign

            def work(_op: Any) -> int:
                update(db, campaign.id, name=choice.name, owner=choice.owner,
                       starts_on=choice.starts_on, ends_on=choice.ends_on,
                       overrides=choice.overrides)
                return campaign.id
            done = f"{choice.name} is changed."

        def saved(campaign_id: int) -> None:
            self.services.settings.last_campaign = campaign_id
            self.banner.success(done)
            self.services.campaigns_changed()
            self.refresh(select=campaign_id)    # what is done next is done to this one

        run_in_background(self, work, saved, self.banner.error)

    def set_status(self, status: str) -> None:
        campaign = self.current()
        if campaign is None or campaign.status == status:
            return
        if status == "closed" and not confirm(
                self, "Close the campaign",
                f"Close {campaign.name}? Its open calls are no longer handed out, and it "
                "cannot be opened again.", "Close campaign"):
            return
        words = {"paused": "is paused: its calls are not handed out until it is resumed",
                 "active": "is calling again", "closed": "is closed"}[status]
        run_in_background(
            self, lambda _op: campaign_engine.set_status(self.services.db, campaign.id, status),
            lambda _r: (self.banner.success(f"{campaign.name} {words}."),
                        self.services.campaigns_changed(), self.refresh()),
            self.banner.error)

    def enrol_contacts(self) -> None:
        campaign = self.current()
        if campaign is None:
            return
        self._with_choices(lambda _o, sources, districts: self._open_enrol_dialog(
            campaign, sources, districts))

    def _open_enrol_dialog(self, campaign: CampaignSummary, sources: list[str],
                           districts: list[str]) -> None:
        from ui.supervisor.enrol_dialog import EnrolDialog

        dialog = EnrolDialog(self.services, campaign.name, sources, districts, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self._enrol(campaign, dialog.where))
        self.enrol_dialog = dialog
        dialog.open()

    def _enrol(self, campaign: CampaignSummary, where: Any) -> None:
        db, user = self.services.db, self.services.user.name

        def enrolled(added: int) -> None:
            tail = (" Their calls are ready." if campaign.kind == "list" else
                    " Make today's calls (Ctrl+G) to call them today."
                    if campaign.kind == "round" else "")
            self.banner.success(f"{added:,} contacts enrolled in {campaign.name}.{tail}")
            self.refresh()

        run_in_background(
            self, lambda _op: campaign_engine.enrol(db, campaign.id, where=where,
                                                    enrolled_by=user),
            enrolled, self.banner.error)

    def make_todays_calls(self) -> None:
        campaign = self.current()
        if campaign is None:
            return
        db, today = self.services.db, london_today()
        if campaign.kind == "list":
            self.banner.info(f"{campaign.name} is a list: its calls are made when contacts "
                             "are enrolled.")
            return
        if campaign.kind == "reminder":
            run_in_background(
                self, lambda _op: campaign_engine.enrol_reminders(db, campaign.id, today),
                lambda n: (self.banner.success(
                    f"{n:,} reminder calls made ready for {campaign.name}."), self.refresh()),
                self.banner.error)
            return

        def made(result: campaign_engine.RoundResult) -> None:
            if not result.calling_day:
                self.banner.info(f"Today is not a calling day for {campaign.name}.")
            elif result.created:
                self.banner.success(f"Today's round of {campaign.name}: {result.created:,} "
                                    "calls ready.")
            else:
                self.banner.info(f"Today's round of {campaign.name} was already made.")
            self.refresh()

        run_in_background(self, lambda _op: campaign_engine.generate_round(db, campaign.id,
                                                                           today),
                          made, self.banner.error)
