"""Outcomes on a tracker call as a new agent tries them: a wrong number when the
provider has another number, and a supervisor's call that needs a reason."""

from __future__ import annotations

from PySide6.QtCore import Qt
from sqlalchemy import select

from outbound.contacts import get_contact
from outbound.db.models import Attempt, Contact, ContactPhone, Task
from tests.ui import test_call_screen as base
from tests.ui.test_call_screen import ALT, CTRL, next_call, press

# The tracker call screen of test_call_screen: two providers, Monday's round.
campaign, clock, dialled, screen = base.campaign, base.clock, base.dialled, base.screen


def _second_number(db, name: str) -> int:  # type: ignore[no-untyped-def]
    with db.write() as s:
        contact = s.scalars(select(Contact).where(Contact.name == name)).one()
        s.add(ContactPhone(contact_id=contact.id, position=1, e164="+441614960002",
                           raw="0161 496 0002", line_type="landline", usable=True))
        return contact.id


def test_a_wrong_number_rings_the_other_number_next(qtbot, screen, db, dialled) -> None:  # type: ignore[no-untyped-def]
    margaret = _second_number(db, "Margaret Pickles")
    next_call(qtbot, screen)
    numbers = screen.page.numbers
    assert [row[0].text() for row in numbers.rows[:2]] == ["0113 496 0001", "0161 496 0002"]
    press(qtbot, screen, Qt.Key.Key_D, CTRL)
    assert dialled == ["tel:+441134960001"]
    with qtbot.waitSignal(screen.call_loaded):
        press(qtbot, screen.focusWidget(), Qt.Key.Key_6)              # wrong number
    # Still to be called, on the other number; the wrong one kept in sight, struck out.
    assert screen.page.contact.name.text() == "Margaret Pickles"
    first, second = numbers.rows[0], numbers.rows[1]
    assert first[0].text() == "0161 496 0002" and first[2].isVisibleTo(screen)
    assert second[0].text() == "0113 496 0001" and second[0].font().strikeOut()
    assert "wrong number" in second[1].text() and not second[2].isVisibleTo(screen)
    assert "wrong number" in second[0].accessibleName()
    assert not get_contact(db, margaret).do_not_call
    with qtbot.waitSignal(screen.call_loaded):
        press(qtbot, screen.focusWidget(), Qt.Key.Key_6)              # that one too
    assert screen.page.contact.name.text() == "Jack Khan"
    assert "Margaret Pickles has no other usable number" in screen.notice.text()
    contact = get_contact(db, margaret)
    assert not contact.callable and not contact.do_not_call and contact.suppressions == []
    with db.read() as s:
        task = s.scalars(select(Task).where(Task.contact_id == margaret)).one()
        assert (task.status, task.close_reason) == ("closed", "no usable number")


def test_needs_supervisor_asks_for_a_line_first(qtbot, screen, db) -> None:  # type: ignore[no-untyped-def]
    next_call(qtbot, screen)
    press(qtbot, screen.focusWidget(), Qt.Key.Key_9)                  # needs supervisor
    dialog = screen.reason_dialog
    qtbot.waitUntil(dialog.isVisible)
    qtbot.waitUntil(dialog.line.hasFocus)
    press(qtbot, dialog.line, Qt.Key.Key_Return)                       # nothing said yet
    assert dialog.isVisible() and "one line" in dialog.banner.text()
    with db.read() as s:
        assert s.scalars(select(Attempt)).all() == []
    qtbot.keyClicks(dialog.line, "Manager upset about the new rota")
    with qtbot.waitSignal(screen.outcome_recorded) as recorded:
        press(qtbot, dialog.line, Qt.Key.Key_Return)
    assert recorded.args == ["needs_supervisor"]
    assert not dialog.isVisible()
    with db.read() as s:
        attempt = s.scalars(select(Attempt)).one()
        assert attempt.reason == "Manager upset about the new rota"
        assert s.get(Task, attempt.task_id).escalation_note == attempt.reason


def test_esc_goes_back_to_the_call_without_recording(qtbot, screen, db) -> None:  # type: ignore[no-untyped-def]
    next_call(qtbot, screen)
    press(qtbot, screen.focusWidget(), Qt.Key.Key_9)
    dialog = screen.reason_dialog
    qtbot.waitUntil(dialog.isVisible)
    press(qtbot, dialog.line, Qt.Key.Key_Escape)
    assert not dialog.isVisible() and screen.state == "call"
    with db.read() as s:
        assert s.scalars(select(Attempt)).all() == []


def test_undo_brings_the_last_call_back_with_its_notes(qtbot, screen, db) -> None:  # type: ignore[no-untyped-def]
    assert not screen.undo_line.isVisibleTo(screen)
    next_call(qtbot, screen)
    screen.page.notes.setFocus()
    qtbot.keyClicks(screen.page.notes, "Rang twice, then engaged")
    with qtbot.waitSignal(screen.call_loaded):
        press(qtbot, screen.page.notes, Qt.Key.Key_3, ALT)            # engaged, by mistake
    assert screen.page.contact.name.text() == "Jack Khan"
    line = screen.undo_line
    assert line.isVisibleTo(screen)
    assert line.text() == "Undo “Engaged” for Margaret Pickles (Ctrl+Z)"
    jack = screen.card.task.task_id
    with qtbot.waitSignal(screen.call_loaded):
        press(qtbot, screen.focusWidget(), Qt.Key.Key_Z, CTRL)
    assert screen.page.contact.name.text() == "Margaret Pickles"
    assert screen.page.notes.toPlainText() == "Rang twice, then engaged"
    assert "“Engaged” for Margaret Pickles is undone" in screen.notice.text()
    assert not line.isVisibleTo(screen)
    with db.read() as s:
        assert s.get(Task, jack).holder_id is None                      # Jack back in the queue
        outcomes = [a.outcome for a in s.scalars(select(Attempt).order_by(Attempt.id))]
        assert outcomes == ["engaged", "undone"]
    # Nothing more to undo.
    press(qtbot, screen.focusWidget(), Qt.Key.Key_Z, CTRL)
    assert "There is no outcome to undo." in screen.notice.text()


def test_undo_after_five_minutes_is_refused_with_the_reason(qtbot, screen, db, clock) -> None:  # type: ignore[no-untyped-def]
    from datetime import timedelta

    next_call(qtbot, screen)
    with qtbot.waitSignal(screen.call_loaded):
        press(qtbot, screen.focusWidget(), Qt.Key.Key_3)
    clock.now += timedelta(minutes=6)
    press(qtbot, screen.focusWidget(), Qt.Key.Key_Z, CTRL)
    qtbot.waitUntil(lambda: "more than 5 minutes ago" in screen.notice.text())
    assert screen.page.contact.name.text() == "Jack Khan" and screen.state == "call"
    with db.read() as s:
        assert [a.outcome for a in s.scalars(select(Attempt))] == ["engaged"]
