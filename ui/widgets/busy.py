"""A progress bar with a sentence and a Cancel button, for work running in the background."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QWidget


class BusyBar(QWidget):
    """Shown while work runs; ``sig_cancel_requested`` when the person presses Cancel."""

    sig_cancel_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.label = QLabel()
        self.label.setAccessibleName("What is happening")
        self.bar = QProgressBar()
        self.bar.setAccessibleName("Progress")
        self.bar.setTextVisible(True)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setAccessibleName("Cancel")
        self.cancel_button.clicked.connect(self._cancel)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.label)
        layout.addWidget(self.bar, 1)
        layout.addWidget(self.cancel_button)
        self.hide()

    def start(self, text: str, *, cancellable: bool = True) -> None:
        self.label.setText(text)
        self.bar.setRange(0, 0)  # moving to and fro until the size is known
        self.bar.setFormat("")
        self.cancel_button.setEnabled(cancellable)
        self.cancel_button.setVisible(cancellable)
        self.show()

    def progress(self, done: int, total: int | None) -> None:
        if total and total > 0:
            self.bar.setRange(0, max(total, done))
            self.bar.setValue(done)
            self.bar.setFormat(f"{done:,} of {max(total, done):,}")
        else:
            self.bar.setRange(0, 0)
            self.bar.setFormat(f"{done:,}")

    def finish(self) -> None:
        self.hide()

    def _cancel(self) -> None:
        self.cancel_button.setEnabled(False)
        self.label.setText("Cancelling…")
        self.sig_cancel_requested.emit()
