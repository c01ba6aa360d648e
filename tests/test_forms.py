"""Forms: declarations checked at load, validation, drafts, carry-forward and flags."""

from __future__ import annotations

import itertools
import multiprocessing
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from outbound.campaigns.parsing import TemplateError
from outbound.campaigns.template import get_template, parse_template
from outbound.contacts import ContactFilter
from outbound.db import open_database
from outbound.db.capture_models import AnswerFlag, AnswerSet, FormDraft, FormVersion
from outbound.forms import (
    ConditionError,
    FormIncomplete,
    answer_history,
    check_answers,
    ensure_form_version,
    flagged_answers,
    form_of,
    open_form,
    parse_condition,
    recent_answers,
    review_flag,
    save_draft,
    validate,
)
from outbound.forms.examples import example_answers
from outbound.importing import import_rows
from outbound.queue.campaigns import create_campaign, enrol, generate_round, template_of
from outbound.queue.claim import claim_next_task
from outbound.queue.outcomes import record_outcome
from outbound.users import add_user

LONDON = ZoneInfo("Europe/London")
MONDAY = date(2026, 11, 23)
TUESDAY = date(2026, 11, 24)
TEN_AM = datetime(2026, 11, 23, 10, 0, tzinfo=LONDON)
TRACKER = get_template("care_capacity_tracker")
FORM = form_of(TRACKER)
HOME = {"service_type": "Nursing home", "beds_max": 40, "beds_occupied": 35,
        "beds_vacant_reserved": 1, "beds_vacant_available": 4}

BASE = """
[campaign]
code = "t"
name = "Test"
kind = "list"
[calling_window]
days = "weekdays"
start = "09:00"
end = "17:00"
[script]
text = "Hello"
[[outcomes]]
code = "done"
label = "Done"
key = "1"
completes = true
needs_form = true
"""


def _template_with(fields: str):  # type: ignore[no-untyped-def]
    return parse_template(BASE + fields, Path("test.toml"))


# ---- declarations -------------------------------------------------------------------

def test_the_shipped_templates_have_valid_forms() -> None:
    names = FORM.names
    assert {"beds_max", "staff_absent_covid", "ppe_gloves", "confidence"} <= set(names)
    assert FORM.field("staff_cases_confirmed").show_when is not None


def test_conditions_parse_and_evaluate_without_eval() -> None:
    condition = parse_condition("a is yes and (b above 3 or c is 'Nursing home')")
    assert condition.evaluate({"a": True, "b": 4})
    assert condition.evaluate({"a": True, "b": 1, "c": "nursing home"})
    assert not condition.evaluate({"a": False, "b": 9})
    assert not condition.evaluate({"a": True})
    assert parse_condition("x is not answered").evaluate({})
    assert parse_condition("tags includes 'BSL'").evaluate({"tags": ["BSL", "Other"]})
    with pytest.raises(ConditionError, match="needs a number"):
        parse_condition("b above lots")
    with pytest.raises(ConditionError, match="__import__"):
        parse_condition("__import__('os')")


@pytest.mark.parametrize(("fields", "problem", "line"), [
    ('[[form.fields]]\nname = "a"\nlabel = "A"\ntype = "number"\n', "has type", 21),
    ('[[form.fields]]\nname = "a"\nlabel = "A"\ntype = "yes_no"\n'
     'show_when = "b is yes"\n', "not a field before it", 22),
    ('[[form.fields]]\nname = "a"\nlabel = "A"\ntype = "choice"\nchoices = ["x", "y"]\n'
     '[[form.fields]]\nname = "b"\nlabel = "B"\ntype = "text"\nshow_when = "a is z"\n',
     "not one of the choices", 27),
    ('[[form.fields]]\nname = "a"\nlabel = "A"\ntype = "integer"\nmin = 5\nmax = 1\n',
     "above max", 22),
    ('[[form.fields]]\nname = "a"\nlabel = "A"\ntype = "text"\nalert = "below 3"\n',
     "for number fields", 22),
])
def test_a_bad_form_names_the_file_line_and_problem(fields: str, problem: str,
                                                    line: int) -> None:
    with pytest.raises(TemplateError, match=problem) as caught:
        _template_with(fields)
    assert "test.toml" in str(caught.value)
    assert f"line {line}" in str(caught.value)


# ---- validation ---------------------------------------------------------------------

def test_hard_errors_are_sentences_and_required_only_when_final() -> None:
    draft = validate(FORM, {**HOME, "beds_max": "forty"})
    assert draft.errors == {"beds_max": "Maximum beds: Enter a whole number, like 12."}
    assert "service_type" not in validate(FORM, {}).errors
    final = validate(FORM, HOME, final=True)
    assert final.errors["nurses_employed"] == "Registered nurses – directly employed needs " \
        "an answer."
    assert validate(FORM, {**HOME, "beds_max": 900}).errors["beds_max"] == \
        "Maximum beds cannot be more than 500 beds."


def test_show_when_hides_and_drops_answers_to_hidden_fields() -> None:
    home = validate(FORM, {**HOME, "people_supported": 12})
    assert "beds_max" in home.visible and "people_supported" not in home.visible
    assert "people_supported" not in home.cleaned
    domiciliary = validate(FORM, {**HOME, "service_type": "Domiciliary care"})
    assert "beds_max" not in domiciliary.cleaned
    assert "people_supported" in domiciliary.visible
    assert "visiting" not in domiciliary.visible


def test_a_soft_check_needs_confirmation_and_records_it() -> None:
    answers = {**HOME, "beds_occupied": 47}
    first = validate(FORM, answers)
    message = first.soft["beds_occupied"]
    assert "is that right?" in message and not first.ok
    confirmed = validate(FORM, answers, {"beds_occupied": message})
    assert confirmed.confirmed == {"beds_occupied": message}
    assert "beds_occupied" not in confirmed.soft
    # A confirmation of an earlier value does not cover a new one.
    changed = validate(FORM, {**answers, "beds_occupied": 48}, {"beds_occupied": message})
    assert "beds_occupied" in changed.soft


def test_alert_thresholds_raise_flags() -> None:
    result = validate(FORM, {**HOME, "beds_vacant_available": 0, "ppe_gloves": "red"})
    flagged = {flag.field: flag for flag in result.flags}
    assert set(flagged) == {"beds_vacant_available", "ppe_gloves"}
    assert flagged["ppe_gloves"].message.endswith(": red")


def test_every_type_is_coerced_to_its_stored_form() -> None:
    template = _template_with("".join(
        f'[[form.fields]]\nname = "{name}"\nlabel = "{name}"\ntype = "{kind}"\n{extra}'
        for name, kind, extra in [
            ("i", "integer", ""), ("d", "decimal", ""), ("y", "yes_no", ""),
            ("m", "multi_choice", 'choices = ["Red", "Blue", "Green"]\n'),
            ("day", "date", ""), ("at", "time", ""), ("e", "email", ""), ("p", "phone", ""),
        ]))
    result = validate(form_of(template), {
        "i": "1,200", "d": "2.50", "y": "Yes", "m": "green; red", "day": "21/11/2026",
        "at": "2.30pm", "e": "care@example.org", "p": "0113 496 0123"})
    assert result.errors == {}
    assert result.cleaned == {"i": 1200, "d": 2.5, "y": True, "m": ["Red", "Green"],
                              "day": "2026-11-21", "at": "14:30", "e": "care@example.org",
                              "p": "+441134960123"}
    bad = validate(form_of(template), {"e": "not an email", "p": "999", "day": "31/02/2026"})
    assert set(bad.errors) == {"e", "p", "day"}


# ---- storage ------------------------------------------------------------------------

def _campaign(db):  # type: ignore[no-untyped-def]
    add_user(db, "Sam")
    import_rows(db, ["Name", "Telephone", "Reference"],
                [(2, ["Ivy House", "0113 496 0001", "1-100"]),
                 (3, ["Oak Lodge", "0113 496 0002", "1-101"])],
                file_name="test", source="Care providers (CQC)")
    campaign = create_campaign(db, "care_capacity_tracker", "Tracker")
    enrol(db, campaign, where=ContactFilter(source="Care providers (CQC)"))
    return campaign


def _claim(db, campaign, day: date):  # type: ignore[no-untyped-def]
    generate_round(db, campaign, day)
    now = datetime.combine(day, TEN_AM.timetz())
    task = claim_next_task(db, "Sam", campaign, now=now)
    assert task is not None
    return task, now


def test_completing_needs_the_required_answers_and_changes_nothing_otherwise(db) -> None:
    campaign = _campaign(db)
    task, now = _claim(db, campaign, MONDAY)
    with pytest.raises(FormIncomplete, match="needs an answer") as caught:
        record_outcome(db, task.task_id, "Sam", "completed", answers=HOME, now=now)
    assert "nurses_employed" in caught.value.validation.errors
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(AnswerSet)) == 0
    answers = example_answers(FORM)
    record_outcome(db, task.task_id, "Sam", "completed", answers=answers, now=now)
    with db.read() as session:
        stored = session.scalars(select(AnswerSet)).one()
        assert stored.answers == validate(FORM, answers).cleaned
        assert stored.round_key == MONDAY.isoformat() and not stored.unchanged


def test_a_draft_survives_a_dead_client_and_reopens(db) -> None:
    campaign = _campaign(db)
    task, now = _claim(db, campaign, MONDAY)
    template = template_of_campaign(db, campaign)
    opened = open_form(db, task.task_id, template)
    assert opened.answers == {} and not opened.from_draft
    save_draft(db, task.task_id, "Sam", opened.form_version_id,
               {"service_type": "Nursing home", "beds_max": "4o"}, now=now)
    save_draft(db, task.task_id, "Sam", opened.form_version_id,
               {"service_type": "Nursing home", "beds_max": "40"}, now=now)
    again = open_form(db, task.task_id, template)
    assert again.from_draft and again.answers == {"service_type": "Nursing home",
                                                  "beds_max": "40"}
    # A call-back keeps the draft for next time; completing removes it.
    record_outcome(db, task.task_id, "Sam", "call_back", answers={**again.answers,
                   "beds_occupied": "30"}, callback_at=now + timedelta(hours=1), now=now)
    with db.read() as session:
        assert session.get(FormDraft, task.task_id).answers["beds_occupied"] == "30"


def test_repeat_round_carries_forward_and_nothing_has_changed(db) -> None:
    campaign = _campaign(db)
    template = template_of_campaign(db, campaign)
    task, now = _claim(db, campaign, MONDAY)
    answers = example_answers(FORM)
    record_outcome(db, task.task_id, "Sam", "completed", answers=answers, now=now)

    tomorrow, later = _claim(db, campaign, TUESDAY)
    if tomorrow.contact_id != task.contact_id:   # the other provider first: do it
        record_outcome(db, tomorrow.task_id, "Sam", "already_submitted", now=later)
        tomorrow = claim_next_task(db, "Sam", campaign, now=later + timedelta(minutes=1))
    opened = open_form(db, tomorrow.task_id, template)
    cleaned = validate(FORM, answers).cleaned
    assert opened.carried_forward == {k: v for k, v in cleaned.items() if k != "comments"}
    assert opened.carried_from == MONDAY.isoformat() and opened.can_confirm_unchanged
    record_outcome(db, tomorrow.task_id, "Sam", "completed", unchanged=True,
                   now=later + timedelta(minutes=2))
    with db.read() as session:
        latest = session.scalars(select(AnswerSet).order_by(AnswerSet.id.desc())).first()
        assert latest.unchanged and latest.round_key == TUESDAY.isoformat()
        assert latest.answers == cleaned
    history = answer_history(db, task.contact_id, campaign)
    assert [entry.round_key for entry in history["beds_max"]] == [TUESDAY.isoformat(),
                                                                  MONDAY.isoformat()]
    assert [past.unchanged for past in recent_answers(db, task.contact_id)] == [True, False]


def test_nothing_has_changed_needs_earlier_answers(db) -> None:
    campaign = _campaign(db)
    task, now = _claim(db, campaign, MONDAY)
    with pytest.raises(FormIncomplete, match="no earlier answers"):
        record_outcome(db, task.task_id, "Sam", "completed", unchanged=True, now=now)


def test_flags_are_listed_for_supervisors_and_can_be_reviewed(db) -> None:
    campaign = _campaign(db)
    task, now = _claim(db, campaign, MONDAY)
    answers = {**example_answers(FORM), "any_cases": True, "staff_cases_suspected": 1,
               "staff_cases_confirmed": 2, "resident_cases_suspected": 0,
               "resident_cases_confirmed": 0}
    answers = validate(FORM, answers).cleaned
    record_outcome(db, task.task_id, "Sam", "completed", answers=answers, now=now)
    flags = flagged_answers(db, campaign)
    assert "staff_cases_confirmed" in {flag.field for flag in flags}
    assert all(flag.campaign == "Tracker" for flag in flags)
    staff = next(flag for flag in flags if flag.field == "staff_cases_confirmed")
    assert staff.question == "Confirmed cases among staff"
    assert staff.home in {"Ivy House", "Oak Lodge"}
    seen_at = now + timedelta(minutes=5)
    assert review_flag(db, flags[0].flag_id, "Supervisor Jo", now=seen_at)
    assert not review_flag(db, flags[0].flag_id, "Supervisor Jo")
    assert len(flagged_answers(db, campaign)) == len(flags) - 1
    seen = next(flag for flag in flagged_answers(db, campaign, include_reviewed=True)
                if flag.flag_id == flags[0].flag_id)
    assert (seen.reviewed_by, seen.reviewed_at) == ("Supervisor Jo", seen_at)
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(AnswerFlag)) == len(flags)


def test_a_changed_form_makes_a_new_version_and_old_answers_keep_theirs(db) -> None:
    first = _template_with('[[form.fields]]\nname = "a"\nlabel = "A"\ntype = "integer"\n')
    second = _template_with('[[form.fields]]\nname = "a"\nlabel = "A"\ntype = "integer"\n'
                            '[[form.fields]]\nname = "b"\nlabel = "B"\ntype = "text"\n')
    with db.write() as session:
        assert ensure_form_version(session, first)[1] == 1
        assert ensure_form_version(session, first)[1] == 1
        assert ensure_form_version(session, second)[1] == 2
    with db.read() as session:
        versions = session.scalars(select(FormVersion).order_by(FormVersion.version)).all()
        assert [len(v.fields) for v in versions] == [1, 2]


def _make_version(url: str, barrier) -> int:  # type: ignore[no-untyped-def]
    database = open_database(url)
    barrier.wait()
    try:
        return database.run_write(lambda session: ensure_form_version(session, TRACKER)[0])
    finally:
        database.close()


def test_clients_starting_together_agree_on_one_version(db) -> None:
    context = multiprocessing.get_context("spawn")
    barrier = context.Manager().Barrier(4)
    with context.Pool(4) as pool:
        ids = pool.starmap(_make_version, [(db.url, barrier)] * 4)
    assert len(set(ids)) == 1
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(FormVersion)) == 1


def test_check_answers_uses_the_campaigns_form() -> None:
    assert check_answers(TRACKER, {"beds_max": "x", "service_type": "Nursing home"}).errors


def template_of_campaign(db, campaign):  # type: ignore[no-untyped-def]
    from outbound.queue.campaigns import find_campaign

    with db.read() as session:
        return template_of(find_campaign(session, campaign))


def test_notes_typed_before_a_crash_are_kept_with_the_draft(db) -> None:
    campaign = _campaign(db)
    task, now = _claim(db, campaign, MONDAY)
    template = template_of_campaign(db, campaign)
    opened = open_form(db, task.task_id, template)
    save_draft(db, task.task_id, "Sam", opened.form_version_id, {"beds_max": "40"},
               notes="Manager on leave until Friday", now=now)
    assert open_form(db, task.task_id, template).notes == "Manager on leave until Friday"


def test_earlier_calls_are_listed_newest_first_with_their_labels(db) -> None:
    from outbound.queue.history import call_history

    campaign = _campaign(db)
    task, now = _claim(db, campaign, MONDAY)
    record_outcome(db, task.task_id, "Sam", "no_answer", notes="Rang out", now=now)
    later = claim_next_task(db, "Sam", campaign, now=now + timedelta(hours=3))
    record_outcome(db, later.task_id, "Sam", "completed", answers=example_answers(FORM),
                   now=now + timedelta(hours=3))
    calls = call_history(db, task.contact_id)
    assert calls[-1].outcome == "No answer" and calls[-1].notes == "Rang out"
    assert calls[-1].agent == "Sam" and calls[-1].campaign == "Tracker"
    assert all(a.recorded_at >= b.recorded_at for a, b in itertools.pairwise(calls))


def test_a_running_campaign_can_be_changed_and_bad_changes_change_nothing(db) -> None:
    from outbound.queue.campaigns import CampaignError, find_campaign, update_campaign

    campaign = _campaign(db)
    create_campaign(db, "welfare_check", "Welfare")
    update_campaign(db, campaign, name="Care tracker (winter)", owner="Jo",
                    ends_on=date(2027, 3, 31),
                    overrides={"calling_window": {"start": "09:00"}})
    with db.read() as session:
        changed = find_campaign(session, campaign)
        assert (changed.name, changed.owner, changed.ends_on) == (
            "Care tracker (winter)", "Jo", date(2027, 3, 31))
        assert template_of(changed).window.start.hour == 9
    for bad in ({"name": "Welfare"}, {"starts_on": date(2027, 4, 1)},
                {"overrides": {"calling_window": {"start": "25:00"}}}):
        with pytest.raises((CampaignError, TemplateError)):
            update_campaign(db, campaign, **bad)
    with db.read() as session:
        assert find_campaign(session, campaign).name == "Care tracker (winter)"
