"""Property-based tests of the interpreter on generated payees and deals.

Each property holds for every plan in the family below whatever the deals:
statement totals add up, marginal tiers have no jump at a band edge, more
bookings never pay less, and itemized amounts add up to their line. Expected
tier payouts come from ``marginal_payout`` in this file, a plain loop over
hand-listed bands that shares no code with the engine.
"""

from __future__ import annotations

import datetime
import decimal
import functools
import importlib.util
import tempfile
from decimal import Decimal
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from spmlang.compiler import compile_text
from spmlang.money import decimal_context
from spmlang.runner import RunOptions, evaluate_run
from spmlang.runtime.evaluate import Credit, PayeeEvaluator

D = Decimal
CENT = D("0.01")
QUARTER_START = datetime.date(2027, 1, 1)
PROPERTY_SETTINGS = settings(max_examples=40, deadline=None)

PRODUCTS = ("Core", "Services", "Hardware")

FULL_PLAN = """\
plan "Properties"
period quarter
currency USD
rounding {mode} to 0.01 per {level}

ledger deals
  payee
  date : date
  amount : money
  product

roster
  id from rep
  quota : money
  target_incentive : money
  rating : review

rubric review
  1 => 0%
  2 => 50%
  3 => 100%
  4 => 125%

table product_credit
  "Core" => 100%
  "Services" => 50%
  otherwise => 0%

measure bookings = sum deals.amount * product_credit(deals.product)
measure deal_count = count deals
let attainment = bookings / quota

tiers commission_rate on attainment, marginal
  0% to 50% => 2%
  50% to 100% => 6%
  100% to 150% => 10%
  150% and up => 12.5%

tiers kicker_rate on max(attainment, 0%), retroactive
  0% to 100% => 0%
  100% to 120% => 1%
  120% and up => 2%

component commission
  pay commission_rate applied to bookings itemized
{commission_limits}
component kicker
  pay kicker_rate applied to bookings
  weight 30%

component mbo
  pay target_incentive * 10% * review(rating)
{total}"""

LIMITED = "  gate attainment >= 25%\n  cap 250% of target_incentive\n"
TOTAL_CAP = "total\n  cap 300% of target_incentive\n"

# Bands of the money-keyed tables below, listed by hand: (lower, upper, rate).
# The last rate is a decelerator, so the highest rate sits in the middle.
MONEY_BANDS = [
    (D("0"), D("10000"), D("0.03")),
    (D("10000"), D("25000"), D("0.075")),
    (D("25000"), D("60000"), D("0.11")),
    (D("60000"), None, D("0.04")),
]
MAX_MONEY_RATE = D("0.11")

MONEY_PLAN = """\
plan "Marginal"
period quarter
currency USD
rounding {mode} to 0.01 per {level}

ledger deals
  payee
  date : date
  amount : money

roster
  id from rep

measure bookings = sum deals.amount

tiers rate on bookings, marginal
  0 USD to 10_000 USD => 3%
  10_000 USD through 25_000 USD => 7.5%
  above 25_000 USD to 60_000 USD => 11%
  60_000 USD and up => 4%

component commission
  pay rate applied to bookings itemized
  weight {weight}
{limits}"""

# Attainment bands of FULL_PLAN's commission_rate: (lower, upper, rate).
ATTAINMENT_BANDS = [
    (D("0"), D("0.5"), D("0.02")),
    (D("0.5"), D("1"), D("0.06")),
    (D("1"), D("1.5"), D("0.10")),
    (D("1.5"), None, D("0.125")),
]
MAX_ATTAINMENT_RATE = D("0.125")


def marginal_payout(base: Decimal, bands: list[tuple[Decimal, Decimal | None, Decimal]]) -> Decimal:
    """Pay each slice of ``base`` at its band's rate, and a base under 0 at the first band's rate."""
    with decimal_context():
        if base < bands[0][0]:
            return (base - bands[0][0]) * bands[0][2]
        total = D(0)
        for lower, upper, rate in bands:
            if base <= lower:
                break
            top = base if upper is None or base < upper else upper
            total += (top - lower) * rate
        return total


def exact_sum(values) -> Decimal:
    """Add Decimals with the engine's 34 digits, because the default context keeps only 28."""
    with decimal_context():
        return sum(values, D(0))


@functools.lru_cache(maxsize=None)
def compiled_plan(text: str):
    compiled = compile_text(text, "properties.spm")
    assert compiled.ok, [d.message for d in compiled.diagnostics]
    return compiled.plan


def full_plan(mode: str = "half_up", level: str = "component", limited: bool = True, total_cap: bool = True):
    return compiled_plan(FULL_PLAN.format(
        mode=mode, level=level, commission_limits=LIMITED if limited else "", total=TOTAL_CAP if total_cap else ""))


def money_plan(mode: str = "half_up", level: str = "component", weight: str = "100%", limits: str = ""):
    return compiled_plan(MONEY_PLAN.format(mode=mode, level=level, weight=weight, limits=limits))


def run(plan, deals, attributes):
    """Evaluate one payee; ``deals`` are (day of the quarter, amount, product) tuples."""
    with decimal_context():
        credits = [
            Credit(f"T{i}", i + 1, QUARTER_START + datetime.timedelta(days=day),
                   {"payee": "P1", "date": QUARTER_START + datetime.timedelta(days=day), "amount": amount,
                    "product": product}, D(1), "owner")
            for i, (day, amount, product) in enumerate(deals, start=1)
        ]
        return PayeeEvaluator(plan, "P1", {"id": "P1", **attributes}, credits, "2027-Q1").run()


def line_named(result, name: str):
    return next(line for line in result.lines if line.name == name)


# ---- strategies ------------------------------------------------------------


def cents(low: int, high: int):
    return st.integers(low, high).map(lambda c: D(c).scaleb(-2))


days = st.integers(0, 89)
deal_amounts = cents(-500_000, 5_000_000)  # -5,000.00 to 50,000.00 USD, refunds included
positive_amounts = cents(1, 5_000_000)
deals = st.lists(st.tuples(days, deal_amounts, st.sampled_from(PRODUCTS)), max_size=25)
positive_deals = st.lists(st.tuples(days, positive_amounts, st.sampled_from(PRODUCTS)), max_size=25)
payees = st.fixed_dictionaries({
    "quota": cents(1_000_000, 50_000_000),
    "target_incentive": cents(0, 5_000_000),
    "rating": st.sampled_from(("1", "2", "3", "4")),
})
modes = st.sampled_from(("half_up", "half_even"))
levels = st.sampled_from(("transaction", "component", "statement"))
# Step sizes below a band edge, from a hundredth of a cent to 1,000 USD.
epsilons = st.integers(1, 10_000_000).map(lambda n: D(n).scaleb(-4))


# ---- statement totals ------------------------------------------------------


@PROPERTY_SETTINGS
@given(deals, payees, modes, levels)
def test_total_equals_sum_of_lines(deal_list, attributes, mode, level):
    result = run(full_plan(mode, level), deal_list, attributes)
    assert result.total == exact_sum(line.amount for line in result.lines)
    assert result.total == result.total.quantize(CENT)


@PROPERTY_SETTINGS
@given(deals, payees, modes)
def test_statement_level_total_is_rounded_sum(deal_list, attributes, mode):
    # Without a total cap, rounding per statement rounds the unrounded lines' sum once.
    result = run(full_plan(mode, "statement", total_cap=False), deal_list, attributes)
    unrounded = exact_sum(line.unrounded for line in result.lines if line.kind == "component")
    rounding = decimal.ROUND_HALF_UP if mode == "half_up" else decimal.ROUND_HALF_EVEN
    assert result.total == unrounded.quantize(CENT, rounding=rounding)


# ---- marginal tiers --------------------------------------------------------


@PROPERTY_SETTINGS
@given(cents(-100_000, 10_000_000))
def test_marginal_payout_matches_band_loop(bookings):
    result = run(money_plan(), [(0, bookings, "Core")], {})
    assert line_named(result, "commission").unrounded == marginal_payout(bookings, MONEY_BANDS)


@PROPERTY_SETTINGS
@given(st.sampled_from([lower for lower, _, _ in MONEY_BANDS]), epsilons)
def test_marginal_continuous_at_money_edges(edge, epsilon):
    at_edge = line_named(run(money_plan(), [(0, edge, "Core")], {}), "commission").unrounded
    below = line_named(run(money_plan(), [(0, edge - epsilon, "Core")], {}), "commission").unrounded
    assert abs(at_edge - below) <= epsilon * MAX_MONEY_RATE
    assert at_edge == marginal_payout(edge, MONEY_BANDS)


@PROPERTY_SETTINGS
@given(st.sampled_from([lower for lower, _, _ in ATTAINMENT_BANDS]), epsilons, payees)
def test_marginal_continuous_at_attainment_edges(edge, epsilon, attributes):
    # The edge in bookings is the attainment bound times the quota.
    plan = full_plan(limited=False, total_cap=False)
    edge_bookings = edge * attributes["quota"]
    at_edge = line_named(run(plan, [(0, edge_bookings, "Core")], attributes), "commission").unrounded
    below = line_named(run(plan, [(0, edge_bookings - epsilon, "Core")], attributes), "commission").unrounded
    assert abs(at_edge - below) <= epsilon * MAX_ATTAINMENT_RATE
    quota = attributes["quota"]
    scaled = [(lower * quota, upper * quota if upper is not None else None, rate)
              for lower, upper, rate in ATTAINMENT_BANDS]
    assert at_edge == marginal_payout(edge_bookings, scaled)


@PROPERTY_SETTINGS
@given(positive_deals, st.tuples(days, positive_amounts, st.sampled_from(PRODUCTS)), payees)
def test_positive_deal_never_lowers_commission(deal_list, extra, attributes):
    plan = full_plan(limited=False, total_cap=False)
    before = run(plan, deal_list, attributes)
    after = run(plan, deal_list + [extra], attributes)
    for name in ("commission", "kicker"):
        assert line_named(after, name).unrounded >= line_named(before, name).unrounded
        assert line_named(after, name).amount >= line_named(before, name).amount
    assert after.total >= before.total


# ---- itemized amounts ------------------------------------------------------


@PROPERTY_SETTINGS
@given(deals, st.sampled_from(("100%", "60%", "33.3%")))
def test_itemized_amounts_add_up_to_line(deal_list, weight):
    line = line_named(run(money_plan(weight=weight), deal_list, {}), "commission")
    assert len(line.items) == len(deal_list)
    assert exact_sum(unrounded for _, unrounded, _ in line.items) == line.unrounded


@PROPERTY_SETTINGS
@given(deals, payees)
def test_itemized_attainment_amounts_add_up(deal_list, attributes):
    line = line_named(run(full_plan(limited=False), deal_list, attributes), "commission")
    assert exact_sum(unrounded for _, unrounded, _ in line.items) == line.unrounded


@PROPERTY_SETTINGS
@given(deals, modes, st.sampled_from(("100%", "60%", "33.3%")))
def test_transaction_rounding_sums_rounded_items(deal_list, mode, weight):
    line = line_named(run(money_plan(mode, "transaction", weight), deal_list, {}), "commission")
    rounding = decimal.ROUND_HALF_UP if mode == "half_up" else decimal.ROUND_HALF_EVEN
    for _, unrounded, rounded in line.items:
        assert rounded == unrounded.quantize(CENT, rounding=rounding)
    assert line.amount == exact_sum(rounded for _, _, rounded in line.items)


@PROPERTY_SETTINGS
@given(deals.filter(bool), modes,
       st.sampled_from(("  cap 1_234.56 USD\n", "  floor 150 USD\n", "  cap 100 USD\n  floor 50 USD\n")))
def test_transaction_rounding_limited_items_add_up(deal_list, mode, limits):
    # A cap or floor replaces the line's amount. Per transaction, the rounded
    # items must still add up to the line that is paid. A line without deals
    # has no items to add up, so at least one deal is drawn.
    line = line_named(run(money_plan(mode, "transaction", limits=limits), deal_list, {}), "commission")
    assert line.amount == exact_sum(rounded for _, _, rounded in line.items)
    assert exact_sum(unrounded for _, unrounded, _ in line.items) == line.unrounded


def test_itemized_amounts_follow_failed_gate():
    # Deals of 100 and 200 at 10% would pay 10 + 20, but the gate is not met,
    # so the line pays 0 and its items must add up to 0 as well.
    plan = compiled_plan(MONEY_PLAN.format(mode="half_up", level="component", weight="100%", limits="")
                         + "\ncomponent gated\n  pay 10% applied to bookings itemized\n  gate bookings > 1_000 USD\n")
    line = line_named(run(plan, [(0, D("100"), "Core"), (1, D("200"), "Core")], {}), "gated")
    assert line.amount == D("0")
    assert exact_sum(unrounded for _, unrounded, _ in line.items) == D("0")


def test_itemized_amounts_follow_cap():
    # Deals of 100 and 200 at 10% would pay 10 + 20 = 30. The cap pays 5, so
    # the items must add up to 5.
    plan = compiled_plan(MONEY_PLAN.format(mode="half_up", level="component", weight="100%", limits="")
                         + "\ncomponent capped\n  pay 10% applied to bookings itemized\n  cap 5 USD\n")
    line = line_named(run(plan, [(0, D("100"), "Core"), (1, D("200"), "Core")], {}), "capped")
    assert line.amount == D("5.00")
    assert exact_sum(unrounded for _, unrounded, _ in line.items) == D("5")


# ---- whole runs ------------------------------------------------------------

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"


def load_generator():
    spec = importlib.util.spec_from_file_location("benchmark_generate", BENCHMARKS / "generate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@settings(max_examples=5, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_runner_statements_add_up(seed):
    # A whole run of the benchmark plan over a generated ledger: every statement's
    # lines add up to its total, every itemized line's items add up to the line
    # before rounding, and the reconciliation balances.
    generator = load_generator()
    with tempfile.TemporaryDirectory() as folder:
        ledger, roster = generator.generate(300, 4, seed, Path(folder))
        options = RunOptions(plan=str(BENCHMARKS / "plan.spm"), roster=str(roster), out=str(Path(folder) / "out"),
                             ledger=str(ledger), period="2027-Q1")
        result = evaluate_run(compiled_plan((BENCHMARKS / "plan.spm").read_text(encoding="utf-8")), options)

    assert result.reconciliation.balances()
    assert len(result.statements) == 4
    for statement in result.statements:
        assert D(statement.total) == exact_sum(D(line.amount) for line in statement.lines)
        for line in statement.lines:
            if line.items:
                assert exact_sum(D(item.unrounded) for item in line.items) == D(line.unrounded)
