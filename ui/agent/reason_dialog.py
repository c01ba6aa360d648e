"""The one line an outcome such as "Needs supervisor" asks for, before it is recorded.

Keyboard first: the line has the focus, Enter records, Esc goes back to the call. An
empty line is not accepted; the engine checks the reason again.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QDialog, QFormLayout, QLineEdit, QVBoxLayout, QWidget

from outbound.queue.outcomes import REASON_LIMIT
from ui.widgets.banner import MessageBanner
from ui.widgets.common import dialog_buttons, hint_label, named


class ReasonDialog(QDialog):
    """``sig_given(reason)`` when the agent records the outcome with a reason."""

    sig_given = Signal(str)

    def __init__(self, outcome_label: str, contact_name: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"{outcome_label}: why?")
        self.setObjectName("reasonDialog")
        self.banner = MessageBanner(self)
        self.line = named(QLineEdit(), "Reason",
                          "One line saying why; the notes can say more")
        self.line.setMaxLength(REASON_LIMIT)
        self.line.setPlaceholderText("For example: says her carer has not come for a week")
        form = QFormLayout()
        form.addRow("&Reason:", self.line)
        buttons, self.ok = dialog_buttons(self, f"&Record “{outcome_label}”")
        self.ok.setDefault(True)
        layout = QVBoxLayout(self)
        layout.addWidget(hint_label(f"Say in one line why the call with {contact_name} "
                                    "needs a supervisor. Enter records it; Esc goes back "
                                    "to the call."))
        layout.addWidget(self.banner)
        layout.addLayout(form)
        layout.addWidget(buttons)
        self.line.setFocus()

    def accept(self) -> None:
        text = self.line.text().strip()
        if not text:
            self.banner.warning("Say in one line why, then press Enter.")
            self.line.setFocus()
            return
        super().accept()
        self.sig_given.emit(text)
