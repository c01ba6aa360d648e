#!/usr/bin/env python3
"""Outbound: opens the desktop client, or runs a command (``python main.py --help``).

The same as the installed ``outbound`` command (outbound.cli.main), for a source tree;
it is also the desktop bundle's program (packaging/outbound.spec).
"""

from __future__ import annotations

import os
import sys

if __name__ == "__main__":
    if os.environ.get("OUTBOUND_STARTUP_PROBE"):   # bench/ui_bench.py, timing start-up
        from ui.startup_probe import run

        sys.exit(run(os.environ["OUTBOUND_STARTUP_PROBE"]))
    from outbound.cli import main

    sys.exit(main())
