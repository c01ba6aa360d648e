"""The call script with the contact's details filled in.

Lines in square brackets are directions to the agent ("[If yes]"), not words to say:
they are shown muted and in italics so that the eye skips them while reading aloud.
"""

from __future__ import annotations

import html
import re

from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QFrame, QTextBrowser, QWidget

_DIRECTION = re.compile(r"\[([^\[\]\n]+)\]")


def script_html(text: str, muted: str = "#6b6b6b") -> str:
    """Paragraphs of the script as HTML, with directions set apart in ``muted``."""
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text.strip()) if p.strip()]
    parts = []
    for paragraph in paragraphs:
        escaped = html.escape(paragraph).replace("\n", "<br>")
        escaped = _DIRECTION.sub(rf'<i style="color:{muted}">[\1]</i>', escaped)
        parts.append(f'<p style="margin:0 0 8px 0">{escaped}</p>')
    return "".join(parts)


class ScriptView(QTextBrowser):
    """Read-only; reachable by Tab so a screen reader can read it out."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("scriptView")
        self.setAccessibleName("Script")
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setOpenLinks(False)
        self.setTabChangesFocus(True)
        self.text = ""

    def show_script(self, text: str) -> None:
        self.text = text
        muted = self.palette().color(QPalette.ColorRole.PlaceholderText).name()
        self.setHtml(script_html(text, muted))
        self.verticalScrollBar().setValue(0)
