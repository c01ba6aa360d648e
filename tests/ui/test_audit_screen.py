"""The audit screen, as a supervisor uses it: search by who and by person, export."""

from __future__ import annotations

import openpyxl
import pytest
from PySide6.QtCore import Qt

from outbound.audit import record_event, search_audit
from tests.ui.test_supervisor_support import activate, services_for
from ui.operations import Operations
from ui.supervisor.audit import AuditScreen


@pytest.fixture(autouse=True)
def synchronous():
    Operations.synchronous = True
    yield
    Operations.synchronous = False


def rows(screen: AuditScreen) -> list[tuple[str, str, str]]:
    """Who, person and what happened, in the order the table shows them."""
    shown = screen.table.proxy
    return [(shown.index(r, 1).data(), shown.index(r, 3).data(), shown.index(r, 4).data())
            for r in range(shown.rowCount())]


def test_a_supervisor_searches_and_exports_the_trail(qtbot, sqlite_db, tmp_path):
    record_event(sqlite_db, "suppressed", "Stopped calls to Ann Lee: deceased.",
                 actor="Sam", contact_id=7)
    record_event(sqlite_db, "exported", "Exported answers of Care tracker.", actor="Priya")
    services = services_for(sqlite_db, tmp_path)         # adds Pat: an entry too
    target = tmp_path / "audit.xlsx"
    asked: list[str] = []

    def ask_path(_parent, suggested: str) -> str:
        asked.append(suggested)
        return str(target)

    screen = AuditScreen(services, ask_path=ask_path)
    qtbot.addWidget(screen)
    activate(qtbot, screen)
    header = screen.table.horizontalHeader()
    assert header.sortIndicatorOrder() == Qt.SortOrder.DescendingOrder
    assert [r[2] for r in rows(screen)] == ["Added Pat as supervisor.",
                                           "Exported answers of Care tracker.",
                                           "Stopped calls to Ann Lee: deceased."]
    screen.who.setFocus()
    qtbot.keyClicks(screen.who, "sam")
    qtbot.keyClick(screen.who, Qt.Key.Key_Return)
    assert rows(screen) == [("Sam", "7: no longer held", "Stopped calls to Ann Lee: deceased.")]
    screen.who.clear()
    screen.person.setFocus()
    qtbot.keyClicks(screen.person, "Ann")
    qtbot.keyClick(screen.person, Qt.Key.Key_Return)
    assert screen.banner.level == "error" and "“Ann” is not a contact number." in \
        screen.banner.label.text()
    screen.person.clear()
    qtbot.keyClicks(screen.person, "7")
    qtbot.keyClick(screen.person, Qt.Key.Key_Return)
    assert [r[1] for r in rows(screen)] == ["7: no longer held"]
    assert not screen.banner.isVisible()
    qtbot.keyClick(screen, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier
                   | Qt.KeyboardModifier.ShiftModifier)
    assert asked and asked[0].endswith(".xlsx")
    assert screen.banner.level == "success"
    assert screen.banner.label.text() == f"Wrote 1 audit entry to {target}."
    book = openpyxl.load_workbook(target)
    assert book.sheetnames == ["Audit trail", "Data dictionary"]
    sheet = book["Audit trail"]
    values = [c.value for c in sheet[2]]
    assert sheet.max_row == 2
    assert (values[2], values[4], values[5], values[6]) == (
        "Sam", "Stopped calls to a person", 7, "Stopped calls to Ann Lee: deceased.")
    newest = search_audit(sqlite_db)[0]
    assert (newest.action, newest.actor) == ("audit_exported", "Pat")


def test_signing_in_and_out_is_recorded(qtbot, sqlite_db, tmp_path):
    from PySide6.QtWidgets import QApplication

    from tests.ui.test_supervisor_support import temp_settings
    from ui.app import ClientSession

    services = services_for(sqlite_db, tmp_path)
    session = ClientSession(sqlite_db, temp_settings(tmp_path))
    session.open_window(services.user)
    window = session.window
    qtbot.addWidget(window)
    activate(qtbot, window)
    qtbot.keyClick(window, Qt.Key.Key_O,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: session.dialog is not None)
    qtbot.addWidget(session.dialog)
    assert QApplication.instance() is not None
    assert [(e.action, e.actor, e.summary) for e in search_audit(sqlite_db)][:2] == [
        ("signed_out", "Pat", "Pat signed out."), ("signed_in", "Pat", "Pat signed in.")]
