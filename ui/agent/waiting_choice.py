"""When someone goes on the waiting list: the days they can come (Monday to Saturday),
mornings or afternoons, and where. Quick by default: Ctrl+L then Enter puts them on
for any day, any time, at the place on screen.

Keys: Tab through the days (Space ticks or clears one), the time and the place (arrows
choose); Enter (or Ctrl+L again) puts them on the list, Esc goes back.
"""

from __future__ import annotations

import itertools
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat")
DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")
TIMES = (("Any time", None), ("Mornings", "morning"), ("Afternoons", "afternoon"))


class WaitingChoice(QFrame):
    """``sig_chosen(days, times, location_id)`` on Enter; ``sig_cancelled`` on Esc.
    ``days`` is a list of weekday numbers (0 is Monday), empty for any day."""

    sig_chosen = Signal(list, object, object)
    sig_cancelled = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("waitingChoice")
        self.setAccessibleName("Waiting list preferences")
        self.title = QLabel()
        self.title.setObjectName("pickerTitle")
        self.title.setWordWrap(True)
        self.days: list[QCheckBox] = []
        day_row = QHBoxLayout()
        day_row.setContentsMargins(0, 0, 0, 0)
        days_label = QLabel("Days they can come")
        day_row.addWidget(days_label)
        for short, name in zip(DAYS, DAY_NAMES, strict=True):
            box = QCheckBox(short)
            box.setAccessibleName(name)
            box.setChecked(True)
            self.days.append(box)
            day_row.addWidget(box)
        day_row.addStretch(1)
        self.times = QComboBox()
        self.times.setAccessibleName("Time of day they can come")
        for text, value in TIMES:
            self.times.addItem(text, value)
        times_label = QLabel("Time")
        times_label.setBuddy(self.times)
        self.place = QComboBox()
        self.place.setAccessibleName("Where they can come")
        place_label = QLabel("Place")
        place_label.setBuddy(self.place)
        self.add_button = QPushButton("Put on the waiting list (Enter)")
        self.add_button.setAccessibleName("Put on the waiting list")
        self.add_button.setAutoDefault(False)
        self.add_button.clicked.connect(lambda _c=False: self.choose())
        self.cancel_button = QPushButton("Back (Esc)")
        self.cancel_button.setAccessibleName("Back to the booking")
        self.cancel_button.setAutoDefault(False)
        self.cancel_button.clicked.connect(lambda _c=False: self.sig_cancelled.emit())
        when = QHBoxLayout()
        when.setContentsMargins(0, 0, 0, 0)
        when.addWidget(times_label)
        when.addWidget(self.times)
        when.addSpacing(12)
        when.addWidget(place_label)
        when.addWidget(self.place, 1)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.add_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 4)
        layout.setSpacing(4)
        layout.addWidget(self.title)
        layout.addLayout(day_row)
        layout.addLayout(when)
        layout.addLayout(buttons)
        order = [*self.days, self.times, self.place, self.cancel_button, self.add_button]
        for first, second in itertools.pairwise(order):
            QWidget.setTabOrder(first, second)

    def begin(self, service: str, places: list[tuple[str, Any]], place: Any) -> None:
        """Fresh choices: any day, any time, the place on screen; the focus on "Put on"."""
        self.title.setText(f"Waiting list for {service}: when and where can they come?")
        for box in self.days:
            box.setChecked(True)
        self.times.setCurrentIndex(0)
        self.place.clear()
        for name, value in places:
            self.place.addItem(name, value)
        found = self.place.findData(place)
        self.place.setCurrentIndex(max(found, 0))
        self.show()
        self.add_button.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def chosen_days(self) -> list[int]:
        ticked = [n for n, box in enumerate(self.days) if box.isChecked()]
        return [] if len(ticked) == len(self.days) else ticked

    def choose(self) -> None:
        self.sig_chosen.emit(self.chosen_days(), self.times.currentData(),
                             self.place.currentData())

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.choose()
            return
        if event.key() == Qt.Key.Key_Escape:
            self.sig_cancelled.emit()
            return
        super().keyPressEvent(event)
