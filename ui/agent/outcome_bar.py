"""A button per outcome of the campaign, with its key from the template.

The keys themselves live on the call screen (digits when the focus is not in the form,
Alt+digit always); the bar shows them on every button so they are learnt by looking.
An outcome that stops all calls to the person asks for its key a second time.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QGridLayout, QPushButton, QWidget

from outbound.campaigns.template import Outcome

PER_ROW = 6


def outcome_kind(outcome: Outcome) -> str:
    """How a button looks: "done" finishes the call, "stop" stops all calls."""
    if outcome.suppresses:
        return "stop"
    if outcome.completes and outcome.needs_form:
        return "done"
    return "other"


class OutcomeBar(QWidget):
    """``sig_chosen(code)`` when a button is pressed."""

    sig_chosen = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("outcomeBar")
        self.setAccessibleName("Outcomes")
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setSpacing(6)
        self.buttons: dict[str, QPushButton] = {}
        self._codes: tuple[str, ...] = ()

    def set_outcomes(self, outcomes: tuple[Outcome, ...]) -> None:
        codes = tuple(o.code for o in outcomes)
        if codes == self._codes:
            return
        for button in self.buttons.values():   # gone at once, not when Qt gets round to it
            self.grid.removeWidget(button)
            button.hide()
            button.setParent(None)
            button.deleteLater()
        self.buttons = {}
        self._codes = codes
        for index, outcome in enumerate(outcomes):
            key = outcome.key.upper()
            button = QPushButton(f"{key}  {outcome.label}")
            button.setObjectName("outcomeButton")
            button.setProperty("kind", outcome_kind(outcome))
            button.setAutoDefault(False)
            button.setAccessibleName(f"{outcome.label} (key {key})")
            button.setToolTip(f"{outcome.description}\nKey {key}, or Alt+{key} from anywhere"
                              if outcome.description else f"Key {key}, or Alt+{key}")
            button.clicked.connect(lambda _c=False, code=outcome.code: self.sig_chosen.emit(code))
            self.grid.addWidget(button, index // PER_ROW, index % PER_ROW)
            self.buttons[outcome.code] = button

    def first_button(self) -> QPushButton | None:
        return next(iter(self.buttons.values()), None)
