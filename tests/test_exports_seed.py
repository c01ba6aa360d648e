"""A small care tracker history for the export tests, written straight into the tables.

Two form versions (version 1 asked about masks ordered, version 2 dropped that and
added visiting and the date the last outbreak ended), two rounds either side of the
clocks going forward, a corrected outcome, a flagged answer, and text answers that a
spreadsheet would run as formulas.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from outbound.campaigns.template import get_template
from outbound.clock import local_instant
from outbound.db import Database
from outbound.db.capture_models import AnswerFlag, AnswerSet, FormVersion
from outbound.db.models import Attempt, Contact, Task
from outbound.queue.campaigns import create_campaign
from outbound.users import add_user

ROUND_1 = date(2026, 3, 28)   # GMT
ROUND_2 = date(2026, 3, 30)   # BST: the clocks went forward on the 29th
FORMULA = '=HYPERLINK("http://example.invalid","click")'


@dataclass
class Seeded:
    campaign_id: int
    contacts: dict[str, int]
    v1: int
    v2: int
    attempts: dict[str, int] = field(default_factory=dict)


def tracker_fields() -> list[dict[str, Any]]:
    return [dict(f) for f in get_template("care_capacity_tracker").form]


def version_fields() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    fields = tracker_fields()
    v1 = [f for f in fields if f["name"] != "visiting"]
    at = next(i for i, f in enumerate(v1) if f["name"] == "ppe_masks") + 1
    v1.insert(at, {"name": "masks_ordered", "label": "PPE: masks ordered this week",
                   "type": "yes_no", "required": True})
    v2 = list(fields)
    v2.insert(len(v2) - 1, {"name": "last_outbreak_ended",
                            "label": "Date the last outbreak ended", "type": "date"})
    return v1, v2


def home_answers(version: int, **changes: Any) -> dict[str, Any]:
    answers: dict[str, Any] = {
        "service_type": "Residential home", "beds_max": 40, "beds_occupied": 35,
        "beds_vacant_reserved": 2, "beds_vacant_available": 3, "nurses_employed": 4,
        "nurses_agency": 1, "care_staff_employed": 30, "care_staff_agency": 5,
        "non_care_staff_employed": 15, "non_care_staff_agency": 5, "staff_total": 60,
        "staff_absent_covid": 1, "any_cases": False, "ppe_masks": "green",
        "ppe_gloves": "green", "ppe_aprons": "amber", "ppe_eye_protection": "blue",
        "confidence": "Confident", "staff_covid_vaccinated": 50, "staff_flu_vaccinated": 40,
        "residents_covid_vaccinated": 33, "staff_vaccine_concerns": True,
        "low_uptake_reasons": ["Worried about side effects", "Other"],
    }
    if version == 1:
        answers["masks_ordered"] = True
    else:
        answers["visiting"] = "Open"
        answers["last_outbreak_ended"] = "2026-01-15"
    answers.update(changes)
    return {k: v for k, v in answers.items() if v is not None}


def domiciliary_answers(version: int, **changes: Any) -> dict[str, Any]:
    answers = home_answers(version, **changes)
    for name in ("beds_max", "beds_occupied", "beds_vacant_reserved", "beds_vacant_available",
                 "visiting"):
        answers.pop(name, None)
    answers.update(service_type="Domiciliary care", people_supported=120,
                   staff_vaccine_concerns=False)
    answers.pop("low_uptake_reasons")
    return answers


def seed_tracker(db: Database, name: str = "Care tracker") -> Seeded:
    """Three providers, two rounds; Oak House's second round was corrected."""
    asha, ben = add_user(db, "Asha"), add_user(db, "Ben")
    campaign_id = create_campaign(db, "care_capacity_tracker", name)
    v1_fields, v2_fields = version_fields()
    seeded: dict[str, Any] = {}

    def work(session: Any) -> None:
        v1 = FormVersion(template_code="care_capacity_tracker", version=1, fingerprint="v1",
                         fields=v1_fields)
        v2 = FormVersion(template_code="care_capacity_tracker", version=2, fingerprint="v2",
                         fields=v2_fields)
        oak = Contact(name="Oak House", name_key="oak house", organisation="Oak Care Ltd",
                      external_ref="1-101", district="Northgate", source="CQC",
                      primary_phone="+441614960101")
        elm = Contact(name="Elm Lodge", name_key="elm lodge", organisation="@Home Care Group",
                      external_ref="1-202", district="Southmoor", source="CQC",
                      primary_phone="+441614960202")
        ash = Contact(name="Ash Court Domiciliary", name_key="ash court domiciliary",
                      external_ref="1-303", district="Northgate", source="CQC",
                      primary_phone="+441614960303")
        session.add_all([v1, v2, oak, elm, ash])
        session.flush()
        seeded.update(v1=v1.id, v2=v2.id, contacts={"oak": oak.id, "elm": elm.id,
                                                     "ash": ash.id}, attempts={})

        def answer(key: str, contact: Contact, day: date, version: FormVersion,
                   answers: dict[str, Any], *, outcome: str = "completed", agent: int = asha,
                   at: time = time(10, 30), flags: tuple[str, ...] = (),
                   supersedes: Attempt | None = None, unchanged: bool = False) -> Attempt:
            when = local_instant(day, at)
            task = session.query(Task).filter_by(campaign_id=campaign_id,
                                                 contact_id=contact.id,
                                                 round_key=day.isoformat()).one_or_none()
            if task is None:
                task = Task(campaign_id=campaign_id, contact_id=contact.id,
                            round_key=day.isoformat(), status="done", due_at=when,
                            last_outcome=outcome, completed_at=when)
                session.add(task)
                session.flush()
            task.last_outcome = outcome
            attempt = Attempt(task_id=task.id, campaign_id=campaign_id, contact_id=contact.id,
                              agent_id=agent, recorded_at=when, outcome=outcome,
                              contact_made=True, duration_seconds=300,
                              notes=f"{key} notes",
                              supersedes_id=supersedes.id if supersedes else None,
                              correction_reason="Wrong figures given" if supersedes else None)
            session.add(attempt)
            session.flush()
            answer_set = AnswerSet(campaign_id=campaign_id, contact_id=contact.id,
                                   task_id=task.id, attempt_id=attempt.id,
                                   round_key=day.isoformat(), form_version_id=version.id,
                                   agent_id=agent, recorded_at=when, answers=answers,
                                   flagged=bool(flags), unchanged=unchanged)
            session.add(answer_set)
            session.flush()
            for name in flags:
                session.add(AnswerFlag(answer_set_id=answer_set.id, campaign_id=campaign_id,
                                       contact_id=contact.id, round_key=day.isoformat(),
                                       field=name, value=str(answers.get(name)),
                                       rule="alert", message=f"{name} crossed its alert"))
            seeded["attempts"][key] = attempt.id
            return attempt

        answer("oak1", oak, ROUND_1, v1, home_answers(1, comments=FORMULA))
        answer("elm1", elm, ROUND_1, v1, home_answers(1, comments="+44 161 496 0000 is new"))
        answer("ash1", ash, ROUND_1, v1, domiciliary_answers(1), agent=ben)
        first = answer("oak2", oak, ROUND_2, v2,
                       home_answers(2, any_cases=True, staff_cases_suspected=1,
                                    staff_cases_confirmed=2, resident_cases_suspected=0,
                                    resident_cases_confirmed=0),
                       flags=("staff_cases_confirmed",), at=time(9, 15))
        answer("oak2fix", oak, ROUND_2, v2, home_answers(2, comments="-2 beds closed"),
               supersedes=first, at=time(11, 0), agent=ben)
        answer("elm2", elm, ROUND_2, v2, home_answers(2, ppe_masks="red"),
               flags=("ppe_masks",))
        answer("ash2", ash, ROUND_2, v2, domiciliary_answers(2), outcome="already_submitted",
               unchanged=True)

    db.run_write(work)
    return Seeded(campaign_id, seeded["contacts"], seeded["v1"], seeded["v2"],
                  seeded["attempts"])


def test_the_seed_has_seven_answer_sets_for_six_rows(db):
    seeded = seed_tracker(db)
    with db.read() as session:
        assert session.query(AnswerSet).count() == 7
        assert session.query(Attempt).filter(Attempt.supersedes_id.is_not(None)).count() == 1
    assert set(seeded.contacts) == {"oak", "elm", "ash"}
    assert local_instant(ROUND_2, time(10, 30)).utcoffset() == timedelta(hours=1)
    assert datetime.combine(ROUND_1, time()) < datetime.combine(ROUND_2, time())
