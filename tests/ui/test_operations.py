"""The background helper: a screen closed before its work finishes gets no result and
nothing is printed."""

from __future__ import annotations

import threading

from PySide6.QtCore import QObject, QThreadPool

from ui.operations import run_in_background


def test_a_result_for_a_closed_screen_is_dropped_quietly(qtbot, capfd):
    screen = QObject()
    release = threading.Event()
    results: list[object] = []
    run_in_background(screen, lambda _op: release.wait(10) and 42, results.append,
                      results.append)
    screen.deleteLater()
    qtbot.waitUntil(lambda: not _exists(screen))
    release.set()
    assert QThreadPool.globalInstance().waitForDone(10_000)
    assert results == []
    assert "Signal source has been deleted" not in capfd.readouterr().err


def _exists(thing: QObject) -> bool:
    import shiboken6

    return shiboken6.isValid(thing)
