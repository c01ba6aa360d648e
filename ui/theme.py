"""Icons and the stylesheet, read from ``ui/resources/`` through QDir search paths.

``icons:calls.svg`` and ``styles:style.qss`` name files in the package's resources
folder, found with importlib.resources so that they travel with an installed package
and the desktop bundle (frescobaldi's ``icons/__init__.py`` does the same); there is no generated
resource module to rebuild. Icons are drawn in the palette's text colour, so they
follow a light or dark scheme, and are drawn again when the scheme changes.
"""

from __future__ import annotations

import logging
from importlib import resources
from pathlib import Path

from PySide6.QtCore import QByteArray, QDir, QFile, QIODevice, QObject, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QGuiApplication, QIcon, QPainter, QPalette, QPixmap
from PySide6.QtWidgets import QApplication

log = logging.getLogger(__name__)

# Installed as files (a wheel, or unpacked by the bundle), so a plain path QDir can use.
RESOURCES = Path(str(resources.files("ui").joinpath("resources")))
ICON_SIZES = (16, 20, 24, 32, 48)
_cache: dict[str, QIcon] = {}


class _ThemeEvents(QObject):
    sig_changed = Signal()  # the colour scheme changed: icons and styles were redrawn


events = _ThemeEvents()


def _read(path: str) -> bytes:
    handle = QFile(path)
    if not handle.open(QIODevice.OpenModeFlag.ReadOnly):
        return b""
    try:
        return bytes(handle.readAll().data())
    finally:
        handle.close()


def _ensure_search_paths() -> None:
    if not QDir.searchPaths("icons"):
        QDir.setSearchPaths("icons", [str(RESOURCES / "icons")])
        QDir.setSearchPaths("styles", [str(RESOURCES)])


def _text_colour() -> str:
    app = QGuiApplication.instance()
    if not isinstance(app, QGuiApplication):
        return "#444444"
    return app.palette().color(QPalette.ColorRole.WindowText).name()


def icon(name: str) -> QIcon:
    """The icon ``ui/resources/icons/<name>.svg`` in the text colour; empty if missing."""
    found = _cache.get(name)
    if found is not None:
        return found
    _ensure_search_paths()
    data = _read(f"icons:{name}.svg")
    result = QIcon()
    if data:
        from PySide6.QtSvg import QSvgRenderer

        renderer = QSvgRenderer(QByteArray(data.replace(b"currentColor",
                                                        _text_colour().encode())))
        for size in ICON_SIZES:
            pixmap = QPixmap(QSize(size, size))
            pixmap.fill(Qt.GlobalColor.transparent)
            painter = QPainter(pixmap)
            renderer.render(painter, QRectF(0, 0, size, size))
            painter.end()
            result.addPixmap(pixmap)
    else:
        log.warning("no icon called %s in %s", name, RESOURCES / "icons")
    _cache[name] = result
    return result


def stylesheet() -> str:
    _ensure_search_paths()
    return _read("styles:style.qss").decode("utf-8")


def apply(app: QApplication) -> None:
    """Put the stylesheet on the application and make icons follow the scheme."""
    _ensure_search_paths()
    if app.style().name().lower() == "windows":  # the old style has no dark palette
        app.setStyle("Fusion")
    app.setStyleSheet(stylesheet())
    if not app.property("outbound_theme_watched"):
        app.setProperty("outbound_theme_watched", True)
        app.styleHints().colorSchemeChanged.connect(lambda _scheme: restyle(app))


def restyle(app: QApplication) -> None:
    """Draw the icons and styles again after the palette or colour scheme changed."""
    _cache.clear()
    app.setStyleSheet(stylesheet())
    events.sig_changed.emit()
