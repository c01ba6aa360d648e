"""The call's running time: started when a contact loads, from zero again when Call is
first pressed; its seconds are the attempt's ``duration_seconds``."""

from __future__ import annotations

from PySide6.QtCore import QElapsedTimer, QTimer
from PySide6.QtWidgets import QLabel, QWidget


class CallTimer(QLabel):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("callTimer")
        self.setAccessibleName("Call time")
        self._clock = QElapsedTimer()
        self._tick = QTimer(self)
        self._tick.setInterval(1000)
        self._tick.timeout.connect(self._show)
        self.setText("")

    def start(self) -> None:
        """From zero."""
        self._clock.start()
        self._tick.start()
        self._show()

    def stop(self) -> None:
        self._tick.stop()
        self._clock.invalidate()
        self.setText("")

    @property
    def running(self) -> bool:
        return self._clock.isValid()

    def seconds(self) -> int:
        if not self._clock.isValid():
            return 0
        return int(self._clock.elapsed() // 1000)

    def _show(self) -> None:
        total = self.seconds()
        minutes, seconds = divmod(total, 60)
        self.setText(f"Call time {minutes:02d}:{seconds:02d}")
        self.setAccessibleDescription(f"{minutes} minutes {seconds} seconds")
