"""The test suite; also imported first by the processes a test spawns."""

from __future__ import annotations

import os
import select
import time


def _mend_sleep_under_faketime() -> None:
    """Make time.sleep work when CI runs the suite on a moved clock.

    libfaketime 0.9.10 (Debian's) with FAKETIME_DONT_FAKE_MONOTONIC=1 mangles an
    absolute clock_nanosleep on the monotonic clock, which Python 3.11's time.sleep
    uses, so every sleep fails with EINVAL (wolfcw/libfaketime#426). A relative
    timeout is passed through untouched: select() with no files sleeps the same.
    """
    if "faketime" not in os.environ.get("LD_PRELOAD", ""):
        return
    try:
        time.sleep(0.001)
        return
    except OSError:
        pass

    def sleep(seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            select.select([], [], [], left)

    time.sleep = sleep


_mend_sleep_under_faketime()
