"""Tests of ``explain``, the printed derivation tree.

Worked values of the hand-built trace: bookings = 100,000.00 + 60,000.00 x 50%
+ 80,000.00 = 210,000.00 and attainment = 210,000.00 / 200,000.00 = 105%. The
tiers pay 200,000.00 x 10% = 20,000.00 and 10,000.00 x 15% = 1,500.00, so
new_business = 21,500.00, and the total is 21,500.00 + 1,000.00 - 2,000.00 =
20,500.00.
"""

from __future__ import annotations

import pytest

from spmlang.diagnostics import InputError
from spmlang.statements.explain import explain
from spmlang.statements.models import (
    InputFile,
    KeyValue,
    Line,
    LineItem,
    PeriodRef,
    PlanRef,
    SourceSpan,
    Statement,
    TierSlice,
    TracedTransaction,
    TraceNode,
)
from spmlang.statements.render_json import statement_from_json, statement_to_json

PLAN_FILE = "plans/ae.spm"


def span(line: int) -> SourceSpan:
    return SourceSpan(file=PLAN_FILE, line=line, column=3)


def money(name: str, value: str | None, kind: str = "let", **fields: object) -> TraceNode:
    return TraceNode(name=name, kind=kind, value=value, unit="money", **fields)


def make_statement(trace: list[TraceNode], lines: list[Line] | None = None, total: str = "0") -> Statement:
    return Statement(
        plan=PlanRef(name="Enterprise AE", version="2024.1", file=PLAN_FILE, sha256="0" * 64),
        inputs=[InputFile(role="plan", path=PLAN_FILE, sha256="0" * 64)],
        payee="rep-007",
        attributes={},
        period=PeriodRef(label="2024-Q1", start="2024-01-01", end="2024-03-31"),
        currency="USD",
        lines=lines or [],
        total=total,
        measures=[KeyValue(name="attainment", value="1.05", unit="number")],
        warnings=[],
        credited=[],
        trace=trace,
    )


def make_traced_statement() -> Statement:
    bookings = money(
        "bookings", "210000.00", kind="measure",
        expression="sum(deal.amount * credit.share)", span=span(8),
        transactions=[
            TracedTransaction(id="D101", row=2, date="2024-02-10", value="100000.00", share="1", rule="owner"),
            TracedTransaction(id="D102", row=3, date="2024-03-01", value="30000.00", share="0.5", rule="split"),
            TracedTransaction(id="D103", row=4, date="2024-03-15", value="80000.00", share="1", rule="owner"),
        ],
    )
    quota = money("quota", "200000.00", kind="param", span=span(3))
    attainment = TraceNode(
        name="attainment", kind="let", value="1.05", unit="number",
        expression="bookings / quota", span=span(12), children=[bookings, quota],
    )
    tiers = money(
        "tiers", "21500.00", kind="tiers",
        expression="tiers attainment {\n    0% to 100%: 10%,\n    100% to 150%: 15%\n}",
        span=span(21),
        slices=[
            TierSlice(band="0% to 100%", base="200000.00", rate="0.10", amount="20000.00"),
            TierSlice(band="100% to 150%", base="10000.00", rate="0.15", amount="1500.00"),
        ],
        children=[attainment, bookings],
    )
    renewal_rate = TraceNode(
        name="renewal_rate", kind="measure", value=None, unit="percent",
        expression="renewed / up_for_renewal", span=span(15),
        note="no contracts were up for renewal in the period",
    )
    new_business = money(
        "new_business", "21500.00", kind="component",
        expression="tiers(attainment) of bookings", span=span(20), children=[tiers],
    )
    kicker = money(
        "kicker", "1000.00", kind="component",
        expression="if attainment >= 100% or renewal_rate >= 90% then 1000.00 else 0",
        span=span(25),
        note="renewal_rate is undefined, so only the attainment condition applied",
        children=[attainment, renewal_rate],
    )
    draw_recovery = money(
        "draw_recovery", "-2000.00", kind="component",
        expression="-draw_balance", span=span(30),
        note="Recovers the draw paid in January",
        children=[money("draw_balance", "2000.00", kind="attribute")],
    )
    total = money(
        "total", "20500.00", kind="total",
        expression="new_business + kicker + draw_recovery",
        children=[new_business, kicker, draw_recovery],
    )
    lines = [
        Line(name="new_business", label="New business commission", kind="component",
             amount="21500.00", unrounded="21500.00"),
        Line(name="kicker", label="Attainment kicker", kind="component",
             amount="1000.00", unrounded="1000.00"),
        Line(name="draw_recovery", label="Draw recovery", kind="adjustment",
             amount="-2000.00", unrounded="-2000.00"),
    ]
    return make_statement([new_business, kicker, draw_recovery, total], lines=lines, total="20500.00")


EXPECTED_FULL = """\
new_business = 21,500.00 USD  from tiers(attainment) of bookings  at plans/ae.spm:20
  tiers = 21,500.00 USD  from tiers attainment { 0% to 100%: 10%, 100% to 150%: 15% }  at plans/ae.spm:21
    0% to 100%: 200,000.00 x 10% = 20,000.00
    100% to 150%: 10,000.00 x 15% = 1,500.00
    attainment = 105%  from bookings / quota  at plans/ae.spm:12
      bookings = 210,000.00 USD  from sum(deal.amount * credit.share)  at plans/ae.spm:8
        D101  row 2  2024-02-10  100,000.00
        D102  row 3  2024-03-01   30,000.00  share 50%
        D103  row 4  2024-03-15   80,000.00
      quota = 200,000.00 USD  at plans/ae.spm:3
    bookings = 210,000.00 USD  from sum(deal.amount * credit.share)  at plans/ae.spm:8
      (derivation shown above)

kicker = 1,000.00 USD  from if attainment >= 100% or renewal_rate >= 90% then 1000.00 else 0  at plans/ae.spm:25
  note: renewal_rate is undefined, so only the attainment condition applied
  attainment = 105%  from bookings / quota  at plans/ae.spm:12
    (derivation shown above)
  renewal_rate = undefined  from renewed / up_for_renewal  at plans/ae.spm:15
    note: no contracts were up for renewal in the period

draw_recovery = -2,000.00 USD  from -draw_balance  at plans/ae.spm:30
  note: Recovers the draw paid in January
  draw_balance = 2,000.00 USD

total = 20,500.00 USD  from new_business + kicker + draw_recovery
  new_business = 21,500.00 USD  from tiers(attainment) of bookings  at plans/ae.spm:20
    (derivation shown above)
  kicker = 1,000.00 USD  from if attainment >= 100% or renewal_rate >= 90% then 1000.00 else 0  at plans/ae.spm:25
    note: renewal_rate is undefined, so only the attainment condition applied
    (derivation shown above)
  draw_recovery = -2,000.00 USD  from -draw_balance  at plans/ae.spm:30
    note: Recovers the draw paid in January
    (derivation shown above)
"""


def test_explain_full_tree() -> None:
    assert explain(make_traced_statement()) == EXPECTED_FULL


def test_explain_same_after_json() -> None:
    statement = make_traced_statement()
    reloaded = statement_from_json(statement_to_json(statement), "statement.json")

    assert explain(reloaded) == explain(statement)


def test_explain_one_line() -> None:
    expected = """\
kicker = 1,000.00 USD  from if attainment >= 100% or renewal_rate >= 90% then 1000.00 else 0  at plans/ae.spm:25
  note: renewal_rate is undefined, so only the attainment condition applied
  attainment = 105%  from bookings / quota  at plans/ae.spm:12
    bookings = 210,000.00 USD  from sum(deal.amount * credit.share)  at plans/ae.spm:8
      D101  row 2  2024-02-10  100,000.00
      D102  row 3  2024-03-01   30,000.00  share 50%
      D103  row 4  2024-03-15   80,000.00
    quota = 200,000.00 USD  at plans/ae.spm:3
  renewal_rate = undefined  from renewed / up_for_renewal  at plans/ae.spm:15
    note: no contracts were up for renewal in the period
"""

    assert explain(make_traced_statement(), line="kicker") == expected


def test_explain_unknown_line_lists_names() -> None:
    with pytest.raises(InputError) as raised:
        explain(make_traced_statement(), line="bonus")

    assert str(raised.value) == (
        "Line 'bonus' not found in the statement of payee 'rep-007' for 2024-Q1. "
        "Valid line names: new_business, kicker, draw_recovery, total."
    )


def test_explain_empty_trace() -> None:
    assert explain(make_statement([])) == "The statement has no derivation trace.\n"


def test_explain_undefined_root() -> None:
    root = money("bonus", None, kind="component", expression="quota_bonus")

    assert explain(make_statement([root])) == "bonus = undefined  from quota_bonus\n"


def test_explain_transaction_without_date() -> None:
    measure = money(
        "bookings", "150.50", kind="measure",
        transactions=[
            TracedTransaction(id="D7", row=12, date=None, value="50.50", share="1", rule="owner"),
            TracedTransaction(id="D10", row=9, date="2024-01-05", value="100.00", share="1.25", rule="overlay"),
        ],
    )
    expected = """\
bookings = 150.50 USD
  D7   row 12  no date      50.50
  D10  row 9   2024-01-05  100.00  share 125%
"""

    assert explain(make_statement([measure])) == expected


def test_explain_multiline_note() -> None:
    root = money("cap", "5000.00", kind="cap", note="capped at 5000.00\nuncapped value 6200.00")

    assert explain(make_statement([root])) == (
        "cap = 5,000.00 USD\n"
        "  note: capped at 5000.00\n"
        "  note: uncapped value 6200.00\n"
    )


def test_explain_shared_measure_printed_once() -> None:
    transaction_count = 1000
    component_count = 50
    transactions = [
        TracedTransaction(id=f"D{i}", row=i + 2, date="2024-02-01", value="10.00", share="1", rule="owner")
        for i in range(transaction_count)
    ]
    bookings = money("bookings", "10000.00", kind="measure", transactions=transactions)
    components = [
        money(f"component_{i}", "100.00", kind="component", children=[bookings])
        for i in range(component_count)
    ]
    total = money("total", "5000.00", kind="total", children=components)

    output = explain(make_statement([*components, total])).splitlines()

    transaction_rows = [row for row in output if row.lstrip().startswith("D")]
    assert len(transaction_rows) == transaction_count
    assert {row.split()[0] for row in transaction_rows} == {f"D{i}" for i in range(transaction_count)}
    # The first component prints 1 + 1 + 1000 lines, each of the other 49
    # prints 3, and the total prints 1 + 50 x 2, plus 50 blank lines between roots.
    assert len(output) == 1002 + 49 * 3 + 101 + 50


def test_explain_lists_itemized_amounts():
    # Items 0.015 and 0.025 round half-up to 0.02 and 0.03; the line pays 0.05.
    line = Line(
        name="commission", label="Commission", kind="component", amount="0.05", unrounded="0.040",
        items=[
            LineItem(transaction="D1", amount="0.02", unrounded="0.015"),
            LineItem(transaction="D22", amount="0.03", unrounded="0.025"),
        ],
    )
    root = money("commission", "0.040", kind="component")
    text = explain(make_statement([root], [line], total="0.05"), "commission")
    assert "  per transaction (paid, unrounded):\n" in text
    assert "    D1             0.02  0.015\n" in text
    assert "    D22            0.03  0.025\n" in text
