"""Keeping what is typed on a call: on this computer at once, in the database a second
later, and again and again while the database cannot be reached.

Every change is written to the local draft file before anything else (a small atomic
write), so a client that dies loses nothing. The database save is debounced (one
save per pause in typing) and runs in the background; only one runs at a time, and a
change made meanwhile is saved after it. When a save fails, ``sig_offline`` tells the
screen to say so, and the save is tried again after 2, 4, 8, 15 and then every 30
seconds until it works (``sig_online``).

Saves and outcomes pass through one ``WriteGate``: once a call's outcome is recorded,
a late draft save for it is dropped rather than bringing the finished call's draft back.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from outbound.files import OutputError
from outbound.forms import save_draft
from outbound.forms.local_drafts import LocalDraft, write_local_draft
from ui.agent.call_data import is_connection_problem
from ui.operations import run_in_background

RETRY_SECONDS = (2.0, 4.0, 8.0, 15.0, 30.0)


@dataclass
class WriteGate:
    """Serialises a call's draft saves and its outcome (on pool threads only)."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    finished: set[int] = field(default_factory=set)


class DraftKeeper(QObject):
    """``sig_offline(detail)`` when a save failed (retrying), ``sig_online()`` when a save
    worked again, ``sig_local_failed(message)`` when even the file could not be written."""

    sig_offline = Signal(str)
    sig_online = Signal()
    sig_local_failed = Signal(str)

    def __init__(self, db: Any, agent: str, folder: Path | None, gate: WriteGate,
                 parent: QObject | None = None, *, debounce_ms: int = 1000) -> None:
        super().__init__(parent)
        self.db = db
        self.agent = agent
        self.folder = folder
        self.gate = gate
        self.retry_seconds: tuple[float, ...] = RETRY_SECONDS
        self.offline = False
        self.saves = 0                          # database saves that worked (for tests)
        self._pending: LocalDraft | None = None
        self._in_flight = False
        self._failures = 0
        self._task_id: int | None = None
        self._debounce = QTimer(self, singleShot=True, interval=debounce_ms)
        self._debounce.timeout.connect(self.flush)
        self._retry = QTimer(self, singleShot=True)
        self._retry.timeout.connect(self.flush)

    # -- the call ---------------------------------------------------------------------

    def begin(self, task_id: int) -> None:
        """Keep drafts for this call from now on."""
        self._task_id = task_id

    def end(self) -> None:
        """Stop keeping drafts (the outcome is being recorded); a pending save is dropped
        unless the database is unreachable, when it is the way to find out it is back."""
        self._task_id = None
        self._debounce.stop()
        if not self.offline:
            self._pending = None

    @property
    def debounce_ms(self) -> int:
        return self._debounce.interval()

    @debounce_ms.setter
    def debounce_ms(self, value: int) -> None:
        self._debounce.setInterval(value)

    @property
    def active(self) -> bool:
        return self._task_id is not None

    def changed(self, draft: LocalDraft) -> None:
        """Something was typed: write the file now, the database after a pause."""
        if draft.task_id != self._task_id:
            return
        try:
            write_local_draft(draft, self.folder)
        except (OSError, OutputError) as exc:
            self.sig_local_failed.emit(f"Your answers could not be kept on this computer "
                                       f"({exc}); they are still on screen.")
        self._pending = draft
        if not self.offline:
            self._debounce.start()

    # -- saving -----------------------------------------------------------------------

    def flush(self) -> None:
        """Save the latest draft to the database now (in the background)."""
        self._debounce.stop()
        if self._in_flight or self._pending is None:
            return
        draft = self._pending
        self._pending = None
        self._in_flight = True
        gate, db, agent = self.gate, self.db, self.agent

        def work(_operation: object) -> bool:
            with gate.lock:
                if draft.task_id in gate.finished:
                    return False
                try:
                    save_draft(db, draft.task_id, agent, draft.form_version_id or 0,
                               draft.answers, draft.confirmations, draft.carried_forward,
                               notes=draft.notes, now=draft.saved_at)
                except Exception as exc:
                    if is_connection_problem(exc):
                        raise ConnectionError(str(exc)) from exc
                    raise
            return True

        run_in_background(self, work, lambda _saved: self._saved(),
                          lambda message: self._failed(draft, message))

    def _saved(self) -> None:
        self._in_flight = False
        self.saves += 1
        self._failures = 0
        if self.offline:
            self.offline = False
            self._retry.stop()
            self.sig_online.emit()
        if self._pending is not None:
            self.flush()

    def _failed(self, draft: LocalDraft, message: str) -> None:
        self._in_flight = False
        if self._pending is None:
            self._pending = draft          # try this one again, unless there is a newer one
        self._went_offline(message)

    def _went_offline(self, detail: str) -> None:
        first = not self.offline
        self.offline = True
        delay = self.retry_seconds[min(self._failures, len(self.retry_seconds) - 1)]
        self._failures += 1
        self._retry.start(int(delay * 1000))
        if first:
            self.sig_offline.emit(detail)

    def retry_now(self) -> None:
        """Try the database again at once (the person asked to)."""
        self._retry.stop()
        self.flush()
