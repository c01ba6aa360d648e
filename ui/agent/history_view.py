"""The contact's last rounds of answers side by side: a row per question, a column per
round (newest first), and a value that changed since the round before stands out.

On the 80th call of the day the agent reads this table to ask "still 40 beds?" rather
than asking every question from the start.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from outbound.clock import to_london
from outbound.forms import FormDefinition, PastAnswers
from outbound.queue.history import EarlierCall

CHANGED = QColor(230, 160, 0, 70)


def shown_value(value: Any) -> str:
    """An answer as a person reads it."""
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    if isinstance(value, str) and len(value) == 10 and value[4] == "-":
        try:
            return f"{date.fromisoformat(value):%d/%m/%Y}"
        except ValueError:
            return value
    return str(value)


def round_title(past: PastAnswers) -> str:
    """"Tue 24 Nov" for a daily round; the day it was recorded otherwise."""
    try:
        day = date.fromisoformat(past.round_key)
    except ValueError:
        day = to_london(past.recorded_at).date()
    return f"{day:%a %d %b}"


class HistoryView(QWidget):
    """The table, or a sentence when there are no earlier answers."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Earlier answers")
        self.summary = QLabel()
        self.summary.setObjectName("historySummary")
        self.summary.setWordWrap(True)
        self.table = QTableWidget(0, 0)
        self.table.setObjectName("historyTable")
        self.table.setAccessibleName("Earlier answers, newest round first")
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setTabKeyNavigation(False)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.verticalHeader().setDefaultSectionSize(
            self.table.fontMetrics().height() + 6)
        self.table.verticalHeader().hide()
        self.table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.table.horizontalHeader().setHighlightSections(False)
        self.calls = QLabel()
        self.calls.setObjectName("earlierCalls")
        self.calls.setAccessibleName("Earlier calls")
        self.calls.setWordWrap(True)
        self.calls.setTextFormat(Qt.TextFormat.PlainText)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.summary, 0, Qt.AlignmentFlag.AlignTop)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.calls, 0)
        layout.addStretch(0)
        self.table.viewport().installEventFilter(self)
        self._bold = QFont(self.table.font())
        self._bold.setBold(True)

    def show_history(self, form: FormDefinition, history: list[PastAnswers]) -> None:
        table = self.table
        table.clearContents()
        if not history:
            table.setRowCount(0)
            table.setColumnCount(0)
            table.hide()
            self.summary.setText("No earlier answers: this is the first time this form is "
                                 "filled in for them.")
            return
        names = [f.name for f in form.fields if any(f.name in p.answers for p in history)]
        names += sorted({n for p in history for n in p.answers} - set(form.names))
        labels = {f.name: f.label for f in form.fields}
        table.setRowCount(len(names))
        table.setColumnCount(len(history) + 1)
        table.setHorizontalHeaderItem(0, QTableWidgetItem("Question"))
        for row, name in enumerate(names):
            question = QTableWidgetItem(labels.get(name, name))
            question.setToolTip(labels.get(name, name))
            table.setItem(row, 0, question)
        for index, past in enumerate(history):
            column = index + 1
            title = round_title(past) + (" ✓" if past.unchanged else "")
            header = QTableWidgetItem(title)
            header.setToolTip("Confirmed unchanged on the call" if past.unchanged else
                              f"Answers taken {to_london(past.recorded_at):%a %d %b %H:%M}")
            table.setHorizontalHeaderItem(column, header)
            older = history[index + 1] if index + 1 < len(history) else None
            for row, name in enumerate(names):
                value = past.answers.get(name)
                item = QTableWidgetItem(shown_value(value))
                item.setToolTip(f"{labels.get(name, name)}: {shown_value(value)}")
                if older is not None and name in older.answers and older.answers[name] != value:
                    item.setBackground(QBrush(CHANGED))
                    item.setFont(self._bold)
                    item.setToolTip(item.toolTip() + f" (was {shown_value(older.answers[name])})")
                table.setItem(row, column, item)
        table.show()
        latest = history[0]
        self.summary.setText(f"Last {len(history)} rounds; changes are highlighted. Last "
                             f"answers {to_london(latest.recorded_at):%a %d %b at %H:%M}.")
        self._size_columns()

    def show_calls(self, calls: list[EarlierCall]) -> None:
        """The latest calls to this person in any campaign, one line each."""
        if not calls:
            self.calls.setText("No earlier calls.")
            return
        lines = []
        for call in calls:
            when = to_london(call.recorded_at).strftime("%a %d %b %H:%M")
            line = f"{when} · {call.campaign} · {call.outcome} · {call.agent}"
            if call.callback_at is not None:
                line += f" · call back {to_london(call.callback_at):%a %d %b %H:%M}"
            if call.notes:
                note = " ".join(call.notes.split())
                line += f" — “{note[:80]}{'…' if len(note) > 80 else ''}”"
            lines.append(line)
        self.calls.setText("Earlier calls:\n" + "\n".join(lines))

    def _size_columns(self) -> None:
        """The question takes two fifths of the width; the rounds share the rest."""
        table = self.table
        rounds = table.columnCount() - 1
        if rounds < 1:
            return
        width = table.viewport().width()
        question = int(width * 0.4)
        table.setColumnWidth(0, question)
        for column in range(1, rounds + 1):
            table.setColumnWidth(column, (width - question) // rounds)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.table.viewport() and event.type() == QEvent.Type.Resize:
            self._size_columns()
        return False
