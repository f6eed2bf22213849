"""Tier tables at and around every band edge, for each mode and each way to write a band.

Every expected value below is worked out by hand from the bands written in
the plan text, with the arithmetic in a comment next to it.

The money-keyed tables all use edges at 1,000 USD and 5,000 USD:

- ``to`` bands: [0, 1000) [1000, 5000) [5000, ...), so an edge value falls
  in the band above it.
- ``through``/``above`` bands: [0, 1000] (1000, 5000] (5000, ...), so an
  edge value falls in the band below it.
- bands with only a lower bound run to where the next band starts, which
  gives the same ranges as the ``to`` bands.

Marginal and retroactive tables pay rates 2%, 5% and 10%; lookup tables
give 0 USD, 100 USD and 500 USD.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from spmlang.compiler import compile_text
from spmlang.money import decimal_context
from spmlang.runtime.evaluate import Credit, PayeeEvaluator
from spmlang.runtime.values import EvaluationError

D = Decimal

PLAN_HEAD = """\
plan "Tier edges"
period quarter
currency USD
rounding half_up to 0.01 per component

ledger deals
  payee
  amount : money

roster
  id from rep
  quota : money

measure bookings = sum deals.amount
let attainment = bookings / quota
"""

RATE_BANDS = {
    "to": """\
  0 USD to 1_000 USD => 2%
  1_000 USD to 5_000 USD => 5%
  5_000 USD and up => 10%
""",
    "through": """\
  0 USD through 1_000 USD => 2%
  above 1_000 USD through 5_000 USD => 5%
  above 5_000 USD => 10%
""",
    "lower bound only": """\
  0 USD => 2%
  1_000 USD => 5%
  5_000 USD => 10%
""",
}

LOOKUP_BANDS = {
    "to": """\
  0 USD to 1_000 USD => 0 USD
  1_000 USD to 5_000 USD => 100 USD
  5_000 USD and up => 500 USD
""",
    "through": """\
  0 USD through 1_000 USD => 0 USD
  above 1_000 USD through 5_000 USD => 100 USD
  above 5_000 USD => 500 USD
""",
    "lower bound only": """\
  0 USD => 0 USD
  1_000 USD => 100 USD
  5_000 USD => 500 USD
""",
}

# Attainment-keyed bands: with a quota of 2,000 USD, 50% is 1,000 USD of
# bookings and 250% is 5,000 USD, so the expected values match the tables above.
ATTAINMENT_BANDS = {
    "to": """\
  0% to 50% => 2%
  50% to 250% => 5%
  250% and up => 10%
""",
    "through": """\
  0% through 50% => 2%
  above 50% through 250% => 5%
  above 250% => 10%
""",
}
QUOTA = D("2000")


def plan_text(mode: str, bands: str, key: str = "bookings", pay: str | None = None) -> str:
    if pay is None:
        pay = "pay rate applied to bookings" if mode != "lookup" else "pay rate"
    return f"{PLAN_HEAD}\ntiers rate on {key}, {mode}\n{bands}\ncomponent commission\n  {pay}\n"


def evaluate(text: str, amounts: list[Decimal], quota: Decimal = QUOTA):
    compiled = compile_text(text, "tiers.spm")
    assert compiled.ok, [d.message for d in compiled.diagnostics]
    with decimal_context():
        credits = [
            Credit(f"T{i}", i + 2, None, {"payee": "P1", "amount": amount}, D(1), "owner")
            for i, amount in enumerate(amounts, start=1)
        ]
        return PayeeEvaluator(compiled.plan, "P1", {"id": "P1", "quota": quota}, credits, "2027-Q1").run()


def commission_line(result):
    return next(line for line in result.lines if line.name == "commission")


# ---- marginal --------------------------------------------------------------

# (bookings, unrounded payout, line rounded half-up to cents). A marginal payout
# is continuous, so `to` and `through` bands give the same values at the edges.
MARGINAL_CASES = [
    ("0", "0", "0.00"),
    ("0.01", "0.0002", "0.00"),  # 0.01 x 2%
    ("999.99", "19.9998", "20.00"),  # 999.99 x 2%
    ("1000", "20", "20.00"),  # 1000 x 2%
    ("1000.01", "20.0005", "20.00"),  # 1000 x 2% + 0.01 x 5% = 20 + 0.0005
    ("4999.99", "219.9995", "220.00"),  # 20 + 3999.99 x 5% = 20 + 199.9995
    ("5000", "220", "220.00"),  # 20 + 4000 x 5% = 20 + 200
    ("5000.01", "220.001", "220.00"),  # 220 + 0.01 x 10%
    ("7500", "470", "470.00"),  # 220 + 2500 x 10%
]


@pytest.mark.parametrize("style", sorted(RATE_BANDS))
@pytest.mark.parametrize("bookings, unrounded, amount", MARGINAL_CASES)
def test_marginal_money_key_edges(style, bookings, unrounded, amount):
    result = evaluate(plan_text("marginal", RATE_BANDS[style]), [D(bookings)])
    line = commission_line(result)
    assert line.unrounded == D(unrounded)
    assert line.amount == D(amount)


@pytest.mark.parametrize("style", sorted(ATTAINMENT_BANDS))
@pytest.mark.parametrize("bookings, unrounded, amount", MARGINAL_CASES)
def test_marginal_attainment_key_edges(style, bookings, unrounded, amount):
    text = plan_text("marginal", ATTAINMENT_BANDS[style], key="attainment")
    line = commission_line(evaluate(text, [D(bookings)]))
    assert line.unrounded == D(unrounded)
    assert line.amount == D(amount)


def test_marginal_below_first_band_uses_first_rate():
    # A net negative base is paid at the first band's rate: -100 x 2% = -2.
    line = commission_line(evaluate(plan_text("marginal", RATE_BANDS["to"]), [D("100"), D("-200")]))
    assert line.unrounded == D("-2")
    assert line.amount == D("-2.00")


def test_marginal_itemized_deal_crossing_edge():
    # Deals of 600 and 600 in date order: the first pays 600 x 2% = 12; the
    # second fills the band to 1000 (400 x 2% = 8) and pays 200 x 5% = 10, so 18.
    text = plan_text("marginal", RATE_BANDS["to"], pay="pay rate applied to bookings itemized")
    line = commission_line(evaluate(text, [D("600"), D("600")]))
    assert [(cid, unrounded) for cid, unrounded, _ in line.items] == [("T1", D("12")), ("T2", D("18"))]
    assert line.unrounded == D("30")


def test_marginal_itemized_deal_crossing_two_edges():
    # One deal of 6000: 1000 x 2% + 4000 x 5% + 1000 x 10% = 20 + 200 + 100 = 320.
    text = plan_text("marginal", RATE_BANDS["through"], pay="pay rate applied to bookings itemized")
    line = commission_line(evaluate(text, [D("6000")]))
    assert [(cid, unrounded) for cid, unrounded, _ in line.items] == [("T1", D("320"))]
    assert line.amount == D("320.00")


# ---- retroactive -----------------------------------------------------------

# (bookings, unrounded payout): the whole base at the rate of the key's band.
RETROACTIVE_TO_CASES = [
    ("0", "0"),  # 0 x 2%
    ("999.99", "19.9998"),  # 999.99 x 2%
    ("1000", "50"),  # 1000 is in [1000, 5000): 1000 x 5%
    ("1000.01", "50.0005"),  # 1000.01 x 5%
    ("4999.99", "249.9995"),  # 4999.99 x 5%
    ("5000", "500"),  # 5000 is in [5000, ...): 5000 x 10%
    ("5000.01", "500.001"),  # 5000.01 x 10%
]
RETROACTIVE_THROUGH_CASES = [
    ("0", "0"),  # 0 x 2%
    ("999.99", "19.9998"),  # 999.99 x 2%
    ("1000", "20"),  # 1000 is in [0, 1000]: 1000 x 2%
    ("1000.01", "50.0005"),  # 1000.01 x 5%
    ("4999.99", "249.9995"),  # 4999.99 x 5%
    ("5000", "250"),  # 5000 is in (1000, 5000]: 5000 x 5%
    ("5000.01", "500.001"),  # 5000.01 x 10%
]
RETROACTIVE_CASES = (
    [("to", *case) for case in RETROACTIVE_TO_CASES]
    + [("lower bound only", *case) for case in RETROACTIVE_TO_CASES]
    + [("through", *case) for case in RETROACTIVE_THROUGH_CASES]
)


@pytest.mark.parametrize("style, bookings, unrounded", RETROACTIVE_CASES)
def test_retroactive_money_key_edges(style, bookings, unrounded):
    line = commission_line(evaluate(plan_text("retroactive", RATE_BANDS[style]), [D(bookings)]))
    assert line.unrounded == D(unrounded)


@pytest.mark.parametrize(
    "style, bookings, unrounded",
    [("to", *case) for case in RETROACTIVE_TO_CASES] + [("through", *case) for case in RETROACTIVE_THROUGH_CASES],
)
def test_retroactive_attainment_key_edges(style, bookings, unrounded):
    text = plan_text("retroactive", ATTAINMENT_BANDS[style], key="attainment")
    line = commission_line(evaluate(text, [D(bookings)]))
    assert line.unrounded == D(unrounded)


@pytest.mark.parametrize("bookings, rate", [("999.99", "0.02"), ("1000", "0.05"), ("5000", "0.10")])
def test_retroactive_name_gives_band_rate(bookings, rate):
    # Used by name in an expression, a retroactive table gives its band's rate.
    text = plan_text("retroactive", RATE_BANDS["to"], pay="pay rate * 1_000 USD")
    line = commission_line(evaluate(text, [D(bookings)]))
    assert line.unrounded == D(rate) * 1000


def test_retroactive_itemized_uses_one_rate_for_all_deals():
    # 600 + 600 = 1200 is in [1000, 5000), so both deals are paid at 5%: 30 each.
    text = plan_text("retroactive", RATE_BANDS["to"], pay="pay rate applied to bookings itemized")
    line = commission_line(evaluate(text, [D("600"), D("600")]))
    assert [(cid, unrounded) for cid, unrounded, _ in line.items] == [("T1", D("30")), ("T2", D("30"))]
    assert line.unrounded == D("60")


# ---- lookup ----------------------------------------------------------------

LOOKUP_TO_CASES = [
    ("0", "0"),
    ("999.99", "0"),
    ("1000", "100"),  # 1000 is in [1000, 5000)
    ("1000.01", "100"),
    ("4999.99", "100"),
    ("5000", "500"),  # 5000 is in [5000, ...)
    ("5000.01", "500"),
]
LOOKUP_THROUGH_CASES = [
    ("0", "0"),
    ("999.99", "0"),
    ("1000", "0"),  # 1000 is in [0, 1000]
    ("1000.01", "100"),
    ("4999.99", "100"),
    ("5000", "100"),  # 5000 is in (1000, 5000]
    ("5000.01", "500"),
]
LOOKUP_CASES = (
    [("to", *case) for case in LOOKUP_TO_CASES]
    + [("lower bound only", *case) for case in LOOKUP_TO_CASES]
    + [("through", *case) for case in LOOKUP_THROUGH_CASES]
)


@pytest.mark.parametrize("style, bookings, value", LOOKUP_CASES)
def test_lookup_money_key_edges(style, bookings, value):
    line = commission_line(evaluate(plan_text("lookup", LOOKUP_BANDS[style]), [D(bookings)]))
    assert line.unrounded == D(value)
    assert line.amount == D(value)


@pytest.mark.parametrize("bookings, value", [("999.99", "0"), ("1000", "100"), ("1000.01", "100")])
def test_lookup_attainment_key_edges(bookings, value):
    bands = """\
  0% to 50% => 0 USD
  50% to 250% => 100 USD
  250% and up => 500 USD
"""
    line = commission_line(evaluate(plan_text("lookup", bands, key="attainment"), [D(bookings)]))
    assert line.unrounded == D(value)


@pytest.mark.parametrize("bookings, value", [("-50", "0"), ("999.99", "0"), ("1000", "100"), ("5000", "500")])
def test_lookup_open_first_band_below(bookings, value):
    # The first band written as `below 1_000 USD` covers every key under 1,000 USD.
    bands = """\
  below 1_000 USD => 0 USD
  1_000 USD to 5_000 USD => 100 USD
  5_000 USD and up => 500 USD
"""
    line = commission_line(evaluate(plan_text("lookup", bands), [D(bookings)]))
    assert line.unrounded == D(value)


def test_lookup_key_below_first_band_is_error():
    with pytest.raises(EvaluationError) as caught:
        evaluate(plan_text("lookup", LOOKUP_BANDS["to"]), [D("-0.01")])
    assert "falls in no band" in caught.value.message


# ---- band edges that the checker rejects -----------------------------------


def diagnostic_codes(bands: str) -> list[str]:
    compiled = compile_text(plan_text("retroactive", bands), "tiers.spm")
    return [d.code for d in compiled.diagnostics if d.is_error]


def test_bands_sharing_inclusive_edge_overlap():
    # 1000 would be in both [0, 1000] and [1000, 5000).
    codes = diagnostic_codes("  0 USD through 1_000 USD => 2%\n  1_000 USD to 5_000 USD => 5%\n")
    assert codes == ["E301"]


def test_bands_both_excluding_edge_leave_gap():
    # 1000 would be in neither [0, 1000) nor (1000, 5000].
    codes = diagnostic_codes("  0 USD to 1_000 USD => 2%\n  above 1_000 USD through 5_000 USD => 5%\n")
    assert codes == ["E302"]


def test_through_then_above_same_edge_is_accepted():
    codes = diagnostic_codes("  0 USD through 1_000 USD => 2%\n  above 1_000 USD through 5_000 USD => 5%\n")
    assert codes == []
