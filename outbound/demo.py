"""A fictitious county for demonstrations, training and benchmarks.

Pendleshire has 720 care providers, a registrar backlog of 4,000 families, 2,500
concessionary bus pass holders (with a renewal wave on one date) and 1,200 Blue Badge
holders. Every number is in a range Ofcom keeps for drama, so the demo can never ring a
real person; "PN" is not a real postcode area.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from outbound.db.database import Database
from outbound.importing import import_rows
from outbound.importing.report import ImportReport

# Ofcom's drama ranges that phonenumbers accepts as valid: (prefix, first, count).
DRAMA_RANGES: tuple[tuple[str, int, int], ...] = (
    ("0113 496 ", 0, 1000), ("0114 496 ", 0, 1000), ("0116 496 ", 0, 1000),
    ("0117 496 ", 0, 1000), ("0118 496 ", 0, 1000), ("0121 496 ", 0, 1000),
    ("0131 496 ", 0, 1000), ("0141 496 ", 0, 1000), ("0151 496 ", 0, 1000),
    ("0161 496 ", 0, 1000), ("020 7946 ", 0, 1000), ("0191 498 ", 0, 1000),
    ("028 9649 ", 6000, 1000),
)
DISTRICTS = ("Ashworth", "Brackenfield", "Calder Vale", "Dunmoor", "Eastholme",
             "Fellside", "Greywell", "Harwood Bridge")
STREETS = ("Church Street", "Mill Lane", "Station Road", "Moor Lane", "Park Avenue",
           "Victoria Road", "Bridge Street", "Chapel Row", "Queens Drive", "Hollins Lane")
HOME_WORDS = ("Oak", "Beech", "Rowan", "Willow", "Heather", "Laurel", "Ash", "Holly",
              "Meadow", "Brook", "Elm", "Cedar", "Linden", "Larch", "Hawthorn", "Alder")
HOME_ENDS = ("House", "Lodge", "Court", "Grange", "View", "Manor", "Gardens", "Mews")
PROVIDERS = ("Pendle Care Ltd", "Fellside Homes Ltd", "Brightwater Care Group",
             "Northern Lights Care Ltd", "Kinder Support Services", "Hillcrest Healthcare",
             "Riverside Community Care CIC", "Greenacre Living Ltd")
FIRST = ("Amelia", "Olivia", "Isla", "Ava", "Mia", "Grace", "Sophie", "Aisha", "Zara",
         "Harriet", "Jack", "Oliver", "Harry", "George", "Noah", "Leo", "Arjun", "Mohammed",
         "Tomasz", "Kacper", "Fatima", "Priya", "Bethany", "Callum", "Declan", "Eilidh",
         "Margaret", "Dorothy", "Joan", "Brian", "Kenneth", "Sheila", "Derek", "Maureen")
LAST = ("Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies",
        "Patel", "Khan", "Hussain", "Robinson", "Wright", "Thompson", "Walker", "White",
        "Hughes", "Edwards", "Green", "Hall", "Wood", "Harris", "Lewis", "Martin",
        "Nowak", "Kowalski", "Begum", "Ali", "O'Brien", "McDonald", "Ashworth", "Pickles")
NEEDS = ("BSL interpreter", "Interpreter: Polish", "Interpreter: Urdu", "Hearing loss",
         "Interpreter: Punjabi", "Large print letters")
SERVICE_TYPES = (("Residential home", 0.45), ("Nursing home", 0.2),
                 ("Domiciliary care", 0.25), ("Supported living", 0.1))
BUS_PASS_WAVE = date(2027, 3, 31)


@dataclass
class DemoSummary:
    reports: list[ImportReport]

    @property
    def contacts(self) -> int:
        return sum(r.created + r.updated + r.unchanged for r in self.reports)


class _Numbers:
    """Hands out drama numbers without repeats, from a shuffled pool."""

    def __init__(self, rng: random.Random) -> None:
        self.pool = [f"{prefix}{n:04d}" for prefix, first, count in DRAMA_RANGES
                     for n in range(first, first + count)]
        rng.shuffle(self.pool)

    def next(self) -> str:
        return self.pool.pop()


def _postcode(rng: random.Random, district_index: int) -> str:
    letters = "ABDEFGHJLNPQRSTUWXYZ"
    return f"PN{district_index + 1}{rng.randint(1, 9)} {rng.randint(1, 9)}" \
           f"{rng.choice(letters)}{rng.choice(letters)}"


def _person(rng: random.Random) -> str:
    return f"{rng.choice(FIRST)} {rng.choice(LAST)}"


def _address(rng: random.Random, district: str) -> str:
    return f"{rng.randint(1, 180)} {rng.choice(STREETS)}, {district}"


def providers(rng: random.Random, numbers: _Numbers, count: int = 720) -> Iterator[list[str]]:
    used: set[str] = set()
    types, weights = zip(*SERVICE_TYPES, strict=True)
    for i in range(count):
        d = rng.randrange(len(DISTRICTS))
        while True:
            name = f"{rng.choice(HOME_WORDS)} {rng.choice(HOME_ENDS)}"
            if name not in used:
                break
            name = f"{name} ({DISTRICTS[d]})"
            if name not in used:
                break
        used.add(name)
        service = rng.choices(types, weights)[0]
        places = rng.randint(8, 90) if "home" in service else rng.randint(10, 250)
        phone = numbers.next()
        if rng.random() < 0.15:
            phone = f"{phone} / {numbers.next()}"
        elif rng.random() < 0.05:
            phone = f"{phone} ext {rng.randint(200, 260)}"
        slug = name.lower().replace(" ", "").replace("(", "").replace(")", "")
        yield [f"1-{1_000_000_001 + i * 7919}", name, rng.choice(PROVIDERS), service,
               _person(rng), phone, f"manager@{slug}.example.org",
               _address(rng, DISTRICTS[d]), _postcode(rng, d), DISTRICTS[d], str(places)]


def registrar_backlog(rng: random.Random, numbers: _Numbers,
                      count: int = 4000) -> Iterator[list[str]]:
    start = date(2026, 9, 1)
    for i in range(count):
        d = rng.randrange(len(DISTRICTS))
        babies = "2" if rng.random() < 0.02 else "1"
        need = rng.choice(NEEDS) if rng.random() < 0.06 else ""
        born = start + timedelta(days=rng.randrange(80))
        yield [f"REG-2026-{i + 1:05d}", _person(rng), numbers.next(),
               _address(rng, DISTRICTS[d]), _postcode(rng, d), DISTRICTS[d],
               born.isoformat(), babies, need]


def bus_passes(rng: random.Random, numbers: _Numbers, count: int = 2500) -> Iterator[list[str]]:
    for i in range(count):
        d = rng.randrange(len(DISTRICTS))
        if rng.random() < 0.6:
            expiry = BUS_PASS_WAVE
        else:
            expiry = date(2026, 12, 1) + timedelta(days=rng.randrange(540))
        prefer = rng.choice(("phone", "phone", "phone", "letter", "email"))
        need = rng.choice(NEEDS) if rng.random() < 0.05 else ""
        yield [f"{63_300_000_000 + i * 37:011d}", _person(rng), numbers.next(),
               _address(rng, DISTRICTS[d]), _postcode(rng, d), DISTRICTS[d],
               expiry.strftime("%d/%m/%Y"), prefer, need]


def blue_badges(rng: random.Random, numbers: _Numbers, count: int = 1200) -> Iterator[list[str]]:
    for i in range(count):
        d = rng.randrange(len(DISTRICTS))
        expiry = date(2026, 12, 1) + timedelta(days=rng.randrange(3 * 365))
        need = rng.choice(NEEDS) if rng.random() < 0.08 else ""
        yield [f"BB{400_000 + i * 13:07d}", _person(rng), numbers.next(),
               _address(rng, DISTRICTS[d]), _postcode(rng, d), DISTRICTS[d],
               expiry.isoformat(), need]


def _numbered(rows: Iterator[list[str]]) -> Iterator[tuple[int, list[str]]]:
    return ((i + 2, row) for i, row in enumerate(rows))


def build_demo(db: Database, *, seed: int = 2026, scale: float = 1.0) -> DemoSummary:
    """Fill ``db`` with the Pendleshire demo contacts; running it again changes nothing."""
    rng = random.Random(seed)
    numbers = _Numbers(rng)
    n = lambda count: max(1, int(count * scale))  # noqa: E731
    lists = [
        ("Care providers (CQC)", "organisation",
         ["CQC location ID", "Name", "Provider", "Service type", "Registered manager",
          "Telephone", "Email", "Address", "Postcode", "District", "Places"],
         providers(rng, numbers, n(720))),
        ("Registration service", "person",
         ["Reference", "Name", "Telephone", "Address", "Postcode", "District",
          "Baby's date of birth", "Babies", "Accessibility needs"],
         registrar_backlog(rng, numbers, n(4000))),
        ("NoWcard", "person",
         ["Pass number", "Name", "Telephone", "Address", "Postcode", "District",
          "Expiry date", "Preferred contact", "Accessibility needs"],
         bus_passes(rng, numbers, n(2500))),
        ("Blue Badge", "person",
         ["Badge number", "Name", "Telephone", "Address", "Postcode", "District",
          "Expiry date", "Accessibility needs"],
         blue_badges(rng, numbers, n(1200))),
    ]
    reports = []
    for source, kind, headers, rows in lists:
        report = import_rows(db, headers, _numbered(rows), file_name=f"demo: {source}",
                             source=source, kind=kind,
                             imported_by="demo")
        reports.append(report)
    return DemoSummary(reports)
