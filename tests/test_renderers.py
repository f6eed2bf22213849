"""Tests of the JSON, CSV and text renderers and of the statement schema file.

The statements are built by hand. Worked values for the main one:
bookings = 100,000.00 + 60,000.00 x 50% + 80,000.00 = 210,000.00, and
attainment = 210,000.00 / 200,000.00 = 1.05. The tiers pay
200,000.00 x 10% + 10,000.00 x 15% = 21,500.00, so with a 1,000.00 kicker
and a -2,000.00 draw recovery the total is 20,500.00.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from spmlang.diagnostics import InputError
from spmlang.statements import schema
from spmlang.statements.models import (
    CreditedTransaction,
    InputFile,
    KeyValue,
    Line,
    PeriodRef,
    PlanRef,
    SourceSpan,
    Statement,
    StatementWarning,
    TierSlice,
    TraceNode,
)
from spmlang.statements.render_csv import payout_lines_csv
from spmlang.statements.render_json import statement_from_json, statement_to_json
from spmlang.statements.render_text import format_amount, format_percent, statement_to_text

PLAN_SHA = "3f1c9e0b7a2d4e5f" * 4
LEDGER_SHA = "0d4f8a6c2b1e9f37" * 4
ROSTER_SHA = "c5a19e3d7f2b6084" * 4
PLAN_FILE = "plans/ae.spm"

REPO_ROOT = Path(__file__).resolve().parent.parent


def span(line: int) -> SourceSpan:
    return SourceSpan(file=PLAN_FILE, line=line, column=3)


def make_statement(
    payee: str = "rep-007",
    period: PeriodRef | None = None,
    lines: list[Line] | None = None,
    total: str = "20500.00",
) -> Statement:
    if period is None:
        period = PeriodRef(label="2024-Q1", start="2024-01-01", end="2024-03-31")
    if lines is None:
        lines = [
            Line(name="new_business", label="New business commission", kind="component",
                 amount="21500.00", unrounded="21500.00"),
            Line(name="kicker", label="Attainment kicker", kind="component",
                 amount="1000.00", unrounded="1000.00"),
            Line(name="draw_recovery", label="Draw recovery", kind="adjustment",
                 amount="-2000.00", unrounded="-2000.00"),
        ]
    tiers = TraceNode(
        name="tiers", kind="tiers", value="21500.00", unit="money",
        expression="tiers attainment", span=span(21),
        slices=[
            TierSlice(band="0% to 100%", base="200000.00", rate="0.10", amount="20000.00"),
            TierSlice(band="100% to 150%", base="10000.00", rate="0.15", amount="1500.00"),
        ],
    )
    return Statement(
        plan=PlanRef(name="Enterprise AE", version="2024.1", file=PLAN_FILE, sha256=PLAN_SHA),
        inputs=[
            InputFile(role="plan", path=PLAN_FILE, sha256=PLAN_SHA),
            InputFile(role="ledger", path="data/deals.csv", sha256=LEDGER_SHA),
            InputFile(role="roster", path="data/roster.csv", sha256=ROSTER_SHA),
        ],
        payee=payee,
        attributes={"region": "EMEA", "manager": None},
        period=period,
        currency="USD",
        lines=lines,
        total=total,
        measures=[
            KeyValue(name="bookings", value="210000.00", unit="money"),
            KeyValue(name="attainment", value="1.05", unit="number"),
            KeyValue(name="margin_attainment", value="0.9999999", unit="number"),
            KeyValue(name="renewal_rate", value=None, unit="percent"),
            KeyValue(name="deal_count", value="3", unit="number"),
        ],
        warnings=[
            StatementWarning(
                message="renewal_rate is undefined because no contracts were up for renewal",
                span=span(15),
            )
        ],
        credited=[
            CreditedTransaction(id="D101", row=2, date="2024-02-10", share="1", rule="owner"),
            CreditedTransaction(id="D102", row=3, date="2024-03-01", share="0.5", rule="split"),
            CreditedTransaction(id="D103", row=4, date="2024-03-15", share="1", rule="owner"),
        ],
        trace=[
            TraceNode(name="new_business", kind="component", value="21500.00", unit="money",
                      expression="tiers(attainment) of bookings", span=span(20), children=[tiers]),
            TraceNode(name="total", kind="total", value="20500.00", unit="money",
                      expression="new_business + kicker + draw_recovery"),
        ],
    )


def write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "statement.json"
    path.write_text(text, encoding="utf-8")
    return str(path)


# JSON


def test_json_round_trip_equal() -> None:
    statement = make_statement()

    text = statement_to_json(statement)

    assert statement_from_json(text, "statement.json") == statement


def test_json_bytes_deterministic() -> None:
    first = statement_to_json(make_statement())
    second = statement_to_json(make_statement())
    rewritten = statement_to_json(statement_from_json(first, "statement.json"))

    assert first.encode("utf-8") == second.encode("utf-8")
    assert rewritten.encode("utf-8") == first.encode("utf-8")


def test_json_layout_and_field_order() -> None:
    text = statement_to_json(make_statement())

    assert text.startswith('{\n  "schema_version": "1",\n  "plan": {\n    "name": "Enterprise AE",\n')
    assert text.endswith("}\n")
    assert "\r" not in text
    assert list(json.loads(text)) == list(Statement.model_fields)


def test_json_amounts_are_strings() -> None:
    text = statement_to_json(make_statement())

    assert '"total": "20500.00"' in text
    assert '"amount": "-2000.00"' in text
    assert '"rate": "0.10"' in text


def test_json_keeps_non_ascii() -> None:
    text = statement_to_json(make_statement(payee="José Núñez"))

    assert '"payee": "José Núñez"' in text


def test_json_syntax_error_names_position(tmp_path: Path) -> None:
    text = statement_to_json(make_statement())
    # Drop the comma after "schema_version": "1", which ends line 2.
    broken = text.replace('"schema_version": "1",', '"schema_version": "1"', 1)
    path = write(tmp_path, broken)

    with pytest.raises(InputError) as raised:
        statement_from_json(broken, path)

    message = str(raised.value)
    assert message.startswith(f"{path}:3:3: invalid JSON in statement file: Expecting ',' delimiter.")
    assert "spm run --format json" in message


def test_json_empty_file_rejected(tmp_path: Path) -> None:
    path = write(tmp_path, "")

    with pytest.raises(InputError) as raised:
        statement_from_json("", path)

    assert str(raised.value).startswith(f"{path}:1:1: invalid JSON in statement file: Expecting value.")


def test_json_missing_field_names_it(tmp_path: Path) -> None:
    data = json.loads(statement_to_json(make_statement()))
    del data["total"]
    text = json.dumps(data)
    path = write(tmp_path, text)

    with pytest.raises(InputError) as raised:
        statement_from_json(text, path)

    message = str(raised.value)
    assert message.startswith(f"{path}: invalid statement: total: Field required.")


def test_json_number_amount_names_path(tmp_path: Path) -> None:
    text = statement_to_json(make_statement()).replace('"amount": "1000.00"', '"amount": 1000.00', 1)
    path = write(tmp_path, text)

    with pytest.raises(InputError) as raised:
        statement_from_json(text, path)

    message = str(raised.value)
    expected = f"{path}: invalid statement: lines[1].amount: Input should be a valid string (found 1000.00)."
    assert message.startswith(expected)


def test_json_counts_further_problems(tmp_path: Path) -> None:
    data = json.loads(statement_to_json(make_statement()))
    del data["payee"]
    del data["currency"]
    text = json.dumps(data)
    path = write(tmp_path, text)

    with pytest.raises(InputError) as raised:
        statement_from_json(text, path)

    assert "payee: Field required, and 1 more problem." in str(raised.value)


def test_json_non_object_rejected(tmp_path: Path) -> None:
    path = write(tmp_path, "[]")

    with pytest.raises(InputError) as raised:
        statement_from_json("[]", path)

    assert str(raised.value).startswith(f"{path}: invalid statement: top level: ")


def test_json_non_decimal_amount_rejected(tmp_path: Path) -> None:
    text = statement_to_json(make_statement()).replace('"amount": "1000.00"', '"amount": "1,000.00"', 1)
    path = write(tmp_path, text)

    with pytest.raises(InputError) as raised:
        statement_from_json(text, path)

    message = str(raised.value)
    assert message.startswith(
        f"{path}: invalid statement: lines[1].amount is '1,000.00', which is not a plain decimal number"
    )


def test_json_bad_rate_in_trace_named(tmp_path: Path) -> None:
    text = statement_to_json(make_statement()).replace('"rate": "0.15"', '"rate": "15%"', 1)
    path = write(tmp_path, text)

    with pytest.raises(InputError) as raised:
        statement_from_json(text, path)

    assert "trace[0].children[0].slices[1].rate is '15%'" in str(raised.value)


def test_json_lines_must_add_up(tmp_path: Path) -> None:
    text = statement_to_json(make_statement()).replace('"total": "20500.00"', '"total": "20400.00"', 1)
    path = write(tmp_path, text)

    with pytest.raises(InputError) as raised:
        statement_from_json(text, path)

    message = str(raised.value)
    assert message.startswith(
        f"{path}: invalid statement: the lines add up to 20500.00 but total is 20400.00."
    )


def test_json_other_schema_version_rejected(tmp_path: Path) -> None:
    text = statement_to_json(make_statement()).replace('"schema_version": "1"', '"schema_version": "2"', 1)
    path = write(tmp_path, text)

    with pytest.raises(InputError) as raised:
        statement_from_json(text, path)

    assert str(raised.value).startswith(f"{path}: statement schema_version '2' is not supported.")


def test_json_duplicate_key_rejected(tmp_path: Path) -> None:
    text = statement_to_json(make_statement()).replace(
        '"currency": "USD"', '"currency": "USD",\n  "currency": "EUR"', 1
    )
    path = write(tmp_path, text)

    with pytest.raises(InputError) as raised:
        statement_from_json(text, path)

    assert str(raised.value).startswith(
        f"{path}: invalid statement JSON: duplicate key 'currency' in an object."
    )


def test_json_nan_rejected(tmp_path: Path) -> None:
    text = '{"schema_version": NaN}'
    path = write(tmp_path, text)

    with pytest.raises(InputError) as raised:
        statement_from_json(text, path)

    assert "NaN is not allowed in a statement" in str(raised.value)


# CSV


def q2_statement(payee: str) -> Statement:
    lines = [
        Line(name="new_business", label="New business commission", kind="component",
             amount="4000.10", unrounded="4000.1"),
        Line(name="rounding", label="Rounding, to whole cents", kind="rounding",
             amount="0.00", unrounded="0.00"),
    ]
    period = PeriodRef(label="2024-Q2", start="2024-04-01", end="2024-06-30")
    return make_statement(payee=payee, period=period, lines=lines, total="4000.10")


def test_csv_rows_sorted_with_header() -> None:
    statements = [
        make_statement(payee="rep-b"),
        q2_statement("rep-a"),
        make_statement(payee="rep-a"),
    ]
    tail = f"USD,Enterprise AE,2024.1,{PLAN_SHA}"
    q1 = "2024-Q1,2024-01-01,2024-03-31"
    q2 = "2024-Q2,2024-04-01,2024-06-30"
    expected = "".join(
        [
            "payee,period,period_start,period_end,line,label,kind,amount,currency,"
            "plan,plan_version,plan_sha256\n",
            f"rep-a,{q1},new_business,New business commission,component,21500.00,{tail}\n",
            f"rep-a,{q1},kicker,Attainment kicker,component,1000.00,{tail}\n",
            f"rep-a,{q1},draw_recovery,Draw recovery,adjustment,-2000.00,{tail}\n",
            f"rep-a,{q2},new_business,New business commission,component,4000.10,{tail}\n",
            f'rep-a,{q2},rounding,"Rounding, to whole cents",rounding,0.00,{tail}\n',
            f"rep-b,{q1},new_business,New business commission,component,21500.00,{tail}\n",
            f"rep-b,{q1},kicker,Attainment kicker,component,1000.00,{tail}\n",
            f"rep-b,{q1},draw_recovery,Draw recovery,adjustment,-2000.00,{tail}\n",
        ]
    )

    assert payout_lines_csv(statements) == expected


def test_csv_no_statements_header_only() -> None:
    assert payout_lines_csv([]) == (
        "payee,period,period_start,period_end,line,label,kind,amount,currency,"
        "plan,plan_version,plan_sha256\n"
    )


def test_csv_has_no_total_row() -> None:
    rows = payout_lines_csv([make_statement()]).splitlines()

    assert len(rows) == 4
    assert all(",total," not in row for row in rows)


def test_csv_rejects_lines_not_adding_up() -> None:
    statement = make_statement(total="20500.01")

    with pytest.raises(ValueError) as raised:
        payout_lines_csv([statement])

    message = str(raised.value)
    assert message == (
        "statement of payee 'rep-007' for 2024-Q1: the lines add up to 20500.00 "
        "but the total is 20500.01"
    )


# Text


EXPECTED_TEXT = """\
Compensation statement

Plan:      Enterprise AE, version 2024.1
Payee:     rep-007
Period:    2024-Q1 (2024-01-01 to 2024-03-31)
Currency:  USD

Lines
  New business commission  21,500.00
  Attainment kicker         1,000.00
  Draw recovery            -2,000.00
  ----------------------------------
  Total                    20,500.00

Key measures
  bookings           210,000.00 USD
  attainment         105%
  margin_attainment  99.99999%
  renewal_rate       undefined
  deal_count         3

Your plan inputs (roster)
  region   EMEA
  manager  blank

Warnings
  plans/ae.spm:15: renewal_rate is undefined because no contracts were up for renewal

Credited transactions: 3
  D101  2024-02-10  ledger row 2
  D102  2024-03-01  ledger row 3  share 50%
  D103  2024-03-15  ledger row 4

Inputs
  plan    plans/ae.spm     sha256 3f1c9e0b7a2d
  ledger  data/deals.csv   sha256 0d4f8a6c2b1e
  roster  data/roster.csv  sha256 c5a19e3d7f2b
Plan sha256: 3f1c9e0b7a2d4e5f3f1c9e0b7a2d4e5f3f1c9e0b7a2d4e5f3f1c9e0b7a2d4e5f
"""


def test_text_full_statement() -> None:
    assert statement_to_text(make_statement()) == EXPECTED_TEXT


def test_text_long_percent_cut_not_rounded() -> None:
    # 0.99999999999 is 99.999999999%: cut to 99.9999...%, never shown as 100%.
    measures = [KeyValue(name="attainment", value="0.99999999999", unit="percent")]
    statement = make_statement().model_copy(update={"measures": measures})

    text = statement_to_text(statement)

    assert "  attainment  99.9999...%\n" in text


def test_text_is_ascii() -> None:
    text = statement_to_text(make_statement())

    assert text.isascii()


def test_text_empty_sections() -> None:
    statement = make_statement().model_copy(update={"measures": [], "warnings": [], "credited": []})

    text = statement_to_text(statement)

    assert "\nKey measures: none\n" in text
    assert "\nWarnings: none\n" in text
    assert "\nCredited transactions: 0\n" in text


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        ("12345.60", "12,345.60"),
        ("-2000.00", "-2,000.00"),
        ("1234567.891", "1,234,567.891"),
        ("0.05", "0.05"),
        ("-0.00", "0.00"),
        ("999", "999"),
    ],
)
def test_format_amount_cases(stored: str, shown: str) -> None:
    assert format_amount(stored) == shown


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        ("1.05", "105%"),
        ("0.9999999", "99.99999%"),
        ("1", "100%"),
        ("1.0000", "100%"),
        ("0.5", "50%"),
        ("0", "0%"),
        ("-0.125", "-12.5%"),
        # 36 significant digits, beyond the 34 of the arithmetic context.
        ("1.23456789012345678901234567890123456", "123.456789012345678901234567890123456%"),
    ],
)
def test_format_percent_cases(stored: str, shown: str) -> None:
    assert format_percent(stored) == shown


def test_format_amount_rejects_text() -> None:
    with pytest.raises(ValueError, match="'twelve' is not a decimal number"):
        format_amount("twelve")


# Schema


def test_schema_file_up_to_date() -> None:
    committed = (REPO_ROOT / "docs" / "statement.schema.json").read_text(encoding="utf-8")

    assert committed == schema.statement_json_schema(), (
        "docs/statement.schema.json is stale: run `python -m spmlang.statements.schema`"
    )


def test_schema_main_writes_file(tmp_path: Path) -> None:
    output = tmp_path / "statement.schema.json"

    schema.main(["--output", str(output)])

    assert output.read_bytes() == schema.statement_json_schema().encode("utf-8")


def test_schema_names_statement_fields() -> None:
    generated = json.loads(schema.statement_json_schema())

    assert list(generated["properties"]) == list(Statement.model_fields)
    assert generated["additionalProperties"] is False
