"""The agent's call screen: one key for the next person to call, everything about the
call on one page, one key for the outcome, and the next call loads at once.

Built as ``CallScreen(services, parent)``: ``services`` needs ``db`` (the open
database), ``user`` (the agent: a name, or an object with ``.name``) and may have
``settings`` (the last campaign is remembered there). Every database action runs
through ``run_in_background``; the screen never waits on the database.

While a call is shown its lease is renewed every minute, and what is typed is kept on
this computer at once and in the database a second later (``DraftKeeper``). If the
database cannot be reached, a notice says so, saves are retried, an outcome is
recorded when it is back, and nothing typed is lost.

Signals: ``call_loaded(task_id)`` when a call is on screen, ``outcome_recorded(code)``
when an outcome is stored, ``queue_shown(sentence)`` when there is nothing to call.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QFocusEvent, QKeyEvent, QResizeEvent, QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from outbound.campaigns.template import CampaignTemplate, Outcome
from outbound.clock import london_day, utcnow
from outbound.forms import Validation, validate
from outbound.forms.local_drafts import database_folder, prune_local_drafts
from ui.agent import call_data
from ui.agent.booking_data import Booked, BookingRules
from ui.agent.call_data import (
    CallCard,
    OutcomeRequest,
    Unreachable,
    Waiting,
)
from ui.agent.call_keeping import CallKeeping
from ui.agent.call_page import CallPage
from ui.agent.call_timer import CallTimer
from ui.agent.campaign_choosing import CampaignChoice, CampaignChoosing
from ui.agent.correct_details import open_correct_details
from ui.agent.drafts import DraftKeeper, WriteGate
from ui.agent.keys import CallAction, make_action, outcome_action
from ui.agent.my_callbacks import MyCallbacks, take_now
from ui.agent.my_day import MyDay
from ui.agent.notice import Notice
from ui.agent.outcome_flow import OutcomeFlow
from ui.agent.slot_picker import BookingCall, SlotPicker
from ui.agent.style import CALL_SCREEN_STYLE
from ui.agent.waiting_panel import WaitingPanel
from ui.operations import run_in_background

LEASE_RENEW_MS = 60_000
QUEUE_REFRESH_MS = 30_000

def agent_name(user: Any) -> str:
    return user if isinstance(user, str) else str(user.name)



class CallScreen(CampaignChoosing, OutcomeFlow, CallKeeping, QWidget):
    call_loaded = Signal(int)
    outcome_recorded = Signal(str)
    queue_shown = Signal(str)

    def __init__(self, services: Any, parent: QWidget | None = None, *,
                 clock: Callable[[], datetime] | None = None,
                 drafts_folder: Path | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("callScreen")
        self.setAccessibleName("Calls")
        self.setStyleSheet(CALL_SCREEN_STYLE)
        self.db = services.db
        self.agent = agent_name(services.user)
        self.settings = getattr(services, "settings", None)
        self.clock = clock or utcnow
        self.folder = database_folder(str(getattr(self.db, "url", "")), drafts_folder)
        self.gate = WriteGate()
        self.drafts = DraftKeeper(self.db, self.agent, self.folder, self.gate, self)
        self.campaigns: list[CampaignChoice] = []
        self.card: CallCard | None = None
        self.template: CampaignTemplate | None = None
        self.state = "idle"            # idle, resuming (on start), loading, call, recording
        self._next_after_resume = False
        self.final_check = False       # an outcome needing the form was refused: say all
        self.check: Validation = Validation()
        self._armed: tuple[str, float] | None = None
        self._pending: OutcomeRequest | None = None
        self._outcome_actions: list[Any] = []
        self._dialled_at: datetime | None = None
        self._connected_forms: set[str] = set()
        self.on_break = False
        self.slots: SlotPicker | None = None
        self._campaign_id: int | None = None   # the campaign in use (the box may lag)
        self._started = False
        self._build()
        self._make_actions()
        self._lease = QTimer(self, interval=LEASE_RENEW_MS)
        self._lease.timeout.connect(self.renew_lease)
        self._queue_timer = QTimer(self, interval=QUEUE_REFRESH_MS)
        self._queue_timer.timeout.connect(self.refresh_queue)
        self._queue_timer.timeout.connect(self.reload_campaigns)
        self._outcome_retry = QTimer(self, singleShot=True)
        self._outcome_retry.timeout.connect(self._retry_outcome)
        self._outcome_failures = 0
        for timer in (self._lease, self._queue_timer):   # my call-backs follow the day
            timer.timeout.connect(self.refresh_callbacks)
        self.prune_drafts()
        self.load_campaigns()

    # -- building -----------------------------------------------------------------------

    def _build(self) -> None:
        self.campaign_box = QComboBox()
        self.campaign_box.setAccessibleName("Campaign")
        self.campaign_box.setMinimumContentsLength(22)
        self.campaign_box.currentIndexChanged.connect(self._campaign_changed)
        campaign_label = QLabel("Campaign")
        campaign_label.setBuddy(self.campaign_box)
        self.queue_label = QLabel()
        self.queue_label.setObjectName("queueSentence")
        self.queue_label.setAccessibleName("Queue")
        self.queue_label.setWordWrap(True)
        self.break_box = QCheckBox("Break after this call")
        self.break_box.setAccessibleName("Break after this call")
        self.break_box.setToolTip("Do not load another call after this one (Ctrl+Shift+B)")
        self.timer = CallTimer()
        self.my_day = MyDay()
        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.addWidget(campaign_label)
        top.addWidget(self.campaign_box)
        top.addWidget(self.queue_label, 1)
        top.addWidget(self.my_day)
        top.addWidget(self.break_box)
        top.addWidget(self.timer)
        self.notice = Notice()
        self.notice.sig_retry_requested.connect(self.retry_database)
        self.waiting = WaitingPanel()
        self.waiting.next_button.clicked.connect(self.next_call)
        self.page = CallPage(lambda: self.clock())
        self.pages = QStackedWidget()
        self.pages.addWidget(self.waiting)
        self.pages.addWidget(self.page)
        # Laid over the right of the call, not beside it: showing it moves nothing on the
        # call and never makes the window wider than the screen.
        self.callbacks = MyCallbacks(self)
        self.callbacks.hide()
        self.callbacks.sig_take.connect(lambda task_id: take_now(self, task_id))
        self.callbacks.sig_closed.connect(self.toggle_callbacks)
        self.outcome_recorded.connect(lambda _code: self.refresh_callbacks())
        self.call_loaded.connect(lambda _task: self.refresh_callbacks())
        middle = QHBoxLayout()
        middle.setContentsMargins(0, 0, 0, 0)
        middle.addWidget(self.pages, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 8)
        layout.setSpacing(6)
        layout.addLayout(top)
        layout.addWidget(self.notice)
        layout.addWidget(self._build_undo(), 0, Qt.AlignmentFlag.AlignLeft)
        layout.addLayout(middle, 1)

        page = self.page
        page.numbers.sig_dialled.connect(self._dialled)
        page.unchanged_button.clicked.connect(self.nothing_changed)
        page.notes.textChanged.connect(self._notes_edited)
        page.outcomes.sig_chosen.connect(self.choose_outcome)
        page.picker.sig_booked.connect(self._callback_booked)
        page.picker.sig_cancelled.connect(self._back_to_call)
        self.drafts.sig_offline.connect(self._offline)
        self.drafts.sig_online.connect(self._online)
        self.drafts.sig_local_failed.connect(lambda text: self.notice.say(text, "error"))

    def _make_actions(self) -> None:
        # F5 is the screen's own: the main window gives way to it while Calls is shown.
        make_action(self, CallAction.NEXT_CALL, self.next_call)
        make_action(self, CallAction.NOTHING_CHANGED, self.nothing_changed)
        make_action(self, CallAction.DIAL, self.dial)
        make_action(self, CallAction.ANSWERS, self.focus_answers)
        make_action(self, CallAction.NOTES, self.focus_notes)
        make_action(self, CallAction.BREAK, self.break_box.toggle)
        make_action(self, CallAction.PUT_BACK, self.put_back)
        make_action(self, CallAction.RETRY, self.retry_database)
        make_action(self, CallAction.BOOK, lambda: self._slot_action("book_now"))
        make_action(self, CallAction.WAITING_LIST,
                    lambda: self._slot_action("join_waiting_list"))
        make_action(self, CallAction.SAVE_CALENDAR, lambda: self._slot_action("save_calendar"))
        make_action(self, CallAction.MY_CALLBACKS, self.toggle_callbacks)
        make_action(self, CallAction.CORRECT_DETAILS, lambda: open_correct_details(self))
        make_action(self, CallAction.UNDO, self.undo_last)

    def _set_outcomes(self, template: CampaignTemplate) -> None:
        for action in self._outcome_actions:
            self.removeAction(action)
            action.deleteLater()
        self._outcome_actions = []
        for outcome in template.outcomes:
            for alt in (False, True):
                self._outcome_actions.append(outcome_action(
                    self, outcome.key, alt,
                    lambda code=outcome.code, by_alt=alt: self._outcome_key(code, by_alt)))
        self.page.outcomes.set_outcomes(template.outcomes)
        self.page.fix_tab_order()

    def toggle_callbacks(self) -> None:
        """Ctrl+K: show my call-backs and go to them; again (or Esc) to hide them."""
        panel = self.callbacks
        if panel.isVisible() and panel.isAncestorOf(self.focusWidget()):
            panel.hide()
            self.setFocus(Qt.FocusReason.ShortcutFocusReason)
            return
        self._place_callbacks()
        panel.show()
        panel.raise_()
        self.refresh_callbacks()
        panel.focus_list()

    def _place_callbacks(self) -> None:
        area = self.pages.geometry()
        width = min(460, max(area.width() // 2, 320))
        self.callbacks.setGeometry(area.right() - width + 1, area.top(), width, area.height())

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self.callbacks.isVisible():
            self._place_callbacks()

    def refresh_callbacks(self) -> None:
        if self.callbacks.isVisible():
            self.callbacks.refresh(self.db, self.agent, self.clock())

    # -- campaigns --------------------------------------------------------------------

    def prune_drafts(self) -> None:
        """Once, on start: remove drafts this computer kept for calls nobody has touched
        for a fortnight (an outcome removes its own; these are what a crash left)."""
        folder, now = self.folder, self.clock()
        run_in_background(self, lambda _op: prune_local_drafts(now, folder=folder),
                          None, lambda _message: None)   # tried again on the next start

    # -- the next call ----------------------------------------------------------------

    def refresh(self) -> None:
        """F5 in the main window: the next call, when no call is open."""
        self.next_call()

    def next_call(self) -> None:
        if self.state == "resuming":
            self._next_after_resume = True
            return
        if self.state in ("loading", "recording"):
            return
        if self.state == "call":
            self.notice.say("Finish this call first: choose an outcome, or put it back "
                            "(Ctrl+Shift+Backspace).", "info", kind="hint")
            return
        choice = self.campaign
        if choice is None:
            self.notice.say("Choose a campaign first.", "info", kind="hint")
            return
        self.break_box.setChecked(False)
        self.on_break = False
        self.state = "loading"
        self.waiting.show_sentence("Finding the next call…")
        db, agent, now, folder = self.db, self.agent, self.clock(), self.folder
        run_in_background(
            self, lambda _op: call_data.claim_and_load(db, agent, choice.id, choice.template,
                                                       now, folder),
            self._loaded, self._load_failed)

    def _loaded(self, result: CallCard | Waiting | Unreachable) -> None:
        if isinstance(result, CallCard):
            self.show_card(result)
        elif isinstance(result, Waiting):
            self._show_waiting(result.sentence)
        else:
            self._show_waiting("Can't reach the database, so no call could be loaded. "
                               "Press F5 to try again.")
            self.notice.say("Can't reach the database — press F5 to try again.", "error",
                            kind="offline", retry=True, lasting=True)

    def _load_failed(self, message: str) -> None:
        self._show_waiting(f"The next call could not be loaded. {message}")

    def show_card(self, card: CallCard) -> None:
        """Put a claimed call on screen, ready for the agent's first key."""
        choice = next((c for c in self.campaigns if c.id == card.task.campaign_id), None)
        if choice is not None and choice.id != self._campaign_id:
            self._show_campaign(choice.id)      # a call-back or held call from another
            self._use_campaign(choice, look=False)
        template = choice.template if choice else self.template
        assert template is not None
        self.template = template
        self.card = card
        self.state = "call"
        self.final_check = False
        self._armed = None
        self._dialled_at = None
        view = self.page.show_card(card)
        self._recheck()                  # this call's answers, before booking reads them
        slots = self._slot_picker(template)
        if slots is not None:
            slots.start(BookingCall(card.task.campaign_id, card.task.contact_id,
                                    card.task.task_id, card.name),
                        BookingRules.of(template.booking))
        if view.form.fingerprint not in self._connected_forms:   # a form seen the first time
            self._connected_forms.add(view.form.fingerprint)
            view.edited.connect(self._form_edited)
            view.sig_digit_pressed.connect(self._digit_in_form)
        self.pages.setCurrentWidget(self.page)
        self.queue_label.setText("")
        self.timer.start()
        self._lease.start()
        self._queue_timer.stop()
        self.drafts.begin(card.task.task_id)
        if card.restored == "computer":
            self.notice.say("Your answers from earlier on this call are back (they were "
                            "kept on this computer).", "info", kind="restored")
        elif card.restored == "database":
            self.notice.say("The answers saved earlier on this call are back.", "info",
                            kind="restored")
        else:
            self.forget_notices()
        buttons = self.page.numbers.buttons
        (buttons[0] if buttons else (view.first_control() or self.page.notes)).setFocus(
            Qt.FocusReason.OtherFocusReason)
        self.call_loaded.emit(card.task.task_id)
        self.my_day.refresh(self.db, self.agent, self.clock())

    def _show_waiting(self, sentence: str) -> None:
        if self.card is not None:         # the call has gone, and what was said about it
            self.forget_notices(("hint", "form", "lease", "restored"))
        self.card = None
        self.state = "idle"
        self.timer.stop()
        self._lease.stop()
        self.page.picker.hide()
        if self.slots is not None:
            self.slots.finish()
        self.waiting.show_sentence(sentence)
        self.queue_label.setText("")
        self.pages.setCurrentWidget(self.waiting)
        self._queue_timer.start()             # also looks for campaigns started since
        if self.isVisible():
            self.waiting.next_button.setFocus(Qt.FocusReason.OtherFocusReason)
        self.my_day.refresh(self.db, self.agent, self.clock())
        self.queue_shown.emit(sentence)

    def refresh_queue(self) -> None:
        """Ask the queue why there is nothing to call (every half minute while waiting)."""
        choice = self.campaign
        if choice is None or self.state != "idle" or not self.isVisible():
            return
        db, agent, now = self.db, self.agent, self.clock()
        run_in_background(
            self, lambda _op: call_data.waiting_sentence(db, agent, choice.id, now),
            self._queue_refreshed, lambda message: None)

    def _queue_refreshed(self, result: Waiting | Unreachable) -> None:
        if self.state != "idle":
            return
        if isinstance(result, Waiting):
            text = result.sentence
            if not text.startswith("Nothing"):
                text += " Press F5 for the next call."
            if self.on_break:
                text = "On a break. " + text
            self.waiting.show_sentence(text)
            self.notice.clear("offline")
            self.queue_shown.emit(text)
        else:
            self.waiting.show_sentence("Can't reach the database: the queue will be looked "
                                       "at again in half a minute.")

    # -- typing -------------------------------------------------------------------------

    def _form_edited(self) -> None:
        check = self._recheck()
        if self.notice.kind == "form":       # what it said may no longer be so
            self.say_problems(check)
        self._keep_draft()
        if self.slots is not None and self.slots.isVisible():
            self.slots.answers_changed()

    # -- booking ------------------------------------------------------------------------

    def _slot_picker(self, template: CampaignTemplate) -> SlotPicker | None:
        """The slot picker for a booking campaign (made the first time), else None."""
        if self.slots is not None:
            self.slots.finish()
        if not template.booking:
            if self.slots is not None:
                self.slots.hide()
            return None
        if self.slots is None:
            self.slots = SlotPicker(self.db, self.agent, lambda: self.clock(),
                                    lambda: dict(self.check.cleaned),
                                    lambda: self.page.notes.toPlainText())
            self.slots.sig_said.connect(
                lambda text, level: self.notice.say(text, level, kind="hint"))
            self.slots.sig_booked.connect(self._slot_booked)
            self.page.set_booking(self.slots)
        self.slots.show()
        return self.slots

    def _slot_booked(self, booked: Booked) -> None:
        outcome = self._booking_outcome()
        key = f" press {outcome.key.upper()} ({outcome.label}) to finish the call" \
            if outcome else " choose the outcome"
        references = ", ".join(a.reference for a in booked.appointments)
        self.notice.say(f"Booked ({references}): read the confirmation out, then{key}.",
                        "success", kind="hint", lasting=True)
        if outcome is not None and outcome.code in self.page.outcomes.buttons:
            self.page.outcomes.buttons[outcome.code].setFocus(Qt.FocusReason.OtherFocusReason)

    def _booking_outcome(self) -> Outcome | None:
        """The outcome that finishes a call with its answers: "Booked" in a booking drive."""
        if self.template is None:
            return None
        return next((o for o in self.template.outcomes if o.needs_form and o.completes), None)

    def _slot_action(self, name: str) -> None:
        if self.state == "call" and self.slots is not None and self.slots.isVisible():
            getattr(self.slots, name)()

    def _notes_edited(self) -> None:
        if self.card is not None and self.state == "call":
            self._keep_draft()

    def _recheck(self) -> Validation:
        view = self.page.form
        if view is None or self.template is None:
            return self.check
        self.check = validate(view.form, view.answers(), view.confirmations(),
                              final=self.final_check, today=london_day(self.clock()))
        view.show_check(self.check, final=self.final_check)
        return self.check

    def _keep_draft(self) -> None:
        card, view = self.card, self.page.form
        if card is None or view is None or self.state != "call":
            return
        draft = call_data.local_draft_of(card, self.agent, view.answers(), view.confirmations(),
                                         view.carried_names(self.check),
                                         self.page.notes.toPlainText(), self.clock())
        self.drafts.changed(draft)

    def _digit_in_form(self, digit: str) -> None:
        self.notice.say(f"To record an outcome from the form, press Alt+{digit}.", "info",
                        kind="hint")

    # -- the main window's hooks ----------------------------------------------------------

    def screen_shown(self) -> None:
        if self.state == "idle":
            self.waiting.next_button.setFocus(Qt.FocusReason.OtherFocusReason)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self.state == "idle":
            self.refresh_queue()          # the queue may have moved on while hidden
            self.reload_campaigns()       # and a supervisor may have started a campaign

    def focusInEvent(self, event: QFocusEvent) -> None:
        """Focus given to the screen itself goes where the next key is wanted."""
        super().focusInEvent(event)
        if self.state == "idle":
            self.waiting.next_button.setFocus(Qt.FocusReason.OtherFocusReason)
        elif self.state == "call":
            buttons = self.page.numbers.buttons
            view = self.page.form
            target = buttons[0] if buttons else (view.first_control() if view else None)
            (target or self.page.notes).setFocus(Qt.FocusReason.OtherFocusReason)

    def close_screen(self) -> None:
        """Signing out or quitting mid-call: the call goes back with what was typed."""
        self._queue_timer.stop()
        if self.state == "call":
            self.put_back()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Space and self.state == "idle":
            self.next_call()
            return
        super().keyPressEvent(event)
