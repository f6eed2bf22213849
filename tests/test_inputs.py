import hashlib
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from spmlang.diagnostics import InputError
from spmlang.runtime.inputs import (
    FieldSpec,
    Rejection,
    load_table,
    parse_value,
)

MONEY = FieldSpec("amount", "close_value", "money")
MONEY_COMMA = FieldSpec("amount", "close_value", "money", decimal_comma=True)
NUMBER = FieldSpec("units", "units", "number")
PERCENT = FieldSpec("discount", "discount", "percent")
RATING = FieldSpec("score", "score", "rating", ratings=("1", "2", "3", "4"))


def write(tmp_path, name, content):
    """Write ``content`` (str as UTF-8, or bytes as given) to tmp_path/name and return the path."""
    path = tmp_path / name
    data = content.encode("utf-8") if isinstance(content, str) else content
    path.write_bytes(data)
    return path


def reason(text, spec):
    """Return the rejection reason that parse_value raises for ``text``."""
    with pytest.raises(ValueError) as caught:
        parse_value(text, spec)
    return str(caught.value)


# ---------------------------------------------------------------------------
# Money, number and percent cells
# ---------------------------------------------------------------------------


# Expected values are the exact Decimal text, so the scale is checked too.
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1234.56", "1234.56"),
        ("12.50", "12.50"),
        ("0", "0"),
        ("-12", "-12"),
        ("+12", "12"),
        ("  12.50 ", "12.50"),
        ("\t7\t", "7"),
        ("1,234", "1234"),
        ("1,234,567.89", "1234567.89"),
        ("$1,234.56", "1234.56"),
        ("USD 1234.56", "1234.56"),
        ("USD1234.56", "1234.56"),
        ("1234.56 EUR", "1234.56"),
        ("€12", "12"),
        ("12 €", "12"),
        ("£0.99", "0.99"),
        ("(1,234.56)", "-1234.56"),
        ("($1,234.56)", "-1234.56"),
        ("$(5.00)", "-5.00"),
        ("(1234.56 EUR)", "-1234.56"),
        ("-$12", "-12"),
        ("$-12", "-12"),
        ("USD -1,000", "-1000"),
        ("-0.00", "0.00"),
        (".5", "0.5"),
        ("5.", "5"),
        ("007", "7"),
        ("123456789012345678.123456789012345", "123456789012345678.123456789012345"),
    ],
)
def test_money_accepted_forms(text, expected):
    value = parse_value(text, MONEY)
    assert isinstance(value, Decimal)
    assert str(value) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1.234,56", "1234.56"),
        ("1234,56", "1234.56"),
        ("1.234.567,89", "1234567.89"),
        ("-12,5", "-12.5"),
        ("€ 1.234,56", "1234.56"),
        ("(1.234,56)", "-1234.56"),
        ("12", "12"),
    ],
)
def test_money_decimal_comma(text, expected):
    assert str(parse_value(text, MONEY_COMMA)) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("abc", "not a valid amount; write digits with an optional minus sign, e.g. 1234.56"),
        ("12 abc", "not a valid amount; write digits with an optional minus sign, e.g. 1234.56"),
        ("NaN", "not a valid amount; write digits with an optional minus sign, e.g. 1234.56"),
        ("Infinity", "not a valid amount; write digits with an optional minus sign, e.g. 1234.56"),
        ("-inf", "not a valid amount; write digits with an optional minus sign, e.g. 1234.56"),
        ("1_000", "not a valid amount; write digits with an optional minus sign, e.g. 1234.56"),
        ("1 234.56", "not a valid amount; write digits with an optional minus sign, e.g. 1234.56"),
        ("12-", "not a valid amount; write digits with an optional minus sign, e.g. 1234.56"),
        ("1.2.3", "more than one decimal point; write an amount such as 1234.56"),
        (
            "1,23,4",
            "thousands separators must split the digits into groups of three, e.g. 1,234,567.89",
        ),
        (
            "12,34.5",
            "thousands separators must split the digits into groups of three, e.g. 1,234,567.89",
        ),
        (
            "1,5",
            "thousands separators must split the digits into groups of three, e.g. 1,234,567.89; "
            'if the comma is the decimal separator, give the field the format "1.234,56" in the plan',
        ),
        ("1e5", "exponent form is not accepted; write the plain number 100000 instead of 1e5"),
        ("2.5E3", "exponent form is not accepted; write the plain number 2500 instead of 2.5E3"),
        ("$", "no digits; write an amount such as 1234.56"),
        ("-", "no digits; write an amount such as 1234.56"),
        ("(-12)", "write a negative amount with parentheses or with a minus sign, not both"),
        ("", "missing value"),
        ("   ", "missing value"),
    ],
)
def test_money_rejected_forms(text, expected):
    assert reason(text, MONEY) == expected


@pytest.mark.parametrize(
    ("spec", "text", "expected"),
    [
        (MONEY, "1e999999", "exponent form is not accepted; write the plain number"),
        (MONEY, "1,5e3", "exponent form is not accepted; write the plain number"),
        (MONEY_COMMA, "1,5e3", "exponent form is not accepted; write the plain number 1500 instead of 1,5e3"),
        (MONEY_COMMA, "1.5e3", "exponent form is not accepted; write the plain number"),
    ],
)
def test_exponent_plain_form_shown_only_when_clear(spec, text, expected):
    assert reason(text, spec) == expected


def test_money_rejects_non_ascii_digits():
    # Decimal() itself accepts Arabic-Indic digits, but a ledger must not.
    assert reason("١٢", MONEY).startswith("not a valid amount")


def test_money_negative_keeps_all_digits():
    # 32 digits: more than the 28 of Python's default decimal context.
    text = "(123,456,789,012,345,678,901,234,567,890.12)"
    assert str(parse_value(text, MONEY)) == "-123456789012345678901234567890.12"
    assert str(parse_value("-$" + text[1:-1], MONEY)) == "-123456789012345678901234567890.12"


def test_money_rejects_more_digits_than_precision():
    text = "1" * 35
    assert reason(text, MONEY) == (
        "has more than 34 digits, the most that spmlang calculates with exactly"
    )


def test_money_decimal_comma_rejections():
    assert reason("1,234.56", MONEY_COMMA) == (
        "thousands separators must split the digits into groups of three, e.g. 1.234.567,89"
    )
    assert reason("1,2,3", MONEY_COMMA) == (
        "more than one decimal comma; write an amount such as 1234,56"
    )


def test_number_accepts_amount_forms_without_currency():
    assert parse_value("1,234.5", NUMBER) == Decimal("1234.5")
    assert parse_value("(3)", NUMBER) == Decimal("-3")
    assert parse_value("+4", NUMBER) == Decimal("4")
    assert reason("$12", NUMBER) == 'a number has no currency; remove "$"'
    assert reason("12 USD", NUMBER) == 'a number has no currency; remove "USD"'
    assert reason("x", NUMBER) == (
        "not a valid number; write digits with an optional minus sign, e.g. 1234.56"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12.5%", "0.125"),
        ("12.5 %", "0.125"),
        ("50%", "0.50"),
        ("100%", "1.00"),
        ("-3%", "-0.03"),
        ("0.125", "0.125"),
        ("1", "1"),
        ("-0.5", "-0.5"),
        (" 7.5% ", "0.075"),
    ],
)
def test_percent_accepted_forms(text, expected):
    assert str(parse_value(text, PERCENT)) == expected


def test_percent_bare_number_above_one_rejected():
    # "12.5" could be 12.5% or the fraction 12.5 (1250%), so the column must declare its form.
    problem = reason("12.5", PERCENT)
    assert problem.startswith("12.5 has no % sign, so it could mean 12.5% or 1250%")
    assert '`: percent "12.5"`' in problem


@pytest.mark.parametrize(
    ("form", "text", "expected"),
    [
        ("fraction", "1.25", "1.25"),
        ("fraction", "0.125", "0.125"),
        ("points", "12.5", "0.125"),
        ("points", "125", "1.25"),
        ("points", "12.5%", "0.125"),
    ],
)
def test_percent_declared_forms(form, text, expected):
    spec = FieldSpec("rate", "rate", "percent", percent_form=form)
    assert str(parse_value(text, spec)) == expected


def test_percent_decimal_comma():
    spec = FieldSpec("discount", "discount", "percent", decimal_comma=True)
    assert str(parse_value("12,5 %", spec)) == "0.125"
    assert str(parse_value("0,125", spec)) == "0.125"


def test_percent_rejections():
    assert reason("%", PERCENT) == "no digits before the % sign; write e.g. 12.5% or 0.125"
    assert reason("$5%", PERCENT) == 'a percentage has no currency; remove "$"'
    assert reason("twelve%", PERCENT) == (
        "not a valid percentage; write digits with an optional minus sign, e.g. 12.5% or 0.125"
    )
    assert reason("", PERCENT) == "missing value"


def format_cents(cents, *, accounting=False, decimal_comma=False):
    """Format integer cents as '1,234,567.89', or '(1,234.56)' for a negative accounting amount."""
    whole, fraction = divmod(abs(cents), 100)
    text = f"{whole:,}.{fraction:02d}"
    if decimal_comma:
        text = text.translate(str.maketrans(",.", ".,"))
    if cents < 0:
        text = f"({text})" if accounting else f"-{text}"
    return text


@given(cents=st.integers(min_value=-(10**15), max_value=10**15), accounting=st.booleans())
def test_grouped_cents_parse_back(cents, accounting):
    text = format_cents(cents, accounting=accounting)
    assert parse_value(text, MONEY) == Decimal(cents).scaleb(-2)
    assert parse_value(text, MONEY).as_tuple().exponent == -2


@given(cents=st.integers(min_value=-(10**15), max_value=10**15))
def test_grouped_cents_parse_back_decimal_comma(cents):
    text = format_cents(cents, decimal_comma=True)
    assert parse_value(text, MONEY_COMMA) == Decimal(cents).scaleb(-2)


# ---------------------------------------------------------------------------
# Dates, text, yes/no and ratings
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("date_format", "text", "expected"),
    [
        ("iso", "2017-03-01", date(2017, 3, 1)),
        ("iso", " 2016-02-29 ", date(2016, 2, 29)),
        ("us", "03/01/2017", date(2017, 3, 1)),
        ("us", "3/1/2017", date(2017, 3, 1)),
        ("us", "12/31/2017", date(2017, 12, 31)),
        ("%d.%m.%Y", "01.03.2017", date(2017, 3, 1)),
        ("%d/%m/%Y", "25/03/2017", date(2017, 3, 25)),
    ],
)
def test_date_accepted_forms(date_format, text, expected):
    spec = FieldSpec("closed", "close_date", "date", date_format=date_format)
    assert parse_value(text, spec) == expected


@pytest.mark.parametrize(
    ("date_format", "text", "expected"),
    [
        ("iso", "2017-02-30", "no such day in the calendar; expected YYYY-MM-DD such as 2017-03-25"),
        ("iso", "2017-02-29", "no such day in the calendar; expected YYYY-MM-DD such as 2017-03-25"),
        ("iso", "2017-13-01", "no such day in the calendar; expected YYYY-MM-DD such as 2017-03-25"),
        ("iso", "03/01/2017", "not a valid date; expected YYYY-MM-DD such as 2017-03-25"),
        ("iso", "20170301", "not a valid date; expected YYYY-MM-DD such as 2017-03-25"),
        ("iso", "2017-3-1", "not a valid date; expected YYYY-MM-DD such as 2017-03-25"),
        ("us", "02/30/2017", "no such day in the calendar; expected MM/DD/YYYY such as 03/25/2017"),
        ("us", "25/03/2017", "no such day in the calendar; expected MM/DD/YYYY such as 03/25/2017"),
        ("us", "2017-03-01", "not a valid date; expected MM/DD/YYYY such as 03/25/2017"),
        ("us", "3/1/17", "not a valid date; expected MM/DD/YYYY such as 03/25/2017"),
        (
            "%d.%m.%Y",
            "30.02.2017",
            "no such day in the calendar; expected DD.MM.YYYY such as 25.03.2017",
        ),
        ("%d.%m.%Y", "2017-03-01", "not a valid date; expected DD.MM.YYYY such as 25.03.2017"),
        ("%Y/%m/%d", "2017-03-01", "not a valid date; expected YYYY/MM/DD such as 2017/03/25"),
    ],
)
def test_date_rejected_forms(date_format, text, expected):
    spec = FieldSpec("closed", "close_date", "date", date_format=date_format)
    assert reason(text, spec) == expected


def test_text_is_stripped():
    spec = FieldSpec("owner", "owner", "text")
    assert parse_value("  Dana Reyes ", spec) == "Dana Reyes"
    assert reason("  ", spec) == "missing value"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("true", True), ("TRUE", True), ("Yes", True), ("y", True), ("1", True),
        ("false", False), ("False", False), ("no", False), ("N", False), ("0", False),
    ],
)
def test_bool_words(text, expected):
    assert parse_value(text, FieldSpec("won", "won", "bool")) is expected


def test_bool_rejects_other_words():
    assert reason("maybe", FieldSpec("won", "won", "bool")) == (
        "not a yes/no value; write true or false (yes/no, y/n and 1/0 also work)"
    )


def test_rating_scale():
    assert parse_value("3", RATING) == "3"
    assert parse_value(" 4 ", RATING) == "4"
    assert parse_value("3.0", RATING) == "3"
    assert parse_value("2.00", RATING) == "2"
    assert reason("5", RATING) == 'rating "5" is not on the scale 1, 2, 3, 4'
    assert reason("3.5", RATING) == 'rating "3.5" is not on the scale 1, 2, 3, 4'
    assert reason("5.0", RATING) == 'rating "5.0" is not on the scale 1, 2, 3, 4'


def test_rating_with_word_keys():
    spec = FieldSpec("score", "score", "rating", ratings=("low", "mid", "high"))
    assert parse_value("mid", spec) == "mid"
    assert reason("Mid", spec) == 'rating "Mid" is not on the scale low, mid, high'


@pytest.mark.parametrize("field_type", ["money", "number", "percent", "date", "text", "bool"])
def test_optional_blank_is_none(field_type):
    spec = FieldSpec("x", "x", field_type, optional=True)
    assert parse_value("", spec) is None
    assert parse_value("  ", spec) is None


def test_optional_blank_rating_is_none():
    spec = FieldSpec("score", "score", "rating", optional=True, ratings=("1", "2"))
    assert parse_value(" ", spec) is None


def test_invalid_field_declarations():
    with pytest.raises(ValueError, match='unknown type "currency"'):
        parse_value("1", FieldSpec("x", "x", "currency"))
    with pytest.raises(ValueError, match="declares no ratings"):
        parse_value("1", FieldSpec("x", "x", "rating"))
    with pytest.raises(ValueError, match='date format "dd.mm.yyyy"'):
        parse_value("01.03.2017", FieldSpec("x", "x", "date", date_format="dd.mm.yyyy"))


# ---------------------------------------------------------------------------
# Loading files
# ---------------------------------------------------------------------------

LEDGER_FIELDS = [
    FieldSpec("id", "deal_id", "text", line=3),
    FieldSpec("amount", "close_value", "money", line=4),
    FieldSpec("closed", "close_date", "date", line=5),
]


def test_load_plain_ledger(tmp_path):
    content = (
        "deal_id,owner,close_value,close_date\n"
        "D-1,Dana,1200.00,2017-03-31\n"
        'D-2,"Reyes, Dana","$2,500.50",2017-04-01\n'
    )
    path = write(tmp_path, "deals.csv", content)

    table = load_table(path, LEDGER_FIELDS, role="ledger")

    assert table.path == str(path)
    assert table.sha256 == hashlib.sha256(content.encode("utf-8")).hexdigest()
    assert table.read == 2
    assert table.rejections == []
    assert table.rejected_rows == {}
    assert [row.number for row in table.rows] == [2, 3]
    assert table.rows[0].values == {
        "id": "D-1",
        "amount": Decimal("1200.00"),
        "closed": date(2017, 3, 31),
    }
    assert str(table.rows[0].values["amount"]) == "1200.00"
    assert table.rows[1].values["amount"] == Decimal("2500.50")
    assert table.rows[1].raw == {"id": "D-2", "amount": "$2,500.50", "closed": "2017-04-01"}


def test_load_accepts_str_path(tmp_path):
    path = write(tmp_path, "deals.csv", "deal_id,close_value,close_date\nD-1,1,2017-01-01\n")
    table = load_table(str(path), LEDGER_FIELDS, role="ledger")
    assert len(table.rows) == 1


def test_load_bom_and_crlf(tmp_path):
    content = "deal_id,close_value,close_date\r\nD-1,10.5,2017-01-02\r\nD-2,-3,2017-01-03\r\n"
    data = b"\xef\xbb\xbf" + content.encode("utf-8")
    path = write(tmp_path, "deals.csv", data)

    table = load_table(path, LEDGER_FIELDS, role="ledger")

    assert table.sha256 == hashlib.sha256(data).hexdigest()
    assert table.rejections == []
    assert [row.values["id"] for row in table.rows] == ["D-1", "D-2"]
    assert table.rows[0].values["amount"] == Decimal("10.5")
    assert table.rows[1].values["closed"] == date(2017, 1, 3)
    assert [row.number for row in table.rows] == [2, 3]


def test_load_carriage_return_lines(tmp_path):
    content = "deal_id,close_value,close_date\rD-1,1,2017-01-01\r\rD-2,2,2017-01-02\r"
    path = write(tmp_path, "deals.csv", content)

    table = load_table(path, LEDGER_FIELDS, role="ledger")

    assert table.rejections == []
    assert [row.number for row in table.rows] == [2, 4]


def test_load_semicolon_with_decimal_comma(tmp_path):
    content = (
        "deal_id;close_value;close_date\n"
        "D-1;1.234,56;01.03.2017\n"
        "D-2;-0,5;31.12.2017\n"
    )
    path = write(tmp_path, "deals.csv", content)
    fields = [
        FieldSpec("id", "deal_id", "text"),
        FieldSpec("amount", "close_value", "money", decimal_comma=True),
        FieldSpec("closed", "close_date", "date", date_format="%d.%m.%Y"),
    ]

    table = load_table(path, fields, role="ledger")

    assert table.rejections == []
    assert table.rows[0].values == {
        "id": "D-1",
        "amount": Decimal("1234.56"),
        "closed": date(2017, 3, 1),
    }
    assert table.rows[1].values["amount"] == Decimal("-0.5")


@pytest.mark.parametrize("delimiter", ["\t", "|"])
def test_load_tab_and_pipe(tmp_path, delimiter):
    lines = [["deal_id", "close_value", "close_date"], ["D-1", "1,000.25", "2017-06-30"]]
    content = "".join(delimiter.join(cells) + "\n" for cells in lines)
    path = write(tmp_path, "deals.csv", content)

    table = load_table(path, LEDGER_FIELDS, role="ledger")

    assert table.rejections == []
    assert table.rows[0].values["amount"] == Decimal("1000.25")


def test_delimiter_counts_outside_quotes(tmp_path):
    # Two commas inside the quoted name, two semicolons outside: semicolon wins.
    content = 'deal_id;"value, in USD, net";close_date\nD-1;5;2017-01-01\n'
    path = write(tmp_path, "deals.csv", content)
    fields = [FieldSpec("amount", "value, in USD, net", "money")]

    table = load_table(path, fields, role="ledger")

    assert table.rows[0].values == {"amount": Decimal("5")}


def test_delimiter_tie_prefers_comma(tmp_path):
    content = "deal_id,note;x\nD-1,a;b\n"
    path = write(tmp_path, "deals.csv", content)
    table = load_table(path, [FieldSpec("note", "note;x", "text")], role="ledger")
    assert table.rows[0].values == {"note": "a;b"}


def test_single_column_file(tmp_path):
    path = write(tmp_path, "ids.csv", "deal_id\nD-1\nD-2\n")
    table = load_table(path, [FieldSpec("id", "deal_id", "text")], role="ledger")
    assert [row.values["id"] for row in table.rows] == ["D-1", "D-2"]


def test_header_names_are_stripped(tmp_path):
    path = write(tmp_path, "deals.csv", " deal_id , close_value ,close_date\nD-1,7,2017-01-01\n")
    table = load_table(path, LEDGER_FIELDS, role="ledger")
    assert table.rows[0].values["amount"] == Decimal("7")


def test_missing_column_suggests_closest(tmp_path):
    path = write(tmp_path, "deals.csv", "deal_id,close_value,close_date\n")
    fields = [FieldSpec("amount", "close_valu", "money", line=12)]

    with pytest.raises(InputError) as caught:
        load_table(path, fields, role="ledger")

    message = str(caught.value)
    assert message == (
        f'ledger "{path}": column "close_valu" (field "amount", plan line 12) is missing '
        'from the header; did you mean "close_value"?\n'
        'The header has: "deal_id", "close_value", "close_date".\n'
        "Rename the column in the file or change the column name in the plan."
    )


def test_missing_column_suggests_case_match(tmp_path):
    path = write(tmp_path, "roster.csv", "Payee_ID,Name\n")
    with pytest.raises(InputError) as caught:
        load_table(path, [FieldSpec("payee", "payee_id", "text")], role="roster")
    message = str(caught.value)
    assert message.startswith(f'roster "{path}": column "payee_id"')
    assert 'did you mean "Payee_ID"?' in message


def test_several_missing_columns_listed(tmp_path):
    path = write(tmp_path, "deals.csv", "deal_id,close_value\n")
    fields = [
        FieldSpec("id", "deal_id", "text"),
        FieldSpec("closed", "closed_on", "date", line=5),
        FieldSpec("region", "territory", "text"),
    ]

    with pytest.raises(InputError) as caught:
        load_table(path, fields, role="ledger")

    message = str(caught.value)
    assert "2 columns are missing from the header:" in message
    assert '  "closed_on" (field "closed", plan line 5)' in message
    assert '  "territory" (field "region")' in message
    assert 'The header has: "deal_id", "close_value".' in message
    assert message.endswith(
        "Rename the columns in the file or change the column names in the plan."
    )


def test_missing_column_without_close_name(tmp_path):
    path = write(tmp_path, "deals.csv", "deal_id,close_value\n")
    with pytest.raises(InputError) as caught:
        load_table(path, [FieldSpec("region", "territory", "text")], role="ledger")
    assert str(caught.value) == (
        f'ledger "{path}": column "territory" (field "region") is missing from the header.\n'
        'The header has: "deal_id", "close_value".\n'
        "Rename the column in the file or change the column name in the plan."
    )


def test_duplicate_header_names(tmp_path):
    path = write(tmp_path, "deals.csv", "deal_id,amount,owner,amount\nD-1,1,x,2\n")
    with pytest.raises(InputError) as caught:
        load_table(path, [FieldSpec("id", "deal_id", "text")], role="ledger")
    assert str(caught.value) == (
        f'ledger "{path}" line 1: the header repeats column names: "amount" (columns 2 and 4); '
        "rename the columns so that each name is distinct"
    )


def test_name_repeated_three_times(tmp_path):
    path = write(tmp_path, "deals.csv", "a,a,b,a\n")
    with pytest.raises(InputError) as caught:
        load_table(path, [FieldSpec("b", "b", "text")], role="ledger")
    assert '"a" (columns 1, 2 and 4)' in str(caught.value)


def test_blank_header_names_may_repeat(tmp_path):
    path = write(tmp_path, "deals.csv", "deal_id,,\nD-1,,\n")
    table = load_table(path, [FieldSpec("id", "deal_id", "text")], role="ledger")
    assert [row.values["id"] for row in table.rows] == ["D-1"]


def test_non_utf8_names_line_and_byte(tmp_path):
    content = "deal_id,owner\nD-1,Dana\nD-2,Café Ltd\n".encode("cp1252")
    path = write(tmp_path, "deals.csv", content)

    with pytest.raises(InputError) as caught:
        load_table(path, [FieldSpec("owner", "owner", "text")], role="ledger")

    assert str(caught.value) == (
        f'ledger "{path}" line 3: byte 0xE9 after "D-2,Caf" is not valid UTF-8 '
        "(the file was probably saved as Windows-1252 or Latin-1); "
        "save the file as UTF-8 and load it again"
    )


def test_non_utf8_after_bom_counts_lines(tmp_path):
    content = b"\xef\xbb\xbfowner\r\n\x93quoted\x94\r\n"
    path = write(tmp_path, "roster.csv", content)
    with pytest.raises(InputError) as caught:
        load_table(path, [FieldSpec("owner", "owner", "text")], role="roster")
    message = str(caught.value)
    assert message.startswith(f'roster "{path}" line 2: byte 0x93 at the start of the line')
    assert "save the file as UTF-8" in message


def test_utf16_file(tmp_path):
    path = write(tmp_path, "deals.csv", "deal_id\nD-1\n".encode("utf-16"))
    with pytest.raises(InputError) as caught:
        load_table(path, [FieldSpec("id", "deal_id", "text")], role="ledger")
    assert str(caught.value) == (
        f'ledger "{path}": the file is UTF-16 encoded; save the file as UTF-8 and load it again'
    )


@pytest.mark.parametrize("content", ["", "\n\n", "\r\n  \r\n"])
def test_empty_file(tmp_path, content):
    path = write(tmp_path, "deals.csv", content)
    with pytest.raises(InputError) as caught:
        load_table(path, LEDGER_FIELDS, role="ledger")
    assert str(caught.value) == (
        f'ledger "{path}": the file is empty; it needs a header line with the column names'
    )


def test_file_not_found(tmp_path):
    path = tmp_path / "nowhere.csv"
    with pytest.raises(InputError) as caught:
        load_table(path, LEDGER_FIELDS, role="roster")
    assert str(caught.value) == f'roster "{path}": file not found; check the path'


def test_directory_instead_of_file(tmp_path):
    with pytest.raises(InputError) as caught:
        load_table(tmp_path, LEDGER_FIELDS, role="ledger")
    assert str(caught.value) == (
        f'ledger "{tmp_path}": is a directory, not a CSV file; give the path of the file'
    )


def test_header_only(tmp_path):
    path = write(tmp_path, "deals.csv", "deal_id,close_value,close_date\n")
    table = load_table(path, LEDGER_FIELDS, role="ledger")
    assert table.rows == []
    assert table.rejections == []
    assert table.read == 0


def test_short_and_long_rows_rejected(tmp_path):
    content = (
        "deal_id,close_value,close_date\n"
        "D-1,10,2017-01-01\n"
        "D-2,20\n"
        "D-3,1,234.00,2017-01-03\n"
        "D-4,40,2017-01-04\n"
    )
    path = write(tmp_path, "deals.csv", content)

    table = load_table(path, LEDGER_FIELDS, role="ledger")

    assert [row.values["id"] for row in table.rows] == ["D-1", "D-4"]
    assert table.read == 4
    assert table.rejections == [
        Rejection(3, "", "", "row has 2 cells, header has 3; add the missing cells (they may be empty)"),
        Rejection(
            4, "", "2017-01-03",
            'row has 4 cells, header has 3; put double quotes around a cell that contains the delimiter ","',
        ),
    ]
    assert sorted(table.rejected_rows) == [3, 4]


def test_blank_lines_skipped_and_numbers_physical(tmp_path):
    content = (
        "deal_id,close_value,close_date\n"
        "\n"
        "D-1,10,2017-01-01\n"
        "   \n"
        ",,\n"
        " , , \n"
        "D-2,20,2017-01-02\n"
    )
    path = write(tmp_path, "deals.csv", content)

    table = load_table(path, LEDGER_FIELDS, role="ledger")

    assert table.read == 2
    assert table.rejections == []
    assert [row.number for row in table.rows] == [3, 7]


def test_multiline_cell_keeps_line_numbers(tmp_path):
    content = (
        "deal_id,note,close_value,close_date\n"
        'D-1,"first line\nsecond line",10,2017-01-01\n'
        "D-2,,bad,2017-01-02\n"
    )
    path = write(tmp_path, "deals.csv", content)
    fields = LEDGER_FIELDS + [FieldSpec("note", "note", "text", optional=True)]

    table = load_table(path, fields, role="ledger")

    assert table.rows[0].number == 2
    assert table.rows[0].values["note"] == "first line\nsecond line"
    assert table.rejections == [
        Rejection(
            4, "close_value", "bad",
            "not a valid amount; write digits with an optional minus sign, e.g. 1234.56",
        )
    ]


def test_required_blank_and_optional_blank(tmp_path):
    content = (
        "deal_id,close_value,close_date,region\n"
        "D-1,10,2017-01-01,\n"
        "D-2,,2017-01-02,EMEA\n"
        "D-3, ,2017-01-03,  \n"
    )
    path = write(tmp_path, "deals.csv", content)
    fields = LEDGER_FIELDS + [FieldSpec("region", "region", "text", optional=True)]

    table = load_table(path, fields, role="ledger")

    assert [row.values["id"] for row in table.rows] == ["D-1"]
    assert table.rows[0].values["region"] is None
    assert table.rows[0].raw["region"] == ""
    assert table.rejections == [
        Rejection(3, "close_value", "", "missing value"),
        Rejection(4, "close_value", " ", "missing value"),
    ]


def test_row_with_two_bad_cells(tmp_path):
    content = "deal_id,close_value,close_date\nD-1,1.2.3,2017-02-30\nD-2,5,2017-01-01\n"
    path = write(tmp_path, "deals.csv", content)

    table = load_table(path, LEDGER_FIELDS, role="ledger")

    expected = [
        Rejection(2, "close_value", "1.2.3", "more than one decimal point; write an amount such as 1234.56"),
        Rejection(
            2, "close_date", "2017-02-30",
            "no such day in the calendar; expected YYYY-MM-DD such as 2017-03-25",
        ),
    ]
    assert table.rejections == expected
    assert table.rejected_rows == {2: expected}
    assert [row.values["id"] for row in table.rows] == ["D-2"]
    assert table.read == 2


def test_repeated_dates_each_checked(tmp_path):
    content = (
        "deal_id,close_value,close_date\n"
        "D-1,1,2017-01-31\n"
        "D-2,2,2017-01-31\n"
        "D-3,3,2017-02-31\n"
        "D-4,4,2017-02-31\n"
    )
    path = write(tmp_path, "deals.csv", content)

    table = load_table(path, LEDGER_FIELDS, role="ledger")

    assert [row.values["closed"] for row in table.rows] == [date(2017, 1, 31), date(2017, 1, 31)]
    assert [r.row for r in table.rejections] == [4, 5]


def test_us_dates_in_file(tmp_path):
    content = "deal_id,close_value,close_date\nD-1,1,3/1/2017\nD-2,2,12/31/2017\n"
    path = write(tmp_path, "deals.csv", content)
    fields = [
        FieldSpec("id", "deal_id", "text"),
        FieldSpec("amount", "close_value", "money"),
        FieldSpec("closed", "close_date", "date", date_format="us"),
    ]
    table = load_table(path, fields, role="ledger")
    assert [row.values["closed"] for row in table.rows] == [date(2017, 3, 1), date(2017, 12, 31)]


def test_roster_ratings_and_flags(tmp_path):
    content = (
        "payee_id,rating,active,quota\n"
        "P-1,3,yes,\"$250,000\"\n"
        "P-2,3.0,N,100000\n"
        "P-3,5,true,1\n"
    )
    path = write(tmp_path, "roster.csv", content)
    fields = [
        FieldSpec("payee", "payee_id", "text"),
        FieldSpec("score", "rating", "rating", ratings=("1", "2", "3", "4")),
        FieldSpec("active", "active", "bool"),
        FieldSpec("quota", "quota", "money"),
    ]

    table = load_table(path, fields, role="roster")

    assert table.rows[0].values == {
        "payee": "P-1",
        "score": "3",
        "active": True,
        "quota": Decimal("250000"),
    }
    assert table.rows[1].values["score"] == "3"
    assert table.rows[1].values["active"] is False
    assert table.rejections == [
        Rejection(4, "rating", "5", 'rating "5" is not on the scale 1, 2, 3, 4')
    ]


def test_second_currency_in_column_rejected(tmp_path):
    content = (
        "deal_id,close_value,close_date\n"
        "D-1,USD 100,2017-01-01\n"
        "D-2,200,2017-01-02\n"
        "D-3,EUR 300,2017-01-03\n"
        "D-4,$400,2017-01-04\n"
        "D-5,€500,2017-01-05\n"
    )
    path = write(tmp_path, "deals.csv", content)

    table = load_table(path, LEDGER_FIELDS, role="ledger")

    assert [row.values["amount"] for row in table.rows] == [
        Decimal("100"), Decimal("200"), Decimal("400"),
    ]
    assert table.rejections == [
        Rejection(
            4, "close_value", "EUR 300",
            'currency "EUR" differs from "USD" in earlier rows of this column; '
            "convert the amounts to one currency before loading",
        ),
        Rejection(
            6, "close_value", "€500",
            'currency "€" differs from "$" in earlier rows of this column; '
            "convert the amounts to one currency before loading",
        ),
    ]


def test_unclosed_quote_names_line(tmp_path):
    content = 'deal_id,close_value,close_date\nD-1,10,2017-01-01\n"D-2,20,2017-01-02\nD-3,30,2017-01-03\n'
    path = write(tmp_path, "deals.csv", content)
    with pytest.raises(InputError) as caught:
        load_table(path, LEDGER_FIELDS, role="ledger")
    assert str(caught.value) == (
        f'ledger "{path}" line 3: a quoted cell that starts on this line is never closed; '
        'add the closing double quote, and write a quote inside a cell as ""'
    )


def test_broken_quoting_rejects_one_row(tmp_path):
    content = 'deal_id,close_value,close_date\nD-1,"10"0,2017-01-01\nD-2,20,2017-01-02\n'
    path = write(tmp_path, "deals.csv", content)

    table = load_table(path, LEDGER_FIELDS, role="ledger")

    assert [row.values["id"] for row in table.rows] == ["D-2"]
    assert table.rows[0].number == 3
    assert table.read == 2
    assert len(table.rejections) == 1
    assert table.rejections[0].row == 2
    assert table.rejections[0].reason.startswith("broken quoting (")


def test_load_rejects_duplicate_field_names(tmp_path):
    path = write(tmp_path, "deals.csv", "deal_id\nD-1\n")
    fields = [FieldSpec("id", "deal_id", "text"), FieldSpec("id", "deal_id", "text")]
    with pytest.raises(ValueError, match="field names must be distinct"):
        load_table(path, fields, role="ledger")


def test_two_fields_may_read_one_column(tmp_path):
    path = write(tmp_path, "deals.csv", "deal_id,close_value\nD-1,12.5\n")
    fields = [
        FieldSpec("amount", "close_value", "money"),
        FieldSpec("amount_text", "close_value", "text"),
    ]
    table = load_table(path, fields, role="ledger")
    assert table.rows[0].values == {"amount": Decimal("12.5"), "amount_text": "12.5"}
