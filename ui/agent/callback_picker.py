"""Choosing when to call back: a date and a time on the London clock, for me or for
anyone, and whether the person asked for that time.

The time is typed as people say it ("14:30", "1430", "2.30pm"), and the picker says the
day and time in words before anything is booked. The engine's own check runs as the
agent types: a time already past is refused, a time the clocks skip (the spring change)
is explained, and a time outside calling hours is booked only when the person asked
for it (ticked). Enter books, Escape goes back to the call.
Nothing here takes an Alt+letter key: on the call screen those belong to the outcomes.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time, timedelta

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QDateEdit,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from outbound.booking.wording import uk_date, uk_day_time
from outbound.campaigns.template import CampaignTemplate, Outcome
from outbound.clock import local_instant, skipped_time, to_london
from outbound.forms.validate import read_time
from outbound.queue.outcomes import OutcomeError
from outbound.queue.outcomes import check_callback as engine_check


def _rounded_up(moment: datetime, minutes: int = 15) -> datetime:
    extra = (-moment.minute) % minutes
    return (moment + timedelta(minutes=extra)).replace(second=0, microsecond=0)


class CallbackPicker(QFrame):
    """``sig_booked(when, for_me, person_asked)`` or ``sig_cancelled()``."""

    sig_booked = Signal(object, bool, bool)
    sig_cancelled = Signal()

    def __init__(self, clock: Callable[[], datetime], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("callbackPicker")
        self.setAccessibleName("Call-back time")
        self.clock = clock
        self.template: CampaignTemplate | None = None
        self.outcome: Outcome | None = None
        self.title = QLabel("Call back")
        self.title.setObjectName("pickerTitle")
        self.date = QDateEdit()
        self.date.setAccessibleName("Call-back date")
        self.date.setDisplayFormat("ddd dd/MM/yyyy")
        self.date.setCalendarPopup(True)
        self.time = QLineEdit()
        self.time.setAccessibleName("Call-back time")
        self.time.setPlaceholderText("hh:mm")
        self.time.setToolTip("Type the time: 14:30, 1430 or 2.30pm")
        self.time.setFixedWidth(self.time.fontMetrics().horizontalAdvance("00:00 pm") + 16)
        self.title.setBuddy(self.time)
        presets = []
        for text, name, shift in (("In 1 hour", "In one hour", 60),
                                  ("In 2 hours", "In two hours", 120),
                                  ("Tomorrow 10:00", "Tomorrow at 10:00", None)):
            button = QPushButton(text)
            button.setAccessibleName(name)
            button.setAutoDefault(False)
            button.clicked.connect(lambda _c=False, s=shift: self._preset(s))
            presets.append(button)
        self.for_me = QRadioButton("For me")
        self.for_me.setAccessibleName("Call-back for me")
        self.for_anyone = QRadioButton("For anyone")
        self.for_anyone.setAccessibleName("Call-back for any agent")
        self.for_me.setChecked(True)
        self.asked = QCheckBox("They asked for this time")
        self.asked.setAccessibleName("The person asked for this time")
        self.message = QLabel()
        self.message.setObjectName("pickerMessage")
        self.message.setWordWrap(True)
        self.message.setAccessibleName("Call-back check")
        self.book = QPushButton("Book call-back (Enter)")
        self.book.setObjectName("bookButton")
        self.book.setAccessibleName("Book call-back")
        self.book.setAutoDefault(False)
        self.cancel = QPushButton("Back to the call (Esc)")
        self.cancel.setAccessibleName("Back to the call")
        self.cancel.setAutoDefault(False)

        when = QHBoxLayout()
        when.addWidget(self.title)
        when.addWidget(self.date)
        when.addWidget(QLabel("at"))
        when.addWidget(self.time)
        for button in presets:
            when.addWidget(button)
        when.addStretch(1)
        who = QHBoxLayout()
        who.addWidget(self.for_me)
        who.addWidget(self.for_anyone)
        who.addSpacing(20)
        who.addWidget(self.asked)
        who.addStretch(1)
        who.addWidget(self.book)
        who.addWidget(self.cancel)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 8)
        layout.addLayout(when)
        layout.addLayout(who)
        layout.addWidget(self.message)

        self.date.dateChanged.connect(self.check)
        self.time.textChanged.connect(self.check)
        self.asked.toggled.connect(self.check)
        self.book.clicked.connect(self.confirm)
        self.cancel.clicked.connect(self._cancel)
        self.hide()

    def open_for(self, outcome: Outcome, template: CampaignTemplate) -> None:
        """Show the picker for a call-back outcome, at the next quarter hour after an hour."""
        self.outcome = outcome
        self.template = template
        self.title.setText(f"{outcome.label}:")
        self.asked.setChecked(False)
        self.for_me.setChecked(True)
        self.set_when(_rounded_up(to_london(self.clock()) + timedelta(hours=1)))
        self.show()
        self.time.setFocus(Qt.FocusReason.OtherFocusReason)
        self.time.selectAll()

    def set_when(self, when: datetime) -> None:
        local = to_london(when)
        self.date.blockSignals(True)
        self.date.setDate(QDate(local.year, local.month, local.day))
        self.date.blockSignals(False)
        self.time.setText(f"{local:%H:%M}")
        self.check()

    def typed_time(self) -> time | None:
        return read_time(self.time.text())

    def when(self) -> datetime | None:
        """The instant chosen, or None while the time typed is not a time."""
        at = self.typed_time()
        if at is None:
            return None
        return local_instant(self.date.date().toPython(), at)

    def _preset(self, minutes: int | None) -> None:
        now = to_london(self.clock())
        if minutes is None:
            target = local_instant(now.date() + timedelta(days=1),
                                   datetime.strptime("10:00", "%H:%M").time())
        else:
            target = _rounded_up(now + timedelta(minutes=minutes), 5)
        self.set_when(target)
        self.time.setFocus(Qt.FocusReason.OtherFocusReason)

    def problem(self) -> str | None:
        """The engine's objection to the time chosen, if any."""
        at = self.typed_time()
        if at is None:
            return "Type the time, like 14:30, 1430 or 2.30pm."
        day = self.date.date().toPython()
        if skipped_time(day, at):
            return (f"The clocks go forward an hour on {uk_date(day)}, so {at:%H:%M} does "
                    "not happen that night: choose another time.")
        if self.template is None:
            return None
        try:
            engine_check(self.template, self.when(), self.clock(), self.asked.isChecked())
        except OutcomeError as exc:
            return str(exc)
        return None

    def check(self) -> None:
        problem = self.problem()
        when = self.when()
        if problem is None and when is not None:
            extra = " (they asked for it)" if self.asked.isChecked() else ""
            self.message.setText(f"Call back on {uk_day_time(when)}{extra}.")
            self.message.setProperty("level", "ok")
        else:
            self.message.setText(problem)
            self.message.setProperty("level", "warning")
        self.message.style().unpolish(self.message)
        self.message.style().polish(self.message)
        self.book.setEnabled(problem is None)

    def confirm(self) -> None:
        self.check()
        when = self.when()
        if self.problem() is not None or when is None:
            return
        self.sig_booked.emit(when, self.for_me.isChecked(), self.asked.isChecked())

    def _cancel(self) -> None:
        self.hide()
        self.sig_cancelled.emit()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.confirm()
        elif event.key() == Qt.Key.Key_Escape:
            self._cancel()
        else:
            super().keyPressEvent(event)
