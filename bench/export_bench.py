"""Export speed and memory: a year of the care tracker, against the csv module's floor.

    python bench/export_bench.py [--rounds 365] [--providers 700] [--only csv-wide,...]
                                 [--repeat 3]

Fills a fresh SQLite file with ``providers`` x ``rounds`` answer sets of the care
tracker's form (bulk-inserted, with their tasks, attempts, flags and a few corrected
outcomes), then runs each export (CSV and XLSX, wide and long) in a fresh process and
prints rows per second and that process's peak memory (RSS), round by round.

Each export is compared with a floor timed right after it, in the same round: for a
CSV, Python's csv module writing the same number of rows of the same shape from
memory; for an XLSX, XlsxWriter in ``constant_memory`` mode writing the same rows
(the export's own first 50,000, read back with python-calamine, over and over) through
its public typed writers, dates with a date format, and closing the workbook. The
ratio printed is the median of the rounds' ratios, with their range, of wall time and
of CPU seconds: an export is one process, and on a shared machine its CPU seconds are
what another program's load leaves alone.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

EXPORTS = ("csv-wide", "csv-long", "xlsx-wide", "xlsx-long")
COMMENTS = ("Short of night staff this week", "=Manager asked us to call after 2pm",
            "New manager from Monday", "+ two new starters", "Lift out of order",
            "Agency cover booked for the weekend", "Asked about the vaccination clinic dates")
REASONS = ("Worried about side effects", "Pregnancy or fertility concerns", "Medical reasons",
           "Distrust of the vaccine", "Hard to get to a clinic", "Other")
RAG = ("red", "amber", "green", "green", "green", "blue", "blue")


def _answers(rng: random.Random, home: bool, service: str) -> tuple[dict[str, Any], list[str]]:
    """One provider's answers for a day, and the fields that crossed an alert."""
    a: dict[str, Any] = {"service_type": service}
    if home:
        beds = rng.randint(20, 90)
        occupied = rng.randint(beds - 10, beds)
        a.update(beds_max=beds, beds_occupied=occupied, beds_vacant_reserved=rng.randint(0, 2),
                 beds_vacant_available=max(beds - occupied - 2, 0),
                 visiting=rng.choice(("Open", "Open", "Restricted", "Closed")))
    else:
        a["people_supported"] = rng.randint(20, 400)
    staff = [rng.randint(0, 8), rng.randint(0, 3), rng.randint(10, 80), rng.randint(0, 10),
             rng.randint(3, 20), rng.randint(0, 4)]
    a.update(nurses_employed=staff[0], nurses_agency=staff[1], care_staff_employed=staff[2],
             care_staff_agency=staff[3], non_care_staff_employed=staff[4],
             non_care_staff_agency=staff[5], staff_total=sum(staff),
             staff_absent_covid=rng.randint(0, 4), any_cases=rng.random() < 0.1)
    if a["any_cases"]:
        a.update(staff_cases_suspected=rng.randint(0, 3), staff_cases_confirmed=rng.randint(0, 2),
                 resident_cases_suspected=rng.randint(0, 3),
                 resident_cases_confirmed=rng.randint(0, 2))
    for item in ("ppe_masks", "ppe_gloves", "ppe_aprons", "ppe_eye_protection"):
        a[item] = rng.choice(RAG)
    a.update(confidence=rng.choice(("Confident", "Confident", "Confident", "Some concerns",
                                    "Not confident")),
             staff_covid_vaccinated=int(sum(staff) * 0.8),
             staff_flu_vaccinated=int(sum(staff) * 0.6),
             residents_covid_vaccinated=rng.randint(10, 80),
             staff_vaccine_concerns=rng.random() < 0.3)
    if a["staff_vaccine_concerns"]:
        a["low_uptake_reasons"] = rng.sample(REASONS, rng.randint(1, 3))
    if rng.random() < 0.2:
        a["comments"] = rng.choice(COMMENTS)
    flags = [k for k in ("ppe_masks", "ppe_gloves", "ppe_aprons", "ppe_eye_protection")
             if a[k] == "red"]
    flags += [k for k in ("staff_cases_confirmed", "resident_cases_confirmed") if a.get(k)]
    if home and a["beds_vacant_available"] < 1:
        flags.append("beds_vacant_available")
    if a["confidence"] == "Not confident":
        flags.append("confidence")
    return a, flags


def build(path: Path, providers: int, rounds: int, seed: int = 11) -> int:
    """A fresh database with a year (or ``rounds`` days) of answers; returns the campaign."""
    from sqlalchemy import insert

    from outbound.campaigns.template import get_template
    from outbound.db import open_database
    from outbound.db.capture_models import AnswerFlag, AnswerSet, FormVersion
    from outbound.db.models import Attempt, Contact, Task
    from outbound.queue.campaigns import create_campaign
    from outbound.users import add_user

    rng = random.Random(seed)
    db = open_database(str(path))
    agents = [add_user(db, f"Agent {i}") for i in range(12)]
    campaign = create_campaign(db, "care_capacity_tracker", "Care capacity tracker")
    fields = [dict(f) for f in get_template("care_capacity_tracker").form]
    services = ("Residential home", "Nursing home", "Domiciliary care", "Supported living")
    kinds = [rng.choice(services) for _ in range(providers)]
    start = date(2026, 1, 1)
    ids = {"set": 0, "task": 0, "attempt": 0}
    with db.engine.begin() as conn:
        conn.execute(insert(FormVersion), [{"id": 1, "template_code": "care_capacity_tracker",
                                            "version": 1, "fingerprint": "bench",
                                            "fields": fields}])
        conn.execute(insert(Contact), [
            {"id": i + 1, "name": f"Provider {i + 1}", "name_key": f"provider {i + 1}",
             "organisation": f"Care Group {i % 90}", "external_ref": f"1-{100000 + i}",
             "district": f"District {i % 12}", "source": "CQC", "kind": "organisation",
             "primary_phone": f"+44161496{i:04d}"} for i in range(providers)])
        for r in range(rounds):
            day = start + timedelta(days=r)
            key = day.isoformat()
            base = datetime(day.year, day.month, day.day, 8, tzinfo=UTC)
            tasks, attempts, sets, flags = [], [], [], []
            for p in range(providers):
                when = base + timedelta(seconds=rng.randint(0, 10 * 3600))
                ids["task"] += 1
                tasks.append({"id": ids["task"], "campaign_id": campaign, "contact_id": p + 1,
                              "round_key": key, "status": "done", "due_at": base,
                              "attempts": 1, "last_outcome": "completed",
                              "completed_at": when, "priority": 60})
                copies = 2 if rng.random() < 0.01 else 1      # a corrected outcome
                for copy in range(copies):
                    ids["attempt"] += 1
                    ids["set"] += 1
                    agent = rng.choice(agents)
                    attempts.append({
                        "id": ids["attempt"], "task_id": ids["task"], "campaign_id": campaign,
                        "contact_id": p + 1, "agent_id": agent, "recorded_at": when,
                        "outcome": "completed", "contact_made": True,
                        "duration_seconds": rng.randint(120, 600), "notes": None,
                        "supersedes_id": ids["attempt"] - 1 if copy else None})
                    answers, raised = _answers(rng, kinds[p] in services[:2], kinds[p])
                    sets.append({"id": ids["set"], "campaign_id": campaign, "contact_id": p + 1,
                                 "task_id": ids["task"], "attempt_id": ids["attempt"],
                                 "round_key": key, "form_version_id": 1, "agent_id": agent,
                                 "recorded_at": when, "answers": answers,
                                 "confirmations": {}, "carried_forward": [],
                                 "unchanged": False, "flagged": bool(raised)})
                    flags += [{"answer_set_id": ids["set"], "campaign_id": campaign,
                               "contact_id": p + 1, "round_key": key, "field": name,
                               "value": str(answers[name]), "rule": "alert",
                               "message": f"{name} crossed its alert", "raised_at": when}
                              for name in raised]
            conn.execute(insert(Task), tasks)
            conn.execute(insert(Attempt), attempts)
            conn.execute(insert(AnswerSet), sets)
            if flags:
                conn.execute(insert(AnswerFlag), flags)
    db.close()
    return campaign


EXPORT = """
import json, resource, sys, time
from pathlib import Path
from outbound.db import open_database
from outbound.exports import export_answers
db = open_database(sys.argv[1], migrate=False)
fmt, layout = sys.argv[3].split("-")
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
start, cpu = time.perf_counter(), time.process_time()
result = export_answers(db, int(sys.argv[2]), fmt=fmt, layout=layout, out=Path(sys.argv[4]))
elapsed = time.perf_counter() - start
print(json.dumps({"seconds": elapsed, "rows": result.rows, "base_mb": base,
                  "cpu": time.process_time() - cpu,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

FLOOR = """
import csv, itertools, json, resource, sys, time
sample = []
with open(sys.argv[1], newline="", encoding="utf-8-sig") as handle:
    reader = csv.reader(handle)
    next(reader)
    for row in itertools.islice(reader, 50000):
        sample.append([int(v) if v.isdigit() else v for v in row])
total = int(sys.argv[2])
start, cpu = time.perf_counter(), time.process_time()
with open(sys.argv[3], "w", newline="", encoding="utf-8-sig") as handle:
    write = csv.writer(handle).writerow
    written = 0
    while written < total:
        for row in sample[:total - written]:
            write(row)
        written += min(len(sample), total - written)
elapsed = time.perf_counter() - start
print(json.dumps({"seconds": elapsed, "rows": total, "cpu": time.process_time() - cpu,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


XLSX_FLOOR = """
import datetime as dt, itertools, json, resource, sys, time
import python_calamine, xlsxwriter
with python_calamine.CalamineWorkbook.from_path(sys.argv[1]) as book:
    rows = book.get_sheet_by_name("Answers").iter_rows()
    header = next(rows)
    sample = list(itertools.islice(rows, 50000))
total = int(sys.argv[2])
start, cpu = time.perf_counter(), time.process_time()
book = xlsxwriter.Workbook(sys.argv[3], {"constant_memory": True})
bold = book.add_format({"bold": True})
as_date = book.add_format({"num_format": "dd/mm/yyyy"})
as_datetime = book.add_format({"num_format": "dd/mm/yyyy hh:mm"})
as_time = book.add_format({"num_format": "hh:mm"})
sheet = book.add_worksheet("Answers")
sheet.freeze_panes(1, 0)
for c, heading in enumerate(header):
    sheet.write_string(0, c, str(heading), bold)
r = 0
while r < total:
    for row in sample[:total - r]:
        r += 1
        for c, value in enumerate(row):
            kind = type(value)
            if kind is str:
                if value:
                    sheet.write_string(r, c, value)
            elif kind is float or kind is int:
                sheet.write_number(r, c, value)
            elif kind is dt.datetime:
                sheet.write_datetime(r, c, value, as_datetime)
            elif kind is dt.date:
                sheet.write_datetime(r, c, value, as_date)
            elif kind is dt.time:
                sheet.write_datetime(r, c, value, as_time)
            elif kind is bool:
                sheet.write_boolean(r, c, value)
sheet.autofilter(0, 0, total, len(header) - 1)
book.close()
elapsed = time.perf_counter() - start
print(json.dumps({"seconds": elapsed, "rows": total, "cpu": time.process_time() - cpu,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def _run(code: str, *args: str) -> dict[str, Any]:
    result = subprocess.run([sys.executable, "-c", code, *args], capture_output=True,
                            text=True, cwd=REPO, check=False)
    if result.returncode != 0:
        raise SystemExit(result.stderr)
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=365)
    parser.add_argument("--providers", type=int, default=700)
    parser.add_argument("--only", default=",".join(EXPORTS),
                        help="which exports, e.g. csv-wide,xlsx-wide")
    parser.add_argument("--repeat", type=int, default=3, help="rounds of every export")
    parser.add_argument("--folder", type=Path, help="work here (default: a temporary folder)")
    parser.add_argument("--reuse", action="store_true",
                        help="use the folder's bench.db from an earlier run (campaign 1)")
    args = parser.parse_args()
    chosen = [name for name in args.only.split(",") if name]
    with tempfile.TemporaryDirectory(prefix="export-bench-") as temp:
        folder = args.folder or Path(temp)
        db_path = folder / "bench.db"
        if args.reuse and db_path.exists():
            campaign = 1
            print(f"Using {db_path} ({db_path.stat().st_size / 2**20:.0f} MB).")
        else:
            db_path.unlink(missing_ok=True)
            began = time.perf_counter()
            campaign = build(db_path, args.providers, args.rounds)
            print(f"Built {args.providers} providers x {args.rounds} rounds in "
                  f"{time.perf_counter() - began:.1f}s "
                  f"({db_path.stat().st_size / 2**20:.0f} MB).")
        results: dict[str, list[tuple[dict[str, Any], dict[str, Any]]]] = {
            name: [] for name in chosen}
        print(f"{'export':<10} {'round':>5} {'rows':>11} {'seconds':>8} {'rows/s':>10}"
              f" {'peak MB':>8} {'floor s':>8} {'x floor':>8} {'CPU s':>7} {'floor':>6}"
              f" {'x floor':>8}")
        # Round by round, each export then its floor, so that a machine busy for a while
        # slows both alike.
        for round_ in range(1, args.repeat + 1):
            for name in chosen:
                fmt = name.split("-")[0]
                out = folder / f"export-{name}.{fmt}"
                got = _run(EXPORT, str(db_path), str(campaign), name, str(out))
                floor_out = folder / f"floor.{fmt}"
                floor = _run(FLOOR if fmt == "csv" else XLSX_FLOOR, str(out),
                             str(got["rows"]), str(floor_out))
                floor_out.unlink(missing_ok=True)
                results[name].append((got, floor))
                print(f"{name:<10} {round_:>5} {got['rows']:>11,} {got['seconds']:>8.1f} "
                      f"{got['rows'] / got['seconds']:>10,.0f} {got['peak_mb']:>8.0f}"
                      f" {floor['seconds']:>8.1f} {got['seconds'] / floor['seconds']:>8.2f}"
                      f" {got['cpu']:>7.1f} {floor['cpu']:>6.1f}"
                      f" {got['cpu'] / floor['cpu']:>8.2f}", flush=True)
                for made in folder.glob("export-*"):
                    made.unlink()
        print()
        for name, runs in results.items():
            seconds = [got["seconds"] for got, _ in runs]
            floors = [floor["seconds"] for _, floor in runs]
            ratios = [a / b for a, b in zip(seconds, floors, strict=True)]
            cpu_ratios = [got["cpu"] / floor["cpu"] for got, floor in runs]
            kind = "csv module" if name.startswith("csv") else "XlsxWriter constant_memory"
            print(f"{name}: median {statistics.median(seconds):.1f} s "
                  f"({min(seconds):.1f}-{max(seconds):.1f}), peak "
                  f"{max(got['peak_mb'] for got, _ in runs):.0f} MB; floor ({kind}) "
                  f"median {statistics.median(floors):.1f} s ({min(floors):.1f}-"
                  f"{max(floors):.1f}); ratio median {statistics.median(ratios):.2f} "
                  f"({min(ratios):.2f}-{max(ratios):.2f}); CPU seconds ratio median "
                  f"{statistics.median(cpu_ratios):.2f} ({min(cpu_ratios):.2f}-"
                  f"{max(cpu_ratios):.2f})")


if __name__ == "__main__":
    main()
