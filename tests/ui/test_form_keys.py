"""The form by keyboard alone, on every campaign's call screen: one Tab stop per question,
in order, each named by its question; arrows inside a question's choices; typing a
call-back time.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAccessible
from PySide6.QtWidgets import QWidget

from outbound.booking.demo import build_demo_bookings
from outbound.campaigns.template import get_template
from outbound.contacts import ContactFilter
from outbound.db import Database
from outbound.forms import build_form
from outbound.importing import import_rows
from outbound.queue.campaigns import create_campaign, enrol, enrol_reminders
from outbound.users import add_user
from tests.ui.test_call_screen import (
    MONDAY,
    Clock,
    answer_monday,
    at,
    build_screen,
    make_tracker,
    next_call,
    press,
    row,
)
from ui.agent import numbers
from ui.agent.call_screen import CallScreen
from ui.operations import Operations
from ui.widgets.form_fields import make_editor
from ui.widgets.form_view import FormRow

pytestmark = pytest.mark.clock(at(MONDAY, 10, 0))
TEMPLATES = ("care_capacity_tracker", "registrar_birth_booking", "vaccination_booking",
             "bus_pass_renewal", "blue_badge_renewal", "welfare_check")
SHIFT = Qt.KeyboardModifier.ShiftModifier


def make_campaign(db: Database, template: str) -> str:
    """Two people to call in a campaign of this template, on Monday morning."""
    kind = get_template(template).kind
    if kind == "round":
        make_tracker(db)
        return "Care tracker"
    add_user(db, "Sam")
    expiry = (MONDAY + timedelta(days=20)).isoformat()
    import_rows(db, ["Name", "Organisation", "Telephone", "Reference", "Expiry date",
                     "Accessibility needs"],
                [(2, ["Aisha Begum", "Oak Lodge", "0113 496 0101", "R-1", expiry,
                      "Interpreter: Punjabi"]),
                 (3, ["Tomasz Nowak", "Ivy House", "0113 496 0102", "R-2", expiry, ""])],
                file_name="people.csv", source="People")
    campaign = create_campaign(db, template, "Calls", audience={"source": "People"})
    if kind == "reminder":
        enrol_reminders(db, campaign, MONDAY, now=at(MONDAY, 9))
    else:
        enrol(db, campaign, where=ContactFilter(source="People"))
    if get_template(template).booking:
        build_demo_bookings(db, MONDAY)
    return "Calls"


@pytest.fixture
def open_call(qtbot, db, tmp_path: Path, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(numbers, "open_in_softphone", lambda _url: True)
    Operations.synchronous = True

    def make(template: str, *, carried: bool = False) -> CallScreen:
        name = make_campaign(db, template)
        day = MONDAY
        if carried:
            answer_monday(db, 1)
            day = MONDAY + timedelta(days=1)
        screen = build_screen(qtbot, db, Clock(at(day, 10, 5)), tmp_path / "drafts")
        screen.select_campaign(name)
        next_call(qtbot, screen)
        return screen

    yield make
    Operations.synchronous = False


def accessible_name(widget: QWidget) -> str:
    interface = QAccessible.queryAccessibleInterface(widget)
    assert interface is not None
    return interface.text(QAccessible.Text.Name)


def row_of(widget: QWidget | None) -> FormRow | None:
    while widget is not None:
        if isinstance(widget, FormRow):
            return widget
        widget = widget.parentWidget()
    return None


def shown_rows(screen: CallScreen) -> list[FormRow]:
    view = screen.page.form
    assert view is not None
    return [r for r in view.rows.values() if r.isVisibleTo(screen)]


def walk(qtbot, screen: CallScreen, *, back: bool = False,  # type: ignore[no-untyped-def]
         choose: bool = False) -> list[tuple[FormRow, QWidget]]:
    """Tab (or Shift+Tab) from where the focus is until it leaves the form: each stop.
    ``choose``: at each question with choices, press the right arrow on the way."""
    stops: list[tuple[FormRow, QWidget]] = []
    entered = False
    for _ in range(120):
        press(qtbot, screen.focusWidget(), Qt.Key.Key_Backtab if back else Qt.Key.Key_Tab,
              SHIFT if back else Qt.KeyboardModifier.NoModifier)
        focused = screen.focusWidget()
        found = row_of(focused)
        if found is None:
            if entered:
                return stops
            continue
        entered = True
        stops.append((found, focused))
        if choose and found.field.type in ("yes_no", "choice"):
            press(qtbot, focused, Qt.Key.Key_Right)
    raise AssertionError("Tab never left the form")


@pytest.mark.parametrize("template", TEMPLATES)
def test_tab_reaches_every_question_once_in_order(qtbot, open_call, template: str) -> None:  # type: ignore[no-untyped-def]
    screen = open_call(template)
    assert screen.page.numbers.buttons[0].hasFocus()
    expected = [r.field.name for r in shown_rows(screen)]
    stops = walk(qtbot, screen)
    assert [r.field.name for r, _w in stops] == expected
    for found, widget in stops:
        assert found.field.label in accessible_name(widget), widget
    back = walk(qtbot, screen, back=True)
    assert [r.field.name for r, _w in back] == expected[::-1]
    # Choosing on the way (arrows) changes each question's stop, and shows more questions.
    screen.page.numbers.buttons[0].setFocus()
    stops = walk(qtbot, screen, choose=True)
    expected = [r.field.name for r in shown_rows(screen)]
    assert [r.field.name for r, _w in stops] == expected
    back = walk(qtbot, screen, back=True)
    assert [r.field.name for r, _w in back] == expected[::-1]
    for found, widget in back:
        assert found.field.label in accessible_name(widget), widget


def test_tab_on_a_tracker_call_with_last_rounds_answers(qtbot, open_call) -> None:  # type: ignore[no-untyped-def]
    screen = open_call("care_capacity_tracker", carried=True)
    expected = shown_rows(screen)
    assert "confidence" in [r.field.name for r in expected]
    screen.page.numbers.buttons[0].setFocus()
    stops = walk(qtbot, screen)
    assert [r.field.name for r, _w in stops] == [r.field.name for r in expected]
    for found, widget in stops:
        assert found.field.label in accessible_name(widget)
    back = walk(qtbot, screen, back=True)
    assert [r.field.name for r, _w in back] == [r.field.name for r in reversed(expected)]


def test_arrows_move_inside_a_question_and_tab_leaves_it(qtbot, open_call) -> None:  # type: ignore[no-untyped-def]
    screen = open_call("care_capacity_tracker")
    masks = row(screen, "ppe_masks").editor
    masks.focus_target().setFocus()
    press(qtbot, screen.focusWidget(), Qt.Key.Key_Right)
    press(qtbot, screen.focusWidget(), Qt.Key.Key_Right)
    assert masks.value() == "green" and screen.focusWidget() is masks.buttons[2]
    press(qtbot, screen.focusWidget(), Qt.Key.Key_Tab)
    assert row_of(screen.focusWidget()) is row(screen, "ppe_gloves")
    press(qtbot, screen.focusWidget(), Qt.Key.Key_Backtab, SHIFT)
    assert screen.focusWidget() is masks.buttons[2]


def test_registrar_tab_from_interpreter_to_bsl(qtbot, open_call) -> None:  # type: ignore[no-untyped-def]
    screen = open_call("registrar_birth_booking")
    interpreter = row(screen, "interpreter_needed").editor
    interpreter.focus_target().setFocus()
    press(qtbot, screen.focusWidget(), Qt.Key.Key_N)
    press(qtbot, screen.focusWidget(), Qt.Key.Key_Tab)
    assert row_of(screen.focusWidget()) is row(screen, "bsl_needed")
    press(qtbot, screen.focusWidget(), Qt.Key.Key_N)
    assert row(screen, "bsl_needed").editor.value() is False


def test_a_long_list_of_choices_is_named_by_its_question(qtbot) -> None:  # type: ignore[no-untyped-def]
    field = build_form([{"name": "role", "label": "Role", "type": "choice",
                         "choices": [f"Role {n}" for n in range(1, 9)]}]).fields[0]
    editor = make_editor(field)
    qtbot.addWidget(editor)
    editor.show()
    control = editor.focus_target()
    control.setFocus()
    qtbot.waitUntil(control.hasFocus)
    assert "Role" in accessible_name(control) and editor.value() is None   # focus: no choice
    press(qtbot, control, Qt.Key.Key_Down)
    press(qtbot, control, Qt.Key.Key_Down)
    assert editor.value() == "Role 2"
    assert "Role" in accessible_name(control)


def test_tick_boxes_are_one_stop_with_arrows_between_them(qtbot, open_call) -> None:  # type: ignore[no-untyped-def]
    screen = open_call("welfare_check")
    needs = row(screen, "needs_found").editor
    needs.focus_target().setFocus()
    press(qtbot, screen.focusWidget(), Qt.Key.Key_Right)
    press(qtbot, screen.focusWidget(), Qt.Key.Key_Space)
    assert needs.value() == [needs.boxes[1].text()]
    press(qtbot, screen.focusWidget(), Qt.Key.Key_Tab)
    assert row_of(screen.focusWidget()) is row(screen, "signposted_to")
    press(qtbot, screen.focusWidget(), Qt.Key.Key_Backtab, SHIFT)
    assert screen.focusWidget() is needs.boxes[1]


def type_answer(qtbot, screen: CallScreen, name: str, text: str) -> None:  # type: ignore[no-untyped-def]
    control = row(screen, name).editor.focus_target()
    control.setFocus()
    control.selectAll()
    qtbot.keyClicks(control, text)


def test_beds_and_staff_that_do_not_add_up_are_confirmed(qtbot, open_call) -> None:  # type: ignore[no-untyped-def]
    screen = open_call("care_capacity_tracker")
    service = row(screen, "service_type").editor
    service.focus_target().setFocus()
    press(qtbot, screen.focusWidget(), Qt.Key.Key_N)                 # Nursing home
    for name, text in (("beds_max", "40"), ("beds_occupied", "35"),
                       ("beds_vacant_reserved", "3"), ("beds_vacant_available", "4")):
        type_answer(qtbot, screen, name, text)
    vacant = row(screen, "beds_vacant_available")
    assert vacant.soft_box.isVisibleTo(screen)
    assert vacant.soft.text() == "42 beds occupied or vacant, but the home has 40 — is that " \
        "right?"
    for name, text in (("nurses_employed", "2"), ("nurses_agency", "0"),
                       ("care_staff_employed", "20"), ("care_staff_agency", "3"),
                       ("non_care_staff_employed", "5"), ("non_care_staff_agency", "0"),
                       ("staff_total", "31")):
        type_answer(qtbot, screen, name, text)
    total = row(screen, "staff_total")
    assert total.soft.text() == "The staff by role add up to 30, but 31 are on the roll — " \
        "is that right?"
    # Correcting the beds takes their check away; the staff check still wants an answer.
    type_answer(qtbot, screen, "beds_vacant_available", "2")
    assert not vacant.soft_box.isVisibleTo(screen)
    task = screen.card.task.task_id
    press(qtbot, screen.focusWidget(), Qt.Key.Key_1, Qt.KeyboardModifier.AltModifier)
    assert screen.card.task.task_id == task
    total.confirm.setFocus()
    press(qtbot, total.confirm, Qt.Key.Key_Space)
    assert screen.page.form.confirmations() == {"staff_total": total.soft.text()}


def test_a_date_of_birth_in_the_future_is_refused_on_the_call(qtbot, open_call) -> None:  # type: ignore[no-untyped-def]
    screen = open_call("registrar_birth_booking")
    type_answer(qtbot, screen, "baby_date_of_birth", "25/12/2026")
    error = row(screen, "baby_date_of_birth").error
    assert error.isVisibleTo(screen)
    assert error.text() == "Baby's date of birth cannot be in the future (25/12/2026 is " \
        "after today)."
    type_answer(qtbot, screen, "baby_date_of_birth", "20/11/2026")
    assert not error.isVisibleTo(screen)
