"""What an import did, row by row, in a form for people and for JSON."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from outbound.importing.rows import OUTCOMES, RowIssue

MAX_ISSUES_KEPT = 10_000  # in memory and in the JSON report; the database keeps them all


@dataclass
class ImportReport:
    file_name: str
    source: str
    format: str = "csv"
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    mapping: dict[str, str] = field(default_factory=dict)
    rows_read: int = 0
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(OUTCOMES, 0))
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    premium_flagged: int = 0
    issues: list[RowIssue] = field(default_factory=list)
    issues_total: int = 0
    committed: bool = False
    import_id: int | None = None

    def add_issue(self, issue: RowIssue) -> None:
        self.issues_total += 1
        if len(self.issues) < MAX_ISSUES_KEPT:
            self.issues.append(issue)

    def add_issue_rows(self, rows: Sequence[tuple[Any, ...]]) -> None:
        """Add import_issue rows (import_id, row_number, column, outcome, message)."""
        self.issues_total += len(rows)
        room = MAX_ISSUES_KEPT - len(self.issues)
        if room > 0:
            self.issues.extend(RowIssue(*row[1:]) for row in rows[:room])

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.file_name, "source": self.source, "format": self.format,
            "encoding": self.encoding, "delimiter": self.delimiter, "sheet": self.sheet,
            "mapping": self.mapping, "rows_read": self.rows_read, "counts": self.counts,
            "created": self.created, "updated": self.updated, "unchanged": self.unchanged,
            "premium_flagged": self.premium_flagged, "committed": self.committed,
            "import_id": self.import_id, "issues_total": self.issues_total,
            "issues": [issue.as_dict() for issue in self.issues],
        }

    def write_json(self, path: str | Path) -> None:
        from outbound.files import write_atomically

        with write_atomically(path, "w", encoding="utf-8") as handle:
            self.dump_json(handle)

    def dump_json(self, handle: IO[str]) -> None:
        """The report as JSON, to an open text file."""
        json.dump(self.as_dict(), handle, indent=2, default=str)

    def summary(self) -> str:
        c = self.counts
        verb = "Imported" if self.committed else "Checked (nothing saved)"
        lines = [
            f"{verb} {self.rows_read:,} rows from {self.file_name}: "
            f"{c['valid']:,} valid, {c['repaired']:,} repaired, "
            f"{c['invalid_phone']:,} with no usable number, {c['duplicate']:,} duplicates, "
            f"{c['error']:,} refused.",
            f"Contacts: {self.created:,} new, {self.updated:,} updated, "
            f"{self.unchanged:,} unchanged.",
        ]
        if self.premium_flagged:
            lines.append(f"{self.premium_flagged:,} premium-rate numbers held back: not "
                         "called unless a supervisor allows it.")
        if self.issues_total:
            lines.append(f"{self.issues_total:,} rows need a look (see the report).")
        return "\n".join(lines)
