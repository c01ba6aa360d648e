"""``serve`` (run the scheduled jobs on this machine, no window) and ``jobs`` (list them,
or run one now)."""

from __future__ import annotations

import argparse
import logging
import sys
from datetime import datetime

from outbound.clock import to_london, utcnow
from outbound.db import opened_database

EXPORTS_HELP = ("folder for scheduled exports (default: $OUTBOUND_EXPORT_FOLDER, else "
                "“Outbound exports” in your documents folder)")


def register(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    from outbound.cli import add_db_option

    serve = commands.add_parser(
        "serve", help="run the campaigns' scheduled jobs on this machine, with no window",
        description="Run every scheduled job (rounds, reminder enrolment, exports, lease "
        "sweeping) until stopped with Ctrl+C or SIGTERM. Safe alongside clients doing the "
        "same: each job is done once per day.")
    add_db_option(serve)
    serve.add_argument("--exports", metavar="DIR", help=EXPORTS_HELP)
    serve.add_argument("--notify-config", metavar="FILE",
                       help="GOV.UK Notify settings (TOML: api_key, base_url, per_minute); "
                       "else $OUTBOUND_NOTIFY_API_KEY or the key kept by `notify key`. "
                       "Without a key no messages are sent from this machine")
    serve.set_defaults(handler=run_serve)

    jobs = commands.add_parser("jobs", help="list the scheduled jobs, or run one now")
    add_db_option(jobs)
    jobs.add_argument("--exports", metavar="DIR", help=EXPORTS_HELP)
    jobs.set_defaults(handler=run_list)
    actions = jobs.add_subparsers(dest="action", metavar="ACTION")
    run = actions.add_parser("run", help="run one job now, for today (or this week)")
    add_db_option(run)
    run.add_argument("--exports", metavar="DIR", default=argparse.SUPPRESS,
                     help=EXPORTS_HELP)
    run.add_argument("job_id", metavar="JOB_ID", help="e.g. round:1 (see `jobs`)")
    run.add_argument("--force", action="store_true",
                     help="run it again even if it has already been done")
    run.set_defaults(handler=run_one)


def _when(instant: datetime | None) -> str:
    return f"{to_london(instant):%a %d %b %Y %H:%M}" if instant else "never"


def run_serve(args: argparse.Namespace) -> int:
    from outbound.schedule import export_folder
    from outbound.schedule.serve import serve

    # What the server did is its output: INFO to stderr, whatever -v says, without the
    # libraries' own chatter unless -v asks for it.
    logging.getLogger().setLevel(logging.INFO)
    if not args.verbose:
        for noisy in ("apscheduler", "alembic"):
            logging.getLogger(noisy).setLevel(logging.WARNING)
    folder = export_folder(args.exports)
    settings = _notify_settings(args)
    with opened_database(args.db) as db:
        sender = None
        if settings is not None:
            from outbound.notify.client import NotifyGateway
            from outbound.notify.sender import Sender, SenderSettings

            sender = Sender(db, NotifyGateway(settings.api_key, settings.base_url),
                            SenderSettings(per_minute=settings.per_minute))
        serve(db, export_to=folder, sender=sender)
    return 0


def _notify_settings(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from outbound.notify.config import load_notify_settings

    settings = load_notify_settings(getattr(args, "notify_config", None))
    if settings is None:
        logging.getLogger(__name__).info(
            "No GOV.UK Notify key on this machine: messages wait for a service that has "
            "one (see `notify key`).")
    else:
        logging.getLogger(__name__).info("Messages go to GOV.UK Notify at %s (key from %s).",
                                         settings.base_url, settings.where)
    return settings


def run_list(args: argparse.Namespace) -> int:
    from outbound.schedule import build_jobs, export_folder, job_statuses

    now = utcnow()
    with opened_database(args.db) as db:
        jobs = build_jobs(db, export_to=export_folder(args.exports))
        statuses = job_statuses(db, jobs, now)
    for status in statuses:
        print(f"{status.job_id}\t{status.description}")
        if status.last_run is not None:
            print(f"\tlast run: {_when(status.last_run)} ({status.last_status}): "
                  f"{status.last_result or ''}".rstrip())
        else:
            print("\tlast run: never")
        print(f"\tnext run: {_when(status.next_run)}")
        if status.warning:
            print(f"\twarning: {status.warning}")
    return 0


def run_one(args: argparse.Namespace) -> int:
    from outbound.schedule import export_folder, run_job_now

    with opened_database(args.db) as db:
        outcome = run_job_now(db, args.job_id, force=args.force,
                              export_to=export_folder(args.exports))
    if outcome.status == "failed":
        print(f"Error: {outcome.job_id} failed: {outcome.result}", file=sys.stderr)
        return 1
    if outcome.status == "skipped":
        hint = " Use --force to run it again." if outcome.result.startswith("Already") else ""
        print(f"{outcome.job_id}: {outcome.result}{hint}")
        return 0
    print(f"{outcome.job_id}: {outcome.result}")
    return 0
