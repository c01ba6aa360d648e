"""The agent's own day in one line on the call screen: calls made, people spoken to,
the average call, and the call-backs they promised for today."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from PySide6.QtWidgets import QLabel, QWidget

from outbound.dashboard import AgentDay, agent_day
from outbound.text import count_of
from ui.operations import run_in_background


def day_sentence(day: AgentDay) -> str:
    """"Today: 37 calls, 29 spoken to, 3m 12s on average; 2 call-backs to make"."""
    if day.calls == 0 and day.callbacks_due == 0:
        return "Today: no calls yet"
    parts = [count_of(day.calls, "call"), f"{day.spoken_to:,} spoken to"]
    if day.average_handle_seconds is not None:
        minutes, seconds = divmod(round(day.average_handle_seconds), 60)
        parts.append(f"{minutes}m {seconds:02d}s on average" if minutes
                     else f"{seconds}s on average")
    text = "Today: " + ", ".join(parts)
    if day.callbacks_due:
        text += f"; {count_of(day.callbacks_due, 'call-back')} to make"
    return text


class MyDay(QLabel):
    """Refreshed in the background whenever a call ends or the screen waits."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("myDay")
        self.setAccessibleName("Your day so far")
        self.setToolTip("Your calls today in every campaign, and the call-backs you "
                        "promised for today")
        self.day: AgentDay | None = None
        self._running = False

    def refresh(self, db: Any, agent: str, now: datetime) -> None:
        if self._running:
            return
        self._running = True
        run_in_background(self, lambda _op: agent_day(db, agent, now), self._show,
                          self._failed)

    def _show(self, day: AgentDay) -> None:
        self._running = False
        self.day = day
        self.setText(day_sentence(day))

    def _failed(self, _message: str) -> None:
        self._running = False       # the call screen says when the database is away
