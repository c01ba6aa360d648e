"""The agent's call screen, driven as an agent drives it: keys first, clicks sometimes.

Each test builds a small database (two care providers, a tracker campaign, a round),
a call screen on a controlled clock, and runs background work synchronously.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget
from sqlalchemy import select

from outbound.campaigns.template import get_template
from outbound.contacts import ContactFilter
from outbound.db import Database
from outbound.db.models import Attempt
from outbound.forms import form_of, open_form, recent_answers
from outbound.forms.examples import example_answers
from outbound.importing import import_rows
from outbound.queue.campaigns import create_campaign, enrol, generate_round
from outbound.queue.claim import claim_next_task
from outbound.queue.outcomes import record_outcome
from outbound.queue.status import queue_status
from outbound.users import add_user
from ui.agent import numbers
from ui.agent.call_screen import CallScreen
from ui.operations import Operations

LONDON = ZoneInfo("Europe/London")
MONDAY = date(2026, 11, 23)
TUESDAY = date(2026, 11, 24)
TRACKER_FORM = form_of(get_template("care_capacity_tracker"))
ALT = Qt.KeyboardModifier.AltModifier
CTRL = Qt.KeyboardModifier.ControlModifier


class Clock:
    """The screen's clock, moved on by the test."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=LONDON)


def make_tracker(db: Database) -> int:
    """Two providers in a care capacity tracker campaign; Monday's round made."""
    add_user(db, "Sam")
    import_rows(db, ["Name", "Organisation", "Role", "Telephone", "Reference",
                     "Accessibility needs", "Preferred contact"],
                [(2, ["Margaret Pickles", "Ivy House", "Registered manager",
                      "0113 496 0001 ext 204", "1-100", "Hearing loss: speak slowly",
                      "phone"]),
                 (3, ["Jack Khan", "Oak Lodge", "Manager", "0113 496 0002", "1-101", "",
                      ""])],
                file_name="providers.csv", source="CQC")
    campaign = create_campaign(db, "care_capacity_tracker", "Care tracker")
    enrol(db, campaign, where=ContactFilter(source="CQC"))
    generate_round(db, campaign, MONDAY)
    return campaign


def answer_monday(db: Database, campaign: int) -> None:
    """Both providers answered on Monday; Tuesday's round made."""
    now = at(MONDAY, 10)
    for minute in range(2):
        task = claim_next_task(db, "Sam", campaign, now=now + timedelta(minutes=minute))
        assert task is not None
        answers = {**example_answers(TRACKER_FORM), "service_type": "Nursing home",
                   "beds_max": 40, "beds_occupied": 30, "beds_vacant_reserved": 2,
                   "beds_vacant_available": 8}
        record_outcome(db, task.task_id, "Sam", "completed", answers=answers,
                       now=now + timedelta(minutes=minute))
    generate_round(db, campaign, TUESDAY)


@pytest.fixture
def campaign(db: Database) -> int:
    return make_tracker(db)


@pytest.fixture
def clock() -> Clock:
    return Clock(at(MONDAY, 10, 5))


@pytest.fixture
def dialled(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    urls: list[str] = []
    monkeypatch.setattr(numbers, "open_in_softphone", lambda url: urls.append(url) or True)
    return urls


def build_screen(qtbot, db: Database, clock: Clock, folder: Path) -> CallScreen:  # type: ignore[no-untyped-def]
    screen = CallScreen(SimpleNamespace(db=db, user="Sam"), clock=clock, drafts_folder=folder)
    screen.drafts.debounce_ms = 20
    screen.drafts.retry_seconds = (0.02,)
    qtbot.addWidget(screen)
    screen.resize(1200, 780)
    screen.show()
    with qtbot.waitActive(screen):
        screen.activateWindow()
    screen.setFocus()
    return screen


@pytest.fixture
def screen(qtbot, db: Database, campaign: int, clock: Clock, tmp_path: Path,  # type: ignore[no-untyped-def]
           dialled: list[str]) -> Iterator[CallScreen]:
    Operations.synchronous = True
    try:
        yield build_screen(qtbot, db, clock, tmp_path / "drafts")
    finally:
        Operations.synchronous = False


def press(qtbot, widget: QWidget, key: Qt.Key, modifier=Qt.KeyboardModifier.NoModifier):  # type: ignore[no-untyped-def]
    qtbot.keyClick(widget, key, modifier)


def next_call(qtbot, screen: CallScreen) -> None:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(screen.call_loaded, timeout=2000):
        press(qtbot, screen.focusWidget() or screen, Qt.Key.Key_F5)


def row(screen: CallScreen, name: str):  # type: ignore[no-untyped-def]
    view = screen.page.form
    assert view is not None
    return view.rows[name]


def type_into(qtbot, screen: CallScreen, name: str, text: str) -> None:  # type: ignore[no-untyped-def]
    editor = row(screen, name).editor.focus_target()
    editor.setFocus()
    editor.selectAll()
    qtbot.keyClicks(editor, text)


# ---- the loop -------------------------------------------------------------------------

def test_one_key_shows_the_whole_call(qtbot, screen: CallScreen) -> None:  # type: ignore[no-untyped-def]
    assert screen.campaign is not None and screen.campaign.name == "Care tracker"
    assert screen.waiting.sentence.text() == "2 to call now. Press F5 for the next call."
    assert screen.waiting.next_button.hasFocus()
    next_call(qtbot, screen)
    page = screen.page
    assert page.contact.name.text() == "Margaret Pickles"
    assert "Ivy House" in page.contact.organisation.text()
    assert page.contact.needs.isVisibleTo(screen)
    assert "Hearing loss" in page.contact.needs.text()
    number, detail, call = page.numbers.rows[0]
    assert number.text() == "0113 496 0001" and "ext. 204" in detail.text()
    assert call.isVisibleTo(screen) and call.hasFocus()
    assert "Hello, is that Ivy House?" in page.script.toPlainText()
    assert "Sam" in page.script.toPlainText()
    assert "No earlier answers" in page.history.summary.text()
    assert screen.timer.running
    assert not row(screen, "staff_cases_confirmed").isVisibleTo(screen)


def test_call_button_hands_the_number_to_the_softphone(qtbot, screen, dialled, db,
                                                       clock) -> None:  # type: ignore[no-untyped-def]
    next_call(qtbot, screen)
    clock.now += timedelta(seconds=20)
    dialled_at = clock.now
    press(qtbot, screen, Qt.Key.Key_D, CTRL)
    assert dialled == ["tel:+441134960001"]
    assert screen.timer.running and screen.timer.text() == "Call time 00:00"
    clock.now += timedelta(seconds=30)
    qtbot.mouseClick(screen.page.numbers.rows[0][2], Qt.MouseButton.LeftButton)
    assert len(dialled) == 2
    with qtbot.waitSignal(screen.outcome_recorded):
        press(qtbot, screen.focusWidget(), Qt.Key.Key_3)               # engaged
    with db.read() as session:
        attempt = session.scalars(select(Attempt)).one()
    assert attempt.started_at == dialled_at and attempt.duration_seconds is not None
    # the agent's own day, above the call
    qtbot.waitUntil(lambda: screen.my_day.text().startswith("Today: 1 call, 0 spoken to"))


def test_the_agents_day_in_a_sentence() -> None:
    from outbound.dashboard import AgentDay
    from ui.agent.my_day import day_sentence

    assert day_sentence(AgentDay(0, 0, None, 0)) == "Today: no calls yet"
    assert day_sentence(AgentDay(37, 29, 192.4, 2)) == (
        "Today: 37 calls, 29 spoken to, 3m 12s on average; 2 call-backs to make")
    assert day_sentence(AgentDay(1, 1, 48, 1)) == (
        "Today: 1 call, 1 spoken to, 48s on average; 1 call-back to make")


def test_filling_the_form_by_keys_then_the_next_call_loads(qtbot, screen, db) -> None:  # type: ignore[no-untyped-def]
    next_call(qtbot, screen)
    first_task = screen.card.task.task_id
    # Type of service by its first letter, then the numbers.
    service = row(screen, "service_type").editor
    service.focus_target().setFocus()
    press(qtbot, service.focus_target(), Qt.Key.Key_N)
    assert service.value() == "Nursing home"
    answers = example_answers(TRACKER_FORM)
    answers.update({"service_type": "Nursing home", "beds_max": 40, "beds_occupied": 30,
                    "beds_vacant_reserved": 2, "beds_vacant_available": 8,
                    "any_cases": False, "staff_vaccine_concerns": False})
    answers.pop("low_uptake_reasons", None)
    # A show-when field appears as the agent answers "yes".
    cases = row(screen, "any_cases").editor
    cases.focus_target().setFocus()
    press(qtbot, cases.focus_target(), Qt.Key.Key_Y)
    assert row(screen, "staff_cases_confirmed").isVisibleTo(screen)
    press(qtbot, cases.focus_target(), Qt.Key.Key_N)
    assert not row(screen, "staff_cases_confirmed").isVisibleTo(screen)
    for field in TRACKER_FORM.fields:
        if field.type in ("integer", "decimal") and field.name in answers:
            type_into(qtbot, screen, field.name, str(answers[field.name]))
        elif field.type in ("choice", "yes_no") and field.name in answers:
            value = answers[field.name]
            row(screen, field.name).editor.set_value(value)
    screen._form_edited()
    # A value that cannot be saved says why under the field, and blocks completion.
    type_into(qtbot, screen, "beds_max", "forty")
    error = row(screen, "beds_max").error
    assert error.isVisibleTo(screen)
    assert error.text() == "Maximum beds: Enter a whole number, like 12."
    press(qtbot, screen.focusWidget(), Qt.Key.Key_1, ALT)
    assert screen.card.task.task_id == first_task           # nothing recorded
    assert screen.focusWidget() is row(screen, "beds_max").editor.focus_target()
    type_into(qtbot, screen, "beds_max", "40")
    assert not error.isVisibleTo(screen)
    # A soft check asks "is that right?" and the tick records the confirmation.
    type_into(qtbot, screen, "beds_occupied", "45")
    beds = row(screen, "beds_occupied")
    assert beds.soft_box.isVisibleTo(screen)
    assert "is that right?" in beds.soft.text()
    press(qtbot, screen.focusWidget(), Qt.Key.Key_1, ALT)
    assert screen.card.task.task_id == first_task
    assert screen.focusWidget() is beds.confirm
    press(qtbot, beds.confirm, Qt.Key.Key_Space)
    assert beds.confirm.isChecked()
    # The beds together are more than the home has: that is asked too.
    press(qtbot, screen.focusWidget(), Qt.Key.Key_1, ALT)
    together = row(screen, "beds_vacant_available")
    assert screen.focusWidget() is together.confirm
    assert together.soft.text().startswith("55 beds occupied or vacant")
    press(qtbot, together.confirm, Qt.Key.Key_Space)
    # Notes, then the outcome from the notes with Alt+1.
    screen.page.notes.setFocus()
    qtbot.keyClicks(screen.page.notes, "Manager on leave until Friday")
    with qtbot.waitSignal(screen.outcome_recorded) as recorded:
        press(qtbot, screen.page.notes, Qt.Key.Key_1, ALT)
    assert recorded.args == ["completed"]
    assert screen.state == "call" and screen.card.task.task_id != first_task
    assert screen.page.contact.name.text() == "Jack Khan"
    assert row(screen, "beds_max").editor.value() == ""           # a fresh form
    stored = recent_answers(db, 1)[0]
    assert stored.answers["beds_occupied"] == 45 and stored.answers["beds_max"] == 40
    assert "Last call — Margaret Pickles: Answers taken." in screen.waiting.last_call.text()


def test_an_outcome_key_outside_the_form_and_the_queue_sentence(qtbot, screen) -> None:  # type: ignore[no-untyped-def]
    next_call(qtbot, screen)
    press(qtbot, screen.focusWidget(), Qt.Key.Key_2)           # on the Call button
    assert screen.page.contact.name.text() == "Jack Khan"
    with qtbot.waitSignal(screen.queue_shown) as shown:
        press(qtbot, screen.focusWidget(), Qt.Key.Key_3)
    assert shown.args[0].startswith("Nothing to call now: 2 retries from ")
    assert screen.pages.currentWidget() is screen.waiting
    assert "2 retries" in screen.waiting.sentence.text()
    assert not screen.timer.running


def test_enter_moves_to_the_next_question(qtbot, screen) -> None:  # type: ignore[no-untyped-def]
    next_call(qtbot, screen)
    type_into(qtbot, screen, "nurses_employed", "4")
    press(qtbot, screen.focusWidget(), Qt.Key.Key_Return)
    assert screen.focusWidget() is row(screen, "nurses_agency").editor.focus_target()


def test_a_digit_typed_in_the_form_never_records_an_outcome(qtbot, screen) -> None:  # type: ignore[no-untyped-def]
    next_call(qtbot, screen)
    task = screen.card.task.task_id
    radio = row(screen, "any_cases").editor.focus_target()
    radio.setFocus()
    press(qtbot, radio, Qt.Key.Key_2)
    assert screen.card.task.task_id == task
    assert "Alt+2" in screen.notice.text()
    type_into(qtbot, screen, "beds_max", "2")
    assert screen.card.task.task_id == task


def test_stopping_all_calls_needs_the_key_twice(qtbot, screen, db) -> None:  # type: ignore[no-untyped-def]
    next_call(qtbot, screen)
    press(qtbot, screen.focusWidget(), Qt.Key.Key_7)
    assert "will not be called again" in screen.notice.text()
    assert screen.page.contact.name.text() == "Margaret Pickles"
    with qtbot.waitSignal(screen.outcome_recorded):
        press(qtbot, screen.focusWidget(), Qt.Key.Key_7)
    assert screen.page.contact.name.text() == "Jack Khan"


def test_a_call_back_booked_with_the_picker(qtbot, screen, db, clock) -> None:  # type: ignore[no-untyped-def]
    next_call(qtbot, screen)
    picker = screen.page.picker
    press(qtbot, screen.focusWidget(), Qt.Key.Key_5)
    assert picker.isVisibleTo(screen) and picker.time.hasFocus()
    # A time already past is refused with the engine's words.
    picker.set_when(clock.now - timedelta(hours=1))
    assert "already passed" in picker.message.text() and not picker.book.isEnabled()
    press(qtbot, picker.time, Qt.Key.Key_Return)
    assert screen.state == "call"
    # Outside calling hours: only when the person asked, ticked.
    picker.set_when(at(MONDAY, 21, 30))
    assert "outside calling hours" in picker.message.text()
    picker.asked.setFocus()
    press(qtbot, picker.asked, Qt.Key.Key_Space)
    assert picker.book.isEnabled()
    picker.set_when(at(MONDAY, 14, 30))
    press(qtbot, picker.for_anyone, Qt.Key.Key_Space)
    picker.for_anyone.setChecked(True)
    with qtbot.waitSignal(screen.outcome_recorded) as recorded:
        press(qtbot, picker.time, Qt.Key.Key_Return)
    assert recorded.args == ["call_back"]
    assert not picker.isVisibleTo(screen)
    assert "Call-back booked for Mon 23 Nov 14:30" in screen.waiting.last_call.text()
    status = queue_status(db, "Sam", "Care tracker", now=clock.now)
    assert status.callbacks_later == 1


def test_escape_goes_back_to_the_call(qtbot, screen) -> None:  # type: ignore[no-untyped-def]
    next_call(qtbot, screen)
    press(qtbot, screen.focusWidget(), Qt.Key.Key_5)
    press(qtbot, screen.page.picker.time, Qt.Key.Key_Escape)
    assert not screen.page.picker.isVisibleTo(screen)
    assert screen.state == "call"


def test_nothing_has_changed_on_the_second_round(qtbot, db, campaign, tmp_path, dialled) -> None:  # type: ignore[no-untyped-def]
    answer_monday(db, campaign)
    clock = Clock(at(TUESDAY, 10, 5))
    Operations.synchronous = True
    try:
        screen = build_screen(qtbot, db, clock, tmp_path / "drafts")
        next_call(qtbot, screen)
        beds = row(screen, "beds_max")
        assert beds.editor.value() == "40"
        assert beds.carried_tag.isVisibleTo(screen) and beds.carried_tag.text() == "from 23 Nov"
        assert screen.page.unchanged_button.isVisibleTo(screen)
        table = screen.page.history.table
        assert table.columnCount() == 2 and table.item(1, 1).text() == "40"
        # Changing an answer takes the tag off, and "nothing has changed" no longer fits.
        type_into(qtbot, screen, "beds_max", "41")
        assert not beds.carried_tag.isVisibleTo(screen)
        press(qtbot, screen.focusWidget(), Qt.Key.Key_U, CTRL)
        assert "changed an answer" in screen.notice.text()
        type_into(qtbot, screen, "beds_max", "40")
        assert beds.carried_tag.isVisibleTo(screen)
        press(qtbot, screen.focusWidget(), Qt.Key.Key_U, CTRL)     # says what it records
        assert screen.state == "call"
        assert ("Press Ctrl+U again to record “Nothing has changed” for Margaret Pickles: "
                "last time's") in screen.notice.text()
        assert "(from 23 Nov) are recorded again" in screen.notice.text()
        with qtbot.waitSignal(screen.outcome_recorded):
            press(qtbot, screen.focusWidget(), Qt.Key.Key_U, CTRL)
        latest = recent_answers(db, 1, campaign, limit=1)[0]
        assert latest.unchanged and latest.round_key == TUESDAY.isoformat()
        assert latest.answers["beds_max"] == 40
    finally:
        Operations.synchronous = False


def test_the_lease_is_renewed_while_the_call_is_shown(qtbot, screen, db, clock) -> None:  # type: ignore[no-untyped-def]
    next_call(qtbot, screen)
    first = screen.card.task.lease_expires_at
    clock.now += timedelta(minutes=4)
    screen.renew_lease()
    # Another agent cannot take it after the first lease would have run out.
    add_user(db, "Jo")
    clock.now += timedelta(minutes=2)
    assert clock.now > first
    other = claim_next_task(db, "Jo", "Care tracker", now=clock.now)
    assert other is None or other.task_id != screen.card.task.task_id


def test_every_control_has_a_name_and_tab_follows_the_form(qtbot, screen) -> None:  # type: ignore[no-untyped-def]
    next_call(qtbot, screen)
    unnamed = [w for w in screen.findChildren(QWidget)
               if w.isVisibleTo(screen) and w.focusPolicy() & Qt.FocusPolicy.TabFocus
               and not w.accessibleName()]
    assert unnamed == []
    order = []
    widget = screen.page.numbers.rows[0][2]
    for _ in range(12):
        widget = widget.nextInFocusChain()
        while not (widget.isVisibleTo(screen) and widget.focusPolicy()
                   & Qt.FocusPolicy.TabFocus and widget.isEnabled()):
            widget = widget.nextInFocusChain()
        order.append(widget.accessibleName())
    # One stop per question, in the form's order; the bed questions are not shown yet.
    assert order[:3] == ["Type of service: Residential home",
                         "Registered nurses – directly employed", "Registered nurses – agency"]


def test_f5_during_a_call_does_not_skip_it(qtbot, screen) -> None:  # type: ignore[no-untyped-def]
    next_call(qtbot, screen)
    task = screen.card.task.task_id
    press(qtbot, screen.focusWidget(), Qt.Key.Key_F5)
    assert screen.card.task.task_id == task
    assert "Finish this call first" in screen.notice.text()


def test_putting_a_call_back_keeps_its_answers(qtbot, screen, db, clock) -> None:  # type: ignore[no-untyped-def]
    next_call(qtbot, screen)
    task = screen.card.task
    type_into(qtbot, screen, "beds_max", "33")
    press(qtbot, screen.focusWidget(), Qt.Key.Key_Backspace,
          Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert screen.state == "idle"
    again = claim_next_task(db, "Sam", "Care tracker", now=clock.now)
    assert again is not None and again.task_id == task.task_id
    template = get_template("care_capacity_tracker")
    assert open_form(db, task.task_id, template).answers == {"beds_max": "33"}


def test_in_the_main_window_f5_is_the_next_call(qtbot, db, campaign, tmp_path, clock,
                                              monkeypatch, dialled) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtCore import QSettings

    from ui.actions import MainAction
    from ui.agent import call_screen
    from ui.main_window import MainWindow
    from ui.services import Services, SignedInUser
    from ui.settings import Settings

    monkeypatch.setattr(call_screen, "utcnow", clock)
    settings = Settings(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))
    user = SignedInUser(add_user(db, "Sam"), "Sam", "agent")
    Operations.synchronous = True
    try:
        window = MainWindow(Services(db, user, settings))
        qtbot.addWidget(window)
        window.show()
        with qtbot.waitActive(window):
            window.activateWindow()
        screen = window.screen("calls")
        assert isinstance(screen, CallScreen) and window.current_screen_key() == "calls"
        assert not window.actions_by_name[MainAction.REFRESH].isEnabled()   # F5 is ours
        with qtbot.waitSignal(screen.call_loaded):
            press(qtbot, screen.focusWidget() or window, Qt.Key.Key_F5)
        assert screen.page.contact.name.text() == "Margaret Pickles"
        assert settings.last_campaign == campaign
        task = screen.card.task.task_id
        window.close()                   # signing out mid-call puts the call back
        again = claim_next_task(db, "Sam", "Care tracker", now=clock.now)
        assert again is not None and again.task_id == task
    finally:
        Operations.synchronous = False


def test_no_answer_on_an_untouched_form_keeps_no_draft(qtbot, db, campaign, tmp_path,
                                                      dialled) -> None:  # type: ignore[no-untyped-def]
    answer_monday(db, campaign)
    clock = Clock(at(TUESDAY, 10, 5))
    Operations.synchronous = True
    try:
        screen = build_screen(qtbot, db, clock, tmp_path / "drafts")
        next_call(qtbot, screen)
        task = screen.card.task.task_id
        with qtbot.waitSignal(screen.outcome_recorded):
            press(qtbot, screen.focusWidget(), Qt.Key.Key_2)
        opened = open_form(db, task, get_template("care_capacity_tracker"))
        assert not opened.from_draft and opened.carried_forward["beds_max"] == 40
    finally:
        Operations.synchronous = False


def test_the_loop_with_work_on_background_threads(qtbot, db, campaign, clock, tmp_path,
                                                 dialled) -> None:  # type: ignore[no-untyped-def]
    """As in the client: every database action on the pool, the screen never waiting."""
    assert not Operations.synchronous
    screen = build_screen(qtbot, db, clock, tmp_path / "drafts")
    qtbot.waitUntil(lambda: screen.campaign is not None)
    with qtbot.waitSignal(screen.call_loaded, timeout=5000):
        press(qtbot, screen.focusWidget() or screen, Qt.Key.Key_F5)
    first = screen.card.task.task_id
    type_into(qtbot, screen, "nurses_employed", "7")
    qtbot.waitUntil(lambda: screen.drafts.saves >= 1, timeout=5000)
    with qtbot.waitSignal(screen.call_loaded, timeout=5000):
        press(qtbot, screen.focusWidget(), Qt.Key.Key_2, ALT)
    assert screen.card.task.task_id != first
    with qtbot.waitSignal(screen.queue_shown, timeout=5000):
        press(qtbot, screen.focusWidget(), Qt.Key.Key_2, ALT)
    qtbot.waitUntil(lambda: "retries" in screen.waiting.sentence.text(), timeout=5000)
