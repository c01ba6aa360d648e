"""A campaign's messages beside the campaigns table: queued, sent, delivered and failed,
the failures already turned into calls, the sender's problem if it has one, and a test
message to the supervisor's own number or address before the campaign starts."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from outbound.notify.outbox import queue_test_message
from outbound.notify.status import CampaignMessages, campaign_messages, sender_problems
from ui.actions import ScreenAction, create_action
from ui.operations import run_in_background
from ui.widgets.banner import MessageBanner

FAILURES_SHOWN = 8


class CampaignMessagesPanel(QWidget):
    """Shown for campaigns whose template declares messages."""

    def __init__(self, services: Any, banner: MessageBanner,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.banner = banner
        self.campaign_id: int | None = None
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.summary.setAccessibleName("The campaign's messages")
        # Its key (Ctrl+Shift+M) works while the panel shows a campaign with messages.
        self.test_action = create_action(self, ScreenAction.SEND_TEST_MESSAGE,
                                         self.send_test)
        self.test_action.setEnabled(False)
        self.test_button = QPushButton("Send a test message…")
        self.test_button.setToolTip(self.test_action.toolTip())
        self.test_button.clicked.connect(self.test_action.trigger)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.summary)
        layout.addWidget(self.test_button)
        self.hide()

    def show_campaign(self, campaign_id: int | None, has_messages: bool) -> None:
        self.campaign_id = campaign_id if has_messages else None
        self.setVisible(self.campaign_id is not None)
        self.test_action.setEnabled(self.campaign_id is not None)
        if self.campaign_id is None:
            return
        db, chosen = self.services.db, self.campaign_id

        def work(_op: Any) -> tuple[CampaignMessages, list[str]]:
            return campaign_messages(db, chosen, failures=FAILURES_SHOWN), [
                problem for _name, problem, _when in sender_problems(db)]

        run_in_background(self, work, self._show, self.banner.error)

    def _show(self, result: tuple[CampaignMessages, list[str]]) -> None:
        summary, problems = result
        self.summary.setText(describe(summary, problems))

    def send_test(self) -> None:
        dialog = TestMessageDialog(self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        db, by = self.services.db, getattr(self.services.user, "name", None)
        channel, to, template = dialog.values()

        def work(_op: Any) -> str:
            return queue_test_message(db, channel, to, template, by=by)

        run_in_background(self, work, lambda _ref: self.banner.info(
            f"Test {channel} queued for {to}; the sending service sends it within a few "
            "seconds."), self.banner.error)


def describe(summary: CampaignMessages, problems: list[str]) -> str:
    """The panel's words: counts, the failures turned into calls, the sender's problem."""
    lines = [f"Messages: {summary.sentence()}."]
    for problem in problems:
        lines.append(f"Sending has stopped: {problem}")
    if summary.failures:
        lines.append("Not delivered or not sent, now calls:")
        lines += [f"• contact {contact}: {reason}" for contact, reason in summary.failures]
    return "\n".join(lines)


class TestMessageDialog(QDialog):
    """Channel, the supervisor's own number or address, and the Notify template."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Send a test message")
        self.channel = QComboBox()
        self.channel.addItems(["text", "email", "letter"])
        self.channel.setAccessibleName("Channel")
        self.to = QLineEdit()
        self.to.setAccessibleName("Send to")
        self.to.setPlaceholderText("your mobile number or email address")
        self.template = QLineEdit()
        self.template.setAccessibleName("GOV.UK Notify template ID")
        form = QFormLayout()
        form.addRow("&Channel", self.channel)
        form.addRow("Send &to", self.to)
        form.addRow("Notify &template ID", self.template)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)

    def values(self) -> tuple[str, str, str]:
        return self.channel.currentText(), self.to.text(), self.template.text()
