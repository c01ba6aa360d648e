"""The dashboard shows a round's figures once calls have been made."""

from __future__ import annotations

from datetime import datetime, time

import pytest
from PySide6.QtCore import Qt

from outbound.clock import LONDON
from outbound.demo import build_demo
from outbound.queue.claim import claim_next_task
from outbound.queue.outcomes import record_outcome
from tests.ui.test_supervisor_support import (
    CALLING_DAY,
    activate,
    care_tracker,
    record_calls,
    services_for,
)
from ui.operations import Operations
from ui.supervisor.dashboard import DashboardScreen

MORNING = datetime.combine(CALLING_DAY, time(10, 30), tzinfo=LONDON)


@pytest.fixture
def setup(qtbot, db, tmp_path):
    """On SQLite and on PostgreSQL: the dashboard's own queries run on both."""
    Operations.synchronous = True
    build_demo(db, scale=0.05)
    campaign = care_tracker(db, CALLING_DAY)
    yield db, tmp_path, campaign
    Operations.synchronous = False


def open_dashboard(qtbot, db, folder):
    screen = DashboardScreen(services_for(db, folder))
    screen.clock = lambda: MORNING.replace(hour=11)
    qtbot.addWidget(screen)
    activate(qtbot, screen)
    screen.refresh()
    screen.screen_shown()
    return screen


def test_figures_after_calls_are_recorded(setup, qtbot):
    db, folder, campaign = setup
    record_calls(db, campaign, "Amira", ["completed", "no_answer", "completed"], now=MORNING)
    record_calls(db, campaign, "Bernard", ["engaged"], now=MORNING)
    screen = open_dashboard(qtbot, db, folder)

    assert screen.round.currentData() == CALLING_DAY.isoformat()
    figures = screen.figures
    assert figures.value("done") == "2"
    assert figures.value("left") == "34"
    assert figures.value("contact_rate") == "50%"  # 2 spoken to in 4 calls
    assert figures.value("handle") == "2:01"
    assert figures.value("per_hour") != "–"
    assert figures.value("agents_needed") != "–"
    outcomes = {screen.outcomes.record(r)[0]: screen.outcomes.record(r)[1]
                for r in range(screen.outcomes.rowCount())}
    assert outcomes == {"Answers taken": 2, "No answer": 1, "Engaged": 1}
    agents = {a.agent: a for a in screen.agents.records}
    assert agents["Amira"].calls == 3 and agents["Amira"].spoken_to == 2
    assert agents["Bernard"].calls == 1
    assert screen.chart.left.count() >= 3
    assert "2 of 36 calls finished, 34 left" in screen.chart.describe()
    assert screen.timer.isActive()
    screen.screen_hidden()
    assert not screen.timer.isActive()


def test_a_call_passed_to_a_supervisor_goes_back_to_the_queue(setup, qtbot):
    db, folder, campaign = setup
    task = claim_next_task(db, _agent(db), campaign, now=MORNING)
    record_outcome(db, task.task_id, "Amira", "needs_supervisor", reason="Manager upset",
                   now=MORNING)
    screen = open_dashboard(qtbot, db, folder)
    assert screen.escalated.rowCount() == 1
    assert screen.escalated.record(0).note == "Manager upset"
    assert "(1)" in screen.tabs.tabText(2)
    qtbot.keyClick(screen, Qt.Key.Key_B,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert "back in the queue" in screen.banner.label.text()
    assert screen.escalated.rowCount() == 0


def _agent(db):
    from outbound.users import add_user

    add_user(db, "Amira")
    return "Amira"
