"""Crediting: decide for every ledger row whether it is credited, excluded or rejected.

Every row read ends in exactly one bucket, and the reconciliation counts and
sums each bucket so that they add up to what was read. The checks run in this
order:

1. A row that did not parse is rejected.
2. A row matching one of the plan's ``exclude`` rules is excluded under that
   rule's name.
3. A duplicate id, a missing payee or date, or a payee not on the roster
   rejects the row.
4. A date outside the run's periods or the plan's effective dates excludes it.
5. What remains is credited in full to its payee (the "owner" rule).

NOTE: split credit, overlays and manager roll-ups are not in the language yet;
``Credit.share`` carries the share so they can be added as further rules.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from spmlang import ir
from spmlang.money import ONE, ZERO
from spmlang.runtime.evaluate import Credit, PayeeEvaluator
from spmlang.runtime.inputs import FieldSpec, Rejection, Row, Table, parse_value
from spmlang.runtime.periods import Period

OUTSIDE_RUN = "outside the run's periods"
OUTSIDE_PLAN = "outside the plan's effective dates"
OWNER_RULE = "owner"


@dataclass
class Bucket:
    rows: int = 0
    amount: Decimal = ZERO

    def add(self, amount: Decimal | None) -> None:
        self.rows += 1
        if amount is not None:
            self.amount += amount


@dataclass
class Reconciliation:
    """Counts and sums of the ledger's rows by what happened to them."""

    amount_field: str | None
    read: Bucket = field(default_factory=Bucket)
    credited: Bucket = field(default_factory=Bucket)
    excluded: dict[str, Bucket] = field(default_factory=dict)
    rejected: dict[str, Bucket] = field(default_factory=dict)
    # Rows whose amount cell could not be read: counted, but not in any sum.
    unreadable_amounts: int = 0

    def balances(self) -> bool:
        buckets = [self.credited, *self.excluded.values(), *self.rejected.values()]
        rows = sum(b.rows for b in buckets)
        amount = sum((b.amount for b in buckets), ZERO)
        return rows == self.read.rows and amount == self.read.amount


@dataclass
class CreditResult:
    credits: dict[tuple[str, str], list[Credit]]  # (payee, period label) -> credits in file order
    rejections: list[Rejection]
    reconciliation: Reconciliation
    # Row number -> source column -> cell text of each rejected row, so a rejects file can be fixed.
    rejected_cells: dict[int, dict[str, str]] = field(default_factory=dict)


def amount_field(ledger: ir.LedgerDecl) -> ir.FieldDecl | None:
    """Return the field reconciled in amounts: ``amount`` if declared, else the first money field."""
    named = ledger.field("amount")
    if named is not None and named.unit == "money":
        return named
    return next((f for f in ledger.fields if f.unit == "money"), None)


def _readable_amount(table: Table, number: int, money: ir.FieldDecl, spec: FieldSpec) -> Decimal | None:
    """Return the amount of a rejected row when its amount cell itself is readable, else None."""
    cells = table.rejected_cells.get(number)
    if cells is None or money.name not in cells:
        return None
    try:
        value = parse_value(cells[money.name], spec)
    except ValueError:
        return None
    return value if isinstance(value, Decimal) else ZERO


def _reason_group(rejection: Rejection) -> str:
    reason = rejection.reason.split(";", 1)[0]
    return f"{rejection.column}: {reason}" if rejection.column else reason


class _RowRules:
    """Evaluate exclude rules on a row; they may read fields and parameters."""

    def __init__(self, plan: ir.Plan, params: dict):
        self.evaluator = PayeeEvaluator(plan, "", {}, [], "", params)
        self.rules = plan.ledger.excludes if plan.ledger else ()

    def excluded_by(self, row: Row) -> str | None:
        if not self.rules:
            return None
        self.evaluator.row = Credit("", row.number, None, row.values, ONE, "")
        for rule in self.rules:
            with self.evaluator.frame():
                if self.evaluator.eval(rule.condition) is True:
                    return rule.label
        return None


def credit(
    plan: ir.Plan,
    table: Table,
    roster_ids: set[str],
    periods: list[Period],
    params: dict | None = None,
) -> CreditResult:
    """Credit the ledger's rows to payees and periods, and reconcile every row."""
    ledger = plan.ledger
    assert ledger is not None
    money = amount_field(ledger)
    recon = Reconciliation(money.name if money else None)
    rejections: list[Rejection] = []
    credits: dict[tuple[str, str], list[Credit]] = {}
    rules = _RowRules(plan, params or {})
    has_id = ledger.field("id") is not None
    has_date = ledger.field("date") is not None
    first_seen: dict[str, int] = {}
    columns = {f.name: f.column for f in ledger.fields}
    amount_spec = FieldSpec(name=money.name, column=money.column, type="money", optional=True,
                            decimal_comma=money.decimal_comma, currency=plan.currency) if money else None

    rejected_cells: dict[int, dict[str, str]] = {}

    def keep_cells(number: int, cells: dict[str, str]) -> None:
        rejected_cells[number] = {columns[name]: text for name, text in cells.items()}

    def reject(row: int, column: str, value: str, reason: str, amount: Decimal | None) -> None:
        keep_cells(row, parsed[row].raw)
        rejection = Rejection(row, column, value, reason)
        rejections.append(rejection)
        recon.rejected.setdefault(_reason_group(rejection), Bucket()).add(amount)
        recon.read.add(amount)

    # Rows that did not parse, in file order, with the rows that did.
    parsed = {row.number: row for row in table.rows}
    for number in sorted(set(parsed) | set(table.rejected_rows)):
        if number in table.rejected_rows:
            bad = table.rejected_rows[number]
            rejections.extend(bad)
            if number in table.rejected_cells:
                keep_cells(number, table.rejected_cells[number])
            amount = _readable_amount(table, number, money, amount_spec) if money else None
            recon.rejected.setdefault(_reason_group(bad[0]), Bucket()).add(amount)
            recon.read.add(amount)
            if money is not None and amount is None:
                recon.unreadable_amounts += 1
            continue
        row = parsed[number]
        amount = row.values.get(money.name) if money else None
        rule = rules.excluded_by(row)
        if rule is not None:
            recon.excluded.setdefault(rule, Bucket()).add(amount)
            recon.read.add(amount)
            continue
        txn_id = str(row.values["id"]) if has_id and row.values.get("id") is not None else f"row {number}"
        if has_id:
            if row.values.get("id") is None:
                reject(number, columns["id"], "", "missing id", amount)
                continue
            if txn_id in first_seen:
                reject(number, columns["id"], txn_id,
                       f"duplicate id {txn_id}, first seen at row {first_seen[txn_id]}; "
                       "remove one of the two rows", amount)
                continue
            first_seen[txn_id] = number
        payee = row.values.get("payee")
        if payee is None:
            reject(number, columns["payee"], "", "missing payee", amount)
            continue
        date = row.values.get("date") if has_date else None
        if has_date and date is None:
            reject(number, columns["date"], "", "missing date; a credited transaction needs a date", amount)
            continue
        if payee not in roster_ids:
            reject(number, columns["payee"], str(payee),
                   f"payee {payee} is not on the roster; add them to the roster or fix the name", amount)
            continue
        if has_date:
            if (plan.effective_start and date < plan.effective_start) or (
                    plan.effective_end and date > plan.effective_end):
                recon.excluded.setdefault(OUTSIDE_PLAN, Bucket()).add(amount)
                recon.read.add(amount)
                continue
            period = next((p for p in periods if p.contains(date)), None)
            if period is None:
                recon.excluded.setdefault(OUTSIDE_RUN, Bucket()).add(amount)
                recon.read.add(amount)
                continue
            label = period.label
        else:
            label = periods[0].label
        credits.setdefault((str(payee), label), []).append(
            Credit(txn_id, number, date, row.values, ONE, OWNER_RULE)
        )
        recon.credited.add(amount)
        recon.read.add(amount)
    # Excluded buckets in plan order, then the run's own rules, whatever order rows came in.
    order = [rule.label for rule in ledger.excludes] + [OUTSIDE_PLAN, OUTSIDE_RUN]
    recon.excluded = {label: recon.excluded[label] for label in order if label in recon.excluded}
    return CreditResult(credits, rejections, recon, rejected_cells)
