"""Rounding modes and levels, with every expected amount worked out by hand.

half_up rounds a tie away from zero (2.345 -> 2.35, -2.345 -> -2.35) and
half_even rounds a tie to the even digit (2.345 -> 2.34, 2.355 -> 2.36).
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from spmlang.compiler import compile_text
from spmlang.money import decimal_context
from spmlang.runtime.evaluate import Credit, PayeeEvaluator

D = Decimal


def plan_text(rounding: str, components: str, total: str = "") -> str:
    return f"""\
plan "Rounding"
period quarter
currency USD
rounding {rounding}

ledger deals
  payee
  amount : money

roster
  id from rep
  base : money

measure bookings = sum deals.amount

{components}
{total}"""


def evaluate(text: str, base: Decimal = D(0), amounts: tuple[str, ...] = ()):
    compiled = compile_text(text, "rounding.spm")
    assert compiled.ok, [d.message for d in compiled.diagnostics]
    with decimal_context():
        credits = [
            Credit(f"T{i}", i + 2, None, {"payee": "P1", "amount": D(amount)}, D(1), "owner")
            for i, amount in enumerate(amounts, start=1)
        ]
        return PayeeEvaluator(compiled.plan, "P1", {"id": "P1", "base": base}, credits, "2027-Q1").run()


def line_named(result, name: str):
    return next(line for line in result.lines if line.name == name)


def line_amounts(result) -> dict[str, Decimal]:
    return {line.name: line.amount for line in result.lines}


# ---- modes at .xx5 values --------------------------------------------------

# (unrounded amount, half_up to cents, half_even to cents)
TIE_CASES = [
    ("2.345", "2.35", "2.34"),  # 4 is even, so half_even stays at 2.34
    ("2.355", "2.36", "2.36"),  # 6 is even, so both go up
    ("2.365", "2.37", "2.36"),
    ("0.005", "0.01", "0.00"),
    ("0.015", "0.02", "0.02"),
    ("0.025", "0.03", "0.02"),
    ("2.3449999", "2.34", "2.34"),  # below the tie: both round down
    ("2.3450001", "2.35", "2.35"),  # above the tie: both round up
    ("-2.345", "-2.35", "-2.34"),  # half_up goes away from zero
    ("-0.005", "-0.01", "0.00"),
    ("1234567.125", "1234567.13", "1234567.12"),
    ("7", "7.00", "7.00"),
]


@pytest.mark.parametrize("value, half_up, half_even", TIE_CASES)
def test_tie_half_up_and_half_even(value, half_up, half_even):
    components = "component pay_base\n  pay base\n"
    up = evaluate(plan_text("half_up to 0.01 per component", components), base=D(value))
    even = evaluate(plan_text("half_even to 0.01 per component", components), base=D(value))

    assert line_named(up, "pay_base").unrounded == D(value)
    assert line_named(up, "pay_base").amount == D(half_up)
    assert up.total == D(half_up)
    assert line_named(even, "pay_base").amount == D(half_even)
    assert even.total == D(half_even)


# (rounding line, unrounded amount, rounded amount)
STEP_CASES = [
    ("half_up to 1", "2.5", "3"),
    ("half_even to 1", "2.5", "2"),  # 2 is even
    ("half_even to 1", "3.5", "4"),  # 4 is even
    ("half_up to 0.05", "0.125", "0.15"),  # 0.125 / 0.05 = 2.5 steps -> 3 steps
    ("half_even to 0.05", "0.125", "0.10"),  # 2.5 steps -> 2 steps
    ("half_even to 0.05", "0.175", "0.20"),  # 3.5 steps -> 4 steps
    ("half_up to 0.05", "0.124", "0.10"),  # 2.48 steps -> 2 steps
]


@pytest.mark.parametrize("rounding, value, expected", STEP_CASES)
def test_rounding_step_other_than_cent(rounding, value, expected):
    result = evaluate(plan_text(f"{rounding} per component", "component pay_base\n  pay base\n"), base=D(value))
    assert line_named(result, "pay_base").amount == D(expected)


@pytest.mark.parametrize("mode, expected", [("half_up", "0.30"), ("half_even", "0.20")])
def test_round_function_uses_plan_mode(mode, expected):
    # round(0.25, 0.1): 2.5 tenths -> 3 tenths half-up, 2 tenths half-even.
    text = plan_text(f"{mode} to 0.01 per component", "component rounded\n  pay round(base, 0.1)\n")
    assert line_named(evaluate(text, base=D("0.25")), "rounded").amount == D(expected)


# ---- per transaction vs per component --------------------------------------

ITEMIZED = "component commission\n  pay 10% applied to bookings itemized\n"
WEIGHTED = "component commission\n  pay 10% applied to bookings itemized\n  weight 50%\n"

# (rounding, component, deal amounts, item amounts, line amount). Items are rounded one by one
# only per transaction; per component they show the unrounded share of the line.
LEVEL_CASES = [
    # Items 0.05 x 10% = 0.005 each, so the unrounded line is 0.015.
    ("half_up to 0.01 per transaction", ITEMIZED, ("0.05", "0.05", "0.05"), ["0.01", "0.01", "0.01"], "0.03"),
    ("half_up to 0.01 per component", ITEMIZED, ("0.05", "0.05", "0.05"), ["0.005", "0.005", "0.005"], "0.02"),
    ("half_even to 0.01 per transaction", ITEMIZED, ("0.05", "0.05", "0.05"), ["0.00", "0.00", "0.00"], "0.00"),
    ("half_even to 0.01 per component", ITEMIZED, ("0.05", "0.05", "0.05"), ["0.005", "0.005", "0.005"], "0.02"),
    # Items 0.015, 0.025 and 0.035, so the unrounded line is 0.075.
    ("half_up to 0.01 per transaction", ITEMIZED, ("0.15", "0.25", "0.35"), ["0.02", "0.03", "0.04"], "0.09"),
    ("half_up to 0.01 per component", ITEMIZED, ("0.15", "0.25", "0.35"), ["0.015", "0.025", "0.035"], "0.08"),
    ("half_even to 0.01 per transaction", ITEMIZED, ("0.15", "0.25", "0.35"), ["0.02", "0.02", "0.04"], "0.08"),
    ("half_even to 0.01 per component", ITEMIZED, ("0.15", "0.25", "0.35"), ["0.015", "0.025", "0.035"], "0.08"),
    # A refund: -0.05 x 10% = -0.005, away from zero half-up, to 0 half-even.
    ("half_up to 0.01 per transaction", ITEMIZED, ("-0.05",), ["-0.01"], "-0.01"),
    ("half_even to 0.01 per transaction", ITEMIZED, ("-0.05",), ["0.00"], "0.00"),
    # The weight applies before rounding: 0.10 x 10% x 50% = 0.005 per item.
    ("half_up to 0.01 per transaction", WEIGHTED, ("0.10", "0.10", "0.10"), ["0.01", "0.01", "0.01"], "0.03"),
    ("half_up to 0.01 per component", WEIGHTED, ("0.10", "0.10", "0.10"), ["0.005", "0.005", "0.005"], "0.02"),
]


@pytest.mark.parametrize("rounding, components, amounts, items, amount", LEVEL_CASES)
def test_transaction_and_component_levels(rounding, components, amounts, items, amount):
    result = evaluate(plan_text(rounding, components), amounts=amounts)
    line = line_named(result, "commission")
    assert [rounded for _, _, rounded in line.items] == [D(item) for item in items]
    assert line.amount == D(amount)
    assert result.total == D(amount)


def test_transaction_level_rounds_plain_component_once():
    # A component that is not itemized has no items, so it is rounded once:
    # base 0.005 x 3 = 0.015 -> 0.02.
    text = plan_text("half_up to 0.01 per transaction", "component triple\n  pay base * 3\n")
    assert line_named(evaluate(text, base=D("0.005")), "triple").amount == D("0.02")


def test_transaction_level_capped_component_rounded_once():
    # Items 0.005 each would round to 0.03, but the cap of 0.011 replaces the
    # amount, so the line is the cap rounded once: 0.011 -> 0.01.
    components = ITEMIZED + "  cap 0.011 USD\n"
    result = evaluate(plan_text("half_up to 0.01 per transaction", components), amounts=("0.05", "0.05", "0.05"))
    assert line_named(result, "commission").amount == D("0.01")


@pytest.mark.parametrize("limit", ["cap 1 USD", "floor 1 USD"])
def test_transaction_level_limited_items_add_up(limit):
    # With a cap: deals of 10, 10 and 10.05 at 10% pay 1 + 1 + 1.005 = 3.005,
    # capped to 1.00. With a floor: deals of 0.05 each pay 0.015, raised to 1.00.
    # Either way the line pays 1.00, and per transaction its rounded items
    # must add up to the line, so no item split such as 0.33 x 3 = 0.99 may remain.
    amounts = ("10", "10", "10.05") if limit.startswith("cap") else ("0.05", "0.05", "0.05")
    components = ITEMIZED + f"  {limit}\n"
    line = line_named(evaluate(plan_text("half_up to 0.01 per transaction", components), amounts=amounts),
                      "commission")
    assert line.amount == D("1.00")
    assert sum((rounded for _, _, rounded in line.items), D(0)) == D("1.00")


# ---- per statement and the rounding-difference line ------------------------

THREE_LINES = "".join(f"component part_{name}\n  pay base\n\n" for name in ("a", "b", "c"))

# (rounding, base per line, each line as shown, rounding difference or None, total)
STATEMENT_CASES = [
    # Lines of 0.005 show 0.01 each. The total rounds 0.015 -> 0.02, so -0.01 reconciles.
    ("half_up to 0.01 per statement", "0.005", "0.01", "-0.01", "0.02"),
    # Lines show 0.00 each. The total rounds 0.015 -> 0.02 (even), so +0.02 reconciles.
    ("half_even to 0.01 per statement", "0.005", "0.00", "0.02", "0.02"),
    # Lines of 1.001 show 1.00. The total 3.003 -> 3.00 matches, so no difference line.
    ("half_up to 0.01 per statement", "1.001", "1.00", None, "3.00"),
    # Lines of 0.004 show 0.00. The total 0.012 -> 0.01, so +0.01 reconciles.
    ("half_up to 0.01 per statement", "0.004", "0.00", "0.01", "0.01"),
    # Per component the total is the sum of rounded lines and never needs the line.
    ("half_up to 0.01 per component", "0.005", "0.01", None, "0.03"),
    ("half_even to 0.01 per component", "0.005", "0.00", None, "0.00"),
    ("half_up to 0.01 per transaction", "0.005", "0.01", None, "0.03"),
]


@pytest.mark.parametrize("rounding, base, shown, difference, total", STATEMENT_CASES)
def test_statement_level_rounding_difference(rounding, base, shown, difference, total):
    result = evaluate(plan_text(rounding, THREE_LINES), base=D(base))
    amounts = line_amounts(result)

    for name in ("part_a", "part_b", "part_c"):
        assert amounts[name] == D(shown)
    if difference is None:
        assert "rounding" not in amounts
    else:
        rounding_line = line_named(result, "rounding")
        assert rounding_line.label == "Rounding difference"
        assert rounding_line.kind == "rounding"
        assert rounding_line.amount == D(difference)
    assert result.total == D(total)
    assert sum(amounts.values(), D(0)) == result.total


def test_statement_level_keeps_lines_unrounded():
    result = evaluate(plan_text("half_up to 0.01 per statement", THREE_LINES), base=D("0.005"))
    assert line_named(result, "part_a").unrounded == D("0.005")


# ---- the total cap ---------------------------------------------------------


@pytest.mark.parametrize("mode, total, adjustment", [("half_up", "100.01", "-99.99"), ("half_even", "100.00", "-100.00")])
def test_total_cap_is_rounded(mode, total, adjustment):
    # The cap 100.005 is rounded like any amount: 100.01 half-up, 100.00 half-even.
    # The line pays 200.00, so the adjustment is the cap minus 200.00.
    text = plan_text(f"{mode} to 0.01 per component", "component pay_base\n  pay base\n",
                     total="total\n  cap 100.005 USD\n")
    result = evaluate(text, base=D("200"))
    assert line_named(result, "total_cap").amount == D(adjustment)
    assert result.total == D(total)
    assert sum(line_amounts(result).values(), D(0)) == result.total
