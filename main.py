#!/usr/bin/env python3
"""Outbound: opens the desktop client, or runs a command (``python main.py --help``)."""

from __future__ import annotations

import sys


def main() -> int:
    from outbound.cli import parse, run_command

    args = parse()
    if args.command is not None:
        return run_command(args)
    from ui.launch import launch

    return launch(args)


if __name__ == "__main__":
    sys.exit(main())
