"""``demo``: fill a database with the fictitious Pendleshire county."""

from __future__ import annotations

import argparse
from pathlib import Path

import platformdirs

from outbound.db import open_database
from outbound.db.database import Database


def demo_database_path() -> Path:
    return platformdirs.user_data_path("Outbound", appauthor=False) / "demo.db"


def open_demo_database(url: str | None = None) -> Database:
    """The demo database, built on first use (about 8,000 contacts)."""
    from outbound.contacts import count_contacts
    from outbound.demo import build_demo
    from outbound.demo_campaigns import build_demo_campaigns

    db = open_database(url or str(demo_database_path()))
    if count_contacts(db) == 0:
        build_demo(db)
        build_demo_campaigns(db)
    return db


def register(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    from outbound.cli import add_db_option

    demo = commands.add_parser(
        "demo", help="fill a database with the fictitious demo county",
        description="Fill a database with Pendleshire, a fictitious county: care "
        "providers, a registrar backlog, bus pass and Blue Badge holders. Every number "
        "is in Ofcom's drama ranges. Without --db, uses the demo database.",
    )
    add_db_option(demo)
    demo.add_argument("--scale", type=float, default=1.0,
                      help="multiply the number of contacts (e.g. 10 for a large test)")
    demo.set_defaults(handler=run_demo)


def run_demo(args: argparse.Namespace) -> int:
    from outbound.demo import build_demo
    from outbound.demo_campaigns import build_demo_campaigns

    if args.scale <= 0:
        raise ValueError("--scale must be more than 0.")
    db = open_database(args.db or str(demo_database_path()))
    try:
        summary = build_demo(db, scale=args.scale)
        campaigns = build_demo_campaigns(db)
    finally:
        db.close()
    for report in summary.reports:
        print(report.summary().splitlines()[1].replace("Contacts", report.source))
    print(f"Campaigns: {', '.join(sorted(campaigns.campaigns))} "
          f"({campaigns.past_calls:,} calls made in the last week)")
    print(f"Demo database: {db.description}")
    return 0
