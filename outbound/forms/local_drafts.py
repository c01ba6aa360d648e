"""Drafts kept on this computer, so that nothing typed on a call is lost.

The call screen writes the answers and notes to a small JSON file per task at every
change, before it tries the database: if the database cannot be reached, or the client
dies mid-call, the file still holds what was typed. When the task is opened again (on
this computer), the newer of the file and the database draft wins. The file is removed
once the outcome is recorded.

Each file is written whole or not at all (``write_atomically``), so a crash while
writing leaves the previous version in place.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import platformdirs

from outbound.files import write_atomically

ENV_FOLDER = "OUTBOUND_DRAFTS"
FORMAT = 1


@dataclass(slots=True)
class LocalDraft:
    """What was on the call screen for one task when it last changed."""

    task_id: int
    agent: str
    saved_at: datetime                       # when the agent last changed something
    answers: dict[str, Any] = field(default_factory=dict)        # as typed
    confirmations: dict[str, Any] = field(default_factory=dict)  # soft checks confirmed
    carried_forward: list[str] = field(default_factory=list)     # still last time's value
    notes: str = ""
    form_version_id: int | None = None
    campaign_id: int | None = None
    contact_id: int | None = None
    in_database: bool = False                # the database draft has caught up with this

    @property
    def has_content(self) -> bool:
        return bool(self.answers or self.notes.strip() or self.confirmations)

    def as_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT, "task_id": self.task_id, "agent": self.agent,
            "saved_at": self.saved_at.astimezone(UTC).isoformat(),
            "answers": _plain(self.answers), "confirmations": dict(self.confirmations),
            "carried_forward": list(self.carried_forward), "notes": self.notes,
            "form_version_id": self.form_version_id, "campaign_id": self.campaign_id,
            "contact_id": self.contact_id, "in_database": self.in_database,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> LocalDraft:
        saved = datetime.fromisoformat(str(data["saved_at"]))
        if saved.tzinfo is None:
            saved = saved.replace(tzinfo=UTC)
        return cls(
            task_id=int(data["task_id"]), agent=str(data.get("agent", "")), saved_at=saved,
            answers=dict(data.get("answers") or {}),
            confirmations=dict(data.get("confirmations") or {}),
            carried_forward=list(data.get("carried_forward") or []),
            notes=str(data.get("notes") or ""),
            form_version_id=data.get("form_version_id"),
            campaign_id=data.get("campaign_id"), contact_id=data.get("contact_id"),
            in_database=bool(data.get("in_database", False)),
        )


def _plain(answers: Mapping[str, Any]) -> dict[str, Any]:
    return {str(k): (list(v) if isinstance(v, tuple | set) else v) for k, v in answers.items()}


def drafts_folder() -> Path:
    """$OUTBOUND_DRAFTS when set, else ``drafts`` in the person's Outbound data folder."""
    configured = os.environ.get(ENV_FOLDER)
    if configured:
        return Path(configured)
    return platformdirs.user_data_path("Outbound", appauthor=False) / "drafts"


def database_folder(database: str, base: Path | None = None) -> Path:
    """The drafts of one database: task numbers mean nothing in another (the demo, a
    test copy), so each database keeps its drafts in its own folder."""
    digest = hashlib.sha256(database.encode("utf-8")).hexdigest()[:16]
    return (base or drafts_folder()) / digest


def _path(task_id: int, folder: Path | None) -> Path:
    return (folder or drafts_folder()) / f"task-{int(task_id)}.json"


def write_local_draft(draft: LocalDraft, folder: Path | None = None) -> Path:
    """Write the draft's file whole (the previous one stays until the new one is in)."""
    path = _path(draft.task_id, folder)
    path.parent.mkdir(parents=True, exist_ok=True)
    # The answers are personal data, in the person's own folder: theirs alone.
    with write_atomically(path, "w", private=True, encoding="utf-8") as handle:
        json.dump(draft.as_json(), handle, ensure_ascii=False, default=str)
    return path


def read_local_draft(task_id: int, folder: Path | None = None) -> LocalDraft | None:
    """The draft kept here for a task; None when there is none or it cannot be read."""
    path = _path(task_id, folder)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        draft = LocalDraft.from_json(data)
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return draft if draft.task_id == task_id else None


def remove_local_draft(task_id: int, folder: Path | None = None) -> bool:
    """Forget the draft of a finished call; False when there was none."""
    try:
        _path(task_id, folder).unlink()
    except FileNotFoundError:
        return False
    return True


def list_local_drafts(folder: Path | None = None) -> list[LocalDraft]:
    """Every readable draft kept here, newest first."""
    where = folder or drafts_folder()
    drafts = []
    for path in where.glob("task-*.json"):
        try:
            drafts.append(LocalDraft.from_json(json.loads(path.read_text(encoding="utf-8"))))
        except (OSError, ValueError, KeyError, TypeError):
            continue
    return sorted(drafts, key=lambda d: d.saved_at, reverse=True)


def prune_local_drafts(now: datetime, older_than: timedelta = timedelta(days=14),
                       folder: Path | None = None) -> int:
    """Remove drafts nobody has touched for a fortnight (their calls are long over)."""
    removed = 0
    for draft in list_local_drafts(folder):
        if draft.saved_at < now - older_than and remove_local_draft(draft.task_id, folder):
            removed += 1
    return removed


def prefer_local(local: LocalDraft | None, database_saved_at: datetime | None, *,
                 contact_id: int | None = None, campaign_id: int | None = None) -> bool:
    """Whether the draft kept here should open instead of the database's.

    The file is written at every change, before the database is tried, so when both
    carry the same time the file is at least as complete: it wins ties. A file that
    names another person or campaign than the call is never used.
    """
    if local is None or not local.has_content:
        return False
    if contact_id is not None and local.contact_id not in (None, contact_id):
        return False
    if campaign_id is not None and local.campaign_id not in (None, campaign_id):
        return False
    return database_saved_at is None or local.saved_at >= database_saved_at
