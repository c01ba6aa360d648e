"""The assignment screen: choose calls by campaign, round, district and area, then give
them to one agent, share them evenly, give each district to an agent, or put them back
in the pool; see each agent's load; release the calls an absent agent is holding.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from outbound import contacts, users
from outbound.dashboard import count_selected_tasks, round_keys, tasks_held
from outbound.queue import assign
from outbound.queue.assign import TaskSelection
from outbound.queue.campaigns import list_campaigns
from outbound.queue.claim import release_agent_tasks
from outbound.text import count_of
from ui.actions import ScreenAction, create_action
from ui.operations import run_in_background
from ui.services import Services
from ui.widgets.banner import MessageBanner
from ui.widgets.common import (
    confirm,
    hint_label,
    named,
    screen_toolbar,
    title_label,
)

AgentRole = Qt.ItemDataRole.UserRole + 1
EVERY_ROUND = "Every round"
EVERY_DISTRICT = "Every district"


def round_words(key: str) -> str:
    """"2026-11-22" -> "Sun 22/11/2026"; "list" and reminder keys in words."""
    if key == "list":
        return "The list"
    if key.startswith("expiry:"):
        key = key.split(":", 1)[1]
        prefix = "Expiring "
    else:
        prefix = ""
    try:
        return prefix + date.fromisoformat(key).strftime("%a %d/%m/%Y")
    except ValueError:
        return prefix + key


class AssignmentScreen(QWidget):
    def __init__(self, services: Services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self._generation = 0
        self.people: list[str] = []
        self.districts: list[str] = []
        self.chosen = 0
        self.banner = MessageBanner(self)

        self.campaign = named(QComboBox(), "Campaign")
        self.round = named(QComboBox(), "Round")
        self.district = named(QComboBox(), "District")
        self.area = named(QLineEdit(), "Postcode area",
                          "The letters a postcode starts with, like PN or OL")
        self.area.setPlaceholderText("Any, or like PN")
        self.area.setMaxLength(4)
        self.only_unassigned = named(QCheckBox("Only calls not yet given to anyone"),
                                     "Only calls not yet given to anyone")
        self.chosen_count = hint_label()
        self.chosen_count.setAccessibleName("How many calls are chosen")
        form = QFormLayout()
        form.addRow("&Campaign:", self.campaign)
        form.addRow("&Round:", self.round)
        form.addRow("&District:", self.district)
        form.addRow("Postcode &area:", self.area)
        form.addRow("", self.only_unassigned)
        form.addRow("", self.chosen_count)
        which = QGroupBox("Which calls")
        which.setLayout(form)

        self.agents = named(QListWidget(), "Agents",
                            "Tick agents to share calls between them; the highlighted "
                            "agent is the one for Give to one agent")
        self.pool_label = hint_label()
        self.pool_label.setAccessibleName("Calls in the pool")
        agents_box = QGroupBox("Agents and their calls in this campaign")
        agents_layout = QVBoxLayout(agents_box)
        agents_layout.addWidget(hint_label("Tick the agents to share between (Space ticks)."))
        agents_layout.addWidget(self.agents, 1)
        agents_layout.addWidget(self.pool_label)

        self.screen_actions: dict[ScreenAction, QAction] = {}
        handlers: dict[ScreenAction, Callable[[], None]] = {
            ScreenAction.ASSIGN_TO_AGENT: self.give_to_agent,
            ScreenAction.ASSIGN_EVENLY: self.share_evenly,
            ScreenAction.ASSIGN_BY_DISTRICT: self.by_district,
            ScreenAction.RETURN_TO_POOL: self.back_to_pool,
            ScreenAction.RELEASE_HELD: self.release_held,
        }
        for name, slot in handlers.items():
            self.screen_actions[name] = create_action(self, name, slot)

        row = QHBoxLayout()
        row.addWidget(which, 1)
        row.addWidget(agents_box, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(title_label("Assignment"))
        layout.addWidget(hint_label(
            "Calls on an agent's list go to that agent first; calls in the pool go to "
            "whoever is free. Only open calls move; finished calls stay as they are."))
        layout.addWidget(self.banner)
        layout.addWidget(screen_toolbar(list(self.screen_actions.values()),
                                        "Assignment actions"))
        layout.addLayout(row, 1)

        self._recount_timer = QTimer(self, singleShot=True, interval=250)
        self._recount_timer.timeout.connect(self.recount)
        self.campaign.currentIndexChanged.connect(lambda _i: self._campaign_chosen())
        for combo in (self.round, self.district):
            combo.currentIndexChanged.connect(lambda _i: self._recount_timer.start())
        self.area.textChanged.connect(lambda _t: self._recount_timer.start())
        self.only_unassigned.toggled.connect(lambda _on: self._recount_timer.start())
        self.refresh()

    def close_screen(self) -> None:
        """Signing out or quitting: a count asked for a moment ago is not made."""
        self._recount_timer.stop()

    # -- loading ---------------------------------------------------------------------

    def refresh(self) -> None:
        db = self.services.db

        def work(_op: Any) -> tuple[list[Any], list[Any], list[str]]:
            return list_campaigns(db), users.list_users(db), contacts.districts(db)

        run_in_background(self, work, self._show_choices, self.banner.error)

    def _show_choices(self, result: tuple[list[Any], list[Any], list[str]]) -> None:
        campaigns, people, districts = result
        wanted = self.campaign.currentData() or self.services.settings.last_campaign
        self.people = [p.name for p in people]
        self.districts = districts
        self.district.blockSignals(True)
        current_district = self.district.currentData()
        self.district.clear()
        self.district.addItem(EVERY_DISTRICT, None)
        for district in districts:
            self.district.addItem(district, district)
        self.district.setCurrentIndex(max(0, self.district.findData(current_district)))
        self.district.blockSignals(False)
        self.campaign.blockSignals(True)
        self.campaign.clear()
        for campaign in campaigns:
            if campaign.status != "closed":
                self.campaign.addItem(campaign.name, campaign.id)
        self.campaign.setCurrentIndex(max(0, self.campaign.findData(wanted)))
        self.campaign.blockSignals(False)
        if self.campaign.count() == 0:
            self.banner.info("There is no open campaign to assign calls from.")
        self._campaign_chosen()

    def selection(self) -> TaskSelection | None:
        campaign = self.campaign.currentData()
        if campaign is None:
            return None
        return TaskSelection(campaign, round_key=self.round.currentData(),
                             district=self.district.currentData(),
                             postcode_area=self.area.text().strip().upper() or None,
                             only_unassigned=self.only_unassigned.isChecked())

    def _campaign_chosen(self) -> None:
        campaign = self.campaign.currentData()
        for action in self.screen_actions.values():
            action.setEnabled(campaign is not None)
        if campaign is None:
            self.agents.clear()
            self.chosen_count.setText("")
            return
        self.services.settings.last_campaign = campaign
        db = self.services.db

        def work(_op: Any) -> tuple[list[str], dict[str, int], dict[str, int]]:
            return round_keys(db, campaign), assign.agent_load(db, campaign), tasks_held(db)

        run_in_background(self, work, self._show_campaign, self.banner.error)

    def _show_campaign(self, result: tuple[list[str], dict[str, int], dict[str, int]]) -> None:
        keys, load, held = result
        current = self.round.currentData()
        self.round.blockSignals(True)
        self.round.clear()
        self.round.addItem(EVERY_ROUND, None)
        for key in keys:
            self.round.addItem(round_words(key), key)
        self.round.setCurrentIndex(max(0, self.round.findData(current)))
        self.round.blockSignals(False)
        ticked = set(self.ticked_agents())
        highlighted = self.current_agent()
        self.agents.clear()
        for name in self.people:
            on_list, holding = load.get(name, 0), held.get(name, 0)
            text = f"{name} — {on_list:,} on their list"
            if holding:
                text += f", holding {holding:,} now"
            item = QListWidgetItem(text)
            item.setData(AgentRole, name)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if name in ticked
                               else Qt.CheckState.Unchecked)
            self.agents.addItem(item)
            if name == highlighted:
                self.agents.setCurrentItem(item)
        if self.agents.currentItem() is None and self.agents.count():
            self.agents.setCurrentRow(0)
        self.pool_label.setText(f"{count_of(load.get('pool', 0), 'open call')} in the pool.")
        self.recount()

    def recount(self) -> None:
        selection = self.selection()
        if selection is None:
            return
        self._generation += 1
        generation = self._generation
        run_in_background(
            self, lambda _op: count_selected_tasks(self.services.db, selection),
            lambda n: self._show_count(generation, n), self.banner.error)

    def _show_count(self, generation: int, count: int) -> None:
        if generation == self._generation:
            self.chosen_count.setText(f"{count_of(count, 'open call')} chosen.")
            self.chosen = count

    # -- agents --------------------------------------------------------------------

    def ticked_agents(self) -> list[str]:
        return [self.agents.item(i).data(AgentRole) for i in range(self.agents.count())
                if self.agents.item(i).checkState() == Qt.CheckState.Checked]

    def current_agent(self) -> str | None:
        item = self.agents.currentItem()
        return item.data(AgentRole) if item is not None else None

    def set_ticked(self, names: list[str]) -> None:
        for i in range(self.agents.count()):
            item = self.agents.item(i)
            item.setCheckState(Qt.CheckState.Checked if item.data(AgentRole) in names
                               else Qt.CheckState.Unchecked)

    # -- actions ---------------------------------------------------------------------

    def _run(self, work: Callable[[], Any], done: Callable[[Any], str]) -> None:
        run_in_background(self, lambda _op: work(),
                          lambda result: (self.banner.success(done(result)),
                                          self._campaign_chosen()),
                          self.banner.error)

    def give_to_agent(self) -> None:
        selection, agent = self.selection(), self.current_agent()
        if selection is None:
            return
        if agent is None:
            self.banner.warning("Highlight the agent to give the calls to.")
            return
        self._run(lambda: assign.assign_to(self.services.db, selection, agent),
                  lambda n: f"{count_of(n, 'call')} now on {agent}'s list.")

    def share_evenly(self) -> None:
        selection, agents = self.selection(), self.ticked_agents()
        if selection is None:
            return
        if not agents:
            self.banner.warning("Tick the agents to share the calls between (Space ticks "
                                "the highlighted agent).")
            return
        self._run(lambda: assign.assign_evenly(self.services.db, selection, agents),
                  lambda counts: "Shared: " + ", ".join(
                      f"{name} {n:,}" for name, n in counts.items()) + ".")

    def back_to_pool(self) -> None:
        selection = self.selection()
        if selection is None:
            return
        self._run(lambda: assign.assign_to(self.services.db, selection, None),
                  lambda n: f"{count_of(n, 'call')} back in the pool for anyone to take.")

    def by_district(self) -> None:
        campaign = self.campaign.currentData()
        if campaign is None:
            return
        from ui.supervisor.district_dialog import DistrictDialog

        dialog = DistrictDialog(self.districts, self.people, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self._by_district(campaign, dialog.chosen))
        self.dialog = dialog
        dialog.open()

    def _by_district(self, campaign: int, chosen: dict[str, str]) -> None:
        if not chosen:
            self.banner.info("No district was given to an agent; nothing changed.")
            return
        self._run(lambda: assign.assign_by_district(self.services.db, campaign, chosen),
                  lambda counts: "Given by district: " + ", ".join(
                      f"{d} {n:,} to {chosen[d]}" for d, n in counts.items()) + ".")

    def release_held(self) -> None:
        agent = self.current_agent()
        if agent is None:
            self.banner.warning("Highlight the agent whose calls should be released.")
            return
        if not confirm(self, "Release held calls",
                       f"Return every call {agent} is holding to the queue? Do this only "
                       "when they are away: a call they are on would be handed to someone "
                       "else.", "Release calls"):
            return
        self._run(lambda: release_agent_tasks(self.services.db, agent),
                  lambda n: f"Back in the queue: {count_of(n, 'call')} {agent} was holding.")
