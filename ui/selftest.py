"""The desktop client's part of ``outbound --self-test`` (outbound/selftest.py runs it).

Qt is started on whatever platform is set (offscreen included), and the things a
bundle most often loses are used for real: the SVG icons and the stylesheet from the
package, the platform and image-format plugins, and QtCharts drawing a chart.
"""

from __future__ import annotations

from outbound.selftest import Check, CheckFailed

_started: list[bool] = []   # the Qt check passed: a QApplication may be made


def _application():  # type: ignore[no-untyped-def]
    """The application, made once the Qt check has passed: making one where Qt cannot
    start aborts the process, and then nobody reads a verdict."""
    from PySide6.QtWidgets import QApplication

    if not _started:
        raise CheckFailed("not tried, because Qt cannot start here (see the first line).")
    app = QApplication.instance()
    if app is None:
        app = QApplication(["outbound"])
        app.setApplicationName("Outbound")
        app.setOrganizationName("Outbound")
    return app


def _qt() -> str:
    from ui.launch import check_qt_can_start

    problem = check_qt_can_start()
    if problem:
        raise CheckFailed(problem)
    from PySide6 import __version__ as pyside_version
    from PySide6.QtCore import qVersion

    _started.append(True)
    app = _application()
    return f"Qt {qVersion()} (PySide6 {pyside_version}) on the “{app.platformName()}” platform"


def _not_blank(image) -> bool:  # type: ignore[no-untyped-def]
    """Whether anything was drawn: more than one colour in a coarse grid of pixels."""
    width, height = image.width(), image.height()
    seen = {image.pixel(x, y) for x in range(0, width, max(1, width // 16))
            for y in range(0, height, max(1, height // 16))}
    return len(seen) > 1


def _icons() -> str:
    from PySide6.QtCore import QSize
    from PySide6.QtGui import QImageReader

    from ui import theme

    _application()
    names = sorted(path.stem for path in (theme.RESOURCES / "icons").glob("*.svg"))
    if not names:
        raise CheckFailed(f"no icons were found in {theme.RESOURCES / 'icons'}; "
                          "reinstall Outbound.")
    blank = [name for name in names
             if not _not_blank(theme.icon(name).pixmap(QSize(32, 32)).toImage())]
    if blank:
        raise CheckFailed(f"these icons drew nothing: {', '.join(blank)}; Qt's SVG support "
                          "(QtSvg) is missing or broken.")
    formats = {bytes(f.data()).decode() for f in QImageReader.supportedImageFormats()}
    plugin = "the SVG image plugin loads" if "svg" in formats else \
        "no SVG image plugin (not needed: icons are drawn by QtSvg)"
    return f"{len(names)} SVG icons drawn; {plugin}"


def _stylesheet() -> str:
    from ui import theme

    app = _application()
    text = theme.stylesheet()
    if not text.strip():
        raise CheckFailed(f"the stylesheet {theme.RESOURCES / 'style.qss'} is missing or "
                          "empty; reinstall Outbound.")
    app.setStyleSheet(text)
    return f"{len(text.splitlines())} lines applied"


def _chart() -> str:
    from PySide6.QtCharts import QChart, QChartView, QLineSeries
    from PySide6.QtCore import QPointF

    _application()
    series = QLineSeries()
    for x, y in ((0, 720), (1, 610), (2, 380), (3, 150), (4, 0)):
        series.append(QPointF(x, y))
    chart = QChart()
    chart.addSeries(series)
    chart.createDefaultAxes()
    chart.setTitle("Calls left")
    view = QChartView(chart)
    view.resize(400, 300)
    image = view.grab().toImage()
    view.deleteLater()
    if image.isNull() or not _not_blank(image):
        raise CheckFailed("a QtCharts chart drew nothing; the QtCharts library is missing "
                          "or broken.")
    return f"a QtCharts line chart drawn at {image.width()}x{image.height()}"


def checks() -> list[Check]:
    return [
        Check("Qt", _qt),
        Check("icons", _icons),
        Check("stylesheet", _stylesheet),
        Check("chart", _chart),
    ]
