"""Stopping calls to a person (deceased, asked not to be called, wrong number), and
allowing them again. Both say who told us and why; the history is kept."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from outbound.contacts import SUPPRESSION_REASONS
from ui.widgets.banner import MessageBanner
from ui.widgets.common import dialog_buttons, hint_label, named

TOLD_BY = ("Phone call", "Tell Us Once", "Letter", "Email", "Family member",
           "Another department")


class StopCallingDialog(QDialog):
    """``reason``, ``source`` and ``note`` once accepted."""

    def __init__(self, contact_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Stop calling {contact_name}")
        self.banner = MessageBanner(self)
        self.reason_box = named(QComboBox(), "Why calls stop")
        for code, words in SUPPRESSION_REASONS.items():
            self.reason_box.addItem(words, code)
        self.source_box = named(QComboBox(), "Who told us")
        self.source_box.setEditable(True)
        self.source_box.addItems(TOLD_BY)
        self.note_box = named(QPlainTextEdit(), "Note")
        self.note_box.setPlaceholderText("Optional: anything a colleague should know")
        self.note_box.setTabChangesFocus(True)
        self.note_box.setMaximumHeight(90)
        form = QFormLayout()
        form.addRow("&Reason:", self.reason_box)
        form.addRow("&Told by:", self.source_box)
        form.addRow("&Note:", self.note_box)
        buttons, _ok = dialog_buttons(self, "&Stop calling")
        layout = QVBoxLayout(self)
        layout.addWidget(hint_label(
            f"{contact_name} will not be called again in any campaign, and their open "
            "calls close now."))
        layout.addWidget(self.banner)
        layout.addLayout(form)
        layout.addWidget(buttons)
        self.reason = ""
        self.source = ""
        self.note: str | None = None

    def accept(self) -> None:
        self.source = self.source_box.currentText().strip()
        if not self.source:
            self.banner.warning("Say who told us, for example Tell Us Once.")
            self.source_box.setFocus()
            return
        self.reason = self.reason_box.currentData()
        self.note = self.note_box.toPlainText().strip() or None
        super().accept()


class AllowCallsDialog(QDialog):
    """``reason`` once accepted."""

    def __init__(self, contact_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Allow calls to {contact_name} again")
        self.banner = MessageBanner(self)
        self.reason_edit = named(QLineEdit(), "Why calls may start again")
        self.reason_edit.setPlaceholderText("For example: the number was corrected")
        form = QFormLayout()
        form.addRow("&Why:", self.reason_edit)
        buttons, _ok = dialog_buttons(self, "&Allow calls")
        layout = QVBoxLayout(self)
        layout.addWidget(hint_label("The earlier do-not-call stays in the history. A "
                                    "person recorded as deceased stays stopped."))
        layout.addWidget(self.banner)
        layout.addLayout(form)
        layout.addWidget(buttons)
        self.reason = ""

    def accept(self) -> None:
        self.reason = self.reason_edit.text().strip()
        if not self.reason:
            self.banner.warning("Say why calls may start again.")
            self.reason_edit.setFocus()
            return
        super().accept()


class AllowPremiumDialog(QDialog):
    """Asks before letting agents call a person's premium-rate numbers."""

    def __init__(self, contact_name: str, numbers: list[str],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Allow a premium-rate number for {contact_name}")
        one = len(numbers) == 1
        listed = ", ".join(numbers)
        buttons, self.ok_button = dialog_buttons(self, "&Allow calls to it" if one
                                                 else "&Allow calls to them")
        layout = QVBoxLayout(self)
        layout.addWidget(hint_label(
            f"{listed} {'is a premium-rate number' if one else 'are premium-rate numbers'}"
            f": calls to {'it' if one else 'them'} cost the council. Allow agents to call "
            f"{'it' if one else 'them'} for {contact_name} only? Your name and the time "
            "are kept in the number history."))
        layout.addWidget(buttons)
        self.ok_button.setDefault(True)
        self.ok_button.setFocus()
