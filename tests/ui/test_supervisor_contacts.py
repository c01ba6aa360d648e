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
    # The audit trail says who searched, whom it listed and whose record they saw, but
    # not the words typed (an erasure could not remove them from an entry).
    searched = search_audit(screen.services.db, AuditFilter(action="searched"))[0]
    assert (searched.actor, searched.summary) == (
        "Pat", "Searched contacts by name, number or reference (1 word): 1 found.")
    assert searched.detail["listed"] == [screen.current_contact.id]
    assert "REG-2026" not in str(searched.detail)
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


def _find(screen, qtbot, name: str) -> None:  # type: ignore[no-untyped-def]
    screen.focus_search()
    qtbot.keyClicks(screen.search, name)
    qtbot.keyClick(screen.search, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: screen.current_contact is not None
                    and screen.current_contact.name == name)


@pytest.mark.clock(datetime(2026, 7, 14, 10, 30, tzinfo=ZoneInfo("Europe/London")))
def test_a_supervisor_allows_a_premium_rate_number_from_the_keyboard(screen, qtbot,
                                                                     sqlite_db, tmp_path):
    from outbound.importing import import_file
    from tests.test_import import write_csv

    import_file(sqlite_db, write_csv(tmp_path / "list.csv", [
        ["Name", "Tel No"], ["Quentin Premiumline", "09065 123456"],
        ["Olive Ordinaryline", "0113 496 0123"]]), source="Premium test")
    screen.refresh()
    _find(screen, qtbot, "Olive Ordinaryline")
    assert not screen.premium_action.isEnabled()          # nothing held back
    qtbot.keyClick(screen, Qt.Key.Key_R,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert not hasattr(screen, "dialog")                   # the key does nothing here

    screen.search.clear()
    _find(screen, qtbot, "Quentin Premiumline")
    contact = screen.current_contact
    assert screen.premium_action.isEnabled() and not contact.callable
    assert "Number history" not in screen.details.toPlainText()
    qtbot.keyClick(screen, Qt.Key.Key_R,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    dialog = screen.dialog
    assert "09065 123456 is a premium-rate number" in dialog.findChildren(
        type(screen.count_label))[0].text()
    qtbot.keyClick(dialog, Qt.Key.Key_Return)
    assert screen.banner.label.text() == (
        "Agents may now call Quentin Premiumline's premium-rate number.")
    assert get_contact(sqlite_db, contact.id).callable
    assert not screen.premium_action.isEnabled()           # nothing left to allow
    text = screen.details.toPlainText()
    # on the UK clock (British Summer Time), by name
    assert "14/07/2026 10:30: 0906 512 3456 premium-rate number allowed by Pat" in text


@pytest.mark.clock(datetime(2026, 11, 23, 15, 0, tzinfo=ZoneInfo("Europe/London")))
def test_the_number_history_and_corrections_are_shown_newest_first(screen, qtbot,
                                                                   sqlite_db, tmp_path):
    from outbound.contact_changes import add_number, change_detail
    from outbound.db.models import Contact
    from outbound.importing import import_file
    from outbound.numbers import mark_wrong_number
    from tests.test_import import write_csv

    import_file(sqlite_db, write_csv(tmp_path / "list.csv", [
        ["Name", "Tel No", "Email"],
        ["Rowena Corrected", "0113 496 0456", "old@example.org"]]), source="Changes test")
    with sqlite_db.read() as session:
        from sqlalchemy import select

        contact_id = session.scalar(select(Contact.id).where(
            Contact.name == "Rowena Corrected"))
    morning = datetime(2026, 11, 23, 9, 15, tzinfo=ZoneInfo("Europe/London"))

    def wrong(session):  # type: ignore[no-untyped-def]
        mark_wrong_number(session, session.get(Contact, contact_id), None, by="Nia Jones",
                          now=morning)

    sqlite_db.run_write(wrong)
    add_number(sqlite_db, contact_id, "0161 496 0789", agent="Nia Jones",
               now=morning.replace(hour=9, minute=20))
    change_detail(sqlite_db, contact_id, "email", "new@example.org", agent="Sam Patel",
                  now=morning.replace(hour=11, minute=5))
    _find(screen, qtbot, "Rowena Corrected")
    text = screen.details.toPlainText()
    assert "23/11/2026 09:15: 0113 496 0456 marked as a wrong number by Nia Jones" in text
    changes = text[text.index("Corrections made on calls"):]
    email = changes.index("23/11/2026 11:05: Email changed from old@example.org to "
                          "new@example.org by Sam Patel")
    number = changes.index("23/11/2026 09:20: New number changed from nothing to "
                           "0161 496 0789 by Nia Jones")
    assert email < number                                   # newest first
    assert not screen.premium_action.isEnabled()
