"""The import wizard end to end: a file, a changed column, the dry run, the import."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWizard

from outbound.contacts import ContactFilter, count_contacts, iter_contact_rows
from tests.ui.test_supervisor_support import activate, services_for
from ui.operations import Operations
from ui.supervisor.imports import ImportsScreen

LIST = """Home name,Tel No,Post code,Area,Manager,Website
Oak House,0161 496 0001,PN1 1AB,Ashworth,Ann Lee,http://oak.example
Beech Lodge,1614960002,PN1 2AB,Ashworth,Bob Roe,http://beech.example
Elm Court,NA,PN2 1AB,Dunmoor,Cy Dee,http://elm.example
Oak House,0161 496 0001,PN1 1AB,Ashworth,Ann Lee,http://oak.example
Ash Grange,0161 496 0005,PN3 1AB,Fellside,Di Eve,http://ash.example
"""


@pytest.fixture
def screen(qtbot, sqlite_db, tmp_path):
    Operations.synchronous = True
    widget = ImportsScreen(services_for(sqlite_db, tmp_path))
    qtbot.addWidget(widget)
    activate(qtbot, widget)
    yield widget
    Operations.synchronous = False


def opened_wizard(screen, qtbot):
    screen.open_wizard()
    qtbot.addWidget(screen.wizard)
    return screen.wizard


def homes_csv(tmp_path):
    path = tmp_path / "homes.csv"
    path.write_text(LIST, encoding="utf-8")
    return path


def next_page(qtbot, wizard):
    button = wizard.button(QWizard.WizardButton.CommitButton)
    if not button.isVisible():
        button = wizard.button(QWizard.WizardButton.NextButton)
    assert button.isEnabled()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def test_importing_a_list_with_a_changed_column(screen, qtbot, sqlite_db, tmp_path):
    path = homes_csv(tmp_path)
    wizard = opened_wizard(screen, qtbot)
    page = wizard.choose_page
    qtbot.keyClicks(page.path, str(path))
    qtbot.keyClicks(page.source, "Care homes")
    page.kind.setCurrentIndex(page.kind.findData("organisation"))
    next_page(qtbot, wizard)

    mapping = wizard.mapping_page
    assert wizard.currentPage() is mapping
    assert mapping.combos["Tel No"].currentData() == "phone"
    assert mapping.combos["Manager"].currentText() == "Keep as an extra detail"
    activate(qtbot, wizard)
    mapping.combos["Home name"].setFocus()
    qtbot.waitUntil(mapping.combos["Home name"].hasFocus)
    qtbot.keyClick(mapping.combos["Home name"], Qt.Key.Key_Tab)
    assert mapping.combos["Tel No"].hasFocus()  # the choices are reached by keyboard
    mapping.choose("Manager", "role")
    mapping.choose("Website", "-")
    assert "Manager\n→ Role" in mapping.preview.horizontalHeaderItem(4).text()
    mapping.choose("Tel No", "-")  # no phone column: the page says so and waits
    assert not mapping.isComplete()
    assert "phone" in mapping.banner.label.text()
    mapping.choose("Tel No", "phone")
    next_page(qtbot, wizard)

    check = wizard.check_page
    assert check.report is not None and not check.report.committed
    assert check.figures.value("valid") == "2"
    assert check.figures.value("repaired") == "1"
    assert check.figures.value("invalid_phone") == "1"
    assert check.figures.value("duplicate") == "1"
    assert check.issues.rowCount() >= 3
    whats = {check.issues.item(r, 2).text() for r in range(check.issues.rowCount())}
    assert {"Repaired", "No usable number", "Duplicate"} <= whats
    assert count_contacts(sqlite_db) == 0  # a dry run saves nothing

    next_page(qtbot, wizard)
    assert wizard.import_page.report.committed
    assert count_contacts(sqlite_db) == 4
    beech = next(r for r in iter_contact_rows(sqlite_db, ContactFilter(search="Beech")))
    assert beech["role"] == "Bob Roe" and beech["kind"] == "organisation"
    assert beech["source"] == "Care homes"
    assert screen.runs.rowCount() == 1
    assert screen.runs.record(0).file_name == "homes.csv"
    assert "Imported 5 rows" in screen.banner.label.text()
    assert screen.issues.rowCount() >= 3


def test_a_file_that_is_not_a_list_is_a_message(screen, qtbot, tmp_path):
    path = tmp_path / "notes.csv"
    path.write_bytes(b"")
    wizard = opened_wizard(screen, qtbot)
    qtbot.keyClicks(wizard.choose_page.path, str(path))
    next_page(qtbot, wizard)
    assert wizard.currentPage() is wizard.choose_page
    assert wizard.choose_page.banner.label.text()
    wizard.choose_page.path.setText(str(tmp_path / "missing.csv"))
    next_page(qtbot, wizard)
    assert "There is no file" in wizard.choose_page.banner.label.text()
    wizard.reject()


def test_cancelling_the_import_saves_nothing(screen, qtbot, sqlite_db, tmp_path):
    path = homes_csv(tmp_path)
    wizard = opened_wizard(screen, qtbot)
    qtbot.keyClicks(wizard.choose_page.path, str(path))
    next_page(qtbot, wizard)
    next_page(qtbot, wizard)

    real = wizard.run_import

    def cancelled_at_once(operation, *, dry_run):
        operation.cancel()
        return real(operation, dry_run=dry_run)

    wizard.run_import = cancelled_at_once
    next_page(qtbot, wizard)
    assert "cancelled" in wizard.import_page.banner.label.text()
    assert count_contacts(sqlite_db) == 0


def test_the_file_is_read_in_the_background(screen, qtbot, tmp_path):
    Operations.synchronous = False
    path = homes_csv(tmp_path)
    wizard = opened_wizard(screen, qtbot)
    page = wizard.choose_page
    qtbot.keyClicks(page.path, str(tmp_path / "notes.csv"))
    (tmp_path / "notes.csv").write_bytes(b"\x00\x01\x02 not a list" * 50)
    next_page(qtbot, wizard)
    qtbot.waitUntil(lambda: not page.reading)
    assert wizard.currentPage() is page
    assert "does not look like a spreadsheet" in page.banner.label.text()

    page.path.setText(str(path))
    next_page(qtbot, wizard)
    qtbot.waitUntil(lambda: wizard.currentPage() is wizard.mapping_page)
    assert wizard.headers[:2] == ["Home name", "Tel No"]
    assert wizard.mapping_page.combos["Tel No"].currentData() == "phone"
    wizard.reject()
