"""The contacts screen: search as you type, filters, and do-not-call from the keyboard."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import Qt

from outbound.audit import AuditFilter, search_audit
from outbound.contacts import get_contact
from outbound.demo import build_demo
from tests.ui.test_supervisor_support import activate, services_for
from ui.operations import Operations
from ui.supervisor.contacts import ContactsScreen
from ui.supervisor.contacts_model import ContactIdWindow


@pytest.fixture
def screen(qtbot, sqlite_db, tmp_path):
    Operations.synchronous = True
    build_demo(sqlite_db, scale=0.05)
    widget = ContactsScreen(services_for(sqlite_db, tmp_path))
    qtbot.addWidget(widget)
    activate(qtbot, widget)
    widget.screen_shown()
    yield widget
    Operations.synchronous = False


def test_contacts_are_listed_and_found_by_typing(screen, qtbot):
    assert screen.model.rowCount() > 400
    assert screen.count_label.text() == f"{screen.model.rowCount():,} contacts."
    assert screen.model.index(0, 0).data()
    assert screen.model.index(0, 2).data().startswith("0")  # national format
    screen.focus_search()
    qtbot.keyClicks(screen.search, "REG-2026-00001")
    qtbot.waitUntil(lambda: screen.model.rowCount() == 1)
    assert screen.current_contact is not None
    assert screen.current_contact.external_ref == "REG-2026-00001"
    assert "REG-2026-00001" in screen.details.toPlainText()
    # The audit trail says who searched for what, and whose record they saw.
    searched = search_audit(screen.services.db, AuditFilter(action="searched"))[0]
    assert (searched.actor, searched.summary) == (
        "Pat", "Searched contacts for “REG-2026-00001”: 1 found.")
    opened = search_audit(screen.services.db, AuditFilter(action="record_opened"))[0]
    assert (opened.actor, opened.contact_id) == ("Pat", screen.current_contact.id)


def test_filters_narrow_the_list(screen):
    everyone = screen.model.rowCount()
    screen.district.setCurrentIndex(screen.district.findData("Ashworth"))
    in_district = screen.model.rowCount()
    assert 0 < in_district < everyone
    assert {screen.model.index(r, 3).data() for r in range(in_district)} == {"Ashworth"}
    screen.source.setCurrentIndex(screen.source.findData("Blue Badge"))
    assert 0 < screen.model.rowCount() < in_district


def test_stopping_and_allowing_calls(screen, qtbot, sqlite_db):
    qtbot.keyClicks(screen.search, "REG-2026-00002")
    qtbot.keyClick(screen.search, Qt.Key.Key_Return)
    contact = screen.current_contact
    assert screen.stop_action.isEnabled() and not screen.allow_action.isEnabled()

    qtbot.keyClick(screen, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    dialog = screen.dialog
    dialog.reason_box.setCurrentIndex(dialog.reason_box.findData("deceased"))
    dialog.source_box.setCurrentText("Tell Us Once")
    qtbot.keyClick(dialog.reason_box, Qt.Key.Key_Return)
    assert "will not be called again" in screen.banner.label.text()
    assert get_contact(sqlite_db, contact.id).do_not_call
    assert screen.model.index(0, 7).data() == "Do not call"
    assert "Deceased (told by Tell Us Once, recorded by Pat)" in screen.details.toPlainText()

    screen.show_only.setCurrentIndex(screen.show_only.findData("suppressed"))
    assert screen.model.rowCount() == 1

    qtbot.keyClick(screen, Qt.Key.Key_D,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    qtbot.keyClicks(screen.dialog.reason_edit, "Reported in error")
    qtbot.keyClick(screen.dialog.reason_edit, Qt.Key.Key_Return)
    assert "recorded as deceased" in screen.banner.label.text()  # the engine refuses
    assert get_contact(sqlite_db, contact.id).do_not_call


def test_the_id_list_is_fetched_a_block_at_a_time():
    asked = []

    def load(offset, limit):
        asked.append(offset)
        return list(range(offset + 1, min(offset + limit, 2500) + 1))

    ids = ContactIdWindow(2500, list(range(1, 1001)), load)
    assert len(ids) == 2500 and ids[0] == 1 and ids[999] == 1000
    assert asked == []
    assert ids[2499] == 2500
    assert asked == [2000]
    assert ids[1000:1003] == [1001, 1002, 1003]
    assert asked == [2000, 1000]



@pytest.mark.clock(datetime(2026, 11, 23, 11, 0, tzinfo=ZoneInfo("Europe/London")))
def test_a_home_is_found_by_its_name_and_its_calls_and_stops_are_shown(screen, qtbot,
                                                                       sqlite_db):
    """Searching for a care home's name finds it (not only the manager's name); the
    panel lists the calls made to it and says who recorded a do-not-call, by name."""
    from sqlalchemy import select

    from outbound.contacts import ContactFilter
    from outbound.db.models import Contact
    from outbound.queue.campaigns import create_campaign, enrol
    from outbound.queue.claim import claim_next_task
    from outbound.queue.outcomes import record_outcome

    with sqlite_db.read() as session:
        home = session.execute(
            select(Contact.id, Contact.organisation)
            .where(Contact.organisation.like("%Care%"), Contact.name_key.not_like("%care%"),
                   Contact.primary_phone.is_not(None), Contact.do_not_call.is_(False))
            .order_by(Contact.id).limit(1)).one()
    screen.focus_search()
    qtbot.keyClicks(screen.search, home.organisation)
    qtbot.waitUntil(lambda: screen.current_contact is not None
                    and screen.current_contact.id == home.id)
    assert screen.current_contact.organisation == home.organisation
    # a welfare call to the home that asks not to be called again
    from outbound.users import add_user

    add_user(sqlite_db, "Nia Jones")
    welfare = create_campaign(sqlite_db, "welfare_check", "Welfare calls")
    enrol(sqlite_db, welfare, where=ContactFilter(search=home.organisation,
                                                  callable_only=True))
    now = datetime(2026, 11, 23, 11, 5, tzinfo=ZoneInfo("Europe/London"))
    claims = [claim_next_task(sqlite_db, "Nia Jones", welfare, now=now) for _ in range(6)]
    claimed = next(c for c in claims if c is not None and c.contact_id == home.id)
    record_outcome(sqlite_db, claimed.task_id, "Nia Jones", "asked_not_to_be_called",
                   notes="Please stop ringing", now=now)
    screen.load_contact(home.id)
    text = screen.details.toPlainText()
    assert "Calls" in text and "Welfare calls, Nia Jones" in text
    assert "Please stop ringing" in text
    assert "recorded by Nia Jones" in text
