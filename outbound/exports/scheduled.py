"""The daily file for commissioners, written unattended by the scheduler.

One file per campaign per day, named so that it sorts by date in a folder
(``care-capacity-tracker-2026-11-23.xlsx``). Writing it again replaces it whole, so a
re-run after a failure, or two clients running the job at once, is harmless. Files
older than the campaign's keep-days are removed; other campaigns' files and anything
not named like an export are left alone.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path
from typing import cast

from outbound.db.database import Database
from outbound.exports.answers import FORMATS, Format, export_answers
from outbound.exports.source import ExportError, campaign_info
from outbound.files import OutputError
from outbound.text import name_key


def campaign_slug(name: str, campaign_id: int) -> str:
    """A campaign's name as it starts its file names: "Care tracker" -> "care-tracker"."""
    return name_key(name).replace(" ", "-") or f"campaign-{campaign_id}"


def scheduled_file_name(slug: str, day: date, fmt: str) -> str:
    return f"{slug}-{day.isoformat()}.{fmt}"


def prune_old_exports(folder: Path, slug: str, day: date, keep_days: int) -> list[Path]:
    """Remove this campaign's dated exports from before the last ``keep_days`` days.

    With keep_days=30 on 31 March, the files of 2 to 31 March stay.
    """
    pattern = re.compile(rf"^{re.escape(slug)}-(\d{{4}}-\d{{2}}-\d{{2}})"
                         r"(?:-dictionary|-messages)?\.(?:csv|xlsx)$")
    oldest_kept = day - timedelta(days=keep_days - 1)
    removed = []
    for path in folder.iterdir():
        match = pattern.match(path.name)
        if match is None or not path.is_file():
            continue
        try:
            dated = date.fromisoformat(match.group(1))
        except ValueError:
            continue
        if dated < oldest_kept:
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed


def write_scheduled_export(db: Database, campaign: str | int, folder: Path, day: date, *,
                           fmt: str | None = None, keep_days: int | None = None) -> Path:
    """Write the round's (or, for other campaigns, the day's) answers in the wide layout
    to ``folder/<campaign-slug>-<day>.<fmt>`` and prune older files; returns the path.
    A campaign that sends messages also gets each person's messages (a sheet, or
    ``<campaign-slug>-<day>-messages.csv``).

    ``fmt`` and ``keep_days`` default to the campaign template's schedule.
    """
    folder = Path(folder).expanduser()
    if not folder.is_dir():
        raise OutputError(f"Cannot write the export: the folder {folder} does not exist.")
    with db.read() as session:
        info = campaign_info(session, campaign)
    schedule = info.template.schedule
    fmt = fmt or schedule.export_format
    keep = schedule.export_keep_days if keep_days is None else keep_days
    if fmt not in FORMATS:
        raise ExportError(f"“{fmt}” is not an export format; use csv or xlsx.")
    if keep < 1:
        raise ExportError("Exports must be kept for at least one day.")
    slug = campaign_slug(info.name, info.id)
    path = folder / scheduled_file_name(slug, day, fmt)
    export_answers(db, info.id, fmt=cast(Format, fmt), layout="wide", out=path,
                   actor="the scheduled export",
                   date_from=day, date_to=day)
    prune_old_exports(folder, slug, day, keep)
    return path
