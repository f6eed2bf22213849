"""Lower a checked plan to the IR that the engines evaluate."""

from __future__ import annotations

import hashlib
from decimal import Decimal

from spmlang import ir
from spmlang.checking.checker import CheckedPlan
from spmlang.diagnostics import Diagnostic
from spmlang.grammar import syntax as s


def _const(expr: s.Expr, diagnostics: list[Diagnostic], where: str) -> ir.Const | None:
    negative = False
    if isinstance(expr, s.Unary) and expr.op == "-":
        negative, expr = True, expr.operand
    if not isinstance(expr, s.Literal):
        diagnostics.append(Diagnostic("E350", f"{where} must be a single value such as 5%, 1_000 USD or \"Won\"",
                                      getattr(expr, "span", None)))
        return None
    value = expr.value
    if negative and isinstance(value, Decimal):
        value = -value
    return ir.Const(value, expr.unit, expr.span, expr.text)


def _assignments(items, diagnostics, where) -> tuple[tuple[str, ir.Const], ...]:
    out = []
    for item in items:
        const = _const(item.value, diagnostics, f"{where} `{item.name}`")
        if const is not None:
            out.append((item.name, const))
    return tuple(out)


def _lower_test(test: s.PlanTest, diagnostics: list[Diagnostic]) -> ir.TestDecl:
    expects = []
    for item in test.expects:
        const = _const(item.value, diagnostics, f"expected value of `{item.name}`")
        if const is not None:
            expects.append((item.name, const, item.span))
    return ir.TestDecl(
        name=test.name,
        period=test.period,
        payee=_assignments(test.payee, diagnostics, "payee attribute"),
        deals=tuple(_assignments(deal, diagnostics, "deal field") for deal in test.deals),
        deal_spans=test.deal_spans,
        params=_assignments(test.params, diagnostics, "parameter"),
        expects=tuple(expects),
        span=test.span,
    )


def lower(checked: CheckedPlan) -> tuple[ir.Plan, list[Diagnostic]]:
    """Assemble the IR from checked declarations; report plan tests that are not literal."""
    diagnostics: list[Diagnostic] = []
    source = checked.source
    header = checked.header
    effective = checked.effective
    reported = [name for name in checked.order]
    plan = ir.Plan(
        name=header.name if header else "",
        version=header.version if header else "",
        file=source.file,
        source=source.text,
        sha256=hashlib.sha256(source.text.encode("utf-8")).hexdigest(),
        effective_start=effective.start if effective else None,
        effective_end=effective.end if effective else None,
        period=checked.period,
        currency=checked.currency,
        rounding=checked.rounding,
        ledger=checked.ledger,
        roster=checked.roster,
        params=dict(checked.params),
        rubrics=dict(checked.rubrics),
        tables=dict(checked.tables),
        measures=dict(checked.measures),
        lets=dict(checked.lets),
        tiers=dict(checked.tiers),
        components=dict(checked.components),
        total=checked.total,
        tests=tuple(_lower_test(t, diagnostics) for t in checked.tests),
        reported=tuple(reported),
    )
    return plan, diagnostics
