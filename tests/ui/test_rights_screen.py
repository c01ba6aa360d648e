"""The people's rights screen, as an administrator uses it: find a person, export
everything held about them, legal holds and erasure, retention, and suppression lists."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import openpyxl
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QApplication, QFileDialog, QWidget

from outbound.contacts import get_contact
from outbound.rights.retention import plan_retention
from tests.rights_people import CALLED_AT, NAME, add_rich_person
from tests.test_suppression_lists import LIST, people
from tests.ui.test_supervisor_support import activate, services_for
from ui.admin.rights import RightsScreen
from ui.main_window import MainWindow
from ui.operations import Operations

# After Winifred's appointment (so only a legal hold can stop her erasure).
AFTER_VISIT = CALLED_AT + timedelta(days=60)
# 13 months after her call: past welfare_check's 12 months for answers and notes.
YEAR_ON = datetime(2027, 4, 6, 9, 0, tzinfo=UTC)
LIST_DAY = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
ALT = Qt.KeyboardModifier.AltModifier


@pytest.fixture(autouse=True)
def synchronous():
    Operations.synchronous = True
    yield
    Operations.synchronous = False


class Asked:
    """Stands in for the question before something that cannot be undone."""

    def __init__(self, answer: bool = True) -> None:
        self.answer = answer
        self.texts: list[str] = []

    def __call__(self, _parent, title: str, text: str, yes: str) -> bool:
        self.texts.append(f"{title}\n{text}")
        return self.answer


@pytest.fixture
def asked(monkeypatch) -> Asked:
    answer = Asked()
    monkeypatch.setattr("ui.widgets.common.confirm", answer)
    return answer


def open_screen(qtbot, services) -> RightsScreen:
    screen = RightsScreen(services)
    qtbot.addWidget(screen)
    activate(qtbot, screen)
    screen.search.setFocus()
    return screen


def find(qtbot, screen: RightsScreen, words: str) -> None:
    screen.search.clear()
    qtbot.keyClicks(screen.search, words)
    qtbot.keyClick(screen.search, Qt.Key.Key_Return)


def banner(screen: RightsScreen) -> tuple[str, str]:
    return screen.banner.level, screen.banner.text()


def alt(qtbot, screen: RightsScreen, key: Qt.Key, button: QAbstractButton) -> None:
    """Alt+letter, as a person presses a button's underlined letter (the button then
    clicks itself a moment later, as if pressed)."""
    with qtbot.waitSignal(button.clicked):
        qtbot.keyClick(screen, key, ALT)


def names_shown(screen: RightsScreen) -> list[str]:
    shown = screen.table.proxy
    return [shown.index(r, 1).data() for r in range(shown.rowCount())]


@pytest.mark.clock(AFTER_VISIT)
def test_only_an_administrator_is_given_the_screen(qtbot, sqlite_db, tmp_path):
    add_rich_person(sqlite_db)
    for name, role in (("Amira", "agent"), ("Bernard", "supervisor")):
        win = MainWindow(services_for(sqlite_db, tmp_path / name, name, role))
        qtbot.addWidget(win)
        assert "rights" not in win.screen_keys(), role
        assert win.show_screen("rights") is None
    admin = MainWindow(services_for(sqlite_db, tmp_path / "ada", "Ada", "administrator"))
    qtbot.addWidget(admin)
    activate(qtbot, admin)
    assert admin.screen_keys()[-1] == "rights"
    qtbot.keyClick(admin, Qt.Key.Key_9, Qt.KeyboardModifier.ControlModifier)
    assert admin.current_screen_key() == "rights"
    screen = admin.screens["rights"]
    assert isinstance(screen, RightsScreen)
    assert admin.navigation.currentItem().text() == "People's rights"
    qtbot.waitUntil(lambda: QApplication.focusWidget() is screen.search)
    find(qtbot, screen, "Quennell")
    unnamed = []
    for page in range(screen.tabs.count()):
        screen.tabs.setCurrentIndex(page)
        for widget in screen.findChildren(QWidget):
            if not widget.isVisibleTo(screen) \
                    or not widget.focusPolicy() & Qt.FocusPolicy.TabFocus:
                continue
            text = widget.text() if isinstance(widget, QAbstractButton) else ""
            if not (widget.accessibleName() or text):
                unnamed.append(type(widget).__name__)
    assert unnamed == []


@pytest.mark.clock(AFTER_VISIT)
def test_an_administrator_finds_a_person_and_exports_everything_held(
        qtbot, sqlite_db, tmp_path, monkeypatch):
    ids = add_rich_person(sqlite_db)
    screen = open_screen(qtbot, services_for(sqlite_db, tmp_path, "Ada", "administrator"))
    assert not screen.export_button.isEnabled()       # nobody chosen yet
    find(qtbot, screen, "nobody of that name")
    assert screen.found_count.text() == "Nobody matches."
    find(qtbot, screen, str(ids["contact"]))          # by contact number
    assert names_shown(screen) == [NAME]
    find(qtbot, screen, "0161 496 0123")              # by phone number
    assert names_shown(screen) == [NAME]
    find(qtbot, screen, "quennell")
    assert names_shown(screen) == [NAME]
    assert screen.chosen_label.text() == (f"Contact {ids['contact']}, {NAME}. "
                                          "Not on legal hold.")
    target = tmp_path / "chosen" / "winifred"
    target.parent.mkdir()
    asked: list[str] = []

    def save_as(_parent, _title, suggested, _filter):
        asked.append(suggested)
        return str(target), "Excel workbook (*.xlsx)"

    monkeypatch.setattr(QFileDialog, "getSaveFileName", save_as)
    alt(qtbot, screen, Qt.Key.Key_X, screen.export_button)
    assert asked and asked[0].endswith(f"contact-{ids['contact']}-2026-05-01.xlsx")
    written = target.with_suffix(".xlsx")
    level, text = banner(screen)
    assert level == "success", text
    assert text.startswith(f"Wrote everything we hold about contact {ids['contact']} (")
    assert text.endswith(f" to {written}.")
    book = openpyxl.load_workbook(written)
    assert book.sheetnames[0] == "Person" and book.sheetnames[-1] == "Data dictionary"
    person = {row[0]: row[1] for row in book["Person"].iter_rows(min_row=2, values_only=True)}
    assert person["Name"] == NAME and person["Contact number"] == ids["contact"]
    assert book["Call attempts"].max_row == 2
    assert screen.export_button.isEnabled()


@pytest.mark.clock(AFTER_VISIT)
def test_erasure_is_refused_on_legal_hold_and_goes_ahead_once_lifted(
        qtbot, sqlite_db, tmp_path, asked):
    ids = add_rich_person(sqlite_db)
    cid = ids["contact"]
    screen = open_screen(qtbot, services_for(sqlite_db, tmp_path))
    find(qtbot, screen, "Winifred")
    assert screen.set_hold_button.isEnabled() and not screen.lift_hold_button.isEnabled()
    alt(qtbot, screen, Qt.Key.Key_G, screen.set_hold_button)         # no reason given
    assert banner(screen)[0] == "warning"
    assert QApplication.focusWidget() is screen.hold_reason
    qtbot.keyClicks(screen.hold_reason, "Complaint 2026/114")
    alt(qtbot, screen, Qt.Key.Key_G, screen.set_hold_button)
    assert banner(screen) == ("success", f"Contact {cid} is on legal hold: nothing about "
                              "them will be erased or removed by retention until it is "
                              "lifted.")
    assert screen.chosen_label.text() == (f"Contact {cid}, {NAME}. On legal hold since "
                                          "01 May 2026, set by Pat: “Complaint 2026/114”.")
    assert screen.lift_hold_button.isEnabled() and not screen.set_hold_button.isEnabled()

    qtbot.mouseClick(screen.erase_button, Qt.MouseButton.LeftButton)
    assert len(asked.texts) == 1
    assert "name, phone numbers" in asked.texts[0] and "Kept, for the statistics" in \
        asked.texts[0] and "cannot be undone" in asked.texts[0]
    assert banner(screen) == ("error", f"Contact {cid} is on legal hold, set by Pat on "
                              "01 May 2026 (“Complaint 2026/114”); a supervisor must lift "
                              "it first.")
    assert get_contact(sqlite_db, cid).name == NAME

    alt(qtbot, screen, Qt.Key.Key_D, screen.lift_hold_button)         # lift the hold
    assert banner(screen) == ("success", f"Lifted the legal hold on contact {cid}.")
    assert screen.chosen_label.text().endswith("Not on legal hold.")
    asked.answer = False
    alt(qtbot, screen, Qt.Key.Key_E, screen.erase_button)         # asked, and thought better of it
    assert get_contact(sqlite_db, cid).name == NAME
    asked.answer = True
    alt(qtbot, screen, Qt.Key.Key_E, screen.erase_button)
    level, text = banner(screen)
    assert level == "success" and text.startswith(f"Erased contact {cid}'s personal details")
    erased = get_contact(sqlite_db, cid)
    assert erased.name == f"Erased contact {cid}" and erased.do_not_call
    assert names_shown(screen) == [f"Erased contact {cid}"]

    qtbot.mouseClick(screen.erase_button, Qt.MouseButton.LeftButton)
    assert banner(screen)[0] == "error"
    assert banner(screen)[1].startswith(f"Contact {cid}'s details were already erased on ")


@pytest.mark.clock(AFTER_VISIT)
def test_an_administrator_may_set_a_legal_hold(qtbot, sqlite_db, tmp_path):
    add_rich_person(sqlite_db)
    screen = open_screen(qtbot, services_for(sqlite_db, tmp_path, "Ada", "administrator"))
    find(qtbot, screen, "Winifred")
    qtbot.keyClicks(screen.hold_reason, "Complaint 2026/114")
    qtbot.mouseClick(screen.set_hold_button, Qt.MouseButton.LeftButton)
    assert banner(screen)[0] == "success", banner(screen)[1]


@pytest.mark.clock(YEAR_ON)
def test_retention_check_lists_what_would_go_and_running_it_removes_it(
        qtbot, sqlite_db, tmp_path, asked):
    add_rich_person(sqlite_db)
    screen = open_screen(qtbot, services_for(sqlite_db, tmp_path, "Ada", "administrator"))
    qtbot.keyClick(screen, Qt.Key.Key_T, ALT)
    panel = screen.retention
    assert screen.tabs.currentWidget() is panel
    expected = [item.sentence() for item in plan_retention(sqlite_db).items]
    alt(qtbot, screen, Qt.Key.Key_K, panel.check_button)
    shown = [panel.items.item(r).text() for r in range(panel.items.count())]
    assert shown == expected
    assert "Having a chat: 1 answer set from before 6 April 2026 (12 months) to be " \
        "deleted." in shown
    assert panel.summary.text().startswith("Would remove what was past its retention period")

    asked.answer = False
    alt(qtbot, screen, Qt.Key.Key_U, panel.run_button)
    assert plan_retention(sqlite_db).items                 # nothing removed
    asked.answer = True
    alt(qtbot, screen, Qt.Key.Key_U, panel.run_button)
    assert "People on legal hold are left alone" in asked.texts[-1]
    level, text = banner(screen)
    assert level == "success" and text.startswith("Removed what was past its retention")
    qtbot.mouseClick(panel.check_button, Qt.MouseButton.LeftButton)
    assert panel.items.count() == 0
    assert panel.summary.text() == "Nothing was past its retention period on 6 April 2027."


@pytest.mark.clock(LIST_DAY)
def test_a_suppression_list_is_imported_and_a_near_match_confirmed(
        qtbot, sqlite_db, tmp_path, monkeypatch):
    ids = people(sqlite_db)
    good = tmp_path / "weekly deaths.csv"
    good.write_text(LIST, encoding="utf-8")
    odd = tmp_path / "odd.csv"
    odd.write_text("Colour,Shape\nred,round\n", encoding="utf-8")
    chosen = [str(odd)]
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        lambda *_args: (chosen[0], "Lists (*.csv *.xlsx)"))
    screen = open_screen(qtbot, services_for(sqlite_db, tmp_path))
    qtbot.keyClick(screen, Qt.Key.Key_L, ALT)
    panel = screen.suppression
    assert screen.tabs.currentWidget() is panel
    assert panel.pending_count.text() == "No near matches are waiting."
    assert panel.source.currentText() == "Tell Us Once"

    alt(qtbot, screen, Qt.Key.Key_I, panel.import_button)
    level, text = banner(screen)
    assert level == "error" and text.startswith("“odd.csv” needs a phone number column")
    assert "Traceback" not in text

    chosen[0] = str(good)
    alt(qtbot, screen, Qt.Key.Key_I, panel.import_button)
    assert banner(screen) == ("success", (
        "Imported the suppression list weekly deaths.csv (Tell Us Once): 3 people "
        "stopped, 4 near matches to confirm, 0 already stopped, 1 not found, 1 rows not "
        "understood."))
    assert panel.report_counts.text().startswith(
        "Suppressed at once: 3. Near matches to confirm: 4. Already stopped: 0. "
        "Not found: 1. Rows not understood: 1.")
    rows = [panel.report.item(r).text() for r in range(panel.report.count())]
    assert f"Row 2: contact {ids['Ann Lee']}: calls stopped (phone number)." in rows
    assert (f"Row 4: contact {ids['Cath Wood']} may be this person (same name, different "
            "postcode): confirm or dismiss it.") in rows
    assert panel.pending_count.text() == "4 near matches to confirm or dismiss."
    assert get_contact(sqlite_db, ids["Ann Lee"]).do_not_call

    assert panel.matches.select_row_where(lambda m: m.contact_id == ids["Cath Wood"])
    qtbot.mouseClick(panel.confirm_button, Qt.MouseButton.LeftButton)
    assert banner(screen) == ("success",
                              f"Calls to contact {ids['Cath Wood']} (Cath Wood) stopped.")
    assert get_contact(sqlite_db, ids["Cath Wood"]).do_not_call
    assert panel.model.rowCount() == 3

    assert panel.matches.select_row_where(lambda m: m.contact_id == ids["David Hart"])
    alt(qtbot, screen, Qt.Key.Key_O, panel.dismiss_button)          # dismiss: not them
    level, text = banner(screen)
    assert level == "success" and text.endswith(
        f"dismissed: contact {ids['David Hart']} is still called.")
    assert not get_contact(sqlite_db, ids["David Hart"]).do_not_call
    assert {m.contact_id for m in panel.model.records} == {ids["Fay Green"],
                                                          ids["Oak Lodge"]}
