"""A message across the top of a screen: what happened, or what went wrong.

Screens show results and errors here rather than in pop-ups, so a person keeps working
and a screen reader announces the text (the label's accessible name changes with it).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QToolButton

from ui import theme

LEVELS = ("info", "success", "warning", "error")


class MessageBanner(QFrame):
    """Hidden until a message is shown; dismissed by its button or by Escape."""

    def __init__(self, parent: object = None, *, auto_hide_ms: int = 0) -> None:
        super().__init__(parent)  # type: ignore[arg-type]
        self.setObjectName("banner")
        self.setAccessibleName("Message")
        self._icon = QLabel()
        self._icon.setAccessibleName("Message kind")
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.label.setAccessibleName("Message text")
        close = QToolButton()
        close.setText("✕")
        close.setAutoRaise(True)
        close.setAccessibleName("Dismiss message")
        close.setToolTip("Dismiss (Esc)")
        close.clicked.connect(self.hide)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 4, 4)
        layout.addWidget(self._icon)
        layout.addWidget(self.label, 1)
        layout.addWidget(close, 0, Qt.AlignmentFlag.AlignTop)
        self._auto_hide = QTimer(self, singleShot=True)
        self._auto_hide.timeout.connect(self.hide)
        self._auto_hide_ms = auto_hide_ms
        self.level = "info"
        self.grow_window = False    # a small dialog grows to show the whole message
        self.hide()

    def show_message(self, text: str, level: str = "info") -> None:
        self.level = level if level in LEVELS else "info"
        self.setProperty("level", self.level)
        self.style().unpolish(self)
        self.style().polish(self)
        icon_name = {"success": "info"}.get(self.level, self.level)
        self._icon.setPixmap(theme.icon(icon_name).pixmap(20, 20))
        self.label.setText(text)
        self.setAccessibleDescription(text)
        self.show()
        if self.grow_window:
            QTimer.singleShot(0, self._grow_window)
        if self._auto_hide_ms and self.level in ("info", "success"):
            self._auto_hide.start(self._auto_hide_ms)
        else:
            self._auto_hide.stop()

    def _grow_window(self) -> None:
        """Taller, never narrower or shorter: a window keeps the size it was given."""
        window = self.window()
        layout = window.layout()
        if layout is None or not self.isVisible():
            return
        layout.activate()
        needed = (layout.heightForWidth(window.width()) if layout.hasHeightForWidth()
                  else layout.sizeHint().height())
        if needed > window.height():
            window.resize(window.width(), needed)

    def info(self, text: str) -> None:
        self.show_message(text, "info")

    def success(self, text: str) -> None:
        self.show_message(text, "success")

    def warning(self, text: str) -> None:
        self.show_message(text, "warning")

    def error(self, text: str) -> None:
        self.show_message(text, "error")

    def text(self) -> str:
        return self.label.text() if self.isVisibleTo(self.parentWidget()) else ""

    def keyPressEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        if event.key() == Qt.Key.Key_Escape:
            self.hide()
        else:
            super().keyPressEvent(event)
