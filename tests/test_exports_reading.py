"""Reading answers for an export: the driver's cursor, batches, and odd stored answers."""

from __future__ import annotations

import csv
from datetime import date, time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from outbound.clock import local_instant
from outbound.db.capture_models import AnswerSet
from outbound.exports import AnswerFilter, export_answers
from outbound.exports.reading import CONTACT, ID, ROUND, answer_batches
from outbound.exports.source import campaign_info
from outbound.files import OutputError
from tests.test_exports_seed import seed_tracker, tracker_fields


def _open_cursors(session: Any) -> list[str]:
    return list(session.execute(text(
        "SELECT name FROM pg_cursors WHERE name LIKE 'outbound_export_%'")).scalars())


@pytest.mark.parametrize("batch", [1, 2, 100])
def test_the_newest_set_wins_whatever_the_batch_size(db, batch):
    seeded = seed_tracker(db)
    with db.read() as session:
        info = campaign_info(session, seeded.campaign_id)
        batches = list(answer_batches(session, info, AnswerFilter(), batch=batch))
        stored = session.query(AnswerSet).order_by(AnswerSet.id).all()
    rows = [row for part in batches for row in part]
    assert all(part for part in batches)
    # Oak House's corrected second round is its later set; the first is left out.
    newest = {(s.round_key, s.contact_id): s.id for s in stored}
    assert [(row[ROUND], row[CONTACT], row[ID]) for row in rows] == [
        (*key, set_id) for key, set_id in sorted(newest.items())]
    oak2 = next(s.id for s in stored if s.attempt_id == seeded.attempts["oak2"])
    assert oak2 not in {row[ID] for row in rows}


def test_answers_stream_through_a_cursor_closed_at_the_end(db):
    seeded = seed_tracker(db)
    with db.read() as session:
        info = campaign_info(session, seeded.campaign_id)
        batches = answer_batches(session, info, AnswerFilter(), batch=2)
        first = next(batches)
        assert 2 <= len(first) < 6
        if db.dialect == "postgresql":
            # A server-side cursor: the server holds the rows not fetched yet.
            assert len(_open_cursors(session)) == 1
        rest = [row for part in batches for row in part]
        assert len(first) + len(rest) == 6
        if db.dialect == "postgresql":
            assert _open_cursors(session) == []
        # Given up half way, the cursor is closed too.
        batches = answer_batches(session, info, AnswerFilter(), batch=1)
        next(batches)
        batches.close()
        if db.dialect == "postgresql":
            assert _open_cursors(session) == []


def test_a_failed_export_leaves_no_cursor_open(db, tmp_path, monkeypatch):
    seeded = seed_tracker(db)
    from outbound.exports.reading import LondonClock

    calls = {"n": 0}
    real = LondonClock.wall_text

    def failing(self: LondonClock, value: Any) -> str | None:
        calls["n"] += 1
        if calls["n"] == 3:
            raise OSError(28, "No space left on device")
        return real(self, value)

    monkeypatch.setattr(LondonClock, "wall_text", failing)
    with pytest.raises(OutputError, match="No space left"):
        export_answers(db, seeded.campaign_id, fmt="csv", layout="wide",
                       out=tmp_path / "x.csv")
    if db.dialect == "postgresql":
        with db.read() as session:
            assert _open_cursors(session) == []
    assert not list(tmp_path.glob("x*.csv"))


def _wide(db: Any, campaign: int, out: Path, **where: Any) -> tuple[Any, list[dict[str, str]]]:
    result = export_answers(db, campaign, fmt="csv", layout="wide", out=out, **where)
    with out.open(encoding="utf-8-sig", newline="") as handle:
        return result, list(csv.DictReader(handle))


def test_an_unknown_answer_beside_every_known_one_is_still_reported(db, tmp_path):
    seeded = seed_tracker(db)
    every: dict[str, Any] = {f["name"]: True if f.get("type") == "yes_no" else 1
                             for f in tracker_fields()}
    every.update(last_outbreak_ended="2026-01-01", extra="=SUM(A1)")

    def work(session: Any) -> None:
        session.add(AnswerSet(campaign_id=seeded.campaign_id, contact_id=seeded.contacts["oak"],
                              round_key="2026-03-31", form_version_id=seeded.v2,
                              recorded_at=local_instant(date(2026, 3, 31), time(12)),
                              answers=every))

    db.run_write(work)
    result, rows = _wide(db, seeded.campaign_id, tmp_path / "all.csv",
                         date_from=date(2026, 3, 31))
    assert result.rows == 1 and "extra (1)" in result.warnings[0]
    assert "last_outbreak_ended" not in result.warnings[0]
    assert rows[0]["Any suspected or confirmed Covid cases?"] == "Yes"
    assert rows[0]["Maximum beds"] == "1"


def test_answers_the_json_module_wrote_with_nan_still_export(sqlite_db, tmp_path):
    seeded = seed_tracker(sqlite_db)

    def work(session: Any) -> None:
        session.add(AnswerSet(campaign_id=seeded.campaign_id, contact_id=seeded.contacts["ash"],
                              round_key="2026-03-31", form_version_id=seeded.v2,
                              recorded_at=local_instant(date(2026, 3, 31), time(12)),
                              answers={"service_type": "Domiciliary care",
                                       "people_supported": float("nan"),
                                       "staff_total": 2**70, "comments": "@home"}))

    sqlite_db.run_write(work)
    result, rows = _wide(sqlite_db, seeded.campaign_id, tmp_path / "nan.csv",
                         date_from=date(2026, 3, 31))
    assert result.rows == 1
    assert rows[0]["People supported"] == "nan"
    assert rows[0]["Total staff on the roll"] == str(2**70)
    assert rows[0]["Comments"] == "'@home"


def test_lead_cells_made_once_read_back_as_the_csv_module_writes_them(tmp_path):
    import io

    from outbound.exports.tables import csv_cells_text, write_csv_table

    leads = [["1-101", "North, East", 'Oak "The" House\nAnnex'], [""], ["'=cmd", "x"]]
    rests = [[1, None, 2.5, "a,b"], ["", "Yes"], ["", ""]]
    out = io.StringIO()
    count = write_csv_table(out, ["h"], [[(csv_cells_text(lead), rest)
                                          for lead, rest in zip(leads, rests, strict=True)]],
                            prepared=True, batched=True, led=True)
    expected = io.StringIO()
    writer = csv.writer(expected)
    writer.writerow(["h"])
    writer.writerows([*lead, *rest] for lead, rest in zip(leads, rests, strict=True))
    assert count == 3 and out.getvalue() == expected.getvalue()


def test_contact_cells_with_commas_quotes_and_formulas_survive_the_wide_csv(db, tmp_path):
    seeded = seed_tracker(db)

    def work(session: Any) -> None:
        from outbound.db.models import Contact

        oak = session.get(Contact, seeded.contacts["oak"])
        oak.name = 'Oak "The" House,\nAnnex'
        oak.organisation = "-Oak Care"

    db.run_write(work)
    _result, rows = _wide(db, seeded.campaign_id, tmp_path / "names.csv")
    oak = [r for r in rows if r["Reference"] == "1-101"]
    assert [r["Name"] for r in oak] == ['Oak "The" House,\nAnnex'] * 2
    assert [r["Organisation"] for r in oak] == ["'-Oak Care"] * 2
    assert [r["Round"] for r in oak] == ["2026-03-28", "2026-03-30"]
    assert oak[0]["Maximum beds"] == "40"


def test_an_odd_stored_time_is_quoted_not_split(sqlite_db, tmp_path):
    seeded = seed_tracker(sqlite_db)
    with sqlite_db.engine.begin() as conn:
        conn.execute(text("UPDATE answer_set SET recorded_at = '2026-03-28 10:30,\"5' "
                          "WHERE attempt_id = :a"), {"a": seeded.attempts["elm1"]})
    _result, rows = _wide(sqlite_db, seeded.campaign_id, tmp_path / "odd.csv",
                          date_to=date(2026, 3, 28))
    elm = next(r for r in rows if r["Reference"] == "1-202")
    assert elm["Recorded at"] == '2026-03-28 10:30,"5'
    assert elm["Agent"] == "Asha" and elm["Maximum beds"] == "40"
