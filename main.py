#!/usr/bin/env python3
"""Outbound: opens the desktop client, or runs a command (``python main.py --help``).

The same as the installed ``outbound`` command (outbound.cli.main), for a source tree.
"""

from __future__ import annotations

import sys

from outbound.cli import main

if __name__ == "__main__":
    sys.exit(main())
