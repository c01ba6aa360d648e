"""Nothing typed on a call is lost: drafts on this computer and in the database, a client
that dies mid-call, and a database that goes away and comes back."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer

from outbound.campaigns.template import get_template
from outbound.forms import open_form, save_draft
from outbound.forms.local_drafts import (
    LocalDraft,
    database_folder,
    list_local_drafts,
    prefer_local,
    prune_local_drafts,
    read_local_draft,
    remove_local_draft,
    write_local_draft,
)
from tests.ui.test_call_screen import (
    ALT,
    CTRL,
    MONDAY,
    Clock,
    at,
    build_screen,
    make_tracker,
    next_call,
    press,
    row,
    type_into,
)
from ui.agent import call_data, drafts, numbers
from ui.operations import Operations

TRACKER = get_template("care_capacity_tracker")


class OperationalError(Exception):
    """Stands for the database library's error when the server has gone."""


def die(screen) -> None:  # type: ignore[no-untyped-def]
    """A client that stops dead: no more saves, renewals or goodbyes."""
    for timer in screen.findChildren(QTimer):
        timer.stop()
    screen.drafts.blockSignals(True)
    screen.hide()
    screen.setEnabled(False)


def unreachable(*_args, **_kwargs):  # type: ignore[no-untyped-def]
    raise OperationalError("could not connect to server: Connection refused")


@pytest.fixture
def clock() -> Clock:
    return Clock(at(MONDAY, 10, 5))


@pytest.fixture
def screen(qtbot, db, clock, tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    """A call screen on the tracker campaign (background work run at once)."""
    monkeypatch.setattr(numbers, "open_in_softphone", lambda _url: True)
    make_tracker(db)
    Operations.synchronous = True
    yield build_screen(qtbot, db, clock, tmp_path / "drafts")
    Operations.synchronous = False


# ---- the file itself (no Qt) -----------------------------------------------------------

def test_a_local_draft_is_written_whole_read_back_and_removed(tmp_path: Path) -> None:
    saved = datetime(2026, 11, 23, 10, 5, tzinfo=UTC)
    draft = LocalDraft(task_id=7, agent="Sam", saved_at=saved,
                       answers={"beds_max": "4o", "low_uptake_reasons": ("Other",)},
                       confirmations={"beds_occupied": "45 beds… is that right?"},
                       carried_forward=["service_type"], notes="Ring after 2",
                       form_version_id=1, campaign_id=1, contact_id=3)
    path = write_local_draft(draft, tmp_path)
    assert path.name == "task-7.json" and list(tmp_path.glob("*.part")) == []
    back = read_local_draft(7, tmp_path)
    assert back is not None and back.answers == {"beds_max": "4o",
                                                 "low_uptake_reasons": ["Other"]}
    assert back.saved_at == saved and back.notes == "Ring after 2"
    assert read_local_draft(8, tmp_path) is None
    (tmp_path / "task-9.json").write_text("{not json")
    assert read_local_draft(9, tmp_path) is None
    assert [d.task_id for d in list_local_drafts(tmp_path)] == [7]
    assert remove_local_draft(7, tmp_path) and not remove_local_draft(7, tmp_path)


def test_the_newer_draft_wins_and_the_file_wins_a_tie(tmp_path: Path) -> None:
    now = datetime(2026, 11, 23, 10, 5, tzinfo=UTC)
    local = LocalDraft(task_id=1, agent="Sam", saved_at=now, answers={"a": "1"})
    assert prefer_local(local, None)
    assert prefer_local(local, now)
    assert not prefer_local(local, now + timedelta(seconds=1))
    assert not prefer_local(LocalDraft(task_id=1, agent="Sam", saved_at=now), None)
    assert not prefer_local(None, None)
    # A file about someone else (another database's task 1, say) is never used.
    mine = LocalDraft(task_id=1, agent="Sam", saved_at=now, answers={"a": "1"}, contact_id=4,
                      campaign_id=2)
    assert prefer_local(mine, None, contact_id=4, campaign_id=2)
    assert not prefer_local(mine, None, contact_id=5, campaign_id=2)
    assert not prefer_local(mine, None, contact_id=4, campaign_id=3)
    assert database_folder("sqlite:///a.db", tmp_path) != database_folder("sqlite:///b.db",
                                                                         tmp_path)
    write_local_draft(local, tmp_path)
    assert prune_local_drafts(now + timedelta(days=15), folder=tmp_path) == 1
    assert read_local_draft(1, tmp_path) is None


# ---- on the call screen -------------------------------------------------------------------

def test_drafts_left_for_a_fortnight_are_removed_when_the_call_screen_starts(
        qtbot, db, clock, tmp_path) -> None:  # type: ignore[no-untyped-def]
    make_tracker(db)
    folder = database_folder(str(db.url), tmp_path / "drafts")
    now = clock()
    write_local_draft(LocalDraft(task_id=901, agent="Sam", saved_at=now - timedelta(days=15),
                                 answers={"beds_max": "40"}), folder)
    write_local_draft(LocalDraft(task_id=902, agent="Sam", saved_at=now - timedelta(days=2),
                                 answers={"beds_max": "41"}), folder)
    Operations.synchronous = True
    try:
        screen = build_screen(qtbot, db, clock, tmp_path / "drafts")
    finally:
        Operations.synchronous = False
    assert screen.folder == folder
    assert read_local_draft(901, folder) is None          # untouched for 15 days: gone
    assert read_local_draft(902, folder).answers == {"beds_max": "41"}   # kept



def test_typing_is_kept_on_this_computer_at_once_and_in_the_database_after_a_pause(
        qtbot, screen, db, tmp_path) -> None:  # type: ignore[no-untyped-def]
    next_call(qtbot, screen)
    task = screen.card.task.task_id
    screen.drafts.flush()                       # opening a call is not typing: no draft
    assert read_local_draft(task, screen.folder) is None
    assert not open_form(db, task, TRACKER).from_draft
    type_into(qtbot, screen, "nurses_employed", "12")
    local = read_local_draft(task, screen.folder)
    assert local is not None and local.answers == {"nurses_employed": "12"}
    qtbot.waitUntil(lambda: screen.drafts.saves >= 1)
    assert open_form(db, task, TRACKER).answers == {"nurses_employed": "12"}
    screen.page.notes.setFocus()
    qtbot.keyClicks(screen.page.notes, "Deputy answered")
    assert read_local_draft(task, screen.folder).notes == "Deputy answered"
    with qtbot.waitSignal(screen.outcome_recorded):
        press(qtbot, screen.page.notes, Qt.Key.Key_2, ALT)
    assert read_local_draft(task, screen.folder) is None


def test_a_client_that_dies_mid_call_loses_nothing(qtbot, screen, db, clock,
                                                   tmp_path) -> None:  # type: ignore[no-untyped-def]
    next_call(qtbot, screen)
    task = screen.card.task.task_id
    type_into(qtbot, screen, "nurses_employed", "12")
    qtbot.waitUntil(lambda: screen.drafts.saves >= 1)        # "12" reached the database
    type_into(qtbot, screen, "nurses_agency", "3")           # this only reached the file
    screen.page.notes.setFocus()
    qtbot.keyClicks(screen.page.notes, "Manager back at 2")
    die(screen)                                              # no goodbye, no put back
    clock.now += timedelta(minutes=6)                        # its hold runs out
    again = build_screen(qtbot, db, clock, tmp_path / "drafts")
    assert again.card.task.task_id == task                   # back at once, no F5
    assert row(again, "nurses_employed").editor.value() == "12"
    assert row(again, "nurses_agency").editor.value() == "3"
    assert again.page.notes.toPlainText() == "Manager back at 2"
    assert "kept on this computer" in again.notice.text()


def test_on_another_computer_the_database_draft_comes_back(qtbot, screen, db, clock,
                                                           tmp_path) -> None:  # type: ignore[no-untyped-def]
    next_call(qtbot, screen)
    task = screen.card.task.task_id
    type_into(qtbot, screen, "nurses_employed", "12")
    qtbot.waitUntil(lambda: screen.drafts.saves >= 1)
    die(screen)
    clock.now += timedelta(minutes=6)
    elsewhere = build_screen(qtbot, db, clock, tmp_path / "other-computer")
    assert elsewhere.card.task.task_id == task
    assert row(elsewhere, "nurses_employed").editor.value() == "12"
    assert "saved earlier" in elsewhere.notice.text()


def test_an_older_file_gives_way_to_a_newer_database_draft(qtbot, screen, db, clock,
                                                           tmp_path) -> None:  # type: ignore[no-untyped-def]
    next_call(qtbot, screen)
    task = screen.card.task.task_id
    type_into(qtbot, screen, "nurses_employed", "12")
    die(screen)
    clock.now += timedelta(minutes=6)
    # Meanwhile someone on another computer took the call further.
    save_draft(db, task, "Sam", open_form(db, task, TRACKER).form_version_id,
               {"nurses_employed": "14"}, now=clock.now)
    again = build_screen(qtbot, db, clock, tmp_path / "drafts")
    assert row(again, "nurses_employed").editor.value() == "14"


def test_when_the_database_goes_away_a_notice_says_so_and_the_draft_is_saved_on_return(
        qtbot, screen, db, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    next_call(qtbot, screen)
    task = screen.card.task.task_id
    screen.drafts.retry_seconds = (60.0,)       # retried by hand below, not by the clock
    monkeypatch.setattr(drafts, "save_draft", unreachable)
    type_into(qtbot, screen, "nurses_employed", "12")
    qtbot.waitUntil(lambda: "Can't reach the database" in screen.notice.text())
    assert "your answers are kept on this computer; retrying" in screen.notice.text()
    assert screen.notice.retry.isVisibleTo(screen)
    type_into(qtbot, screen, "nurses_agency", "3")           # still typing, still kept
    kept = json.loads((screen.folder / f"task-{task}.json").read_text())
    assert kept["answers"] == {"nurses_employed": "12", "nurses_agency": "3"}
    assert screen.drafts.saves == 0
    monkeypatch.setattr(drafts, "save_draft", save_draft)
    press(qtbot, screen.focusWidget(), Qt.Key.Key_R, CTRL)   # "try now"
    qtbot.waitUntil(lambda: "Connected again" in screen.notice.text())
    assert open_form(db, task, TRACKER).answers == {"nurses_employed": "12",
                                                    "nurses_agency": "3"}


def test_retries_back_off_until_the_database_answers(qtbot, screen, db,
                                                     monkeypatch) -> None:  # type: ignore[no-untyped-def]
    next_call(qtbot, screen)
    failures = []

    def flaky(*args, **kwargs):  # type: ignore[no-untyped-def]
        if len(failures) < 3:
            failures.append(1)
            unreachable()
        return save_draft(*args, **kwargs)

    monkeypatch.setattr(drafts, "save_draft", flaky)
    type_into(qtbot, screen, "nurses_employed", "12")
    qtbot.waitUntil(lambda: "Connected again" in screen.notice.text(), timeout=3000)
    assert len(failures) == 3 and screen.drafts.saves == 1


def test_an_outcome_pressed_while_the_database_is_away_is_recorded_when_it_is_back(
        qtbot, screen, db, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    next_call(qtbot, screen)
    name = screen.card.name
    real = call_data.record_outcome
    monkeypatch.setattr(call_data, "record_outcome", unreachable)
    press(qtbot, screen.focusWidget(), Qt.Key.Key_2)
    assert screen.state == "call" and screen.card.name == name
    assert "“No answer” will be recorded as soon as it is back" in screen.notice.text()
    monkeypatch.setattr(call_data, "record_outcome", real)
    with qtbot.waitSignal(screen.outcome_recorded, timeout=3000):
        pass
    assert screen.card is not None and screen.card.name != name
    assert "Can't reach" not in screen.notice.text()



