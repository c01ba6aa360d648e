"""Phone numbers from imported spreadsheet cells: parse, repair what is safe, explain the rest.

Spreadsheets drop leading zeros, use scientific notation and put two numbers in a
cell. Every repair is recorded so a person can check it, and validity always comes
from ``phonenumbers``, so we never invent a number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Literal

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat, PhoneNumberType
from phonenumbers.phonemetadata import PhoneMetadata
from phonenumbers.phonenumberutil import COUNTRY_CODE_TO_REGION_CODE
from phonenumbers.shortnumberinfo import is_valid_short_number_for_region

try:  # phonenumbers' own type matcher; see _number_type for why we call it directly.
    from phonenumbers.phonenumberutil import _number_type_helper
    from phonenumbers.re_util import re_compile
except ImportError:  # pragma: no cover - a future phonenumbers without it
    _number_type_helper = None

# phonenumbers compiles its metadata's patterns through re's cache, looking each up again
# for every number checked; told to, it keeps them itself (about an eighth of an import's
# number checking saved). Older releases lack the switch, and work as before.
_keep_patterns = getattr(phonenumbers, "enable_pattern_cache", None)
if _keep_patterns is not None:
    _keep_patterns()

# fmt: off
LineType = Literal["landline", "mobile", "premium", "freephone", "shared_cost", "personal",
                   "voip", "uan", "pager", "other"]
# fmt: on

LEADING_ZERO = "restored the leading 0 lost in a spreadsheet"
SCIENTIFIC = "expanded the spreadsheet's scientific notation"
FLOAT_SUFFIX = "removed the '.0' a spreadsheet added"
MISSING_PLUS = "added the missing + before the country code"
DAMAGED = (
    "the number was damaged by a spreadsheet (scientific notation lost digits); check the original"
)
SERVICE = "an emergency or service number, not a contact number"

_LINE_TYPES: dict[int, LineType] = {
    PhoneNumberType.FIXED_LINE: "landline",
    PhoneNumberType.MOBILE: "mobile",
    PhoneNumberType.PREMIUM_RATE: "premium",
    PhoneNumberType.TOLL_FREE: "freephone",
    PhoneNumberType.SHARED_COST: "shared_cost",
    PhoneNumberType.PERSONAL_NUMBER: "personal",
    PhoneNumberType.VOIP: "voip",
    PhoneNumberType.UAN: "uan",
    PhoneNumberType.PAGER: "pager",
}
_PARSE_PROBLEMS = {
    NumberParseException.INVALID_COUNTRY_CODE: "the country code is not recognised",
    NumberParseException.NOT_A_NUMBER: "this is not a phone number",
    NumberParseException.TOO_SHORT_AFTER_IDD: "too short to be a phone number",
    NumberParseException.TOO_SHORT_NSN: "too short to be a phone number",
    NumberParseException.TOO_LONG: "too long to be one phone number; are two run together?",
}
_MISSING = frozenset(
    {"", "na", "n/a", "n.a.", "n.a", "n/k", "none", "nil", "null", "nan", "-", "--"}
)
_NO_NUMBER = re.compile(
    r"ex[- ]?directory|withheld|unknown|not known|tbc|to be confirmed|refused|private", re.I
)

# A cell of digits, spaces, brackets, dashes and a leading + or (: one number,
# nothing to split or strip, so it goes straight to phonenumbers.
_CLEAN = re.compile(r"[+(\d][\d() \-]*")
# Everything that ends the number being collected: a spreadsheet's scientific
# notation, an extension, a separator, or a word ("or", "Mob", "Tel:").
_TOKEN = re.compile(
    r"(?P<sci>(?<![\d.])\d+(?:\.\d+)?e\+?\d{1,2}(?![\w.]))"
    r"|(?P<ext>(?:(?<![a-z])(?:extension|extn|ext|ex|x)\.?\s*[:.]?|\#)\s*(?P<extno>\d{1,7})(?!\d))"
    r"|(?P<sep>[/,;&|\n]|[a-z]+)",
    re.I,
)
# Labels in brackets, "(office)" or "(24 hrs)", whose digits are not the number's.
_BRACKETED_WORDS = re.compile(r"\([^()]*[a-z][^()]*\)", re.I)
_THREE_DIGITS = re.compile(r"(?:\D*\d){3}")
PREMIUM_NOTE = "premium-rate number: not called unless a supervisor allows it"
_FLOAT = re.compile(r"(\d+)\.0+")
_NON_DIGIT = re.compile(r"\D")
# A UK number written nationally and nothing else: 0, then 9 or 10 digits not starting 0.
_UK_NATIONAL = re.compile(r"0[1-9][0-9]{8,9}")
# Left behind by labels such as "Tel:" or "Mob -" once the word is taken away.
_LABEL_PUNCTUATION = " \t\r\n:-"


@dataclass(frozen=True, slots=True)
class PhoneNumber:
    """One number from a cell, with what was done to it and why it fails, if it does."""

    raw: str
    e164: str | None
    extension: str | None
    line_type: LineType | None
    repairs: tuple[str, ...]
    problem: str | None

    @property
    def usable(self) -> bool:
        """Whether the dialler may call it."""
        return self.e164 is not None and self.problem is None

    @property
    def premium(self) -> bool:
        """Premium-rate lines cost the council: imported, but not called unless a
        supervisor allows it for the contact (``outbound.numbers``)."""
        return self.line_type == "premium"


@dataclass(frozen=True, slots=True)
class PhoneCell:
    """Every number found in one imported cell, in cell order."""

    raw: str
    numbers: tuple[PhoneNumber, ...]

    @property
    def usable(self) -> tuple[PhoneNumber, ...]:
        """The numbers the dialler may call."""
        return tuple(n for n in self.numbers if n.usable)

    @property
    def primary(self) -> PhoneNumber | None:
        """The first usable number: the one to call first."""
        for number in self.numbers:
            if number.usable:
                return number
        return None

    @property
    def alternates(self) -> tuple[PhoneNumber, ...]:
        """The other usable numbers, without repeats of ones already listed."""
        seen: set[tuple[str | None, str | None]] = set()
        out: list[PhoneNumber] = []
        for number in self.usable:
            key = (number.e164, number.extension)
            if key not in seen:
                seen.add(key)
                out.append(number)
        return tuple(out[1:])

    @property
    def status(self) -> Literal["valid", "repaired", "invalid", "missing"]:
        """One word for the import summary and the row's colour."""
        if not self.numbers:
            return "missing"
        status: Literal["valid", "invalid"] = "invalid"
        for number in self.numbers:
            if number.e164 is not None and number.problem is None:
                if number.repairs:
                    return "repaired"
                status = "valid"
        return status

    @property
    def problems(self) -> tuple[str, ...]:
        """Why numbers in the cell were refused, for the import report."""
        return tuple(n.problem for n in self.numbers if n.problem is not None)

    @property
    def repairs(self) -> tuple[str, ...]:
        """What was changed, so someone can check it against the source."""
        return tuple(r for n in self.numbers for r in n.repairs)


def _refuse(raw: str, problem: str) -> PhoneNumber:
    return PhoneNumber(raw, None, None, None, (), problem)


def _why_invalid(number: phonenumbers.PhoneNumber, region: str) -> str:
    """Explain a parsed but invalid number in terms a caller can act on."""
    nsn = str(number.national_number)
    if len(nsn) <= 6 and is_valid_short_number_for_region(number, region):
        return SERVICE
    if number.country_code == 44:
        if len(nsn) < 10:
            return "too short for a UK phone number; digits may be missing"
        if len(nsn) > 10:
            return "too long for a UK phone number; are two numbers run together?"
        return "not a valid UK phone number: no UK number range starts like this"
    return "not a valid phone number for its country"


def _number_type(number: phonenumbers.PhoneNumber, nsn: str) -> int:
    """phonenumbers.number_type() without matching the type twice for +44 (~15% of an import).

    For shared country codes, number_type() finds the region by running the full type
    match against GB, then matches again. We keep the first match: same metadata and
    helper, same result. UNKNOWN means invalid, exactly as is_valid_number() decides.
    """
    if _number_type_helper is None:  # pragma: no cover
        return phonenumbers.number_type(number)
    cc = number.country_code
    regions = COUNTRY_CODE_TO_REGION_CODE.get(cc)
    if not regions:
        return PhoneNumberType.UNKNOWN
    if len(regions) == 1:
        metadata = PhoneMetadata.metadata_for_region_or_calling_code(cc, regions[0])
        return PhoneNumberType.UNKNOWN if metadata is None else _number_type_helper(nsn, metadata)
    for region in regions:
        metadata = PhoneMetadata.metadata_for_region(region.upper(), None)
        if metadata is None:
            continue
        if metadata.leading_digits is not None:
            if re_compile(metadata.leading_digits).match(nsn):
                return _number_type_helper(nsn, metadata)
        else:
            kind = _number_type_helper(nsn, metadata)
            if kind != PhoneNumberType.UNKNOWN:
                return kind
    return PhoneNumberType.UNKNOWN


def _uk_national(text: str) -> phonenumbers.PhoneNumber | None:
    """What phonenumbers.parse(text, "GB") gives for a UK number written nationally in
    digits and spaces (0113 496 0123): +44 and the digits after the 0. Over half of a
    council's list is written so, and parse() spends most of its time on what such a
    number does not have (a country code, an international prefix, letters, Unicode
    digits). None for anything else, which goes to parse() itself.

    The national prefix is GB's "0", and a national number of 9 or 10 digits not starting
    0 is one parse() keeps whole; ``tests/test_phones_fast_path.py`` holds this to parse()
    on every four-digit start of a UK number, in each length and spacing.
    """
    digits = text.replace(" ", "") if " " in text else text
    if not _UK_NATIONAL.fullmatch(digits):
        return None
    return phonenumbers.PhoneNumber(country_code=44, national_number=int(digits[1:]))


def _build(
    raw: str, text: str, extension: str | None, repairs: tuple[str, ...], region: str
) -> PhoneNumber:
    """Parse once, type once: the hot path of every import."""
    # Bare digits of a UK number whose 0 a spreadsheet dropped: 10 digits (0161 496 0123)
    # or 9 (01204 62150). No UK number starts 04, so 44... is a country code, not this.
    if (region == "GB" and (len(text) == 10 or len(text) == 9) and text[0] != "0"
            and text.isdigit() and not text.startswith("44")):
        text = "0" + text
        repairs = (*repairs, LEADING_ZERO)
    number = _uk_national(text) if region == "GB" else None
    if number is None:
        try:
            number = phonenumbers.parse(text, region)
        except NumberParseException as exc:
            return _refuse(raw, _PARSE_PROBLEMS.get(exc.error_type, "this is not a phone number"))
    nsn = (
        phonenumbers.national_significant_number(number)
        if number.italian_leading_zero
        else str(number.national_number)
    )
    kind = _number_type(number, nsn)
    if kind == PhoneNumberType.UNKNOWN:
        return _refuse(raw, _why_invalid(number, region))
    cc = number.country_code
    if text[0] not in "0+(" and _NON_DIGIT.sub("", text) == f"{cc}{nsn}":
        repairs = (*repairs, MISSING_PLUS)
    return PhoneNumber(
        raw,
        f"+{cc}{nsn}",
        extension or number.extension,
        _LINE_TYPES.get(kind, "other"),
        repairs,
        None,
    )


def _from_scientific(token: str, region: str) -> PhoneNumber:
    """Expand Excel's 7.976848608E+9 only if every digit survived."""
    try:
        value = Decimal(token)
    except InvalidOperation:
        return _refuse(token, DAMAGED)
    exponent = value.as_tuple().exponent
    if not isinstance(exponent, int) or exponent > 0 or value != value.to_integral_value():
        return _refuse(token, DAMAGED)
    return _build(token, str(int(value)), None, (SCIENTIFIC,), region)


def _from_fragment(raw: str, fragment: str, extension: str | None, region: str) -> PhoneNumber:
    raw, text = raw.strip(_LABEL_PUNCTUATION), fragment.strip(_LABEL_PUNCTUATION)
    floated = _FLOAT.fullmatch(text)
    if floated:
        return _build(raw, floated.group(1), extension, (FLOAT_SUFFIX,), region)
    return _build(raw, text, extension, (), region)


def _scan(cell: str, region: str) -> list[PhoneNumber]:
    """Split a messy cell into numbers at separators, words and extensions."""
    text = _BRACKETED_WORDS.sub("/", cell)
    found: list[PhoneNumber] = []
    start = 0
    for match in _TOKEN.finditer(text):
        fragment = text[start : match.start()]
        kind = match.lastgroup
        if kind == "ext":
            if not _THREE_DIGITS.match(fragment):  # "Ext 0161 ...": a label, not an extension
                start = match.start("extno")
                continue
            raw = text[start : match.end()]
            found.append(_from_fragment(raw, fragment, match.group("extno"), region))
        else:
            if _THREE_DIGITS.match(fragment):
                found.append(_from_fragment(fragment, fragment, None, region))
            if kind == "sci":
                found.append(_from_scientific(match.group(), region))
        start = match.end()
    tail = text[start:]
    if _THREE_DIGITS.match(tail):
        found.append(_from_fragment(tail, tail, None, region))
    return found


def parse_phone_cell(text: str | None, region: str = "GB") -> PhoneCell:
    """Find every number in one imported cell, repairing what can safely be repaired."""
    if text is None:
        return PhoneCell("", ())
    cell = text.strip()
    if _CLEAN.fullmatch(cell):
        return PhoneCell(text, (_build(cell, cell, None, (), region),))
    if cell.lower() in _MISSING:
        return PhoneCell(text, ())
    found = _scan(cell, region)
    if not found:
        said = _NO_NUMBER.search(cell)
        problem = (
            f"no number to call: the cell says \u201c{said.group()}\u201d"
            if said
            else "no phone number found in this cell"
        )
        found = [_refuse(cell, problem)]
    return PhoneCell(text, tuple(found))


def parse_phone(text: str, region: str = "GB") -> PhoneNumber:
    """Parse a single number typed into a form, refusing blanks and lists."""
    numbers = parse_phone_cell(text, region).numbers
    if not numbers:
        return _refuse(text, "no number given")
    if len(numbers) > 1:
        return _refuse(text, "more than one number here; enter one at a time")
    return numbers[0]


def format_for_display(e164: str, extension: str | None = None) -> str:
    """Show a number the way a UK caller reads and dials it: 0161 496 0123 ext. 204."""
    try:
        number = phonenumbers.parse(e164, None)
    except NumberParseException:
        shown = e164
    else:
        style = (
            PhoneNumberFormat.NATIONAL
            if number.country_code == 44
            else (PhoneNumberFormat.INTERNATIONAL)
        )
        shown = phonenumbers.format_number(number, style)
    return f"{shown} ext. {extension}" if extension else shown
