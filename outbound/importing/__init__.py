"""Importing a call list (CSV or XLSX) into contacts: one transaction, one report.

    from outbound.db import open_database
    from outbound.importing import import_file

    db = open_database()
    report = import_file(db, "care_homes.csv", source="CQC")
    print(report.summary())
"""

from __future__ import annotations

import gc
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import closing, contextmanager
from itertools import islice
from operator import itemgetter
from pathlib import Path
from typing import TYPE_CHECKING

from outbound.importing.columns import (
    FIELDS,
    MappingError,
    apply_overrides,
    guess_mapping,
    parse_mapping_overrides,
)
from outbound.importing.parallel import (
    PARALLEL_FROM_ROWS,
    parsed_batches,
    start_server_for,
    workers_for,
)
from outbound.importing.report import ImportReport
from outbound.importing.rows import ISSUES, NUMBERS, ROW_OUTCOMES, ParsedBatch
from outbound.importing.table import ImportRefused, TableInfo, TableReader, open_table

if TYPE_CHECKING:  # the database layer is imported when needed: worker processes,
    # which import this package to parse rows, never load it
    from sqlalchemy.orm import Session

    from outbound.db.database import Database
    from outbound.importing.writer import ContactWriter

__all__ = [
    "FIELDS", "ImportCancelled", "ImportRefused", "ImportReport", "MappingError",
    "TableReader", "guess_mapping", "import_file", "import_rows", "open_table",
    "parse_mapping_overrides", "resolve_mapping",
]

Progress = Callable[[int, int | None], None]
BeforeCommit = Callable[[ImportReport], None]


class ImportCancelled(Exception):
    """The person cancelled; the transaction was rolled back and nothing changed."""


class _DryRunDone(Exception):
    """Raised to roll back a check-only run after its report is complete."""


def resolve_mapping(headers: Sequence[str],
                    overrides: Sequence[str] | Mapping[str, str] | None) -> dict[str, str]:
    """The header -> field mapping: guessed, then the person's overrides on top."""
    parsed = (dict(overrides) if isinstance(overrides, Mapping)
              else parse_mapping_overrides(overrides or []))
    mapping = apply_overrides(headers, guess_mapping(headers), parsed)
    fields = set(mapping.values())
    name_fields = {"name", "first_name", "last_name", "organisation"}
    if not fields & name_fields:
        raise MappingError(
            "No column holds a name. Columns found: " + ", ".join(headers)
            + ". Say which one with --map \"Column=name\"."
        )
    if not fields & {"phone", "phone_alt"}:
        raise MappingError(
            "No column holds a phone number. Columns found: " + ", ".join(headers)
            + ". Say which one with --map \"Column=phone\"."
        )
    return mapping


def import_file(
    db: Database,
    path: str | Path,
    *,
    source: str | None = None,
    mapping: Sequence[str] | Mapping[str, str] | None = None,
    kind: str = "person",
    dry_run: bool = False,
    imported_by: str | None = None,
    batch_size: int = 2000,
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
    before_commit: BeforeCommit | None = None,
) -> ImportReport:
    """Import a call list in one transaction: it lands whole or not at all.

    ``dry_run`` does all the work, duplicates against the database included, and rolls
    it back, so a person can see the report before committing. Raises ImportRefused
    or MappingError (clear sentences) for files that cannot be imported; ImportCancelled
    when ``cancel`` is set.

    ``before_commit`` is called with the finished report inside the transaction, just
    before it commits (never on a dry run): what it raises rolls the import back. The
    report it gets already says ``committed``, as it will be once the commit is done;
    so a report file written there is staged, and renamed into place afterwards, holds
    what was saved or nothing was saved.
    """
    start_server_for(path)
    with open_table(path) as table:
        info = table.info
        estimate = table.count_rows_estimate()
        guess = table.rows_guess()
        report = _import(
            db, info.headers, table.record_chunks(batch_size), as_read=True,
            file_name=Path(path).name, source=source, mapping=mapping, kind=kind,
            dry_run=dry_run, imported_by=imported_by, progress=progress, cancel=cancel,
            estimate=estimate, workers=workers_for(guess), big=_big(guess),
            before_commit=before_commit, table=info,
        )
        return report


def import_rows(
    db: Database,
    headers: Sequence[str],
    rows: Iterable[tuple[int, Sequence[str]]],
    *,
    file_name: str,
    source: str | None = None,
    mapping: Sequence[str] | Mapping[str, str] | None = None,
    kind: str = "person",
    dry_run: bool = False,
    imported_by: str | None = None,
    batch_size: int = 2000,
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
    estimate: int | None = None,
    before_commit: BeforeCommit | None = None,
) -> ImportReport:
    """Import rows of text cells under ``headers``; see import_file."""
    iterator = iter(rows)
    chunks = iter(lambda: list(islice(iterator, batch_size)), [])
    return _import(db, headers, chunks, as_read=False, file_name=file_name, source=source,
                   mapping=mapping, kind=kind, dry_run=dry_run, imported_by=imported_by,
                   progress=progress, cancel=cancel, estimate=estimate,
                   workers=workers_for(estimate), big=_big(estimate),
                   before_commit=before_commit)


def _big(rows: int | None) -> bool:
    """Whether a list is big enough to parse the first batches while the workers start."""
    return rows is not None and rows >= PARALLEL_FROM_ROWS


def _import(
    db: Database,
    headers: Sequence[str],
    chunks: Iterable[list[tuple[int, Sequence[str]]]],
    *,
    as_read: bool,
    file_name: str,
    source: str | None,
    mapping: Sequence[str] | Mapping[str, str] | None,
    kind: str,
    dry_run: bool,
    imported_by: str | None,
    progress: Progress | None,
    cancel: threading.Event | None,
    estimate: int | None,
    workers: int,
    big: bool = False,
    before_commit: BeforeCommit | None = None,
    table: TableInfo | None = None,
) -> ImportReport:
    """Import chunks of rows (as_read: from TableReader.record_chunks), parsed by
    ``workers`` processes (none: in this one), the first here while they start if the
    list is ``big``; ``table`` describes the file read."""
    from outbound.audit import record
    from outbound.clock import utcnow
    from outbound.db.models import ImportRun
    from outbound.importing.writer import ContactWriter

    final_mapping = resolve_mapping(headers, mapping)
    ref_header = next((h for h, f in final_mapping.items() if f == "external_ref"), None)
    report = ImportReport(file_name=file_name,
                          source=source if source is not None else (ref_header or ""),
                          mapping=final_mapping)
    if table is not None:
        report.format, report.encoding = table.format, table.encoding
        report.delimiter, report.sheet = table.delimiter, table.sheet

    def work(session: Session) -> None:
        run = ImportRun(source=report.source, file_name=file_name, mapping=final_mapping,
                        imported_by=imported_by)
        session.add(run)
        session.flush()
        report.import_id = run.id
        writer = ContactWriter(session, import_id=run.id, source=report.source,
                               by_reference=ref_header is not None, now=utcnow())
        batches = parsed_batches(chunks, headers=headers, mapping=final_mapping,
                                 as_read=as_read, workers=workers,
                                 parse_while_starting=big,
                                 default_kind=kind, by_reference=writer.by_reference,
                                 source=writer.source, stamp=writer.stamp, import_id=run.id)
        with closing(batches), writer.bulk():
            for parsed in batches:
                _store(writer, parsed, report)
                if cancel is not None and cancel.is_set():
                    raise ImportCancelled("The import was cancelled; nothing was saved.")
                if progress is not None:
                    progress(report.rows_read, estimate)
        run.finished_at = utcnow()
        run.rows_read = report.rows_read
        run.created, run.updated = report.created, report.updated
        run.unchanged = report.unchanged
        run.counts = dict(report.counts)
        if progress is not None:
            progress(report.rows_read, report.rows_read)
        if dry_run:
            raise _DryRunDone
        record(session, "imported",
               f"Imported {file_name} into {report.source or 'contacts'}: "
               f"{report.created:,} new, {report.updated:,} updated, "
               f"{report.unchanged:,} unchanged.", actor=imported_by,
               detail={"file": file_name, "source": report.source, "import": run.id,
                       "rows": report.rows_read, "counts": dict(report.counts)})
        if before_commit is not None:
            report.committed = True    # what the report will say once this commits
            try:
                before_commit(report)
            except BaseException:
                report.committed = False
                raise

    try:
        with _fewer_collections():
            db.run_write(work, attempts=1)  # a consumed file cannot be replayed
    except _DryRunDone:
        report.import_id = None
        return report
    report.committed = True
    return report


@contextmanager
def _fewer_collections() -> Iterator[None]:
    """Run the garbage collector less often for the length of an import.

    An import makes a few short-lived tuples per row, freed by reference counting; with
    the usual thresholds the collector would also walk every long-lived object of the
    process a few times per 100,000 rows, for nothing.
    """
    before = gc.get_threshold()
    gc.set_threshold(max(before[0], 20_000), *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)


def _store(writer: ContactWriter, batch: ParsedBatch, report: ImportReport) -> None:
    """Write one batch and count it into the report, its issues in row order."""
    numbers, outcomes, issues = batch[NUMBERS], batch[ROW_OUTCOMES], batch[ISSUES]
    results = writer.write(batch)
    tally = Counter(results)
    counts = report.counts
    for outcome, count in Counter(outcomes).items():
        counts[outcome] += count
    if tally["duplicate"]:
        # A repeated row is reported as a duplicate, and only that.
        repeats = [i for i, result in enumerate(results) if result == "duplicate"]
        for i in repeats:
            counts[outcomes[i]] -= 1
        counts["duplicate"] += len(repeats)
        repeated = {numbers[i] for i in repeats}
        issues = sorted([*(issue for issue in issues if issue[1] not in repeated),
                         *((writer.import_id, numbers[i], None, "duplicate", writer.repeats[i])
                           for i in repeats)], key=itemgetter(1))
    report.rows_read += len(numbers)
    report.created += tally["created"]
    report.updated += tally["updated"]
    report.unchanged += tally["unchanged"]
    if issues:
        report.premium_flagged += sum(1 for issue in issues if issue[3] == "premium")
        report.add_issue_rows(issues)
        writer.insert_issues(issues)
