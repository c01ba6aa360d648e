"""Giving each district's open calls to one agent."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from ui.widgets.common import dialog_buttons, hint_label, named

NOBODY = "Leave as it is"


class DistrictDialog(QDialog):
    """``chosen`` maps district to agent once accepted (districts left alone are out)."""

    def __init__(self, districts: list[str], agents: list[str],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Give each district to an agent")
        self.chosen: dict[str, str] = {}
        self.combos: dict[str, QComboBox] = {}
        form = QFormLayout()
        for district in districts:
            combo = named(QComboBox(), f"Agent for {district}")
            combo.addItem(NOBODY, None)
            for agent in agents:
                combo.addItem(agent, agent)
            self.combos[district] = combo
            form.addRow(f"{district}:", combo)
        holder = QWidget()
        holder.setLayout(form)
        scroll = QScrollArea()
        scroll.setWidget(holder)
        scroll.setWidgetResizable(True)
        buttons, _ok = dialog_buttons(self, "&Give calls")
        layout = QVBoxLayout(self)
        layout.addWidget(hint_label("Each district's open calls in this campaign go on the "
                                    "chosen agent's list."))
        layout.addWidget(scroll, 1)
        layout.addWidget(buttons)
        self.resize(420, 460)

    def choose(self, district: str, agent: str) -> None:
        combo = self.combos[district]
        combo.setCurrentIndex(combo.findData(agent))

    def accept(self) -> None:
        self.chosen = {d: c.currentData() for d, c in self.combos.items() if c.currentData()}
        super().accept()
