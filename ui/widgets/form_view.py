"""A campaign's form, drawn from its declaration: a row per field, in the form's order.

The view shows what the engine says about the answers (``Validation``): which fields
are shown (show-when conditions), the message under a field that cannot be saved, and
"is that right?" checks with a tick box that records the confirmation. It holds no
rules of its own: the screen asks the engine (``validate``) and hands the result here.

Answers carried forward from the last round are marked ("from 23 Nov", muted) while
they still hold last time's value; answers taken from the contact's record (the
interpreter their needs name) are marked "from their record" the same way. The help
of a field shows under it while it has the focus, in a place kept for it, so the
questions below never move; the view scrolls to keep the focused field in sight.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from outbound.forms import Field, FormDefinition, Validation
from ui.widgets.form_fields import FieldEditor, make_editor

LABEL_WIDTH = 230
FROM_CONTACT = "from their record"


def _refresh_style(widget: QWidget) -> None:
    widget.style().unpolish(widget)
    widget.style().polish(widget)


class FormRow(QFrame):
    """One question: its label, control, unit, carried-forward tag and messages."""

    def __init__(self, field: Field, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("formRow")
        self.field = field
        self.editor: FieldEditor = make_editor(field)
        label_text = field.label + ("" if field.required else "  (optional)")
        self.label = QLabel(label_text)
        self.label.setObjectName("fieldLabel")
        self.label.setWordWrap(True)
        self.label.setFixedWidth(LABEL_WIDTH)
        self.label.setBuddy(self.editor)
        self.unit = QLabel(field.unit)
        self.unit.setObjectName("fieldUnit")
        self.carried_tag = QLabel()
        self.carried_tag.setObjectName("carriedTag")
        self.carried_tag.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.carried_tag.hide()
        self.help = QLabel(field.help)
        self.help.setObjectName("fieldHelp")
        self.help.setWordWrap(True)
        keep = self.help.sizePolicy()    # its place is kept: the questions below never move
        keep.setRetainSizeWhenHidden(True)
        self.help.setSizePolicy(keep)
        self.help.hide()
        self.error = QLabel()
        self.error.setObjectName("fieldError")
        self.error.setWordWrap(True)
        self.error.setAccessibleName(f"Problem with {field.label}")
        self.error.hide()
        self.soft = QLabel()
        self.soft.setObjectName("fieldSoft")
        self.soft.setWordWrap(True)
        self.confirm = QCheckBox("Yes, that's right")
        self.confirm.setAccessibleName(f"Confirm {field.label} is right")
        self.soft_box = QWidget()
        soft_layout = QHBoxLayout(self.soft_box)
        soft_layout.setContentsMargins(0, 0, 0, 0)
        soft_layout.addWidget(self.soft, 1)
        soft_layout.addWidget(self.confirm, 0, Qt.AlignmentFlag.AlignTop)
        self.soft_box.hide()
        description = field.help or field.label
        self.editor.focus_target().setAccessibleDescription(description)

        line = QHBoxLayout()
        line.setContentsMargins(0, 0, 0, 0)
        line.setSpacing(6)
        line.addWidget(self.editor, 0 if field.type in ("integer", "decimal", "date", "time")
                       else 1)
        line.addWidget(self.unit, 0, Qt.AlignmentFlag.AlignTop)
        line.addWidget(self.carried_tag, 0, Qt.AlignmentFlag.AlignTop)
        line.addStretch(0 if field.type not in ("integer", "decimal", "date", "time") else 1)
        right = QVBoxLayout()
        right.setContentsMargins(0, 0, 0, 0)
        right.setSpacing(2)
        right.addLayout(line)
        right.addWidget(self.help)
        right.addWidget(self.error)
        right.addWidget(self.soft_box)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 3, 4, 3)
        layout.setSpacing(10)
        layout.addWidget(self.label, 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(right, 1)
        if not field.unit:
            self.unit.hide()

    def show_carried(self, label: str | None, what: str = "Last time's answer") -> None:
        """Tag an answer the agent did not type: last time's (``label`` "from 23 Nov")
        or one taken from the contact's record (``what`` says which)."""
        carried = bool(label)
        self.carried_tag.setText(label or "")
        self.carried_tag.setAccessibleName(f"{what}, {label}" if label else "")
        self.carried_tag.setVisible(carried)
        if self.property("carried") != carried:
            self.setProperty("carried", carried)
            _refresh_style(self)
            for child in self.editor.findChildren(QWidget):
                _refresh_style(child)
            help_text = self.field.help or self.field.label
            self.editor.focus_target().setAccessibleDescription(
                f"{what}, {label}. {help_text}" if carried else help_text)

    def show_error(self, text: str | None) -> None:
        self.error.setText(text or "")
        self.error.setVisible(bool(text))
        if self.property("problem") != bool(text):
            self.setProperty("problem", bool(text))
            _refresh_style(self)

    def show_soft(self, message: str | None, confirmed: bool) -> None:
        self.soft.setText(message or "")
        self.soft_box.setVisible(bool(message))
        self.confirm.blockSignals(True)
        self.confirm.setChecked(confirmed)
        self.confirm.blockSignals(False)
        self.confirm.setAccessibleDescription(message or "")

    def show_help(self, shown: bool) -> None:
        self.help.setVisible(shown and bool(self.field.help))


class FormView(QScrollArea):
    """``edited`` when the person changes an answer or confirms a check;
    ``sig_digit_pressed(str)`` when a digit is typed on a control that is not text
    (the screen explains that Alt+digit records an outcome from inside the form)."""

    edited = Signal()
    sig_digit_pressed = Signal(str)

    def __init__(self, form: FormDefinition, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.form = form
        self.setObjectName("formView")
        self.setAccessibleName("Answers")
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        inner = QWidget()
        inner.setObjectName("formInner")
        layout = QVBoxLayout(inner)
        layout.setContentsMargins(2, 2, 8, 2)
        layout.setSpacing(1)
        self.rows: dict[str, FormRow] = {}
        for field in form.fields:
            row = FormRow(field, inner)
            row.editor.edited.connect(self._edited)
            row.confirm.toggled.connect(lambda on, name=field.name: self._confirmed(name, on))
            self.rows[field.name] = row
            layout.addWidget(row)
        layout.addStretch(1)
        self.setWidget(inner)
        self._confirmations: dict[str, Any] = {}
        self._soft: dict[str, str] = {}
        self._carried: dict[str, Any] = {}
        self._from_contact: dict[str, Any] = {}
        self._carried_label = ""
        self._focused_row: FormRow | None = None
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.connect(self._focus_changed)

    # -- loading and reading ----------------------------------------------------------

    def load(self, answers: dict[str, Any], confirmations: dict[str, Any],
             carried: dict[str, Any], carried_label: str, *,
             from_contact: dict[str, Any] | None = None) -> None:
        """Put a call's answers in, without counting as an edit. ``from_contact`` are
        those taken from the contact's record, tagged until the agent changes them."""
        self._confirmations = dict(confirmations)
        self._carried = dict(carried)
        self._from_contact = dict(from_contact or {})
        self._carried_label = carried_label
        self._soft = {}
        for name, row in self.rows.items():
            row.editor.set_value(answers.get(name))
        # Messages, checks and carried tags follow from show_check, which comes next.
        self.verticalScrollBar().setValue(0)

    def answers(self) -> dict[str, Any]:
        """Every answer given, as typed (hidden fields too: the engine drops those)."""
        found: dict[str, Any] = {}
        for name, row in self.rows.items():
            value = row.editor.value()
            if value is None or value == [] or (isinstance(value, str) and not value.strip()):
                continue
            found[name] = value
        return found

    def confirmations(self) -> dict[str, Any]:
        return dict(self._confirmations)

    def carried_names(self, check: Validation) -> list[str]:
        """Fields whose answer is still last time's."""
        return [name for name, value in self._carried.items()
                if name in check.cleaned and check.cleaned[name] == value]

    # -- what the engine says ------------------------------------------------------------

    def show_check(self, check: Validation, *, final: bool) -> None:
        """Show and hide fields, messages, checks and carried tags for these answers."""
        visible = set(check.visible)
        self._soft = dict(check.soft)
        for name in list(self._confirmations):
            if name not in check.confirmed and name not in check.soft:
                del self._confirmations[name]      # the check no longer applies
        carried = set(self.carried_names(check))
        for name, row in self.rows.items():
            shown = name in visible
            if row.isHidden() == shown:
                row.setVisible(shown)
            error = check.errors.get(name)
            if error and not final and error.endswith("needs an answer."):
                error = None
            row.show_error(error if shown else None)
            if name in check.soft:
                row.show_soft(check.soft[name], False)
            elif name in check.confirmed:
                row.show_soft(check.confirmed[name], True)
            else:
                row.show_soft(None, False)
            if name in carried:
                row.show_carried(self._carried_label)
            elif name in check.cleaned and self._from_contact.get(name) == check.cleaned[name]:
                row.show_carried(FROM_CONTACT, "Taken from the contact's record")
            else:
                row.show_carried(None)

    def first_problem(self, check: Validation) -> str | None:
        for name in self.form.names:
            if name in check.errors or name in check.soft:
                return name
        return None

    def focus_field(self, name: str) -> None:
        row = self.rows.get(name)
        if row is None:
            return
        target = row.confirm if (name in self._soft and not row.error.isVisible()) \
            else row.editor.focus_target()
        target.setFocus(Qt.FocusReason.OtherFocusReason)
        self.ensureWidgetVisible(row)

    def tab_chain(self) -> list[QWidget]:
        """Every control of every question in the form's order, for the Tab chain. Tab
        stops once per question (at its chosen answer, or its first), and at a check's
        "Yes, that's right" while it is shown."""
        chain: list[QWidget] = []
        for row in self.rows.values():
            chain.extend(row.editor.controls())
            chain.append(row.confirm)
        return chain

    def first_control(self) -> QWidget | None:
        for row in self.rows.values():
            if not row.isHidden():
                return row.editor.focus_target()
        return None

    # -- the person -------------------------------------------------------------------

    def _edited(self) -> None:
        self.edited.emit()

    def _confirmed(self, name: str, on: bool) -> None:
        if on and name in self._soft:
            self._confirmations[name] = self._soft[name]
        elif not on:
            self._confirmations.pop(name, None)
        self.edited.emit()

    def _focus_changed(self, _old: QWidget | None, new: QWidget | None) -> None:
        row = None
        widget = new
        while widget is not None:
            if isinstance(widget, FormRow):
                row = widget
                break
            if widget is self:
                break
            widget = widget.parentWidget()
        if row is self._focused_row:
            return
        if self._focused_row is not None:
            self._focused_row.show_help(False)
        self._focused_row = row
        if row is not None and row.parentWidget() is self.widget():
            row.show_help(True)
            self.ensureWidgetVisible(row, 0, 40)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        text = event.text()
        if text.isdigit() and not (event.modifiers() & Qt.KeyboardModifier.AltModifier):
            self.sig_digit_pressed.emit(text)
            event.accept()
            return
        super().keyPressEvent(event)
