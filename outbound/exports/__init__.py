"""Exports for commissioners: answers, calls and day lists as CSV or XLSX for Excel.

    from pathlib import Path
    from datetime import date
    from outbound.db import opened_database
    from outbound.exports import export_answers

    with opened_database() as db:
        result = export_answers(db, "Care tracker", fmt="xlsx", layout="wide",
                                out=Path("tracker-march.xlsx"),
                                date_from=date(2026, 3, 1), date_to=date(2026, 3, 31))
    print(result.rows, result.warnings)

Every file is written whole or not at all, streamed from the database so a year's
answers need no more memory than a day's. A CSV comes with ``<stem>-dictionary.csv``;
an XLSX has the dictionary as its second sheet.
"""

from __future__ import annotations

from outbound.exports.answers import ExportResult, export_answers
from outbound.exports.attempts import export_attempts
from outbound.exports.daylist import DayListRow, day_list, export_day_list
from outbound.exports.scheduled import write_scheduled_export
from outbound.exports.source import AnswerFilter, ExportError

__all__ = [
    "AnswerFilter", "DayListRow", "ExportError", "ExportResult", "day_list",
    "export_answers", "export_attempts", "export_day_list", "write_scheduled_export",
]
