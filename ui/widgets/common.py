"""Small builders the screens share, so every control gets an accessible name."""

from __future__ import annotations

from typing import TypeVar

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

W = TypeVar("W", bound=QWidget)


def named(widget: W, name: str, tip: str = "") -> W:
    """Give a control the name a screen reader says (and a tooltip when useful)."""
    widget.setAccessibleName(name)
    if tip:
        widget.setToolTip(tip)
    return widget


def title_label(text: str) -> QLabel:
    label = QLabel(text)
    label.setProperty("role", "screen-title")
    label.setAccessibleName(text)
    return label


def hint_label(text: str = "") -> QLabel:
    label = QLabel(text)
    label.setProperty("role", "hint")
    label.setWordWrap(True)
    return label


def section_label(text: str, buddy: QWidget | None = None) -> QLabel:
    label = QLabel(text)
    label.setProperty("role", "section")
    if buddy is not None:
        label.setBuddy(buddy)
    return label


def buddy_label(text: str, buddy: QWidget) -> QLabel:
    """A form label whose Alt+letter moves to ``buddy`` (for rows that hold a layout)."""
    label = QLabel(text)
    label.setBuddy(buddy)
    return label


def action_button(action: QAction) -> QToolButton:
    """A button that triggers ``action`` and shows its words, icon and shortcut tip."""
    button = QToolButton()
    button.setDefaultAction(action)
    button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
    button.setAccessibleName(action.text().replace("&", "").rstrip("…"))
    button.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
    return button


class ScreenMessage(QWidget):
    """A screen that has nothing to show yet, saying why in a sentence or two."""

    def __init__(self, title: str, text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("placeholder")
        heading = title_label(title)
        body = QLabel(text)
        body.setWordWrap(True)
        body.setAccessibleName(text)
        body.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.text = text
        layout = QVBoxLayout(self)
        layout.setContentsMargins(40, 40, 40, 40)
        layout.addWidget(heading)
        layout.addWidget(body)
        layout.addStretch(1)


def dialog_buttons(dialog: QDialog, ok_text: str) -> tuple[QDialogButtonBox, QPushButton]:
    """OK and Cancel for ``dialog``, OK worded for what it does ("&Enrol"), wired to
    accept and reject."""
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                               | QDialogButtonBox.StandardButton.Cancel)
    ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
    ok.setText(ok_text)
    ok.setAccessibleName(ok_text.replace("&", ""))
    buttons.accepted.connect(dialog.accept)
    buttons.rejected.connect(dialog.reject)
    return buttons, ok


def confirm(parent: QWidget, title: str, text: str, yes: str) -> bool:
    """Ask before something that cannot be undone; No is the default answer."""
    from PySide6.QtWidgets import QMessageBox

    box = QMessageBox(QMessageBox.Icon.Question, title, text, QMessageBox.StandardButton.NoButton,
                      parent)
    yes_button = box.addButton(yes, QMessageBox.ButtonRole.AcceptRole)
    no_button = box.addButton("Cancel", QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(no_button)
    box.exec()
    return box.clickedButton() is yes_button


def screen_toolbar(actions: list[QAction], name: str) -> QWidget:
    """A row of the screen's actions, folding into a » menu when the window is narrow."""
    from PySide6.QtWidgets import QToolBar

    bar = QToolBar(name)
    bar.setAccessibleName(name)
    bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
    bar.setIconSize(QSize(18, 18))
    for action in actions:
        bar.addAction(action)
        button = bar.widgetForAction(action)
        if button is not None:
            button.setAccessibleName(action.text().replace("&", "").rstrip("…"))
    return bar
