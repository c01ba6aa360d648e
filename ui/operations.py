"""One way to run database work off the GUI thread and hear back on it.

Widgets call ``run_in_background(parent, work, on_done, on_failed)``: ``work`` runs on a
pool thread; ``on_done(result)`` or ``on_failed(message)`` runs on the GUI thread. The
GUI never waits on the database. Tests switch to running work at once with
``Operations.synchronous = True`` for determinism.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

log = logging.getLogger(__name__)


def describe_error(exc: BaseException) -> str:
    """A sentence a person understands; our own errors already are one."""
    from outbound.cli import user_errors

    if isinstance(exc, user_errors()):
        return str(exc)
    log.exception("background operation failed", exc_info=exc)
    return f"Something went wrong: {exc}"


class _Relay(QObject):
    sig_done = Signal(object)
    sig_failed = Signal(str)
    sig_progress = Signal(int, object)


class _Job(QRunnable):
    def __init__(self, work: Callable[[], Any], relay: _Relay) -> None:
        super().__init__()
        self.work = work
        self.relay = relay

    def run(self) -> None:
        try:
            result = self.work()
        except BaseException as exc:  # reported, never lost on a pool thread
            _emit(self.relay, self.relay.sig_failed if _alive(self.relay) else None,
                  describe_error(exc))
        else:
            _emit(self.relay, self.relay.sig_done if _alive(self.relay) else None, result)


def _alive(relay: _Relay) -> bool:
    return shiboken6.isValid(relay)


def _emit(relay: _Relay, signal: Any, *values: Any) -> None:
    """Report back unless the screen that asked has gone (closed, or signed out)."""
    if signal is None:
        return
    try:
        signal.emit(*values)
    except RuntimeError:        # deleted between the check and the emit
        log.debug("result dropped: the screen that asked for it has closed")


class Operation:
    """A started operation: its cancel flag, and a progress callback usable in ``work``."""

    def __init__(self, relay: _Relay) -> None:
        self.cancel_event = threading.Event()
        self._relay = relay

    def cancel(self) -> None:
        self.cancel_event.set()

    def report_progress(self, done: int, total: int | None) -> None:
        if _alive(self._relay):
            _emit(self._relay, self._relay.sig_progress, done, total)


class Operations:
    synchronous = False  # set by tests


def run_in_background(
    parent: QObject,
    work: Callable[[Operation], Any],
    on_done: Callable[[Any], None] | None = None,
    on_failed: Callable[[str], None] | None = None,
    on_progress: Callable[[int, int | None], None] | None = None,
) -> Operation:
    relay = _Relay(parent)
    operation = Operation(relay)

    def finished() -> None:
        relay.deleteLater()

    if on_done is not None:
        relay.sig_done.connect(on_done)
    if on_failed is not None:
        relay.sig_failed.connect(on_failed)
    if on_progress is not None:
        relay.sig_progress.connect(on_progress)
    relay.sig_done.connect(finished)
    relay.sig_failed.connect(finished)
    job = _Job(lambda: work(operation), relay)
    if Operations.synchronous:
        job.run()
    else:
        QThreadPool.globalInstance().start(job)
    return operation
