"""The call in progress, laid out: who and how to reach them on the left with the
script and their last answers; the form and notes on the right; the outcomes along
the bottom. The page only arranges and fills widgets; the screen decides what happens.

Tab goes in the order of a call: Call, the questions in the form's order, the notes,
then the outcome buttons; the script and history come last, for reading.
"""

from __future__ import annotations

import itertools
from datetime import date

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from outbound.clock import to_london
from outbound.forms import FormDefinition, OpenForm
from ui.agent.call_data import CallCard
from ui.agent.callback_picker import CallbackPicker
from ui.agent.contact_card import ContactCard
from ui.agent.history_view import HistoryView
from ui.agent.numbers import PhoneNumbers
from ui.agent.outcome_bar import OutcomeBar
from ui.agent.script_view import ScriptView
from ui.widgets.form_view import FormView


def _title(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("sectionTitle")
    return label


def carried_label(opened: OpenForm) -> str:
    """"from 23 Nov": where carried-forward answers came from."""
    day: date | None = None
    if opened.carried_from:
        try:
            day = date.fromisoformat(opened.carried_from)
        except ValueError:
            day = None
    if day is None and opened.carried_at is not None:
        day = to_london(opened.carried_at).date()
    return f"from {day.day} {day:%b}" if day else "from last time"


class CallPage(QWidget):
    def __init__(self, clock, parent: QWidget | None = None) -> None:  # type: ignore[no-untyped-def]
        super().__init__(parent)
        self.setAccessibleName("Call")
        self.contact = ContactCard()
        self.numbers = PhoneNumbers()
        # Why this call (a message that could not go or failed) and what the person was
        # sent: the agent should know before saying hello.
        self.messages = QLabel()
        self.messages.setObjectName("messagesLine")
        self.messages.setWordWrap(True)
        self.messages.setAccessibleName("Messages sent")
        self.messages.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByKeyboard
                                              | Qt.TextInteractionFlag.TextSelectableByMouse)
        self.messages.hide()
        self.unchanged_button = QPushButton("Nothing has changed (Ctrl+U)")
        self.unchanged_button.setAccessibleName("Nothing has changed")
        self.unchanged_button.setToolTip("The person says nothing has changed since last "
                                         "time: record last time's answers again (Ctrl+U)")
        self.unchanged_button.setAutoDefault(False)
        self.forms = QStackedWidget()
        self.forms.setAccessibleName("Answers")
        self.form_views: dict[str, FormView] = {}
        self.booking: QWidget | None = None
        self.notes = QPlainTextEdit()
        self.notes.setAccessibleName("Notes")
        self.notes.setPlaceholderText("Anything said on the call that the form does not ask")
        self.notes.setTabChangesFocus(True)
        self.notes.setFixedHeight(self.notes.fontMetrics().lineSpacing() * 3 + 14)
        self.picker = CallbackPicker(clock)
        self.outcomes = OutcomeBar()
        self.script = ScriptView()
        self.history = HistoryView()

        self.answers_title = _title("Answers")
        self.carried_note = QLabel()
        self.carried_note.setObjectName("carriedNote")
        self.carried_note.setWordWrap(True)
        header = QHBoxLayout()
        header.setContentsMargins(0, 0, 0, 0)
        header.addWidget(self.answers_title)
        header.addWidget(self.carried_note, 1)
        header.addWidget(self.unchanged_button)
        notes_title = _title("Notes")
        notes_title.setBuddy(self.notes)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(6, 0, 0, 0)
        right_layout.setSpacing(4)
        right_layout.addLayout(header)
        right_layout.addWidget(self.forms, 2)
        self.right_layout = right_layout
        right_layout.addWidget(notes_title)
        right_layout.addWidget(self.notes)

        self.reading = QSplitter(Qt.Orientation.Vertical)
        self.reading.setChildrenCollapsible(False)
        script_box = QWidget()
        script_layout = QVBoxLayout(script_box)
        script_layout.setContentsMargins(0, 0, 0, 0)
        script_layout.addWidget(_title("Script"))
        script_layout.addWidget(self.script, 1)
        history_box = QWidget()
        history_layout = QVBoxLayout(history_box)
        history_layout.setContentsMargins(0, 0, 0, 0)
        history_layout.addWidget(_title("Last answers"))
        history_layout.addWidget(self.history, 1)
        self.reading.addWidget(script_box)
        self.reading.addWidget(history_box)
        self.reading.setSizes([300, 260])
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 6, 0)
        left_layout.setSpacing(6)
        left_layout.addWidget(self.contact)
        left_layout.addWidget(self.numbers)
        left_layout.addWidget(self.messages)
        left_layout.addWidget(self.reading, 1)

        self.columns = QSplitter(Qt.Orientation.Horizontal)
        self.columns.setObjectName("callColumns")
        self.columns.setChildrenCollapsible(False)
        self.columns.addWidget(left)
        self.columns.addWidget(right)
        self.columns.setStretchFactor(0, 2)
        self.columns.setStretchFactor(1, 3)
        self.columns.setSizes([400, 600])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addWidget(self.columns, 1)
        layout.addWidget(self.picker)
        layout.addWidget(self.outcomes)

    def set_booking(self, widget: QWidget) -> None:
        """Put the slot picker under the form (booking campaigns only)."""
        self.booking = widget
        self.right_layout.insertWidget(self.right_layout.indexOf(self.forms) + 1, widget, 3)
        self.fix_tab_order()

    def form_view(self, form: FormDefinition) -> tuple[FormView, bool]:
        """The view for this form, made the first time it is needed (True when new)."""
        view = self.form_views.get(form.fingerprint)
        created = view is None
        if view is None:
            view = FormView(form)
            self.form_views[form.fingerprint] = view
            self.forms.addWidget(view)
        self.forms.setCurrentWidget(view)
        return view, created

    @property
    def form(self) -> FormView | None:
        widget = self.forms.currentWidget()
        return widget if isinstance(widget, FormView) else None

    def show_card(self, card: CallCard) -> FormView:
        """Fill every part of the page for a call (the form's answers included)."""
        self.contact.show_contact(card.contact, card.task)
        self.numbers.show_numbers(card.phones)
        self.messages.setText(messages_text(card.call_reasons, card.messages))
        self.messages.setVisible(bool(card.call_reasons or card.messages))
        self.script.show_script(card.script)
        opened = card.opened
        view, created = self.form_view(opened.form)
        self.history.show_history(opened.form, card.history)
        self.history.show_calls(card.calls)
        label = carried_label(opened) if opened.carried_forward else ""
        view.load(card.answers, card.confirmations, opened.carried_forward, label,
                  from_contact=opened.from_contact)
        if opened.carried_forward:
            self.carried_note.setText(f"Last answers ({label[5:]}) are filled in; "
                                      "change what is different.")
        else:
            self.carried_note.setText("")
        self.unchanged_button.setVisible(opened.can_confirm_unchanged)
        self.picker.hide()
        self.notes.blockSignals(True)          # loading is not typing
        self.notes.setPlainText(card.notes)
        self.notes.blockSignals(False)
        if created:
            self.fix_tab_order()
        return view

    def fix_tab_order(self, extra: list[QWidget] | None = None) -> None:
        """Call, the questions, the notes, the outcomes, then the rest (for reading)."""
        chain: list[QWidget] = [button for _n, _d, button in self.numbers.rows]
        chain.append(self.unchanged_button)
        view = self.form
        if view is not None:
            chain.extend(view.tab_chain())
        if self.booking is not None:
            chain.extend(_focusable(self.booking))
        chain.extend(extra or [])
        chain.append(self.notes)
        chain.extend(self.outcomes.buttons.values())
        chain.extend(_focusable(self.picker))
        chain.extend([self.script, self.history.table])
        for first, second in itertools.pairwise(chain):
            QWidget.setTabOrder(first, second)


def _focusable(widget: QWidget) -> list[QWidget]:
    """The controls inside ``widget`` that Tab stops at, in the order they were made."""
    window = widget.window()
    return [child for child in widget.findChildren(QWidget)
            if child.focusPolicy() & Qt.FocusPolicy.TabFocus and child.focusProxy() is None
            and child.window() is window]


def messages_text(reasons: list[str], messages: list[str]) -> str:
    """“Why this call: text not delivered: number not in use” and the messages sent."""
    lines = [f"Why this call: {'; '.join(reasons)}"] if reasons else []
    if messages:
        lines.append("Messages: " + " · ".join(messages))
    return "\n".join(lines)
