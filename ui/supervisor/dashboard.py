"""The dashboard: a campaign's round as it happens, refreshed by itself.

Done and left, outcomes, contact rate, handle time, a burn-down with the forecast
finish and the agents needed to finish today; call-backs gone overdue, calls waiting
for a supervisor, flagged answers; and each agent's calls today. The figures are read
on a worker thread every half minute while the screen is shown, and at once with F5.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from outbound.clock import to_london, utcnow
from outbound.dashboard import AgentFigures, london_today
from outbound.queue.outcomes import resolve_escalation
from ui.actions import ScreenAction, create_action
from ui.operations import run_in_background
from ui.services import Services
from ui.settings import remember_splitter
from ui.supervisor.assignment import round_words
from ui.supervisor.dashboard_data import (
    CampaignChoice,
    Snapshot,
    WaitingCall,
    campaign_choices,
    default_round,
    load_snapshot,
)
from ui.widgets.banner import MessageBanner
from ui.widgets.common import hint_label, named, screen_toolbar, title_label
from ui.widgets.figures import FigureGrid
from ui.widgets.records import Column, RecordTable, RecordTableModel

FIGURES = {"done": "calls finished", "left": "calls left", "in_progress": "on a call now",
           "contact_rate": "spoken to, of calls made", "handle": "average call",
           "per_hour": "calls finished an hour", "finish": "forecast finish at this rate",
           "agents_needed": "agents needed to finish today"}
EVERY_ROUND = "Every round"
FLAG_LIMIT = 200  # flagged_answers lists this many, newest first


def percent(value: float | None) -> str:
    return "–" if value is None else f"{value:.0%}"


def minutes(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    whole = round(seconds)
    return f"{whole // 60}:{whole % 60:02d}"


def clock(when: datetime | None) -> str:
    return to_london(when).strftime("%d/%m %H:%M") if when else ""


class DashboardScreen(QWidget):
    def __init__(self, services: Services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.choices: list[CampaignChoice] = []
        self.snapshot: Snapshot | None = None
        self.loading = False
        self._again = False
        self.clock = utcnow  # what "now" is; a test can fix it
        self.banner = MessageBanner(self)

        self.campaign = named(QComboBox(), "Campaign")
        self.round = named(QComboBox(), "Round")
        self.updated = hint_label()
        self.updated.setAccessibleName("When the figures were read")
        top = QHBoxLayout()
        for text, combo in (("&Campaign:", self.campaign), ("&Round:", self.round)):
            label = QLabel(text)
            label.setBuddy(combo)
            top.addWidget(label)
            top.addWidget(combo, 1)
        top.addWidget(self.updated, 1)
        self.campaign.currentIndexChanged.connect(lambda _i: self._campaign_chosen())
        self.round.currentIndexChanged.connect(lambda _i: self.reload())

        self.figures = FigureGrid(FIGURES, columns=4)
        from ui.supervisor.burndown import BurnDownChart

        self.chart = BurnDownChart()
        self.outcomes: RecordTableModel[tuple[str, int, float]] = RecordTableModel([
            Column("Outcome", lambda r: r[0]),
            Column("Calls", lambda r: f"{r[1]:,}", right=True, sort_key=lambda r: r[1]),
            Column("Share", lambda r: f"{r[2]:.0%}", right=True, sort_key=lambda r: r[2]),
        ], self)
        self.outcome_table = RecordTable(self.outcomes, "Outcomes of the calls made")
        self.outcome_table.fit_columns((170, 60, 60))
        self.outcome_table.stretch_column(0)
        self.outcome_table.sortByColumn(1, Qt.SortOrder.DescendingOrder)
        upper = QSplitter()
        upper.addWidget(self.chart)
        upper.addWidget(self.outcome_table)
        upper.setStretchFactor(0, 3)
        upper.setStretchFactor(1, 1)
        upper.setSizes([760, 300])

        self.agents: RecordTableModel[AgentFigures] = RecordTableModel([
            Column("Agent", lambda a: a.agent),
            Column("Calls", lambda a: f"{a.calls:,}", right=True, sort_key=lambda a: a.calls),
            Column("Spoken to", lambda a: f"{a.spoken_to:,}", right=True,
                   sort_key=lambda a: a.spoken_to),
            Column("Contact rate", lambda a: percent(a.contact_rate), right=True,
                   sort_key=lambda a: a.contact_rate or 0),
            Column("Average call", lambda a: minutes(a.average_handle_seconds), right=True,
                   sort_key=lambda a: a.average_handle_seconds or 0),
            Column("First call", lambda a: clock(a.first_call)),
            Column("Latest call", lambda a: clock(a.last_call)),
        ], self)
        self.overdue: RecordTableModel[WaitingCall] = RecordTableModel([
            Column("Person", lambda w: w.contact),
            Column("Call-back was due", lambda w: clock(w.when)),
            Column("Booked for", lambda w: w.who or "Anyone"),
        ], self)
        self.escalated: RecordTableModel[WaitingCall] = RecordTableModel([
            Column("Person", lambda w: w.contact),
            Column("Passed up", lambda w: clock(w.when)),
            Column("Agent's note", lambda w: w.note or ""),
        ], self)
        # Newest first, as flagged_answers gives them; a header click sorts otherwise.
        self.flags: RecordTableModel[Any] = RecordTableModel([
            Column("Flagged", lambda f: clock(f.raised_at), sort_key=lambda f: f.raised_at),
            Column("Home", lambda f: f.home),
            Column("Provider", lambda f: f.organisation or ""),
            Column("District", lambda f: f.district or ""),
            Column("Question", lambda f: f.question or f.field,
                   tip=lambda f: f"{f.question or f.field} ({f.field})"),
            Column("Answer", lambda f: f.value or ""),
            Column("Why it is flagged", lambda f: f.message),
        ], self)
        self.agent_table = RecordTable(self.agents, "Each agent's calls")
        self.agent_table.fit_columns((150, 60, 80, 100, 100, 100))
        self.overdue_table = RecordTable(self.overdue, "Overdue call-backs")
        self.overdue_table.fit_columns((220, 140))
        self.escalated_table = RecordTable(self.escalated, "Calls waiting for a supervisor")
        self.escalated_table.fit_columns((220, 140))
        self.flag_table = RecordTable(self.flags, "Flagged answers")
        self.flag_table.fit_columns((90, 190, 150, 100, 200, 80))

        self.back_action = create_action(self, ScreenAction.ESCALATION_BACK,
                                         lambda: self.resolve(close=False))
        self.close_action = create_action(self, ScreenAction.ESCALATION_CLOSE,
                                          lambda: self.resolve(close=True))
        self.seen_action = create_action(self, ScreenAction.REVIEW_FLAG, self.mark_seen)
        escalations = QWidget()
        esc_layout = QVBoxLayout(escalations)
        esc_layout.setContentsMargins(0, 0, 0, 0)
        esc_layout.addWidget(screen_toolbar([self.back_action, self.close_action],
                                            "Escalation actions"))
        esc_layout.addWidget(self.escalated_table)
        flags = QWidget()
        flag_layout = QVBoxLayout(flags)
        flag_layout.setContentsMargins(0, 0, 0, 0)
        flag_layout.addWidget(screen_toolbar([self.seen_action], "Flag actions"))
        flag_layout.addWidget(self.flag_table)
        self.tabs = named(QTabWidget(), "Lists")
        self.tabs.tabBar().setAccessibleName("Lists to show")
        self.tabs.addTab(self.agent_table, "&Agents")
        self.tabs.addTab(self.overdue_table, "&Overdue call-backs")
        self.tabs.addTab(escalations, "&Waiting for a supervisor")
        self.tabs.addTab(flags, "&Flagged answers")

        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.addWidget(upper)
        self.splitter.addWidget(self.tabs)
        self.splitter.setSizes([330, 260])
        remember_splitter(services.settings, self.splitter, "dashboard")

        layout = QVBoxLayout(self)
        layout.addWidget(title_label("Dashboard"))
        layout.addWidget(self.banner)
        layout.addLayout(top)
        layout.addWidget(self.figures)
        layout.addWidget(self.splitter, 1)

        self.timer = QTimer(self)
        self.timer.setInterval(max(5, services.settings.dashboard_interval) * 1000)
        self.timer.timeout.connect(self.reload)
        self.refresh()

    # -- screen protocol ---------------------------------------------------------------

    def screen_shown(self) -> None:
        self.timer.start()
        self.reload()

    def screen_hidden(self) -> None:
        self.timer.stop()

    def close_screen(self) -> None:
        self.timer.stop()

    def refresh(self) -> None:
        """Read the campaigns and rounds again, then the figures."""
        run_in_background(self, lambda _op: campaign_choices(self.services.db),
                          self._show_choices, self.banner.error)

    # -- choosing ------------------------------------------------------------------------

    def _show_choices(self, choices: list[CampaignChoice]) -> None:
        self.choices = choices
        wanted = self.campaign.currentData() or self.services.settings.last_campaign
        self.campaign.blockSignals(True)
        self.campaign.clear()
        for choice in choices:
            self.campaign.addItem(choice.name, choice.id)
        self.campaign.setCurrentIndex(max(0, self.campaign.findData(wanted)))
        self.campaign.blockSignals(False)
        if not choices:
            self.banner.info("There is no open campaign to show.")
        self._campaign_chosen(keep_round=True)

    def current_choice(self) -> CampaignChoice | None:
        return next((c for c in self.choices if c.id == self.campaign.currentData()), None)

    def _campaign_chosen(self, keep_round: bool = False) -> None:
        choice = self.current_choice()
        current = self.round.currentData() if keep_round else None
        self.round.blockSignals(True)
        self.round.clear()
        if choice is not None:
            self.services.settings.last_campaign = choice.id
            self.round.addItem(EVERY_ROUND, None)
            for key in choice.rounds:
                self.round.addItem(round_words(key), key)
            wanted = current if current in choice.rounds else default_round(
                choice, london_today(self.clock()))
            self.round.setCurrentIndex(max(0, self.round.findData(wanted)))
        self.round.blockSignals(False)
        self.reload()

    # -- figures ---------------------------------------------------------------------

    def reload(self) -> None:
        """Read the figures on a worker thread (skipped while a read is under way)."""
        campaign = self.campaign.currentData()
        if campaign is None:
            return
        if self.loading:
            self._again = True  # read again once the read under way is back
            return
        self.loading = True
        round_key = self.round.currentData()
        now = self.clock()
        run_in_background(self, lambda _op: load_snapshot(self.services.db, campaign,
                                                          round_key, now),
                          self._show, self._failed)

    def _finished_reading(self) -> bool:
        """True when the figures just read are still the ones wanted."""
        self.loading = False
        if self._again:
            self._again = False
            self.reload()
            return False
        return True

    def _failed(self, message: str) -> None:
        if self._finished_reading():
            self.banner.error(message)

    def _show(self, snapshot: Snapshot) -> None:
        if not self._finished_reading():
            return
        self.snapshot = snapshot
        p = snapshot.progress
        f = self.figures
        f.set("done", f"{p.done + p.closed:,}", f"{p.done:,} done, {p.closed:,} closed "
              "without answers")
        f.set("left", f"{p.remaining:,}")
        f.set("in_progress", f"{p.in_progress:,}")
        f.set("contact_rate", percent(p.contact_rate))
        f.set("handle", minutes(p.average_handle_seconds), "minutes:seconds")
        f.set("per_hour", "–" if p.finished_per_hour is None else f"{p.finished_per_hour:.0f}")
        left = p.remaining + p.in_progress
        f.set("finish", "Finished" if left == 0 and p.total else
              clock(p.forecast_finish) or "–")
        f.set("agents_needed", "–" if p.agents_needed_today is None else
              f"{p.agents_needed_today:,}", f"{p.agents_today:,} agents have called today")
        self.chart.show_burndown(snapshot.burndown, p.forecast_finish, snapshot.now)
        attempts = max(p.attempts, 1)
        self.outcomes.set_records(sorted(
            ((snapshot.outcome_labels.get(code, code), n, n / attempts)
             for code, n in p.by_outcome.items()), key=lambda r: -r[1]))
        self.agents.set_records(snapshot.agents)
        self.overdue.set_records(snapshot.overdue)
        self.escalated.set_records(snapshot.escalated)
        self.flags.set_records(snapshot.flags)
        for index, (text, count) in enumerate(((None, None),
                                               ("&Overdue call-backs", len(snapshot.overdue)),
                                               ("&Waiting for a supervisor",
                                                len(snapshot.escalated)),
                                               ("&Flagged answers", len(snapshot.flags)))):
            if text:
                shown = f"{count}+" if count >= FLAG_LIMIT and index == 3 else str(count)
                self.tabs.setTabText(index, f"{text} ({shown})" if count else text)
        self.back_action.setEnabled(bool(snapshot.escalated))
        self.close_action.setEnabled(bool(snapshot.escalated))
        self.seen_action.setEnabled(bool(snapshot.flags))
        self.updated.setText(f"Figures at {to_london(snapshot.now):%H:%M:%S}; they refresh "
                             "by themselves.")

    # -- acting on the lists ---------------------------------------------------------------

    def resolve(self, *, close: bool) -> None:
        waiting = self.escalated_table.current_record() or (
            self.escalated.records[0] if self.escalated.records else None)
        if waiting is None:
            return
        self.tabs.setCurrentIndex(2)
        words = "closed" if close else "back in the queue"
        run_in_background(
            self, lambda _op: resolve_escalation(self.services.db, waiting.task_id,
                                                 close=close),
            lambda _r: (self.banner.success(f"The call to {waiting.contact} is {words}."),
                        self.reload()),
            self.banner.error)

    def mark_seen(self) -> None:
        flag = self.flag_table.current_record() or (
            self.flags.records[0] if self.flags.records else None)
        if flag is None:
            return
        self.tabs.setCurrentIndex(3)
        from outbound.forms import review_flag

        now = self.clock()
        run_in_background(
            self, lambda _op: review_flag(self.services.db, flag.flag_id,
                                          self.services.user.name, now=now),
            lambda marked: self._marked_seen(flag, marked, now), self.banner.error)

    def _marked_seen(self, flag: Any, marked: bool, now: datetime) -> None:
        what = f"“{flag.question or flag.field}” from {flag.home}"
        if marked:
            self.banner.success(f"{what} is marked as seen by {self.services.user.name} "
                                f"at {to_london(now):%H:%M}.")
        else:
            self.banner.info(f"{what} had already been marked as seen.")
        self.reload()
