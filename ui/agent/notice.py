"""A line across the top of the call screen: the database is unreachable, a draft came
back, a call-back was booked. It never takes the focus from the call and never needs
a click: it goes when the reason goes (or after a few seconds for good news).

Its place is kept while it is hidden, at a fixed height (two lines), so the call below
never moves when it comes and goes: a click meant for a question lands on it."""

from __future__ import annotations

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QSizePolicy, QWidget

LINES = 2


class Notice(QFrame):
    """``sig_retry_requested`` when the person presses "Try now"."""

    sig_retry_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("connectionBanner")
        self.setAccessibleName("Notice")
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setAccessibleName("Notice text")
        self.retry = QPushButton("Try now")
        self.retry.setAccessibleName("Try the database again now")
        self.retry.setAutoDefault(False)
        self.retry.clicked.connect(self.sig_retry_requested)
        self.retry.hide()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 5, 6, 5)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.retry)
        self._hide_later = QTimer(self, singleShot=True, interval=6000)
        self._hide_later.timeout.connect(self.clear)
        self.kind = ""
        policy = self.sizePolicy()
        policy.setRetainSizeWhenHidden(True)
        policy.setVerticalPolicy(QSizePolicy.Policy.Fixed)
        self.setSizePolicy(policy)
        self.setFixedHeight(max(self.label.fontMetrics().lineSpacing() * LINES,
                                self.retry.sizeHint().height()) + 12)
        self.hide()

    def say(self, text: str, level: str = "info", *, kind: str = "", retry: bool = False,
            lasting: bool = False) -> None:
        """Show ``text``; good news and hints go by themselves unless ``lasting``."""
        self.kind = kind
        self.setProperty("level", level)
        self.style().unpolish(self)
        self.style().polish(self)
        self.label.setText(text)
        self.label.setToolTip(text)           # all of it, should it not fit two lines
        self.setAccessibleDescription(text)
        self.retry.setVisible(retry)
        self.show()
        if level in ("info", "success") and not lasting:
            self._hide_later.start()
        else:
            self._hide_later.stop()

    def clear(self, kind: str | None = None) -> None:
        """Hide the notice (only if it is of ``kind``, when given)."""
        if kind is not None and self.kind != kind:
            return
        self._hide_later.stop()
        self.kind = ""
        self.label.setText("")
        self.hide()

    def text(self) -> str:
        return self.label.text() if not self.isHidden() else ""
