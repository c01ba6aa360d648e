"""What the call screen shows between calls: why there is nothing to call, or that the
agent is on a break, and the one button (and key) for the next call."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QPushButton, QVBoxLayout, QWidget


class WaitingPanel(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Waiting for the next call")
        self.sentence = QLabel("Choose a campaign, then press F5 for the next call.")
        self.sentence.setObjectName("waitingSentence")
        self.sentence.setWordWrap(True)
        self.sentence.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.sentence.setAccessibleName("Queue")
        self.sentence.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.last_call = QLabel()
        self.last_call.setObjectName("lastCall")
        self.last_call.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.last_call.setWordWrap(True)
        self.last_call.setAccessibleName("Last call")
        self.next_button = QPushButton("Next call")
        self.next_button.setObjectName("nextCallButton")
        self.next_button.setAccessibleName("Next call")
        self.next_button.setToolTip("The next person to call (F5, Ctrl+N or Space)")
        self.next_button.setAutoDefault(True)
        self.hint = QLabel("F5, Ctrl+N or Space: next call")
        self.hint.setObjectName("keysHint")
        self.hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(40, 30, 40, 30)
        layout.addStretch(2)
        layout.addWidget(self.last_call)
        layout.addSpacing(12)
        layout.addWidget(self.sentence)
        layout.addSpacing(16)
        layout.addWidget(self.next_button, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addWidget(self.hint)
        layout.addStretch(3)

    def show_sentence(self, text: str) -> None:
        self.sentence.setText(text)
        self.sentence.setAccessibleDescription(text)
