"""Assemble a Statement model from one payee's evaluation result."""

from __future__ import annotations

from spmlang import ir
from spmlang.runtime.evaluate import Credit, PayeeResult
from spmlang.runtime.periods import Period
from spmlang.runtime.trace import source_span
from spmlang.runtime.values import Value, value_text
from spmlang.statements.models import (
    CreditedTransaction, InputFile, KeyValue, Line, LineItem, PeriodRef, PlanRef, Statement, StatementWarning,
)


def build_statement(
    plan: ir.Plan,
    plan_path: str,
    inputs: list[InputFile],
    payee: str,
    attributes: dict[str, Value],
    period: Period,
    credits: list[Credit],
    result: PayeeResult,
    overrides: dict[str, Value] | None = None,
) -> Statement:
    lines = [
        Line(
            name=line.name,
            label=line.label,
            kind=line.kind,
            amount=value_text(line.amount),
            unrounded=value_text(line.unrounded),
            items=[LineItem(transaction=t, amount=value_text(a), unrounded=value_text(u)) for t, u, a in line.items],
        )
        for line in result.lines
    ]
    return Statement(
        plan=PlanRef(name=plan.name, version=plan.version, file=plan_path, sha256=plan.sha256),
        inputs=inputs,
        payee=payee,
        attributes={f.name: value_text(attributes.get(f.name)) for f in plan.roster.fields if f.name != "id"},
        period=PeriodRef(label=period.label, start=period.start.isoformat(), end=period.last_day.isoformat()),
        currency=plan.currency,
        lines=lines,
        total=value_text(result.total),
        measures=[KeyValue(name=name, value=value_text(value), unit=unit) for name, value, unit in result.values],
        warnings=[StatementWarning(message=message, span=source_span(span)) for message, span in result.warnings],
        overrides={name: value_text(value) for name, value in sorted((overrides or {}).items())},
        credited=[
            CreditedTransaction(id=c.id, row=c.row, date=c.date.isoformat() if c.date else None,
                                share=value_text(c.share), rule=c.rule)
            for c in credits
        ],
        trace=result.trace,
    )
