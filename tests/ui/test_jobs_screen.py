"""The scheduled jobs screen: a closed screen stops hearing from the scheduler."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest

from outbound.schedule import JobOutcome
from tests.ui.test_supervisor_support import services_for
from ui.app import SchedulerLink
from ui.operations import Operations
from ui.supervisor.jobs import JobsScreen


@pytest.fixture(autouse=True)
def synchronous(monkeypatch, tmp_path):
    monkeypatch.setenv("OUTBOUND_EXPORT_FOLDER", str(tmp_path / "exports"))
    Operations.synchronous = True
    yield
    Operations.synchronous = False


def test_a_closed_jobs_screen_stops_hearing_the_scheduler(qtbot, sqlite_db, tmp_path):
    link = SchedulerLink(sqlite_db)
    services = dataclasses.replace(services_for(sqlite_db, tmp_path), scheduler=link)
    screen = JobsScreen(services)
    qtbot.addWidget(screen)
    refreshed: list[bool] = []
    screen.refresh = lambda: refreshed.append(True)    # type: ignore[method-assign]
    moment = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    outcome = JobOutcome("sweep-leases", "2026-11-23T09:00", "done",
                         "No claims had run out.", moment, moment)
    link.job_finished.emit(outcome)
    assert refreshed == [True]
    screen.close_screen()
    screen.close_screen()        # the window may close twice (sign out, then quit)
    link.job_finished.emit(outcome)
    assert refreshed == [True]
