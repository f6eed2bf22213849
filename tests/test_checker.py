"""Tests of ``spm check`` diagnostics: one minimal plan per diagnostic code.

Most plans are ``PREFIX`` (lines 1 to 15, a clean header, ledger, roster and
measure), then the lines under test starting at line 16, then ``COMMISSION``,
a component that keeps the plan from failing for having none. Each test
asserts that the plan reports exactly the one expected problem, at its line
and column, with its help line where the help carries the fix.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from spmlang.compiler import compile_text
from spmlang.diagnostics import Diagnostic

FILE = "plan.spm"
REPO = Path(__file__).resolve().parent.parent

PREFIX = """\
plan "Checker" version "1"
effective 2027-01-01 through 2027-12-31
period quarter
currency USD
ledger deals
  id     from deal_id
  payee  from rep
  date   from close_date : date
  amount : money
  stage
roster
  id    from rep
  quota : money
  target_incentive : money
measure bookings = sum deals.amount
"""
FIRST = 16  # the first line after PREFIX

COMMISSION = """\
component commission
  pay 5% of bookings
"""

# A plan header with a roster and a component, for the header tests, which
# change lines 1 to 4.
ROSTER_AND_COMPONENT = """\
roster
  id from rep
  quota : money
component bonus
  pay quota * 10%
"""


def diagnostics_of(text: str) -> list[Diagnostic]:
    return compile_text(text, FILE).diagnostics


def check_body(body: str) -> list[Diagnostic]:
    return diagnostics_of(PREFIX + body + COMMISSION)


def only(diagnostics: list[Diagnostic], code: str) -> Diagnostic:
    """Return the single diagnostic, after asserting that it has ``code``."""
    codes = [(d.code, d.message) for d in diagnostics]
    assert len(diagnostics) == 1, codes
    assert diagnostics[0].code == code, codes
    return diagnostics[0]


def at(diagnostic: Diagnostic) -> tuple[int, int]:
    assert diagnostic.span is not None
    return diagnostic.span.line, diagnostic.span.column


def test_prefix_is_clean_and_fifteen_lines():
    assert len(PREFIX.splitlines()) == FIRST - 1
    assert check_body("") == []


def test_example_plan_checks_clean():
    text = (REPO / "docs" / "example-ae.spm.txt").read_text(encoding="utf-8")
    compiled = compile_text(text, "example-ae.spm")
    assert compiled.diagnostics == []
    assert compiled.ok


# ---- E001, E002: syntax and literals ---------------------------------------


def test_e001_syntax_error():
    diagnostic = only(check_body("let x = 1 +\n"), "E001")
    assert at(diagnostic) == (FIRST, 12)


def test_e002_invalid_date_literal():
    diagnostic = only(check_body("let cutoff = 2027-02-30\n"), "E002")
    assert at(diagnostic) == (FIRST, 14)
    assert diagnostic.message == "`2027-02-30` is not a valid date"


# ---- E100 to E107: names ---------------------------------------------------


def test_e100_name_defined_twice():
    diagnostic = only(check_body("let bookings = 1\n"), "E100")
    assert at(diagnostic) == (FIRST, 5)
    assert diagnostic.message == "`bookings` is defined twice"
    assert diagnostic.help == "the first definition is at plan.spm:15:9; rename one of them"


def test_e100_setting_given_twice():
    text = 'plan "P"\nperiod quarter\nperiod month\n' + ROSTER_AND_COMPONENT
    diagnostic = only(diagnostics_of(text), "E100")
    assert at(diagnostic) == (3, 1)
    assert diagnostic.message == "`period` is set twice"


def test_e100_reserved_name():
    diagnostic = only(check_body("let total = 1 USD\n"), "E100")
    assert at(diagnostic) == (FIRST, 5)
    assert diagnostic.message == "`total` is a reserved name"


def test_e100_field_declared_twice():
    text = PREFIX.replace("  stage\n", "  stage\n  stage from deal_stage\n") + COMMISSION
    diagnostic = only(diagnostics_of(text), "E100")
    assert at(diagnostic) == (11, 3)
    assert diagnostic.message == "ledger field `stage` is declared twice"


def test_e101_undefined_name_with_suggestion():
    diagnostic = only(check_body("let doubled = booking * 2\n"), "E101")
    assert at(diagnostic) == (FIRST, 15)
    assert (diagnostic.span.end_line, diagnostic.span.end_column) == (FIRST, 22)
    assert diagnostic.message == "`booking` is not defined"
    assert diagnostic.help == "did you mean `bookings`?"


def test_e101_undefined_name_without_close_match():
    diagnostic = only(check_body("let x = zzzz\n"), "E101")
    assert at(diagnostic) == (FIRST, 9)
    assert diagnostic.help == "define it with `let`, `param`, `measure` or a roster field"


def test_e101_unknown_function():
    diagnostic = only(check_body("let x = mx(1, 2)\n"), "E101")
    assert at(diagnostic) == (FIRST, 9)
    assert diagnostic.message == "there is no function `mx`"
    assert diagnostic.help == "did you mean `max`?"


def test_e102_unknown_ledger_field():
    diagnostic = only(check_body("measure total_amount = sum deals.amunt\n"), "E102")
    assert at(diagnostic) == (FIRST, 28)
    assert diagnostic.message == "ledger `deals` has no field `amunt`"
    assert diagnostic.help == "did you mean `amount`?"


def test_e103_unknown_ledger():
    diagnostic = only(check_body("measure total_amount = sum sales.amount\n"), "E103")
    assert at(diagnostic) == (FIRST, 28)
    assert diagnostic.message == "there is no ledger named `sales`"
    assert diagnostic.help == "the plan's ledger is `deals`"


def test_e103_measure_without_ledger():
    text = 'plan "P"\nperiod quarter\nmeasure bookings = sum deals.amount\n' + ROSTER_AND_COMPONENT
    diagnostic = only(diagnostics_of(text), "E103")
    assert at(diagnostic) == (3, 9)


def test_e104_rubric_used_as_value():
    body = 'rubric review\n  1 "Low" => 0%\nlet factor = review * 2\n'
    diagnostic = only(check_body(body), "E104")
    assert at(diagnostic) == (FIRST + 2, 14)
    assert diagnostic.message == "`review` is a rubric; call it with a key, e.g. `review(rating)`"


def test_e104_table_used_as_value():
    body = 'table region_rate\n  "EMEA" => 5%\nlet rate = region_rate + 1%\n'
    diagnostic = only(check_body(body), "E104")
    assert at(diagnostic) == (FIRST + 2, 12)
    assert diagnostic.message.startswith("`region_rate` is a table")


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("min(1)", "`min` needs at least two values"),
        ("max()", "`max` needs at least two values"),
        ("abs(1, 2)", "`abs` takes one value"),
        ("round(2.5)", "`round` takes a value and a step, e.g. `round(bonus, 0.01)`"),
    ],
)
def test_e105_builtin_with_wrong_arguments(expression, message):
    diagnostic = only(check_body(f"let x = {expression}\n"), "E105")
    assert at(diagnostic) == (FIRST, 9)
    assert diagnostic.message == message


def test_e105_rubric_with_two_keys():
    body = 'rubric review\n  1 "Low" => 0%\nlet factor = review(1, 2)\n'
    diagnostic = only(check_body(body), "E105")
    assert at(diagnostic) == (FIRST + 2, 14)
    assert diagnostic.message == "`review` takes one key, got 2"


def test_e107_field_and_plan_name_clash():
    body = 'let stage = 1\nmeasure won = count deals where stage = "Won"\n'
    diagnostic = only(check_body(body), "E107")
    assert at(diagnostic) == (FIRST + 1, 33)
    assert diagnostic.message == "`stage` is both a field of `deals` and a plan name"
    assert diagnostic.help == "write `deals.stage` for the field, or rename the plan definition"


# ---- E110 to E117: header and inputs ---------------------------------------


def test_e110_missing_plan_line():
    diagnostic = only(diagnostics_of("period quarter\n" + ROSTER_AND_COMPONENT), "E110")
    assert at(diagnostic) == (1, 1)
    assert diagnostic.message == "the plan has no `plan` line"


def test_e110_missing_period():
    diagnostic = only(diagnostics_of('plan "P"\n' + ROSTER_AND_COMPONENT), "E110")
    assert at(diagnostic) == (1, 1)
    assert diagnostic.message == "the plan does not say its period"
    assert "period quarter" in diagnostic.help


def test_e111_misspelled_period():
    diagnostic = only(diagnostics_of('plan "P"\nperiod quartr\n' + ROSTER_AND_COMPONENT), "E111")
    assert at(diagnostic) == (2, 8)
    assert diagnostic.message == "`quartr` is not a period"
    assert diagnostic.help == "did you mean `quarter`?"


def test_e111_unknown_period():
    diagnostic = only(diagnostics_of('plan "P"\nperiod weekly\n' + ROSTER_AND_COMPONENT), "E111")
    assert at(diagnostic) == (2, 8)
    assert diagnostic.help == "use one of month, quarter, half, year"


@pytest.mark.parametrize("code", ["usd", "DOLLARS"])
def test_e111_bad_currency(code):
    text = f'plan "P"\nperiod quarter\ncurrency {code}\n' + ROSTER_AND_COMPONENT
    diagnostic = only(diagnostics_of(text), "E111")
    assert at(diagnostic) == (3, 10)
    assert diagnostic.message == f"`{code}` is not a currency code"


def test_e112_misspelled_rounding_mode():
    text = 'plan "P"\nperiod quarter\nrounding half_upp to 0.01\n' + ROSTER_AND_COMPONENT
    diagnostic = only(diagnostics_of(text), "E112")
    assert at(diagnostic) == (3, 10)
    assert diagnostic.help == "did you mean `half_up`?"


def test_e112_unknown_rounding_level():
    text = 'plan "P"\nperiod quarter\nrounding half_up to 0.01 per deal\n' + ROSTER_AND_COMPONENT
    diagnostic = only(diagnostics_of(text), "E112")
    assert at(diagnostic) == (3, 30)
    assert diagnostic.message == "`deal` is not a place to round"


def test_e112_zero_rounding_step():
    text = 'plan "P"\nperiod quarter\nrounding half_up to 0\n' + ROSTER_AND_COMPONENT
    diagnostic = only(diagnostics_of(text), "E112")
    assert at(diagnostic) == (3, 1)
    assert diagnostic.message == "the rounding step must be greater than zero"


def test_e113_money_in_another_currency():
    diagnostic = only(check_body("let fee = 100 EUR\n"), "E113")
    assert at(diagnostic) == (FIRST, 11)
    assert diagnostic.message == "amount `100 EUR` is in EUR, but the plan pays in USD"
    assert diagnostic.help == "write the amount in USD, e.g. 100 USD"


def test_e114_effective_range_reversed():
    text = 'plan "P"\neffective 2027-12-31 through 2027-01-01\nperiod quarter\n' + ROSTER_AND_COMPONENT
    diagnostic = only(diagnostics_of(text), "E114")
    assert at(diagnostic) == (2, 1)
    assert diagnostic.message == "the plan ends (2027-01-01) before it starts (2027-12-31)"


def test_e115_unknown_field_type_with_suggestion():
    # Only the declaration is wrong: the measure and component that use the
    # field must not add errors of their own.
    text = PREFIX.replace("  amount : money", "  amount : mony") + COMMISSION
    diagnostics = diagnostics_of(text)
    diagnostic = only(diagnostics, "E115")
    assert at(diagnostic) == (9, 12)
    assert diagnostic.message == "`mony` is not a field type"
    assert diagnostic.help == "did you mean `money`?"


def test_e115_unknown_date_format():
    text = PREFIX.replace("close_date : date", 'close_date : date "DD-MM-YY"') + COMMISSION
    diagnostic = only(diagnostics_of(text), "E115")
    assert at(diagnostic) == (8, 28)
    assert diagnostic.message == '"DD-MM-YY" is not a date format'


def test_e115_date_role_with_text_type():
    text = PREFIX.replace("close_date : date", "close_date : text") + COMMISSION
    diagnostic = only(diagnostics_of(text), "E115")
    assert at(diagnostic) == (8, 3)
    assert diagnostic.message == "ledger field `date` must be a date field, not text"


def test_e115_format_on_text_field():
    text = PREFIX.replace("  stage\n", '  stage : text "upper"\n') + COMMISSION
    diagnostic = only(diagnostics_of(text), "E115")
    assert at(diagnostic) == (10, 11)
    assert diagnostic.message == 'a text field takes no format "upper"'


def test_e115_rating_field_in_ledger_names_the_roster():
    # A rubric type makes a rating, and only the roster may declare ratings.
    # The help must not suggest the very name that was written.
    text = PREFIX.replace("  stage\n", "  stage : review\n") + 'rubric review\n  1 "Low" => 0%\n' + COMMISSION
    diagnostic = only(diagnostics_of(text), "E115")
    assert at(diagnostic) == (10, 11)
    assert "did you mean `review`" not in diagnostic.help
    assert "roster" in diagnostic.message + diagnostic.help


def test_e116_ledger_without_payee():
    text = PREFIX.replace("  payee  from rep\n", "") + COMMISSION
    diagnostic = only(diagnostics_of(text), "E116")
    assert at(diagnostic) == (5, 1)
    assert diagnostic.message == "ledger `deals` does not say which column names the payee"
    assert diagnostic.help == "add a line such as `payee from sales_agent`"


def test_e117_roster_without_id():
    text = PREFIX.replace("  id    from rep\n", "") + COMMISSION
    diagnostic = only(diagnostics_of(text), "E117")
    assert at(diagnostic) == (11, 1)
    assert diagnostic.message == "the roster does not say which column holds the payee id"


def test_e117_plan_without_roster():
    diagnostic = only(diagnostics_of('plan "P"\nperiod quarter\ncomponent c\n  pay 1 USD\n'), "E117")
    assert at(diagnostic) == (1, 1)
    assert diagnostic.message == "the plan has no roster"


def test_e120_param_not_a_literal():
    diagnostic = only(check_body("param rate = quota\n"), "E120")
    assert at(diagnostic) == (FIRST, 7)
    assert diagnostic.message == "parameter `rate` must be a single value"


def test_negative_param_is_a_literal():
    assert check_body("param clawback = -5%\n") == []


# ---- E200 to E206: units ---------------------------------------------------


def test_e200_money_plus_number():
    diagnostic = only(check_body("let x = bookings + 1\n"), "E200")
    assert at(diagnostic) == (FIRST, 9)
    assert diagnostic.message == "cannot add number `1` to money `bookings`"
    assert diagnostic.help == "write amounts with the currency, e.g. `1_000 USD`, or turn the amount into a ratio"


def test_e200_money_times_money():
    diagnostic = only(check_body("let x = bookings * quota\n"), "E200")
    assert at(diagnostic) == (FIRST, 9)
    assert diagnostic.message == "cannot multiply two amounts (`bookings` and `quota`)"


def test_e200_compare_money_with_number():
    diagnostic = only(check_body("let big = bookings > 5\n"), "E200")
    assert at(diagnostic) == (FIRST, 11)
    assert diagnostic.message == "cannot compare money `bookings` with number `5`"


def test_e200_number_divided_by_money():
    diagnostic = only(check_body("let x = 1 / quota\n"), "E200")
    assert at(diagnostic) == (FIRST, 9)


def test_e200_sum_of_text_field():
    diagnostic = only(check_body("measure m = sum deals.stage\n"), "E200")
    assert at(diagnostic) == (FIRST, 17)
    assert diagnostic.message == "cannot sum text values"


def test_zero_literal_fits_any_unit():
    assert check_body("let floor_amount = max(0, bookings - quota)\n") == []


def test_e201_gate_not_bool():
    diagnostic = only(check_body("component bonus\n  pay 1 USD\n  gate bookings\n"), "E201")
    assert at(diagnostic) == (FIRST + 2, 8)
    assert diagnostic.message == "a gate needs a true/false condition, but `bookings` is a money value"


def test_e201_where_not_bool():
    diagnostic = only(check_body("measure m = sum deals.amount where deals.amount\n"), "E201")
    assert at(diagnostic) == (FIRST, 36)


def test_e201_exclude_condition_not_bool():
    text = PREFIX.replace("  stage\n", '  stage\n  exclude "lost" when deals.stage\n') + COMMISSION
    diagnostic = only(diagnostics_of(text), "E201")
    assert at(diagnostic) == (11, 23)


def test_e201_if_condition_not_bool():
    diagnostic = only(check_body("let x = if quota then 1 else 2\n"), "E201")
    assert at(diagnostic) == (FIRST, 12)


def test_e202_component_pays_a_percentage():
    diagnostic = only(check_body("component bonus\n  pay 5%\n"), "E202")
    assert at(diagnostic) == (FIRST + 1, 7)
    assert diagnostic.message == "component `bonus` must be an amount of money, but `5%` is a percent value"


def test_e202_money_rate_applied_to_base():
    diagnostic = only(check_body("component bonus\n  pay 1 USD applied to bookings\n"), "E202")
    assert at(diagnostic) == (FIRST + 1, 7)
    assert diagnostic.message == "`applied to` needs a rate, but `1 USD` is a money value"


def test_e203_cap_not_money():
    diagnostic = only(check_body("component bonus\n  pay 1 USD\n  cap 5%\n"), "E203")
    assert at(diagnostic) == (FIRST + 2, 7)
    assert diagnostic.message == "the cap of `bonus` must be an amount of money, but `5%` is a percent value"


def test_e203_floor_not_money():
    diagnostic = only(check_body("component bonus\n  pay 1 USD\n  floor 2\n"), "E203")
    assert at(diagnostic) == (FIRST + 2, 9)


def test_e203_total_cap_not_money():
    diagnostic = only(check_body("total\n  cap 5%\n"), "E203")
    assert at(diagnostic) == (FIRST + 1, 7)
    assert diagnostic.message == "the total cap must be an amount of money, but `5%` is a percent value"


def test_e204_weight_not_percentage():
    diagnostic = only(check_body("component bonus\n  pay 1 USD\n  weight 1 USD\n"), "E204")
    assert at(diagnostic) == (FIRST + 2, 3)
    assert diagnostic.message == "the weight of `bonus` must be a percentage, not money"


def test_e205_band_bound_in_wrong_unit():
    diagnostic = only(check_body("tiers bonus_table on bookings, lookup\n  10% and up => 1 USD\n"), "E205")
    assert at(diagnostic) == (FIRST + 1, 3)
    assert diagnostic.message == "band bound `10%` is a percent value, but `bonus_table` is keyed on money `bookings`"
    assert diagnostic.help == "write bounds in the key's unit, e.g. 1_000 USD"


def test_e205_tiers_keyed_on_text():
    body = 'let region = "EMEA"\ntiers bonus_table on region, lookup\n  0 and up => 1 USD\n'
    diagnostic = only(check_body(body), "E205")
    assert at(diagnostic) == (FIRST + 1, 22)
    assert diagnostic.message == "tiers `bonus_table` are keyed on a text value"


def test_e206_marginal_tiers_with_money_values():
    diagnostic = only(check_body("tiers bonus_table on bookings, marginal\n  0 USD and up => 1 USD\n"), "E206")
    assert at(diagnostic) == (FIRST, 1)
    assert diagnostic.help == "write rates such as 5%, or use `lookup` mode for amounts"


def test_e206_tier_values_of_mixed_units():
    body = "tiers bonus_table on bookings, lookup\n  0 USD to 5 USD => 1 USD\n  5 USD and up => 2%\n"
    diagnostic = only(check_body(body), "E206")
    assert at(diagnostic) == (FIRST + 2, 19)
    assert diagnostic.message == "tiers `bonus_table` mix money and percent values"


def test_e206_rubric_values_of_mixed_units():
    body = 'rubric review\n  1 "Low" => 0%\n  2 "High" => 100 USD\n'
    diagnostic = only(check_body(body), "E206")
    assert at(diagnostic) == (FIRST + 2, 3)


# ---- E300 to E306: tier bands ----------------------------------------------

TIERS = "tiers bonus_table on bookings, lookup\n"


def test_e300_empty_band():
    diagnostic = only(check_body(TIERS + "  10 USD to 5 USD => 1 USD\n"), "E300")
    assert at(diagnostic) == (FIRST + 1, 3)
    assert diagnostic.message == "band `10 USD to 5 USD` of `bonus_table` is empty: it ends before it starts"


def test_e300_bands_out_of_order():
    body = TIERS + "  10 USD to 20 USD => 1 USD\n  0 USD to 10 USD => 2 USD\n"
    diagnostic = only(check_body(body), "E300")
    assert at(diagnostic) == (FIRST + 2, 3)
    assert diagnostic.message == (
        "bands of `bonus_table` are out of order: `0 USD to 10 USD` starts below `10 USD to 20 USD`"
    )


def test_e301_overlapping_bands():
    body = TIERS + "  0 USD through 10 USD => 1 USD\n  10 USD to 20 USD => 2 USD\n"
    diagnostic = only(check_body(body), "E301")
    assert at(diagnostic) == (FIRST + 2, 3)
    assert diagnostic.message == "bands `0 USD through 10 USD` and `10 USD to 20 USD` of `bonus_table` overlap"
    assert diagnostic.help == (
        "`0 USD through 10 USD` ends at 10 (included); write this band as `above 10 ...`, "
        "or end the previous one with `to 10`"
    )


def test_e302_gap_between_bands():
    body = TIERS + "  0 USD to 10 USD => 1 USD\n  20 USD to 30 USD => 2 USD\n"
    diagnostic = only(check_body(body), "E302")
    assert at(diagnostic) == (FIRST + 2, 3)
    assert diagnostic.help == "`0 USD to 10 USD` ends at 10 (excluded); start this band at 10, where the previous one ends"


def test_e302_gap_between_exclusive_ends():
    # `to 10` leaves 10 out of the first band and `above 10` leaves it out of the next.
    body = TIERS + "  0 USD to 10 USD => 1 USD\n  above 10 USD => 2 USD\n"
    diagnostic = only(check_body(body), "E302")
    assert at(diagnostic) == (FIRST + 2, 3)


def test_adjacent_band_forms_check_clean():
    body = TIERS + (
        "  below 0 USD => 0 USD\n"
        "  0 USD through 10 USD => 1 USD\n"
        "  above 10 USD to 20 USD => 2 USD\n"
        "  20 USD => 3 USD\n"
        "  30 USD and up => 4 USD\n"
    )
    assert check_body(body) == []


def test_e303_tiers_without_bands():
    diagnostic = only(check_body(TIERS), "E303")
    assert at(diagnostic) == (FIRST, 1)
    assert diagnostic.message == "tiers `bonus_table` have no bands"


def test_e304_open_band_in_the_middle():
    body = TIERS + "  0 USD and up => 1 USD\n  10 USD to 20 USD => 2 USD\n"
    diagnostic = only(check_body(body), "E304")
    assert at(diagnostic) == (FIRST + 1, 3)
    assert diagnostic.message == "only the last band of `bonus_table` can be open above"


def test_e304_open_below_after_the_first_band():
    body = TIERS + "  0 USD to 10 USD => 1 USD\n  below 20 USD => 2 USD\n"
    diagnostic = only(check_body(body), "E304")
    assert at(diagnostic) == (FIRST + 2, 3)
    assert diagnostic.message == "only the first band of `bonus_table` can be open below"


def test_e305_marginal_without_lower_bound():
    body = "tiers bonus_rate on bookings, marginal\n  below 10 USD => 1%\n  10 USD and up => 2%\n"
    diagnostic = only(check_body(body), "E305")
    assert at(diagnostic) == (FIRST + 1, 3)
    assert diagnostic.message == "marginal tiers `bonus_rate` need a first band with a lower bound"


def test_e306_unknown_tier_mode():
    diagnostic = only(check_body("tiers bonus_rate on bookings, stepped\n  0 USD and up => 1%\n"), "E306")
    assert at(diagnostic) == (FIRST, 31)
    assert diagnostic.message == "`stepped` is not a tier mode"
    assert diagnostic.help == "use one of marginal, retroactive, lookup"


def test_e306_misspelled_tier_mode():
    diagnostic = only(check_body("tiers bonus_rate on bookings, marginl\n  0 USD and up => 1%\n"), "E306")
    assert diagnostic.help == "did you mean `marginal`?"


# ---- E310 to E312: rubrics and tables --------------------------------------


def test_e310_duplicate_rubric_rating():
    body = 'rubric review\n  1 "Low" => 0%\n  1 "Also low" => 10%\n'
    diagnostic = only(check_body(body), "E310")
    assert at(diagnostic) == (FIRST + 2, 3)
    assert diagnostic.message == "rating 1 appears twice in rubric `review`"
    assert diagnostic.help == "the first is at plan.spm:17:3; give each rating one value"


def test_e311_empty_rubric():
    diagnostic = only(check_body("rubric review\n"), "E311")
    assert at(diagnostic) == (FIRST, 1)
    assert diagnostic.message == "rubric `review` has no ratings"


def test_e311_empty_table():
    diagnostic = only(check_body("table region_rate\n"), "E311")
    assert at(diagnostic) == (FIRST, 1)
    assert diagnostic.message == "table `region_rate` has no rows"


def test_e312_duplicate_table_key():
    diagnostic = only(check_body('table region_rate\n  "EMEA" => 1%\n  "EMEA" => 2%\n'), "E312")
    assert at(diagnostic) == (FIRST + 2, 3)
    assert diagnostic.message == 'key "EMEA" appears twice in table `region_rate`'


def test_e312_two_otherwise_rows():
    diagnostic = only(check_body("table region_rate\n  otherwise => 1%\n  otherwise => 2%\n"), "E312")
    assert at(diagnostic) == (FIRST + 2, 3)
    assert diagnostic.message == "table `region_rate` has two `otherwise` rows"


# ---- E320 to E350: definitions, measures, components, tests ----------------


def test_e320_cycle_between_lets():
    diagnostic = only(check_body("let a = b\nlet b = a\n"), "E320")
    assert at(diagnostic) == (FIRST, 5)
    assert diagnostic.message == "definitions depend on each other in a cycle: a -> b -> a"


def test_e320_component_paying_itself():
    diagnostic = only(check_body("component bonus\n  pay bonus\n"), "E320")
    assert at(diagnostic) == (FIRST, 1)
    assert diagnostic.message == "definitions depend on each other in a cycle: bonus -> bonus"


def test_e330_unknown_aggregate():
    diagnostic = only(check_body("measure m = total deals.amount\n"), "E330")
    assert at(diagnostic) == (FIRST, 13)
    assert diagnostic.message == "`total` is not an aggregate"


def test_e330_misspelled_aggregate():
    diagnostic = only(check_body("measure m = summ deals.amount\n"), "E330")
    assert diagnostic.help == "did you mean `sum`?"


def test_e331_count_with_a_value():
    diagnostic = only(check_body("measure m = count deals.amount\n"), "E331")
    assert at(diagnostic) == (FIRST, 13)
    assert diagnostic.message == "`count` counts transactions and takes no value"
    assert diagnostic.help == "write `count deals where ...`"


def test_e331_sum_without_a_value():
    diagnostic = only(check_body("measure m = sum deals\n"), "E331")
    assert at(diagnostic) == (FIRST, 13)
    assert diagnostic.message == "`sum` needs a value to aggregate"


def test_e332_field_outside_measure():
    diagnostic = only(check_body("let x = deals.amount\n"), "E332")
    assert at(diagnostic) == (FIRST, 9)
    assert diagnostic.message == "`deals.amount` reads one transaction, but this expression is computed per payee"


def test_e332_field_in_component():
    diagnostic = only(check_body("component bonus\n  pay deals.amount\n"), "E332")
    assert at(diagnostic) == (FIRST + 1, 7)


def test_e333_itemized_base_not_a_sum_measure():
    diagnostic = only(check_body("component bonus\n  pay 5% applied to quota itemized\n"), "E333")
    assert at(diagnostic) == (FIRST + 1, 21)
    assert "`quota` is not one" in diagnostic.message


def test_e340_component_without_pay():
    diagnostic = only(check_body("component bonus\n  gate bookings > 0 USD\n"), "E340")
    assert at(diagnostic) == (FIRST, 1)
    assert diagnostic.message == "component `bonus` has no `pay` line"


def test_e340_component_with_two_pay_lines():
    diagnostic = only(check_body("component bonus\n  pay 1 USD\n  pay 2 USD\n"), "E340")
    assert at(diagnostic) == (FIRST + 2, 3)
    assert diagnostic.message == "component `bonus` has 2 `pay` lines"


def test_e340_plan_without_component():
    diagnostic = only(diagnostics_of(PREFIX), "E340")
    assert at(diagnostic) == (1, 1)
    assert diagnostic.message == "the plan has no component, so it pays nothing"


def test_e350_expect_not_a_literal():
    body = 'test "t"\n  during 2027-Q1\n  expect commission = 2 * 3 USD\n'
    diagnostic = only(check_body(body), "E350")
    assert at(diagnostic) == (FIRST + 2, 23)


@pytest.mark.parametrize(
    ("line", "column"),
    [("  payee quota quota", 15), ("  deal amount bookings", 15), ("  with rate = 1% + 1%", 15)],
)
def test_e350_test_values_not_literals(line, column):
    body = f'param rate = 5%\ntest "t"\n  during 2027-Q1\n{line}\n'
    diagnostic = only(check_body(body), "E350")
    assert at(diagnostic) == (FIRST + 3, column)


# ---- W400 ------------------------------------------------------------------


def test_w400_weights_do_not_add_up():
    text = PREFIX + "component a\n  pay 1 USD\n  weight 60%\ncomponent b\n  pay 1 USD\n  weight 30%\n"
    diagnostic = only(diagnostics_of(text), "W400")
    assert diagnostic.level == "warning"
    assert at(diagnostic) == (FIRST + 5, 3)
    assert diagnostic.message == "component weights add up to 90%, not 100%"
    assert compile_text(text, FILE).ok


def test_weights_adding_up_to_100_percent():
    text = PREFIX + "component a\n  pay 1 USD\n  weight 60%\ncomponent b\n  pay 1 USD\n  weight 40%\n"
    assert diagnostics_of(text) == []


# ---- several problems ------------------------------------------------------


def test_all_problems_reported_at_once_in_line_order():
    body = (
        "let doubled = booking * 2\n"                                 # E101 at 16:15
        "let mixed = bookings + 1\n"                                  # E200 at 17:13
        "tiers bonus_table on bookings, lookup\n"
        "  0 USD to 10 USD => 1 USD\n"
        "  20 USD to 30 USD => 2 USD\n"                               # E302 at 20:3
        "component bonus\n"
        "  pay 5%\n"                                                  # E202 at 22:7
        "  cap 5%\n"                                                  # E203 at 23:7
    )
    diagnostics = check_body(body)
    assert [(d.code, *at(d)) for d in diagnostics] == [
        ("E101", 16, 15),
        ("E200", 17, 13),
        ("E302", 20, 3),
        ("E202", 22, 7),
        ("E203", 23, 7),
    ]


def test_compiled_plan_is_none_when_errors():
    compiled = compile_text(PREFIX + "let x = booking\n" + COMMISSION, FILE)
    assert compiled.plan is None
    assert not compiled.ok


def test_e334_exclude_reads_payee_value():
    # An exclude rule is decided per row before any payee is known, so `quota` has no value there.
    text = PREFIX.replace("  stage\n", '  stage\n  exclude "big" when deals.amount > quota\n') + COMMISSION
    diagnostic = only(diagnostics_of(text), "E334")
    assert at(diagnostic) == (11, 37)
    assert "payee-level attribute" in diagnostic.message


def test_e351_unknown_expect_name():
    body = 'test "t"\n  during 2027-Q1\n  expect comission = 5 USD\n'
    diagnostic = only(check_body(body), "E351")
    assert at(diagnostic) == (FIRST + 2, 10)
    assert diagnostic.help == "did you mean `commission`?"


def test_e351_unknown_deal_field():
    body = 'test "t"\n  during 2027-Q1\n  deal amout 5 USD\n'
    diagnostic = only(check_body(body), "E351")
    assert at(diagnostic) == (FIRST + 2, 8)
    assert diagnostic.help == "did you mean `amount`?"


def test_e352_test_amount_without_currency():
    body = 'test "t"\n  during 2027-Q1\n  expect commission = 928.01\n'
    diagnostic = only(check_body(body), "E352")
    assert at(diagnostic) == (FIRST + 2, 23)
    assert diagnostic.message == "`commission` is an amount, so write `928.01 USD`"


def test_e352_test_amount_in_other_currency():
    body = 'test "t"\n  during 2027-Q1\n  expect total = 928.01 EUR\n'
    diagnostic = only(check_body(body), "E352")
    assert diagnostic.message == "`928.01 EUR` is in EUR, but the plan pays in USD"


def test_e352_test_percent_input_without_sign():
    # `with rate = 7` would set 700%.
    body = 'param rate = 5%\ntest "t"\n  during 2027-Q1\n  with rate = 7\n'
    diagnostic = only(check_body(body), "E352")
    assert diagnostic.message == "`rate` is a percentage, and 7 would mean 700%"


def test_e352_expected_ratio_above_one_allowed():
    body = 'let ratio = bookings / quota\ntest "t"\n  during 2027-Q1\n  expect ratio = 1.45\n'
    assert check_body(body) == []


def test_e208_otherwise_fallback_needs_brackets():
    # `quota otherwise 0 USD + bookings` would read as `quota otherwise (0 USD + bookings)`.
    body = "let x = quota otherwise 0 USD + bookings\n"
    diagnostic = only(check_body(body), "E208")
    assert at(diagnostic) == (FIRST, 25)
    assert "`(x otherwise 0) + y`" in diagnostic.help


def test_e208_bracketed_forms_accepted():
    body = "let x = (quota otherwise 0 USD) + bookings\nlet y = quota otherwise (0 USD + bookings)\n"
    assert check_body(body) == []
