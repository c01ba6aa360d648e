"""The scheduled jobs screen: every job says when it last ran, and a closed screen stops
hearing from the scheduler."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest
from PySide6.QtCore import Qt

from outbound.clock import LONDON
from outbound.queue.campaigns import create_campaign
from outbound.schedule import JobOutcome
from tests.ui.test_supervisor_support import activate, services_for
from ui.app import SchedulerLink
from ui.operations import Operations
from ui.supervisor.jobs import JobsScreen

NINE = datetime(2026, 11, 23, 9, 0, tzinfo=LONDON)


@pytest.fixture(autouse=True)
def synchronous(monkeypatch, tmp_path):
    monkeypatch.setenv("OUTBOUND_EXPORT_FOLDER", str(tmp_path / "exports"))
    Operations.synchronous = True
    yield
    Operations.synchronous = False


def shown(screen: JobsScreen, job_id: str) -> dict[str, str]:
    """The row of ``job_id`` as the screen shows it, by column heading."""
    model = screen.model
    row = next(i for i, job in enumerate(model.records) if job.job_id == job_id)
    return {model.headerData(column, Qt.Orientation.Horizontal): model.data(
                model.index(row, column)) for column in range(model.columnCount())}


@pytest.mark.clock(NINE)
@pytest.mark.parametrize("job_id", ["sweep-leases", "overdue-callbacks"])
def test_the_every_minute_jobs_say_when_they_last_ran(qtbot, sqlite_db, tmp_path, job_id):
    create_campaign(sqlite_db, "care_capacity_tracker", "Care tracker")
    screen = JobsScreen(services_for(sqlite_db, tmp_path))
    qtbot.addWidget(screen)
    activate(qtbot, screen)
    assert shown(screen, job_id)["How it went"] == "Not run yet"
    assert screen.table.select_row_where(lambda job: job.job_id == job_id)
    qtbot.keyClick(screen, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    assert screen.banner.level == "success"
    row = shown(screen, job_id)
    assert row["Last run"] == "Mon 23/11 09:00"
    assert row["How it went"] == "Done"
    assert row["Result"] in ("No claims had run out.", "No call-backs are overdue.")
    # A screen opened later, on another computer say, reads the same from the database.
    again = JobsScreen(services_for(sqlite_db, tmp_path, "Sunita"))
    qtbot.addWidget(again)
    assert shown(again, job_id) == row


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
