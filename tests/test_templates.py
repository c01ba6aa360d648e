"""Campaign templates: the shipped six load, and bad files say where they are wrong."""

from __future__ import annotations

from datetime import date, time, timedelta
from pathlib import Path

import pytest

from outbound.campaigns import (
    CampaignTemplate,
    TemplateError,
    get_template,
    load_template,
    load_templates,
    parse_duration,
    templates_folder,
)
from tests.conftest import REPO

SHIPPED = ("care_capacity_tracker", "vaccination_booking", "registrar_birth_booking",
           "bus_pass_renewal", "blue_badge_renewal", "welfare_check", "warn_and_inform")
STANDARD = {"no_answer", "engaged", "voicemail", "call_back", "wrong_number", "deceased",
            "asked_not_to_be_called", "needs_supervisor"}
# A care provider is an organisation: it cannot die.
NOT_FITTING = {"care_capacity_tracker": {"deceased"}}

GOOD = '''\
[campaign]
code = "test_calls"
name = "Test calls"
description = "A small template for tests."
kind = "list"
max_attempts = 3

[calling_window]
days = "weekdays"
start = "09:00"
end = "17:00"

[script]
text = """
Hello {contact.first_name}, it's {agent.name} from Pendleshire County Council.
This is about {campaign.name}.
"""

[[outcomes]]
code = "done"
label = "Done"
key = "1"
completes = true
contact_made = true

[[outcomes]]
code = "no_answer"
label = "No answer"
key = "2"
retry_after = "2h"

[[form.fields]]
name = "notes"
label = "Notes"
type = "long_text"
'''


def line_of(text: str, needle: str, occurrence: int = 1) -> int:
    """The line number of the n-th line holding ``needle``."""
    found = [n for n, line in enumerate(text.splitlines(), start=1) if needle in line]
    return found[occurrence - 1]


def write(tmp_path: Path, text: str, name: str = "test_calls.toml") -> Path:
    folder = tmp_path / "campaigns"
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def load_error(tmp_path: Path, text: str) -> TemplateError:
    with pytest.raises(TemplateError) as caught:
        load_template(write(tmp_path, text))
    return caught.value


# ---- the shipped templates ----

@pytest.fixture(scope="module")
def shipped() -> dict[str, CampaignTemplate]:
    return load_templates(REPO / "outbound" / "campaigns" / "templates")


def test_all_six_shipped_templates_load(shipped):
    assert set(shipped) == set(SHIPPED)
    for code, template in shipped.items():
        assert template.source == (REPO / "outbound" / "campaigns" / "templates" / f"{code}.toml")
        assert template.warnings == ()
        assert "Pendleshire County Council" in template.script
        assert template.form, code


def test_keys_and_codes_are_unique_and_standard_outcomes_present(shipped):
    for code, template in shipped.items():
        keys = [outcome.key for outcome in template.outcomes]
        codes = [outcome.code for outcome in template.outcomes]
        assert len(set(keys)) == len(keys), code
        assert len(set(codes)) == len(codes), code
        assert STANDARD - NOT_FITTING.get(code, set()) <= set(codes), code
        names = [field["name"] for field in template.form]
        assert len(set(names)) == len(names), code


def test_standard_outcomes_behave_the_same_everywhere(shipped):
    for template in shipped.values():
        outcomes = {outcome.code: outcome for outcome in template.outcomes}
        assert outcomes["no_answer"].retry_after == timedelta(hours=2)
        assert outcomes["engaged"].retry_after == timedelta(minutes=20)
        assert outcomes["voicemail"].retry_after == timedelta(hours=4)
        assert not outcomes["voicemail"].contact_made
        assert outcomes["call_back"].callback and not outcomes["call_back"].completes
        for reason in ("deceased", "asked_not_to_be_called"):
            if reason in outcomes:
                assert outcomes[reason].suppresses == reason
                assert outcomes[reason].completes
        # A wrong number marks the number, not the person: the next number is tried.
        wrong = outcomes["wrong_number"]
        assert wrong.wrong_number and not wrong.suppresses and not wrong.completes
        assert outcomes["needs_supervisor"].escalates
        assert outcomes["needs_supervisor"].needs_reason
        assert not outcomes["needs_supervisor"].completes
        # The common outcomes are on digit keys.
        assert all(outcomes[code].key.isdigit() for code in STANDARD if code in outcomes)


def test_shipped_settings_match_the_service(shipped):
    care = shipped["care_capacity_tracker"]
    assert (care.kind, care.period_days) == ("round", 1)
    assert care.window.describe() == "every day, 08:00 to 20:00"
    assert care.schedule.generate_at == time(7, 30)
    assert care.schedule.export_at == time(16, 0)
    assert (care.schedule.export_format, care.schedule.export_keep_days) == ("xlsx", 30)
    bus = shipped["bus_pass_renewal"]
    assert (bus.kind, bus.lead_days) == ("reminder", 42)
    assert bus.window.describe() == "Monday to Friday, 09:00 to 17:00, not on bank holidays"
    assert shipped["blue_badge_renewal"].lead_days == 56
    registrar = shipped["registrar_birth_booking"].booking
    assert registrar["two_part"] is True
    assert registrar["parts"] == ["Telephone appointment", "Signing the register"]
    assert (registrar["base_minutes"], registrar["per_extra_baby_minutes"],
            registrar["interpreter_minutes"], registrar["second_part_min_days_after"]) \
        == (30, 10, 15, 1)
    assert shipped["welfare_check"].outcome("urgent_referral").escalates


def test_templates_folder_and_get_template(monkeypatch, tmp_path):
    monkeypatch.delenv("OUTBOUND_TEMPLATES", raising=False)
    monkeypatch.setenv("OUTBOUND_SETTINGS", str(tmp_path / "no-settings.toml"))
    assert templates_folder() == REPO / "outbound" / "campaigns" / "templates"
    assert get_template("welfare_check").name == "Having a chat"
    with pytest.raises(TemplateError, match=r"There is no campaign template “nope”; "
                                            r"the templates are: blue_badge_renewal, .*"
                                            r"welfare_check\."):
        get_template("nope")


def test_a_councils_own_templates_come_beside_the_shipped_ones(monkeypatch, tmp_path):
    write(tmp_path, GOOD)
    monkeypatch.setenv("OUTBOUND_TEMPLATES", str(tmp_path / "campaigns"))
    assert set(load_templates()) == {*SHIPPED, "test_calls"}
    assert get_template("test_calls").source == tmp_path / "campaigns" / "test_calls.toml"


def test_a_councils_folder_named_in_the_settings_file(monkeypatch, tmp_path):
    monkeypatch.delenv("OUTBOUND_TEMPLATES", raising=False)
    write(tmp_path, GOOD)
    settings = tmp_path / "outbound.toml"
    settings.write_text('templates = "campaigns"\n', encoding="utf-8")  # beside the file
    monkeypatch.setenv("OUTBOUND_SETTINGS", str(settings))
    assert "test_calls" in load_templates()


def test_a_council_cannot_replace_a_shipped_template(monkeypatch, tmp_path):
    shipped_text = (REPO / "outbound" / "campaigns" / "templates" / "welfare_check.toml") \
        .read_text(encoding="utf-8")
    write(tmp_path, shipped_text, "my_welfare.toml")
    monkeypatch.setenv("OUTBOUND_TEMPLATES", str(tmp_path / "campaigns"))
    with pytest.raises(TemplateError, match=r"campaigns/my_welfare\.toml.*“welfare_check” "
                                            r"is already used by welfare_check\.toml"):
        load_templates()


def test_a_missing_council_folder_is_named(monkeypatch, tmp_path):
    monkeypatch.setenv("OUTBOUND_TEMPLATES", str(tmp_path / "nowhere"))
    with pytest.raises(TemplateError, match=r"nowhere, does not exist"):
        load_templates()


def test_two_files_with_one_code_are_refused(tmp_path):
    write(tmp_path, GOOD, "a.toml")
    write(tmp_path, GOOD, "b.toml")
    with pytest.raises(TemplateError, match=r"campaigns/b\.toml.*already used by a\.toml"):
        load_templates(tmp_path / "campaigns")


def test_unknown_outcome_lists_the_real_ones(shipped):
    with pytest.raises(ValueError, match=r"“xyz” is not an outcome of Care capacity tracker; "
                                         r"its outcomes are: completed, no_answer"):
        shipped["care_capacity_tracker"].outcome("xyz")
    assert shipped["care_capacity_tracker"].outcome_for_key("2").code == "no_answer"


# ---- bad files ----

def test_toml_syntax_error_names_file_and_line(tmp_path):
    text = GOOD.replace('max_attempts = 3', 'max_attempts = = 3')
    error = load_error(tmp_path, text)
    assert error.file == "campaigns/test_calls.toml"
    assert error.line == line_of(text, "max_attempts")
    assert str(error).startswith(f"campaigns/test_calls.toml, line {error.line}: ")


def test_unknown_key_is_an_error_with_a_suggestion(tmp_path):
    text = GOOD.replace('max_attempts = 3', 'max_atempts = 3')
    error = load_error(tmp_path, text)
    assert error.line == line_of(text, "max_atempts")
    assert "“max_atempts”" in str(error) and "did you mean “max_attempts”" in str(error)


def test_unknown_key_in_an_outcome(tmp_path):
    text = GOOD.replace('retry_after = "2h"', 'retry_after = "2h"\nretries = 3')
    error = load_error(tmp_path, text)
    assert error.line == line_of(text, "retries = 3")
    assert "outcome “no_answer” has no setting “retries”" in str(error)


def test_unknown_section(tmp_path):
    text = GOOD + "\n[bookings]\nslots = 3\n"
    error = load_error(tmp_path, text)
    assert error.line == line_of(text, "[bookings]")
    assert "did you mean [booking]" in str(error)


def test_bad_duration(tmp_path):
    text = GOOD.replace('retry_after = "2h"', 'retry_after = "2 hours"')
    error = load_error(tmp_path, text)
    assert str(error) == (f"campaigns/test_calls.toml, line {line_of(text, '2 hours')}: "
                          "outcome “no_answer” has retry_after “2 hours”; "
                          "write it like “2h” or “20m”.")


def test_bad_kind(tmp_path):
    text = GOOD.replace('kind = "list"', 'kind = "lists"')
    error = load_error(tmp_path, text)
    assert error.line == line_of(text, 'kind = "lists"')
    assert "“round”, “list”, “reminder”" in str(error)


def test_duplicate_outcome_code(tmp_path):
    text = GOOD.replace('code = "no_answer"', 'code = "done"')
    error = load_error(tmp_path, text)
    assert error.line == line_of(text, 'code = "done"', occurrence=2)
    assert "“done” is used twice" in str(error)


def test_duplicate_outcome_key(tmp_path):
    text = GOOD.replace('key = "2"', 'key = "1"')
    error = load_error(tmp_path, text)
    assert error.line == line_of(text, 'key = "1"', occurrence=2)
    assert "outcome “no_answer” has the same key as outcome “done”" in str(error)


def test_missing_completing_outcome(tmp_path):
    text = GOOD.replace("completes = true", "completes = false")
    error = load_error(tmp_path, text)
    assert error.line == line_of(text, "[[outcomes]]")
    assert "none of the outcomes completes the task" in str(error)


def test_unknown_placeholder_in_script(tmp_path):
    text = GOOD.replace("{campaign.name}", "{campaign.budget}")
    error = load_error(tmp_path, text)
    assert error.line == line_of(text, "{campaign.budget}")
    assert "unknown placeholder “{campaign.budget}”" in str(error)


def test_attribute_access_in_a_placeholder_is_refused(tmp_path):
    text = GOOD.replace("{contact.first_name}", "{contact.name.__class__}")
    error = load_error(tmp_path, text)
    assert error.line == line_of(text, "__class__")


@pytest.mark.parametrize(("change", "expected"), [
    (('code = "test_calls"', 'code = "Test Calls"'), "lower case with underscores"),
    (('max_attempts = 3', 'max_attempts = "three"'), "whole number"),
    (('max_attempts = 3', 'max_attempts = 0'), "at least 1"),
    (('start = "09:00"', 'start = "9am"'), "24-hour clock"),
    (('end = "17:00"', 'end = "08:00"'), "not after it starts"),
    (('days = "weekdays"', 'days = ["mon", "funday"]'), "each day once"),
    (('kind = "list"', 'kind = "reminder"'), "needs lead_days"),
    (('kind = "list"', 'kind = "round"'), "needs period"),
    (('key = "2"', 'key = "22"'), "one digit or letter"),
    (('retry_after = "2h"', 'retry_after = "2h"\ncompletes = true'), "remove retry_after"),
    (('retry_after = "2h"', 'callback = true\ncompletes = true'), "cannot complete"),
    (('contact_made = true', 'contact_made = true\nsuppresses = "moved"'), "“deceased”"),
    (('retry_after = "2h"', 'suppresses = "deceased"'), "must also complete"),
    (('retry_after = "2h"', 'needs_form = true'), "only for outcomes that complete"),
    (('completes = true', 'completes = "yes"'), "true or false"),
    (('completes = true', 'completes = true\nneeds_booking = true'), "no [booking] section"),
    (('completes = true', 'completes = true\nneeds_waiting_list = true'),
     "no [booking] section"),
    (('retry_after = "2h"', 'wrong_number = true\nretry_after = "2h"'), "remove retry_after"),
    (('completes = true', 'completes = true\nneeds_reason = "yes"'), "true or false"),
    (('name = "notes"', 'name = "Notes here"'), "form field name"),
])
def test_other_mistakes_are_caught_with_a_line(tmp_path, change, expected):
    text = GOOD.replace(*change)
    assert text != GOOD
    error = load_error(tmp_path, text)
    assert expected in str(error)
    assert error.line is not None
    assert error.file == "campaigns/test_calls.toml"


def test_durations():
    assert parse_duration("1h30m") == timedelta(hours=1, minutes=30)
    assert parse_duration("3d") == timedelta(days=3)
    assert parse_duration("90s") == timedelta(seconds=90)
    assert parse_duration("20m") == timedelta(minutes=20)
    assert parse_duration("2 hours") is None
    assert parse_duration("") is None


def test_defaults_and_a_warning_free_template(tmp_path):
    template = load_template(write(tmp_path, GOOD))
    assert template.lease == timedelta(minutes=5)
    assert template.repeat_call_gap == timedelta(hours=1)
    assert template.callback_grace == timedelta(minutes=15)
    assert template.window.skip_bank_holidays is True
    assert template.schedule.export_format == "xlsx"
    assert (template.period_days, template.lead_days) == (0, 0)
    assert template.booking == {}


def test_form_errors_found_later_can_point_at_their_line(tmp_path):
    text = GOOD
    template = load_template(write(tmp_path, text))
    error = template.error("the field type is wrong.", "form.fields", 0, "type")
    assert str(error) == (f"campaigns/test_calls.toml, line {line_of(text, 'long_text')}: "
                          "the field type is wrong.")


# ---- script rendering ----

def test_render_script_fills_placeholders(tmp_path):
    template = load_template(write(tmp_path, GOOD))
    text = template.render_script({"name": "Mrs Ann Smith"}, agent="Priya")
    assert "Hello Ann, it's Priya from Pendleshire County Council." in text
    assert "This is about Test calls." in text


def test_render_script_formats_dates_and_reads_attributes():
    from outbound.campaigns.script import render

    contact = {"name": "Bob Jones", "expiry_date": date(2027, 3, 31),
               "attributes": {"Home manager": "Sue Patel", "Beds": 40}}
    rendered = render("{contact.expiry_date}/{contact.Home manager}/"
                      "{contact.attributes.Beds}/{contact.first_name}", contact, None, "C")
    assert rendered == "31 March 2027/Sue Patel/40/Bob"
    assert render("{contact.expiry_date}", {"expiry_date": "2027-03-31"}, None, "C") \
        == "31 March 2027"


def test_missing_values_render_empty(tmp_path):
    template = load_template(write(tmp_path, GOOD))
    text = template.render_script({})
    assert "Hello , it's  from Pendleshire" in text


def test_braces_in_contact_data_are_not_interpreted(tmp_path):
    template = load_template(write(tmp_path, GOOD))
    text = template.render_script({"first_name": "{agent.name} {0} {contact.__class__}"},
                                  agent="Priya")
    assert "Hello {agent.name} {0} {contact.__class__}, it's Priya" in text


def test_double_braces_are_literal(tmp_path):
    text = GOOD.replace("This is about", "Say {{brackets}} about")
    template = load_template(write(tmp_path, text))
    assert "Say {brackets} about Test calls." in template.render_script({})


# ---- a campaign's own settings ----

def test_overrides_are_checked_like_the_file(shipped):
    bus = shipped["bus_pass_renewal"]
    changed = bus.with_overrides({"max_attempts": 2, "lead_days": 28,
                                  "repeat_call_gap": "2h",
                                  "calling_window": {"end": "19:00"},
                                  "schedule": {"enrol_at": "05:30"}})
    assert (changed.max_attempts, changed.lead_days) == (2, 28)
    assert changed.repeat_call_gap == timedelta(hours=2)
    assert changed.window.end == time(19) and changed.window.start == time(9)
    assert changed.schedule.enrol_at == time(5, 30)
    assert changed.outcomes == bus.outcomes and changed.code == bus.code
    assert bus.max_attempts == 4     # the template itself is unchanged


def test_bad_overrides_are_refused(shipped):
    bus = shipped["bus_pass_renewal"]
    with pytest.raises(TemplateError, match=r"Overrides for Bus pass renewals: .*lead_days"):
        bus.with_overrides({"lead_days": 0})
    with pytest.raises(TemplateError, match="write it like"):
        bus.with_overrides({"repeat_call_gap": "an hour"})
    with pytest.raises(TemplateError, match="“kind” cannot be changed"):
        bus.with_overrides({"kind": "round"})
    with pytest.raises(TemplateError, match="has no setting “finish”"):
        bus.with_overrides({"calling_window": {"finish": "18:00"}})
    warned = bus.with_overrides({"schedule": {"enrol_at": "01:15"}})
    assert any("enrol_at is 01:15" in warning for warning in warned.warnings)


def test_booking_templates_refuse_a_booking_outcome_that_books_nothing(shipped):
    for code in ("registrar_birth_booking", "vaccination_booking"):
        outcomes = {o.code: o for o in shipped[code].outcomes}
        assert outcomes["booked"].needs_booking
        waiting = outcomes["waiting_list"]
        assert waiting.needs_waiting_list and waiting.completes
        assert waiting.label == "Put on the waiting list" and waiting.key == "w"
    for code in ("care_capacity_tracker", "welfare_check"):
        assert not any(o.needs_booking or o.needs_waiting_list
                       for o in shipped[code].outcomes)


def test_an_older_template_saying_suppresses_wrong_number_marks_the_number(tmp_path):
    text = GOOD.replace('retry_after = "2h"', 'completes = true\nsuppresses = "wrong_number"')
    template = load_template(write(tmp_path, text))
    older = next(o for o in template.outcomes if o.wrong_number)
    assert older.suppresses is None and not older.completes
