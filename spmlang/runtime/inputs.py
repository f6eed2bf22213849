"""Loading deal ledgers and payee rosters from CSV files.

A plan declares the fields it reads from each input: the source column, the
type and whether a blank cell is allowed. ``load_table`` reads a CSV file with
those declarations and returns the rows that parsed, together with one
rejection per bad cell, so that one bad deal never hides the others.

Amounts, numbers and percentages become ``decimal.Decimal`` straight from the
cell text and never pass through float.

Problems with the file as a whole (not found, not UTF-8, a declared column
missing from the header) raise ``InputError`` with a message that names the
file and the fix. Problems in a cell become ``Rejection`` values.
"""

from __future__ import annotations

import codecs
import csv
import difflib
import functools
import hashlib
import io
import operator
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from spmlang.diagnostics import InputError
from spmlang.money import PRECISION

FIELD_TYPES = ("money", "number", "percent", "date", "text", "bool", "rating")

MISSING_VALUE = "missing value"


@dataclass(frozen=True)
class FieldSpec:
    """A plan's declaration of one input field and the CSV column it comes from."""

    name: str  # field name in the plan, e.g. "amount"
    column: str  # header of the source column, e.g. "close_value"
    type: str  # one of FIELD_TYPES
    optional: bool = False  # a blank cell reads as None instead of being rejected
    date_format: str = "iso"  # "iso", "us", or a strftime pattern such as "%d.%m.%Y"
    decimal_comma: bool = False  # "1.234,56" style for money, number and percent
    ratings: tuple[str, ...] = ()  # allowed keys of a "rating" field, as in the plan's rubric
    line: int = 0  # plan line that declares the field, shown in messages (0 if unknown)
    currency: str = ""  # the plan's currency code; money cells marked with another currency are rejected
    # How a percent cell without a % sign reads: "fraction" (0.125 is 12.5%), "points" (12.5 is
    # 12.5%), or "" for a fraction of at most 1 in size, rejecting larger bare numbers as ambiguous.
    percent_form: str = ""


@dataclass(frozen=True, slots=True)  # slots: a million rows each save the __dict__
class Row:
    """A record whose every declared field parsed."""

    number: int  # physical line where the record starts (the header is line 1)
    values: dict[str, object]  # field name -> Decimal | date | str | bool | None
    raw: dict[str, str]  # field name -> cell text as read


@dataclass(frozen=True, slots=True)
class Rejection:
    """A cell, or a whole record, that could not be read."""

    row: int
    column: str  # source column header; "" when the whole record is at fault
    value: str  # cell text as read
    reason: str  # explanation of the problem in plain words, with a valid form of the value


@dataclass(frozen=True)
class Table:
    path: str
    sha256: str  # hex digest of the file's raw bytes
    rows: list[Row]
    rejections: list[Rejection]  # in file order, and a record with any rejection is left out of rows
    rejected_rows: dict[int, list[Rejection]]  # row number -> its rejections
    read: int  # data records read, not counting the header and blank lines
    # Row number -> field name -> cell text, for rejected records of the header's width.
    rejected_cells: dict[int, dict[str, str]] = field(default_factory=dict)


# ---------------------------------------------------------------------------
# Amounts: money, number and percent
# ---------------------------------------------------------------------------

# Fast path for the common plain cell such as "1234.56" or "-12". The digit
# limits keep the value within PRECISION significant digits, and [0-9] is used
# because \d and Decimal() also accept non-ASCII digits.
_PLAIN_DOT = re.compile(r"-?[0-9]{1,18}(?:\.[0-9]{1,15})?")
_PLAIN_COMMA = re.compile(r"-?[0-9]{1,18}(?:,[0-9]{1,15})?")

# Digits with optional thousands separators in groups of three, and an optional
# fraction. Built for each choice of decimal separator.
_GROUPED_DOT = re.compile(r"(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]*)?|\.[0-9]+")
_GROUPED_COMMA = re.compile(r"(?:[0-9]{1,3}(?:\.[0-9]{3})+|[0-9]+)(?:,[0-9]*)?|,[0-9]+")

_EXPONENT = re.compile(r"[0-9.,]*[0-9][eE][+-]?[0-9]+")
_CURRENCY_CODE_PREFIX = re.compile(r"([A-Z]{3})(?![A-Za-z])")
_CURRENCY_CODE_SUFFIX = re.compile(r"(?<![A-Za-z])([A-Z]{3})\Z")
_NOT_A_NUMBER = {"nan", "snan", "inf", "infinity"}


@dataclass(frozen=True)
class _AmountStyle:
    """Separators and message wording for one kind of amount."""

    noun: str  # "amount", "number" or "percentage", used in reasons
    noun_with_article: str  # e.g. "an amount"
    example: str  # a valid example in this style
    decimal_comma: bool
    allow_currency: bool


def _amount_style(kind: str, decimal_comma: bool) -> _AmountStyle:
    if kind == "percent":
        example = "12,5% or 0,125" if decimal_comma else "12.5% or 0.125"
        return _AmountStyle("percentage", "a percentage", example, decimal_comma, allow_currency=False)
    example = "1234,56" if decimal_comma else "1234.56"
    if kind == "money":
        return _AmountStyle("amount", "an amount", example, decimal_comma, allow_currency=True)
    return _AmountStyle("number", "a number", example, decimal_comma, allow_currency=False)


def _take_currency(text: str) -> tuple[str, str]:
    """Split off a currency symbol or 3-letter code at either end of ``text``.

    Returns the currency marker ("" if none) and the remaining text.
    """
    if unicodedata.category(text[0]) == "Sc":
        return text[0], text[1:]
    if unicodedata.category(text[-1]) == "Sc":
        return text[-1], text[:-1]
    match = _CURRENCY_CODE_PREFIX.match(text)
    if match:
        return match.group(1), text[3:]
    match = _CURRENCY_CODE_SUFFIX.search(text)
    if match:
        return match.group(1), text[:-3]
    return "", text


def _read_amount(text: str, style: _AmountStyle) -> tuple[Decimal | None, str]:
    """Parse an amount cell in any accepted form and return the value and its currency marker.

    Accepts, in any order around the digits, at most one sign, one currency
    marker and one pair of accounting parentheses: "-$12", "$-12", "(1,234.56)",
    "USD 1234.56" and "1234.56 EUR". Returns (None, "") for a blank cell.
    Raises ValueError with the reason for a rejection.
    """
    body = text.strip()
    if not body:
        return None, ""

    sign = ""
    currency = ""
    parentheses = False
    while body:
        if not parentheses and len(body) >= 2 and body[0] == "(" and body[-1] == ")":
            parentheses = True
            body = body[1:-1].strip()
        elif not sign and body[0] in "+-":
            sign = body[0]
            body = body[1:].strip()
        elif not currency:
            currency, body = _take_currency(body)
            body = body.strip()
            if not currency:
                break
        else:
            break

    if currency and not style.allow_currency:
        raise ValueError(f'{style.noun_with_article} has no currency; remove "{currency}"')
    if parentheses and sign:
        raise ValueError(
            "write a negative amount with parentheses or with a minus sign, not both"
        )

    grouped = _GROUPED_COMMA if style.decimal_comma else _GROUPED_DOT
    if not grouped.fullmatch(body):
        raise ValueError(_explain_bad_amount(body, style))

    if style.decimal_comma:
        digits = body.replace(".", "").replace(",", ".")
    else:
        digits = body.replace(",", "")
    if sum(ch.isdigit() for ch in digits) > PRECISION:
        raise ValueError(
            f"has more than {PRECISION} digits, the most that spmlang calculates with exactly"
        )

    value = Decimal(digits)
    if sign == "-" or parentheses:
        # copy_negate is exact. Unary minus would round to the current
        # context's precision, which is 28 digits by default.
        value = value.copy_negate()
    if not value:
        value = value.copy_abs()  # so that "-0.00" reads as 0.00
    return value, currency


def _explain_bad_amount(body: str, style: _AmountStyle) -> str:
    """Return the rejection reason for the digits part of an amount that did not match."""
    decimal_separator, group_separator = (",", ".") if style.decimal_comma else (".", ",")
    general = (
        f"not a valid {style.noun}; write digits with an optional minus sign, "
        f"e.g. {style.example}"
    )
    if not body:
        return f"no digits; write {style.noun_with_article} such as {style.example}"
    if body.lower() in _NOT_A_NUMBER:
        return general
    if _EXPONENT.fullmatch(body):
        plain = _plain_form_of_exponent(body, style)
        return f'exponent form is not accepted; write the plain number{plain}'
    if not all(ch.isdigit() or ch in ".," for ch in body):
        return general
    if body.count(decimal_separator) > 1:
        name = "decimal comma" if style.decimal_comma else "decimal point"
        return f"more than one {name}; write {style.noun_with_article} such as {style.example}"
    if group_separator in body:
        reason = (
            "thousands separators must split the digits into groups of three, "
            f"e.g. {'1.234.567,89' if style.decimal_comma else '1,234,567.89'}"
        )
        if not style.decimal_comma and body.count(",") == 1 and "." not in body:
            reason += (
                '; if the comma is the decimal separator, give the field the format "1.234,56" in the plan'
            )
        return reason
    return general


def _plain_form_of_exponent(body: str, style: _AmountStyle) -> str:
    """Return ' 100000 instead of 1e5' for "1e5", or "" when the plain form would not fit a message."""
    if style.decimal_comma:
        if "." in body:  # a thousands separator next to an exponent has no clear reading
            return ""
        digits = body.replace(",", ".")
    else:
        if "," in body:
            return ""
        digits = body
    try:
        value = Decimal(digits)
    except ArithmeticError:
        return ""
    # Check the exponent before formatting, because "1e999999" would format
    # to a million digits.
    if not -20 <= value.adjusted() <= 20:
        return ""
    text = format(value, "f")
    if style.decimal_comma:
        text = text.replace(".", ",")
    return f" {text} instead of {body}"


def _scale_percent_up(value: Decimal) -> str:
    """Write a fraction as the number of percent it means, exactly: 12.5 gives "1250"."""
    sign, digits, exponent = value.as_tuple()
    return format(Decimal((sign, digits, exponent + 2)).normalize(), "f")


def _scale_percent(value: Decimal) -> Decimal:
    """Divide by 100 exactly by moving the exponent, so no digit is ever rounded."""
    sign, digits, exponent = value.as_tuple()
    return Decimal((sign, digits, exponent - 2))


def _blank(optional: bool) -> None:
    """Return None for a blank cell of an optional field, or raise "missing value"."""
    if optional:
        return None
    raise ValueError(MISSING_VALUE)


def _read_plain_amount(text: str, decimal_comma: bool) -> Decimal:
    """Convert a cell that matched _PLAIN_DOT or _PLAIN_COMMA."""
    value = Decimal(text.replace(",", ".") if decimal_comma else text)
    if not value:
        value = value.copy_abs()  # so that "-0.00" reads as 0.00
    return value


def _money_parser(spec: FieldSpec, guard: _CurrencyGuard | None) -> Callable[[str], object]:
    """Return the parser of a money or number field; ``guard`` checks currencies across a column."""
    decimal_comma = spec.decimal_comma
    is_plain = (_PLAIN_COMMA if decimal_comma else _PLAIN_DOT).fullmatch
    style = _amount_style(spec.type, decimal_comma)
    optional = spec.optional

    def parse(text: str) -> Decimal | None:
        if is_plain(text):
            return _read_plain_amount(text, decimal_comma)
        value, currency = _read_amount(text, style)
        if value is None:
            return _blank(optional)
        if currency and guard is not None:
            guard.check(currency)
        return value

    return parse


def _percent_parser(spec: FieldSpec) -> Callable[[str], object]:
    """Return the parser of a percent field: "12.5%" reads as 0.125.

    A cell without a % sign reads by ``spec.percent_form``. Without a declared
    form, a bare number larger than 1 is rejected, because "12.5" may be an
    export that dropped its % signs as well as the fraction 12.5 (1250%).
    """
    decimal_comma = spec.decimal_comma
    is_plain = (_PLAIN_COMMA if decimal_comma else _PLAIN_DOT).fullmatch
    style = _amount_style("percent", decimal_comma)
    optional = spec.optional

    form = spec.percent_form

    def bare(value: Decimal, text: str) -> Decimal:
        if form == "points":
            return _scale_percent(value)
        if form == "" and abs(value) > 1:
            written = text.strip()
            raise ValueError(
                f"{written} has no % sign, so it could mean {written}% or {_scale_percent_up(value)}%; "
                f'write the sign, or declare the column `: percent "12.5"` (bare numbers are percent) '
                f'or `: percent "0.125"` (bare numbers are fractions)'
            )
        return value

    def parse(text: str) -> Decimal | None:
        if is_plain(text):
            return bare(_read_plain_amount(text, decimal_comma), text)
        body = text.strip()
        if not body.endswith("%"):
            value, _ = _read_amount(body, style)
            return _blank(optional) if value is None else bare(value, body)
        value, _ = _read_amount(body[:-1], style)
        if value is None:
            raise ValueError(f"no digits before the % sign; write e.g. {style.example}")
        return _scale_percent(value)
    return parse


# Symbols that may mark an amount in a plan's currency. "$" is taken as the
# plan's dollar when the plan pays in one of these dollars.
_SYMBOLS = {
    "USD": ("$", "US$"), "CAD": ("$", "C$", "CA$"), "AUD": ("$", "A$", "AU$"), "NZD": ("$", "NZ$"),
    "SGD": ("$", "S$"), "HKD": ("$", "HK$"), "MXN": ("$",), "EUR": ("€",), "GBP": ("£",), "JPY": ("¥",),
    "CNY": ("¥",), "INR": ("₹",), "KRW": ("₩",), "ILS": ("₪",), "BRL": ("R$",), "TRY": ("₺",),
}


class _CurrencyGuard:
    """Currencies seen so far in one money column, used to reject a second currency.

    Plans add up a column as one currency, so a ledger that mixes "USD 10" and
    "EUR 10" would be paid on a meaningless sum. Codes are compared with codes
    and symbols with symbols, because "$" alone does not say which dollar.
    """

    def __init__(self, expected: str = "") -> None:
        self.first_code = ""
        self.first_symbol = ""
        self.expected = expected  # the plan's currency code, "" when unknown

    def check(self, currency: str) -> None:
        is_code = len(currency) == 3
        if self.expected:
            matches = currency == self.expected if is_code else currency in _SYMBOLS.get(self.expected, ())
            if not matches:
                raise ValueError(
                    f'currency "{currency}" is not the plan\'s currency {self.expected}; '
                    f"convert the amount to {self.expected} before loading"
                )
        first = self.first_code if is_code else self.first_symbol
        if not first:
            if is_code:
                self.first_code = currency
            else:
                self.first_symbol = currency
            return
        if currency != first:
            raise ValueError(
                f'currency "{currency}" differs from "{first}" in earlier rows of this column; '
                "convert the amounts to one currency before loading"
            )


# ---------------------------------------------------------------------------
# Dates, text, yes/no and ratings
# ---------------------------------------------------------------------------

_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_US_DATE = re.compile(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})")

_DATE_CACHE_SIZE = 100_000  # distinct cell texts per date column

# 25 March 2017: a day above 12 shows which number is the day in the example.
_EXAMPLE_DATE = date(2017, 3, 25)


# strftime directives in the placeholder form that plans and spreadsheets use.
_DATE_PLACEHOLDERS = {"%d": "DD", "%m": "MM", "%Y": "YYYY", "%y": "YY", "%b": "Mon", "%B": "Month"}


def _expected_date_form(date_format: str) -> str:
    """Return the expected form for messages, e.g. "DD.MM.YYYY such as 25.03.2017"."""
    if date_format == "iso":
        return "YYYY-MM-DD such as 2017-03-25"
    if date_format == "us":
        return "MM/DD/YYYY such as 03/25/2017"
    form = re.sub(r"%[a-zA-Z]", lambda m: _DATE_PLACEHOLDERS.get(m.group(), m.group()), date_format)
    return f"{form} such as {_EXAMPLE_DATE.strftime(date_format)}"


def _date_parser(spec: FieldSpec) -> Callable[[str], object]:
    date_format = spec.date_format
    optional = spec.optional
    expected = _expected_date_form(date_format)
    not_a_date = f"not a valid date; expected {expected}"
    no_such_day = f"no such day in the calendar; expected {expected}"

    def parse_iso(body: str) -> date:
        if not _ISO_DATE.fullmatch(body):
            raise ValueError(not_a_date)
        try:
            return date.fromisoformat(body)
        except ValueError:
            raise ValueError(no_such_day) from None

    def parse_us(body: str) -> date:
        match = _US_DATE.fullmatch(body)
        if match is None:
            raise ValueError(not_a_date)
        month, day, year = (int(part) for part in match.groups())
        try:
            return date(year, month, day)
        except ValueError:
            raise ValueError(no_such_day) from None

    def parse_pattern(body: str) -> date:
        try:
            return datetime.strptime(body, date_format).date()
        except ValueError as error:
            # strptime gives "day is out of range for month" for a date such
            # as 30.02.2017 that has the right form but is not in the calendar.
            if "out of range" in str(error):
                raise ValueError(no_such_day) from None
            raise ValueError(not_a_date) from None

    if date_format == "iso":
        convert = parse_iso
    elif date_format == "us":
        convert = parse_us
    else:
        convert = parse_pattern

    # A ledger usually has far fewer distinct dates than rows, so converting
    # each distinct text once saves most of the work.
    cache: dict[str, date] = {}

    def parse(text: str) -> date | None:
        value = cache.get(text)
        if value is not None:
            return value
        body = text.strip()
        if not body:
            return _blank(optional)
        value = convert(body)
        if len(cache) < _DATE_CACHE_SIZE:
            cache[text] = value
        return value

    return parse


def _text_parser(spec: FieldSpec) -> Callable[[str], object]:
    optional = spec.optional

    def parse(text: str) -> str | None:
        return text.strip() or _blank(optional)

    return parse


_BOOL_WORDS = {
    "true": True, "yes": True, "y": True, "1": True,
    "false": False, "no": False, "n": False, "0": False,
}


def _bool_parser(spec: FieldSpec) -> Callable[[str], object]:
    optional = spec.optional

    def parse(text: str) -> bool | None:
        body = text.strip()
        if not body:
            return _blank(optional)
        try:
            return _BOOL_WORDS[body.lower()]
        except KeyError:
            raise ValueError(
                "not a yes/no value; write true or false (yes/no, y/n and 1/0 also work)"
            ) from None

    return parse


_WHOLE_WITH_ZERO_FRACTION = re.compile(r"([0-9]+)\.0+")


def _rating_parser(spec: FieldSpec) -> Callable[[str], object]:
    allowed = frozenset(spec.ratings)
    scale = ", ".join(spec.ratings)
    optional = spec.optional

    def parse(text: str) -> str | None:
        body = text.strip()
        if not body:
            return _blank(optional)
        if body in allowed:
            return body
        # Spreadsheets often export the rating 3 as "3.0".
        match = _WHOLE_WITH_ZERO_FRACTION.fullmatch(body)
        if match and match.group(1) in allowed:
            return match.group(1)
        raise ValueError(f'rating "{body}" is not on the scale {scale}')

    return parse


# ---------------------------------------------------------------------------
# One parser per field
# ---------------------------------------------------------------------------


def _check_spec(spec: FieldSpec) -> None:
    """Raise ValueError when a field declaration cannot be used.

    The plan checker is expected to report these before any file is read.
    """
    if spec.type not in FIELD_TYPES:
        raise ValueError(
            f'field "{spec.name}" has unknown type "{spec.type}"; use one of {", ".join(FIELD_TYPES)}'
        )
    if spec.type == "rating" and not spec.ratings:
        raise ValueError(f'rating field "{spec.name}" declares no ratings')
    if spec.type == "date" and spec.date_format not in ("iso", "us") and "%" not in spec.date_format:
        raise ValueError(
            f'field "{spec.name}" has date format "{spec.date_format}"; '
            'use "iso", "us" or a strftime pattern such as "%d.%m.%Y"'
        )


def _build_parser(spec: FieldSpec, guard: _CurrencyGuard | None) -> Callable[[str], object]:
    """Return a function that turns a cell's text into the field's value.

    The function returns None for a blank cell of an optional field. It raises
    ValueError with the rejection reason for a bad cell, including
    "missing value" for a blank cell of a required field.
    """
    _check_spec(spec)
    if spec.type in ("money", "number"):
        return _money_parser(spec, guard)
    if spec.type == "percent":
        return _percent_parser(spec)
    if spec.type == "date":
        return _date_parser(spec)
    if spec.type == "text":
        return _text_parser(spec)
    if spec.type == "bool":
        return _bool_parser(spec)
    return _rating_parser(spec)


@functools.lru_cache(maxsize=256)
def _cached_parser(spec: FieldSpec) -> Callable[[str], object]:
    # A guard given the plan's currency only compares each cell with it, so sharing it is safe.
    return _build_parser(spec, guard=_CurrencyGuard(spec.currency) if spec.currency else None)


def parse_value(text: str, spec: FieldSpec) -> object:
    """Parse one cell's text as the field ``spec`` declares.

    Returns a Decimal, date, str or bool, or None for a blank cell of an
    optional field. Raises ValueError with the rejection reason otherwise,
    including "missing value" for a blank cell of a required field.
    """
    return _cached_parser(spec)(text)


# ---------------------------------------------------------------------------
# Reading the file
# ---------------------------------------------------------------------------

_DELIMITERS = (",", ";", "\t", "|")  # in order of preference on a tie
_DELIMITER_NAMES = {",": '","', ";": '";"', "\t": "tab", "|": '"|"'}


def _where(role: str, path: Path) -> str:
    return f'{role} "{path}"'


def _read_utf8(path: Path, where: str) -> tuple[bytes, str]:
    """Read the file, check that it is UTF-8, and return its bytes and their sha256."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{where}: file not found; check the path") from None
    except IsADirectoryError:
        raise InputError(f"{where}: is a directory, not a CSV file; give the path of the file") from None
    except OSError as error:
        raise InputError(f"{where}: cannot be read ({error.strerror or error}); check the path and its permissions") from None

    digest = hashlib.sha256(data).hexdigest()
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise InputError(f"{where}: the file is UTF-16 encoded; save the file as UTF-8 and load it again")
    try:
        data.decode("utf-8")  # the text is discarded, because _text_lines decodes it in chunks
    except UnicodeDecodeError as error:
        raise InputError(_describe_decode_error(where, data, error)) from None
    return data, digest


def _text_lines(data: bytes) -> io.TextIOWrapper:
    """Return the lines of UTF-8 ``data``, without a BOM and with line endings as written.

    Decoding in chunks avoids a second full copy of the file as text, which
    a StringIO would hold.
    """
    return io.TextIOWrapper(io.BytesIO(data), encoding="utf-8-sig", newline="")


def _describe_decode_error(where: str, data: bytes, error: UnicodeDecodeError) -> str:
    before = data[: error.start]
    line = len(re.findall(rb"\r\n|\r|\n", before)) + 1
    line_start = max(before.rfind(b"\n"), before.rfind(b"\r")) + 1
    context = before[line_start:][-30:].decode("utf-8", errors="replace")
    byte = data[error.start]
    near = f' after "{context}"' if context else " at the start of the line"
    return (
        f"{where} line {line}: byte 0x{byte:02X}{near} is not valid UTF-8 "
        "(the file was probably saved as Windows-1252 or Latin-1); "
        "save the file as UTF-8 and load it again"
    )


def _detect_delimiter(lines: Iterable[str]) -> str:
    """Return the delimiter that occurs most often outside quotes in the first non-blank line.

    A comma wins a tie, and also a line with no candidate at all, which is
    a header with a single column.
    """
    first_line = ""
    for line in lines:
        if line.strip():
            first_line = line
            break

    counts = dict.fromkeys(_DELIMITERS, 0)
    quoted = False
    for ch in first_line:
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch in counts:
            counts[ch] += 1
    return max(_DELIMITERS, key=lambda d: counts[d])  # max keeps the first of equal counts


def _is_blank(cells: list[str]) -> bool:
    return all(not cell or cell.isspace() for cell in cells)


def _read_header(reader: Any, where: str) -> list[str]:
    """Read the first non-blank record and return its stripped column names.

    ``reader`` is a ``csv.reader``, which has no public type to annotate with.
    """
    while True:
        number = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            raise InputError(
                f"{where}: the file is empty; it needs a header line with the column names"
            ) from None
        except csv.Error as error:
            raise InputError(
                f"{where} line {number}: the header has broken quoting ({error}); "
                "put double quotes around a whole column name or none"
            ) from None
        if not _is_blank(cells):
            break

    header = [cell.strip() for cell in cells]
    positions: dict[str, list[int]] = {}
    for position, name in enumerate(header, start=1):
        if name:  # spreadsheets export unused columns with blank names, which no field can read
            positions.setdefault(name, []).append(position)
    duplicates = [
        f'"{name}" (columns {_join_and(found)})'
        for name, found in positions.items()
        if len(found) > 1
    ]
    if duplicates:
        raise InputError(
            f"{where} line {number}: the header repeats column names: "
            f"{'; '.join(duplicates)}; rename the columns so that each name is distinct"
        )
    return header


def _join_and(numbers: list[int]) -> str:
    """Return "2 and 4" or "2, 4 and 7"."""
    words = [str(number) for number in numbers]
    return ", ".join(words[:-1]) + " and " + words[-1]


def _suggest_column(column: str, header: list[str]) -> str | None:
    by_lower = {name.lower(): name for name in header if name}
    if column.lower() in by_lower:
        return by_lower[column.lower()]
    close = difflib.get_close_matches(column.lower(), list(by_lower), n=1, cutoff=0.6)
    return by_lower[close[0]] if close else None


def _describe_missing_column(spec: FieldSpec) -> str:
    declared = f'field "{spec.name}"' + (f", plan line {spec.line}" if spec.line else "")
    return f'"{spec.column}" ({declared})'


def _did_you_mean(spec: FieldSpec, header: list[str]) -> str:
    suggestion = _suggest_column(spec.column, header)
    return f'; did you mean "{suggestion}"?' if suggestion is not None else ""


def _column_indexes(fields: Sequence[FieldSpec], header: list[str], where: str) -> list[int]:
    """Return the header index of each field's column, or raise InputError naming the missing ones."""
    index_of = {name: index for index, name in enumerate(header) if name}
    missing = [spec for spec in fields if spec.column not in index_of]
    if not missing:
        return [index_of[spec.column] for spec in fields]

    if len(missing) == 1:
        spec = missing[0]
        problem = f"column {_describe_missing_column(spec)} is missing from the header"
        problem += _did_you_mean(spec, header) or "."
        action = "Rename the column in the file or change the column name in the plan."
    else:
        listed = "\n".join(
            f"  {_describe_missing_column(spec)}{_did_you_mean(spec, header)}" for spec in missing
        )
        problem = f"{len(missing)} columns are missing from the header:\n{listed}"
        action = "Rename the columns in the file or change the column names in the plan."
    columns = ", ".join(f'"{name}"' for name in header if name)
    raise InputError(f"{where}: {problem}\nThe header has: {columns}.\n{action}")


class _RecordParser:
    """Turn the cells of one record into a Row, or into the rejections of its bad cells."""

    def __init__(self, fields: Sequence[FieldSpec], indexes: list[int]):
        self.names = [spec.name for spec in fields]
        self.columns = [spec.column for spec in fields]
        self.parsers = [_build_parser(spec, _CurrencyGuard(spec.currency)) for spec in fields]
        # itemgetter with one index returns the cell itself, not a 1-tuple.
        if len(indexes) == 1:
            index = indexes[0]
            self.pick = lambda cells: (cells[index],)
        else:
            self.pick = operator.itemgetter(*indexes)

    def parse(self, number: int, cells: list[str]) -> Row | list[Rejection]:
        picked = self.pick(cells)
        try:
            # map() with operator.call keeps the loop over fields in C, which
            # matters at a million records.
            values = dict(zip(self.names, map(operator.call, self.parsers, picked)))
        except ValueError:
            return self._rejections(number, picked)
        return Row(number, values, dict(zip(self.names, picked)))

    def _rejections(self, number: int, picked: Sequence[str]) -> list[Rejection]:
        """Parse every field again, one by one, and return a rejection for each bad cell."""
        problems = []
        for column, parse, cell in zip(self.columns, self.parsers, picked):
            try:
                parse(cell)
            except ValueError as error:
                problems.append(Rejection(number, column, cell, str(error)))
        return problems


def load_table(path: str | Path, fields: Sequence[FieldSpec], *, role: str) -> Table:
    """Read a CSV ledger or roster and parse the declared fields of every record.

    ``role`` ("ledger" or "roster") names the file in messages. The delimiter
    is detected from the header line among comma, semicolon, tab and "|".
    The file may start with a UTF-8 BOM and use CRLF line endings. Records
    whose cells are all blank are skipped and not counted in ``read``.

    The file's bytes and every parsed row are held in memory at once.

    Raises InputError when the file cannot be used at all. A bad cell or a
    record with the wrong number of cells becomes a Rejection instead.
    Raises ValueError when ``fields`` itself is invalid, such as an unknown
    type or two fields with one name.
    """
    path = Path(path)
    where = _where(role, path)
    names = [spec.name for spec in fields]
    if len(set(names)) != len(names):
        raise ValueError(f"field names must be distinct, got {names}")
    for spec in fields:
        _check_spec(spec)

    data, digest = _read_utf8(path, where)
    delimiter = _detect_delimiter(_text_lines(data))
    # strict=True turns broken quoting into a csv.Error instead of silently
    # merging cells. The reader can go on with the next record after one.
    reader = csv.reader(_text_lines(data), delimiter=delimiter, strict=True)
    header = _read_header(reader, where)
    width = len(header)
    record_parser = _RecordParser(fields, _column_indexes(fields, header, where))
    parse_record = record_parser.parse

    rows: list[Row] = []
    rejections: list[Rejection] = []
    rejected_rows: dict[int, list[Rejection]] = {}
    rejected_cells: dict[int, dict[str, str]] = {}
    read = 0
    last_line = reader.line_num  # where the previous record ended

    # The for loop runs once per record. It is re-entered only after a
    # record with broken quoting.
    while True:
        try:
            for cells in reader:
                number = last_line + 1
                last_line = reader.line_num
                if len(cells) == width and not (
                    (not cells[0] or cells[0].isspace()) and _is_blank(cells)
                ):
                    result = parse_record(number, cells)
                elif _is_blank(cells):
                    continue
                else:
                    result = [_wrong_width(number, cells, width, delimiter)]

                read += 1
                if type(result) is Row:
                    rows.append(result)
                else:
                    rejections.extend(result)
                    rejected_rows[number] = result
                    if len(cells) == width:
                        rejected_cells[number] = dict(zip(record_parser.names, record_parser.pick(cells)))
            break
        except csv.Error as error:
            number = last_line + 1
            last_line = reader.line_num
            problem = _broken_quoting(number, error, where)
            read += 1
            rejections.append(problem)
            rejected_rows[number] = [problem]

    return Table(str(path), digest, rows, rejections, rejected_rows, read, rejected_cells)


def _broken_quoting(number: int, error: csv.Error, where: str) -> Rejection:
    """Return the rejection of a record with broken quoting.

    Raises InputError instead for a quote that is never closed, because
    everything up to the end of the file would otherwise read as one cell.
    """
    message = str(error)
    if "unexpected end of data" in message or "field larger than field limit" in message:
        raise InputError(
            f"{where} line {number}: a quoted cell that starts on this line is never closed; "
            'add the closing double quote, and write a quote inside a cell as ""'
        )
    return Rejection(
        number, "", "",
        f"broken quoting ({error}); put double quotes around a whole cell "
        'and write a quote inside it as ""',
    )


def _wrong_width(number: int, cells: list[str], width: int, delimiter: str) -> Rejection:
    if len(cells) < width:
        return Rejection(
            number, "", "",
            f"row has {len(cells)} cells, header has {width}; "
            "add the missing cells (they may be empty)",
        )
    extra = delimiter.join(cells[width:])
    return Rejection(
        number, "", extra,
        f"row has {len(cells)} cells, header has {width}; put double quotes around "
        f"a cell that contains the delimiter {_DELIMITER_NAMES[delimiter]}",
    )
