"""Tests of the plan parser: every statement form, and syntax errors.

Syntax errors are checked for the exact line and column (both 1-based) that
the diagnostic points at, and for the help line. The rendering tests check
what ``spm check`` prints: ``file:line:col: error[E001]: ...``, the source
line, a caret line under the span, and ``= help: ...``.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from pathlib import Path

import pytest

from spmlang.diagnostics import Diagnostic, render
from spmlang.grammar import parse_plan
from spmlang.grammar import syntax as s

FILE = "plan.spm"


def parse_ok(text: str) -> tuple[s.Statement, ...]:
    tree, diagnostics = parse_plan(text, FILE)
    assert diagnostics == []
    assert tree is not None
    return tree.statements


def parse_one(text: str) -> s.Statement:
    statements = parse_ok(text)
    assert len(statements) == 1
    return statements[0]


def syntax_error(text: str) -> Diagnostic:
    tree, diagnostics = parse_plan(text, FILE)
    assert tree is None
    assert len(diagnostics) == 1
    return diagnostics[0]


def let_value(expression: str) -> s.Expr:
    statement = parse_one(f"let x = {expression}\n")
    assert isinstance(statement, s.Let)
    return statement.value


# ---- header ----------------------------------------------------------------


def test_plan_header_with_version():
    header = parse_one('plan "Enterprise AE" version "2027.1"\n')
    assert isinstance(header, s.PlanHeader)
    assert header.name == "Enterprise AE"
    assert header.version == "2027.1"
    assert (header.span.line, header.span.column) == (1, 1)


def test_plan_header_without_version():
    header = parse_one('plan "Enterprise AE"\n')
    assert isinstance(header, s.PlanHeader)
    assert header.version == ""


def test_effective_dates():
    effective = parse_one("effective 2027-01-01 through 2027-12-31\n")
    assert isinstance(effective, s.Effective)
    assert effective.start == datetime.date(2027, 1, 1)
    assert effective.end == datetime.date(2027, 12, 31)


def test_period_and_currency_settings():
    period, currency = parse_ok("period quarter\ncurrency EUR\n")
    assert isinstance(period, s.Setting)
    assert (period.key, period.value) == ("period", "quarter")
    assert (period.value_span.line, period.value_span.column) == (1, 8)
    assert isinstance(currency, s.Setting)
    assert (currency.key, currency.value) == ("currency", "EUR")
    assert (currency.value_span.line, currency.value_span.column) == (2, 10)


def test_rounding_with_level():
    rounding = parse_one("rounding half_even to 0.05 per statement\n")
    assert isinstance(rounding, s.Rounding)
    assert rounding.mode == "half_even"
    assert rounding.step == Decimal("0.05")
    assert rounding.level == "statement"


def test_rounding_level_defaults_to_component():
    rounding = parse_one("rounding half_up to 0.01\n")
    assert isinstance(rounding, s.Rounding)
    assert rounding.level == "component"


def test_file_without_final_newline_parses():
    statements = parse_ok('plan "P"\nperiod month')
    assert [type(st) for st in statements] == [s.PlanHeader, s.Setting]


# ---- inputs ----------------------------------------------------------------


LEDGER = """\
ledger deals
  id      from opportunity_id
  payee   from "Sales Agent"
  date    from close_date : date "MM/DD/YYYY"
  amount  from close_value : money optional
  stage
  exclude "not won" when deals.stage != "Won"
"""


def test_ledger_fields():
    ledger = parse_one(LEDGER)
    assert isinstance(ledger, s.Ledger)
    assert ledger.name == "deals"
    rows = [(f.name, f.column, f.type_name, f.type_arg, f.optional) for f in ledger.fields]
    assert rows == [
        ("id", "opportunity_id", None, None, False),
        ("payee", "Sales Agent", None, None, False),
        ("date", "close_date", "date", "MM/DD/YYYY", False),
        ("amount", "close_value", "money", None, True),
        ("stage", "stage", None, None, False),
    ]
    stage = ledger.fields[4]
    assert (stage.span.line, stage.span.column) == (6, 3)


def test_ledger_exclude_rule():
    ledger = parse_one(LEDGER)
    assert isinstance(ledger, s.Ledger)
    (rule,) = ledger.excludes
    assert rule.label == "not won"
    assert rule.span.line == 7
    condition = rule.condition
    assert isinstance(condition, s.Binary)
    assert condition.op == "!="
    assert condition.left == s.FieldRef("deals", "stage", condition.left.span)
    assert isinstance(condition.right, s.Literal)
    assert condition.right.value == "Won"


def test_roster_fields_with_rating():
    roster = parse_one("roster\n  id from rep\n  quota : money\n  rating : review\n")
    assert isinstance(roster, s.Roster)
    rows = [(f.name, f.column, f.type_name) for f in roster.fields]
    assert rows == [("id", "rep", None), ("quota", "quota", "money"), ("rating", "rating", "review")]


def test_block_lines_need_no_indentation():
    statements = parse_ok("roster\nid from rep\nquota : money\nperiod quarter\n")
    assert [type(st) for st in statements] == [s.Roster, s.Setting]
    roster = statements[0]
    assert isinstance(roster, s.Roster)
    assert [f.name for f in roster.fields] == ["id", "quota"]


# ---- definitions -----------------------------------------------------------


def test_param():
    param = parse_one("param accelerator = 10%\n")
    assert isinstance(param, s.Param)
    assert param.name == "accelerator"
    assert isinstance(param.value, s.Literal)
    assert param.value.value == Decimal("0.10")
    assert (param.span.line, param.span.column) == (1, 7)


def test_let():
    let = parse_one("let attainment = bookings / quota\n")
    assert isinstance(let, s.Let)
    assert let.name == "attainment"
    assert isinstance(let.value, s.Binary)
    assert let.value.op == "/"


def test_measure_sum_with_where():
    measure = parse_one('measure bookings = sum deals.amount where deals.stage = "Won"\n')
    assert isinstance(measure, s.Measure)
    assert measure.name == "bookings"
    assert measure.aggregate == "sum"
    assert isinstance(measure.expr, s.FieldRef)
    assert isinstance(measure.where, s.Binary)
    assert measure.where.op == "="


def test_measure_count_without_where():
    measure = parse_one("measure deal_count = count deals\n")
    assert isinstance(measure, s.Measure)
    assert measure.aggregate == "count"
    assert isinstance(measure.expr, s.Name)
    assert measure.expr.name == "deals"
    assert measure.where is None


@pytest.mark.parametrize("aggregate", ["average", "min", "max"])
def test_measure_other_aggregates(aggregate):
    measure = parse_one(f"measure m = {aggregate} amount\n")
    assert isinstance(measure, s.Measure)
    assert measure.aggregate == aggregate
    assert measure.expr == s.Name("amount", measure.expr.span)


def test_rubric_rows():
    rubric = parse_one('rubric review\n  1 "Low" => 0%\n  2 => 50%\n  "A" "Top" => 125%\n')
    assert isinstance(rubric, s.Rubric)
    assert rubric.name == "review"
    rows = [(row.key, row.label, row.value.value) for row in rubric.rows]
    assert rows == [("1", "Low", Decimal("0")), ("2", "", Decimal("0.5")), ("A", "Top", Decimal("1.25"))]
    assert [row.span.line for row in rubric.rows] == [2, 3, 4]


def test_table_rows_with_otherwise():
    table = parse_one('table product_rate\n  "GTX Pro" => 5%\n  7 => 1%\n  otherwise => 3%\n')
    assert isinstance(table, s.Table)
    assert table.name == "product_rate"
    rows = [(row.key, row.value.value) for row in table.rows]
    assert rows == [("GTX Pro", Decimal("0.05")), ("7", Decimal("0.01")), (None, Decimal("0.03"))]


# ---- tiers -----------------------------------------------------------------


def test_tiers_header():
    tiers = parse_one("tiers commission_rate on bookings / quota, marginal\n  0% and up => 2%\n")
    assert isinstance(tiers, s.Tiers)
    assert tiers.name == "commission_rate"
    assert tiers.mode == "marginal"
    assert (tiers.mode_span.line, tiers.mode_span.column) == (1, 44)
    assert isinstance(tiers.key, s.Binary)
    assert tiers.key.op == "/"
    assert len(tiers.bands) == 1


# Each band form with its bounds: (lower value, lower inclusive, upper value,
# upper inclusive). None means no limit on that side.
BAND_FORMS = [
    ("0% to 50%", (Decimal("0"), True, Decimal("0.5"), False)),
    ("0 USD through 100_000 USD", (Decimal("0"), True, Decimal("100000"), True)),
    ("above 100_000 USD through 250_000 USD", (Decimal("100000"), False, Decimal("250000"), True)),
    ("above 100_000 USD to 250_000 USD", (Decimal("100000"), False, Decimal("250000"), False)),
    ("150% and up", (Decimal("1.5"), True, None, False)),
    ("above 500_000 USD", (Decimal("500000"), False, None, False)),
    ("below 50%", (None, False, Decimal("0.5"), False)),
    ("100%", (Decimal("1"), True, None, False)),
]


@pytest.mark.parametrize(("written", "bounds"), BAND_FORMS, ids=[form for form, _ in BAND_FORMS])
def test_band_forms(written, bounds):
    tiers = parse_one(f"tiers rate on attainment, lookup\n  {written} => 2%\n")
    assert isinstance(tiers, s.Tiers)
    (band,) = tiers.bands
    lower = band.lower.value.value if band.lower.value is not None else None
    upper = band.upper.value.value if band.upper.value is not None else None
    assert (lower, band.lower.inclusive, upper, band.upper.inclusive) == bounds
    assert band.text == written
    assert isinstance(band.value, s.Literal)
    assert band.value.value == Decimal("0.02")
    assert (band.span.line, band.span.column) == (2, 3)


def test_band_value_may_be_an_expression():
    tiers = parse_one("tiers rate on attainment, lookup\n  0% to 100% => accelerator * 2\n")
    assert isinstance(tiers, s.Tiers)
    value = tiers.bands[0].value
    assert isinstance(value, s.Binary)
    assert value.op == "*"


# ---- payout ----------------------------------------------------------------


COMPONENT = """\
component commission "Commission"
  pay commission_rate applied to bookings itemized
  weight 60%
  gate attainment >= 25%
  cap 250% of target_incentive
  floor 0 USD
"""


def test_component_lines():
    component = parse_one(COMPONENT)
    assert isinstance(component, s.Component)
    assert component.name == "commission"
    assert component.label == "Commission"
    (pay,) = component.pays
    assert pay.value == s.Name("commission_rate", pay.value.span)
    assert pay.base == s.Name("bookings", pay.base.span)
    assert pay.itemized is True
    assert pay.span.line == 2
    assert [(c.kind, c.span.line) for c in component.clauses] == [
        ("weight", 3), ("gate", 4), ("cap", 5), ("floor", 6),
    ]


def test_component_plain_pay_without_label():
    component = parse_one("component mbo\n  pay target_incentive * 10%\n")
    assert isinstance(component, s.Component)
    assert component.label == ""
    (pay,) = component.pays
    assert pay.base is None
    assert pay.itemized is False


def test_pay_with_fallback_for_whole_payout():
    component = parse_one("component c\n  pay rate applied to bookings otherwise 8% of bookings\n")
    assert isinstance(component, s.Component)
    (pay,) = component.pays
    assert pay.value == s.Name("rate", pay.value.span)
    assert pay.base == s.Name("bookings", pay.base.span)
    assert isinstance(pay.fallback, s.Binary)
    assert pay.fallback.op == "of"


def test_total_block():
    total = parse_one("total\n  cap 300% of target_incentive\n  floor 100 USD\n")
    assert isinstance(total, s.Total)
    assert [c.kind for c in total.clauses] == ["cap", "floor"]


# ---- plan tests ------------------------------------------------------------


PLAN_TEST = """\
test "rep exactly at quota"
  during 2027-Q1
  payee quota 100_000 USD, rating 3
  deal amount 60_000 USD, stage "Won", date 2027-02-01
  deal
  with accelerator = 12%
  expect commission = 4_000.00 USD
  expect total = 6_000.00 USD
"""


def test_plan_test_block():
    test = parse_one(PLAN_TEST)
    assert isinstance(test, s.PlanTest)
    assert test.name == "rep exactly at quota"
    assert test.period == "2027-Q1"
    assert [(a.name, a.value.value) for a in test.payee] == [("quota", Decimal("100000")), ("rating", Decimal("3"))]
    assert len(test.deals) == 2
    assert [a.name for a in test.deals[0]] == ["amount", "stage", "date"]
    assert test.deals[0][2].value.value == datetime.date(2027, 2, 1)
    assert test.deals[1] == ()
    assert [span.line for span in test.deal_spans] == [4, 5]
    assert [(a.name, a.value.value) for a in test.params] == [("accelerator", Decimal("0.12"))]
    assert [(a.name, a.value.value) for a in test.expects] == [
        ("commission", Decimal("4000.00")), ("total", Decimal("6000.00")),
    ]


@pytest.mark.parametrize("label", ["2027-Q1", "2027-H2", "2027-03", "2027"])
def test_plan_test_period_labels(label):
    test = parse_one(f'test "t"\n  during {label}\n')
    assert isinstance(test, s.PlanTest)
    assert test.period == label


# ---- expressions -----------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "value", "unit"),
    [
        ("1_500 USD", Decimal("1500"), "money"),
        ("0.50 USD", Decimal("0.50"), "money"),
        ("12.5%", Decimal("0.125"), "percent"),
        ("2.5", Decimal("2.5"), "number"),
        ("1_000_000", Decimal("1000000"), "number"),
        ('"Won"', "Won", "text"),
        ("2027-03-31", datetime.date(2027, 3, 31), "date"),
        ("true", True, "bool"),
        ("false", False, "bool"),
    ],
)
def test_literals(written, value, unit):
    literal = let_value(written)
    assert isinstance(literal, s.Literal)
    assert literal.value == value
    assert literal.unit == unit
    assert literal.text == written
    assert (literal.span.line, literal.span.column) == (1, 9)


def test_money_literal_keeps_currency():
    literal = let_value("1_500 EUR")
    assert isinstance(literal, s.Literal)
    assert literal.currency == "EUR"


def test_money_literal_is_decimal_not_float():
    literal = let_value("0.10 USD")
    assert isinstance(literal, s.Literal)
    assert type(literal.value) is Decimal
    assert literal.value == Decimal("0.10")


def test_multiplication_binds_tighter_than_addition():
    expr = let_value("a + b * c")
    assert isinstance(expr, s.Binary)
    assert expr.op == "+"
    assert isinstance(expr.right, s.Binary)
    assert expr.right.op == "*"


def test_subtraction_is_left_associative():
    expr = let_value("a - b - c")
    assert isinstance(expr, s.Binary)
    assert expr.op == "-"
    assert isinstance(expr.left, s.Binary)
    assert expr.left.op == "-"
    assert expr.right == s.Name("c", expr.right.span)


def test_parentheses_group():
    expr = let_value("(a + b) * c")
    assert isinstance(expr, s.Binary)
    assert expr.op == "*"
    assert isinstance(expr.left, s.Binary)
    assert expr.left.op == "+"


def test_of_is_multiplication():
    expr = let_value("250% of target_incentive")
    assert isinstance(expr, s.Binary)
    assert expr.op == "of"
    assert isinstance(expr.left, s.Literal)
    assert expr.right == s.Name("target_incentive", expr.right.span)


def test_unary_minus():
    expr = let_value("-5 USD")
    assert isinstance(expr, s.Unary)
    assert expr.op == "-"
    assert isinstance(expr.operand, s.Literal)


def test_and_binds_tighter_than_or():
    expr = let_value("a or b and not c")
    assert isinstance(expr, s.Binary)
    assert expr.op == "or"
    assert isinstance(expr.right, s.Binary)
    assert expr.right.op == "and"
    assert isinstance(expr.right.right, s.Unary)
    assert expr.right.right.op == "not"


@pytest.mark.parametrize("op", ["=", "!=", "<", "<=", ">", ">="])
def test_comparisons(op):
    expr = let_value(f"attainment {op} 50%")
    assert isinstance(expr, s.Binary)
    assert expr.op == op


def test_comparison_binds_tighter_than_and():
    expr = let_value("a >= 1 and b < 2")
    assert isinstance(expr, s.Binary)
    assert expr.op == "and"
    assert isinstance(expr.left, s.Binary)
    assert expr.left.op == ">="


def test_if_then_else():
    expr = let_value("if a > 1 then 2 else 3")
    assert isinstance(expr, s.IfElse)
    assert isinstance(expr.condition, s.Binary)
    assert expr.then.value == Decimal("2")
    assert expr.otherwise.value == Decimal("3")


def test_otherwise_fallback():
    expr = let_value("bookings / quota otherwise 0")
    assert isinstance(expr, s.Otherwise)
    assert isinstance(expr.value, s.Binary)
    assert expr.value.op == "/"
    assert expr.fallback.value == Decimal("0")


@pytest.mark.parametrize(("word", "defined"), [("defined", True), ("undefined", False)])
def test_definedness(word, defined):
    expr = let_value(f"quota is {word}")
    assert isinstance(expr, s.Definedness)
    assert expr.defined is defined
    assert expr.operand == s.Name("quota", expr.operand.span)


def test_calls():
    expr = let_value("max(0, min(a, b, c), review(rating))")
    assert isinstance(expr, s.Call)
    assert expr.function == "max"
    assert len(expr.args) == 3
    inner = expr.args[1]
    assert isinstance(inner, s.Call)
    assert inner.function == "min"
    assert len(inner.args) == 3
    assert (expr.name_span.line, expr.name_span.column, expr.name_span.end_column) == (1, 9, 12)


def test_field_reference():
    expr = let_value("deals.amount")
    assert expr == s.FieldRef("deals", "amount", expr.span)
    assert (expr.span.column, expr.span.end_column) == (9, 21)


# ---- comments, blank lines and line endings --------------------------------


def test_trailing_comment():
    statements = parse_ok("period quarter   # month, quarter, half or year\ncurrency USD\n")
    assert len(statements) == 2


def test_comment_on_first_line():
    statements = parse_ok('# Plan for account executives\nplan "P"\n')
    assert [type(st) for st in statements] == [s.PlanHeader]


def test_comment_lines_between_statements():
    statements = parse_ok('plan "P"\n# The period and currency\n# of the whole plan.\nperiod quarter\ncurrency USD\n')
    assert [type(st) for st in statements] == [s.PlanHeader, s.Setting, s.Setting]


def test_comment_line_inside_block():
    statements = parse_ok("roster\n  id from rep\n  # yearly quota\n  quota : money\n")
    roster = statements[0]
    assert isinstance(roster, s.Roster)
    assert [f.name for f in roster.fields] == ["id", "quota"]


def test_blank_lines_and_indented_blank_lines():
    statements = parse_ok('\n\nplan "P"\n\n   \n\t\nperiod quarter\n\n')
    assert [type(st) for st in statements] == [s.PlanHeader, s.Setting]


def test_crlf_line_endings():
    statements = parse_ok('plan "P"\r\nperiod quarter\r\nroster\r\n  id from rep\r\n')
    assert [type(st) for st in statements] == [s.PlanHeader, s.Setting, s.Roster]


def test_lines_keep_numbers_after_blank_lines():
    statements = parse_ok('plan "P"\n\n\nparam rate = 5%\n')
    param = statements[1]
    assert isinstance(param, s.Param)
    assert (param.span.line, param.span.column) == (4, 7)


def test_example_plan_parses():
    example = Path(__file__).resolve().parent.parent / "docs" / "example-ae.spm.txt"
    statements = parse_ok(example.read_text(encoding="utf-8"))
    kinds = {type(st) for st in statements}
    assert {s.PlanHeader, s.Ledger, s.Roster, s.Tiers, s.Component, s.PlanTest} <= kinds


# ---- syntax errors ---------------------------------------------------------

# Line 3 is the band line that the error cases below change.
TIERS = """\
measure bookings = sum deals.amount
tiers rate on bookings, marginal
  0 USD to 100_000 USD => 5%
  100_000 USD and up   => 8%
"""


def with_band(band: str) -> str:
    return TIERS.replace("  0 USD to 100_000 USD => 5%", band)


def test_band_without_arrow():
    diagnostic = syntax_error(with_band("  0 USD to 100_000 USD 5%"))
    assert diagnostic.code == "E001"
    assert (diagnostic.span.line, diagnostic.span.column) == (3, 24)
    assert (diagnostic.span.end_line, diagnostic.span.end_column) == (3, 26)
    assert diagnostic.message.startswith("syntax error: unexpected `5%`; expected ")
    assert "`=>`" in diagnostic.message


def test_band_with_comma_grouped_number():
    diagnostic = syntax_error(with_band("  0 USD to 100,000 USD => 5%"))
    assert diagnostic.code == "E001"
    assert (diagnostic.span.line, diagnostic.span.column) == (3, 15)
    assert diagnostic.message.startswith("syntax error: unexpected `,`")
    assert "underscores (100_000)" in diagnostic.help


def test_cap_with_comma_grouped_number():
    diagnostic = syntax_error("component c\n  pay 1 USD\n  cap 100,000 USD\n")
    assert (diagnostic.span.line, diagnostic.span.column) == (3, 10)
    assert "underscores (100_000)" in diagnostic.help


def test_dollar_sign_amount():
    diagnostic = syntax_error("component c\n  pay 1 USD\n  cap $1,500\n")
    assert diagnostic.code == "E001"
    assert (diagnostic.span.line, diagnostic.span.column) == (3, 7)
    assert diagnostic.message.startswith("syntax error: unexpected character `$`")
    assert diagnostic.help == "write amounts with the currency code after the number, e.g. 1_500 USD"


def test_single_quoted_text():
    diagnostic = syntax_error("ledger deals\n  payee from rep\n  exclude 'lost' when stage = \"Lost\"\n")
    assert (diagnostic.span.line, diagnostic.span.column) == (3, 11)
    assert diagnostic.message.startswith("syntax error: unexpected character `'`")
    assert diagnostic.help == 'quote text with double quotes, e.g. "Won"'


def test_file_ends_after_applied_to():
    diagnostic = syntax_error("component c\n  pay rate applied to")
    assert (diagnostic.span.line, diagnostic.span.column) == (2, 22)
    assert diagnostic.message.startswith("syntax error: unexpected end of line; expected ")
    assert diagnostic.help == (
        "the line stops early; the form is `pay EXPRESSION` or "
        "`pay RATE applied to BASE [itemized] [otherwise AMOUNT]`"
    )


def test_file_ends_after_band_arrow():
    diagnostic = syntax_error(with_band("  0 USD to 100_000 USD =>").split("\n  100_000")[0])
    assert (diagnostic.span.line, diagnostic.span.column) == (3, 26)
    assert diagnostic.message.startswith("syntax error: unexpected end of line")


def test_file_ends_after_version_keyword():
    diagnostic = syntax_error('plan "P" version')
    assert (diagnostic.span.line, diagnostic.span.column) == (1, 17)
    assert diagnostic.message == 'syntax error: unexpected end of line; expected a quoted text such as "Won"'


def test_unclosed_quote():
    diagnostic = syntax_error('plan "Enterprise AE\nperiod quarter\n')
    assert (diagnostic.span.line, diagnostic.span.column) == (1, 6)
    assert "closing" in diagnostic.help


def test_unclosed_parenthesis():
    diagnostic = syntax_error("let x = (1 + 2\n")
    assert (diagnostic.span.line, diagnostic.span.column) == (1, 15)
    assert diagnostic.message == "syntax error: unexpected end of line; expected `)`"


def test_block_line_without_keyword():
    diagnostic = syntax_error("component c\n  5% of bookings\n")
    assert (diagnostic.span.line, diagnostic.span.column) == (2, 3)
    assert diagnostic.message.startswith("syntax error: unexpected `5%`")


def test_extra_word_after_field():
    diagnostic = syntax_error("ledger deals\n  amount : money optional extra\n")
    assert (diagnostic.span.line, diagnostic.span.column, diagnostic.span.end_column) == (2, 27, 32)
    assert diagnostic.message == "syntax error: unexpected `extra`; expected end of line"


def test_non_ascii_name():
    diagnostic = syntax_error("let quotà = 1\n")
    assert (diagnostic.span.line, diagnostic.span.column) == (1, 9)
    assert diagnostic.message.startswith("syntax error: unexpected character `à`")


def test_syntax_error_after_tab_indent():
    diagnostic = syntax_error("component c\n\tpay 1 USD €\n")
    assert (diagnostic.span.line, diagnostic.span.column) == (2, 12)


def test_test_period_out_of_range():
    diagnostic = syntax_error('test "t"\n  during 2027-Q5\n')
    assert (diagnostic.span.line, diagnostic.span.column) == (2, 10)
    assert "2027-Q5" in diagnostic.message


def test_invalid_date_literal():
    tree, diagnostics = parse_plan("effective 2027-02-30 through 2027-12-31\n", FILE)
    assert tree is None
    (diagnostic,) = diagnostics
    assert diagnostic.code == "E002"
    assert (diagnostic.span.line, diagnostic.span.column, diagnostic.span.end_column) == (1, 11, 21)
    assert diagnostic.message == "`2027-02-30` is not a valid date"


def test_syntax_error_points_after_comment_lines():
    diagnostic = syntax_error('# header comment\n# second comment\nplan "P"\nperiod = quarter\n')
    assert (diagnostic.span.line, diagnostic.span.column) == (4, 8)


# ---- rendering -------------------------------------------------------------


def test_render_syntax_error_with_caret():
    text = with_band("  0 USD to 100_000 USD 5%")
    diagnostic = syntax_error(text)
    lines = render(diagnostic, {FILE: text}).split("\n")
    assert lines[0].startswith("plan.spm:3:24: error[E001]: syntax error: unexpected `5%`; expected ")
    assert lines[1] == "  |"
    assert lines[2] == "3 |   0 USD to 100_000 USD 5%"
    assert lines[3] == "  |                        ^^"
    assert lines[4].startswith("  = help: ")
    assert len(lines) == 5


def test_render_caret_with_two_digit_line_number():
    text = "\n" * 11 + "component c\n  pay 1 USD\n  cap $1,500\n"
    diagnostic = syntax_error(text)
    assert (diagnostic.span.line, diagnostic.span.column) == (14, 7)
    lines = render(diagnostic, {FILE: text}).split("\n")
    assert lines[0].startswith("plan.spm:14:7: error[E001]: syntax error: unexpected character `$`; expected ")
    assert lines[1:] == [
        "   |",
        "14 |   cap $1,500",
        "   |       ^",
        "  = help: write amounts with the currency code after the number, e.g. 1_500 USD",
    ]


def test_render_caret_under_tab_indented_line():
    text = "component c\n\tpay 1 USD €\n"
    diagnostic = syntax_error(text)
    lines = render(diagnostic, {FILE: text}).split("\n")
    # A tab is one column wide in both the span and the rendered line.
    assert lines[2] == "2 |  pay 1 USD €"
    assert lines[3] == "  |            ^"


def test_render_without_source_text():
    diagnostic = syntax_error("let x = 'a'\n")
    lines = render(diagnostic, {}).split("\n")
    assert lines[0].startswith("plan.spm:1:9: error[E001]: ")
    assert lines[1] == "  = help: quote text with double quotes, e.g. \"Won\""


def test_measure_without_aggregate_shows_form():
    diagnostic = syntax_error("measure a = 1")
    assert (diagnostic.span.line, diagnostic.span.column) == (1, 13)
    assert diagnostic.help.startswith("the form is `measure NAME = sum|average|min|max EXPRESSION")
