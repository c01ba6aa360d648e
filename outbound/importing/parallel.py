"""Parsing rows on every core while the importing process writes to the database.

Checking phone numbers (phonenumbers) is nearly all of an import's work, and it needs
no database, so large files are parsed in worker processes, in order, a few batches
ahead of the writer: the importing process stores batch k while the workers parse the
batches after it. Memory stays bounded by the batches in flight. Small files are parsed
in this process: starting workers would cost more than it saves.

Batches cross between processes as ``marshal`` bytes of plain tuples and strings, made
and read by the processes' main threads: the pool's own threads then only move bytes,
and never hold the importing process's interpreter lock for long.
"""

from __future__ import annotations

import marshal
import multiprocessing
import os
from collections import deque
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from itertools import islice
from typing import Any

from outbound.importing.rows import ParsedRow, RowParser

PARALLEL_FROM_ROWS = 20_000
_worker_parser: RowParser | None = None


def _start_worker(headers: Sequence[str], mapping: Mapping[str, str],
                  options: dict[str, Any]) -> None:
    global _worker_parser
    _worker_parser = RowParser(headers, mapping, **options)


def _parse_in_worker(payload: bytes) -> bytes:
    assert _worker_parser is not None
    parse = _worker_parser.parse
    return marshal.dumps([parse(number, cells) for number, cells in marshal.loads(payload)])


def _chunks(rows: Iterable[tuple[int, Sequence[str]]],
            size: int) -> Iterator[list[tuple[int, Sequence[str]]]]:
    iterator = iter(rows)
    while chunk := list(islice(iterator, size)):
        yield chunk


def workers_for(estimated_rows: int | None) -> int:
    """How many worker processes to use: none for small files."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") \
        else (os.cpu_count() or 1)
    if cores < 2 or estimated_rows is None or estimated_rows < PARALLEL_FROM_ROWS:
        return 0
    return cores


def parsed_batches(rows: Iterable[tuple[int, Sequence[str]]], *, headers: Sequence[str],
                   mapping: Mapping[str, str], batch_size: int, workers: int,
                   **options: Any) -> Iterator[list[ParsedRow]]:
    """Parsed rows, batch by batch, in file order; ``options`` go to RowParser."""
    if workers == 0:
        parser = RowParser(headers, mapping, **options)
        for chunk in _chunks(rows, batch_size):
            yield [parser.parse(number, cells) for number, cells in chunk]
        return
    # Never fork: the client may have Qt threads running.
    context = multiprocessing.get_context("forkserver" if os.name == "posix" else "spawn")
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_start_worker,
                             initargs=(list(headers), dict(mapping), options)) as pool:
        in_flight: deque[Future[bytes]] = deque()
        try:
            for chunk in _chunks(rows, batch_size):
                in_flight.append(pool.submit(_parse_in_worker, marshal.dumps(chunk)))
                if len(in_flight) > workers * 2:
                    yield marshal.loads(in_flight.popleft().result())
            while in_flight:
                yield marshal.loads(in_flight.popleft().result())
        finally:
            for future in in_flight:
                future.cancel()
