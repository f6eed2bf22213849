"""Write payout lines of many statements as one CSV file for payroll.

There is one row per statement line and no total row, because payroll sums
the lines. Amounts are written exactly as the statement stores them.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from spmlang.money import decimal_context
from spmlang.statements.models import Statement

COLUMNS = (
    "payee",
    "period",
    "period_start",
    "period_end",
    "line",
    "label",
    "kind",
    "amount",
    "currency",
    "plan",
    "plan_version",
    "plan_sha256",
)


def payout_lines_csv(statements: list[Statement]) -> str:
    """Render the lines of ``statements`` as CSV text with a header row and "\\n" line endings.

    Rows are sorted by payee, then period start date, then line order within
    the statement. Statements that tie on payee and period start keep their
    order in ``statements``. Raises ValueError for a statement whose lines do
    not add up to its total, since payroll would then pay a different sum.
    """
    for statement in statements:
        _check_lines_add_up(statement)
    ordered = sorted(statements, key=lambda statement: (statement.payee, statement.period.start))

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(COLUMNS)
    for statement in ordered:
        for line in statement.lines:
            writer.writerow(
                (
                    statement.payee,
                    statement.period.label,
                    statement.period.start,
                    statement.period.end,
                    line.name,
                    line.label,
                    line.kind,
                    line.amount,
                    statement.currency,
                    statement.plan.name,
                    statement.plan.version,
                    statement.plan.sha256,
                )
            )
    return buffer.getvalue()


def _check_lines_add_up(statement: Statement) -> None:
    with decimal_context():
        line_sum = sum((Decimal(line.amount) for line in statement.lines), Decimal(0))
        total = Decimal(statement.total)
    if line_sum != total:
        raise ValueError(
            f"statement of payee {statement.payee!r} for {statement.period.label}: "
            f"the lines add up to {line_sum} but the total is {statement.total}"
        )
