"""Structured answers: forms declared in templates, validation, drafts and history.

    from outbound.forms import open_form, save_draft, check_answers
    opened = open_form(db, task.task_id, template)        # draft, or last round's answers
    save_draft(db, task.task_id, "Sam", opened.form_version_id, {"beds_max": "40"})
    check_answers(template, {"beds_max": "forty"}).errors  # {"beds_max": "Maximum beds: ..."}
    record_outcome(db, task.task_id, "Sam", "completed", answers={...})   # validated, stored
    record_outcome(db, task.task_id, "Sam", "completed", unchanged=True)  # "nothing changed"
"""

from outbound.forms.answers import (
    FormIncomplete,
    OpenForm,
    check_answers,
    open_form,
    save_draft,
    submit_answers,
)
from outbound.forms.conditions import ConditionError, parse_alert, parse_condition
from outbound.forms.fields import (
    FIELD_TYPES,
    Field,
    FormDefinition,
    FormError,
    build_form,
    form_from_declarations,
)
from outbound.forms.history import (
    FieldAnswer,
    FlaggedAnswer,
    PastAnswers,
    answer_history,
    flagged_answers,
    recent_answers,
    review_flag,
)
from outbound.forms.validate import AnswerError, Flag, Validation, coerce, validate
from outbound.forms.versions import ensure_form_version, form_of, form_version

__all__ = [
    "FIELD_TYPES", "AnswerError", "ConditionError", "Field", "FieldAnswer", "Flag",
    "FlaggedAnswer", "FormDefinition", "FormError", "FormIncomplete", "OpenForm",
    "PastAnswers", "Validation", "answer_history", "build_form", "check_answers", "coerce",
    "ensure_form_version", "flagged_answers", "form_from_declarations", "form_of",
    "form_version", "open_form", "parse_alert", "parse_condition", "recent_answers",
    "review_flag", "save_draft", "submit_answers", "validate",
]
