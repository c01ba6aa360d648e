"""The first window: contacts listed lazily, searched, and a list imported."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from outbound.demo import build_demo
from ui.main_window import MainWindow
from ui.operations import Operations


@pytest.fixture
def window(qtbot, sqlite_db):
    Operations.synchronous = True
    build_demo(sqlite_db, scale=0.05)
    win = MainWindow(sqlite_db)
    qtbot.addWidget(win)
    win.show()
    yield win
    Operations.synchronous = False


def test_contacts_are_listed_and_searchable_by_typing(window, qtbot):
    assert window.model.rowCount() > 400
    name = window.model.index(0, 0).data()
    assert name
    assert window.model.index(0, 2).data().startswith("0")  # national format
    qtbot.keyClicks(window.search, "REG-2026-00001")
    qtbot.waitUntil(lambda: window.model.rowCount() == 1)


def test_importing_a_list_shows_its_report(window, qtbot, shared_data, monkeypatch):
    shown = []
    monkeypatch.setattr("ui.main_window.QMessageBox.information",
                        lambda _parent, title, text: shown.append(text))
    before = window.model.rowCount()
    window.start_import(str(shared_data / "trafford_care_homes_2026.csv"))
    qtbot.waitUntil(lambda: bool(shown))
    assert "56 new" in shown[0]
    assert window.model.rowCount() == before + 56
    assert window.imports.topLevelItemCount() >= 1
    assert window.imports.topLevelItem(0).text(1) == "trafford_care_homes_2026.csv"


def test_find_shortcut_focuses_search(window, qtbot):
    window.table.setFocus()
    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(window.search.hasFocus)
