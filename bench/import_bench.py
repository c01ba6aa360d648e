"""Import speed against its floor: phonenumbers parsing and validating the same cells.

    python bench/import_bench.py --rows 100000 [--pg postgresql://...] [--repeat 3]

Builds a CSV with the damage real lists have (lost leading zeros, +44 and (0) forms,
extensions, two numbers in a cell, scientific notation, NA, premium numbers), then
times, each in a fresh process: the floor (parse + is_valid on every phone cell and
nothing else), and the import into a new SQLite file (and PostgreSQL when given). Prints
rows per second, peak memory (RSS of the importing process) and import time / floor.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
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


def build_csv(path: Path, rows: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(["Reference", "Name", "Telephone", "Address", "Postcode", "District",
                      "Expiry date", "Notes"])
        for i in range(rows):
            out.writerow([f"R{i:08d}", f"Resident {i}", _number(rng),
                          f"{rng.randint(1, 200)} Mill Lane", f"PN{rng.randint(1, 8)} 1AB",
                          f"District {rng.randint(1, 8)}",
                          f"{rng.randint(1, 28):02d}/03/2027", "" if i % 5 else "BSL"])


FLOOR = """
import csv, sys, time, resource, json, phonenumbers
path = sys.argv[1]
start = time.perf_counter()
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
print(json.dumps({"seconds": elapsed,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

IMPORT = """
import sys, time, resource, json
from outbound.db import open_database
from outbound.importing import import_file
db = open_database(sys.argv[2])
start = time.perf_counter()
report = import_file(db, sys.argv[1])
elapsed = time.perf_counter() - start
print(json.dumps({"seconds": elapsed, "counts": report.counts, "created": report.created,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def _run(code: str, *args: str) -> dict:
    result = subprocess.run([sys.executable, "-c", code, *args], capture_output=True,
                            text=True, cwd=REPO, check=False)
    if result.returncode != 0:
        raise SystemExit(result.stderr)
    return json.loads(result.stdout.strip().splitlines()[-1])


def _fresh_pg(url: str) -> str:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    admin = make_url(url).set(drivername="postgresql+psycopg")
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text('DROP DATABASE IF EXISTS "outbound_bench"'))
        conn.execute(text('CREATE DATABASE "outbound_bench"'))
    engine.dispose()
    return admin.set(database="outbound_bench").render_as_string(hide_password=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--pg", metavar="URL", help="also import into this PostgreSQL")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        csv_path = Path(folder) / "list.csv"
        build_csv(csv_path, args.rows)
        print(f"{args.rows:,} rows, {csv_path.stat().st_size / 1e6:.1f} MB of CSV")
        floors = [_run(FLOOR, str(csv_path))["seconds"] for _ in range(args.repeat)]
        floor = statistics.median(floors)
        print(f"floor (phonenumbers only): median {floor:.2f} s, "
              f"{args.rows / floor:,.0f} rows/s")
        targets = [("SQLite", None)] + ([("PostgreSQL", args.pg)] if args.pg else [])
        for label, url in targets:
            runs = []
            for i in range(args.repeat):
                target = _fresh_pg(url) if url else f"sqlite:///{folder}/bench{i}.db"
                started = time.perf_counter()
                runs.append(_run(IMPORT, str(csv_path), target))
                runs[-1]["wall"] = time.perf_counter() - started
            seconds = statistics.median(r["seconds"] for r in runs)
            peak = max(r["peak_mb"] for r in runs)
            print(f"import into {label}: median {seconds:.2f} s, "
                  f"{args.rows / seconds:,.0f} rows/s, peak {peak:.0f} MB, "
                  f"ratio to floor {seconds / floor:.2f}  {runs[0]['counts']}")


if __name__ == "__main__":
    main()
