"""Whether this computer has a program that takes ``tel:`` links (a softphone).

On Linux, handing a ``tel:`` link to the desktop "succeeds" even when nothing takes it
(``xdg-open`` fails later, only in the log), so the desktop's own list of handlers is
asked first. Elsewhere the system answers truthfully when the link is handed over.
"""

from __future__ import annotations

import functools
import shutil
import subprocess
import sys


def _query() -> str:
    """The desktop file that opens tel: links ("" for none)."""
    try:
        done = subprocess.run(["xdg-mime", "query", "default", "x-scheme-handler/tel"],
                              capture_output=True, text=True, timeout=3, check=False)
    except (OSError, subprocess.SubprocessError):
        return ""
    return done.stdout.strip() if done.returncode == 0 else ""


@functools.cache
def softphone_installed() -> bool:
    """False when it is certain that nothing would take a tel: link."""
    if not sys.platform.startswith("linux") or shutil.which("xdg-mime") is None:
        return True
    return bool(_query())
