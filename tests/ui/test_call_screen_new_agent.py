"""The agent's day as a new agent tries it: what the contact's record already says, the
waiting list's preferences, typing on after a change, and a screen that keeps still."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt

from outbound import booking
from outbound.booking import find_free_slots, waiting_list
from outbound.booking.demo import build_demo_bookings
from outbound.contacts import ContactFilter
from outbound.forms.examples import example_answers
from outbound.importing import import_rows
from outbound.queue.campaigns import create_campaign, enrol
from outbound.users import add_user
from tests.ui import test_form_keys as form_keys
from tests.ui.test_call_screen import ALT, CTRL, Clock, at, build_screen, next_call, press, row
from tests.ui.test_call_screen_booking import MONDAY
from ui.agent import numbers, slot_picker
from ui.agent.call_screen import CallScreen
from ui.operations import Operations

pytestmark = pytest.mark.clock(at(MONDAY, 10, 0))
open_call = form_keys.open_call


@pytest.fixture
def open_births(qtbot, db, tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    """A registrar drive whose first parent needs a Punjabi interpreter; ``before(db,
    campaign)`` runs before the screen opens on the first call."""
    monkeypatch.setattr(numbers, "open_in_softphone", lambda _url: True)
    Operations.synchronous = True

    def make(before: Callable[[Any, int], None] | None = None) -> CallScreen:
        add_user(db, "Sam")
        add_user(db, "Jo")
        import_rows(db, ["Name", "Telephone", "Accessibility needs"],
                    [(2, ["Harpreet Kaur", "0113 496 0101", "Interpreter: Punjabi"]),
                     (3, ["Tomasz Nowak", "0113 496 0102", ""])],
                    file_name="births.csv", source="Births")
        campaign = create_campaign(db, "registrar_birth_booking", "Births")
        enrol(db, campaign, where=ContactFilter(source="Births"))
        build_demo_bookings(db, MONDAY)
        if before is not None:
            before(db, campaign)
        screen = build_screen(qtbot, db, Clock(at(MONDAY, 10, 5)), tmp_path / "drafts")
        screen.select_campaign("Births")
        next_call(qtbot, screen)
        return screen

    yield make
    Operations.synchronous = False


@pytest.fixture
def births(open_births):  # type: ignore[no-untyped-def]
    return open_births()


def y_of(screen: CallScreen, widget) -> int:  # type: ignore[no-untyped-def]
    return widget.mapTo(screen, QPoint(0, 0)).y()


def test_the_interpreter_in_the_contacts_needs_is_filled_in_and_can_be_changed(
        qtbot, births) -> None:  # type: ignore[no-untyped-def]
    screen = births
    assert screen.page.contact.name.text() == "Harpreet Kaur"
    needed = row(screen, "interpreter_needed")
    language = row(screen, "interpreter_language")
    assert needed.editor.value() is True
    assert language.isVisibleTo(screen) and language.editor.value() == "Punjabi"
    assert needed.carried_tag.text() == "from their record"
    assert language.carried_tag.isVisibleTo(screen)
    assert not row(screen, "bsl_needed").carried_tag.isVisibleTo(screen)
    assert screen.slots.minutes == 45                       # 30, and 15 for the interpreter
    # The person says they no longer need one: the agent changes it by key.
    needed.editor.focus_target().setFocus()
    press(qtbot, screen.focusWidget(), Qt.Key.Key_N)
    assert needed.editor.value() is False
    assert not needed.carried_tag.isVisibleTo(screen)
    assert not language.isVisibleTo(screen)
    assert screen.slots.minutes == 30


# ---- the waiting list ---------------------------------------------------------------

def test_the_waiting_list_asks_which_days_times_and_place_suit(qtbot, births, db) -> None:  # type: ignore[no-untyped-def]
    screen = births
    picker = screen.slots
    press(qtbot, screen.focusWidget(), Qt.Key.Key_L, CTRL)
    choice = picker.waiting_choice
    assert choice.isVisibleTo(screen)
    assert [box.isChecked() for box in choice.days] == [True] * 6      # any day to start
    assert choice.times.currentText() == "Any time"
    assert choice.place.currentText() == "Any location"               # the place on screen
    assert screen.focusWidget() is choice.add_button
    assert waiting_list(db, campaign="Births") == []                  # nothing yet
    # Not Saturdays, mornings only, at the first register office: all by keys.
    press(qtbot, screen.focusWidget(), Qt.Key.Key_Backtab)             # Back
    press(qtbot, screen.focusWidget(), Qt.Key.Key_Backtab)             # the place
    assert screen.focusWidget() is choice.place
    press(qtbot, choice.place, Qt.Key.Key_Down)
    office = choice.place.currentText()
    press(qtbot, screen.focusWidget(), Qt.Key.Key_Backtab)
    assert screen.focusWidget() is choice.times
    press(qtbot, choice.times, Qt.Key.Key_Down)
    press(qtbot, screen.focusWidget(), Qt.Key.Key_Backtab)
    assert screen.focusWidget() is choice.days[5]
    press(qtbot, choice.days[5], Qt.Key.Key_Space)
    press(qtbot, screen.focusWidget(), Qt.Key.Key_Return)
    assert choice.isHidden()
    [entry] = waiting_list(db, campaign="Births")
    assert (entry.preferred_days, entry.preferred_times) == ("mon,tue,wed,thu,fri", "morning")
    assert entry.location_id == choice.place.currentData() and entry.location_id is not None
    assert screen.notice.text() == ("Harpreet Kaur is on the waiting list for Telephone "
                                    "appointment: Mondays, Tuesdays, Wednesdays, Thursdays "
                                    f"and Fridays, mornings, at {office}.")


def test_ctrl_l_twice_puts_them_on_for_any_day_and_esc_goes_back(qtbot, births, db) -> None:  # type: ignore[no-untyped-def]
    screen = births
    choice = screen.slots.waiting_choice
    press(qtbot, screen.focusWidget(), Qt.Key.Key_L, CTRL)
    press(qtbot, screen.focusWidget(), Qt.Key.Key_Escape)
    assert choice.isHidden() and waiting_list(db, campaign="Births") == []
    press(qtbot, screen.focusWidget(), Qt.Key.Key_L, CTRL)
    press(qtbot, screen.focusWidget(), Qt.Key.Key_L, CTRL)
    [entry] = waiting_list(db, campaign="Births")
    assert (entry.preferred_days, entry.preferred_times, entry.location_id) == \
        (None, None, None)
    assert "any day and time" in screen.notice.text()


def test_the_offer_call_shows_when_and_where_they_can_come(qtbot, open_births) -> None:  # type: ignore[no-untyped-def]
    def freed_place_offered(db, campaign: int) -> None:  # type: ignore[no-untyped-def]
        now = at(MONDAY, 9, 0)
        tuesday = MONDAY + timedelta(days=1)
        slot = find_free_slots(db, "Telephone appointment", from_=tuesday, minutes=30,
                               now=now, limit=1)[0]
        made = booking.book(db, "Jo", 2, slot.slot_id, minutes=30, campaign=campaign,
                            now=now)
        booking.add_to_waiting_list(db, campaign, 1, "Telephone appointment", minutes=30,
                                    days="tue", times="morning", now=now)
        [offer] = booking.cancel(db, "Jo", made.reference, "unwell",
                                 now=now + timedelta(minutes=5)).offers
        assert offer.contact_id == 1

    screen = open_births(freed_place_offered)
    assert screen.page.contact.name.text() == "Harpreet Kaur"
    note = screen.slots.offer_note
    assert note.isVisibleTo(screen)
    assert "offered from the waiting list for Telephone appointment" in note.text()
    assert note.text().endswith("They can come: Tuesdays, mornings.")


# ---- a screen that keeps still ----------------------------------------------------------

def test_help_under_a_question_moves_no_question_below(qtbot, births) -> None:  # type: ignore[no-untyped-def]
    screen = births
    babies = row(screen, "number_of_babies")
    below = row(screen, "parents_married").editor.focus_target()
    screen.page.numbers.buttons[0].setFocus()
    assert not babies.help.isVisible()
    before = y_of(screen, below)
    babies.editor.focus_target().setFocus()
    assert babies.help.isVisible()
    assert y_of(screen, below) == before
    below.setFocus()                      # and its help going moves nothing either
    assert not babies.help.isVisible()
    assert y_of(screen, below) == before


def test_a_notice_coming_and_going_moves_nothing_on_the_call(qtbot, births) -> None:  # type: ignore[no-untyped-def]
    screen = births
    married = row(screen, "parents_married").editor.focus_target()
    assert screen.notice.text() == ""
    before = y_of(screen, married)
    married.setFocus()
    press(qtbot, married, Qt.Key.Key_2)            # a digit in the form: a hint comes
    assert "Alt+2" in screen.notice.text()
    assert y_of(screen, married) == before
    screen.notice.clear()
    assert y_of(screen, married) == before


def test_the_notice_about_the_form_goes_once_the_form_is_right(qtbot, open_call) -> None:  # type: ignore[no-untyped-def]
    screen = open_call("welfare_check")
    view = screen.page.form
    screen.page.notes.setFocus()
    press(qtbot, screen.page.notes, Qt.Key.Key_1, ALT)          # done, on an empty form
    first = view.first_problem(screen.check)
    said = screen.notice.text()
    assert said and screen.focusWidget() is row(screen, first).editor.focus_target()
    answers = example_answers(view.form)
    # The question it named is answered: it names the next one, not the one gone.
    editor = row(screen, first).editor
    editor.set_value(answers[first])
    editor.edited.emit()
    assert screen.notice.text() != said
    for name, value in answers.items():
        row(screen, name).editor.set_value(value)
    editor.edited.emit()
    assert screen.check.ok
    assert screen.notice.text() == ""


# ---- typing on after a change ---------------------------------------------------------------

def test_typing_on_at_once_after_changing_the_number_of_babies(qtbot, births,
                                                               monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The booking's times are looked for again as the number of babies changes, off the
    screen's thread: the keys typed meanwhile all land, and the times shown are those
    for the last number typed, whichever search finishes first."""
    screen = births
    picker = screen.slots
    waiting: list[tuple[Any, Any]] = []
    monkeypatch.setattr(slot_picker, "run_in_background",
                        lambda _owner, work, done, _failed: waiting.append((work, done)))
    babies = row(screen, "number_of_babies").editor.focus_target()
    babies.setFocus()
    qtbot.keyClicks(babies, "2")                         # 30 + 10 + 15 minutes
    press(qtbot, babies, Qt.Key.Key_Backspace)
    qtbot.keyClicks(babies, "3")                         # 30 + 20 + 15
    press(qtbot, babies, Qt.Key.Key_Return)
    married = screen.focusWidget()
    press(qtbot, married, Qt.Key.Key_Y)
    press(qtbot, screen.focusWidget(), Qt.Key.Key_Tab)
    press(qtbot, screen.focusWidget(), Qt.Key.Key_N)
    assert screen.page.form.answers() | {"interpreter_language": "Punjabi"} == {
        "number_of_babies": "3", "parents_married": True, "both_parents_attending": False,
        "interpreter_needed": True, "interpreter_language": "Punjabi"}
    searches = [(work(None), done) for work, done in waiting]
    assert [found.minutes for found, _done in searches] == [55, 45, 65]
    for found, done in reversed(searches):               # the last search answers first
        done(found)
    assert picker.choices.minutes == 65 == picker.minutes
    assert picker.title.text() == "Booking: Telephone appointment (65 minutes)"
