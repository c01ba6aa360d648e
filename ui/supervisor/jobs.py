"""The scheduled jobs screen: each job's last run and result, its next run, run it now.

Rounds, reminder enrolment and the commissioners' exports run by themselves at the
times their templates give (``ui.scheduler`` runs them in the client); this screen
shows how they went and runs one at once when a supervisor needs it.
"""

from __future__ import annotations

from typing import Any

import shiboken6
from PySide6.QtWidgets import QCheckBox, QVBoxLayout, QWidget

from outbound.clock import to_london
from outbound.schedule import JobStatus, build_jobs, export_folder, job_statuses, run_job_now
from ui.actions import ScreenAction, create_action
from ui.operations import run_in_background
from ui.services import Services
from ui.widgets.banner import MessageBanner
from ui.widgets.common import hint_label, named, screen_toolbar, title_label
from ui.widgets.records import Column, RecordTable, RecordTableModel

STATUS_WORDS = {"done": "Done", "failed": "Failed", "running": "Running now",
                "skipped": "Skipped", None: "Not run yet"}


def _when(value: Any) -> str:
    return to_london(value).strftime("%a %d/%m %H:%M") if value else ""


class JobsScreen(QWidget):
    def __init__(self, services: Services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.banner = MessageBanner(self)
        self.model: RecordTableModel[JobStatus] = RecordTableModel([
            Column("Job", lambda j: j.description),
            Column("Last run", lambda j: _when(j.last_run),
                   sort_key=lambda j: j.last_run.isoformat() if j.last_run else ""),
            Column("How it went", lambda j: STATUS_WORDS.get(j.last_status, j.last_status
                                                             or "")),
            Column("Result", lambda j: j.last_result or ""),
            Column("Next run", lambda j: _when(j.next_run),
                   sort_key=lambda j: j.next_run.isoformat() if j.next_run else ""),
            Column("Warning", lambda j: j.warning or ""),
        ], self)
        self.table = RecordTable(self.model, "Scheduled jobs")
        self.table.fit_columns((390, 120, 100, 300, 120))
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._chosen())
        self.force = named(QCheckBox("Run again even if it has run today"),
                           "Run again even if it has run today")
        self.run_action = create_action(self, ScreenAction.RUN_JOB_NOW, self.run_now)
        layout = QVBoxLayout(self)
        layout.addWidget(title_label("Scheduled jobs"))
        layout.addWidget(hint_label(
            "Rounds, reminders and exports run once a day for the whole team, whichever "
            "computer does it first; the every-minute checks run on every computer, and "
            "the last run shown is the latest on any of them. Times are UK time."))
        layout.addWidget(self.banner)
        layout.addWidget(screen_toolbar([self.run_action], "Job actions"))
        layout.addWidget(self.force)
        layout.addWidget(self.table, 1)
        # The scheduler outlives this screen (it serves the next person to sign in): a
        # bound method, not a lambda, so that Qt drops the connection when the screen
        # goes, and close_screen drops it as soon as the window closes.
        self._scheduler = getattr(services, "scheduler", None)
        if self._scheduler is not None:
            self._scheduler.job_finished.connect(self._job_finished)
        self._chosen()
        self.refresh()

    def _job_finished(self, _outcome: Any) -> None:
        self.refresh()

    def close_screen(self) -> None:
        """Signing out or quitting: stop hearing about the scheduler's runs."""
        scheduler, self._scheduler = self._scheduler, None
        if scheduler is not None and shiboken6.isValid(scheduler):
            scheduler.job_finished.disconnect(self._job_finished)

    def export_to(self) -> Any:
        return export_folder()  # where the scheduled exports go, for the whole team

    def refresh(self) -> None:
        db, folder = self.services.db, self.export_to()

        def work(_op: Any) -> list[JobStatus]:
            return job_statuses(db, build_jobs(db, export_to=folder))

        run_in_background(self, work, self._show, self.banner.error)

    def _show(self, statuses: list[JobStatus]) -> None:
        wanted = self.current()
        self.model.set_records(statuses)
        if not (wanted and self.table.select_row_where(lambda j: j.job_id == wanted.job_id)) \
                and statuses:
            self.table.selectRow(0)
            self.table.setCurrentIndex(self.table.proxy.index(0, 0))
        if not statuses:
            self.banner.info("No jobs are scheduled: no open campaign has a schedule.")
        self._chosen()

    def current(self) -> JobStatus | None:
        record = self.table.current_record()
        return record if isinstance(record, JobStatus) else None

    def _chosen(self) -> None:
        self.run_action.setEnabled(self.current() is not None)

    def run_now(self) -> None:
        job = self.current()
        if job is None:
            return
        db, folder, force = self.services.db, self.export_to(), self.force.isChecked()
        client = f"{self.services.user.name} (run now)"
        self.run_action.setEnabled(False)
        self.banner.info(f"Running: {job.description}…")

        def done(outcome: Any) -> None:
            self.run_action.setEnabled(True)
            level = {"done": "success", "failed": "error"}.get(outcome.status, "info")
            self.banner.show_message(f"{job.description}: {outcome.result}", level)
            self.refresh()

        def failed(message: str) -> None:
            self.run_action.setEnabled(True)
            self.banner.error(message)

        run_in_background(self, lambda _op: run_job_now(db, job.job_id, force=force,
                                                        export_to=folder, client=client),
                          done, failed)
