"""Recording what happened on a call, for the call screen.

An outcome key or button asks for what is missing before anything is stored: the
call-back time for a call-back, a second press for an outcome that stops all calls to
the person, and a complete form for one that needs it (the first problem gets the
focus). Then the outcome is recorded and the next call claimed in one background job.
A database that cannot be reached keeps the outcome waiting and tries again.

``OutcomeFlow`` is a part of ``CallScreen`` kept in its own module; it uses the
screen's widgets and state.
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QPlainTextEdit, QPushButton

from outbound.campaigns.template import Outcome
from outbound.forms import Validation
from outbound.queue.undo import UNDO_WINDOW
from ui.agent import call_data
from ui.agent.call_data import (
    CallCard,
    OutcomeDone,
    OutcomeRequest,
    PutAside,
    Refused,
    UndoOffer,
    Unreachable,
    Waiting,
)
from ui.agent.reason_dialog import ReasonDialog
from ui.operations import run_in_background

CONFIRM_SECONDS = 5.0


class OutcomeFlow:
    """The outcome half of the call screen."""

    @property
    def _dialled_number(self) -> str | None:
        """The number last rung on this call (E.164), if one was."""
        dialled = getattr(self, "_dialled_line", None)
        if dialled is None or self.card is None or dialled[0] != self.card.task.task_id:
            return None
        return dialled[1]

    def _outcome_key(self, code: str, by_alt: bool) -> None:
        if not by_alt and self._focus_in_entry():
            return
        self.choose_outcome(code)

    def _focus_in_entry(self) -> bool:
        """The focus is where plain keys are typing (the form, the notes, the picker)."""
        focus = QApplication.focusWidget()
        view = self.page.form
        while focus is not None:
            if focus is view or focus is self.page.picker or isinstance(focus, QPlainTextEdit):
                return True
            focus = focus.parentWidget()
        return False

    def choose_outcome(self, code: str) -> None:
        """What an outcome key or button does: ask what is missing, then record."""
        if self.state != "call" or self.card is None or self.template is None:
            return
        outcome = self.template.outcome(code)
        picker = self.page.picker
        if picker.isVisible() and not outcome.callback:
            self.notice.say("Book the call-back (Enter) or go back to the call (Esc) first.",
                            "info", kind="hint")
            return
        if outcome.suppresses and not self._confirmed_twice(
                outcome, f"{self.card.name} will not be called again, in any campaign."):
            return
        slots = self.slots
        # An outcome that needs a booking is refused by the engine when nothing is
        # booked, with the reason; one that does not is asked for twice.
        if (slots is not None and slots.isVisible() and outcome is self._booking_outcome()
                and not outcome.needs_booking and slots.booked is None
                and not self._confirmed_twice(
                    outcome, "nothing is booked on this call yet (choose a time and press "
                    "Ctrl+B to book it).")):
            return
        if outcome.callback:
            picker.open_for(outcome, self.template)
            return
        if outcome.needs_reason:
            self._ask_reason(outcome)
            return
        unbooked = (slots is not None and slots.isVisible() and outcome.needs_booking
                    and slots.booked is None)
        if outcome.needs_form and not unbooked:   # with nothing booked, the engine says so
            self.final_check = True
            check = self._recheck()
            if not check.ok:
                self._show_problems(check)
                return
        self._record(outcome)

    def _ask_reason(self, outcome: Outcome) -> None:
        """One line saying why, in a small dialog, before the outcome is recorded."""
        if self.card is None:
            return
        dialog = ReasonDialog(outcome.label, self.card.name, self)
        dialog.sig_given.connect(lambda reason: self._record(outcome, reason=reason))
        dialog.finished.connect(dialog.deleteLater)
        self.reason_dialog = dialog
        dialog.open()
        dialog.line.setFocus()

    def _confirmed_twice(self, outcome: Outcome, why: str) -> bool:
        """True on the second press of the same key within a few seconds."""
        now = time.monotonic()
        if self._armed and self._armed[0] == outcome.code and now < self._armed[1]:
            self._armed = None
            return True
        self._armed = (outcome.code, now + CONFIRM_SECONDS)
        self.notice.say(f"Press {outcome.key.upper()} again to record “{outcome.label}”: "
                        f"{why}", "warning", kind="hint")
        return False

    def _show_problems(self, check: Validation) -> None:
        view = self.page.form
        if view is None:
            return
        view.show_check(check, final=True)
        first = view.first_problem(check)
        self.say_problems(check)
        if first:
            view.focus_field(first)

    def say_problems(self, check: Validation) -> None:
        """The first thing stopping the answers being saved, in the notice; once nothing
        does, the notice goes (it no longer applies)."""
        if check.ok:
            self.notice.clear("form")
            return
        problems = len(check.errors) + len(check.soft)
        more = f" ({problems - 1} more below)" if problems > 1 else ""
        self.notice.say(f"{check.summary().split(' (and')[0]}{more}", "warning",
                        kind="form", lasting=True)

    def nothing_changed(self) -> None:
        """Ctrl+U: record last time's answers again, as the person confirmed them."""
        if self.state != "call" or self.card is None or self.template is None:
            return
        opened = self.card.opened
        view = self.page.form
        if not opened.can_confirm_unchanged or view is None:
            self.notice.say("There are no earlier answers to confirm: fill in the form.",
                            "info", kind="hint")
            return
        check = self._recheck()
        carried = set(view.carried_names(check))
        changed = [n for n in opened.carried_forward if n not in carried]
        if changed:
            count = "an answer" if len(changed) == 1 else f"{len(changed)} answers"
            self.notice.say(f"You have changed {count} on this call, so something has "
                            "changed: record the new answers with Alt+"
                            f"{self._form_outcome_key()}.", "info", kind="hint")
            return
        outcome = next((o for o in self.template.outcomes if o.needs_form and o.completes),
                       None)
        if outcome is None or not self._unchanged_confirmed():
            return
        extras = {n: v for n, v in view.answers().items() if n not in opened.carried_forward}
        self._record(outcome, unchanged=True, answers=extras)

    def _form_outcome_key(self) -> str:
        if self.template is None:
            return "1"
        found = next((o for o in self.template.outcomes if o.needs_form and o.completes), None)
        return found.key.upper() if found else "1"

    def _callback_booked(self, when: datetime, for_me: bool, asked: bool) -> None:
        outcome = self.page.picker.outcome
        if outcome is None:
            return
        self._record(outcome, callback_at=when, callback_for="self" if for_me else None,
                     person_asked=asked)

    def _back_to_call(self) -> None:
        view = self.page.form
        target = view.first_control() if view is not None else None
        (target or self.page.notes).setFocus(Qt.FocusReason.OtherFocusReason)

    def _record(self, outcome: Outcome, *, unchanged: bool = False,
                answers: dict[str, Any] | None = None, callback_at: datetime | None = None,
                callback_for: str | None = "self", person_asked: bool = False,
                reason: str | None = None) -> None:
        card, view = self.card, self.page.form
        if self.state != "call":
            return
        if card is None or view is None:
            return
        if answers is None:
            answers = view.answers()
            carried = set(view.carried_names(self.check))
            if not outcome.needs_form and set(answers) <= carried:
                answers = {}          # nothing typed: no draft to keep for next time
        request = OutcomeRequest(
            task_id=card.task.task_id, outcome=outcome, answers=answers,
            confirmations=view.confirmations(), notes=self.page.notes.toPlainText(),
            duration_seconds=self.timer.seconds(),
            started_at=self._dialled_at or card.loaded_at,
            form_version_id=card.opened.form_version_id, unchanged=unchanged,
            callback_at=callback_at, callback_for=callback_for, person_asked=person_asked,
            reason=reason, number=self._dialled_number)
        self._submit(request)

    def _submit(self, request: OutcomeRequest) -> None:
        choice = self.campaign
        if choice is None or self.card is None:
            return
        self.state = "recording"
        self.drafts.end()
        db, agent, now, folder, gate = self.db, self.agent, self.clock(), self.folder, self.gate
        take_next = not self.break_box.isChecked()
        name = self.card.name

        def work(_op: object) -> OutcomeDone | Refused | Unreachable:
            result = call_data.record_and_next(db, agent, request, choice.template, choice.id,
                                               name, now, folder, gate.lock, take_next)
            if isinstance(result, OutcomeDone):
                gate.finished.add(request.task_id)
            return result

        run_in_background(self, work, lambda result: self._recorded(request, result),
                          lambda message: self._record_failed(request, message))

    def _recorded(self, request: OutcomeRequest,
                  result: OutcomeDone | Refused | Unreachable) -> None:
        if isinstance(result, Refused):
            self._resume()
            if result.validation is not None:
                self.final_check = True
                self._show_problems(result.validation)
            self.notice.say(result.message, "warning", kind="hint", lasting=True)
            return
        if isinstance(result, Unreachable):
            self._resume()
            self._pending = request
            self._outcome_retry.start(self._retry_delay())
            self.notice.say(f"Can't reach the database — “{request.outcome.label}” will be "
                            "recorded as soon as it is back; your answers are kept on this "
                            "computer. Retrying…", "error", kind="offline", retry=True,
                            lasting=True)
            return
        self._pending = None
        self._outcome_failures = 0
        self.notice.clear("offline")
        self.page.picker.hide()
        self._offer_undo(UndoOffer(result.recorded.attempt_id, result.outcome.label,
                                   result.contact_name, choice_id, choice_template)
                         if (choice_id := getattr(self.campaign, "id", None)) is not None
                         and (choice_template := getattr(self.campaign, "template", None))
                         else None)
        last = f"{result.contact_name}: {result.outcome.label}. {result.recorded.message}"
        self.waiting.last_call.setText(f"Last call — {last}")
        self.outcome_recorded.emit(result.outcome.code)
        following = result.next
        if isinstance(following, CallCard):
            self.show_card(following)
            self.notice.say(last, "success", kind="done")
        elif isinstance(following, Waiting):
            self._show_waiting(following.sentence)
        elif isinstance(following, Unreachable):
            self._loaded(following)
        else:
            self.on_break = True
            self._show_waiting("On a break. Press F5 when you are ready for the next call.")

    def _record_failed(self, request: OutcomeRequest, message: str) -> None:
        self._resume()
        self.notice.say(f"“{request.outcome.label}” was not recorded. {message}", "error",
                        kind="hint", lasting=True)

    def _resume(self) -> None:
        if self.card is not None:
            self.state = "call"
            self.drafts.begin(self.card.task.task_id)

    def _retry_delay(self) -> int:
        delays = self.drafts.retry_seconds
        delay = delays[min(self._outcome_failures, len(delays) - 1)]
        self._outcome_failures += 1
        return int(delay * 1000)

    def _retry_outcome(self) -> None:
        if self._pending is not None and self.state == "call" and self.card is not None \
                and self._pending.task_id == self.card.task.task_id:
            self._submit(self._pending)

    # -- undo -------------------------------------------------------------------------

    def _build_undo(self) -> QPushButton:
        """The "Undo <outcome> for <person>" line, hidden until an outcome is recorded."""
        self._undo_offer: UndoOffer | None = None
        self.undo_line = QPushButton()
        self.undo_line.setObjectName("undoLine")
        self.undo_line.setFlat(True)
        self.undo_line.setAutoDefault(False)
        self.undo_line.setToolTip("Undo your last outcome: the call comes back to you with "
                                  "what you had typed (Ctrl+Z, within five minutes)")
        self.undo_line.clicked.connect(self.undo_last)
        self.undo_line.hide()
        self._undo_expiry = QTimer(self.undo_line, singleShot=True)
        self._undo_expiry.timeout.connect(lambda: self._offer_undo(None))
        return self.undo_line

    def _offer_undo(self, offer: UndoOffer | None) -> None:
        """Show "Undo <outcome> for <person>" after each outcome, for UNDO_WINDOW."""
        self._undo_offer = offer
        line = self.undo_line
        if offer is None:
            line.hide()
            return
        line.setText(f"{offer.sentence} (Ctrl+Z)")
        line.setAccessibleName(offer.sentence)
        line.show()
        self._undo_expiry.start(int(UNDO_WINDOW.total_seconds() * 1000))

    def undo_last(self) -> None:
        """Ctrl+Z: the last outcome undone, its call back on screen."""
        offer = getattr(self, "_undo_offer", None)
        if offer is None or self.state in ("loading", "recording"):
            if offer is None:
                self.notice.say("There is no outcome to undo.", "info", kind="hint")
            return
        choice = self.campaign
        if choice is None or choice.id != offer.campaign_id:
            self.notice.say(f"{offer.sentence}: go back to that campaign first.", "info",
                            kind="hint")
            return
        aside = None
        card, view = self.card, self.page.form
        if self.state == "call" and card is not None and view is not None:
            aside = PutAside(card.task.task_id, card.opened.form_version_id, view.answers(),
                             view.confirmations(), view.carried_names(self.check),
                             self.page.notes.toPlainText().strip())
            self.drafts.end()
        previous_state = self.state
        self.state = "recording"
        db, agent, now, folder, gate = self.db, self.agent, self.clock(), self.folder, self.gate

        def work(_op: object) -> CallCard | Refused | Unreachable:
            result = call_data.undo_and_load(db, agent, offer, aside, now, folder, gate.lock)
            if isinstance(result, CallCard) and aside is not None:
                gate.finished.add(aside.task_id)
            return result

        def done(result: CallCard | Refused | Unreachable) -> None:
            if isinstance(result, CallCard):
                self._offer_undo(None)
                self.show_card(result)
                self.notice.say(f"“{offer.outcome_label}” for {offer.contact_name} is undone: "
                                "the call is back, with what you had.", "success",
                                kind="done")
                return
            self._after_failed_undo(previous_state)
            text = result.message if isinstance(result, Refused) else (
                "Can't reach the database, so nothing was undone. Try again in a moment.")
            if isinstance(result, Refused):
                self._offer_undo(None)
            self.notice.say(text, "warning", kind="hint", lasting=True)

        def failed(message: str) -> None:
            self._after_failed_undo(previous_state)
            self.notice.say(f"Nothing was undone. {message}", "error", kind="hint",
                            lasting=True)

        run_in_background(self, work, done, failed)

    def _after_failed_undo(self, previous_state: str) -> None:
        self.state = previous_state
        if previous_state == "call" and self.card is not None:
            self.drafts.begin(self.card.task.task_id)
