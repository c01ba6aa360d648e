"""Booking on the call: the slot picker for vaccinations and the registrar's two parts."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from outbound.booking import find_free_slots, get_appointments, waiting_list
from outbound.booking.demo import build_demo_bookings
from outbound.clock import london_day
from outbound.contacts import ContactFilter
from outbound.db import Database
from outbound.importing import import_rows
from outbound.queue.campaigns import create_campaign, enrol
from outbound.users import add_user
from tests.ui.test_call_screen import ALT, CTRL, Clock, at, build_screen, next_call, press, row
from ui.agent import numbers, slot_picker
from ui.agent.call_screen import CallScreen
from ui.operations import Operations

MONDAY = date(2026, 11, 23)
# Campaigns, enrolment and the booking sessions are made on the morning of the calls.
pytestmark = pytest.mark.clock(at(MONDAY, 10, 0))


def make_drive(db: Database, template: str, name: str) -> int:
    """Two people to book, and four weeks of clinic and register office sessions."""
    add_user(db, "Sam")
    add_user(db, "Jo")
    import_rows(db, ["Name", "Organisation", "Telephone", "Reference"],
                [(2, ["Aisha Begum", "Oak Lodge", "0113 496 0101", "R-1"]),
                 (3, ["Tomasz Nowak", "Ivy House", "0113 496 0102", "R-2"])],
                file_name="people.csv", source="People")
    campaign = create_campaign(db, template, name)
    enrol(db, campaign, where=ContactFilter(source="People"))
    build_demo_bookings(db, MONDAY)
    return campaign


@pytest.fixture
def clock() -> Clock:
    return Clock(at(MONDAY, 10, 5))


@pytest.fixture
def open_screen(qtbot, db, clock, tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(numbers, "open_in_softphone", lambda _url: True)
    Operations.synchronous = True

    def make(template: str, name: str) -> CallScreen:
        make_drive(db, template, name)
        screen = build_screen(qtbot, db, clock, tmp_path / "drafts")
        screen.select_campaign(name)
        next_call(qtbot, screen)
        return screen

    yield make
    Operations.synchronous = False


def choose(qtbot, screen: CallScreen, down: int = 1) -> None:  # type: ignore[no-untyped-def]
    """Arrow down the free times and press Enter: the one chosen is held."""
    picker = screen.slots
    picker.offers.setFocus()
    before = picker.held
    for _ in range(down):
        press(qtbot, picker.offers, Qt.Key.Key_Down)
    press(qtbot, picker.offers, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: picker.held is not None and picker.held is not before)


def fill_vaccination_form(qtbot, screen: CallScreen) -> None:  # type: ignore[no-untyped-def]
    role = row(screen, "staff_role").editor
    role.focus_target().setFocus()
    press(qtbot, role.focus_target(), Qt.Key.Key_C)                   # Care home staff
    employer = row(screen, "employer").editor.focus_target()
    employer.setFocus()
    qtbot.keyClicks(employer, "Oak Lodge")
    eligible = row(screen, "eligibility_confirmed").editor.focus_target()
    eligible.setFocus()
    press(qtbot, eligible, Qt.Key.Key_Y)
    dose = row(screen, "dose_needed").editor.focus_target()
    dose.setFocus()
    press(qtbot, dose, Qt.Key.Key_B)                                  # Booster


def test_a_vaccination_booked_with_the_keyboard(qtbot, open_screen, db, tmp_path,
                                               monkeypatch) -> None:  # type: ignore[no-untyped-def]
    screen = open_screen("vaccination_booking", "Vaccinations")
    picker = screen.slots
    assert picker is not None and picker.isVisibleTo(screen)
    assert picker.title.text() == "Booking: Vaccination appointment (10 minutes)"
    assert picker.offers.count() > 0 and not picker.book_button.isEnabled()
    fill_vaccination_form(qtbot, screen)
    choose(qtbot, screen, down=2)
    offer = picker.selected()
    assert "held for you until" in picker.status.text()
    # While it is held, nobody else is offered that place if it was the last.
    others = find_free_slots(db, "Vaccination appointment", agent="Jo", now=screen.clock(),
                             limit=50)
    held = [o for o in others if o.slot_id == offer.slot_id]
    assert not held or held[0].free == offer.free - 1
    press(qtbot, picker.offers, Qt.Key.Key_B, CTRL)
    assert picker.booked is not None
    assert "Your appointment is booked." in picker.confirmation.toPlainText()
    assert "Please bring your work ID badge" in picker.confirmation.toPlainText()
    assert "read the confirmation out" in screen.notice.text()
    target = tmp_path / "booking.ics"
    monkeypatch.setattr(slot_picker, "ask_where_to_save", lambda _parent, _name: str(target))
    press(qtbot, screen.focusWidget(), Qt.Key.Key_S, CTRL)
    assert target.read_bytes().startswith(b"BEGIN:VCALENDAR")
    first = screen.card.task.task_id
    with qtbot.waitSignal(screen.outcome_recorded) as recorded:
        press(qtbot, screen.focusWidget(), Qt.Key.Key_1)
    assert recorded.args == ["booked"]
    assert screen.card.task.task_id != first
    assert picker.booked is None and picker.confirmation.isHidden()
    made = get_appointments(db, picker_reference(target))
    assert made[0].starts_at == offer.starts_at and made[0].contact_name == "Aisha Begum"


def picker_reference(ics: Path) -> str:
    text = ics.read_text()
    return text.split("UID:")[1].split("@")[0]


def test_booked_cannot_be_recorded_by_accident_without_a_booking(qtbot, open_screen) -> None:  # type: ignore[no-untyped-def]
    screen = open_screen("vaccination_booking", "Vaccinations")
    fill_vaccination_form(qtbot, screen)
    screen.page.numbers.buttons[0].setFocus()
    for _twice in range(2):
        press(qtbot, screen.focusWidget(), Qt.Key.Key_1)
        assert "Nothing is booked for Aisha Begum yet, so “Booked” cannot be recorded" in \
            screen.notice.text()
        assert screen.state == "call"
        assert screen.page.contact.name.text() == "Aisha Begum"


def test_two_parts_the_second_from_the_next_allowed_day(qtbot, open_screen, db) -> None:  # type: ignore[no-untyped-def]
    screen = open_screen("registrar_birth_booking", "Births")
    picker = screen.slots
    assert picker.step.text().startswith("Part 1 of 2: Telephone appointment")
    assert picker.book_button.text() == "Book both (Ctrl+B)"
    choose(qtbot, screen)
    first = picker.chosen[0]
    assert first.service == "Telephone appointment"
    assert picker.part == 2
    qtbot.waitUntil(lambda: picker.choices is not None and picker.choices.part == 2)
    earliest = london_day(first.starts_at) + timedelta(days=1)
    assert all(o.service == "Signing the register" for o in picker.choices.offers)
    assert all(london_day(o.starts_at) >= earliest for o in picker.choices.offers)
    assert not picker.book_button.isEnabled()
    choose(qtbot, screen)
    assert picker.ready() and len(picker.held.starts) == 2     # 30 minutes: 2 slots each
    press(qtbot, picker.offers, Qt.Key.Key_B, CTRL)
    parts = picker.booked.appointments
    assert [a.part for a in parts] == [1, 2]
    assert [a.service for a in parts] == ["Telephone appointment", "Signing the register"]
    assert "Your 2 appointments are booked." in picker.confirmation.toPlainText()


def test_a_held_place_is_let_go_when_the_call_ends_without_a_booking(qtbot, open_screen,
                                                                    db) -> None:  # type: ignore[no-untyped-def]
    screen = open_screen("registrar_birth_booking", "Births")
    choose(qtbot, screen)
    held = screen.slots.chosen[0]

    def offered_to_jo() -> bool:
        return any(o.slot_id == held.slot_id for o in find_free_slots(
            db, "Telephone appointment", agent="Jo", now=screen.clock(), limit=100))

    assert not offered_to_jo()              # one registrar, one place: held for Sam
    screen.page.numbers.buttons[0].setFocus()
    with qtbot.waitSignal(screen.outcome_recorded):
        press(qtbot, screen.focusWidget(), Qt.Key.Key_2)                # no answer
    assert offered_to_jo()


def test_put_on_the_waiting_list(qtbot, open_screen, db) -> None:  # type: ignore[no-untyped-def]
    screen = open_screen("vaccination_booking", "Vaccinations")
    press(qtbot, screen.focusWidget(), Qt.Key.Key_L, CTRL)       # when and where?
    press(qtbot, screen.focusWidget(), Qt.Key.Key_Return)        # any day, any time
    assert "Aisha Begum is on the waiting list for Vaccination appointment, any day and " \
        "time." in screen.notice.text()
    entries = waiting_list(db, campaign="Vaccinations")
    assert len(entries) == 1 and entries[0].service == "Vaccination appointment"
    # Then a call-back, say, to hear about an earlier place.
    press(qtbot, screen.focusWidget(), Qt.Key.Key_5, ALT)
    assert screen.page.picker.isVisibleTo(screen)
