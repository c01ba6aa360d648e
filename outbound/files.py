"""Writing files so that a failure never leaves a half-written one behind."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import IO, Any


class OutputError(Exception):
    """The output file cannot be written; one clear sentence."""


@contextmanager
def write_atomically(path: str | Path, mode: str = "w", **open_args: Any) -> Iterator[IO[Any]]:
    """Write to a temporary file beside ``path`` and rename it into place on success."""
    target = Path(path).expanduser()
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise OutputError(f"Cannot write {target}: the folder {folder} does not exist.")
    try:
        fd, temp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=folder)
    except OSError as exc:
        raise OutputError(f"Cannot write in {folder}: {exc.strerror}.") from None
    try:
        with os.fdopen(fd, mode, **open_args) as handle:
            yield handle
        os.replace(temp_name, target)
    except BaseException:
        with suppress(OSError):
            os.unlink(temp_name)
        raise
