"""The export dialog writes a campaign's answers, and the jobs screen runs a job now."""

from __future__ import annotations

from datetime import datetime, time

import openpyxl
import pytest
from PySide6.QtCore import QDate, Qt

from outbound.clock import LONDON
from outbound.demo import build_demo
from tests.ui.test_supervisor_support import (
    CALLING_DAY,
    activate,
    care_tracker,
    record_calls,
    services_for,
)
from ui.operations import Operations
from ui.supervisor.export_dialog import ExportDialog
from ui.supervisor.jobs import JobsScreen

MORNING = datetime.combine(CALLING_DAY, time(10, 30), tzinfo=LONDON)


@pytest.fixture
def answered(sqlite_db):
    Operations.synchronous = True
    build_demo(sqlite_db, scale=0.05)
    campaign = care_tracker(sqlite_db, CALLING_DAY)
    record_calls(sqlite_db, campaign, "Amira", ["completed", "completed", "no_answer"],
                 now=MORNING)
    yield sqlite_db
    Operations.synchronous = False


def test_exporting_a_days_answers_to_a_workbook(answered, qtbot, tmp_path):
    services = services_for(answered, tmp_path)
    dialog = ExportDialog(services)
    qtbot.addWidget(dialog)
    activate(qtbot, dialog)
    assert dialog.campaign.currentText() == "Care tracker"
    day = QDate(CALLING_DAY.year, CALLING_DAY.month, CALLING_DAY.day)
    dialog.date_from.setDate(day)
    dialog.date_to.setDate(day)
    assert dialog.path.text().endswith("care-tracker-2026-11-18.xlsx")
    out = tmp_path / "tracker.xlsx"
    dialog.path.setText(str(out))
    qtbot.keyClick(dialog.path, Qt.Key.Key_Return)
    assert dialog.result is not None, dialog.banner.label.text()
    assert dialog.result.rows == 2
    assert "Written: 2 rows" in dialog.banner.label.text()
    workbook = openpyxl.load_workbook(out, read_only=True)
    assert len(workbook.sheetnames) == 2
    assert services.settings.export_folder == str(tmp_path)


def test_an_export_that_cannot_be_written_is_a_message(answered, qtbot, tmp_path):
    dialog = ExportDialog(services_for(answered, tmp_path))
    qtbot.addWidget(dialog)
    dialog.path.setText(str(tmp_path / "no such folder" / "x.csv"))
    dialog.fmt.setCurrentIndex(dialog.fmt.findData("csv"))
    dialog.export()
    assert dialog.result is None
    assert dialog.banner.level == "error"
    assert dialog.banner.label.text()


def test_jobs_are_listed_and_one_runs_now(answered, qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("OUTBOUND_EXPORT_FOLDER", str(tmp_path / "exports"))
    screen = JobsScreen(services_for(answered, tmp_path))
    qtbot.addWidget(screen)
    activate(qtbot, screen)
    descriptions = [j.description for j in screen.model.records]
    assert descriptions, "the care tracker has a round and an export scheduled"
    row = next(i for i, j in enumerate(screen.model.records) if "round" in j.description.lower())
    screen.table.select_row_where(lambda j: j is screen.model.records[row])
    qtbot.keyClick(screen, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    job = screen.model.records[row]
    assert screen.banner.level == "success"
    assert screen.banner.label.text().startswith(f"{job.description}: Made 36 tasks")
    assert job.last_status == "done" and job.last_result.startswith("Made 36 tasks")
    assert screen.current().job_id == job.job_id

    qtbot.keyClick(screen, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    assert screen.banner.level == "info"  # already done today: skipped, not made twice
