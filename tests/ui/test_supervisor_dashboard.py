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
from ui.supervisor.dashboard import DashboardScreen, clock

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


def _flagged_call(db, campaign, agent, at):  # type: ignore[no-untyped-def]
    """One call whose answers say the home has no masks: a flag, raised at ``at``."""
    import random

    from outbound.forms import form_of, validate
    from outbound.forms.examples import example_answers
    from outbound.queue.campaigns import list_campaigns, template_of

    form = form_of(template_of(next(c for c in list_campaigns(db) if c.id == campaign)))
    answers = validate(form, {**example_answers(form, random.Random(7)),
                              "ppe_masks": "red"}).cleaned
    task = claim_next_task(db, agent, campaign, now=at)
    record_outcome(db, task.task_id, agent, "completed", answers=answers, now=at)
    return task.contact_id


def test_flagged_answers_newest_first_by_home_and_marked_seen_with_ctrl_m(setup, qtbot):
    from sqlalchemy import select

    from outbound.db.capture_models import AnswerFlag
    from outbound.db.models import Contact

    db, folder, campaign = setup
    agent = _agent(db)
    older = _flagged_call(db, campaign, agent, MORNING.replace(hour=9))
    newer = _flagged_call(db, campaign, agent, MORNING)
    with db.read() as session:
        home = {c.id: c for c in session.scalars(select(Contact).where(
            Contact.id.in_((older, newer))))}
    screen = open_dashboard(qtbot, db, folder)
    flags = screen.flag_table
    rows = [[flags.proxy.index(r, c).data() for c in range(flags.proxy.columnCount())]
            for r in range(flags.proxy.rowCount())]
    headers = [screen.flags.headerData(c, Qt.Orientation.Horizontal)
               for c in range(screen.flags.columnCount())]
    assert headers[:5] == ["Flagged", "Home", "Provider", "District", "Question"]
    masks = [row for row in rows if row[4] == "PPE: masks"]
    # The newest flag is at the top, named by the home, not by its provider.
    assert [row[1] for row in masks] == [home[newer].name, home[older].name]
    assert masks[0][2] == (home[newer].organisation or "")
    assert rows[0][0] == clock(MORNING)
    assert all(row[4] != "ppe_masks" for row in rows)
    assert flags.horizontalHeader().arrow(0) is None

    qtbot.keyClick(screen, Qt.Key.Key_F, Qt.KeyboardModifier.AltModifier)
    assert screen.tabs.currentIndex() == 3
    qtbot.mouseClick(flags.viewport(), Qt.MouseButton.LeftButton,
                     pos=flags.visualRect(flags.proxy.index(0, 1)).center())
    chosen = flags.current_record()
    before = len(screen.flags.records)
    qtbot.keyClick(flags, Qt.Key.Key_M, Qt.KeyboardModifier.ControlModifier)
    assert "marked as seen by Pat" in screen.banner.label.text()
    assert len(screen.flags.records) == before - 1
    assert chosen.flag_id not in {f.flag_id for f in screen.flags.records}
    with db.read() as session:
        flag = session.get(AnswerFlag, chosen.flag_id)
        assert flag.reviewed_by == "Pat"
        assert flag.reviewed_at == MORNING.replace(hour=11)
