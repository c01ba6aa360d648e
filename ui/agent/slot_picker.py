"""Booking on the call: the next free times by location, a calendar of free places per
day, the time under discussion held while the person decides, the waiting list, and a
confirmation to read out (and a calendar file to save).

For a two-part booking (the registrar's telephone appointment, then signing the
register) the second part is offered only once the first is chosen, and only from the
first day the rules allow after it; both are held together and booked together.

Keys: arrows move through the free times, Enter or Space chooses one (and holds it; a
click does too: coming to the list is not a choice), Ctrl+B books, Ctrl+L asks which
days, times and place suit the person for the waiting list (Enter, or Ctrl+L again,
puts them on it), Ctrl+S saves the calendar file.

A call that offers a freed place from the waiting list says so above the times, with
the days, times and place the person said they can come.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate, QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont, QKeyEvent, QTextCharFormat
from PySide6.QtWidgets import (
    QCalendarWidget,
    QComboBox,
    QFileDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from outbound.booking import FreeSlot, Hold
from outbound.booking.waiting import parse_preferred_days, preferences_text
from outbound.booking.wording import uk_clock, uk_date, uk_short
from outbound.clock import london_day
from ui.agent import booking_data
from ui.agent.booking_data import Booked, BookingRules, Choices, Refusal
from ui.agent.waiting_choice import WaitingChoice
from ui.operations import run_in_background

HOLD_CHECK_MS = 5_000        # how often a hold is looked at, to say when it has lapsed
FREE_DAY = QColor(30, 150, 70, 60)
FULL_DAY = QColor(210, 40, 40, 40)


@dataclass(slots=True)
class BookingCall:
    """The call a booking is for."""

    campaign_id: int
    contact_id: int
    task_id: int
    contact_name: str


def ask_where_to_save(parent: QWidget, suggested: str) -> str:
    """The file name the agent picks for the calendar file ('' when cancelled)."""
    path, _ = QFileDialog.getSaveFileName(parent, "Save the calendar file", suggested,
                                          "Calendar files (*.ics)")
    return path


class SlotPicker(QFrame):
    """``sig_booked(Booked)`` once booked; ``sig_said(text, level)`` for the notice."""

    sig_booked = Signal(object)
    sig_said = Signal(str, str)

    def __init__(self, db: Any, agent: str, clock: Callable[[], datetime],
                 answers: Callable[[], dict[str, Any]], notes: Callable[[], str],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("slotPicker")
        self.setAccessibleName("Booking")
        self.db, self.agent, self.clock = db, agent, clock
        self.answers, self.notes = answers, notes
        self.rules = BookingRules.of({})
        self.call: BookingCall | None = None
        self.part = 1
        self.chosen: list[FreeSlot] = []
        self.held: Hold | None = None
        self.booked: Booked | None = None
        self.choices: Choices | None = None
        self.minutes: int | None = None
        self.location: int | None = None
        self._from_day: date | None = None
        self._loads = 0             # the latest load; an earlier one's answer is stale
        self._hold_watch = QTimer(self, interval=HOLD_CHECK_MS)
        self._hold_watch.timeout.connect(self.check_hold)
        self._build()

    def _build(self) -> None:
        self.title = QLabel()
        self.title.setObjectName("pickerTitle")
        self.step = QLabel()
        self.step.setObjectName("carriedNote")
        self.step.setWordWrap(True)
        self.offer_note = QLabel()
        self.offer_note.setObjectName("pickerMessage")
        self.offer_note.setWordWrap(True)
        self.offer_note.setAccessibleName("Waiting-list offer")
        self.offer_note.hide()
        self.waiting_choice = WaitingChoice()
        self.waiting_choice.sig_chosen.connect(self._waiting_chosen)
        self.waiting_choice.sig_cancelled.connect(self._waiting_cancelled)
        self.waiting_choice.hide()
        self.place_box = QComboBox()
        self.place_box.setAccessibleName("Location")
        self.place_box.addItem("Any location", None)
        self.place_box.currentIndexChanged.connect(self._place_changed)
        self.calendar = QCalendarWidget()
        self.calendar.setAccessibleName("Free places by day")
        self.calendar.setVerticalHeaderFormat(
            QCalendarWidget.VerticalHeaderFormat.NoVerticalHeader)
        self.calendar.setGridVisible(False)
        self.calendar.setFirstDayOfWeek(Qt.DayOfWeek.Monday)
        self.calendar.setMaximumHeight(200)
        self.calendar.clicked.connect(self._day_chosen)
        self.calendar.activated.connect(self._day_chosen)
        self.day_label = QLabel()
        self.day_label.setObjectName("carriedNote")
        self.day_label.setWordWrap(True)
        self.offers = QListWidget()
        self.offers.setAccessibleName("Free times")
        self.offers.setWordWrap(True)
        self.offers.setSpacing(1)
        self.offers.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.offers.itemActivated.connect(self._offer_chosen)
        self.offers.itemClicked.connect(self._offer_chosen)
        self.offers.installEventFilter(self)
        self.status = QLabel()
        self.status.setObjectName("pickerMessage")
        self.status.setWordWrap(True)
        self.status.setAccessibleName("Booking status")
        self.back_button = self._button("Change part 1", "Choose a different first part",
                                        self.change_first_part)
        self.book_button = self._button("Book (Ctrl+B)", "Book the time held", self.book_now)
        self.wait_button = self._button("Waiting list (Ctrl+L)",
                                        "Put them on the waiting list for an earlier place",
                                        self.join_waiting_list)
        self.save_button = self._button("Save calendar file… (Ctrl+S)",
                                        "Save the confirmation as a calendar file",
                                        self.save_calendar)
        self.confirmation = QPlainTextEdit()
        self.confirmation.setReadOnly(True)
        self.confirmation.setAccessibleName("Booking confirmation to read out")
        self.confirmation.setTabChangesFocus(True)
        self.confirmation.setMinimumHeight(120)

        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        self.place_label = QLabel("Location")
        self.place_label.setBuddy(self.place_box)
        top.addWidget(self.place_label)
        top.addWidget(self.place_box)
        grid = QGridLayout()
        grid.addWidget(self.calendar, 0, 0)
        grid.addWidget(self.day_label, 1, 0)
        grid.addWidget(self.offers, 0, 1, 2, 1)
        grid.setColumnStretch(1, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.back_button)
        buttons.addStretch(1)
        buttons.addWidget(self.wait_button)
        buttons.addWidget(self.book_button)
        buttons.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 8)
        layout.setSpacing(4)
        layout.addLayout(top)
        layout.addWidget(self.offer_note)
        layout.addWidget(self.step)
        layout.addLayout(grid)
        layout.addWidget(self.status)
        layout.addLayout(buttons)
        layout.addWidget(self.waiting_choice)
        layout.addWidget(self.confirmation)

    def _show_choosing(self, shown: bool) -> None:
        """The calendar and the times while choosing; the confirmation once booked."""
        for widget in (self.calendar, self.day_label, self.offers, self.place_box,
                       self.place_label, self.step, self.back_button):
            widget.setVisible(shown)
        if shown:
            self._show_step()

    def _for(self, call: BookingCall, handler: Callable[[Any], None]) -> Callable[[Any], None]:
        """``handler``, unless the call has changed since the work was started."""
        def guarded(result: Any) -> None:
            if self.call is call:
                handler(result)
        return guarded

    def _button(self, text: str, tip: str, slot: Callable[[], None]) -> QPushButton:
        button = QPushButton(text)
        button.setAccessibleName(text.split(" (")[0].rstrip("…"))
        button.setToolTip(tip)
        button.setAutoDefault(False)
        button.clicked.connect(lambda _c=False: slot())
        return button

    # -- a call ---------------------------------------------------------------------------

    def start(self, call: BookingCall, rules: BookingRules) -> None:
        """A new call: nothing chosen, held or booked; part 1's times are loaded."""
        self.call = call
        self.rules = rules
        self.part = 1
        self.chosen = []
        self.held = None
        self.booked = None
        self._from_day = None
        self.confirmation.clear()
        self.confirmation.hide()
        self.waiting_choice.hide()
        self.offer_note.clear()
        self.offer_note.hide()
        self._show_choosing(True)
        self.save_button.hide()
        self.status.setText("")
        self.minutes = rules.minutes(self.answers())
        self._show_step()
        self.load(with_locations=self.place_box.count() == 1)
        db = self.db
        run_in_background(self, lambda _op: booking_data.offer_on_call(db, call.task_id),
                          self._for(call, self._show_offer), lambda _message: None)

    def _show_offer(self, text: str) -> None:
        """A call offering a freed place: what the person said suits them."""
        self.offer_note.setText(text)
        self.offer_note.setVisible(bool(text))

    def finish(self) -> None:
        """The call is over: let go of anything held and not booked."""
        self._hold_watch.stop()
        if self.held is not None and self.booked is None:
            db, agent = self.db, self.agent
            run_in_background(self, lambda _op: booking_data.let_go(db, agent),
                              lambda _n: None, lambda _m: None)
        self.held = None
        self.call = None

    def answers_changed(self) -> None:
        """The form changed: a different length of appointment means different times."""
        if self.call is None or self.booked is not None:
            return
        minutes = self.rules.minutes(self.answers())
        if minutes != self.minutes:
            self.minutes = minutes
            self.load()

    @property
    def service(self) -> str:
        return self.rules.parts[min(self.part, len(self.rules.parts)) - 1]

    def _show_step(self) -> None:
        length = f" ({self.minutes} minutes)" if self.minutes else ""
        self.title.setText(f"Booking: {self.service}{length}")
        if self.rules.two_part:
            if self.part == 1:
                text = (f"Part 1 of 2: {self.rules.parts[0]}. {self.rules.parts[1]} is "
                        "offered once this is chosen.")
            else:
                first = self.chosen[0]
                text = (f"Part 1: {uk_short(first.starts_at)}, {first.location}. "
                        f"Part 2 of 2: {self.rules.parts[1]}, from "
                        f"{uk_date(self.rules.earliest_second(first))}.")
            self.step.setText(text)
        self.step.setVisible(self.rules.two_part)
        self.back_button.setVisible(self.rules.two_part and self.part == 2)
        self.book_button.setText("Book both (Ctrl+B)" if self.rules.two_part
                                 else "Book (Ctrl+B)")

    # -- offers and the calendar --------------------------------------------------------------

    def load(self, *, with_locations: bool = False) -> None:
        call = self.call
        if call is None:
            return
        db, agent, now = self.db, self.agent, self.clock()
        part, service, location = self.part, self.service, self.location
        minutes, from_day = self.minutes, self._from_day
        if part == 2 and self.chosen:
            earliest = self.rules.earliest_second(self.chosen[0])
            from_day = max(from_day or earliest, earliest)
        self._loads += 1
        serial = self._loads
        run_in_background(
            self, lambda _op: booking_data.load_choices(
                db, agent, call.contact_id, part, service, location, from_day, minutes, now,
                with_locations=with_locations),
            self._for(call, lambda choices: self._loaded(choices, serial)),
            lambda message: self.status.setText(message))

    def _loaded(self, choices: Choices, serial: int | None = None) -> None:
        """The times found; those of a load since overtaken (the number of babies
        changed again while it ran) are dropped, not shown over the newer ones."""
        if self.call is None:
            return
        if choices.locations and self.place_box.count() == 1:
            self.place_box.blockSignals(True)
            for place in choices.locations:
                self.place_box.addItem(place.name, place.id)
            self.place_box.blockSignals(False)
        if choices.part != self.part or (serial is not None and serial != self._loads):
            return
        self.choices = choices
        self._paint_calendar(choices)
        self.offers.blockSignals(True)
        self.offers.clear()
        for offer in choices.offers:
            who = f", {offer.resource}" if offer.resource else ""
            item = QListWidgetItem(f"{uk_short(offer.starts_at)}  {offer.location}{who} "
                                   f"· {offer.free} free")
            item.setData(Qt.ItemDataRole.AccessibleTextRole,
                         f"{uk_date(london_day(offer.starts_at))} at "
                         f"{uk_clock(offer.starts_at)}, {offer.location}{who}")
            self.offers.addItem(item)
        self.offers.setCurrentRow(-1)
        self.offers.blockSignals(False)
        if not choices.offers:
            self.status.setText(f"No free times for {choices.service} in the next weeks: "
                                "put them on the waiting list (Ctrl+L).")
        elif self.status.text().startswith("No free times"):
            self.status.setText("")
        self._show_step()
        self._enable()

    def _paint_calendar(self, choices: Choices) -> None:
        calendar = self.calendar
        calendar.setDateTextFormat(QDate(), QTextCharFormat())    # forget last call's days
        if not choices.days:
            return
        first, last = choices.days[0].day, choices.days[-1].day
        # From the first day this part can be booked, not the day last clicked: an earlier
        # day can always be picked again.
        earliest = london_day(self.clock())
        if self.part == 2 and self.chosen:
            earliest = max(earliest, self.rules.earliest_second(self.chosen[0]))
        earliest = min(earliest, first)
        calendar.setMinimumDate(QDate(earliest.year, earliest.month, earliest.day))
        calendar.setMaximumDate(QDate(last.year, last.month, last.day))
        bold = QFont(calendar.font())
        bold.setBold(True)
        for day in choices.days:
            shown = QTextCharFormat()
            if day.free > 0:
                shown.setBackground(FREE_DAY)
                shown.setFont(bold)
            elif day.places > 0:
                shown.setBackground(FULL_DAY)
            else:
                shown.setForeground(calendar.palette().placeholderText())
            calendar.setDateTextFormat(QDate(day.day.year, day.day.month, day.day.day), shown)
        soonest = next((d for d in choices.days if d.free > 0), None)
        target = choices.offers[0].starts_at if choices.offers else None
        if target is not None:
            local = london_day(target)
            calendar.setSelectedDate(QDate(local.year, local.month, local.day))
        self._describe_day(soonest.day if soonest and target is None else
                           (london_day(target) if target else first))

    def _describe_day(self, day: date) -> None:
        found = next((d for d in (self.choices.days if self.choices else []) if d.day == day),
                     None)
        if found is None or found.places == 0:
            self.day_label.setText(f"{uk_date(day)}: no sessions.")
        else:
            self.day_label.setText(f"{uk_date(day)}: {found.free} free of {found.places} "
                                   "places.")

    def _day_chosen(self, picked: QDate) -> None:
        day = picked.toPython()
        self._describe_day(day)
        self._from_day = day
        self.load()

    def _place_changed(self) -> None:
        self.location = self.place_box.currentData()
        self.load()

    # -- holding and booking -------------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Space on a free time chooses it, as Enter does."""
        if (watched is self.offers and event.type() == QEvent.Type.KeyPress
                and isinstance(event, QKeyEvent) and event.key() == Qt.Key.Key_Space
                and not event.modifiers()):
            item = self.offers.currentItem()
            if item is not None:
                self._offer_chosen(item)
            return True
        return super().eventFilter(watched, event)

    def _offer_chosen(self, item: QListWidgetItem) -> None:
        if self.booked is None and item is not None:
            self.offers.setCurrentItem(item)
            self.status.setText("")
            self.hold_selected()

    def check_hold(self) -> None:
        """A hold that has lapsed says so, rather than "held until" a time gone by."""
        held = self.held
        if held is None or self.booked is not None:
            self._hold_watch.stop()
            return
        if held.expires_at <= self.clock():
            self.held = None
            self._hold_watch.stop()
            offer = self.chosen[-1] if self.chosen else None
            what = f"{uk_short(offer.starts_at)} at {offer.location}" if offer else "The time"
            self.status.setText(f"{what} was held until {uk_clock(held.expires_at)}, and the "
                                "hold has lapsed: choose it again to hold it.")
            self._enable()

    def selected(self) -> FreeSlot | None:
        row = self.offers.currentRow()
        offers = self.choices.offers if self.choices else []
        return offers[row] if 0 <= row < len(offers) else None

    def hold_selected(self) -> None:
        """Hold the time under discussion (and part 1 with it, for a second part)."""
        offer, call = self.selected(), self.call
        if offer is None or call is None or self.booked is not None:
            return
        wanted = [*self.chosen[:1], offer] if self.part == 2 else [offer]
        db, agent, minutes, now = self.db, self.agent, self.minutes, self.clock()
        run_in_background(
            self, lambda _op: booking_data.hold(db, agent, wanted, minutes, call.contact_id,
                                                call.task_id, now),
            self._for(call, lambda result: self._held(wanted, result)),
            lambda message: self.status.setText(message))

    def _held(self, wanted: list[FreeSlot], result: Hold | Refusal) -> None:
        if isinstance(result, Refusal):
            self.status.setText(result.message)
            if result.gone:
                self.load()
            return
        self.held = result
        self.chosen = wanted
        offer = wanted[-1]
        self.status.setText(f"{uk_short(offer.starts_at)} at {offer.location} is held for "
                            f"you until {uk_clock(result.expires_at)} while they decide.")
        self._hold_watch.start()
        if self.rules.two_part and self.part == 1:
            self.part = 2
            self._from_day = None
            self._show_step()
            self.load()
        self._enable()

    def change_first_part(self) -> None:
        if self.booked is not None:
            return
        self.part = 1
        self.chosen = []
        self._from_day = None
        self._show_step()
        self.load()

    def ready(self) -> bool:
        needed = 2 if self.rules.two_part else 1
        return self.booked is None and self.held is not None and len(self.chosen) == needed

    def _enable(self) -> None:
        self.book_button.setEnabled(self.ready())
        self.wait_button.setEnabled(self.booked is None and self.call is not None)

    def book_now(self) -> None:
        call = self.call
        if call is None or self.booked is not None:
            return
        if not self.ready():
            self.sig_said.emit("Choose a time first (and both parts for a registration).",
                               "info")
            return
        db, agent, minutes, now = self.db, self.agent, self.minutes, self.clock()
        slots, answers, notes = list(self.chosen), self.answers(), self.notes().strip() or None
        run_in_background(
            self, lambda _op: booking_data.book_slots(db, agent, call.contact_id, call.task_id,
                                                      call.campaign_id, slots, minutes,
                                                      answers, notes, now),
            self._for(call, self._booked), lambda message: self.status.setText(message))

    def _booked(self, result: Booked | Refusal) -> None:
        if isinstance(result, Refusal):
            self.status.setText(result.message)
            self.sig_said.emit(result.message, "warning")
            if result.gone:
                self.held = None
                self.load()
            return
        self.booked = result
        self.held = None
        references = ", ".join(a.reference for a in result.appointments)
        self.title.setText("Booked: " + "; ".join(a.service for a in result.appointments))
        self.status.setText(f"Booked: {references}. Read the confirmation out.")
        self.confirmation.setPlainText(result.text)
        self._show_choosing(False)
        self.confirmation.show()
        self.save_button.show()
        self._enable()
        self.sig_booked.emit(result)

    def join_waiting_list(self) -> None:
        """Ctrl+L: ask when and where they can come (any day, any time, the place on
        screen to start with); pressed again, put them on the list as chosen."""
        call = self.call
        if call is None or self.booked is not None:
            return
        if not self.waiting_choice.isHidden():
            self.waiting_choice.choose()
            return
        places = [(self.place_box.itemText(n), self.place_box.itemData(n))
                  for n in range(self.place_box.count())]
        self.waiting_choice.begin(self.rules.parts[0], places, self.location)

    def _waiting_cancelled(self) -> None:
        self.waiting_choice.hide()
        self.offers.setFocus(Qt.FocusReason.OtherFocusReason)

    def _waiting_chosen(self, days: list[int], times: str | None, location: int | None
                        ) -> None:
        call = self.call
        if call is None or self.booked is not None:
            return
        self.waiting_choice.hide()
        self.offers.setFocus(Qt.FocusReason.OtherFocusReason)
        db, agent, now = self.db, self.agent, self.clock()
        service, minutes = self.rules.parts[0], self.minutes
        place = self.place_box.itemText(self.place_box.findData(location)) \
            if location is not None else None
        suits = preferences_text(parse_preferred_days(days), times, place)

        def done(result: int | Refusal) -> None:
            if isinstance(result, Refusal):
                self.status.setText(result.message)
                self.sig_said.emit(result.message, "warning")
                return
            text = f"{call.contact_name} is on the waiting list for {service}" \
                + (f": {suits}." if suits else ", any day and time.")
            self.status.setText(text)
            self.sig_said.emit(text, "success")

        run_in_background(
            self, lambda _op: booking_data.join_waiting_list(
                db, agent, call.campaign_id, call.contact_id, call.task_id, service, location,
                minutes, now, days=days, times=times), self._for(call, done),
            lambda message: self.status.setText(message))

    def save_calendar(self) -> None:
        if self.booked is None:
            return
        reference = self.booked.appointments[0].reference
        path = ask_where_to_save(self, str(Path.home() / f"{reference}.ics"))
        if not path:
            return
        ics = self.booked.ics
        run_in_background(self, lambda _op: booking_data.save_calendar_file(path, ics),
                          lambda saved: self.sig_said.emit(f"Calendar file saved: {saved}",
                                                           "success"),
                          lambda message: self.sig_said.emit(message, "error"))
