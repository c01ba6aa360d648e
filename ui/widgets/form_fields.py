"""One control per type of form field, each giving its answer as the engine reads it.

A control reports ``edited`` when the person changes it, never when a screen loads a
value into it, so loading a call does not look like typing. Values come out as typed
(text for numbers and dates: the engine's ``check_answers`` says whether they are
right), ``True``/``False`` for yes or no, the choice's text, and a list for several
choices.

Inside a form, plain keys belong to the form: a control accepts the shortcut override
of an unmodified key, so a digit typed on a radio button never records an outcome by
accident (Alt+digit still does). Choices can be picked by their first letter, yes or
no by Y and N, and Enter in a box moves on to the next question.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QGridLayout,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QRadioButton,
    QWidget,
)

from outbound.forms import Field

RADIO_LIMIT = 6          # more choices than this: a list a few rows high
ONE_LINE_CHARACTERS = 36  # choices longer than this together go in two columns
PLACEHOLDERS = {"date": "dd/mm/yyyy", "time": "hh:mm", "email": "name@example.org",
                "phone": "0113 496 0000"}
ARROWS = {Qt.Key.Key_Left: -1, Qt.Key.Key_Up: -1, Qt.Key.Key_Right: 1, Qt.Key.Key_Down: 1}
NARROW = {"integer": 110, "decimal": 110, "date": 130, "time": 90}


class _FormKeys(QObject):
    """Keeps unmodified keys inside the form, and picks choices by letter."""

    def __init__(self, editor: FieldEditor) -> None:
        super().__init__(editor)
        self.editor = editor

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ShortcutOverride:
            key_event = event if isinstance(event, QKeyEvent) else None
            if key_event is not None and _plain_key(key_event):
                event.accept()       # the key press comes to the control, not a shortcut
        elif event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            text = event.text()
            if _plain_key(event) and text.isalpha() and self.editor.pick_by_letter(text):
                return True
            step = ARROWS.get(Qt.Key(event.key()))
            if step is not None and self.editor.step(step):
                return True
        return False


def _plain_key(event: QKeyEvent) -> bool:
    modifiers = event.modifiers() & ~Qt.KeyboardModifier.ShiftModifier \
        & ~Qt.KeyboardModifier.KeypadModifier
    return modifiers == Qt.KeyboardModifier.NoModifier and event.text().isprintable() \
        and bool(event.text()) and event.text() != " "


class FieldEditor(QWidget):
    """The control for one field; ``edited`` when the person changes the answer."""

    edited = Signal()

    def __init__(self, field: Field, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.field = field
        self._loading = False
        self._keys = _FormKeys(self)

    def watch_keys(self, *controls: QWidget) -> None:
        for control in controls:
            control.installEventFilter(self._keys)

    def _changed(self, *_args: object) -> None:
        if not self._loading:
            self.edited.emit()

    def value(self) -> Any:
        raise NotImplementedError

    def set_value(self, value: Any) -> None:
        self._loading = True
        try:
            self._show(value)
        finally:
            self._loading = False

    def _show(self, value: Any) -> None:
        raise NotImplementedError

    def focus_target(self) -> QWidget:
        return self

    def controls(self) -> list[QWidget]:
        """Every control of the question, in order, for the form's Tab chain: Tab stops
        at one of them (``focus_target``), the others are reached with the arrows."""
        return [self.focus_target()]

    def pick_by_letter(self, letter: str) -> bool:
        return False

    def step(self, direction: int) -> bool:
        """Arrow keys: the previous or next choice (controls with choices only)."""
        return False


class LineEditor(FieldEditor):
    """Numbers, short text, dates, times, email addresses and phone numbers."""

    def __init__(self, field: Field, parent: QWidget | None = None) -> None:
        super().__init__(field, parent)
        self.line = QLineEdit()
        self.line.setAccessibleName(field.label)
        self.line.setPlaceholderText(field.placeholder or PLACEHOLDERS.get(field.type, ""))
        if field.maximum is not None and not field.numeric:
            self.line.setMaxLength(int(field.maximum) + 50)   # the engine says "too long"
        if field.type in NARROW:
            self.line.setFixedWidth(NARROW[field.type])
        if field.numeric:
            self.line.setAlignment(Qt.AlignmentFlag.AlignRight)
            self.line.setInputMethodHints(Qt.InputMethodHint.ImhFormattedNumbersOnly)
        self.line.textEdited.connect(self._changed)
        self.line.returnPressed.connect(self._next_question)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.line, 0 if field.type in NARROW else 1)
        self.setFocusProxy(self.line)

    def _next_question(self) -> None:
        """Enter moves on, as Tab does: numbers are typed in a run, one after another."""
        self.line.focusNextChild()

    def value(self) -> Any:
        return self.line.text()

    def _show(self, value: Any) -> None:
        if value is None or value == []:
            text = ""
        elif self.field.type == "date" and isinstance(value, str) and len(value) == 10 \
                and value[4] == "-":
            try:
                text = date.fromisoformat(value).strftime("%d/%m/%Y")
            except ValueError:
                text = value
        elif isinstance(value, float) and value.is_integer():
            text = str(int(value))
        else:
            text = str(value)
        self.line.setText(text)
        self.line.setCursorPosition(0)

    def focus_target(self) -> QWidget:
        return self.line


class LongTextEditor(FieldEditor):
    """A few lines of free text; Tab moves on rather than typing a tab."""

    def __init__(self, field: Field, parent: QWidget | None = None) -> None:
        super().__init__(field, parent)
        self.text = QPlainTextEdit()
        self.text.setAccessibleName(field.label)
        self.text.setTabChangesFocus(True)
        self.text.setPlaceholderText(field.placeholder)
        self.text.setFixedHeight(self.text.fontMetrics().lineSpacing() * 3 + 14)
        self.text.textChanged.connect(self._changed)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.text)
        self.setFocusProxy(self.text)

    def value(self) -> Any:
        return self.text.toPlainText()

    def _show(self, value: Any) -> None:
        self.text.setPlainText("" if value is None else str(value))

    def focus_target(self) -> QWidget:
        return self.text


class RadioEditor(FieldEditor):
    """Yes or no, or one of a few choices, all visible: arrows move, letters pick."""

    def __init__(self, field: Field, options: list[tuple[str, Any]],
                 parent: QWidget | None = None) -> None:
        super().__init__(field, parent)
        self.options = options
        self.buttons: list[QRadioButton] = []
        layout = QGridLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setHorizontalSpacing(14)
        layout.setVerticalSpacing(2)
        wide = sum(len(text) for text, _value in options) > ONE_LINE_CHARACTERS
        columns = 2 if wide else len(options)
        for index, (text, _value) in enumerate(options):
            button = QRadioButton(text)
            button.setAccessibleName(f"{field.label}: {text}")
            button.toggled.connect(self._toggled)
            self.watch_keys(button)
            self.buttons.append(button)
            layout.addWidget(button, index // columns, index % columns)
        layout.setColumnStretch(columns, 1)
        self._tab_stop()

    def _toggled(self, checked: bool) -> None:
        if checked:
            self._tab_stop()
            self._changed()

    def _tab_stop(self) -> None:
        """One Tab stop per question: the chosen button, or the first when none is."""
        stop = self.focus_target()
        for button in self.buttons:
            button.setFocusPolicy(Qt.FocusPolicy.StrongFocus if button is stop
                                  else Qt.FocusPolicy.ClickFocus)
        self.setFocusProxy(stop)

    def controls(self) -> list[QWidget]:
        return list(self.buttons)

    def step(self, direction: int) -> bool:
        current = next((i for i, b in enumerate(self.buttons) if b.hasFocus()), 0)
        chosen = self.buttons[(current + direction) % len(self.buttons)]
        chosen.setChecked(True)
        chosen.setFocus(Qt.FocusReason.TabFocusReason)
        return True

    def value(self) -> Any:
        for button, (_text, value) in zip(self.buttons, self.options, strict=True):
            if button.isChecked():
                return value
        return None

    def _show(self, value: Any) -> None:
        target = None
        for button, (_text, option) in zip(self.buttons, self.options, strict=True):
            if value is not None and _same(option, value):
                target = button
        for button in self.buttons:
            button.setAutoExclusive(False)
            button.setChecked(button is target)
            button.setAutoExclusive(True)
        self._tab_stop()

    def focus_target(self) -> QWidget:
        for button in self.buttons:
            if button.isChecked():
                return button
        return self.buttons[0]

    def pick_by_letter(self, letter: str) -> bool:
        """The next choice starting with the letter (Y and N for yes or no)."""
        matches = [b for b in self.buttons if b.text().casefold().startswith(letter.casefold())]
        if not matches:
            return False
        current = next((i for i, b in enumerate(matches) if b.isChecked()), -1)
        chosen = matches[(current + 1) % len(matches)]
        chosen.setChecked(True)
        chosen.setFocus(Qt.FocusReason.ShortcutFocusReason)
        return True


def _same(option: Any, value: Any) -> bool:
    if isinstance(option, bool):
        if isinstance(value, bool):
            return option is value
        return str(value).strip().lower() in (("yes", "y", "true", "1") if option
                                              else ("no", "n", "false", "0"))
    return str(option).casefold() == str(value).strip().casefold()


class ListEditor(FieldEditor):
    """One of many choices, from a list a few rows high: the arrows (or the first letter)
    choose, and the list is named by its question, as a drop-down list is not."""

    VISIBLE_ROWS = 4

    def __init__(self, field: Field, parent: QWidget | None = None) -> None:
        super().__init__(field, parent)
        self.list = QListWidget()
        self.list.setAccessibleName(field.label)
        self.list.addItems(list(field.choices))
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        rows = min(len(field.choices), self.VISIBLE_ROWS)
        self.list.setFixedHeight(self.list.sizeHintForRow(0) * rows
                                 + 2 * self.list.frameWidth() + 2)
        self.list.itemSelectionChanged.connect(self._changed)
        self.watch_keys(self.list)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.list)
        self.setFocusProxy(self.list)

    def value(self) -> Any:
        chosen = self.list.selectedItems()
        return chosen[0].text() if chosen else None

    def _show(self, value: Any) -> None:
        self.list.clearSelection()
        self.list.setCurrentRow(-1)
        for i in range(self.list.count()):
            if value is not None and _same(self.list.item(i).text(), value):
                self.list.setCurrentRow(i)
                self.list.scrollToItem(self.list.item(i))

    def focus_target(self) -> QWidget:
        return self.list

    def step(self, direction: int) -> bool:
        chosen = self.list.selectedItems()
        current = self.list.row(chosen[0]) if chosen else -1
        target = max(0, min(self.list.count() - 1, current + direction)) if chosen else 0
        self.list.setCurrentRow(target)
        return True

    def pick_by_letter(self, letter: str) -> bool:
        matches = [i for i in range(self.list.count())
                   if self.list.item(i).text().casefold().startswith(letter.casefold())]
        if not matches:
            return False
        chosen = self.list.selectedItems()
        current = self.list.row(chosen[0]) if chosen else -1
        later = [i for i in matches if i > current]
        self.list.setCurrentRow((later or matches)[0])
        return True


class CheckListEditor(FieldEditor):
    """Several choices: a tick box each, in two columns. One Tab stop for the question;
    the arrows move between the boxes and Space ticks."""

    def __init__(self, field: Field, parent: QWidget | None = None) -> None:
        super().__init__(field, parent)
        self.boxes: list[QCheckBox] = []
        layout = QGridLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setHorizontalSpacing(14)
        columns = 2 if len(field.choices) > 3 else len(field.choices)
        for index, choice in enumerate(field.choices):
            box = QCheckBox(choice)
            box.setAccessibleName(f"{field.label}: {choice}")
            box.toggled.connect(self._changed)
            self.watch_keys(box)
            self.boxes.append(box)
            layout.addWidget(box, index // columns, index % columns)
        self._stop = self.boxes[0]
        self._tab_stop(self._stop)

    def _tab_stop(self, stop: QCheckBox) -> None:
        self._stop = stop
        for box in self.boxes:
            box.setFocusPolicy(Qt.FocusPolicy.StrongFocus if box is stop
                               else Qt.FocusPolicy.ClickFocus)
        self.setFocusProxy(stop)

    def step(self, direction: int) -> bool:
        current = next((i for i, b in enumerate(self.boxes) if b.hasFocus()),
                       self.boxes.index(self._stop))
        target = self.boxes[(current + direction) % len(self.boxes)]
        self._tab_stop(target)
        target.setFocus(Qt.FocusReason.TabFocusReason)
        return True

    def value(self) -> Any:
        return [box.text() for box in self.boxes if box.isChecked()]

    def _show(self, value: Any) -> None:
        if isinstance(value, str):
            value = [part for part in value.split(";") if part.strip()]
        chosen = {str(v).strip().casefold() for v in (value or [])}
        for box in self.boxes:
            box.setChecked(box.text().casefold() in chosen)
        self._tab_stop(self.boxes[0])

    def focus_target(self) -> QWidget:
        return self._stop

    def controls(self) -> list[QWidget]:
        return list(self.boxes)


def make_editor(field: Field, parent: QWidget | None = None) -> FieldEditor:
    """The control for a field of any declared type."""
    if field.type == "long_text":
        return LongTextEditor(field, parent)
    if field.type == "yes_no":
        return RadioEditor(field, [("Yes", True), ("No", False)], parent)
    if field.type == "choice":
        if len(field.choices) <= RADIO_LIMIT:
            return RadioEditor(field, [(c, c) for c in field.choices], parent)
        return ListEditor(field, parent)
    if field.type == "multi_choice":
        return CheckListEditor(field, parent)
    return LineEditor(field, parent)
