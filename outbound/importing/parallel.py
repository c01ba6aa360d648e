"""Parsing rows on every core while the importing process writes to the database.

Checking phone numbers (phonenumbers) is nearly all of an import's work, and it needs
no database, so large files are parsed in worker processes, in order, a few batches
ahead of the writer: the importing process stores batch k while the workers parse the
batches after it. Memory stays bounded by the batches in flight. Small files are parsed
in this process: starting workers would cost more than it saves. The first batches of a
big one are parsed here too, while the workers start (a new interpreter and its imports).

Batches cross between processes as ``marshal`` bytes of plain tuples and strings, made
and read by the processes' main threads: the pool's own threads then only move bytes,
and never hold the importing process's interpreter lock for long.
"""

from __future__ import annotations

import gc
import marshal
import multiprocessing
import os
import threading
from collections import deque
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any

from outbound.importing.rows import ParsedBatch, RowParser
from outbound.phones import parse_phone_cell

PARALLEL_FROM_ROWS = 20_000
# A file this big is likely to hold PARALLEL_FROM_ROWS rows (a CSV's take some 80 bytes
# each, a workbook's some 40).
PARALLEL_FROM_BYTES = 1_000_000
_worker_parser: RowParser | None = None


def _start_worker(headers: Sequence[str], mapping: Mapping[str, str],
                  options: dict[str, Any]) -> None:
    global _worker_parser
    _worker_parser = RowParser(headers, mapping, **options)
    parse_phone_cell("0113 496 0000")  # loads the UK number plan before the freeze below
    # The garbage of parsing is freed by reference counting: the collector need not walk
    # the number plan's objects again and again, nor walk each batch being built as it
    # grows (every 700 allocations; a batch makes some 20,000).
    gc.freeze()
    gc.set_threshold(100_000, 10, 10)


def _parse_in_worker(payload: bytes, as_read: bool) -> bytes:
    assert _worker_parser is not None
    return marshal.dumps(_worker_parser.parse_batch(marshal.loads(payload), as_read=as_read))


def workers_for(estimated_rows: int | None) -> int:
    """How many worker processes to use: none for small files."""
    if _cores() < 2 or estimated_rows is None or estimated_rows < PARALLEL_FROM_ROWS:
        return 0
    return _cores()


def start_server_for(path: str | os.PathLike[str]) -> None:
    """Start the server the workers are forked from, for a file big enough to want them,
    so that it starts while the file is checked and opened."""
    try:
        big = os.stat(path).st_size >= PARALLEL_FROM_BYTES
    except OSError:
        return               # opening it will say why
    if big and os.name == "posix" and _cores() >= 2:
        from multiprocessing import forkserver

        multiprocessing.get_context("forkserver").set_forkserver_preload([__name__])
        forkserver.ensure_running()


def _cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") \
        else (os.cpu_count() or 1)


def parsed_batches(chunks: Iterable[list[tuple[int, Sequence[str]]]], *,
                   headers: Sequence[str], mapping: Mapping[str, str], as_read: bool,
                   workers: int, parse_while_starting: bool = False,
                   **options: Any) -> Iterator[ParsedBatch]:
    """Each chunk of rows parsed, in file order; ``options`` go to RowParser, ``as_read``
    to RowParser.parse_batch. ``parse_while_starting``: parse the first chunks in this
    process while the workers start (for a big file: a small one is soon done in workers
    anyway)."""
    if workers == 0:
        parser = RowParser(headers, mapping, **options)
        for chunk in chunks:
            yield parser.parse_batch(chunk, as_read=as_read)
        return
    # Never fork: the client may have Qt threads running.
    context = multiprocessing.get_context("forkserver" if os.name == "posix" else "spawn")
    if os.name == "posix":  # workers start from a server that has already imported the parser
        context.set_forkserver_preload([__name__])
    chunks = iter(chunks)
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_start_worker,
                             initargs=(list(headers), dict(mapping), options)) as pool:
        # Starting the workers takes a new interpreter's start-up and imports; while a
        # thread waits for them, the first batches are parsed here.
        starting = _Starting(pool, workers)
        parser = RowParser(headers, mapping, **options) if parse_while_starting else None
        while parser is not None and starting.is_alive():
            chunk = next(chunks, None)
            if chunk is None:
                break
            yield parser.parse_batch(chunk, as_read=as_read)
        starting.join()
        in_flight: deque[Future[bytes]] = deque()
        try:
            for chunk in chunks:
                in_flight.append(pool.submit(_parse_in_worker, marshal.dumps(chunk), as_read))
                if len(in_flight) > workers * 2:
                    yield marshal.loads(in_flight.popleft().result())
            while in_flight:
                yield marshal.loads(in_flight.popleft().result())
        finally:
            for future in in_flight:
                future.cancel()


def _started() -> None:
    """A first task for each worker, so that starting them waits for nothing else."""


class _Starting(threading.Thread):
    """Starts a pool's worker processes, which blocks the thread that asks for them."""

    def __init__(self, pool: ProcessPoolExecutor, workers: int) -> None:
        super().__init__(name="Starting import workers", daemon=True)
        self.pool = pool
        self.workers = workers
        self.error: BaseException | None = None
        self.start()

    def run(self) -> None:
        try:
            for started in [self.pool.submit(_started) for _ in range(self.workers)]:
                started.result()
        except BaseException as exc:  # raised in the importing thread, by join()
            self.error = exc

    def join(self, timeout: float | None = None) -> None:
        super().join(timeout)
        if self.error is not None:
            raise self.error
