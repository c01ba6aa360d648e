"""Keeping a call while it is on screen, for the call screen: its lease renewed every
minute, the database's comings and goings, dialling, putting a call back, and asking
before anything that would leave the call (another campaign, signing out, quitting).

``CallKeeping`` is a part of ``CallScreen`` kept in its own module; it uses the
screen's widgets and state.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from outbound.forms import save_draft
from outbound.forms.local_drafts import remove_local_draft
from outbound.queue.claim import release_task, renew_lease
from ui.agent import call_data
from ui.operations import run_in_background

UNCHANGED_SECONDS = 5.0
CALL_NOTICES = ("hint", "form", "lease", "restored", "done", "switched")   # belong to one call
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
            QApplication.clipboard().setText(line.display.replace(" ", ""))
            extension = f", then extension {line.extension}" if line.extension else ""
            self.notice.say(f"No softphone is set up on this computer, so {line.display} "
                            "was not rung. The number is copied: dial it by hand (or paste "
                            f"it into your phone with Ctrl+V){extension}.", "warning",
                            kind="hint", lasting=True)

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

    def put_back(self, then: Callable[[], None] | None = None) -> None:
        """Give the call back to the queue without an outcome; typed answers go with it
        (``then`` runs once it is back)."""
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
            if then is not None:
                then()

        def failed(message: str) -> None:
            self._resume()
            self.notice.say(f"The call could not be put back: {message}", "error",
                            kind="hint", lasting=True)

        run_in_background(self, work, done, failed)

    # -- leaving a call -----------------------------------------------------------------

    def ask(self, title: str, text: str, yes: str) -> bool:
        """A question with a Cancel that is the default (a mis-key changes nothing)."""
        from ui.widgets.common import confirm

        return confirm(self, title, text, yes)

    def on_call_with(self) -> str | None:
        """The name of the person on the call on screen (None when there is no call)."""
        if self.state in ("call", "recording") and self.card is not None:
            return self.card.name or "this person"
        return None

    def _unchanged_confirmed(self) -> bool:
        """Ctrl+U records a whole round of answers, so it takes a second press within a
        few seconds, and the first says what will be recorded: a slip of the finger on
        the 80th call costs one more key, not a wrong answer sent to commissioners."""
        from ui.agent.call_page import carried_label

        now = time.monotonic()
        if self._armed and self._armed[0] == "unchanged" and now < self._armed[1]:
            self._armed = None
            return True
        self._armed = ("unchanged", now + UNCHANGED_SECONDS)
        card = self.card
        assert card is not None
        count = len(card.opened.carried_forward)
        answers = "1 answer" if count == 1 else f"{count} answers"
        self.notice.say(f"Press Ctrl+U again to record “Nothing has changed” for "
                        f"{card.name}: last time's {answers} ({carried_label(card.opened)}) "
                        "are recorded again as today's.", "warning", kind="hint")
        return False

    def forget_notices(self, kinds: tuple[str, ...] | None = CALL_NOTICES) -> None:
        """Take down a notice that no longer applies: one about a call when the call
        changes; any but the database's and the templates' when the campaign does."""
        kind = self.notice.kind
        if kinds is None:
            if kind not in ("offline", "template"):
                self.notice.clear()
        elif kind in kinds:
            self.notice.clear()
