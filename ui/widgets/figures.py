"""Figure tiles: one big number with a caption, for the dashboard and reports."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QVBoxLayout, QWidget


class FigureTile(QFrame):
    """"312" over "calls done"; the accessible name reads both."""

    def __init__(self, caption: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("figure")
        self.caption = caption
        self.value = QLabel("–")
        self.value.setProperty("role", "figure-value")
        self.value.setAlignment(Qt.AlignmentFlag.AlignLeft)
        self.caption_label = QLabel(caption)
        self.caption_label.setProperty("role", "figure-caption")
        self.caption_label.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 6, 10, 6)
        layout.setSpacing(0)
        layout.addWidget(self.value)
        layout.addWidget(self.caption_label)
        self.set_value("–")

    def set_value(self, text: str, tip: str = "") -> None:
        self.value.setText(text)
        self.setAccessibleName(f"{self.caption}: {text}")
        self.setToolTip(tip)


class FigureGrid(QWidget):
    """Tiles in rows of ``columns``, addressed by a short key."""

    def __init__(self, captions: dict[str, str], columns: int = 4,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tiles: dict[str, FigureTile] = {}
        layout = QGridLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for index, (key, caption) in enumerate(captions.items()):
            tile = FigureTile(caption)
            self.tiles[key] = tile
            layout.addWidget(tile, index // columns, index % columns)

    def set(self, key: str, text: str, tip: str = "") -> None:
        self.tiles[key].set_value(text, tip)

    def value(self, key: str) -> str:
        return self.tiles[key].value.text()
