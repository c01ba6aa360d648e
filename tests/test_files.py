"""The modes of the files Outbound writes: a shared folder's files open to whom the umask
allows, a replaced file keeps its own, and a local draft stays its owner's alone."""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from outbound.exports.tables import staged_files, write_table_file
from outbound.files import write_atomically
from outbound.forms.local_drafts import LocalDraft, write_local_draft


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def umask() -> Iterator[Callable[[int], None]]:
    """Call with a umask to set it; the process's own comes back afterwards."""
    before = os.umask(0o022)

    def use(mask: int) -> None:
        os.umask(mask)

    yield use
    os.umask(before)


def _export(out: Path, fmt: str = "csv") -> list[Path]:
    dictionary = (["Column"], [["Name"]])
    _count, dictionary_path, _ = write_table_file(fmt, out, "People", ["Name"], [["Ann"]],
                                                  dictionary=dictionary)
    return [out] + ([dictionary_path] if dictionary_path else [])


@pytest.mark.parametrize("mask, expected", [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_a_new_file_is_as_open_as_the_umask_allows(tmp_path, umask, mask, expected):
    umask(mask)
    written = [*_export(tmp_path / "answers.csv"), *_export(tmp_path / "answers.xlsx", "xlsx")]
    with write_atomically(tmp_path / "report.json") as handle:
        handle.write("{}")
    written.append(tmp_path / "report.json")
    assert {path.name: mode_of(path) for path in written} == {
        path.name: expected for path in written}


def test_a_replaced_file_keeps_its_mode(tmp_path, umask):
    umask(0o077)
    paths = [tmp_path / "answers.csv", tmp_path / "answers-dictionary.csv",
             tmp_path / "answers.xlsx", tmp_path / "report.json"]
    for path, mode in zip(paths, (0o640, 0o664, 0o604, 0o640), strict=True):
        path.write_text("old")
        path.chmod(mode)
    _export(paths[0])
    _export(paths[2], "xlsx")
    with write_atomically(paths[3]) as handle:
        handle.write("{}")
    assert [mode_of(path) for path in paths] == [0o640, 0o664, 0o604, 0o640]
    assert paths[3].read_text() == "{}"


def test_a_failed_write_leaves_the_old_file_and_its_mode(tmp_path, umask):
    umask(0o022)
    old = tmp_path / "day.csv"
    old.write_text("old")
    old.chmod(0o640)
    with pytest.raises(RuntimeError), staged_files([old]) as (handle,):
        handle.write("new")
        raise RuntimeError("stopped half way")
    assert (old.read_text(), mode_of(old)) == ("old", 0o640)
    assert [p.name for p in tmp_path.iterdir()] == ["day.csv"]


def test_a_local_draft_stays_private_whatever_the_umask(tmp_path, umask):
    umask(0o002)
    draft = LocalDraft(task_id=7, agent="Sam", saved_at=datetime(2026, 11, 23, 10, 5,
                                                                 tzinfo=UTC),
                       answers={"comments": "Mrs Jones is in hospital"})
    path = write_local_draft(draft, tmp_path)
    assert mode_of(path) == 0o600
    path.chmod(0o644)                      # loosened by hand: the next save tightens it
    write_local_draft(draft, tmp_path)
    assert mode_of(path) == 0o600
