"""Checks across fields (beds adding up, staff by role adding up to the total) and dates
that cannot be in the future, declared in the template and checked when it loads."""

from __future__ import annotations

from datetime import date

import pytest

from outbound.campaigns.parsing import TemplateError
from outbound.campaigns.template import get_template
from outbound.forms import form_of, validate
from tests.test_forms import _template_with

FORM = form_of(get_template("care_capacity_tracker"))
ROLES = {"nurses_employed": 2, "nurses_agency": 1, "care_staff_employed": 20,
         "care_staff_agency": 4, "non_care_staff_employed": 6, "non_care_staff_agency": 1}
HOME = {"service_type": "Nursing home", "beds_max": 40, "beds_occupied": 30,
        "beds_vacant_reserved": 2, "beds_vacant_available": 8, **ROLES, "staff_total": 34}


def test_beds_occupied_and_vacant_at_most_the_maximum() -> None:
    assert validate(FORM, HOME).soft == {}
    over = validate(FORM, {**HOME, "beds_vacant_reserved": 5})
    message = "43 beds occupied or vacant, but the home has 40 — is that right?"
    assert over.soft == {"beds_vacant_available": message}
    confirmed = validate(FORM, {**HOME, "beds_vacant_reserved": 5},
                         {"beds_vacant_available": message})
    assert confirmed.ok and confirmed.confirmed == {"beds_vacant_available": message}
    # Not asked until every bed question is answered.
    partly = {k: v for k, v in HOME.items() if k != "beds_vacant_available"}
    assert validate(FORM, {**partly, "beds_occupied": 39, "beds_vacant_reserved": 5}).soft == {}


def test_staff_by_role_add_up_to_the_total_on_the_roll() -> None:
    short = validate(FORM, {**HOME, "staff_total": 40})
    assert short.soft == {"staff_total": "The staff by role add up to 34, but 40 are on the "
                                         "roll — is that right?"}
    assert not short.ok and validate(FORM, HOME).ok


def test_a_date_of_birth_in_the_future_is_refused() -> None:
    form = form_of(get_template("registrar_birth_booking"))
    monday = date(2026, 11, 23)
    future = validate(form, {"baby_date_of_birth": "25/12/2026"}, today=monday)
    assert future.errors == {"baby_date_of_birth": "Baby's date of birth cannot be in the "
                             "future (25/12/2026 is after today)."}
    assert validate(form, {"baby_date_of_birth": "23/11/2026"}, today=monday).errors == {}


FIELDS = ('[[form.fields]]\nname = "a"\nlabel = "A"\ntype = "integer"\n'
          '[[form.fields]]\nname = "b"\nlabel = "B"\ntype = "integer"\n')


@pytest.mark.parametrize(("extra", "problem"), [
    ('soft_sum = { fields = ["a", "b"], at_most = "z" }', "“z”, which should be this field"),
    ('soft_sum = { fields = ["a", "b"] }', "one of at_most or equals"),
    ('soft_sum = { fields = ["a", "b"], at_most = "a", equals = "b" }', "one of at_most"),
    ('soft_sum = { fields = ["a", "b"], below = "a" }', "“below” is not a soft_sum setting"),
    ('dates = "not in the future"', "dates is for date fields"),
])
def test_a_bad_check_is_refused_when_the_template_loads(extra: str, problem: str) -> None:
    with pytest.raises(TemplateError, match=problem) as caught:
        _template_with(FIELDS + extra + "\n")
    assert "test.toml" in str(caught.value) and "line 26" in str(caught.value)


def test_a_date_rule_is_one_of_two() -> None:
    with pytest.raises(TemplateError, match="not in the past"):
        _template_with('[[form.fields]]\nname = "d"\nlabel = "D"\ntype = "date"\n'
                       'dates = "yesterday"\n')
    template = _template_with('[[form.fields]]\nname = "d"\nlabel = "D"\ntype = "date"\n'
                              'dates = "not in the past"\n')
    form = form_of(template)
    assert validate(form, {"d": "2026-11-22"}, today=date(2026, 11, 23)).errors == {
        "d": "D cannot be in the past (22/11/2026 is before today)."}
