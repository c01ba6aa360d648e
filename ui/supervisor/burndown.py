"""The burn-down chart: calls left in the round over time, and the forecast finish at
today's rate as a dashed line to zero."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from PySide6.QtCharts import QChart, QChartView, QDateTimeAxis, QLineSeries, QValueAxis
from PySide6.QtCore import QDateTime, QMargins, Qt
from PySide6.QtGui import QBrush, QColor, QPainter, QPalette, QPen
from PySide6.QtWidgets import QWidget

from outbound.clock import to_london
from outbound.dashboard import BurnDown


def _ms(when: datetime) -> float:
    return float(QDateTime.fromSecsSinceEpoch(int(when.timestamp())).toMSecsSinceEpoch())


def _nice_span(start: datetime, end: datetime) -> tuple[datetime, datetime, int, str]:
    """Round the time axis out to whole hours (or days), with ticks that land on them."""
    unit, fmt = timedelta(hours=1), "HH:mm"
    if end - start > timedelta(hours=48):
        unit, fmt = timedelta(days=1), "dd/MM"
    local = to_london(start)
    floor = (local.replace(minute=0, second=0, microsecond=0) if unit.days == 0 else
             local.replace(hour=0, minute=0, second=0, microsecond=0))
    units = max(1, math.ceil((end - floor) / unit))
    step = max(1, math.ceil(units / 12))
    units = math.ceil(units / step) * step
    return floor, floor + units * unit, units // step + 1, fmt


class BurnDownChart(QChartView):
    """Draws a BurnDown; ``describe()`` says the same in words for screen readers."""

    def __init__(self, parent: QWidget | None = None) -> None:
        self.chart_ = QChart()
        super().__init__(self.chart_, parent)
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setAccessibleName("Burn-down: calls left over time")
        self.viewport().setAccessibleName("Burn-down chart")
        self.setMinimumHeight(220)
        self.chart_.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
        self.chart_.setMargins(QMargins(4, 4, 4, 4))
        self.chart_.setBackgroundRoundness(0)
        self.left = QLineSeries()
        self.left.setName("Calls left")
        self.forecast = QLineSeries()
        self.forecast.setName("Forecast at today's rate")
        self.chart_.addSeries(self.left)
        self.chart_.addSeries(self.forecast)
        self.x_axis = QDateTimeAxis()
        self.x_axis.setFormat("HH:mm")
        self.x_axis.setTickCount(7)
        self.y_axis = QValueAxis()
        self.y_axis.setLabelFormat("%d")
        self.y_axis.setTitleText("Calls left")
        self.chart_.addAxis(self.x_axis, Qt.AlignmentFlag.AlignBottom)
        self.chart_.addAxis(self.y_axis, Qt.AlignmentFlag.AlignLeft)
        for series in (self.left, self.forecast):
            series.attachAxis(self.x_axis)
            series.attachAxis(self.y_axis)
        self.text = "No calls yet."
        self.follow_palette()

    def follow_palette(self) -> None:
        """Colours from the window's palette, so the chart reads in light and dark."""
        palette = self.palette()
        text = palette.color(QPalette.ColorRole.WindowText)
        grid = palette.color(QPalette.ColorRole.Mid)
        self.chart_.setBackgroundBrush(QBrush(palette.color(QPalette.ColorRole.Base)))
        self.chart_.legend().setLabelColor(text)
        for axis in (self.x_axis, self.y_axis):
            axis.setLabelsColor(text)
            axis.setTitleBrush(QBrush(text))
            axis.setGridLineColor(grid)
            axis.setLinePenColor(grid)
        accent = palette.color(QPalette.ColorRole.Highlight)
        self.left.setPen(QPen(accent, 2.5))
        dashed = QPen(QColor(accent).lighter(130) if text.lightness() > 128
                      else QColor(accent).darker(110), 2, Qt.PenStyle.DashLine)
        self.forecast.setPen(dashed)

    def show_burndown(self, data: BurnDown, forecast_finish: datetime | None,
                      now: datetime) -> None:
        self.left.clear()
        self.forecast.clear()
        if not data.points:
            self.text = "No calls in this round yet."
            return
        for when, left in data.points:
            self.left.append(_ms(when), left)
        start = data.points[0][0]
        end = data.points[-1][0]
        if forecast_finish is not None and data.left_now > 0:
            self.forecast.append(_ms(max(now, end)), data.left_now)
            self.forecast.append(_ms(forecast_finish), 0)
            end = max(end, forecast_finish)
        start, end, ticks, fmt = _nice_span(start, end)
        self.x_axis.setFormat(fmt)
        self.x_axis.setTickCount(ticks)
        self.x_axis.setRange(QDateTime.fromMSecsSinceEpoch(int(_ms(start))),
                             QDateTime.fromMSecsSinceEpoch(int(_ms(end))))
        self.y_axis.setRange(0, max(1, data.total))
        self.y_axis.applyNiceNumbers()
        done = data.total - data.left_now
        self.text = f"{done:,} of {data.total:,} calls finished, {data.left_now:,} left"
        if forecast_finish is not None and data.left_now > 0:
            finish = to_london(forecast_finish)
            self.text += f"; at today's rate the last is done {finish:%H:%M %d/%m}"
        self.text += "."
        self.setAccessibleDescription(self.text)
        self.setToolTip(self.text)

    def describe(self) -> str:
        return self.text
