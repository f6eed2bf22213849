"""Calendar pay periods: months, quarters, halves and years.

A period is the half-open date range ``[start, end)``, so a deal closed on the
last day of March is in Q1 and one closed on 1 April is in Q2. Quarters and
halves follow the calendar year (Q1 is January to March, H1 is January to June).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

PERIOD_KINDS = ("month", "quarter", "half", "year")

_MONTHS_IN = {"month": 1, "quarter": 3, "half": 6, "year": 12}

# One example label per kind, shown in error messages as the expected form.
_EXAMPLES = {"month": "2017-03", "quarter": "2017-Q2", "half": "2017-H1", "year": "2017"}

# Label syntax per kind. Month and index ranges are checked after the match,
# so that "2017-13" and "2017-Q5" get the same message as any other bad label.
_LABEL_PATTERNS = {
    "month": re.compile(r"(\d{4})-(\d{2})", re.ASCII),
    "quarter": re.compile(r"(\d{4})-[Qq](\d)", re.ASCII),
    "half": re.compile(r"(\d{4})-[Hh](\d)", re.ASCII),
    "year": re.compile(r"(\d{4})", re.ASCII),
}


@dataclass(frozen=True, order=True)
class Period:
    """A calendar pay period covering the dates ``start <= d < end``."""

    start: date
    end: date  # first day of the next period
    kind: str  # one of PERIOD_KINDS
    label: str  # "2017-03", "2017-Q2", "2017-H1" or "2017"

    @property
    def last_day(self) -> date:
        """The last date inside the period."""
        return self.end - timedelta(days=1)

    def contains(self, d: date) -> bool:
        return self.start <= d < self.end


def _check_kind(kind: str) -> int:
    """Return the number of months in a period of ``kind``, or raise ValueError."""
    try:
        return _MONTHS_IN[kind]
    except KeyError:
        raise ValueError(
            f'unknown period kind "{kind}"; use one of {", ".join(PERIOD_KINDS)}'
        ) from None


def _label(year: int, first_month: int, kind: str) -> str:
    if kind == "month":
        return f"{year:04d}-{first_month:02d}"
    if kind == "quarter":
        return f"{year:04d}-Q{(first_month - 1) // 3 + 1}"
    if kind == "half":
        return f"{year:04d}-H{(first_month - 1) // 6 + 1}"
    return f"{year:04d}"


def _period_starting(year: int, first_month: int, kind: str) -> Period:
    months = _MONTHS_IN[kind]
    next_index = first_month - 1 + months  # zero-based month index, may pass December
    end = date(year + next_index // 12, next_index % 12 + 1, 1)
    return Period(date(year, first_month, 1), end, kind, _label(year, first_month, kind))


def period_of(d: date, kind: str) -> Period:
    """Return the period of ``kind`` that contains the date ``d``."""
    months = _check_kind(kind)
    first_month = (d.month - 1) // months * months + 1
    return _period_starting(d.year, first_month, kind)


def _match_label(label: str, kind: str) -> Period | None:
    match = _LABEL_PATTERNS[kind].fullmatch(label)
    if match is None:
        return None
    year = int(match.group(1))
    if not 1 <= year <= 9998:  # the period's end must still be a valid date
        return None
    if kind == "year":
        return _period_starting(year, 1, kind)
    index = int(match.group(2))
    if not 1 <= index <= 12 // _MONTHS_IN[kind]:
        return None
    return _period_starting(year, (index - 1) * _MONTHS_IN[kind] + 1, kind)


def parse_period(text: str, kind: str) -> Period:
    """Parse a period label of the plan's ``kind``, such as "2017-Q2" for a quarter plan.

    Quarter and half letters may be lower case ("2017-q2"). Raises ValueError
    with the expected form when the label is invalid or names another kind.
    """
    _check_kind(kind)
    label = text.strip()
    period = _match_label(label, kind)
    if period is not None:
        return period

    message = f'expected a {kind} such as {_EXAMPLES[kind]}, got "{text}"'
    for other in PERIOD_KINDS:
        if other != kind and _match_label(label, other) is not None:
            message += f"; that is a {other} label"
            break
    raise ValueError(message)


def periods_between(first: date, last: date, kind: str) -> list[Period]:
    """Return, in order, every period of ``kind`` that overlaps the dates first..last inclusive.

    Raises ValueError when ``last`` is before ``first``.
    """
    _check_kind(kind)
    if last < first:
        raise ValueError(f"last date {last.isoformat()} is before first date {first.isoformat()}")

    periods = []
    period = period_of(first, kind)
    while period.start <= last:
        periods.append(period)
        period = period_of(period.end, kind)
    return periods
