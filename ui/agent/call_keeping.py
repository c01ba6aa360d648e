"""Keeping a call while it is on screen, for the call screen: its lease renewed every
minute, the database's comings and goings, dialling, and putting a call back.

``CallKeeping`` is a part of ``CallScreen`` kept in its own module; it uses the
screen's widgets and state.
"""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import Qt

from outbound.forms import save_draft
from outbound.forms.local_drafts import remove_local_draft
from outbound.queue.claim import release_task, renew_lease
from ui.agent import call_data
from ui.operations import run_in_background

OFFLINE = ("Can't reach the database — your answers are kept on this computer; "
           "retrying…")


class CallKeeping:
    """The lease, the connection, the numbers and putting back, for ``CallScreen``."""

    def renew_lease(self) -> None:
        card = self.card
        if card is None:
            return
        db, agent, task_id, now = self.db, self.agent, card.task.task_id, self.clock()
        run_in_background(self, lambda _op: renew_lease(db, task_id, agent, now=now),
                          lambda until: self._lease_renewed(task_id, until),
                          lambda _message: None)

    def _lease_renewed(self, task_id: int, until: datetime | None) -> None:
        if until is None and self.card is not None and self.card.task.task_id == task_id:
            self.notice.say("This call is no longer held for you (it was released or its "
                            "hold ran out), so another agent may take it. Your answers are "
                            "kept on this computer.", "warning", kind="lease", lasting=True)

    def _offline(self, _detail: str) -> None:
        self.notice.say(OFFLINE, "error", kind="offline", retry=True, lasting=True)

    def _online(self) -> None:
        if self._pending is not None:
            self._outcome_retry.start(0)
            return
        if self.notice.kind == "offline":
            self.notice.say("Connected again — your answers are saved.", "success",
                            kind="online")

    def retry_database(self) -> None:
        """Ctrl+R or "Try now": try the database again at once."""
        self._outcome_failures = 0
        if self._pending is not None:
            self._outcome_retry.start(0)
        if self.drafts.offline:
            self.drafts.retry_now()
        if self.state == "idle":
            self.refresh_queue()

    def _dialled(self, line: call_data.PhoneLine, handed: bool) -> None:
        if self.card is not None:       # the number a wrong number is about
            self._dialled_line = (self.card.task.task_id, line.e164)
        if self._dialled_at is None:
            self._dialled_at = self.clock()
            self.timer.start()
        if not handed:
            self.notice.say(f"No softphone took the number: dial {line.display} by hand.",
                            "info", kind="hint")

    def dial(self) -> None:
        if self.state == "call":
            self.page.numbers.dial()

    def focus_answers(self) -> None:
        view = self.page.form
        if self.state == "call" and view is not None:
            target = view.first_control()
            if target is not None:
                target.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def focus_notes(self) -> None:
        if self.state == "call":
            self.page.notes.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def put_back(self) -> None:
        """Give the call back to the queue without an outcome; typed answers go with it."""
        card, view = self.card, self.page.form
        if self.state != "call" or card is None or view is None:
            return
        self.state = "recording"
        self.drafts.end()
        answers, confirmations = view.answers(), view.confirmations()
        notes = self.page.notes.toPlainText().strip()
        carried = view.carried_names(self.check)
        db, agent, folder, gate, now = self.db, self.agent, self.folder, self.gate, self.clock()

        def work(_op: object) -> bool:
            with gate.lock:
                if answers or notes:
                    save_draft(db, card.task.task_id, agent, card.opened.form_version_id,
                               answers, confirmations, carried, notes=notes, now=now)
                released = release_task(db, card.task.task_id, agent)
                gate.finished.add(card.task.task_id)
            remove_local_draft(card.task.task_id, folder)
            return released

        def done(_released: bool) -> None:
            self._show_waiting(f"{card.name} is back in the queue. Press F5 for the next "
                               "call.")

        def failed(message: str) -> None:
            self._resume()
            self.notice.say(f"The call could not be put back: {message}", "error",
                            kind="hint", lasting=True)

        run_in_background(self, work, done, failed)
