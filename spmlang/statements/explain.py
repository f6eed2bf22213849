"""Render the derivation trace of a statement as an indented tree.

Each node prints as ``name = value unit  from expression  at file:line``,
with its note on the next line. Tier slices and credited transactions follow
as rows that can be checked with a calculator, then the node's inputs,
indented two spaces deeper.

A subtree that occurs more than once (the total repeats every line, and a
measure such as attainment often feeds several components) is printed in
full the first time only. Later occurrences print their header line and
"(derivation shown above)", so the output grows with the number of distinct
subtrees and not with the number of times each is used.
"""

from __future__ import annotations

from spmlang.diagnostics import InputError
from spmlang.statements.models import Statement, TraceNode
from spmlang.statements.render_text import (
    format_amount,
    format_percent,
    format_value,
    parse_decimal,
)

INDENT = "  "


def explain(statement: Statement, line: str | None = None) -> str:
    """Render the trace of ``statement`` as text ending in a newline.

    With ``line``, only the trace roots named ``line`` are printed. Raises
    InputError listing the valid names when no root has that name.
    """
    roots = statement.trace
    if line is not None:
        roots = [root for root in roots if root.name == line]
        if not roots:
            valid_names = ", ".join(root.name for root in statement.trace) or "none"
            raise InputError(
                f"Line {line!r} not found in the statement of payee {statement.payee!r} "
                f"for {statement.period.label}. Valid line names: {valid_names}."
            )
    if not roots:
        return "The statement has no derivation trace.\n"

    writer = _TreeWriter(statement.currency)
    items_by_line = {entry.name: entry.items for entry in statement.lines if entry.items}
    for index, root in enumerate(roots):
        if index > 0:
            writer.output.append("")
        writer.write_tree(root)
        writer.output.extend(_item_rows(items_by_line.get(root.name, [])))
    return "\n".join(writer.output) + "\n"


def _item_rows(items: list) -> list[str]:
    """List an itemized line's amount per transaction, paid and unrounded."""
    if not items:
        return []
    id_width = max(len(item.transaction) for item in items)
    rows = [f"{INDENT}per transaction (paid, unrounded):"]
    for item in items:
        rows.append(f"{INDENT * 2}{item.transaction:<{id_width}}  {format_amount(item.amount):>14}  "
                    f"{format_amount(item.unrounded)}")
    return rows


class _SubtreeIds:
    """Numbers trace subtrees so that equal subtrees get the same number.

    Two subtrees are equal when all their fields match, children included. The
    key of a node contains the numbers of its children rather than the children
    themselves, so building and hashing it costs time in proportion to the
    node's own fields.
    """

    def __init__(self) -> None:
        self._by_object: dict[int, int] = {}
        self._by_content: dict[tuple[object, ...], int] = {}

    def id_of(self, root: TraceNode) -> int:
        # Post-order with an explicit stack, because a trace can be deeper
        # than Python's recursion limit when built in memory.
        stack: list[tuple[TraceNode, bool]] = [(root, False)]
        while stack:
            node, children_done = stack.pop()
            if id(node) in self._by_object:
                continue
            if not children_done:
                stack.append((node, True))
                stack.extend((child, False) for child in node.children)
                continue
            key = (
                node.name,
                node.kind,
                node.value,
                node.unit,
                node.expression,
                node.span,
                node.note,
                tuple(node.transactions),
                tuple(node.slices),
                tuple(self._by_object[id(child)] for child in node.children),
            )
            self._by_object[id(node)] = self._by_content.setdefault(key, len(self._by_content))
        return self._by_object[id(root)]


class _TreeWriter:
    def __init__(self, currency: str) -> None:
        self.currency = currency
        self.output: list[str] = []
        self._ids = _SubtreeIds()
        self._printed: set[int] = set()

    def write_tree(self, root: TraceNode) -> None:
        stack: list[tuple[TraceNode, int]] = [(root, 0)]
        while stack:
            node, depth = stack.pop()
            self._write_header(node, depth)
            if not (node.children or node.transactions or node.slices):
                continue

            subtree_id = self._ids.id_of(node)
            inner = INDENT * (depth + 1)
            if subtree_id in self._printed:
                self.output.append(f"{inner}(derivation shown above)")
                continue
            self._printed.add(subtree_id)

            for tier_slice in node.slices:
                base = format_amount(tier_slice.base)
                rate = format_percent(tier_slice.rate)
                amount = format_amount(tier_slice.amount)
                self.output.append(f"{inner}{tier_slice.band}: {base} x {rate} = {amount}")
            self._write_transactions(node, inner)
            stack.extend((child, depth + 1) for child in reversed(node.children))

    def _write_header(self, node: TraceNode, depth: int) -> None:
        indent = INDENT * depth
        header = f"{indent}{node.name} = {format_value(node.name, node.value, node.unit, self.currency)}"
        if node.expression:
            # Multi-line expressions (a tiers block) are joined onto one line.
            header += f"  from {' '.join(node.expression.split())}"
        if node.span is not None:
            header += f"  at {node.span.file}:{node.span.line}"
        self.output.append(header)
        for note_line in node.note.splitlines():
            self.output.append(f"{indent}{INDENT}note: {note_line}")

    def _write_transactions(self, node: TraceNode, indent: str) -> None:
        """Write one aligned row per transaction: id, ledger row, date, value and any share other than 100%."""
        if not node.transactions:
            return
        rows = [
            (
                transaction.id,
                f"row {transaction.row}",
                transaction.date or "no date",
                format_amount(transaction.value),
                transaction.share,
            )
            for transaction in node.transactions
        ]
        id_width = max(len(row[0]) for row in rows)
        row_width = max(len(row[1]) for row in rows)
        date_width = max(len(row[2]) for row in rows)
        value_width = max(len(row[3]) for row in rows)
        for transaction_id, row, date, value, share in rows:
            text = (
                f"{indent}{transaction_id:<{id_width}}  {row:<{row_width}}  "
                f"{date:<{date_width}}  {value:>{value_width}}"
            )
            if parse_decimal(share) != 1:
                text += f"  share {format_percent(share)}"
            self.output.append(text)
