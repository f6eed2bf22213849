from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from spmlang.runtime.periods import (
    PERIOD_KINDS,
    Period,
    parse_period,
    period_of,
    periods_between,
)


@pytest.mark.parametrize(
    ("kind", "label", "start", "end"),
    [
        ("month", "2017-05", date(2017, 5, 1), date(2017, 6, 1)),
        ("quarter", "2017-Q2", date(2017, 4, 1), date(2017, 7, 1)),
        ("half", "2017-H1", date(2017, 1, 1), date(2017, 7, 1)),
        ("year", "2017", date(2017, 1, 1), date(2018, 1, 1)),
    ],
)
def test_period_of_mid_may(kind, label, start, end):
    period = period_of(date(2017, 5, 17), kind)
    assert period == Period(start, end, kind, label)


@pytest.mark.parametrize(
    ("kind", "label", "start"),
    [
        ("month", "2017-12", date(2017, 12, 1)),
        ("quarter", "2017-Q4", date(2017, 10, 1)),
        ("half", "2017-H2", date(2017, 7, 1)),
        ("year", "2017", date(2017, 1, 1)),
    ],
)
def test_period_of_december_ends_next_year(kind, label, start):
    period = period_of(date(2017, 12, 31), kind)
    assert period.label == label
    assert period.start == start
    assert period.end == date(2018, 1, 1)
    assert period.last_day == date(2017, 12, 31)


def test_quarter_boundary_is_half_open():
    q1 = period_of(date(2017, 3, 31), "quarter")
    q2 = period_of(date(2017, 4, 1), "quarter")
    assert q1.label == "2017-Q1"
    assert q2.label == "2017-Q2"
    assert q1.contains(date(2017, 3, 31))
    assert not q1.contains(date(2017, 4, 1))
    assert q2.contains(date(2017, 4, 1))
    assert not q2.contains(date(2017, 3, 31))
    assert q1.end == q2.start


def test_contains_first_and_last_day():
    march = parse_period("2017-03", "month")
    assert march.contains(date(2017, 3, 1))
    assert march.contains(date(2017, 3, 31))
    assert not march.contains(date(2017, 2, 28))
    assert not march.contains(date(2017, 4, 1))


def test_last_day_of_february():
    assert parse_period("2016-02", "month").last_day == date(2016, 2, 29)
    assert parse_period("2017-02", "month").last_day == date(2017, 2, 28)


@pytest.mark.parametrize(
    ("text", "kind", "label", "start", "end"),
    [
        ("2017-03", "month", "2017-03", date(2017, 3, 1), date(2017, 4, 1)),
        ("2017-12", "month", "2017-12", date(2017, 12, 1), date(2018, 1, 1)),
        ("2017-Q1", "quarter", "2017-Q1", date(2017, 1, 1), date(2017, 4, 1)),
        ("2017-Q2", "quarter", "2017-Q2", date(2017, 4, 1), date(2017, 7, 1)),
        ("2017-q2", "quarter", "2017-Q2", date(2017, 4, 1), date(2017, 7, 1)),
        ("2017-Q4", "quarter", "2017-Q4", date(2017, 10, 1), date(2018, 1, 1)),
        ("2017-H1", "half", "2017-H1", date(2017, 1, 1), date(2017, 7, 1)),
        ("2017-h2", "half", "2017-H2", date(2017, 7, 1), date(2018, 1, 1)),
        ("2017", "year", "2017", date(2017, 1, 1), date(2018, 1, 1)),
        (" 2017-Q3 ", "quarter", "2017-Q3", date(2017, 7, 1), date(2017, 10, 1)),
    ],
)
def test_parse_period_accepts_label(text, kind, label, start, end):
    assert parse_period(text, kind) == Period(start, end, kind, label)


@pytest.mark.parametrize(
    ("text", "kind", "expected"),
    [
        ("2017-13", "quarter", 'expected a quarter such as 2017-Q2, got "2017-13"'),
        ("2017-13", "month", 'expected a month such as 2017-03, got "2017-13"'),
        ("2017-00", "month", 'expected a month such as 2017-03, got "2017-00"'),
        ("2017-Q5", "quarter", 'expected a quarter such as 2017-Q2, got "2017-Q5"'),
        ("2017-Q0", "quarter", 'expected a quarter such as 2017-Q2, got "2017-Q0"'),
        ("2017-H3", "half", 'expected a half such as 2017-H1, got "2017-H3"'),
        ("17-Q1", "quarter", 'expected a quarter such as 2017-Q2, got "17-Q1"'),
        ("", "year", 'expected a year such as 2017, got ""'),
        ("2017-3", "month", 'expected a month such as 2017-03, got "2017-3"'),
        ("2017 Q2", "quarter", 'expected a quarter such as 2017-Q2, got "2017 Q2"'),
    ],
)
def test_parse_period_rejects_bad_label(text, kind, expected):
    with pytest.raises(ValueError) as caught:
        parse_period(text, kind)
    assert str(caught.value) == expected


@pytest.mark.parametrize(
    ("text", "kind", "expected"),
    [
        (
            "2017-Q2",
            "month",
            'expected a month such as 2017-03, got "2017-Q2"; that is a quarter label',
        ),
        (
            "2017-03",
            "quarter",
            'expected a quarter such as 2017-Q2, got "2017-03"; that is a month label',
        ),
        ("2017", "half", 'expected a half such as 2017-H1, got "2017"; that is a year label'),
        (
            "2017-H1",
            "year",
            'expected a year such as 2017, got "2017-H1"; that is a half label',
        ),
    ],
)
def test_parse_period_names_other_kind(text, kind, expected):
    with pytest.raises(ValueError) as caught:
        parse_period(text, kind)
    assert str(caught.value) == expected


def test_unknown_kind_lists_kinds():
    with pytest.raises(ValueError) as caught:
        period_of(date(2017, 1, 1), "week")
    assert str(caught.value) == 'unknown period kind "week"; use one of month, quarter, half, year'

    with pytest.raises(ValueError):
        parse_period("2017-W01", "week")
    with pytest.raises(ValueError):
        periods_between(date(2017, 1, 1), date(2017, 2, 1), "week")


def test_periods_between_months_across_year():
    periods = periods_between(date(2016, 11, 15), date(2017, 2, 1), "month")
    assert [p.label for p in periods] == ["2016-11", "2016-12", "2017-01", "2017-02"]
    assert periods[0].start == date(2016, 11, 1)
    assert periods[-1].end == date(2017, 3, 1)


def test_periods_between_quarters_across_year():
    periods = periods_between(date(2016, 12, 31), date(2017, 1, 1), "quarter")
    assert [p.label for p in periods] == ["2016-Q4", "2017-Q1"]


def test_periods_between_halves_and_years():
    halves = periods_between(date(2016, 6, 30), date(2017, 7, 1), "half")
    assert [p.label for p in halves] == ["2016-H1", "2016-H2", "2017-H1", "2017-H2"]

    years = periods_between(date(2016, 6, 1), date(2018, 1, 1), "year")
    assert [p.label for p in years] == ["2016", "2017", "2018"]


def test_periods_between_single_day():
    periods = periods_between(date(2017, 4, 1), date(2017, 4, 1), "quarter")
    assert [p.label for p in periods] == ["2017-Q2"]


def test_periods_between_last_on_period_end():
    # The end date is exclusive, so a range ending on 2017-03-31 stays in Q1.
    periods = periods_between(date(2017, 1, 1), date(2017, 3, 31), "quarter")
    assert [p.label for p in periods] == ["2017-Q1"]


def test_periods_between_reversed_range():
    with pytest.raises(ValueError) as caught:
        periods_between(date(2017, 5, 1), date(2017, 4, 30), "month")
    assert str(caught.value) == "last date 2017-04-30 is before first date 2017-05-01"


def test_periods_sort_by_start():
    q3 = parse_period("2017-Q3", "quarter")
    q1 = parse_period("2017-Q1", "quarter")
    q4_before = parse_period("2016-Q4", "quarter")
    assert sorted([q3, q1, q4_before]) == [q4_before, q1, q3]


@given(
    day=st.dates(min_value=date(1900, 1, 1), max_value=date(2199, 12, 31)),
    kind=st.sampled_from(PERIOD_KINDS),
)
def test_period_of_contains_day_and_label_parses_back(day, kind):
    period = period_of(day, kind)
    assert period.contains(day)
    assert period.start.day == 1
    assert period.start <= day <= period.last_day
    assert parse_period(period.label, kind) == period
    # The next period starts exactly where this one ends.
    assert period_of(period.end, kind).start == period.end
