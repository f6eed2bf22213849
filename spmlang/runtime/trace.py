"""Build trace nodes: the evaluator reports each step here as it computes it."""

from __future__ import annotations

from spmlang.diagnostics import Span
from spmlang.runtime.values import Value, value_text
from spmlang.statements.models import SourceSpan, TierSlice, TracedTransaction, TraceNode


def source_span(span: Span | None) -> SourceSpan | None:
    if span is None:
        return None
    return SourceSpan.model_construct(file=span.file, line=span.line, column=span.column)


def node(
    name: str,
    kind: str,
    value: Value,
    unit: str,
    expression: str = "",
    span: Span | None = None,
    note: str = "",
    children: list[TraceNode] | None = None,
    transactions: list[TracedTransaction] | None = None,
    slices: list[TierSlice] | None = None,
) -> TraceNode:
    # model_construct skips validation: every field is built here from typed values,
    # and a large ledger makes millions of these.
    return TraceNode.model_construct(
        name=name,
        kind=kind,
        value=value_text(value),
        unit=unit,
        expression=expression,
        span=source_span(span),
        note=note,
        children=children or [],
        transactions=transactions or [],
        slices=slices or [],
    )


def without_transactions(trace: TraceNode) -> TraceNode:
    """Copy a node for a second appearance in a statement: its transactions are listed once."""
    if not trace.transactions and not trace.children:
        return trace
    note = trace.note
    if trace.transactions:
        count = len(trace.transactions)
        listed = f"{count} transaction{'' if count == 1 else 's'} listed above"
        note = f"{note}; {listed}" if note else listed
    return trace.model_copy(update={
        "transactions": [],
        "children": [without_transactions(child) for child in trace.children],
        "note": note,
    })
