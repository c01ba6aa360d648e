"""The assignment screen: share a round evenly, by district, back to the pool."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from outbound.demo import build_demo
from outbound.queue.assign import agent_load
from outbound.queue.claim import claim_next_task
from outbound.users import add_user
from tests.ui.test_supervisor_support import (
    CALLING_DAY,
    activate,
    care_tracker,
    services_for,
)
from ui.operations import Operations
from ui.supervisor.assignment import AssignmentScreen


@pytest.fixture
def setup(qtbot, db, tmp_path, monkeypatch):
    Operations.synchronous = True
    build_demo(db, scale=0.05)
    for name in ("Amira", "Bernard", "Chidi"):
        add_user(db, name)
    campaign = care_tracker(db, CALLING_DAY)
    widget = AssignmentScreen(services_for(db, tmp_path))
    qtbot.addWidget(widget)
    activate(qtbot, widget)
    monkeypatch.setattr("ui.supervisor.assignment.confirm", lambda *a: True)
    yield widget, campaign
    Operations.synchronous = False


def ctrl(qtbot, widget, key, shift=False):
    mods = Qt.KeyboardModifier.ControlModifier
    if shift:
        mods |= Qt.KeyboardModifier.ShiftModifier
    qtbot.keyClick(widget, key, mods)


def test_sharing_a_round_evenly_between_ticked_agents(setup, qtbot, db):
    screen, campaign = setup
    assert screen.campaign.currentText() == "Care tracker"
    assert screen.chosen_count.text() == "36 open calls chosen."
    assert screen.pool_label.text() == "36 open calls in the pool."
    screen.set_ticked(["Amira", "Chidi"])
    ctrl(qtbot, screen, Qt.Key.Key_T, shift=True)
    assert screen.banner.label.text() == "Shared: Amira 18, Chidi 18."
    assert agent_load(db, campaign) == {"Amira": 18, "Chidi": 18}
    texts = [screen.agents.item(i).text() for i in range(screen.agents.count())]
    assert "Amira — 18 on their list" in texts
    assert screen.pool_label.text() == "0 open calls in the pool."

    screen.only_unassigned.setChecked(True)
    screen.recount()
    assert screen.chosen_count.text() == "0 open calls chosen."


def test_one_agent_by_keyboard_then_back_to_the_pool(setup, qtbot, db):
    screen, campaign = setup
    screen.district.setCurrentIndex(screen.district.findData("Ashworth"))
    screen.recount()
    chosen = screen.chosen
    assert 0 < chosen < 36
    screen.agents.setFocus()
    screen.agents.setCurrentRow(1)  # Bernard, in name order
    ctrl(qtbot, screen, Qt.Key.Key_T)
    assert agent_load(db, campaign) == {"Bernard": chosen, "pool": 36 - chosen}
    ctrl(qtbot, screen, Qt.Key.Key_P, shift=True)
    assert agent_load(db, campaign) == {"pool": 36}


def test_by_district_and_releasing_an_absent_agents_calls(setup, qtbot, db):
    screen, campaign = setup
    ctrl(qtbot, screen, Qt.Key.Key_B)
    dialog = screen.dialog
    dialog.choose("Ashworth", "Amira")
    dialog.choose("Dunmoor", "Bernard")
    dialog.accept()
    load = agent_load(db, campaign)
    assert set(load) == {"Amira", "Bernard", "pool"}
    assert "Ashworth" in screen.banner.label.text()

    from datetime import datetime, time

    from outbound.clock import LONDON

    at = datetime.combine(CALLING_DAY, time(10, 0), tzinfo=LONDON)
    assert claim_next_task(db, "Chidi", campaign, now=at) is not None
    screen.refresh()
    chidi = next(i for i in range(screen.agents.count())
                 if screen.agents.item(i).text().startswith("Chidi"))
    assert "holding 1 now" in screen.agents.item(chidi).text()
    screen.agents.setCurrentRow(chidi)
    ctrl(qtbot, screen, Qt.Key.Key_U, shift=True)
    assert screen.banner.label.text() == "Back in the queue: 1 call Chidi was holding."
