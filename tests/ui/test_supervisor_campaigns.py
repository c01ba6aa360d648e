"""The campaigns screen: start a campaign from a template, enrol, make today's calls."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt, QTime

from outbound.demo import build_demo
from outbound.queue.campaigns import list_campaigns, template_of
from tests.ui.test_supervisor_support import activate, services_for
from ui.operations import Operations
from ui.supervisor.campaigns import CampaignsScreen


@pytest.fixture
def screen(qtbot, db, tmp_path):
    Operations.synchronous = True
    build_demo(db, scale=0.05)
    widget = CampaignsScreen(services_for(db, tmp_path))
    qtbot.addWidget(widget)
    activate(qtbot, widget)
    yield widget
    Operations.synchronous = False


def ctrl(qtbot, widget, key, shift=False):
    mods = Qt.KeyboardModifier.ControlModifier
    if shift:
        mods |= Qt.KeyboardModifier.ShiftModifier
    qtbot.keyClick(widget, key, mods)


def test_new_campaign_from_a_template_with_its_own_calling_hours(screen, qtbot, db):
    assert "no campaigns yet" in screen.banner.label.text()
    ctrl(qtbot, screen, Qt.Key.Key_N)
    dialog = screen.campaign_dialog
    dialog.template.setCurrentIndex(dialog.template.findData("care_capacity_tracker"))
    dialog.name.selectAll()
    qtbot.keyClicks(dialog.name, "Care tracker, winter")
    dialog.window_from.setTime(QTime(9, 0))
    dialog.day_boxes[6].setChecked(False)  # not on Sundays
    qtbot.keyClick(dialog.name, Qt.Key.Key_Return)

    assert "Care tracker, winter is started" in screen.banner.label.text()
    [campaign] = list_campaigns(db)
    assert campaign.owner == "Pat"
    window = template_of(campaign).window
    assert window.start.hour == 9 and 6 not in window.days
    assert set(campaign.overrides) == {"calling_window"}
    assert screen.model.rowCount() == 1
    assert screen.current().name == "Care tracker, winter"


def test_enrolling_after_creating_a_campaign_enrols_in_the_new_one(screen, qtbot, db):
    from outbound.queue.campaigns import create_campaign

    tracker = create_campaign(db, "care_capacity_tracker", "Care capacity tracker")
    screen.refresh()
    assert screen.current().id == tracker
    ctrl(qtbot, screen, Qt.Key.Key_N)
    dialog = screen.campaign_dialog
    dialog.template.setCurrentIndex(dialog.template.findData("bus_pass_renewal"))
    dialog.name.selectAll()
    qtbot.keyClicks(dialog.name, "Bus pass renewals 2027")
    qtbot.keyClick(dialog.name, Qt.Key.Key_Return)
    assert "Enrol contacts next (Ctrl+Shift+E)" in screen.banner.label.text()
    assert screen.current().name == "Bus pass renewals 2027"
    ctrl(qtbot, screen, Qt.Key.Key_E, shift=True)
    enrol = screen.enrol_dialog
    assert enrol.windowTitle() == "Enrol contacts in Bus pass renewals 2027"
    enrol.source.setCurrentIndex(enrol.source.findData("Care providers (CQC)"))
    enrol.recount()
    assert enrol.ok.text().replace("&", "") == "Enrol 36 contacts in Bus pass renewals 2027"
    qtbot.keyClick(enrol.source, Qt.Key.Key_Return)
    assert "36 contacts enrolled in Bus pass renewals 2027" in screen.banner.label.text()
    assert next(c for c in screen.model.records if c.id == tracker).enrolled == 0


def test_enrol_by_source_then_make_todays_round_then_pause(screen, qtbot, db):
    from outbound.queue.campaigns import create_campaign

    create_campaign(db, "care_capacity_tracker", "Care tracker")
    screen.refresh()
    ctrl(qtbot, screen, Qt.Key.Key_E, shift=True)
    dialog = screen.enrol_dialog
    dialog.source.setCurrentIndex(dialog.source.findData("Care providers (CQC)"))
    dialog.recount()
    assert dialog.count.text() == "36 contacts match."
    qtbot.keyClick(dialog.source, Qt.Key.Key_Return)
    assert "36 contacts enrolled in Care tracker" in screen.banner.label.text()
    assert screen.current().enrolled == 36

    ctrl(qtbot, screen, Qt.Key.Key_G)
    text = screen.banner.label.text()
    assert "36 calls ready" in text or "not a calling day" in text

    ctrl(qtbot, screen, Qt.Key.Key_P)
    assert screen.current().status == "paused"
    assert not screen.screen_actions_enabled("pause_campaign")
    ctrl(qtbot, screen, Qt.Key.Key_R)
    assert screen.current().status == "active"


def test_a_bad_choice_is_a_message_not_a_crash(screen, qtbot):
    ctrl(qtbot, screen, Qt.Key.Key_N)
    dialog = screen.campaign_dialog
    dialog.name.clear()
    dialog.accept()
    assert dialog.isVisible()
    assert "name" in dialog.banner.label.text()
    dialog.name.setText("Something")
    dialog.window_to.setTime(QTime(7, 0))
    dialog.window_from.setTime(QTime(9, 0))
    dialog.accept()
    assert "end after they start" in dialog.banner.label.text()
    dialog.reject()


def test_changing_a_campaign_shows_its_settings(screen, qtbot, db):
    from outbound.queue import campaigns as engine

    engine.create_campaign(db, "care_capacity_tracker", "Care tracker", owner="Pat",
                           overrides={"max_attempts": 3})
    screen.refresh()
    qtbot.keyClick(screen, Qt.Key.Key_F2)
    dialog = screen.campaign_dialog
    assert not dialog.template.isEnabled()
    assert dialog.name.text() == "Care tracker"
    assert dialog.max_attempts.value() == 3
    assert dialog.owner.currentText() == "Pat"
    dialog.max_attempts.setValue(4)
    dialog.accept()
    assert template_of(list_campaigns(db)[0]).max_attempts == 4
    assert "is changed" in screen.banner.label.text()
