"""Import speed against its floor: phonenumbers parsing and validating the same cells.

    python bench/import_bench.py --rows 100000 [--formats csv,xlsx] [--pg postgresql://...]
                                 [--repeat 3]

Builds a list with the damage real lists have (lost leading zeros, +44 and (0) forms,
extensions, two numbers in a cell, scientific notation, NA, premium numbers), as a CSV
and as the XLSX Excel would save (the numbers that lost their zero as number cells,
dates as date cells, shared strings), then times, each in a fresh process and round by
round: the floor, and the import into a new SQLite file (and PostgreSQL when given:
into a scratch database created on that server and dropped afterwards).

The CSV floor is parse + is_valid on every phone cell and nothing else, on one core;
the import splits that work across processes, so it can beat it. The XLSX floor is
python-calamine reading every cell of the sheet, plus the same phonenumbers work. The
import has phonenumbers keep its compiled patterns (enable_pattern_cache), which makes
phonenumbers itself faster; so each floor is also timed that way, and the import's time
is given against both: the floor as phonenumbers comes, and the stricter one. The
import also gives the numbers written nationally in digits (0113 496 0123, half of this
list) to phonenumbers' validation without its general parser (outbound/phones.py,
``_uk_national``), so it does less phonenumbers work than either floor.

Workbooks are read with python-calamine up to ``CALAMINE_MAX_XML`` (100 MiB of sheet XML
and shared strings, about 290,000 rows of this list), and streamed with openpyxl past
it: at 300,000 rows read by python-calamine the importing process peaked at 344 MB,
under the 400 MB the import must stay within; streamed, 280 MB.

Prints rows per second, import time / floor (median of the rounds' ratios, with their
range), and peak memory twice: the importing process's own peak RSS, and the peak of
the whole process tree (importing process, forkserver and workers) in PSS, which
counts shared pages once, sampled every 50 ms. CPU seconds of the whole tree are shown
too, as they vary less than wall time on a busy machine.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PREFIXES = ("113496", "114496", "116496", "117496", "118496", "121496", "131496",
            "141496", "151496", "161496", "2079460", "191498")


def _number(rng: random.Random) -> str:
    prefix = rng.choice(PREFIXES)
    digits = prefix + f"{rng.randrange(10 ** (10 - len(prefix))):0{10 - len(prefix)}d}"
    style = rng.random()
    if style < 0.35:
        return digits                                      # leading 0 lost
    if style < 0.55:
        return f"0{digits[:3]} {digits[3:6]} {digits[6:]}"
    if style < 0.65:
        return f"+44 (0){digits[:3]} {digits[3:]}"
    if style < 0.72:
        return f"0044 {digits}"
    if style < 0.77:
        return f"0{digits} ext {rng.randint(100, 999)}"
    if style < 0.82:
        return f"0{digits} / 0{rng.choice(PREFIXES)}{rng.randrange(1000):04d}"[:40]
    if style < 0.86:
        return f"{int(digits) / 1e9:.9f}E+9"                # scientific, digits kept
    if style < 0.89:
        return f"{digits[:7]}e3"                            # scientific, digits lost
    if style < 0.93:
        return "NA"
    if style < 0.95:
        return "09065 " + f"{rng.randrange(1000000):06d}"  # premium
    if style < 0.97:
        return digits[:6]                                  # truncated
    return f"0{digits[:3]}-{digits[3:6]}-{digits[6:]}"


HEADER = ["Reference", "Name", "Telephone", "Address", "Postcode", "District",
          "Expiry date", "Notes"]


def _rows(rows: int, seed: int = 7) -> Iterator[list[str]]:
    rng = random.Random(seed)
    for i in range(rows):
        yield [f"R{i:08d}", f"Resident {i}", _number(rng),
               f"{rng.randint(1, 200)} Mill Lane", f"PN{rng.randint(1, 8)} 1AB",
               f"District {rng.randint(1, 8)}",
               f"{rng.randint(1, 28):02d}/03/2027", "" if i % 5 else "BSL"]


def build_csv(path: Path, rows: int, seed: int = 7) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(HEADER)
        out.writerows(_rows(rows, seed))


_SCIENTIFIC = re.compile(r"\d+(\.\d+)?[eE]\+?\d+")


def build_xlsx(path: Path, rows: int, seed: int = 7) -> None:
    """The same list as Excel would save it: the numbers that lost their leading zero,
    and those shown in scientific notation, are number cells (a whole number stored as
    a float, 1134960001.0); the expiry dates are date cells; strings are shared."""
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path))   # not constant_memory: Excel shares strings
    sheet = book.add_worksheet("Residents")
    as_date = book.add_format({"num_format": "dd/mm/yyyy"})
    sheet.write_row(0, 0, HEADER)
    for r, row in enumerate(_rows(rows, seed), start=1):
        for c, cell in enumerate(row):
            if c == 2 and (cell.isdigit() or _SCIENTIFIC.fullmatch(cell)):
                sheet.write_number(r, c, float(cell))
            elif c == 6:
                day, month, year = map(int, cell.split("/"))
                sheet.write_datetime(r, c, dt.date(year, month, day), as_date)
            elif cell:
                sheet.write_string(r, c, cell)
    book.close()


# Both floors take "cached" as a second argument: phonenumbers keeping its compiled
# patterns (phonenumbers.enable_pattern_cache(), where the release has it), as the import
# has it do.
FLOOR = """
import csv, sys, time, resource, json, phonenumbers
path = sys.argv[1]
if sys.argv[2:] == ["cached"]:
    phonenumbers.enable_pattern_cache()
start, cpu = time.perf_counter(), time.process_time()
with open(path, newline="", encoding="utf-8") as handle:
    reader = csv.reader(handle)
    header = next(reader)
    column = header.index("Telephone")
    for row in reader:
        try:
            n = phonenumbers.parse(row[column], "GB")
        except phonenumbers.NumberParseException:
            continue
        phonenumbers.is_valid_number(n)
elapsed = time.perf_counter() - start
print(json.dumps({"seconds": elapsed, "cpu": time.process_time() - cpu,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

XLSX_FLOOR = """
import sys, time, resource, json, phonenumbers
from python_calamine import CalamineWorkbook
path = sys.argv[1]
if sys.argv[2:] == ["cached"]:
    phonenumbers.enable_pattern_cache()
start, cpu = time.perf_counter(), time.process_time()
with CalamineWorkbook.from_path(path) as book:
    rows = book.get_sheet_by_index(0).iter_rows()
    header = next(rows)
    column = header.index("Telephone")
    for row in rows:
        cell = row[column]
        if type(cell) is float:
            cell = str(int(cell)) if cell.is_integer() else repr(cell)
        try:
            n = phonenumbers.parse(cell, "GB")
        except phonenumbers.NumberParseException:
            continue
        phonenumbers.is_valid_number(n)
elapsed = time.perf_counter() - start
print(json.dumps({"seconds": elapsed, "cpu": time.process_time() - cpu,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

IMPORT = """
import sys, time, resource, json
from outbound.db import open_database
from outbound.importing import import_file
db = open_database(sys.argv[2])
cpu_before = time.process_time()
start = time.perf_counter()
report = import_file(db, sys.argv[1])
elapsed = time.perf_counter() - start
print(json.dumps({"seconds": elapsed, "counts": report.counts, "created": report.created,
                  "cpu_before": cpu_before,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


class _TreeSampler(threading.Thread):
    """Peak PSS and CPU seconds of a process and all its descendants, from /proc.

    Given a database, the CPU of the PostgreSQL backends serving it counts too when the
    server runs on this machine (their memory does not).
    """

    def __init__(self, pid: int, database: str | None = None) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.backend_title = f" {database} ".encode() if database else None
        self.peak_kb = 0
        self.cpu: dict[int, float] = {}
        self.done = threading.Event()
        self.tick = os.sysconf("SC_CLK_TCK")

    def _processes(self) -> tuple[list[int], list[int]]:
        """The process tree, and the database's backends."""
        children: dict[int, list[int]] = {}
        backends = []
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    with open(f"/proc/{entry}/stat") as handle:
                        parent = int(handle.read().rsplit(")", 1)[1].split()[1])
                    if self.backend_title:
                        with open(f"/proc/{entry}/cmdline", "rb") as handle:
                            title = handle.read()
                        if title.startswith(b"postgres: ") and self.backend_title in title:
                            backends.append(int(entry))
                except (OSError, IndexError, ValueError):
                    continue
                children.setdefault(parent, []).append(int(entry))
        tree, todo = [], [self.pid]
        while todo:
            pid = todo.pop()
            tree.append(pid)
            todo.extend(children.get(pid, []))
        return tree, backends

    def _sample(self) -> None:
        total = 0
        tree, backends = self._processes()
        for pid in tree:
            try:
                with open(f"/proc/{pid}/smaps_rollup") as handle:
                    total += sum(int(line.split()[1]) for line in handle
                                 if line.startswith("Pss:"))
            except (OSError, IndexError, ValueError):
                continue
        for pid in tree + backends:
            try:
                with open(f"/proc/{pid}/stat") as handle:
                    fields = handle.read().rsplit(")", 1)[1].split()
                self.cpu[pid] = (int(fields[11]) + int(fields[12])) / self.tick
            except (OSError, IndexError, ValueError):
                continue
        self.peak_kb = max(self.peak_kb, total)

    def run(self) -> None:
        while not self.done.wait(0.05):
            self._sample()


def _run(code: str, *args: str, database: str | None = None) -> dict:
    process = subprocess.Popen([sys.executable, "-c", code, *args], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, cwd=REPO)
    sampler = None
    if Path("/proc/self/smaps_rollup").exists():
        sampler = _TreeSampler(process.pid, database)
        sampler.start()
    stdout, stderr = process.communicate()
    if sampler is not None:
        sampler.done.set()
        sampler.join()
    if process.returncode != 0:
        raise SystemExit(stderr)
    result = json.loads(stdout.strip().splitlines()[-1])
    if sampler is not None:
        result["tree_mb"] = sampler.peak_kb / 1024
        # CPU of every process while importing: the importing process's start-up (before
        # its clock starts) left out
        result["tree_cpu"] = sum(sampler.cpu.values()) - result.get("cpu_before", 0)
    return result


class _ScratchPostgres:
    """A database of its own on the given server, created empty and dropped at the end."""

    def __init__(self, url: str) -> None:
        from sqlalchemy import create_engine
        from sqlalchemy.engine import make_url

        self.admin = make_url(url).set(drivername="postgresql+psycopg")
        self.engine = create_engine(self.admin, isolation_level="AUTOCOMMIT")
        self.name = f"outbound_bench_{uuid.uuid4().hex[:8]}"

    def fresh(self) -> str:
        from sqlalchemy import text

        self.drop()
        with self.engine.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{self.name}"'))
        return self.admin.set(database=self.name).render_as_string(hide_password=False)

    def drop(self) -> None:
        from sqlalchemy import text

        with self.engine.connect() as conn:
            conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                              "WHERE datname = :n"), {"n": self.name})
            conn.execute(text(f'DROP DATABASE IF EXISTS "{self.name}"'))

    def close(self) -> None:
        self.drop()
        self.engine.dispose()


def _spread(values: list[float], fmt: str = ".2f") -> str:
    return f"{statistics.median(values):{fmt}} ({min(values):{fmt}}-{max(values):{fmt}})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--formats", default="csv,xlsx", help="csv, xlsx or both")
    parser.add_argument("--pg", metavar="URL", help="also import into this PostgreSQL")
    parser.add_argument("--no-floor", action="store_true", help="skip timing the floor")
    parser.add_argument("--no-sqlite", action="store_true", help="skip the SQLite import")
    args = parser.parse_args()
    formats = [f for f in args.formats.split(",") if f]
    targets = ([] if args.no_sqlite else [("SQLite", None)]) \
        + ([("PostgreSQL", args.pg)] if args.pg else [])
    scratch = {label: _ScratchPostgres(url) for label, url in targets if url}
    floors: dict[str, list[dict]] = {fmt: [] for fmt in formats}
    cached_floors: dict[str, list[dict]] = {fmt: [] for fmt in formats}
    runs: dict[tuple[str, str], list[dict]] = {
        (fmt, label): [] for fmt in formats for label, _ in targets}
    with tempfile.TemporaryDirectory() as folder:
        lists = {}
        for fmt in formats:
            lists[fmt] = Path(folder) / f"list.{fmt}"
            (build_csv if fmt == "csv" else build_xlsx)(lists[fmt], args.rows)
            print(f"{args.rows:,} rows, {lists[fmt].stat().st_size / 1e6:.1f} MB of {fmt}")
        try:
            # Round by round, so that a machine busy for a while slows floor and imports
            # alike; each import is compared with the floor of its own round.
            for i in range(args.repeat):
                for fmt in formats:
                    if not args.no_floor:
                        floor = FLOOR if fmt == "csv" else XLSX_FLOOR
                        floors[fmt].append(_run(floor, str(lists[fmt])))
                        cached_floors[fmt].append(_run(floor, str(lists[fmt]), "cached"))
                    for label, url in targets:
                        target = (scratch[label].fresh() if url
                                  else f"sqlite:///{folder}/bench{i}{fmt}.db")
                        runs[fmt, label].append(
                            _run(IMPORT, str(lists[fmt]), target,
                                 database=scratch[label].name if url else None))
        finally:
            for database in scratch.values():
                database.close()
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") \
        else (os.cpu_count() or 1)
    for fmt in formats:
        floor_runs, cached_runs = floors[fmt], cached_floors[fmt]
        if floor_runs:
            what = ("phonenumbers only" if fmt == "csv"
                    else "python-calamine reading every cell + phonenumbers")
            seconds = [f["seconds"] for f in floor_runs]
            cached = [f["seconds"] for f in cached_runs]
            print(f"{fmt} floor ({what}): median {_spread(seconds)} s, "
                  f"{args.rows / statistics.median(seconds):,.0f} rows/s, "
                  f"{statistics.median(f['cpu'] for f in floor_runs):.1f} CPU s; "
                  f"with phonenumbers' pattern cache, as the import has it: "
                  f"{_spread(cached)} s")
        for label, _ in targets:
            done = runs[fmt, label]
            seconds = [r["seconds"] for r in done]
            peak = max(r["peak_mb"] for r in done)
            tree = max(r.get("tree_mb", 0) for r in done)
            cpu = statistics.median(r.get("tree_cpu", 0) for r in done)
            ratio = ""
            if floor_runs:
                ratios = [r["seconds"] / f["seconds"]
                          for r, f in zip(done, floor_runs, strict=True)]
                # what the ratio would be with every core free for the import: on a
                # shared machine, what another program's load leaves alone
                cpu_ratios = [r.get("tree_cpu", 0) / cores / f["cpu"]
                              for r, f in zip(done, floor_runs, strict=True)]
                cached_ratios = [r["seconds"] / f["seconds"]
                                 for r, f in zip(done, cached_runs, strict=True)]
                ratio = (f", ratio to floor {_spread(ratios)} (to the floor with the "
                         f"pattern cache {_spread(cached_ratios)}), CPU s / {cores} cores / "
                         f"floor CPU s {_spread(cpu_ratios)}")
            print(f"{fmt} import into {label}: median {_spread(seconds)} s, "
                  f"{args.rows / statistics.median(seconds):,.0f} rows/s, peak {peak:.0f} MB "
                  f"(with workers {tree:.0f} MB PSS), {cpu:.1f} CPU s{ratio}  "
                  f"{done[0]['counts']}")


if __name__ == "__main__":
    main()
