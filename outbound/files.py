"""Writing files so that a failure never leaves a half-written one behind.

A file is written under a temporary name beside its target and renamed onto it when
whole. The temporary file is made with the mode the finished one should have: a file
replaced keeps its own mode (a report in a shared folder stays as readable as whoever
set it up made it), a new one gets what the umask allows, as any program's new file
does, and a private one (a local draft) is its owner's alone.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import IO, Any

PRIVATE = 0o600
_NEW_FILE = 0o666   # less the umask, as for any new file
_CREATE = (os.O_RDWR | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
           | getattr(os, "O_BINARY", 0))


class OutputError(Exception):
    """The output file cannot be written; one clear sentence."""


def check_target(path: str | Path) -> Path:
    """The output path (``~`` expanded), or OutputError before anything is written."""
    target = Path(path).expanduser()
    if target.is_dir():
        raise OutputError(f"Cannot write {target}: it is a folder; give a file name.")
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        if folder.exists():
            raise OutputError(f"Cannot write {target}: {folder} is a file, not a folder.")
        raise OutputError(f"Cannot write {target}: the folder {folder} does not exist.")
    if not os.access(folder, os.W_OK):
        raise OutputError(f"Cannot write {target}: you may not write in {folder}.")
    return target


def temp_file_beside(target: Path, *, private: bool = False) -> tuple[int, str]:
    """An empty temporary file beside ``target``, to be renamed onto it: its descriptor
    and path. Its mode is the finished file's (see the module's docstring)."""
    folder = target.parent if str(target.parent) else Path(".")
    mode: int | None = PRIVATE if private else None
    if not private:
        with suppress(OSError):
            mode = os.stat(target).st_mode & 0o777
    for _ in range(100):
        temp = str(folder / f".{target.name}.{secrets.token_hex(4)}.part")
        try:
            fd = os.open(temp, _CREATE, PRIVATE if private else _NEW_FILE)
        except FileExistsError:
            continue
        except OSError as exc:
            raise OutputError(f"Cannot write in {folder}: {exc.strerror}.") from None
        if mode is not None:
            try:
                os.chmod(temp, mode)
            except OSError as exc:
                os.close(fd)
                with suppress(OSError):
                    os.unlink(temp)
                raise OutputError(f"Cannot write in {folder}: {exc.strerror}.") from None
        return fd, temp
    raise OutputError(f"Cannot write in {folder}: it is full of temporary files.")


@contextmanager
def write_atomically(path: str | Path, mode: str = "w", *, private: bool = False,
                     **open_args: Any) -> Iterator[IO[Any]]:
    """Write to a temporary file beside ``path`` and rename it into place on success.

    ``private``: the file is readable by its owner only, whatever the umask.
    """
    target = check_target(path)
    fd, temp_name = temp_file_beside(target, private=private)
    try:
        with os.fdopen(fd, mode, **open_args) as handle:
            yield handle
        try:
            os.replace(temp_name, target)
        except OSError as exc:
            raise OutputError(f"Cannot write {target}: {exc.strerror or exc}.") from None
    except BaseException:
        with suppress(OSError):
            os.unlink(temp_name)
        raise
