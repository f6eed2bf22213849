"""Run the tests written inside a plan: a payee, a few deals, expected values."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from spmlang import ir
from spmlang.money import ONE, decimal_context
from spmlang.runtime.crediting import OWNER_RULE, _RowRules
from spmlang.runtime.evaluate import Credit, PayeeEvaluator
from spmlang.runtime.inputs import Row
from spmlang.runtime.periods import parse_period, period_of
from spmlang.runtime.values import EvaluationError, Value, value_text

TEST_PAYEE = "test-payee"


@dataclass
class Outcome:
    name: str
    passed: bool
    line: int
    failures: list[str] = field(default_factory=list)

    def describe(self) -> str:
        head = f"{'PASS' if self.passed else 'FAIL'} {self.name} (line {self.line})"
        return "\n".join([head] + [f"    {failure}" for failure in self.failures])


def _convert(const: ir.Const, unit: str, what: str, ratings: tuple[str, ...] = ()) -> Value:
    value = const.value
    where = f"line {const.span.line}: "
    if unit == "rating":
        key = str(value.normalize()) if isinstance(value, Decimal) else str(value)
        if ratings and key not in ratings:
            raise ValueError(f'{where}{what}: rating "{key}" is not on the scale {", ".join(ratings)}')
        return key
    if unit in ("money", "number", "percent", "count"):
        if not isinstance(value, Decimal):
            raise ValueError(f"{where}{what} needs a number, got {const.text}")
        return value
    if unit == "date" and not isinstance(value, datetime.date):
        raise ValueError(f"{where}{what} needs a date such as 2027-01-31, got {const.text}")
    if unit == "bool" and not isinstance(value, bool):
        raise ValueError(f"{where}{what} needs true or false, got {const.text}")
    if unit == "text":
        return str(value.normalize()) if isinstance(value, Decimal) else str(value)
    return value


def _run_one(plan: ir.Plan, test: ir.TestDecl) -> Outcome:
    outcome = Outcome(test.name, True, test.span.line)
    if test.period:
        period = parse_period(test.period, plan.period)
    elif plan.effective_start:
        period = period_of(plan.effective_start, plan.period)
    else:
        raise ValueError("the test needs a period: add a line such as `during 2027-Q1`")
    attributes: dict[str, Value] = {}
    for name, const in test.payee:
        decl = plan.roster.field(name)
        if decl is None or name == "id":
            known = ", ".join(f.name for f in plan.roster.fields if f.name != "id")
            raise ValueError(f"line {const.span.line}: the roster has no attribute `{name}` (attributes: {known})")
        ratings = tuple(e.key for e in plan.rubrics[decl.rubric].entries) if decl.rubric else ()
        attributes[name] = _convert(const, decl.unit, f"attribute `{name}`", ratings)

    params: dict[str, Value] = {}
    for name, const in test.params:
        if name not in plan.params:
            raise ValueError(f"line {const.span.line}: the plan has no parameter `{name}`")
        params[name] = _convert(const, plan.params[name].value.unit, f"parameter `{name}`")

    credits: list[Credit] = []
    rules = _RowRules(plan, params)
    for index, (deal, span) in enumerate(zip(test.deals, test.deal_spans), start=1):
        if plan.ledger is None:
            raise ValueError("the plan declares no ledger, so a test cannot list deals")
        values: dict[str, object] = {f.name: None for f in plan.ledger.fields}
        values.update({"id": f"T{index}", "payee": TEST_PAYEE, "date": period.start})
        for name, const in deal:
            decl = plan.ledger.field(name)
            if decl is None:
                known = ", ".join(f.name for f in plan.ledger.fields)
                raise ValueError(f"line {span.line}: ledger `{plan.ledger.name}` has no field `{name}` "
                                 f"(fields: {known})")
            values[name] = _convert(const, decl.unit, f"field `{name}`")
        row = Row(span.line, values, {})
        if rules.excluded_by(row) is not None:
            continue
        date = values.get("date")
        if isinstance(date, datetime.date) and not period.contains(date):
            continue
        credits.append(Credit(str(values["id"]), span.line, date if isinstance(date, datetime.date) else None,
                              values, ONE, OWNER_RULE))

    result = PayeeEvaluator(plan, TEST_PAYEE, attributes, credits, period.label, params).run()
    lines = {line.name: line.amount for line in result.lines}
    reported = {name: value for name, value, _ in result.values}
    for name, expected, span in test.expects:
        if name == "total":
            actual: Value = result.total
        elif name in lines:
            actual = lines[name]
        elif name in reported:
            actual = reported[name]
        elif name in plan.params or plan.roster.field(name) is not None:
            evaluator = PayeeEvaluator(plan, TEST_PAYEE, attributes, credits, period.label, params)
            actual = evaluator.definition(name)[0]
        else:
            known = ", ".join(["total", *lines, *reported])
            outcome.passed = False
            outcome.failures.append(f"line {span.line}: `{name}` is not a line or value of the plan ({known})")
            continue
        if actual != expected.value:
            outcome.passed = False
            difference = ""
            if isinstance(actual, Decimal) and isinstance(expected.value, Decimal):
                difference = f" (difference {value_text(actual - expected.value)})"
            outcome.failures.append(
                f"line {span.line}: {name}: expected {expected.text}, got {value_text(actual) or 'undefined'}"
                f"{difference}")
    return outcome


def run_plan_tests(plan: ir.Plan) -> list[Outcome]:
    """Run every test of a plan; a test that cannot run fails with the reason."""
    outcomes = []
    with decimal_context():
        for test in plan.tests:
            try:
                outcomes.append(_run_one(plan, test))
            except (ValueError, EvaluationError) as err:
                message = err.describe() if isinstance(err, EvaluationError) else str(err)
                outcomes.append(Outcome(test.name, False, test.span.line, [message]))
    return outcomes
