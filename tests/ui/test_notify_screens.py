"""Messages on the screens: a supervisor sees a campaign's messages and the failures
turned into calls, and sends a test message; an agent sees why the call was made and
what the person was sent."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtWidgets import QDialog

from outbound.queue.campaigns import template_of
from outbound.queue.claim import claim_next_task
from outbound.users import add_user
from tests.fake_notify import fake_in_thread
from tests.notify_helpers import person, run_until_idle, sender_for, warn_and_inform
from tests.ui.test_supervisor_support import activate, services_for
from ui.agent.call_data import load_card
from ui.agent.call_page import messages_text
from ui.operations import Operations
from ui.supervisor import messages_panel
from ui.supervisor.campaigns import CampaignsScreen

NOON = datetime(2026, 11, 25, 12, 0, tzinfo=ZoneInfo("Europe/London"))
pytestmark = pytest.mark.clock(NOON)


@pytest.fixture
def sent(db):
    cid = warn_and_inform(db, [person(1), person(99), person(3, phone="0161 496 0003")])
    with fake_in_thread(fail_ending=["99"]) as fake:
        run_until_idle(sender_for(db, fake.url))
    return cid


def test_the_supervisor_sees_the_messages_and_sends_a_test(qtbot, db, tmp_path, sent,
                                                            monkeypatch):
    Operations.synchronous = True
    try:
        screen = CampaignsScreen(services_for(db, tmp_path))
        qtbot.addWidget(screen)
        activate(qtbot, screen)
        assert screen.current().id == sent
        assert screen.messages.isVisible()
        text = screen.messages.summary.text()
        assert "0 queued, 0 sent, 1 delivered, 2 failed; 2 turned into calls" in text
        assert "text not delivered: number not in use" in text
        assert "no mobile number, no email address, no postal address" in text

        monkeypatch.setattr(messages_panel.TestMessageDialog, "exec",
                            lambda self: QDialog.DialogCode.Accepted)
        monkeypatch.setattr(messages_panel.TestMessageDialog, "values", lambda self: (
            "text", "07400 123456", "3c9e7a1b-4d2f-4e8a-9b6c-1f2e3d4c5b6a"))
        screen.messages.test_button.click()
        assert "Test text queued for 07400 123456" in screen.banner.label.text()
    finally:
        Operations.synchronous = False


def test_the_agent_sees_why_the_call_was_made_and_what_was_sent(db, sent):
    add_user(db, "Sam")
    calls = []
    while (task := claim_next_task(db, "Sam", sent)) is not None:
        calls.append(task)
    with db.read() as session:
        from outbound.db.models import Campaign

        template = template_of(session.get(Campaign, sent))
    cards = {card.contact["name"]: card for card in (
        load_card(db, "Sam", task, template, NOON, None) for task in calls)}
    failed = cards["Person 99"]
    assert failed.call_reasons == ["text not delivered: number not in use"]
    shown = messages_text(failed.call_reasons, failed.messages)
    assert shown.startswith("Why this call: text not delivered: number not in use")
    assert "Outbreak, 25 Nov: text not delivered: number not in use" in shown
    assert cards["Person 3"].call_reasons == [
        "no mobile number, no email address, no postal address"]


def test_the_agent_is_told_a_large_print_letter_cannot_be_sent(db):
    cid = warn_and_inform(db, [person(1, phone="0161 496 0001", address="2 Mill Lane, Pendle",
                                      postcode="PE1 1AA", needs="Large print")])
    add_user(db, "Sam")
    task = claim_next_task(db, "Sam", cid)
    with db.read() as session:
        from outbound.db.models import Campaign

        template = template_of(session.get(Campaign, cid))
    card = load_card(db, "Sam", task, template, NOON, None)
    assert messages_text(card.call_reasons, card.messages).startswith(
        "Why this call: needs large print: call instead of a letter")


def test_the_test_message_has_its_own_key_listed_in_the_help(qtbot, db, tmp_path, sent,
                                                             monkeypatch):
    from PySide6.QtCore import Qt

    from outbound.queue.campaigns import create_campaign
    from ui.actions import shortcut_table

    assert ("Campaigns", "Send a test message", "Ctrl+Shift+M") in shortcut_table()
    keys = [keys for where, _what, keys in shortcut_table()
            if where in ("Campaigns", "Everywhere")]
    assert keys.count("Ctrl+Shift+M") == 1
    create_campaign(db, "welfare_check", "Checking in")       # no messages
    opened = []

    def fill_in(dialog):          # the dialog, typed into as a supervisor would
        opened.append(dialog)
        qtbot.keyClicks(dialog.to, "07400 123456")
        qtbot.keyClicks(dialog.template, "3c9e7a1b-4d2f-4e8a-9b6c-1f2e3d4c5b6a")
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(messages_panel.TestMessageDialog, "exec", fill_in)
    Operations.synchronous = True
    try:
        screen = CampaignsScreen(services_for(db, tmp_path))
        qtbot.addWidget(screen)
        activate(qtbot, screen)
        ctrl_shift = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
        assert screen.table.select_row_where(lambda c: c.name == "Checking in")
        assert not screen.messages.isVisible()
        qtbot.keyClick(screen, Qt.Key.Key_M, ctrl_shift)
        assert opened == []                       # no messages: the key does nothing
        assert screen.table.select_row_where(lambda c: c.id == sent)
        qtbot.waitUntil(screen.messages.isVisible)
        qtbot.keyClick(screen.table, Qt.Key.Key_M, ctrl_shift)
        assert len(opened) == 1
        assert "Test text queued for 07400 123456" in screen.banner.label.text()
    finally:
        Operations.synchronous = False
    with db.read() as session:
        from sqlalchemy import select

        from outbound.db.notify_models import Message

        test = session.scalar(select(Message).where(Message.code == "test"))
    assert (test.channel, test.destination) == ("text", "+447400123456")
