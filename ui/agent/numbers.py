"""The contact's numbers, big enough to read out, each with a Call button.

Call hands a ``tel:`` address to the computer's softphone (QDesktopServices), so the
client never dials by itself. Numbers that cannot be called (invalid, "ex-directory",
premium rate) are listed greyed out with the reason, so the agent knows why there is no
button; a number marked as a wrong number is struck out too.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QGridLayout, QLabel, QPushButton, QWidget

from outbound.numbers import WRONG_NUMBER_NOTE
from ui.agent.call_data import PhoneLine

MAX_NUMBERS = 4
LINE_TYPES = {"mobile": "mobile", "fixed_line": "landline", "landline": "landline",
              "premium": "premium rate", "voip": "internet phone", "toll_free": "freephone"}


def open_in_softphone(url: str) -> bool:
    """Hand a tel: address to the system; False when no softphone would take it (tests
    replace this)."""
    from ui.agent.softphone import softphone_installed

    return softphone_installed() and QDesktopServices.openUrl(QUrl(url))


class PhoneNumbers(QWidget):
    """``sig_dialled(PhoneLine, bool)`` when Call is pressed: the number, and whether a
    softphone took it (if not, the agent dials it by hand)."""

    sig_dialled = Signal(object, bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Numbers")
        grid = QGridLayout(self)
        grid.setContentsMargins(10, 0, 10, 4)
        grid.setHorizontalSpacing(10)
        grid.setVerticalSpacing(0)
        grid.setColumnStretch(0, 1)
        self.lines: list[PhoneLine] = []
        # A fixed set of rows made once, so that the tab order never changes between calls.
        self.rows: list[tuple[QLabel, QLabel, QPushButton]] = []
        for index in range(MAX_NUMBERS):
            number = QLabel()
            number.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            detail = QLabel()
            detail.setObjectName("phoneDetail")
            detail.setWordWrap(True)
            button = QPushButton("Call")
            button.setObjectName("callButton")
            button.setAutoDefault(False)
            button.clicked.connect(lambda _c=False, i=index: self._pressed(i))
            grid.addWidget(number, index * 2, 0)
            grid.addWidget(detail, index * 2 + 1, 0)
            grid.addWidget(button, index * 2, 1, 2, 1, Qt.AlignmentFlag.AlignVCenter)
            self.rows.append((number, detail, button))
        self.none = QLabel("No number to call.")
        grid.addWidget(self.none, MAX_NUMBERS * 2, 0)

    @property
    def buttons(self) -> list[QPushButton]:
        return [button for (_n, _d, button), line in zip(self.rows, self.lines, strict=False)
                if line.usable]

    def show_numbers(self, lines: list[PhoneLine]) -> None:
        self.lines = lines[:MAX_NUMBERS]
        first = True
        for index, (number, detail, button) in enumerate(self.rows):
            line = self.lines[index] if index < len(self.lines) else None
            for widget in (number, detail):
                widget.setVisible(line is not None)
            button.setVisible(line is not None and line.usable)
            if line is None:
                continue
            number.setText(line.display)
            number.setObjectName("phoneNumber" if line.usable else "phoneNumberUnusable")
            number.style().unpolish(number)
            number.style().polish(number)
            wrong = not line.usable and line.note == WRONG_NUMBER_NOTE
            font = number.font()
            font.setStrikeOut(wrong)             # kept in sight, struck out
            number.setFont(font)
            number.setAccessibleName(f"Number {index + 1}: {line.display}"
                                     + (", wrong number" if wrong else ""))
            details = [LINE_TYPES.get(line.line_type or "", "")]
            if line.extension:
                details.append(f"ext. {line.extension}")
            if not line.usable:
                details.append(line.note or "cannot be called")
            elif line.note:
                details.append(line.note)
            detail.setText(" · ".join(d for d in details if d))
            detail.setVisible(bool(detail.text()))
            if line.usable:
                shortcut = " (Ctrl+D)" if first else ""
                first = False
                button.setToolTip(f"Ring {line.display} on your softphone{shortcut}")
                button.setAccessibleName(f"Call {line.display}")
        self.none.setVisible(not any(line.usable for line in self.lines))

    def _pressed(self, index: int) -> None:
        if index < len(self.lines):
            self.dial(self.lines[index])

    def dial(self, line: PhoneLine | None = None) -> bool:
        """Ring a number (the first callable one by default)."""
        if line is None:
            usable = [each for each in self.lines if each.usable]
            if not usable:
                return False
            line = usable[0]
        handed = open_in_softphone(line.tel_url)
        self.sig_dialled.emit(line, handed)
        return handed
